import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Stretch, splitGatewayCpu } from '../../bench/scale-split.ts';

// 10 s stretches; CPU in µs, reads in bytes. Baselines per second.
const baseline = {
  cpu: new Map([
    ['gateway 1', 20_000],
    ['gateway 2', 20_000],
    ['redis', 5_000],
  ]),
  read: new Map([
    ['gateway 1', 1_000],
    ['gateway 2', 1_000],
  ]),
};
const stretch = (
  accepted: number,
  perSecond: Record<string, number>,
  readPerSecond: Record<string, number> = {},
): Stretch => ({
  seconds: 10,
  accepted,
  cpu: new Map(Object.entries(perSecond).map(([name, v]) => [name, v * 10])),
  read: new Map(Object.entries(readPerSecond).map(([name, v]) => [name, v * 10])),
});

test('the idle gateway prices a message elsewhere; the rest above the baseline is own rooms', () => {
  // 300 msg/s: the idle gateway pays 200 µs for each; spread, each gateway owns 150 msg/s at
  // 1,000 µs and sees the other 150 at 200 µs.
  const point = splitGatewayCpu({
    gateways: ['gateway 1', 'gateway 2'],
    idleGateway: 'gateway 2',
    redis: 'redis',
    baseline,
    rate: 300,
    oneIdle: stretch(
      3000,
      { 'gateway 1': 20_000 + 300 * 1200, 'gateway 2': 20_000 + 300 * 200, redis: 5_000 },
      // It also read 400 bytes for each message.
      { 'gateway 2': 1_000 + 300 * 400 },
    ),
    spread: stretch(3000, {
      'gateway 1': 20_000 + 150 * 1000 + 150 * 200,
      'gateway 2': 20_000 + 150 * 1000 + 150 * 200,
      redis: 5_000 + 300 * 250,
    }),
  });
  assert.equal(point.acceptedRate, 300);
  assert.equal(point.otherPerMessage, 200);
  assert.equal(point.ownPerMessage, 1000);
  assert.equal(point.baselineCores, 0.02);
  assert.equal(point.ownRoomsCores, 0.15);
  assert.equal(point.otherRoomsCores, 0.03);
  assert.equal(point.idleGatewayCores, 0.08);
  assert.equal(point.idleGatewayBaselineCores, 0.02);
  assert.equal(point.idleGatewayAboveBaselineCores, 0.06);
  assert.equal(point.idleGatewayReadPerMessage, 400);
  assert.equal(point.idleLoadAcceptedRate, 300);
  assert.equal(point.gatewaysPerMessage, 1200);
  assert.equal(point.redisPerMessage, 250);
  assert.equal(point.redisCores, 0.08);
});

test('one gateway has no other pods: all it does above its baseline is for its own rooms', () => {
  const point = splitGatewayCpu({
    gateways: ['gateway 1'],
    idleGateway: 'gateway 1',
    redis: 'redis',
    baseline,
    rate: 100,
    spread: stretch(1000, { 'gateway 1': 20_000 + 100 * 900, redis: 5_000 + 100 * 200 }),
  });
  assert.equal(point.otherRoomsCores, 0);
  assert.ok(Number.isNaN(point.otherPerMessage));
  assert.ok(Number.isNaN(point.idleGatewayCores));
  assert.equal(point.ownPerMessage, 900);
  assert.equal(point.gatewaysPerMessage, 900);
});

test('per-gateway cores are the mean over the gateways', () => {
  const point = splitGatewayCpu({
    gateways: ['gateway 1', 'gateway 2'],
    idleGateway: 'gateway 2',
    redis: 'redis',
    baseline,
    rate: 200,
    oneIdle: stretch(2000, { 'gateway 1': 0, 'gateway 2': 20_000, redis: 5_000 }),
    spread: stretch(2000, { 'gateway 1': 20_000 + 100_000, 'gateway 2': 20_000 + 60_000, redis: 5_000 }),
  });
  // The idle gateway paid nothing above its baseline, so everything is own rooms.
  assert.equal(point.otherPerMessage, 0);
  assert.equal(point.ownRoomsCores, 0.08);
  assert.equal(point.ownPerMessage, 800);
});
