import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstIdAt, isMessageId, messageIdAt, messageIdTime, newMessageId } from '../../src/index.ts';

test('message ids are UUIDv7 carrying their creation time', () => {
  const id = messageIdAt(1_700_000_000_123);
  assert.ok(isMessageId(id));
  assert.equal(messageIdTime(id), 1_700_000_000_123);
});

test('ids of different milliseconds sort by time as strings', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => messageIdAt(1_700_000_000_000 + i));
  assert.deepEqual([...ids].sort(), ids);
});

test('ids made in a burst (many per millisecond) stay distinct and increasing', () => {
  const ids = Array.from({ length: 5000 }, () => newMessageId());
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
});

test('firstIdAt is a cursor below every id of its millisecond and above every earlier one', () => {
  const cursor = firstIdAt(1_700_000_000_123);
  assert.equal(messageIdTime(cursor), 1_700_000_000_123);
  for (let i = 0; i < 100; i++) {
    assert.ok(messageIdAt(1_700_000_000_123) > cursor);
    assert.ok(messageIdAt(1_700_000_000_122) < cursor);
  }
});
