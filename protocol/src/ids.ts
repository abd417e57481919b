import { v7 as uuidv7, validate, version } from 'uuid';

/**
 * Server message ids are UUIDv7: the first 48 bits are the Unix time in milliseconds, so ids
 * sort by creation time (G4) both as strings and as PostgreSQL `uuid` values.
 */
export function newMessageId(): string {
  // Without options, uuid keeps a per-process counter so ids made in the same millisecond
  // still increase; with an explicit time that guarantee is lost, so only tests pass one.
  return uuidv7();
}

/** An id for an explicit time (tests, backfills); not monotonic within a millisecond. */
export function messageIdAt(msecs: number): string {
  return uuidv7({ msecs });
}

export function isMessageId(value: string): boolean {
  return validate(value) && version(value) === 7;
}

/** The creation time encoded in a UUIDv7. */
export function messageIdTime(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

/** The smallest id of a millisecond: a cursor that pages `after` it include all of that time. */
export function firstIdAt(msecs: number): string {
  const hex = Math.max(0, Math.floor(msecs)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
