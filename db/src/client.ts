import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';

export type Database = PrismaClient;

/** A Prisma client on the pg driver adapter (no engine binary; see prisma.config.ts). */
export function createDatabase(
  connectionString: string,
  options: { poolMax?: number; statementTimeoutMs?: number } = {},
): Database {
  const adapter = new PrismaPg({
    connectionString,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: 5_000,
    // The server cancels a statement past this, so a caller that stopped waiting does not
    // leave a pooled connection busy with it.
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  return new PrismaClient({ adapter });
}
