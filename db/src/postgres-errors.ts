/**
 * Reading PostgreSQL errors as they come out of Prisma's pg driver adapter: the adapter keeps
 * the driver's error under `meta.driverAdapterError.cause` (hotStatement's come from pg itself).
 */
type DriverCause = { kind?: string; code?: string; originalCode?: string; message?: string };

function driverCause(err: unknown): DriverCause | undefined {
  return (err as { meta?: { driverAdapterError?: { cause?: DriverCause } } } | undefined)?.meta
    ?.driverAdapterError?.cause;
}

/**
 * Why PostgreSQL refuses the data itself, or undefined for any other failure. Data exceptions
 * (SQLSTATE class 22: bad encoding, value out of range) and integrity violations (class 23;
 * the conflicts the insert ignores never raise) fail the same row on every retry; everything
 * else (connection, timeout, server down) may pass later.
 */
export function dataRejection(err: unknown): string | undefined {
  // The adapter gives some SQLSTATEs a kind of their own (LengthMismatch, ValueOutOfRange, ...)
  // and keeps the SQLSTATE in originalCode; a generic postgres error carries it in code.
  const cause = driverCause(err);
  const code = cause?.originalCode ?? (cause?.kind === 'postgres' ? cause.code : undefined);
  if (typeof code !== 'string') return undefined;
  if (!code.startsWith('22') && !code.startsWith('23')) return undefined;
  return `postgres ${code}: ${cause?.message ?? 'rejected'}`;
}

/** One line on what went wrong, for logs and UNAVAILABLE messages (Prisma's own are multi-line). */
export function describeDatabaseError(err: unknown): string {
  const cause = driverCause(err);
  return cause?.message ?? cause?.kind ?? (err as Error)?.message?.split('\n').at(-1) ?? String(err);
}

/** A row pointing to one that is not there (SQLSTATE 23503), however the adapter (or pg) names it. */
export function isForeignKeyViolation(err: unknown): boolean {
  const cause = driverCause(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  return (
    code === 'P2003' ||
    code === '23503' ||
    cause?.kind === 'ForeignKeyConstraintViolation' ||
    (cause?.originalCode ?? cause?.code) === '23503'
  );
}
