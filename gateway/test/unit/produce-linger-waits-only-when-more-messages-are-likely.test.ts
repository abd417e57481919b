import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ArrivalGaps,
  LINGER_TARGET_RECORDS,
  type LingerInput,
  lingerDelay,
} from '../../src/kafka/produce-linger.ts';

const busy: LingerInput = {
  now: 1000,
  oldestQueuedAt: 1000,
  lingerMs: 5,
  meanGapMs: 2,
  full: false,
  records: 1,
};

test('at a rate where more messages follow within the window, a lone message waits the window', () => {
  assert.equal(lingerDelay(busy), 5);
});

test('the window is counted from the oldest queued message, never extended by newer ones', () => {
  assert.equal(lingerDelay({ ...busy, now: 1003 }), 2);
  // Queued while a request was in flight for longer than the window: sent at once.
  assert.equal(lingerDelay({ ...busy, now: 1009 }), 0);
});

test('a full request goes at once', () => {
  assert.equal(lingerDelay({ ...busy, full: true }), 0);
});

test('a request that has gathered the target goes at once, before the window ends', () => {
  const fast = { ...busy, lingerMs: 20, meanGapMs: 0.5 };
  assert.equal(lingerDelay({ ...fast, records: LINGER_TARGET_RECORDS - 1 }), 20);
  assert.equal(lingerDelay({ ...fast, records: LINGER_TARGET_RECORDS }), 0);
});

test('at a trickle (next message not expected within the window) nothing waits', () => {
  assert.equal(lingerDelay({ ...busy, meanGapMs: 50 }), 0);
  assert.equal(lingerDelay({ ...busy, meanGapMs: Number.POSITIVE_INFINITY }), 0);
});

test('a linger of 0 turns waiting off', () => {
  assert.equal(lingerDelay({ ...busy, lingerMs: 0 }), 0);
});

test('arrival gaps: unknown until two arrivals, then smoothed towards the recent gaps', () => {
  const gaps = new ArrivalGaps(0.5);
  assert.equal(gaps.meanMs, Number.POSITIVE_INFINITY);
  gaps.observe(0);
  assert.equal(gaps.meanMs, Number.POSITIVE_INFINITY);
  gaps.observe(100);
  assert.equal(gaps.meanMs, 100);
  gaps.observe(102);
  assert.equal(gaps.meanMs, 51);
  for (let t = 104; t < 140; t += 2) gaps.observe(t);
  assert.ok(gaps.meanMs < 3, `mean gap ${gaps.meanMs} follows a rate of one per 2 ms`);
});

test('arrival gaps: a pause after a burst stops the lingering within a few arrivals', () => {
  const gaps = new ArrivalGaps();
  for (let t = 0; t < 100; t += 1) gaps.observe(t);
  let t = 100;
  let arrivals = 0;
  while (lingerDelay({ ...busy, meanGapMs: gaps.meanMs }) > 0) {
    t += 200;
    gaps.observe(t);
    arrivals++;
  }
  assert.ok(arrivals <= 2, `lingered for ${arrivals} arrivals 200 ms apart`);
});
