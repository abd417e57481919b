/**
 * How sends are cut into Kafka produce requests by bytes (pure; no Kafka here).
 *
 * The broker refuses a partition's record batch larger than the topic's `max.message.bytes`,
 * and kafkajs fails the whole request when one partition is refused, although the others were
 * stored. A request whose records add up to less than the limit can have no batch over it,
 * whichever partitions the keys land on, so the plan bounds the request, not the partition.
 */

/** The v2 record batch header: base offset, length, epoch, magic, CRC, attributes, ... */
export const RECORD_BATCH_HEADER_BYTES = 61;
/** Slack for what the estimate cannot see (a broker or client adding a field). */
export const REQUEST_SAFETY_MARGIN_BYTES = 1024;
/** Kafka's default `message.max.bytes` (1 MiB + the 12-byte log overhead). */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

// Upper bounds of a record's varints: length, attributes, timestamp delta (varlong), offset
// delta, key length, value length, header count; and per header its key and value lengths.
const RECORD_OVERHEAD_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 5;
const HEADER_OVERHEAD_BYTES = 5 + 5;

export type RecordShape = { key: string; value: string; headers: Record<string, string> };

/** An upper bound of the bytes one record takes in a v2 record batch (uncompressed). */
export function recordBytes(record: RecordShape): number {
  let bytes = RECORD_OVERHEAD_BYTES + Buffer.byteLength(record.key) + Buffer.byteLength(record.value);
  for (const [name, value] of Object.entries(record.headers)) {
    bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}

/** The record bytes one request may carry so that no partition's batch exceeds the limit. */
export function requestBudget(maxMessageBytes: number): number {
  return Math.max(0, maxMessageBytes - RECORD_BATCH_HEADER_BYTES - REQUEST_SAFETY_MARGIN_BYTES);
}

export type RequestPlan =
  /** Send the first `count` records as one request. */
  | { kind: 'send'; count: number; bytes: number }
  /** The first record alone is over the budget: it can never be sent; refuse it. */
  | { kind: 'refuse' };

/**
 * The next request from the head of the queue: as many records as fit in `budget` bytes and
 * `maxRecords`, in queue order (a room's messages keep their order; nothing jumps ahead).
 */
export function planRequest(sizes: readonly number[], budget: number, maxRecords: number): RequestPlan {
  const first = sizes[0];
  if (first === undefined) return { kind: 'send', count: 0, bytes: 0 };
  if (first > budget) return { kind: 'refuse' };
  let bytes = first;
  let count = 1;
  const limit = Math.min(sizes.length, Math.max(1, maxRecords));
  while (count < limit) {
    const next = sizes[count]!;
    if (bytes + next > budget) break;
    bytes += next;
    count++;
  }
  return { kind: 'send', count, bytes };
}

/**
 * Where to cut a request the broker refused as too large: into two parts of about equal bytes,
 * each non-empty (needs at least two records). Sent first part first, order is kept.
 */
export function splitPoint(sizes: readonly number[]): number {
  if (sizes.length < 2) throw new RangeError('a single record cannot be split');
  const total = sizes.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < sizes.length - 1; i++) {
    acc += sizes[i]!;
    // Cut after record i once the first part holds half the bytes (closest to the middle).
    if (acc * 2 >= total) {
      const before = acc - sizes[i]!;
      return i > 0 && total - 2 * before < 2 * acc - total ? i : i + 1;
    }
  }
  return sizes.length - 1;
}
