import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, Limits, newMessageId } from '@switchboard/protocol';
import type { InboundRecord } from '../../src/inbound-record.ts';
import { decodeRecord } from '../../src/record-decoder.ts';

const message = {
  id: newMessageId(),
  room: 'general',
  sender: 'alice',
  body: 'hello',
  ts: 1_700_000_000_123,
  clientMsgId: 'c1',
};

const record = (value: string | null): InboundRecord => ({
  offset: '5',
  key: Buffer.from('general'),
  value: value === null ? null : Buffer.from(value),
  headers: {},
});

test('a valid record becomes the row of its message', () => {
  const decoded = decodeRecord(record(JSON.stringify(message)), 10_000);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.row, {
    id: message.id,
    room: 'general',
    sender: 'alice',
    clientMsgId: 'c1',
    body: 'hello',
    createdAt: new Date(1_700_000_000_123),
  });
});

test('a record over the size limit is TOO_LARGE without being parsed', () => {
  const decoded = decodeRecord(record('x'.repeat(101)), 100);
  assert.deepEqual(decoded.ok ? undefined : [decoded.code, decoded.error], [
    ErrorCode.TooLarge,
    'record value is 101 bytes, more than 100',
  ]);
});

test('a body over the protocol limit is TOO_LARGE, counted in UTF-8 bytes', () => {
  // Within the schema's limit in characters, over it in bytes (two per character).
  const body = 'é'.repeat(Limits.bodyMaxBytes / 2 + 1);
  const decoded = decodeRecord(record(JSON.stringify({ ...message, body })), 1_000_000);
  assert.deepEqual(decoded.ok ? undefined : [decoded.code, decoded.error], [
    ErrorCode.TooLarge,
    `body is ${Limits.bodyMaxBytes + 2} bytes, more than ${Limits.bodyMaxBytes}`,
  ]);
});

test('an empty value, bad JSON or a schema failure is INVALID with the reason', () => {
  const cases: [string | null, RegExp][] = [
    [null, /empty record value/],
    ['{', /not JSON/],
    [JSON.stringify({ ...message, clientMsgId: 'has space' }), /^schema: clientMsgId: /],
    [JSON.stringify({ ...message, extra: 1 }), /^schema: /],
  ];
  for (const [value, reason] of cases) {
    const decoded = decodeRecord(record(value), 10_000);
    assert.equal(decoded.ok, false, String(value));
    if (!decoded.ok) {
      assert.equal(decoded.code, ErrorCode.Invalid);
      assert.match(decoded.error, reason);
    }
  }
});

test('a ts beyond what a date can hold is INVALID, not a row with a broken time', () => {
  const decoded = decodeRecord(record(JSON.stringify({ ...message, ts: 9e15 })), 10_000);
  assert.deepEqual(decoded.ok ? undefined : [decoded.code, decoded.error], [
    ErrorCode.Invalid,
    'ts 9000000000000000 is not a valid time',
  ]);
});
