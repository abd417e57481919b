/**
 * The end-to-end promise (G2), checked after a load run: every message acknowledged to a k6
 * publisher is exactly one row in PostgreSQL. Waits for the persister to catch up, then
 * reports what is missing or doubled, and how fast rows arrived.
 */
import type { Database } from '@switchboard/db';
import type { AckedMessage } from './k6-samples.ts';
import { percentile } from './k6-samples.ts';

export type PersistCheck = {
  acked: number;
  /** Acked messages found as rows. */
  persisted: number;
  missing: number;
  /** A few missing ids, for the report. */
  missingExamples: string[];
  /** Rows beyond one per message (same room and clientMsgId). */
  duplicated: number;
  /** Rows of the run's rooms that no publisher saw acknowledged (ack lost or timed out). */
  unackedRows: number;
  /** Rows of the run divided by the time between the first and the last write. */
  rowsPerSecond: number;
  /** created_at (gateway accept) to persisted_at (row written), milliseconds. */
  persistLag: { p50: number; p95: number; p99: number };
  waitedMs: number;
};

type Row = { id: string; room: string; clientMsgId: string; createdAt: Date; persistedAt: Date };

export async function checkPersisted(
  db: Database,
  ackedSamples: AckedMessage[],
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<PersistCheck> {
  const acked = new Map(ackedSamples.map((m) => [m.id, m]));
  const rooms = [...new Set(ackedSamples.map((m) => m.room))];
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 120_000);
  let rows: Row[];
  for (;;) {
    rows = await db.message.findMany({
      where: { room: { in: rooms } },
      select: { id: true, room: true, clientMsgId: true, createdAt: true, persistedAt: true },
    });
    const ids = new Set(rows.map((r) => r.id));
    const missing = [...acked.keys()].filter((id) => !ids.has(id));
    if (missing.length === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
  }

  const rowIds = new Set(rows.map((r) => r.id));
  const missing = [...acked.keys()].filter((id) => !rowIds.has(id));
  const perMessage = new Set(rows.map((r) => `${r.room}\u0000${r.clientMsgId}`));
  const written = rows.map((r) => r.persistedAt.getTime());
  // reduce, not Math.max(...): a run can have more rows than a call can take arguments.
  const first = written.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const last = written.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const span = written.length > 1 ? (last - first) / 1000 : 0;
  const lags = rows.map((r) => r.persistedAt.getTime() - r.createdAt.getTime()).sort((a, b) => a - b);
  return {
    acked: acked.size,
    persisted: acked.size - missing.length,
    missing: missing.length,
    missingExamples: missing.slice(0, 10),
    duplicated: rows.length - perMessage.size,
    unackedRows: rows.filter((r) => !acked.has(r.id)).length,
    rowsPerSecond: span > 0 ? rows.length / span : Number.NaN,
    persistLag: { p50: percentile(lags, 50), p95: percentile(lags, 95), p99: percentile(lags, 99) },
    waitedMs: Date.now() - started,
  };
}
