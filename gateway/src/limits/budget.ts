import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { RedisClient } from '../redis-connections.ts';
import { shardTag } from '../redis-shard-tags.ts';

/**
 * A token bucket per key kept in Redis, so a limit holds however many pods a user's
 * connections land on. `take_token` refills by elapsed time (`now` from Redis' own clock, so
 * pods with skewed clocks agree), takes one token or says how long until one is there.
 * Exported as a Lua function so a script that needs a token before its own work (the send's
 * dedup claim, `message-dedup.ts`) takes it in the same round trip.
 */
export const TAKE_TOKEN_LUA = `
local function take_token(key, burst, rate, now)
  local b = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  local wait = 0
  if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
  redis.call('HSET', key, 'tokens', tokens, 'at', now)
  redis.call('PEXPIRE', key, math.ceil(burst * 1000 / rate) + 1000)
  return wait
end
`;

const TOKEN_BUCKET_SCRIPT = `${TAKE_TOKEN_LUA}
local t = redis.call('TIME')
return take_token(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
`;

export type BudgetSpec = {
  /** What is counted, for the refusal message ("messages", "joins and leaves"). */
  what: string;
  /** Tokens in a full bucket: the events allowed in a burst. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
  /**
   * When Redis cannot answer: false refuses with UNAVAILABLE (the entry point needs Redis
   * anyway, e.g. sends); true lets the request through (history reads do not need Redis).
   */
  failOpen?: boolean;
};

/**
 * One key's bucket, for a script that calls `take_token` itself: its key and parameters, and
 * `refused(wait)`, the refusal `take` would throw (counted as `take` counts it).
 */
export type BucketRef = {
  key: string;
  burst: number;
  perSecond: number;
  refused(waitMs: number): SwitchboardError;
};

/**
 * One entry point's budget: `take(key)` spends a token or throws RATE_LIMITED with
 * retryAfterMs; `bucket(key)` hands the same bucket to a script that takes the token itself.
 */
export type Budget = {
  readonly name: string;
  take(key: string): Promise<void>;
  bucket(key: string): BucketRef;
};

export type RefusalListener = (limit: string, reason: string) => void;

type BucketCommand = (key: string, burst: number, perSecond: number) => Promise<number>;

/**
 * Makes the budgets of every entry point from one script: each has its own name (its keys
 * and its metric label) and its own burst and rate.
 */
export function createBudgets(
  redis: RedisClient,
  options: { onRefused: RefusalListener; onStoreError?: (err: unknown, limit: string) => void },
): (name: string, spec: BudgetSpec) => Budget {
  redis.defineCommand('sbTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_SCRIPT });
  const takeToken = (redis as unknown as { sbTokenBucket: BucketCommand }).sbTokenBucket.bind(redis);
  return (name: string, spec: BudgetSpec): Budget => {
    const refused = (waitMs: number) => {
      options.onRefused(name, 'rate');
      return new SwitchboardError(ErrorCode.RateLimited, `too many ${spec.what}; slow down`, {
        retryAfterMs: waitMs,
      });
    };
    const bucket = (key: string): BucketRef => ({
      // Tagged so a script may take the token beside the sender's dedup entry (one Cluster slot).
      key: `sb:limit:${name}:${shardTag(key)}:${key}`,
      burst: spec.burst,
      perSecond: spec.perSecond,
      refused,
    });
    return {
      name,
      bucket,
      async take(key) {
        const { key: bucketKey } = bucket(key);
        let wait: number;
        try {
          wait = await takeToken(bucketKey, spec.burst, spec.perSecond);
        } catch (err) {
          options.onStoreError?.(err, name);
          if (spec.failOpen) return;
          throw new SwitchboardError(ErrorCode.Unavailable, 'the rate limiter (Redis) is unavailable', {
            retryAfterMs: 1000,
            cause: err,
          });
        }
        if (wait > 0) throw refused(wait);
      },
    };
  };
}
