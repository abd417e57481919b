import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, encodeMessageRecord, KafkaHeader, newMessageId } from '@switchboard/protocol';
import { deadLettersAfterWrite, planChunk, splitIntoChunks } from '../../src/chunk-plan.ts';
import type { InboundRecord } from '../../src/inbound-record.ts';

const origin = { topic: 'switchboard.messages', partition: 7 };
const MAX_RECORD_BYTES = 200_000;

function goodRecord(offset: number, body = `message ${offset}`): InboundRecord {
  const { key, value } = encodeMessageRecord({
    id: newMessageId(),
    room: 'general',
    sender: 'alice',
    body,
    ts: Date.now(),
    clientMsgId: `c${offset}`,
  });
  return {
    offset: String(offset),
    key: Buffer.from(key),
    value: Buffer.from(value),
    headers: { traceparent: 'tp' },
  };
}

function badRecord(offset: number, value = '{ not json'): InboundRecord {
  return { offset: String(offset), key: Buffer.from('general'), value: Buffer.from(value), headers: {} };
}

test('a batch is cut into chunks of at most maxRows, in order, nothing lost', () => {
  const records = Array.from({ length: 7 }, (_, i) => i);
  assert.deepEqual(splitIntoChunks(records, 3), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.deepEqual(splitIntoChunks(records, 7), [records]);
  assert.deepEqual(splitIntoChunks([], 3), []);
  assert.throws(() => splitIntoChunks(records, 0), RangeError);
});

test('a chunk plan accepts what decodes and dead-letters the rest with its reason and origin', () => {
  const records = [goodRecord(10), badRecord(11), goodRecord(12), badRecord(13, JSON.stringify({ x: 1 }))];
  const plan = planChunk(origin, records, MAX_RECORD_BYTES);
  assert.deepEqual(
    plan.accepted.map((a) => a.record.offset),
    ['10', '12'],
  );
  assert.equal(plan.accepted[0]?.row.body, 'message 10');
  assert.deepEqual(
    plan.deadLetters.map((d) => [d.offset, d.code]),
    [
      ['11', ErrorCode.Invalid],
      ['13', ErrorCode.Invalid],
    ],
  );
  const headers = plan.deadLetters[0]!.letter.headers;
  assert.equal(headers[KafkaHeader.DlqErrorCode], 'INVALID');
  assert.equal(headers[KafkaHeader.DlqTopic], origin.topic);
  assert.equal(headers[KafkaHeader.DlqPartition], '7');
  assert.equal(headers[KafkaHeader.DlqOffset], '11');
  assert.match(String(headers[KafkaHeader.DlqError]), /not JSON/);
  // The original bytes go to the dead-letter topic untouched.
  assert.equal(plan.deadLetters[0]!.letter.value, records[1]!.value);
});

test('rows PostgreSQL refused join the dead letters as INVALID, all in numeric offset order', () => {
  const records = [goodRecord(9), badRecord(10), goodRecord(11), goodRecord(100)];
  const plan = planChunk(origin, records, MAX_RECORD_BYTES);
  const refused = [
    { row: plan.accepted[2]!.row, error: 'postgres 22021: invalid byte sequence' },
    { row: plan.accepted[0]!.row, error: 'postgres 22001: value too long' },
  ];
  const letters = deadLettersAfterWrite(origin, plan, refused);
  // "100" after "11" and "9" before "10": offsets compare as numbers, not as text.
  assert.deepEqual(
    letters.map((d) => [d.offset, d.code]),
    [
      ['9', ErrorCode.Invalid],
      ['10', ErrorCode.Invalid],
      ['100', ErrorCode.Invalid],
    ],
  );
  assert.equal(letters[0]!.letter.headers[KafkaHeader.DlqError], 'postgres 22001: value too long');
  // The plan itself is not changed: a retried write starts from the same plan.
  assert.equal(plan.deadLetters.length, 1);
});

test('a chunk of only valid records plans no dead letters', () => {
  const plan = planChunk(origin, [goodRecord(1), goodRecord(2)], MAX_RECORD_BYTES);
  assert.equal(plan.accepted.length, 2);
  assert.deepEqual(deadLettersAfterWrite(origin, plan, []), []);
});
