import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessageRecord, encodeMessageRecord, newMessageId } from '../../src/index.ts';

const message = {
  id: newMessageId(),
  room: 'general',
  sender: 'alice',
  body: 'hi',
  ts: Date.now(),
  clientMsgId: 'c1',
};

test('a record round-trips and is keyed by room', () => {
  const { key, value } = encodeMessageRecord(message);
  assert.equal(key, 'general');
  assert.deepEqual(decodeMessageRecord(Buffer.from(value)), { ok: true, message });
});

test('bad records decode to an error, never a throw', () => {
  for (const value of [
    null,
    '',
    '{',
    '[]',
    JSON.stringify({ ...message, id: 'nope' }),
    JSON.stringify({ x: 1 }),
  ]) {
    const result = decodeMessageRecord(value);
    assert.equal(result.ok, false, String(value));
  }
});

test('a record that fails the schema says which field and why', () => {
  const result = decodeMessageRecord(JSON.stringify({ ...message, ts: -1 }));
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.error, /^schema: ts: /);
  const notJson = decodeMessageRecord('{');
  assert.match(notJson.ok ? '' : notJson.error, /^value is not JSON: /);
  const empty = decodeMessageRecord(null);
  assert.deepEqual(empty, { ok: false, error: 'empty record value' });
});
