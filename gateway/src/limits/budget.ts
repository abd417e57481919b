import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { Redis } from 'ioredis';

/**
 * A token bucket per key kept in Redis, so a limit holds however many pods a user's
 * connections land on. The script refills by elapsed time (Redis' own clock, so pods with
 * skewed clocks agree), takes one token or says how long until one is there.
 */
const TOKEN_BUCKET_SCRIPT = `
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
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

/** One entry point's budget: `take(key)` spends a token or throws RATE_LIMITED with retryAfterMs. */
export type Budget = {
  readonly name: string;
  take(key: string): Promise<void>;
};

export type RefusalListener = (limit: string, reason: string) => void;

type BucketCommand = (key: string, burst: number, perSecond: number) => Promise<number>;

/**
 * Makes the budgets of every entry point from one script: each has its own name (its keys
 * and its metric label) and its own burst and rate.
 */
export function createBudgets(
  redis: Redis,
  options: { onRefused: RefusalListener; onStoreError?: (err: unknown, limit: string) => void },
): (name: string, spec: BudgetSpec) => Budget {
  redis.defineCommand('sbTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_SCRIPT });
  const bucket = (redis as unknown as { sbTokenBucket: BucketCommand }).sbTokenBucket.bind(redis);
  return (name: string, spec: BudgetSpec): Budget => ({
    name,
    async take(key) {
      let wait: number;
      try {
        wait = await bucket(`sb:limit:${name}:${key}`, spec.burst, spec.perSecond);
      } catch (err) {
        options.onStoreError?.(err, name);
        if (spec.failOpen) return;
        throw new SwitchboardError(ErrorCode.Unavailable, 'the rate limiter (Redis) is unavailable', {
          retryAfterMs: 1000,
          cause: err,
        });
      }
      if (wait > 0) {
        options.onRefused(name, 'rate');
        throw new SwitchboardError(ErrorCode.RateLimited, `too many ${spec.what}; slow down`, {
          retryAfterMs: wait,
        });
      }
    },
  });
}
