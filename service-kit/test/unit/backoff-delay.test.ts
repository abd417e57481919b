import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../src/retry.ts';

const policy = { initialMs: 100, maxMs: 1_000 };

test('the delay doubles from the first retry up to the maximum', () => {
  const highest = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, { ...policy, random: () => 1 }));
  assert.deepEqual(highest, [100, 200, 400, 800, 1_000, 1_000]);
});

test('jitter keeps at least half of each delay', () => {
  const lowest = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, { ...policy, random: () => 0 }));
  assert.deepEqual(lowest, [50, 100, 200, 400, 500, 500]);
  assert.equal(backoffDelay(3, { ...policy, random: () => 0.5 }), 300);
});

test('with the default random source every delay stays within its bounds', () => {
  for (let attempt = 1; attempt <= 12; attempt++) {
    const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));
    const delay = backoffDelay(attempt, policy);
    assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt}: ${delay}`);
  }
});

test('huge attempt numbers do not overflow and attempts below 1 count as the first', () => {
  assert.equal(backoffDelay(10_000, { ...policy, random: () => 1 }), 1_000);
  assert.equal(backoffDelay(0, { ...policy, random: () => 1 }), 100);
});
