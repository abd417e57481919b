import { createHash, randomUUID } from 'node:crypto';
import { unavailable } from '@switchboard/protocol';
import type { Redis } from 'ioredis';
import { type BucketRef, TAKE_TOKEN_LUA } from './limits/budget.ts';

/**
 * G3 across pods: one Redis entry per (room, sender, clientMsgId) holds the server id of that
 * message, a digest of its body and its state:
 *   P|id|ts|digest|leaseUntil  a gateway is producing it now; when the lease runs out (that
 *            gateway died mid-send) the entry counts as F, so the id survives and a retry reuses it
 *   A|id|ts|digest  Kafka acknowledged it: a retry gets this id back and nothing is broadcast again
 *   F|id|ts|digest  the produce failed or its outcome is unknown: a retry produces it again under
 *            the SAME id, so a record that did reach Kafka and its retry are one message
 * A retry must carry the same body: with another one it is a `conflict` (in any state), never
 * the first message's id, and the entry is left as it was. Entries written before the digest
 * existed (no digest field) accept any body.
 */
export type Claim =
  /** `fresh`: no entry existed (a first attempt, or Redis lost the entry: see `trusted`). */
  | { kind: 'claimed'; id: string; ts: number; fresh: boolean }
  | { kind: 'acked'; id: string; ts: number }
  | { kind: 'pending' }
  | { kind: 'conflict' }
  /** The sender's bucket had no token: nothing was claimed. */
  | { kind: 'limited'; retryAfterMs: number };

/** Whose message an entry is about: one per (room, sender, clientMsgId). */
export type DedupKey = { room: string; sender: string; clientMsgId: string };
/** One attempt's server id and acceptance time. */
export type Attempt = { id: string; ts: number };

export type MessageDedup = {
  /**
   * Claims the client message id for `body`, proposing `attempt`; a previous failed attempt's
   * id wins; another body under the same clientMsgId is a conflict. With `bucket`, a token is
   * taken from it first, in the same script (one round trip); when it has none, nothing is
   * claimed (`limited`).
   */
  claim(
    key: DedupKey,
    attempt: Attempt,
    body: string,
    bucket?: Pick<BucketRef, 'key' | 'burst' | 'perSecond'>,
  ): Promise<Claim>;
  acked(key: DedupKey, attempt: Attempt): Promise<void>;
  failed(key: DedupKey, attempt: Attempt): Promise<void>;
  /** Kafka never got the attempt: the entry goes, so a retry takes a new id in acceptance order (G4). */
  discarded(key: DedupKey, attempt: Attempt): Promise<void>;
  /** An attempt found already stored (PostgreSQL): its entry says so again, under the stored id. */
  adopt(key: DedupKey, attempt: Attempt, body: string): Promise<void>;
  /**
   * Whether a missing entry means a first attempt. False for a while after Redis lost its data
   * (its epoch key is gone): a fresh claim must then ask the durable store (G3).
   */
  trusted(): Promise<boolean>;
};

/** Compact and collision-safe for this purpose: the first 16 bytes of SHA-256, base64url (no '|'). */
export function bodyDigest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest().subarray(0, 16).toString('base64url');
}

// KEYS: 1 the entry, 2 (optional) the sender's token bucket. ARGV: 1 proposed 'id|ts', 2 lease
// ms, 3 TTL seconds, 4 body digest, 5 and 6 (with KEYS[2]) the bucket's burst and rate.
const CLAIM_SCRIPT = `${TAKE_TOKEN_LUA}
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if KEYS[2] then
  local wait = take_token(KEYS[2], tonumber(ARGV[5]), tonumber(ARGV[6]), now)
  if wait > 0 then return 'R|' .. wait end
end
local lease = '|' .. (now + tonumber(ARGV[2]))
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'P|' .. ARGV[1] .. '|' .. ARGV[4] .. lease, 'EX', ARGV[3])
  return 'N|' .. ARGV[1]
end
local state = string.sub(v, 1, 1)
local id, ts, rest = string.match(v, '^.|([^|]*)|([^|]*)(.*)$')
local digest, untilMs
if state == 'P' then
  digest, untilMs = string.match(rest, '^|([^|]+)|(%d+)$')
  if not digest then untilMs = string.match(rest, '^|(%d+)$') end
else
  digest = string.match(rest, '^|([^|]+)$')
end
if digest and digest ~= ARGV[4] then
  return 'X|' .. id .. '|' .. ts
end
if state == 'P' and untilMs and tonumber(untilMs) < now then
  state = 'F'
end
if state == 'F' then
  redis.call('SET', KEYS[1], 'P|' .. id .. '|' .. ts .. '|' .. ARGV[4] .. lease, 'EX', ARGV[3])
  return 'C|' .. id .. '|' .. ts
end
return state .. '|' .. id .. '|' .. ts
`;

// Only the attempt that holds the entry may settle it (a late answer must not overwrite a newer
// one); the body digest stays. ARGV: 1 'id|ts', 2 the new state, 3 TTL seconds.
const SETTLE_SCRIPT = `
local holder = 'P|' .. ARGV[1] .. '|'
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(holder)) == holder then
  if ARGV[2] == 'D' then
    redis.call('DEL', KEYS[1])
    return 1
  end
  local digest = string.match(string.sub(v, string.len(holder) + 1), '^([^|]+)|')
  local value = ARGV[2] .. '|' .. ARGV[1]
  if digest then value = value .. '|' .. digest end
  redis.call('SET', KEYS[1], value, 'EX', ARGV[3])
  return 1
end
return 0
`;

type ClaimScript = {
  // The number of keys first: 1, or 2 with the bucket.
  sbDedupClaim(numKeys: 1 | 2, ...keysThenArgs: (string | number)[]): Promise<string>;
};
type SettleScript = {
  sbDedupSettle(key: string, value: string, state: string, ttlSeconds: number): Promise<number>;
};

export function createMessageDedup(
  redis: Redis,
  options: {
    ttlSeconds: number;
    pendingLeaseMs: number;
    keyPrefix?: string;
    /**
     * Where `acked` settles (default `redis`): the broadcast's connection, so the settle shares
     * one write with the room log entry and the broadcast that follow it (ioredis
     * auto-pipelining; sockets/broadcast.ts). Nothing waits for it, so it needs no timeout.
     */
    ackedOn?: Redis;
  },
): MessageDedup {
  redis.defineCommand('sbDedupClaim', { lua: CLAIM_SCRIPT });
  const claims = redis as unknown as ClaimScript;
  const settleOn = (connection: Redis) => {
    connection.defineCommand('sbDedupSettle', { numberOfKeys: 1, lua: SETTLE_SCRIPT });
    return (connection as unknown as SettleScript).sbDedupSettle.bind(connection);
  };
  const settle = settleOn(redis);
  const settleAcked = options.ackedOn ? settleOn(options.ackedOn) : settle;
  const prefix = options.keyPrefix ?? 'sb:dedup:';
  // Room and sender can contain ':' so the parts are length-prefixed, never ambiguous.
  const entryKey = ({ room, sender, clientMsgId }: DedupKey) =>
    `${prefix}${room.length}:${room}:${sender.length}:${sender}:${clientMsgId}`;
  const state = (attempt: Attempt) => `${attempt.id}|${attempt.ts}`;

  const epoch = watchEpoch(redis, `${prefix}epoch`, options.ttlSeconds * 1000);
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw unavailable('the dedup store (Redis) is unavailable', err);
    }
  };

  return {
    claim: (key, attempt, body, bucket) =>
      guard(async () => {
        const entry = entryKey(key);
        const args = [state(attempt), options.pendingLeaseMs, options.ttlSeconds, bodyDigest(body)];
        const raw = bucket
          ? await claims.sbDedupClaim(2, entry, bucket.key, ...args, bucket.burst, bucket.perSecond)
          : await claims.sbDedupClaim(1, entry, ...args);
        const [found, foundId, foundTs] = raw.split('|');
        if (found === 'R') return { kind: 'limited', retryAfterMs: Number(foundId) };
        if (found === 'C' || found === 'N') {
          return { kind: 'claimed', id: foundId!, ts: Number(foundTs), fresh: found === 'N' };
        }
        if (found === 'A') return { kind: 'acked', id: foundId!, ts: Number(foundTs) };
        if (found === 'X') return { kind: 'conflict' };
        return { kind: 'pending' };
      }),
    acked: (key, attempt) =>
      guard(async () => {
        await settleAcked(entryKey(key), state(attempt), 'A', options.ttlSeconds);
      }),
    failed: (key, attempt) =>
      guard(async () => {
        await settle(entryKey(key), state(attempt), 'F', options.ttlSeconds);
      }),
    discarded: (key, attempt) =>
      guard(async () => {
        await settle(entryKey(key), state(attempt), 'D', options.ttlSeconds);
      }),
    adopt: (key, attempt, body) =>
      guard(async () => {
        await redis.set(entryKey(key), `A|${state(attempt)}|${bodyDigest(body)}`, 'EX', options.ttlSeconds);
      }),
    trusted: () => epoch.trusted(),
  };
}

/**
 * Redis losing its data (a restart without persistence, a failover to an empty replica) must
 * not turn retries into new messages. An epoch key lives as long as Redis' data does and holds
 * the time it was made: while it is younger than the retry window, entries may be missing, and
 * a fresh claim is checked against PostgreSQL. Every pod reads that age, so a pod started after
 * another one re-made the key distrusts it as long as the pods that saw the loss. The first
 * start of an empty Redis looks the same and costs the same: one indexed lookup per new message
 * for a while.
 */
function watchEpoch(redis: Redis, key: string, distrustMs: number) {
  let checked: Promise<void> | undefined;
  let known: string | undefined;
  let distrustUntil = 0;
  const check = async () => {
    // `<made at, ms>:<uuid>`; a key of the older form (a bare uuid) has no age and is trusted.
    const candidate = `${Date.now()}:${randomUUID()}`;
    await redis.set(key, candidate, 'NX');
    const current = await redis.get(key);
    if (current !== known) {
      if (known !== undefined || current === candidate) distrustUntil = Date.now() + distrustMs;
      const madeAt = Number(current?.split(':')[0]);
      if (Number.isFinite(madeAt)) distrustUntil = Math.max(distrustUntil, madeAt + distrustMs);
      known = current ?? undefined;
    }
  };
  // Every reconnect may be to a Redis that restarted: check before trusting it again.
  redis.on('close', () => {
    checked = undefined;
  });
  return {
    async trusted(): Promise<boolean> {
      checked ??= check().catch((err) => {
        checked = undefined;
        throw err;
      });
      await checked;
      return Date.now() >= distrustUntil;
    },
  };
}
