import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  planRequest,
  RECORD_BATCH_HEADER_BYTES,
  type RecordShape,
  recordBytes,
  requestBudget,
  splitPoint,
} from '../../src/kafka/produce-batches.ts';
import { isTooLargeError } from '../../src/kafka/produce-errors.ts';

// kafkajs' own v2 record and batch encoders: the estimate is checked against the real bytes.
const require = createRequire(import.meta.url);
type Encoded = { buffer: Buffer };
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer;
  value: Buffer;
  headers: Record<string, string>;
}) => Encoded;
const { RecordBatch: encodeBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (b: { records: Encoded[] }) => Promise<Encoded>;
};

function chatRecord(body: string, i = 0): RecordShape {
  const value = JSON.stringify({ id: `0193a1b2-c3d4-7e5f-8a9b-${String(i).padStart(12, '0')}`, body });
  return {
    key: 'room-ü',
    value,
    headers: {
      'sb-message-id': '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      'sb-schema': '1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    },
  };
}

async function encodedBatchBytes(records: RecordShape[]): Promise<number> {
  const batch = await encodeBatch({
    records: records.map((r, i) =>
      encodeRecord({
        offsetDelta: i,
        // A large delta: the estimate must hold for the widest varlong a batch can carry.
        timestampDelta: i * 3_600_000,
        key: Buffer.from(r.key),
        value: Buffer.from(r.value),
        headers: r.headers,
      }),
    ),
  });
  return batch.buffer.length;
}

test('a record estimate is never below its bytes in a real record batch, control characters included', async () => {
  const bodies = ['hi', 'ü'.repeat(5000), '\u0001'.repeat(16 * 1024), 'x'.repeat(16 * 1024)];
  for (const body of bodies) {
    const record = chatRecord(body);
    const alone = await encodedBatchBytes([record]);
    assert.ok(
      RECORD_BATCH_HEADER_BYTES + recordBytes(record) >= alone,
      `estimate ${recordBytes(record)} + header < ${alone} for a body of ${body.length}`,
    );
  }
  const many = Array.from({ length: 200 }, (_, i) => chatRecord(`message ${i}`, i));
  const total = many.reduce((sum, r) => sum + recordBytes(r), 0);
  assert.ok(RECORD_BATCH_HEADER_BYTES + total >= (await encodedBatchBytes(many)));
});

test('control characters make a 16 KiB body a record of about 96 KiB (JSON escapes each as \\u00XX)', () => {
  const bytes = recordBytes(chatRecord('\u0001'.repeat(16 * 1024)));
  assert.ok(bytes > 6 * 16 * 1024, String(bytes));
});

test('the request budget leaves room for the batch header and a margin', () => {
  assert.equal(requestBudget(1_048_588), 1_048_588 - RECORD_BATCH_HEADER_BYTES - 1024);
  assert.equal(requestBudget(100), 0);
});

test('a request takes records from the head, in order, while they fit in the budget', () => {
  assert.deepEqual(planRequest([400, 300, 200, 101], 1000, 100), { kind: 'send', count: 3, bytes: 900 });
  // The next one would fit, but nothing jumps the queue: the 100 waits behind the 200.
  assert.deepEqual(planRequest([600, 500, 100], 1000, 100), { kind: 'send', count: 1, bytes: 600 });
  assert.deepEqual(planRequest([1000], 1000, 100), { kind: 'send', count: 1, bytes: 1000 });
  assert.deepEqual(planRequest([], 1000, 100), { kind: 'send', count: 0, bytes: 0 });
});

test('a request holds at most maxRecords records', () => {
  assert.deepEqual(planRequest([1, 1, 1, 1, 1], 1000, 2), { kind: 'send', count: 2, bytes: 2 });
});

test('a head record larger than the budget is refused, never sent', () => {
  assert.deepEqual(planRequest([1001, 10], 1000, 100), { kind: 'refuse' });
});

test('a burst of large records from one sender and small ones from others is cut into requests under the budget', () => {
  const budget = requestBudget(1_048_588);
  const big = recordBytes(chatRecord('\u0001'.repeat(10_600)));
  const small = recordBytes(chatRecord('hello'));
  const queue = Array.from({ length: 30 }, (_, i) => (i % 6 === 5 ? small : big));
  const requests: number[] = [];
  for (let at = 0; at < queue.length; ) {
    const plan = planRequest(queue.slice(at), budget, 500);
    assert.equal(plan.kind, 'send');
    if (plan.kind !== 'send') break;
    assert.ok(plan.bytes <= budget);
    requests.push(plan.count);
    at += plan.count;
  }
  assert.equal(
    requests.reduce((a, b) => a + b, 0),
    queue.length,
  );
  assert.ok(requests.length >= 2, 'more than one request');
});

test('a refused request is cut into two non-empty parts of about equal bytes', () => {
  assert.equal(splitPoint([1, 1]), 1);
  assert.equal(splitPoint([10, 10, 10, 10]), 2);
  assert.equal(splitPoint([100, 1, 1, 1]), 1);
  assert.equal(splitPoint([1, 1, 1, 100]), 3);
  assert.equal(splitPoint([30, 30, 40]), 2);
  assert.throws(() => splitPoint([5]), RangeError);
  for (const sizes of [
    [5, 5, 5],
    [1, 2, 3, 4, 5, 6, 7],
    [9, 1],
    [1, 9],
  ]) {
    const cut = splitPoint(sizes);
    assert.ok(cut >= 1 && cut < sizes.length, `${sizes}: ${cut}`);
  }
});

test('splitting again and again ends with single records', () => {
  const parts = [[3, 1, 4, 1, 5, 9, 2, 6]];
  const singles: number[] = [];
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part.length === 1) {
      singles.push(part[0]!);
      continue;
    }
    const cut = splitPoint(part);
    parts.unshift(part.slice(0, cut), part.slice(cut));
  }
  assert.deepEqual(singles, [3, 1, 4, 1, 5, 9, 2, 6]);
});

test('the broker refusing a size is recognised through kafkajs wrappers; an outage is not', () => {
  const protocol = Object.assign(new Error('too large'), {
    name: 'KafkaJSProtocolError',
    type: 'MESSAGE_TOO_LARGE',
  });
  const wrapped = Object.assign(new Error('retries exceeded'), { cause: { cause: protocol } });
  assert.equal(isTooLargeError(protocol), true);
  assert.equal(isTooLargeError(wrapped), true);
  assert.equal(isTooLargeError(Object.assign(new Error('x'), { type: 'RECORD_LIST_TOO_LARGE' })), true);
  assert.equal(isTooLargeError(Object.assign(new Error('down'), { name: 'KafkaJSConnectionError' })), false);
  assert.equal(isTooLargeError(Object.assign(new Error('t'), { type: 'REQUEST_TIMED_OUT' })), false);
  const loop: { cause?: unknown } = {};
  loop.cause = loop;
  assert.equal(isTooLargeError(loop), false);
});
