import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { RedisClient } from '../redis-connections.ts';
import { shardTag } from '../redis-shard-tags.ts';
import { type BucketRef, TAKE_TOKEN_LUA } from './budget.ts';

/**
 * Open connections per user across all pods: a sorted set per user of connection ids, each
 * scored by when it expires. The pod holding a connection pushes its expiry forward while it
 * lives; a pod that dies stops doing so, and its entries lapse after `ttlMs`. Admission drops
 * lapsed entries, then counts (Redis' clock, one script, so concurrent handshakes on several
 * pods cannot both take the last place). The same script first takes a token from the user's
 * handshake budget (KEYS[2], beside the set on one Cluster slot): one round trip per handshake.
 * Returns 1 admitted, 0 at the cap, or minus the wait for a token.
 */
const ADMIT_SCRIPT = `${TAKE_TOKEN_LUA}
local max = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = take_token(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), now)
if wait > 0 then return -wait end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= max then
  return 0
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

/**
 * Pushes the expiry of this pod's live connections forward, for some users (KEYS: their sets;
 * on a Cluster those of one shard, one slot): ARGV[1] the TTL, then per key how many ids follow
 * and the ids. Never re-adds a released one. A renewal costs a script per REFRESH_BATCH users on
 * one Redis, and at most one per shard (SHARDS) on a Cluster, not one per user.
 */
const REFRESH_SCRIPT = `
local ttl = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = 2
for k = 1, #KEYS do
  local n = tonumber(ARGV[at])
  for i = at + 1, at + n do redis.call('ZADD', KEYS[k], 'XX', now + ttl, ARGV[i]) end
  redis.call('PEXPIRE', KEYS[k], ttl)
  at = at + n + 1
end
return 0
`;

/** Users whose entries one renewal script extends at most (it blocks Redis for about 1 ms). */
const REFRESH_BATCH = 200;

export type ConnectionCap = {
  /**
   * Takes a token from the user's handshake bucket, then counts connection `id` for `user`;
   * throws RATE_LIMITED when the bucket is empty or the user has `max` already.
   */
  admit(user: string, id: string, handshakes: BucketRef): Promise<void>;
  release(user: string, id: string): Promise<void>;
  /** Keeps this pod's connections (user -> ids) counted; call more often than `ttlMs`. */
  refresh(live: Map<string, string[]>): Promise<void>;
};

type Admit = (
  key: string,
  bucketKey: string,
  id: string,
  max: number,
  ttlMs: number,
  burst: number,
  perSecond: number,
) => Promise<number>;
/** numKeys, the keys, then the TTL and per key its ids (REFRESH_SCRIPT). */
type Refresh = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number>;

export function createConnectionCap(
  redis: RedisClient,
  options: { max: number; ttlMs: number; onRefused: () => void; onStoreError: (err: unknown) => void },
): ConnectionCap {
  redis.defineCommand('sbConnAdmit', { numberOfKeys: 2, lua: ADMIT_SCRIPT });
  redis.defineCommand('sbConnRefresh', { lua: REFRESH_SCRIPT });
  const commands = redis as unknown as { sbConnAdmit: Admit; sbConnRefresh: Refresh };
  // Shard-tagged as the user's budgets are, so the admission reaches both on one slot.
  const key = (user: string) => `sb:conns:${shardTag(user)}:${user}`;
  return {
    async admit(user, id, handshakes) {
      let admitted: number;
      try {
        admitted = await commands.sbConnAdmit(
          key(user),
          handshakes.key,
          id,
          options.max,
          options.ttlMs,
          handshakes.burst,
          handshakes.perSecond,
        );
      } catch (err) {
        // Both limits protect other users' capacity; while Redis is out, connections are let in.
        options.onStoreError(err);
        return;
      }
      if (admitted === 1) return;
      if (admitted < 0) throw handshakes.refused(-admitted);
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
      // A script's keys must share a slot on a Cluster: the users of one shard go together there.
      const groupOf = redis.isCluster ? shardTag : () => '';
      const groups = new Map<string, { keys: string[]; args: (string | number)[] }>();
      const scripts: { keys: string[]; args: (string | number)[] }[] = [];
      for (const [user, ids] of live) {
        const name = groupOf(user);
        let group = groups.get(name);
        if (!group || group.keys.length === REFRESH_BATCH) {
          group = { keys: [], args: [options.ttlMs] };
          groups.set(name, group);
          scripts.push(group);
        }
        group.keys.push(key(user));
        group.args.push(ids.length, ...ids);
      }
      await Promise.all(
        scripts.map(({ keys, args }) =>
          commands.sbConnRefresh(keys.length, ...keys, ...args).catch(options.onStoreError),
        ),
      );
    },
  };
}
