import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, percentile, ratio, summarizeLatencies } from '../../bench/bench-stats.ts';

test('percentiles are nearest-rank over sorted values', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('latency summaries sort their input first', () => {
  const summary = summarizeLatencies([30, 10, 20, 40]);
  assert.deepEqual(summary, { p50: 20, p95: 40, p99: 40, count: 4 });
});

test('medians skip missing values and average the middle pair', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5, Number.NaN]), 5);
  assert.ok(Number.isNaN(median([])));
});

test('a ratio with a missing or zero denominator is NaN, not Infinity', () => {
  assert.equal(ratio(3, 2), 1.5);
  assert.ok(Number.isNaN(ratio(3, 0)));
  assert.ok(Number.isNaN(ratio(Number.NaN, 2)));
});
