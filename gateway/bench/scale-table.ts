import { formatNumber, formatRatio, ratio, renderTable } from './bench-stats.ts';
import type { IdleGatewayVerdict, ScalePoint } from './scale-split.ts';

/**
 * The tables `make bench-scale` ends with: for one offered rate, each figure at every gateway
 * count, and its growth from the first count (value at N / value at the first).
 */

type Row = {
  figure: string;
  value: (p: ScalePoint) => number;
  format: (value: number, p: ScalePoint) => string;
};

const cores = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const micros = (v: number) => (Number.isFinite(v) ? `${formatNumber(v)} µs` : 'n/a');

const ROWS: Row[] = [
  {
    figure: 'accepted msg/s (spread over every gateway)',
    value: (p) => p.acceptedRate,
    format: (v) => formatNumber(v),
  },
  { figure: 'per gateway: idle baseline, cores', value: (p) => p.baselineCores, format: cores },
  { figure: 'per gateway: own rooms, cores', value: (p) => p.ownRoomsCores, format: cores },
  { figure: "per gateway: other pods' rooms, cores", value: (p) => p.otherRoomsCores, format: cores },
  { figure: 'own rooms: µs per accepted message', value: (p) => p.ownPerMessage, format: micros },
  {
    figure: "other pods' rooms: µs per message elsewhere",
    value: (p) => p.otherPerMessage,
    format: micros,
  },
  {
    figure: "idle gateway: cores for other pods' rooms (msg/s elsewhere)",
    value: (p) => p.idleGatewayAboveBaselineCores,
    format: (v, p) => (Number.isFinite(v) ? `${cores(v)} (${formatNumber(p.idleLoadAcceptedRate)})` : 'n/a'),
  },
  {
    figure: 'idle gateway: bytes read per message elsewhere',
    value: (p) => p.idleGatewayReadPerMessage,
    format: (v) => formatNumber(v),
  },
  { figure: 'all gateways: µs per accepted message', value: (p) => p.gatewaysPerMessage, format: micros },
  { figure: 'Redis: µs per accepted message', value: (p) => p.redisPerMessage, format: micros },
  { figure: 'Redis: cores', value: (p) => p.redisCores, format: cores },
];

const plural = (n: number) => `${n} gateway${n === 1 ? '' : 's'}`;

/** `points`: one rate, one point per gateway count, in ascending count. */
export function scaleTable(points: readonly ScalePoint[]): string {
  const first = points[0];
  if (first === undefined) return '';
  const rest = points.slice(1);
  const header = [
    'figure (µs and cores above the idle baseline)',
    ...points.map((p) => plural(p.gateways)),
    ...rest.map((p) => `${p.gateways} vs ${first.gateways}`),
  ];
  const body = ROWS.map((row) => [
    row.figure,
    ...points.map((p) => row.format(row.value(p), p)),
    ...rest.map((p) => formatRatio(ratio(row.value(p), row.value(first)))),
  ]);
  return renderTable(header, body);
}

/** The target's line: figure, how it was had, pass or fail. */
export function verdictLine(v: IdleGatewayVerdict): string {
  const how = v.projected
    ? `projected from ${formatNumber(v.from.acceptedRate)} msg/s measured with ${plural(v.from.gateways)}`
    : `measured at ${formatNumber(v.from.acceptedRate)} msg/s with ${plural(v.from.gateways)}`;
  return (
    `idle gateway (no members in the loaded rooms) at ${formatNumber(v.rate)} msg/s elsewhere: ` +
    `${cores(v.cores)} core for other pods' rooms (${how}; it read ${formatNumber(v.readPerMessage)} bytes per ` +
    `message elsewhere; its idle baseline ${cores(v.baselineCores)} core besides); target < ${v.limitCores} core: ` +
    `${v.pass ? 'PASS' : 'FAIL'}`
  );
}
