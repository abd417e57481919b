import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { Redis } from 'ioredis';

/**
 * G3 across pods: one Redis entry per (room, sender, clientMsgId) holds the server id of that
 * message and its state:
 *   P|id|ts|leaseUntil  a gateway is producing it now; when the lease runs out (that gateway
 *            died mid-send) the entry counts as F, so the id survives and a retry reuses it
 *   A|id|ts  Kafka acknowledged it: a retry gets this id back and nothing is broadcast again
 *   F|id|ts  the produce failed or its outcome is unknown: a retry produces it again under
 *            the SAME id, so a record that did reach Kafka and its retry are one message
 */
export type Claim =
  | { kind: 'claimed'; id: string; ts: number }
  | { kind: 'acked'; id: string; ts: number }
  | { kind: 'pending' };

export type MessageDedup = {
  /** Claims the client message id, proposing `id`/`ts`; a previous failed attempt's id wins. */
  claim(room: string, sender: string, clientMsgId: string, id: string, ts: number): Promise<Claim>;
  acked(room: string, sender: string, clientMsgId: string, id: string, ts: number): Promise<void>;
  failed(room: string, sender: string, clientMsgId: string, id: string, ts: number): Promise<void>;
};

const CLAIM_SCRIPT = `
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = '|' .. (now + tonumber(ARGV[2]))
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'P|' .. ARGV[1] .. lease, 'EX', ARGV[3])
  return 'C|' .. ARGV[1]
end
local state = string.sub(v, 1, 1)
local rest = string.sub(v, 3)
if state == 'P' then
  local idts, untilMs = string.match(v, '^P|(.*)|(%d+)$')
  if untilMs and tonumber(untilMs) < now then
    state = 'F'
    rest = idts
  end
end
if state == 'F' then
  redis.call('SET', KEYS[1], 'P|' .. rest .. lease, 'EX', ARGV[3])
  return 'C|' .. rest
end
return v
`;

// Only the attempt that holds the entry may settle it (a late answer must not overwrite a newer one).
const SETTLE_SCRIPT = `
local holder = 'P|' .. ARGV[1] .. '|'
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(holder)) == holder then
  redis.call('SET', KEYS[1], ARGV[2] .. '|' .. ARGV[1], 'EX', ARGV[3])
  return 1
end
return 0
`;

type Scripts = {
  sbDedupClaim(key: string, value: string, leaseMs: number, ttlSeconds: number): Promise<string>;
  sbDedupSettle(key: string, value: string, state: string, ttlSeconds: number): Promise<number>;
};

export function createMessageDedup(
  redis: Redis,
  options: { ttlSeconds: number; pendingLeaseMs: number; keyPrefix?: string },
): MessageDedup {
  redis.defineCommand('sbDedupClaim', { numberOfKeys: 1, lua: CLAIM_SCRIPT });
  redis.defineCommand('sbDedupSettle', { numberOfKeys: 1, lua: SETTLE_SCRIPT });
  const scripts = redis as unknown as Scripts;
  const prefix = options.keyPrefix ?? 'sb:dedup:';
  // Room and sender can contain ':' so the parts are length-prefixed, never ambiguous.
  const key = (room: string, sender: string, clientMsgId: string) =>
    `${prefix}${room.length}:${room}:${sender.length}:${sender}:${clientMsgId}`;

  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw new SwitchboardError(ErrorCode.Unavailable, 'the dedup store (Redis) is unavailable', {
        retryAfterMs: 1000,
        cause: err,
      });
    }
  };

  return {
    claim: (room, sender, clientMsgId, id, ts) =>
      guard(async () => {
        const raw = await scripts.sbDedupClaim(
          key(room, sender, clientMsgId),
          `${id}|${ts}`,
          options.pendingLeaseMs,
          options.ttlSeconds,
        );
        const [state, foundId, foundTs] = raw.split('|');
        if (state === 'C') return { kind: 'claimed', id: foundId!, ts: Number(foundTs) };
        if (state === 'A') return { kind: 'acked', id: foundId!, ts: Number(foundTs) };
        return { kind: 'pending' };
      }),
    acked: (room, sender, clientMsgId, id, ts) =>
      guard(async () => {
        await scripts.sbDedupSettle(key(room, sender, clientMsgId), `${id}|${ts}`, 'A', options.ttlSeconds);
      }),
    failed: (room, sender, clientMsgId, id, ts) =>
      guard(async () => {
        await scripts.sbDedupSettle(key(room, sender, clientMsgId), `${id}|${ts}`, 'F', options.ttlSeconds);
      }),
  };
}
