import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartitionBackoff } from '../../src/partition-backoff.ts';

function backoff(random: () => number) {
  const events: string[] = [];
  const b = new PartitionBackoff({
    initialMs: 100,
    maxMs: 1_000,
    pause: (p) => events.push(`pause ${p}`),
    resume: (p) => events.push(`resume ${p}`),
    random,
  });
  return { b, events };
}

test('a failing partition waits twice as long each time, with jitter, up to the maximum', () => {
  const low = backoff(() => 0).b;
  const high = backoff(() => 1).b;
  const lows = Array.from({ length: 6 }, () => low.failed(3, 'down'));
  const highs = Array.from({ length: 6 }, () => high.failed(3, 'down'));
  assert.deepEqual(highs, [100, 200, 400, 800, 1_000, 1_000]);
  // Jitter keeps at least half of each delay.
  assert.deepEqual(lows, [50, 100, 200, 400, 500, 500]);
  low.clear();
  high.clear();
});

test('a success clears the failure; losing the partition in a rebalance resumes and forgets it', () => {
  const { b, events } = backoff(() => 0.5);
  b.failed(1, 'down');
  b.failed(2, 'down');
  assert.deepEqual(
    b.list().map((f) => f.partition),
    [1, 2],
  );
  b.succeeded(1);
  b.keepOnly([1, 5]);
  assert.deepEqual(b.list(), []);
  assert.equal(b.isWaiting(2), false);
  assert.deepEqual(events, ['pause 1', 'pause 2', 'resume 2']);
  b.clear();
});
