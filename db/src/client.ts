import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Prisma } from './generated/client.ts';
import { PrismaClient } from './generated/client.ts';

export type Database = PrismaClient;

// The pool under each client createDatabase made, for hotStatement.
const pools = new WeakMap<object, pg.Pool>();

/** A Prisma client on the pg driver adapter (no engine binary; see prisma.config.ts). */
export function createDatabase(
  connectionString: string,
  options: { poolMax?: number; statementTimeoutMs?: number } = {},
): Database {
  const pool = new pg.Pool({
    connectionString,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: 5_000,
    // The server cancels a statement past this, so a caller that stopped waiting does not
    // leave a pooled connection busy with it.
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // An idle connection's error (PostgreSQL restarted) is the pool's to drop the connection; the
  // next statement reconnects. Listened to from the start: hotStatement may use the pool before
  // Prisma connects its adapter, and an unheard 'error' would end the process.
  pool.on('error', () => {});
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/**
 * One of the few statements every join or send cache miss runs, straight on the client's pg
 * pool as a named prepared statement (parsed once per connection): Prisma's query pipeline
 * costs 160-250 us of CPU per statement where pg takes about 50 (3,000 statements each on the
 * local stack). A client createDatabase did not make (a transaction's, a test's wrapper) runs
 * the same text through Prisma. Errors come as pg's (`code` is the SQLSTATE) or Prisma's;
 * postgres-errors.ts reads both.
 */
export async function hotStatement<Row>(
  db: Database | Prisma.TransactionClient,
  statement: { name: string; text: string },
  values: unknown[],
): Promise<Row[]> {
  const pool = pools.get(db);
  if (!pool) return db.$queryRawUnsafe<Row[]>(statement.text, ...values);
  return (await pool.query<Row & pg.QueryResultRow>({ ...statement, values })).rows;
}
