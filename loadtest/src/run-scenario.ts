/**
 * `make loadtest SCENARIO=fanout`: builds the k6 scripts, mints tokens for the run and runs
 * the scenario. Without SB_TARGET it drives the local stack through its sticky load balancer
 * (starting the stack when needed); with SB_TARGET (e.g. a cluster's ingress) it touches
 * nothing local. Every other knob is an SB_* variable (loadtest/README.md).
 */
import path from 'node:path';
import { devJwtSecret, gatewayOpsPorts, gatewayPorts, HOST, ports, repoRoot, up } from '@switchboard/stack';
import { buildScripts } from './build-scripts.ts';
import { type K6Run, type K6Summary, runK6, stat } from './k6-runner.ts';
import { writeTokensFile } from './mint-tokens.ts';
import { newRunId } from './run-id.ts';
import {
  durationMs,
  type Env,
  SCENARIOS,
  type Scenario,
  soakParams,
  usersNeeded,
} from './scenario-params.ts';

export type ScenarioRun = K6Run & {
  runId: string;
  env: Record<string, string>;
  outDir: string;
  summaryFile: string;
  samplesFile: string | undefined;
};

export type ScenarioOptions = {
  scenario: Scenario;
  /** SB_* settings; process.env by default. */
  env?: Env;
  /** Record every sample (JSON lines, gzip) for charts and the acked-id check. */
  samples?: boolean;
  stdio?: 'inherit' | 'capture';
  log?: (line: string) => void;
  onStart?: (pid: number) => void;
};

export function localTarget(): string {
  return `http://${HOST}:${ports.loadBalancer}`;
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioRun> {
  const source = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('SB_') && value !== undefined && value !== '') env[key] = value;
  }
  const local = !env.SB_TARGET;
  if (local) {
    env.SB_TARGET = localTarget();
    await up({ log: (line) => log(`[stack] ${line}`) });
    if (options.scenario === 'soak' && !env.SB_METRICS_URLS) {
      env.SB_METRICS_URLS = gatewayPorts
        .map((p) => `http://${HOST}:${ports[gatewayOpsPorts[p]]}/metrics`)
        .join(',');
    }
  }
  env.SB_RUN_ID ??= newRunId();
  const runId = env.SB_RUN_ID;
  const outDir = path.join(repoRoot, 'bench-results', 'runs', `${options.scenario}-${runId}`);

  if (!env.SB_TOKENS_FILE) {
    const secret = source.JWT_SECRET ?? devJwtSecret;
    const count = usersNeeded(options.scenario, env);
    env.SB_TOKENS_FILE = await writeTokensFile({
      file: path.join(outDir, 'tokens.json'),
      count,
      runId,
      secret,
      issuer: source.JWT_ISSUER || undefined,
      audience: source.JWT_AUDIENCE || undefined,
      ttlSeconds: Math.ceil(runLengthMs(options.scenario, env) / 1000) + 3600,
    });
    log(`minted ${count} tokens for run ${runId}`);
  }

  const scripts = await buildScripts();
  const script = scripts[options.scenario];
  if (!script) throw new Error(`no k6 script for scenario "${options.scenario}"`);
  const summaryFile = path.join(outDir, 'summary.json');
  const samplesFile = options.samples ? path.join(outDir, 'samples.json.gz') : undefined;
  log(
    `k6 ${options.scenario} -> ${env.SB_TARGET} (run ${runId}, results in ${path.relative(repoRoot, outDir)})`,
  );
  const run = await runK6({
    script,
    env,
    summaryFile,
    samplesFile,
    stdio: options.stdio,
    onStart: options.onStart,
  });
  return { ...run, runId, env, outDir, summaryFile, samplesFile };
}

export type Drift = { early: number; late: number; ratio: number };

/** Soak: the p95 latency of the last tenth of the run against that of the first tenth. */
export function latencyDrift(summary: K6Summary | undefined): Drift | undefined {
  const early = stat(summary, 'sb_delivery_latency{window:early}', 'p(95)');
  const late = stat(summary, 'sb_delivery_latency{window:late}', 'p(95)');
  return early && late ? { early, late, ratio: late / early } : undefined;
}

/**
 * Drift beyond `maxRatio` fails a soak, unless the growth is within `floorMs`: 8 ms becoming
 * 14 ms is noise on a shared machine, not a leak.
 */
export function driftFails(drift: Drift, maxRatio: number, floorMs: number): boolean {
  return drift.ratio > maxRatio && drift.late - drift.early > floorMs;
}

/** A generous upper bound of a run's length, for token lifetimes. */
function runLengthMs(scenario: Scenario, env: Env): number {
  const p = soakParams(env);
  const fallback = scenario === 'soak' ? p.duration : (env.SB_DURATION ?? '30m');
  return durationMs(fallback) + durationMs(p.warmup) + durationMs(p.drain);
}

if (import.meta.main) {
  const scenario = (process.argv[2] ?? process.env.SCENARIO ?? 'fanout') as Scenario;
  if (!SCENARIOS.includes(scenario)) {
    console.error(`unknown scenario "${scenario}"; known: ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
  const run = await runScenario({ scenario, samples: process.env.SB_SAMPLES === '1' });
  let exitCode = run.exitCode;
  if (scenario === 'soak' && exitCode === 0) {
    const drift = latencyDrift(run.summary);
    const limit = Number(process.env.SB_MAX_DRIFT ?? '1.5');
    const floor = Number(process.env.SB_DRIFT_FLOOR_MS ?? '50');
    console.log(
      drift === undefined
        ? 'latency drift: no figure'
        : `latency drift: p95 ${drift.early.toFixed(0)} ms early, ${drift.late.toFixed(0)} ms late (x${drift.ratio.toFixed(2)}; fails above x${limit} and +${floor} ms)`,
    );
    if (drift !== undefined && driftFails(drift, limit, floor)) exitCode = 99;
  }
  if (scenario === 'connect') {
    // With an aborting threshold, the peak is where it broke; otherwise, what held.
    const peak = stat(run.summary, 'vus', 'max') ?? 0;
    const gateways = Number(process.env.SB_GATEWAYS ?? (process.env.SB_TARGET ? 0 : gatewayPorts.length));
    const perGateway =
      gateways > 0 ? `, about ${Math.round(peak / gateways)} per gateway (${gateways} gateways)` : '';
    console.log(`${exitCode === 0 ? 'held' : 'broke at'} ${peak} concurrent connections${perGateway}`);
  }
  process.exit(exitCode);
}
