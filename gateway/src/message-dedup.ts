import { hash } from 'node:crypto';
import { unavailable } from '@switchboard/protocol';
import { type BucketRef, TAKE_TOKEN_LUA } from './limits/budget.ts';
import type { RedisClient } from './redis-connections.ts';
import { shardTag } from './redis-shard-tags.ts';

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
 *
 * Redis losing its data (a restart without persistence, a failover to an empty replica, one
 * Cluster node restarting empty) must not turn retries into new messages. Each shard of senders
 * (redis-shard-tags.ts) has an epoch key beside its entries, in the same slot, holding the time
 * it was made (Redis' clock): it lives as long as the entries do. While it is younger than the
 * retry window, entries may be missing, and a fresh claim says `unverified`: it is checked
 * against PostgreSQL. The age lives in Redis, so a pod started after the loss distrusts it as
 * long as the pods that saw it. The first start of an empty Redis looks the same and costs the
 * same: one indexed lookup per new message for a while.
 */
export type Claim =
  /**
   * `fresh`: no entry existed (a first attempt, or Redis lost the entry); `unverified`: Redis
   * lost this sender's shard within the retry window, so a fresh claim may be a retry (G3).
   */
  | { kind: 'claimed'; id: string; ts: number; fresh: boolean; unverified?: true }
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
};

/** Compact and collision-safe for this purpose: the first 16 bytes of SHA-256, base64url (no '|'). */
export function bodyDigest(body: string): string {
  // The one-shot hash: no Hash object per message.
  return hash('sha256', body, 'buffer').subarray(0, 16).toString('base64url');
}

// KEYS (one slot: the sender's shard tag): 1 the entry, 2 the shard's epoch, 3 (optional) the
// sender's token bucket. ARGV: 1 proposed 'id|ts', 2 lease ms, 3 TTL seconds, 4 body digest,
// 5 how long after the epoch was made a missing entry is unverified (ms), 6 and 7 (with KEYS[3])
// the bucket's burst and rate.
const CLAIM_SCRIPT = `${TAKE_TOKEN_LUA}
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if KEYS[3] then
  local wait = take_token(KEYS[3], tonumber(ARGV[6]), tonumber(ARGV[7]), now)
  if wait > 0 then return 'R|' .. wait end
end
local lease = '|' .. (now + tonumber(ARGV[2]))
local v = redis.call('GET', KEYS[1])
if not v then
  local made = tonumber(redis.call('GET', KEYS[2]))
  if not made then
    made = now
    redis.call('SET', KEYS[2], made)
  end
  redis.call('SET', KEYS[1], 'P|' .. ARGV[1] .. '|' .. ARGV[4] .. lease, 'EX', ARGV[3])
  if now < made + tonumber(ARGV[5]) then return 'U|' .. ARGV[1] end
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
  // The number of keys first: 2, or 3 with the bucket.
  sbDedupClaim(numKeys: 2 | 3, ...keysThenArgs: (string | number)[]): Promise<string>;
};
type SettleScript = {
  sbDedupSettle(key: string, value: string, state: string, ttlSeconds: number): Promise<number>;
};

export function createMessageDedup(
  redis: RedisClient,
  options: {
    ttlSeconds: number;
    pendingLeaseMs: number;
    keyPrefix?: string;
    /**
     * How long after Redis lost a shard's entries a fresh claim is `unverified` (default: the
     * retry window, `ttlSeconds`); 0 only in tests that are not about the loss.
     */
    unverifiedAfterLossMs?: number;
    /**
     * Where `acked` settles (default `redis`): the broadcast's connection, so with one Redis the
     * settle shares one write with the room's publish that follows it (ioredis auto-pipelining;
     * sockets/broadcast.ts). Nothing waits for it, so it needs no timeout.
     */
    ackedOn?: RedisClient;
  },
): MessageDedup {
  redis.defineCommand('sbDedupClaim', { lua: CLAIM_SCRIPT });
  const claims = redis as unknown as ClaimScript;
  const settleOn = (connection: RedisClient) => {
    connection.defineCommand('sbDedupSettle', { numberOfKeys: 1, lua: SETTLE_SCRIPT });
    return (connection as unknown as SettleScript).sbDedupSettle.bind(connection);
  };
  const settle = settleOn(redis);
  const settleAcked = options.ackedOn ? settleOn(options.ackedOn) : settle;
  const prefix = options.keyPrefix ?? 'sb:dedup:';
  const entryKey = (key: DedupKey, tag?: string) => dedupEntryKey(prefix, key, tag);
  const unverifiedMs = options.unverifiedAfterLossMs ?? options.ttlSeconds * 1000;
  const state = (attempt: Attempt) => `${attempt.id}|${attempt.ts}`;

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
        // The sender's shard tag, hashed once: the entry and its shard's epoch share it.
        const tag = shardTag(key.sender);
        const keys = [entryKey(key, tag), `${prefix}epoch:${tag}`];
        const args = [
          state(attempt),
          options.pendingLeaseMs,
          options.ttlSeconds,
          bodyDigest(body),
          unverifiedMs,
        ];
        const raw = bucket
          ? await claims.sbDedupClaim(3, ...keys, bucket.key, ...args, bucket.burst, bucket.perSecond)
          : await claims.sbDedupClaim(2, ...keys, ...args);
        const [found, foundId, foundTs] = raw.split('|');
        if (found === 'R') return { kind: 'limited', retryAfterMs: Number(foundId) };
        if (found === 'U' || found === 'C' || found === 'N') {
          const claimed = {
            kind: 'claimed',
            id: foundId!,
            ts: Number(foundTs),
            fresh: found !== 'C',
          } as const;
          return found === 'U' ? { ...claimed, unverified: true } : claimed;
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
  };
}

/**
 * The entry of one (room, sender, clientMsgId): first the sender's shard tag, so it shares a
 * Cluster slot with the sender's send bucket and its shard's epoch; room and sender can contain
 * ':' so the parts after it are length-prefixed, never ambiguous.
 */
export function dedupEntryKey(
  prefix: string,
  { room, sender, clientMsgId }: DedupKey,
  tag = shardTag(sender),
): string {
  return `${prefix}${tag}:${room.length}:${room}:${sender.length}:${sender}:${clientMsgId}`;
}
