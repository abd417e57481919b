/**
 * The benchmark report: one Markdown file naming the figures (connections, publish rate,
 * deliveries/s, latency percentiles, lost, duplicated, rows persisted/s, gateway CPU per
 * delivery), the exact parameters, the machine, the chart and the sub-benchmarks' own output.
 */
import { failedThresholds, type K6Summary, stat } from './k6-runner.ts';
import type { SampleSeries } from './k6-samples.ts';
import type { MachineInfo } from './machine-info.ts';
import type { PersistCheck } from './persisted-check.ts';
import type { FanoutParams } from './scenario-params.ts';
import { durationMs } from './scenario-params.ts';

export type SubBenchmark = {
  name: string;
  command: string;
  exitCode: number;
  seconds: number;
  output: string;
};

export type BenchData = {
  startedAt: Date;
  reproduce: string;
  params: FanoutParams;
  gateways: number;
  k6ExitCode: number;
  summary: K6Summary | undefined;
  series: SampleSeries;
  persist: PersistCheck;
  /** CPU seconds by stack process during the k6 run, plus "k6" itself. */
  cpu: Record<string, number>;
  k6Seconds: number;
  /** 1, 5 and 15 minute load averages right after the k6 run. */
  loadAfter: number[];
  machine: MachineInfo;
  subBenchmarks: SubBenchmark[];
  chartFile: string;
};

export type Figure = [name: string, value: string];

export function headlineFigures(d: BenchData): Figure[] {
  const p = d.params;
  const metric = (name: string, which: string) => stat(d.summary, name, which);
  const count = (name: string) => metric(name, 'count') ?? 0;
  const receivers = p.rooms * p.members;
  const publishers = p.rooms * p.publishers;
  const publishSeconds = durationMs(p.duration) / 1000;
  const ackedMessages = d.series.acked.filter((m) => m.kind === 'message').length;
  const deliveries = count('sb_deliveries');
  const buckets = d.series.seconds;
  const window = buckets.length > 0 ? buckets.at(-1)!.second - buckets[0]!.second + 1 : 0;
  const peak = buckets.reduce((max, b) => Math.max(max, b.deliveries), 0);
  const gatewayCpu = Object.entries(d.cpu)
    .filter(([name]) => name.startsWith('gateway'))
    .reduce((sum, [, s]) => sum + s, 0);
  const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : `${v.toFixed(0)} ms`);
  const persistBench = persisterCapacity(d.subBenchmarks);
  const gatewayBench = gatewayCpuFigures(d.subBenchmarks);

  const figures: Figure[] = [
    ['k6 thresholds', thresholdVerdict(d)],
    [
      'connections',
      `${receivers + publishers} (${receivers} receivers in ${p.rooms} rooms of ${p.members} + ${publishers} publishers) over ${d.gateways} gateways behind the sticky load balancer`,
    ],
    [
      'publish rate',
      `${(ackedMessages / publishSeconds).toFixed(1)} acked msg/s (target ${publishers * p.rate}; ${ackedMessages} messages in ${publishSeconds} s, ${p.bodyBytes}-byte bodies)`,
    ],
    [
      'deliveries per second',
      `${window > 0 ? (deliveries / window).toFixed(0) : 'n/a'} mean over ${window} s, peak ${peak} (${deliveries} deliveries)`,
    ],
    [
      'latency p50 / p95 / p99 (send to receipt)',
      `${ms(metric('sb_delivery_latency', 'med'))} / ${ms(metric('sb_delivery_latency', 'p(95)'))} / ${ms(metric('sb_delivery_latency', 'p(99)'))} (max ${ms(metric('sb_delivery_latency', 'max'))})`,
    ],
    [
      `join latency p50 / p95 / p99 (room:join to ack, membership checked; ${p.roomVisibility} rooms)`,
      `${ms(metric('sb_join_duration', 'med'))} / ${ms(metric('sb_join_duration', 'p(95)'))} / ${ms(metric('sb_join_duration', 'p(99)'))} (max ${ms(metric('sb_join_duration', 'max'))})`,
    ],
    [
      'send latency p50 / p95 / p99 (send to ack: membership checked, Kafka acks=all)',
      `${ms(metric('sb_ack_latency', 'med'))} / ${ms(metric('sb_ack_latency', 'p(95)'))} / ${ms(metric('sb_ack_latency', 'p(99)'))}`,
    ],
    ['lost (acked, never delivered to a member)', String(count('sb_lost'))],
    ['duplicated (delivered twice to a member)', String(count('sb_duplicated'))],
    [
      'acked messages in PostgreSQL exactly once',
      `${d.persist.persisted} of ${d.persist.acked} (missing ${d.persist.missing}, duplicate rows ${d.persist.duplicated}, rows without a seen ack ${d.persist.unackedRows})`,
    ],
    [
      'rows persisted per second',
      `${fixed(d.persist.rowsPerSecond, 0)} during the run (the offered load)${persistBench ? `; capacity of one persister (make bench-persist): ${persistBench} rows/s` : ''}`,
    ],
    [
      'persist lag p50 / p95 / p99 (accepted to row written)',
      `${ms(d.persist.persistLag.p50)} / ${ms(d.persist.persistLag.p95)} / ${ms(d.persist.persistLag.p99)}`,
    ],
    [
      'gateway CPU per delivery',
      `${deliveries > 0 ? fixed((gatewayCpu * 1e6) / deliveries, 1) : 'n/a'} µs (${gatewayCpu.toFixed(1)} CPU s of ${d.gateways} gateways over the whole k6 run / ${deliveries} deliveries; ${ackedMessages > 0 ? fixed((gatewayCpu * 1e3) / ackedMessages, 2) : 'n/a'} ms per published message)${gatewayBench ? `; make bench-gateway: ${gatewayBench}` : ''}`,
    ],
    [
      'load generator CPU (k6, same machine)',
      `${(d.cpu.k6 ?? 0).toFixed(1)} CPU s in ${d.k6Seconds.toFixed(0)} s of run`,
    ],
  ];
  return figures;
}

export function renderReport(d: BenchData): string {
  const p = d.params;
  const out: string[] = [];
  out.push(`# Switchboard benchmark, ${d.startedAt.toISOString()}`);
  out.push('');
  out.push(`Command: \`${d.reproduce}\``);
  out.push('');
  out.push('## Figures');
  out.push('');
  out.push(table(['figure', 'value'], headlineFigures(d)));
  out.push('');
  out.push(`![delivery latency and deliveries per second](${d.chartFile})`);
  out.push('');
  out.push('## Parameters (k6 fanout)');
  out.push('');
  const shown = Object.entries(p).filter(([key]) => key !== 'tokensFile');
  out.push(
    table(
      ['parameter', 'value'],
      shown.map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') || '(none)' : String(v)]),
    ),
  );
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(table(['', ''], d.machine));
  out.push('');
  out.push('## CPU by process during the k6 run');
  out.push('');
  out.push(
    `Load average right after the k6 run: ${d.loadAfter.map((l) => l.toFixed(2)).join(' ')} on ${d.machine.find(([k]) => k === 'CPU')?.[1] ?? 'this machine'}; anything beyond the processes below competed for the same cores.`,
  );
  out.push('');
  out.push(
    table(
      ['process', 'CPU seconds'],
      Object.entries(d.cpu)
        .sort(([, a], [, b]) => b - a)
        .map(([name, s]) => [name, s.toFixed(2)]),
    ),
  );
  out.push('');
  out.push('## k6 metrics');
  out.push('');
  const metricRows: Figure[] = Object.entries(d.summary?.metrics ?? {})
    .filter(([name]) => name.startsWith('sb_'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, values]) => [
      name,
      Object.entries(values)
        .filter(([k]) => k !== 'thresholds')
        .map(([k, v]) => `${k}=${typeof v === 'number' ? fixed(v, 2) : String(v)}`)
        .join(' '),
    ]);
  out.push(table(['metric', 'values'], metricRows));
  if (d.persist.missingExamples.length > 0) {
    out.push('');
    out.push(
      `Missing acked ids (first ${d.persist.missingExamples.length}): ${d.persist.missingExamples.join(', ')}`,
    );
  }
  for (const sub of d.subBenchmarks) {
    out.push('');
    out.push(`## ${sub.name} (\`${sub.command}\`, exit ${sub.exitCode}, ${sub.seconds.toFixed(0)} s)`);
    out.push('');
    out.push('```');
    out.push(stripAnsi(sub.output).trimEnd() || '(no output)');
    out.push('```');
  }
  out.push('');
  return out.join('\n');
}

function thresholdVerdict(d: BenchData): string {
  const failed = failedThresholds(d.summary);
  if (d.k6ExitCode === 0) return 'all held';
  if (failed.length === 0) return `k6 failed (exit ${d.k6ExitCode})`;
  return `crossed: ${failed.join(', ')}`;
}

/** The persister's drain rate from `make bench-persist`'s table, when it printed one. */
export function persisterCapacity(subs: SubBenchmark[]): string | undefined {
  const output = subs.find((s) => s.name.includes('persist'))?.output ?? '';
  return /^\|\s*persister[^|]*\|[^|]*\|[^|]*\|\s*([\d,.]+)\s*\|/m.exec(output)?.[1];
}

/** The gateway's and the raw ws relay's CPU per delivery from `make bench-gateway`. */
export function gatewayCpuFigures(subs: SubBenchmark[]): string | undefined {
  const output = subs.find((s) => s.name.includes('gateway'))?.output ?? '';
  const gateway = /^socket\.io gateways.*?server CPU ([\d.]+) µs\/delivery/m.exec(output)?.[1];
  const raw = /^raw ws relay.*?server CPU ([\d.]+) µs\/delivery/m.exec(output)?.[1];
  if (!gateway) return undefined;
  return raw ? `${gateway} µs vs ${raw} µs for a raw ws relay` : `${gateway} µs`;
}

export function table(header: [string, string] | string[], rows: Figure[] | Array<[string, string]>): string {
  const cellText = (cell: string) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cellText).join(' | ')} |`),
  ].join('\n');
}

function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
