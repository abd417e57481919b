import { v7 as uuidv7, validate, version } from 'uuid';

/**
 * Server message ids are UUIDv7: the first 48 bits are the Unix time in milliseconds, so ids
 * sort by creation time (G4) both as strings and as PostgreSQL `uuid` values.
 */

// Randomness is drawn for 256 ids at a time: one getRandomValues call costs microseconds
// whatever its size, and uuid's v7() makes one per id.
const POOL_IDS = 256;
let pool: Uint8Array | undefined;
let used = POOL_IDS;
// uuid's own v7 state, kept here because an id made from given bytes does not update it.
const last = { msecs: Number.NEGATIVE_INFINITY, seq: 0 };

function random16(): Uint8Array {
  if (used === POOL_IDS) {
    pool ??= new Uint8Array(16 * POOL_IDS);
    crypto.getRandomValues(pool);
    used = 0;
  }
  return pool!.subarray(16 * used, 16 * ++used);
}

export function newMessageId(): string {
  const random = random16();
  // As uuid's v7(): a new millisecond starts a random 31-bit sequence, the same millisecond
  // counts it up (past its end, into the next millisecond), so ids made here always increase.
  const now = Date.now();
  if (now > last.msecs) {
    last.msecs = now;
    last.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    last.seq = (last.seq + 1) | 0;
    if (last.seq === 0) last.msecs++;
  }
  return uuidv7({ msecs: last.msecs, seq: last.seq, random });
}

/** An id for an explicit time (tests, backfills); not monotonic within a millisecond. */
export function messageIdAt(msecs: number): string {
  return uuidv7({ msecs });
}

export function isMessageId(value: string): boolean {
  return validate(value) && version(value) === 7;
}

/** The creation time encoded in a UUIDv7 (its first 12 hex digits, before and after the first '-'). */
export function messageIdTime(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** The smallest id of a millisecond: a cursor that pages `after` it include all of that time. */
export function firstIdAt(msecs: number): string {
  const hex = Math.max(0, Math.floor(msecs)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
