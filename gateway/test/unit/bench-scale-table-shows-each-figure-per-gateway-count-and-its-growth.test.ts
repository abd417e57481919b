import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScalePoint } from '../../bench/scale-split.ts';
import { scaleTable, verdictLine } from '../../bench/scale-table.ts';

const point = (gateways: number, over: Partial<ScalePoint>): ScalePoint => ({
  gateways,
  rate: 400,
  acceptedRate: 398,
  baselineCores: 0.02,
  ownRoomsCores: 0.4 / gateways,
  otherRoomsCores: 0,
  ownPerMessage: 1000,
  otherPerMessage: Number.NaN,
  idleGatewayCores: Number.NaN,
  idleGatewayBaselineCores: Number.NaN,
  idleGatewayAboveBaselineCores: Number.NaN,
  idleGatewayReadPerMessage: Number.NaN,
  idleLoadAcceptedRate: Number.NaN,
  gatewaysPerMessage: 1000,
  redisPerMessage: 200,
  redisCores: 0.085,
  ...over,
});

const points = [
  point(1, {}),
  point(2, {
    otherRoomsCores: 0.04,
    otherPerMessage: 200,
    idleGatewayCores: 0.1,
    idleGatewayBaselineCores: 0.02,
    idleGatewayAboveBaselineCores: 0.08,
    idleGatewayReadPerMessage: 412,
    idleLoadAcceptedRate: 399,
    gatewaysPerMessage: 1200,
    redisPerMessage: 250,
  }),
  point(4, { otherPerMessage: 210, gatewaysPerMessage: 1630, redisPerMessage: 350 }),
];

const rowOf = (table: string, figure: string) =>
  table
    .split('\n')
    .find((line) => line.startsWith(`| ${figure} `))
    ?.split('|')
    .slice(2, -1)
    .map((cell) => cell.trim());

test('a column per gateway count, then the growth of each from the first count', () => {
  const table = scaleTable(points);
  assert.match(
    table.split('\n')[0]!,
    /\| 1 gateway +\| 2 gateways +\| 4 gateways +\| 2 vs 1 +\| 4 vs 1 +\|$/,
  );
  assert.deepEqual(rowOf(table, 'all gateways: µs per accepted message'), [
    '1,000 µs',
    '1,200 µs',
    '1,630 µs',
    '1.20x',
    '1.63x',
  ]);
  assert.deepEqual(rowOf(table, 'Redis: µs per accepted message'), [
    '200 µs',
    '250 µs',
    '350 µs',
    '1.25x',
    '1.75x',
  ]);
});

test('figures one gateway cannot have read n/a, with no growth', () => {
  const table = scaleTable(points);
  assert.deepEqual(rowOf(table, "other pods' rooms: µs per message elsewhere"), [
    'n/a',
    '200 µs',
    '210 µs',
    'n/a',
    'n/a',
  ]);
  assert.deepEqual(rowOf(table, "idle gateway: cores for other pods' rooms (msg/s elsewhere)"), [
    'n/a',
    '0.080 (399)',
    'n/a',
    'n/a',
    'n/a',
  ]);
});

test("the target's line says how the figure was had and whether it passed", () => {
  const line = verdictLine({
    rate: 3000,
    limitCores: 0.01,
    cores: 0.6,
    baselineCores: 0.02,
    readPerMessage: 412,
    projected: true,
    from: { gateways: 4, acceptedRate: 398 },
    pass: false,
  });
  assert.equal(
    line,
    "idle gateway (no members in the loaded rooms) at 3,000 msg/s elsewhere: 0.600 core for other pods' rooms " +
      '(projected from 398 msg/s measured with 4 gateways; it read 412 bytes per message elsewhere; its idle ' +
      'baseline 0.020 core besides); ' +
      'target < 0.01 core: FAIL',
  );
});
