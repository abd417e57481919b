import type { MessageRow } from '@switchboard/db';
import { ErrorCode } from '@switchboard/protocol';
import { toDeadLetter } from './dead-letter.ts';
import type { DeadLetter, InboundRecord } from './inbound-record.ts';
import { decodeRecord } from './record-decoder.ts';

/**
 * What to do with a chunk of records, decided before anything is written: pure functions, so
 * the batching rules are tested without Kafka or PostgreSQL (persister/test/unit).
 */

export type Origin = { topic: string; partition: number };
export type AcceptedRecord = { row: MessageRow; record: InboundRecord };
export type PlannedDeadLetter = { letter: DeadLetter; code: ErrorCode; offset: string };

export type ChunkPlan = {
  records: InboundRecord[];
  /** Records that decode to a row, in offset order: written in one statement. */
  accepted: AcceptedRecord[];
  /** Records that can never become a row (INVALID, TOO_LARGE). */
  deadLetters: PlannedDeadLetter[];
};

/** A fetched batch in chunks of at most `maxRows`, in order: each is written and committed before the next. */
export function splitIntoChunks<T>(records: T[], maxRows: number): T[][] {
  if (maxRows < 1) throw new RangeError(`maxRows must be at least 1, got ${maxRows}`);
  const chunks: T[][] = [];
  for (let start = 0; start < records.length; start += maxRows)
    chunks.push(records.slice(start, start + maxRows));
  return chunks;
}

export function planChunk(origin: Origin, records: InboundRecord[], maxRecordBytes: number): ChunkPlan {
  const plan: ChunkPlan = { records, accepted: [], deadLetters: [] };
  for (const record of records) {
    const decoded = decodeRecord(record, maxRecordBytes);
    if (decoded.ok) plan.accepted.push({ row: decoded.row, record });
    else plan.deadLetters.push(deadLetter(origin, record, decoded.code, decoded.error));
  }
  return plan;
}

/**
 * Every dead letter of a written chunk: the records that did not decode plus the rows
 * PostgreSQL refused (INVALID), in offset order, so the dead-letter topic reads in the order
 * the records came.
 */
export function deadLettersAfterWrite(
  origin: Origin,
  plan: ChunkPlan,
  refused: { row: MessageRow; error: string }[],
): PlannedDeadLetter[] {
  const recordOf = new Map(plan.accepted.map((a) => [a.row, a.record]));
  const letters = [...plan.deadLetters];
  for (const { row, error } of refused) {
    const record = recordOf.get(row);
    if (record) letters.push(deadLetter(origin, record, ErrorCode.Invalid, error));
  }
  return letters.sort((a, b) => compareOffsets(a.offset, b.offset));
}

/** Kafka offsets are int64 strings: compared as integers, not as text ("10" after "9"). */
function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function deadLetter(
  origin: Origin,
  record: InboundRecord,
  code: ErrorCode,
  error: string,
): PlannedDeadLetter {
  return { letter: toDeadLetter(record, origin, code, error), code, offset: record.offset };
}
