import type { Database } from '@switchboard/db';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { MessageRow } from './record-decoder.ts';

export type WriteResult = {
  /** Rows that were new. The rest of the accepted rows already existed (a re-delivery or a retry). */
  inserted: number;
  /** Rows PostgreSQL refuses whatever the retry (e.g. a NUL character in the body). */
  rejected: { row: MessageRow; error: string }[];
};

/**
 * Writes rows in one statement, which PostgreSQL runs as one transaction: all rows or none.
 * `unnest` turns six arrays into rows, so a chunk of any size is a single round trip with six
 * parameters (about 7x Prisma's createMany, see MEASURED.md); `ON CONFLICT DO NOTHING` on the
 * id and on (room, sender, client_msg_id) makes a re-delivered record a no-op (G2, G3).
 * Rows go in in the order given, so a room's rows are never reordered (G4).
 */
export async function insertRows(db: Database, rows: MessageRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const ids = rows.map((r) => r.id);
  const rooms = rows.map((r) => r.room);
  const senders = rows.map((r) => r.sender);
  const clientMsgIds = rows.map((r) => r.clientMsgId);
  const bodies = rows.map((r) => r.body);
  const createdAts = rows.map((r) => r.createdAt);
  return db.$executeRaw`
    INSERT INTO messages (id, room, sender, client_msg_id, body, created_at)
    SELECT * FROM unnest(
      ${ids}::uuid[], ${rooms}::varchar[], ${senders}::varchar[],
      ${clientMsgIds}::varchar[], ${bodies}::text[], ${createdAts}::timestamptz[]
    )
    ON CONFLICT DO NOTHING`;
}

/**
 * Writes rows; when PostgreSQL rejects the data itself, halves the chunk until the rejected
 * rows are alone, so their neighbours are still written. Any other failure (connection,
 * timeout, server down) is thrown as UNAVAILABLE for the caller to retry the whole chunk.
 */
export async function writeRows(
  db: Database,
  rows: MessageRow[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<WriteResult> {
  try {
    return { inserted: await withDeadline(insertRows(db, rows), options), rejected: [] };
  } catch (err) {
    const reason = dataRejection(err);
    if (reason === undefined) throw asUnavailable(err);
    if (rows.length === 1) return { inserted: 0, rejected: [{ row: rows[0]!, error: reason }] };
    const middle = Math.ceil(rows.length / 2);
    const first = await writeRows(db, rows.slice(0, middle), options);
    const second = await writeRows(db, rows.slice(middle), options);
    return { inserted: first.inserted + second.inserted, rejected: [...first.rejected, ...second.rejected] };
  }
}

type DriverCause = { kind?: string; code?: string; originalCode?: string; message?: string };

function driverCause(err: unknown): DriverCause | undefined {
  return (err as { meta?: { driverAdapterError?: { cause?: DriverCause } } }).meta?.driverAdapterError?.cause;
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: bad encoding, value out of range) and
 * integrity violations other than the conflicts we ignore (class 23) fail the same row on
 * every retry; everything else may pass later.
 */
function dataRejection(err: unknown): string | undefined {
  // The adapter gives some SQLSTATEs a kind of their own (LengthMismatch, ValueOutOfRange, ...)
  // and keeps the SQLSTATE in originalCode; a generic postgres error carries it in code.
  const cause = driverCause(err);
  const code = cause?.originalCode ?? (cause?.kind === 'postgres' ? cause.code : undefined);
  if (typeof code !== 'string') return undefined;
  if (!code.startsWith('22') && !code.startsWith('23')) return undefined;
  return `postgres ${code}: ${cause?.message ?? 'rejected'}`;
}

function asUnavailable(err: unknown): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  const cause = driverCause(err);
  const detail = cause?.message ?? cause?.kind ?? (err as Error).message?.split('\n').at(-1) ?? String(err);
  return new SwitchboardError(ErrorCode.Unavailable, `database write failed: ${detail}`, { cause: err });
}

/** A hung server must not hold the partition forever: give up waiting; the write is idempotent. */
function withDeadline<T>(work: Promise<T>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (message: string) =>
      reject(new SwitchboardError(ErrorCode.Unavailable, message, { retryAfterMs: 0 }));
    const timer = setTimeout(
      () => fail(`database write took longer than ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    const onAbort = () => fail('write abandoned: shutting down');
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    });
  });
}
