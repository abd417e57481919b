import assert from 'node:assert/strict';
import { test } from 'node:test';
import { highestHeldRate, type RateStep, stepFailure, stepHolds } from '../../bench/bench-stats.ts';

const held = (rate: number, p99 = 20): RateStep => ({
  rate,
  sentRate: rate,
  accepted: rate * 5,
  refused: 0,
  expected: rate * 25,
  delivered: rate * 25,
  p99,
});

test('a step holds only with the rate sent, nothing refused or missing, and p99 under the limit', () => {
  assert.ok(stepHolds(held(1000), 100));
  assert.equal(stepFailure(held(1000), 100), undefined);
  assert.match(stepFailure(held(1000, 100), 100) ?? '', /p99 100 ms/);
  assert.match(stepFailure({ ...held(1000), refused: 3 }, 100) ?? '', /3 sends refused/);
  assert.match(stepFailure({ ...held(1000), delivered: 24_990 }, 100) ?? '', /10 deliveries missing/);
  assert.match(stepFailure({ ...held(1000), sentRate: 900 }, 100) ?? '', /load generator/);
});

test('the highest rate is the last step before the first miss', () => {
  const verdict = highestHeldRate([held(500), held(1000), held(2000, 150), held(3000)], 100);
  assert.deepEqual(verdict, { rate: 1000, atLeast: false, generatorBound: false });
});

test('when every step holds the rate is a lower bound', () => {
  assert.deepEqual(highestHeldRate([held(500), held(1000)], 100), {
    rate: 1000,
    atLeast: true,
    generatorBound: false,
  });
});

test('a miss because the generator could not send the rate is reported as such', () => {
  const verdict = highestHeldRate([held(500), { ...held(5000), sentRate: 3500 }], 100);
  assert.deepEqual(verdict, { rate: 500, atLeast: false, generatorBound: true });
});

test('no step held: rate 0', () => {
  assert.equal(highestHeldRate([held(500, 300)], 100).rate, 0);
});
