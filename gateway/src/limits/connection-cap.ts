import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import DataLoader from 'dataloader';
import type { RedisClient } from '../redis-connections.ts';
import { shardTag } from '../redis-shard-tags.ts';
import { type BucketRef, TAKE_TOKEN_LUA } from './budget.ts';

/**
 * Open connections per user across all pods: a sorted set per user of connection ids, each
 * scored by when it expires. The pod holding a connection pushes its expiry forward while it
 * lives; a pod that dies stops doing so, and its entries lapse after `ttlMs`. Admission drops
 * lapsed entries, then counts (Redis' clock, one script, so concurrent handshakes on several
 * pods cannot both take the last place). The same script first takes a token from the user's
 * handshake budget (beside the set on one Cluster slot).
 *
 * One script admits the handshakes of one event-loop turn (a reconnect storm after a pod died
 * costs a script per batch, not per connection), one after the other as separate scripts
 * would: KEYS per connection its set and its bucket; ARGV the cap and TTL, then per connection
 * its id, the bucket's burst and rate. Answers per connection 1 admitted, 0 at the cap, or
 * minus the wait for a token.
 */
const ADMIT_SCRIPT = `${TAKE_TOKEN_LUA}
local max = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #KEYS / 2 do
  local set, at = KEYS[2 * i - 1], 3 * i
  local id = ARGV[at]
  local wait = take_token(KEYS[2 * i], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), now)
  if wait > 0 then
    out[i] = -wait
  else
    redis.call('ZREMRANGEBYSCORE', set, '-inf', now)
    if not redis.call('ZSCORE', set, id) and redis.call('ZCARD', set) >= max then
      out[i] = 0
    else
      redis.call('ZADD', set, now + ttl, id)
      redis.call('PEXPIRE', set, ttl)
      out[i] = 1
    end
  end
end
return out
`;

/** Forgets closed connections (KEYS: their users' sets; ARGV: their ids, in the same order). */
const RELEASE_SCRIPT = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('ZREM', KEYS[i], ARGV[i]) end
return out
`;

/** Connections one admission or release script takes at most (each a few Redis commands). */
const BATCH = 200;

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

type Handshake = { user: string; id: string; bucket: BucketRef };
type Connection = { user: string; id: string };
/** numKeys, the keys, then the arguments (ADMIT_SCRIPT, RELEASE_SCRIPT, REFRESH_SCRIPT). */
type Script<T> = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<T>;

export function createConnectionCap(
  redis: RedisClient,
  options: { max: number; ttlMs: number; onRefused: () => void; onStoreError: (err: unknown) => void },
): ConnectionCap {
  redis.defineCommand('sbConnAdmit', { lua: ADMIT_SCRIPT });
  redis.defineCommand('sbConnRelease', { lua: RELEASE_SCRIPT });
  redis.defineCommand('sbConnRefresh', { lua: REFRESH_SCRIPT });
  const commands = redis as unknown as {
    sbConnAdmit: Script<number[]>;
    sbConnRelease: Script<number[]>;
    sbConnRefresh: Script<number>;
  };
  // Shard-tagged as the user's budgets are, so the admission reaches both on one slot.
  const key = (user: string) => `sb:conns:${shardTag(user)}:${user}`;
  // A script's keys must share a slot on a Cluster: the users of one shard go together there.
  const groupOf = redis.isCluster ? shardTag : () => '';
  const admitAll = (handshakes: readonly Handshake[]) => {
    const keys: string[] = [];
    const args: (string | number)[] = [options.max, options.ttlMs];
    for (const { user, id, bucket } of handshakes) {
      keys.push(key(user), bucket.key);
      args.push(id, bucket.burst, bucket.perSecond);
    }
    return commands.sbConnAdmit(keys.length, ...keys, ...args);
  };
  const releaseAll = (connections: readonly Connection[]) =>
    commands.sbConnRelease(
      connections.length,
      ...connections.map(({ user }) => key(user)),
      ...connections.map(({ id }) => id),
    );
  // The handshakes (and the closes) of one event-loop turn, as a storm brings them, go in one
  // script per group, sent at the turn's end; scripts do not wait for each other, so a Redis
  // outage costs each handshake one command timeout, not a queue of them.
  const inBatches = <T>(run: (items: readonly T[]) => Promise<number[]>) => {
    const loaders = new Map<string, DataLoader<T, number>>();
    return (group: string, item: T) => {
      let loader = loaders.get(group);
      if (!loader) {
        loader = new DataLoader(run, {
          cache: false,
          maxBatchSize: BATCH,
          batchScheduleFn: (send) => setImmediate(send),
        });
        loaders.set(group, loader);
      }
      return loader.load(item);
    };
  };
  const admitted = inBatches(admitAll);
  const released = inBatches(releaseAll);
  return {
    async admit(user, id, handshakes) {
      let answer: number;
      try {
        answer = await admitted(groupOf(user), { user, id, bucket: handshakes });
      } catch (err) {
        // Both limits protect other users' capacity; while Redis is out, connections are let in.
        options.onStoreError(err);
        return;
      }
      if (answer === 1) return;
      if (answer < 0) throw handshakes.refused(-answer);
      options.onRefused();
      throw new SwitchboardError(
        ErrorCode.RateLimited,
        `this user has ${options.max} open connections, the most allowed; close one first`,
        { retryAfterMs: 5000 },
      );
    },
    async release(user, id) {
      await released(groupOf(user), { user, id }).catch(options.onStoreError);
    },
    async refresh(live) {
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
