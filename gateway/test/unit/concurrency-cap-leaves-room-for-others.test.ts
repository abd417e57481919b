import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SwitchboardError } from '@switchboard/protocol';
import { createConcurrencyCap, slotOrRefuse } from '../../src/limits/concurrency-cap.ts';

test('one key holds at most perKey slots; the others still get theirs', () => {
  const cap = createConcurrencyCap({ perKey: 2, total: 3 });
  const a1 = cap.acquire('a');
  const a2 = cap.acquire('a');
  assert.ok('release' in a1 && 'release' in a2);
  assert.deepEqual(cap.acquire('a'), { full: 'key' });
  assert.ok('release' in cap.acquire('b'));
  assert.deepEqual(cap.acquire('c'), { full: 'total' });
  assert.equal(cap.active, 3);
});

test('a released slot is free again, and releasing twice frees it once', () => {
  const cap = createConcurrencyCap({ perKey: 1, total: 1 });
  const slot = cap.acquire('a');
  assert.ok('release' in slot);
  slot.release();
  slot.release();
  assert.equal(cap.active, 0);
  const again = cap.acquire('a');
  assert.ok('release' in again);
  assert.deepEqual(cap.acquire('b'), { full: 'total' });
});

test('slotOrRefuse refuses with RATE_LIMITED and a retry delay, naming which cap is full', () => {
  const cap = createConcurrencyCap({ perKey: 1, total: 2 });
  const reasons: string[] = [];
  const release = slotOrRefuse(cap, 'a', (r) => reasons.push(r));
  assert.throws(
    () => slotOrRefuse(cap, 'a', (r) => reasons.push(r)),
    (err) => err instanceof SwitchboardError && err.code === 'RATE_LIMITED' && (err.retryAfterMs ?? 0) > 0,
  );
  slotOrRefuse(cap, 'b', (r) => reasons.push(r));
  assert.throws(() => slotOrRefuse(cap, 'c', (r) => reasons.push(r)), SwitchboardError);
  assert.deepEqual(reasons, ['user_concurrency', 'pod_concurrency']);
  release();
  assert.equal(cap.active, 1);
});
