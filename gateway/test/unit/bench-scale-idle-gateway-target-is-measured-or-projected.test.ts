import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idleGatewayVerdict, type ScalePoint } from '../../bench/scale-split.ts';

const point = (gateways: number, idleRate: number, otherPerMessage: number): ScalePoint => ({
  gateways,
  rate: idleRate,
  acceptedRate: idleRate,
  baselineCores: 0.02,
  ownRoomsCores: 0.1,
  otherRoomsCores: 0.01,
  ownPerMessage: 1000,
  otherPerMessage,
  idleGatewayCores: 0.02 + (otherPerMessage * idleRate) / 1e6,
  idleGatewayBaselineCores: 0.02,
  idleGatewayAboveBaselineCores: (otherPerMessage * idleRate) / 1e6,
  idleGatewayReadPerMessage: 400,
  idleLoadAcceptedRate: idleRate,
  gatewaysPerMessage: 1000,
  redisPerMessage: 200,
  redisCores: 0.05,
});

test('below the target rate the cost is projected from the highest rate offered with an idle gateway', () => {
  // The 2-gateway point at 200 msg/s costs more per message, but the highest rate decides.
  const verdict = idleGatewayVerdict(
    [point(1, 400, Number.NaN), point(2, 200, 900), point(2, 400, 150), point(4, 400, 200)],
    3000,
    0.01,
  );
  assert.deepEqual(verdict, {
    rate: 3000,
    limitCores: 0.01,
    cores: 0.6,
    baselineCores: 0.02,
    readPerMessage: 400,
    projected: true,
    from: { gateways: 4, acceptedRate: 400 },
    pass: false,
  });
});

test('at 95% of the target rate or more the measured cost is taken, and passes under the limit', () => {
  const verdict = idleGatewayVerdict([point(2, 2900, 2)], 3000, 0.01);
  assert.equal(verdict?.projected, false);
  assert.ok(Math.abs(verdict!.cores - 0.0058) < 1e-12);
  assert.equal(verdict?.pass, true);
});

test('of the gateway counts at the highest rate the worst is judged', () => {
  const verdict = idleGatewayVerdict([point(2, 400, 300), point(4, 400, 100)], 3000, 0.01);
  assert.equal(verdict?.from.gateways, 2);
  assert.equal(verdict?.cores, 0.9);
});

test('without a point of two gateways or more there is no verdict', () => {
  assert.equal(idleGatewayVerdict([point(1, 400, Number.NaN)], 3000, 0.01), undefined);
});
