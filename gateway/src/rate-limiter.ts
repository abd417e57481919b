import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { Redis } from 'ioredis';

/**
 * A token bucket per user kept in Redis, so the limit holds however many pods a user's
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

export type RateLimiter = {
  /** Takes a token for `user`; throws RATE_LIMITED (with retryAfterMs) when the bucket is empty. */
  take(user: string): Promise<void>;
};

export function createRateLimiter(
  redis: Redis,
  options: { burst: number; perSecond: number; keyPrefix?: string },
): RateLimiter {
  redis.defineCommand('sbTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_SCRIPT });
  const run = (redis as unknown as { sbTokenBucket(k: string, b: number, r: number): Promise<number> })
    .sbTokenBucket;
  const prefix = options.keyPrefix ?? 'sb:rate:';
  return {
    async take(user) {
      let wait: number;
      try {
        wait = await run.call(redis, `${prefix}${user}`, options.burst, options.perSecond);
      } catch (err) {
        throw new SwitchboardError(ErrorCode.Unavailable, 'the rate limiter (Redis) is unavailable', {
          retryAfterMs: 1000,
          cause: err,
        });
      }
      if (wait > 0) {
        throw new SwitchboardError(ErrorCode.RateLimited, 'too many events; slow down', {
          retryAfterMs: wait,
        });
      }
    },
  };
}
