/**
 * Finds k6 (built once from source through the Go module proxy by scripts/ensure-go-tool.sh
 * and cached) and runs a bundled script, returning its exit code and end-of-test summary.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@switchboard/stack';

/** The k6 release the scripts are written against (k6/websockets, async VU functions). */
export const K6_MODULE = 'go.k6.io/k6@v1.8.1';

const OUTPUT_TAIL = 64 * 1024;

/** Path of the k6 binary: SB_K6_BIN when set, else the cached build of K6_MODULE. */
export function k6Binary(): string {
  const override = process.env.SB_K6_BIN;
  if (override) return override;
  return execFileSync(path.join(repoRoot, 'scripts', 'ensure-go-tool.sh'), [K6_MODULE], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** `--summary-export` JSON: each metric's aggregated values (count, rate, avg, p(95)...). */
export type K6Summary = { metrics: Record<string, K6MetricSummary> };
/** Stats by name; `thresholds` maps each expression to whether it was crossed. */
export type K6MetricSummary = {
  [stat: string]: number | Record<string, boolean> | undefined;
  thresholds?: Record<string, boolean>;
};

export type K6Run = {
  exitCode: number;
  summary: K6Summary | undefined;
  /** Exit code 99: the run completed but thresholds failed. */
  thresholdsFailed: boolean;
  /** The tail of k6's output when it was captured. */
  output: string;
};

export type K6Options = {
  script: string;
  env: Record<string, string>;
  /** Where the end-of-test summary goes (JSON). */
  summaryFile: string;
  /** Every metric sample, as JSON lines (gzip when the name ends in .gz). */
  samplesFile?: string;
  /** k6's own output: shown (inherited) by default, or captured into `output`. */
  stdio?: 'inherit' | 'capture';
  extraArgs?: string[];
  /** Called with k6's pid once it runs (e.g. to watch its CPU). */
  onStart?: (pid: number) => void;
};

export async function runK6(options: K6Options): Promise<K6Run> {
  fs.mkdirSync(path.dirname(options.summaryFile), { recursive: true });
  fs.rmSync(options.summaryFile, { force: true });
  const args = ['run', '--no-usage-report', `--summary-export=${options.summaryFile}`];
  if (options.samplesFile) args.push('--out', `json=${options.samplesFile}`);
  args.push(...(options.extraArgs ?? []), options.script);
  const child = spawn(k6Binary(), args, {
    env: { ...process.env, ...options.env, K6_NO_USAGE_REPORT: 'true' },
    stdio: [
      'ignore',
      options.stdio === 'capture' ? 'pipe' : 'inherit',
      options.stdio === 'capture' ? 'pipe' : 'inherit',
    ],
  });
  if (child.pid !== undefined) options.onStart?.(child.pid);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  let summary: K6Summary | undefined;
  if (fs.existsSync(options.summaryFile)) {
    summary = JSON.parse(fs.readFileSync(options.summaryFile, 'utf8')) as K6Summary;
  }
  return { exitCode, summary, thresholdsFailed: exitCode === 99, output };
}

/** One stat of a metric (`count`, `rate`, `med`, `p(95)`...), when the summary has it. */
export function stat(summary: K6Summary | undefined, metric: string, name: string): number | undefined {
  const value = summary?.metrics[metric]?.[name];
  return typeof value === 'number' ? value : undefined;
}

/** A counter's total in the summary (0 when the metric never got a sample). */
export function counterTotal(summary: K6Summary | undefined, metric: string): number {
  return stat(summary, metric, 'count') ?? 0;
}

/** Thresholds the run crossed, as `metric: expression` (empty when all held). */
export function failedThresholds(summary: K6Summary | undefined): string[] {
  return Object.entries(summary?.metrics ?? {}).flatMap(([name, values]) =>
    Object.entries(values.thresholds ?? {})
      .filter(([, crossed]) => crossed)
      .map(([expression]) => `${name}: ${expression}`),
  );
}
