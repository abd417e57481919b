import { formatNumber, formatRatio, median, type RateVerdict, ratio, renderTable } from './bench-stats.ts';

/**
 * The table `make bench-gateway` ends with: each figure's median over the interleaved runs, for
 * the Socket.IO reference and for Switchboard, and their ratio (Switchboard / reference).
 */

/** What one run of one system measured; scenarios that did not run leave their fields out. */
export type RunFigures = {
  /** µs per accepted message at the fixed rate: the node, and every server process. */
  nodeCpuPerMessage?: number;
  allCpuPerMessage?: number;
  maxRate?: RateVerdict;
  /** The big room: node CPU µs per member for connect + join, seconds to fill it. */
  joinCpuPerMember?: number;
  fillSeconds?: number;
  /** The big room: node CPU per delivery divided by the raw ws relay's of the same round. */
  cpuPerDeliveryVsRaw?: number;
  rssPerConnectionKiB?: number;
  /** RSS each connection of a second batch as big adds. */
  furtherRssPerConnectionKiB?: number;
  heapPerConnectionKiB?: number;
  /** Node CPU µs per second per 1,000 idle connections held, above its baseline without them. */
  idleCpuPerThousand?: number;
};

export type TableParameters = {
  rooms: number;
  roomSize: number;
  rate: number;
  p99LimitMs: number;
  bigRoom: number;
  idle: number;
};

type Row = {
  figure: string;
  value: (runs: RunFigures[]) => number;
  format: (value: number, runs: RunFigures[]) => string;
};

const collect = (runs: RunFigures[], pick: (r: RunFigures) => number | undefined) =>
  median(runs.map(pick).filter((v): v is number => v !== undefined));

const micros = (v: number) => (Number.isFinite(v) ? `${formatNumber(v)} µs` : 'n/a');

/** "3,000 msg/s", "≥ 5,000 msg/s" when every step held, "(load generator bound)" when it was the limit. */
function formatRate(value: number, runs: RunFigures[]): string {
  if (!Number.isFinite(value)) return 'n/a';
  const verdicts = runs.map((r) => r.maxRate).filter((v): v is RateVerdict => v !== undefined);
  const atLeast = verdicts.length > 0 && verdicts.every((v) => v.atLeast);
  const bound = verdicts.some((v) => v.generatorBound);
  return `${atLeast ? '>= ' : ''}${formatNumber(value)} msg/s${bound ? ' (load generator bound)' : ''}`;
}

function rows(p: TableParameters): Row[] {
  const scale = `${p.rooms} rooms x ${p.roomSize}`;
  const big = `${formatNumber(p.bigRoom)}-member room`;
  return [
    {
      figure: `${scale}: node CPU per accepted message at ${formatNumber(p.rate)} msg/s`,
      value: (runs) => collect(runs, (r) => r.nodeCpuPerMessage),
      format: micros,
    },
    {
      figure: 'same, all server processes',
      value: (runs) => collect(runs, (r) => r.allCpuPerMessage),
      format: micros,
    },
    {
      figure: `${scale}: highest rate per node with p99 < ${p.p99LimitMs} ms`,
      value: (runs) => collect(runs, (r) => r.maxRate?.rate),
      format: formatRate,
    },
    {
      figure: `${big}: connect + join node CPU per member`,
      value: (runs) => collect(runs, (r) => r.joinCpuPerMember),
      format: micros,
    },
    {
      figure: `${big}: time to fill`,
      value: (runs) => collect(runs, (r) => r.fillSeconds),
      format: (v) => (Number.isFinite(v) ? `${v.toFixed(2)} s` : 'n/a'),
    },
    {
      figure: `${big}: node CPU per delivery`,
      value: (runs) => collect(runs, (r) => r.cpuPerDeliveryVsRaw),
      format: (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x raw ws` : 'n/a'),
    },
    {
      figure: `RSS per idle connection (${formatNumber(p.idle)} connections)`,
      value: (runs) => collect(runs, (r) => r.rssPerConnectionKiB),
      format: (v) => (Number.isFinite(v) ? `${v.toFixed(1)} KiB` : 'n/a'),
    },
    {
      figure: `same, each of ${formatNumber(p.idle)} more connections`,
      value: (runs) => collect(runs, (r) => r.furtherRssPerConnectionKiB),
      format: (v) => (Number.isFinite(v) ? `${v.toFixed(1)} KiB` : 'n/a'),
    },
    {
      figure: 'V8 heap kept per idle connection (after a full collection)',
      value: (runs) => collect(runs, (r) => r.heapPerConnectionKiB),
      format: (v) => (Number.isFinite(v) ? `${v.toFixed(1)} KiB` : 'n/a'),
    },
    {
      figure: `node CPU per 1,000 idle connections (${formatNumber(2 * p.idle)} held)`,
      value: (runs) => collect(runs, (r) => r.idleCpuPerThousand),
      format: (v) => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)} ms/s` : 'n/a'),
    },
  ];
}

/** Rows where neither system has a figure (the scenario did not run) are left out. */
export function comparisonTable(
  p: TableParameters,
  reference: RunFigures[],
  switchboard: RunFigures[],
): string {
  const body = rows(p)
    .map((row) => ({ row, ref: row.value(reference), sb: row.value(switchboard) }))
    .filter(({ ref, sb }) => Number.isFinite(ref) || Number.isFinite(sb))
    .map(({ row, ref, sb }) => [
      row.figure,
      row.format(ref, reference),
      row.format(sb, switchboard),
      formatRatio(ratio(sb, ref)),
    ]);
  return renderTable(['figure', 'Socket.IO reference', 'Switchboard', 'ratio'], body);
}
