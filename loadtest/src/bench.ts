/**
 * `make bench`: the whole platform measured in one run on the local stack. Runs the gateway
 * benchmark (make bench-gateway), the persister benchmark (make bench-persist) and the k6
 * fanout through the load balancer; checks that every message acked to a k6 publisher is
 * exactly one row in PostgreSQL; writes bench-results/bench-<time>/report.md + chart.svg.
 *
 * The fanout takes the usual SB_* knobs (bench defaults below); SB_BENCH_SKIP=gateway,persist
 * leaves out sub-benchmarks. Exits non-zero when a message is lost, doubled or missing from
 * PostgreSQL, or errors pass their threshold; a latency threshold crossed is reported, not fatal.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '@switchboard/db';
import { gatewayPorts, repoRoot, serviceEnv, up } from '@switchboard/stack';
import { type BenchData, headlineFigures, renderReport, type SubBenchmark, table } from './bench-report.ts';
import { renderChart } from './chart-svg.ts';
import { failedThresholds, k6Binary } from './k6-runner.ts';
import { readSamples } from './k6-samples.ts';
import { machineInfo } from './machine-info.ts';
import { checkPersisted } from './persisted-check.ts';
import { cpuSeconds, cpuUsed, stackCpu } from './process-cpu.ts';
import { runScenario } from './run-scenario.ts';
import { fanoutParams } from './scenario-params.ts';

/** Sized for a 2-core machine that also runs the whole stack and k6 itself. */
export const BENCH_DEFAULTS: Record<string, string> = {
  SB_ROOMS: '20',
  SB_MEMBERS: '10',
  SB_PUBLISHERS: '1',
  SB_RATE: '5',
  SB_DURATION: '60s',
  SB_WARMUP: '10s',
  SB_DRAIN: '60s',
};

const SUB_BENCHMARKS = [
  { key: 'gateway', name: 'gateway benchmark', target: 'bench-gateway' },
  { key: 'persist', name: 'persister benchmark', target: 'bench-persist' },
];

const log = (line: string) => console.log(`[bench] ${line}`);

async function main(): Promise<number> {
  const startedAt = new Date();
  const outDir = path.join(
    repoRoot,
    'bench-results',
    `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}`,
  );
  fs.mkdirSync(outDir, { recursive: true });
  await up({ log: (line) => log(`[stack] ${line}`) });
  const machine = machineInfo(k6Binary());

  const skip = (process.env.SB_BENCH_SKIP ?? '').split(',').map((s) => s.trim());
  const subBenchmarks: SubBenchmark[] = [];
  for (const sub of SUB_BENCHMARKS) {
    if (skip.includes(sub.key)) continue;
    log(`${sub.name}: make ${sub.target}`);
    subBenchmarks.push({ name: sub.name, ...(await runMake(sub.target)) });
  }

  const env: Record<string, string | undefined> = { ...BENCH_DEFAULTS, ...process.env };
  delete env.SB_TARGET; // the bench measures the local stack, through its load balancer
  const params = fanoutParams({ ...env, SB_TARGET: 'local' });
  log(
    `k6 fanout: ${params.rooms} rooms x ${params.members} members, ${params.publishers} publishers/room at ${params.rate} msg/s for ${params.duration}`,
  );
  const before = stackCpu();
  const k6Started = Date.now();
  let k6Cpu = 0;
  let watch: NodeJS.Timeout | undefined;
  const run = await runScenario({
    scenario: 'fanout',
    env,
    samples: true,
    log,
    onStart: (pid) => {
      // k6's CPU can only be read while it runs: sample it, the last reading is the total.
      watch = setInterval(() => {
        k6Cpu = Math.max(k6Cpu, cpuSeconds(pid));
      }, 500);
    },
  });
  clearInterval(watch);
  const k6Seconds = (Date.now() - k6Started) / 1000;
  const loadAfter = os.loadavg();
  const cpu = { ...cpuUsed(before, stackCpu()), k6: k6Cpu };

  log('reading k6 samples');
  const series = await readSamples(run.samplesFile!);
  log(`checking that ${series.acked.length} acked messages are in PostgreSQL exactly once`);
  const db = createDatabase(serviceEnv().DATABASE_URL, { poolMax: 2 });
  const persist = await checkPersisted(db, series.acked).finally(() => db.$disconnect());

  const chartFile = 'chart.svg';
  const title = `fan-out: ${params.rooms * params.members} receivers, ${params.rooms * params.publishers * params.rate} msg/s offered`;
  fs.writeFileSync(path.join(outDir, chartFile), renderChart(series.seconds, title));
  const overrides = Object.entries(process.env)
    .filter(([k, v]) => k.startsWith('SB_') && k !== 'SB_STACK_DIR' && k !== 'SB_PORT_OFFSET' && v)
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const data: BenchData = {
    startedAt,
    reproduce: `${overrides}make bench`,
    params: { ...params, target: run.env.SB_TARGET!, runId: run.runId },
    gateways: gatewayPorts.length,
    k6ExitCode: run.exitCode,
    summary: run.summary,
    series,
    persist,
    cpu,
    k6Seconds,
    loadAfter,
    machine,
    subBenchmarks,
    chartFile,
  };
  const reportFile = path.join(outDir, 'report.md');
  fs.writeFileSync(reportFile, renderReport(data));
  const latest = path.join(repoRoot, 'bench-results', 'latest');
  fs.rmSync(latest, { force: true });
  fs.symlinkSync(path.basename(outDir), latest);

  console.log('');
  console.log(table(['figure', 'value'], headlineFigures(data)));
  console.log('');
  log(`report: ${path.relative(process.cwd(), reportFile)} (also bench-results/latest/report.md)`);
  // Latency beyond its threshold is a figure of this machine; a lost, doubled or missing
  // message, an error rate or a k6 failure is a broken promise, and fails the command.
  const broken = failedThresholds(run.summary).filter((t) => !t.startsWith('sb_delivery_latency'));
  const k6Broken = run.exitCode !== 0 && run.exitCode !== 99;
  if (broken.length > 0 || k6Broken || persist.missing > 0 || persist.duplicated > 0) {
    log(
      `FAILED: ${[...broken, k6Broken ? `k6 exit ${run.exitCode}` : '', persist.missing ? `${persist.missing} acked messages not in PostgreSQL` : '', persist.duplicated ? `${persist.duplicated} duplicate rows` : ''].filter(Boolean).join('; ')}`,
    );
    return 1;
  }
  return 0;
}

/** Runs a make target, showing its output live and keeping it for the report. */
async function runMake(target: string): Promise<Omit<SubBenchmark, 'name'>> {
  const started = Date.now();
  const child = spawn('make', ['--no-print-directory', target], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    process.stdout.write(chunk);
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exitCode = await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return { command: `make ${target}`, exitCode, seconds: (Date.now() - started) / 1000, output };
}

process.exit(await main());
