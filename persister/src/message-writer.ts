import {
  type Database,
  dataRejection,
  describeDatabaseError,
  insertMessages,
  type MessageRow,
} from '@switchboard/db';
import { SwitchboardError, unavailable } from '@switchboard/protocol';
import { withDeadline } from '@switchboard/service-kit';

export type WriteResult<R> = {
  /** Rows that were new. The rest of the accepted rows already existed (a re-delivery or a retry). */
  inserted: number;
  /** Rows refused whatever the retry (e.g. a NUL character in the body), with the reason. */
  rejected: { row: R; error: string }[];
};

/**
 * Writes rows with `insert`; when it fails because of the data itself (`rejection` says why),
 * halves the rows until each refused row is alone, so its neighbours are still written. Any
 * other failure is thrown, for the caller to retry the whole chunk. Halves go in order, so rows
 * are never reordered.
 */
export async function writeIsolatingRejects<R>(
  rows: R[],
  insert: (rows: R[]) => Promise<number>,
  rejection: (err: unknown) => string | undefined,
): Promise<WriteResult<R>> {
  try {
    return { inserted: await insert(rows), rejected: [] };
  } catch (err) {
    const reason = rejection(err);
    if (reason === undefined) throw err;
    if (rows.length === 1) return { inserted: 0, rejected: [{ row: rows[0]!, error: reason }] };
    const middle = Math.ceil(rows.length / 2);
    const first = await writeIsolatingRejects(rows.slice(0, middle), insert, rejection);
    const second = await writeIsolatingRejects(rows.slice(middle), insert, rejection);
    return { inserted: first.inserted + second.inserted, rejected: [...first.rejected, ...second.rejected] };
  }
}

/**
 * The persister's write: the rows of a chunk into `messages`, refused rows isolated, each
 * statement bounded by `timeoutMs` (a hung server must not hold the partition forever; the
 * write is idempotent, so giving up on it is safe) and given up when `signal` aborts (stop).
 * Anything but a refused row is UNAVAILABLE.
 */
export async function writeRows(
  db: Database,
  rows: MessageRow[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<WriteResult<MessageRow>> {
  const insert = (part: MessageRow[]) =>
    withDeadline(
      insertMessages(db, part),
      options.timeoutMs,
      () => unavailable(`database write took longer than ${options.timeoutMs} ms`),
      options.signal,
    );
  try {
    return await writeIsolatingRejects(rows, insert, dataRejection);
  } catch (err) {
    if (err instanceof SwitchboardError) throw err;
    throw unavailable(`database write failed: ${describeDatabaseError(err)}`, err);
  }
}
