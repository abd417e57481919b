import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { RedisClient } from '../redis-connections.ts';

/**
 * Open connections per user across all pods: a sorted set per user of connection ids, each
 * scored by when it expires. The pod holding a connection pushes its expiry forward while it
 * lives; a pod that dies stops doing so, and its entries lapse after `ttlMs`. Admission drops
 * lapsed entries, then counts (Redis' clock, one script, so concurrent handshakes on several
 * pods cannot both take the last place).
 */
const ADMIT_SCRIPT = `
local max = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= max then
  return 0
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

/** Pushes the expiry of this pod's live connections (ARGV[2..]) forward; never re-adds a released one. */
const REFRESH_SCRIPT = `
local ttl = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 0
`;

export type ConnectionCap = {
  /** Counts connection `id` for `user`; throws RATE_LIMITED when the user has `max` already. */
  admit(user: string, id: string): Promise<void>;
  release(user: string, id: string): Promise<void>;
  /** Keeps this pod's connections (user -> ids) counted; call more often than `ttlMs`. */
  refresh(live: Map<string, string[]>): Promise<void>;
};

type Admit = (key: string, id: string, max: number, ttlMs: number) => Promise<number>;
type Refresh = (key: string, ttlMs: number, ...ids: string[]) => Promise<number>;

export function createConnectionCap(
  redis: RedisClient,
  options: { max: number; ttlMs: number; onRefused: () => void; onStoreError: (err: unknown) => void },
): ConnectionCap {
  redis.defineCommand('sbConnAdmit', { numberOfKeys: 1, lua: ADMIT_SCRIPT });
  redis.defineCommand('sbConnRefresh', { numberOfKeys: 1, lua: REFRESH_SCRIPT });
  const commands = redis as unknown as { sbConnAdmit: Admit; sbConnRefresh: Refresh };
  const key = (user: string) => `sb:conns:${user}`;
  return {
    async admit(user, id) {
      let admitted: number;
      try {
        admitted = await commands.sbConnAdmit(key(user), id, options.max, options.ttlMs);
      } catch (err) {
        // The count protects other users' capacity; while Redis is out, connections are let in.
        options.onStoreError(err);
        return;
      }
      if (admitted === 1) return;
      options.onRefused();
      throw new SwitchboardError(
        ErrorCode.RateLimited,
        `this user has ${options.max} open connections, the most allowed; close one first`,
        { retryAfterMs: 5000 },
      );
    },
    async release(user, id) {
      await redis.zrem(key(user), id).catch(options.onStoreError);
    },
    async refresh(live) {
      await Promise.all(
        [...live].map(([user, ids]) =>
          commands.sbConnRefresh(key(user), options.ttlMs, ...ids).catch(options.onStoreError),
        ),
      );
    },
  };
}
