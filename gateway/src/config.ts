import path from 'node:path';
import { Limits } from '@switchboard/protocol';
import { env, kafkaSecurityFields, loadConfig, refineKafkaSecurity } from '@switchboard/service-kit';
import { z } from 'zod';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/**
 * Every setting of the gateway: validated at start and rendered into the README's settings
 * table from the same schema (service-kit `configTableMarkdown`).
 */
export const gatewayConfigSchema = z
  .object({
    PORT: env.port(3000, 'HTTP port: Socket.IO, the history API, /livez /readyz /metrics'),
    HOST: env.string('0.0.0.0', 'address to listen on'),
    NODE_ENV: env.string('development', 'with `production`, development-only features refuse to start'),
    REDIS_URL: env.url('Redis URL: the Socket.IO streams adapter, dedup entries, rate-limit buckets'),
    KAFKA_BROKERS: env.list('', 'comma-separated Kafka bootstrap brokers (host:port)'),
    KAFKA_TOPIC: env.string('switchboard.messages', 'topic every accepted message is produced to'),
    KAFKA_CLIENT_ID: env.string('switchboard-gateway', 'Kafka client id (shows in broker logs and quotas)'),
    KAFKA_SEND_TIMEOUT_MS: env.int(
      5000,
      'a message not acknowledged by Kafka within this time is refused with UNAVAILABLE',
      100,
    ),
    KAFKA_MAX_BATCH: env.int(500, 'messages produced in one Kafka request at most', 1),
    ...kafkaSecurityFields,
    DATABASE_URL: env.url('PostgreSQL URL for history reads'),
    DATABASE_POOL_MAX: env.int(5, 'PostgreSQL connections of this pod (history reads only)', 1),
    JWT_SECRET: env.optional('HS256 shared secret (development); set this or JWT_JWKS_URL'),
    JWT_JWKS_URL: env.optional('JWKS URL of the identity provider (RS256/ES256/EdDSA tokens, production)'),
    JWT_ISSUER: env.optional('expected `iss` claim; unchecked when unset'),
    JWT_AUDIENCE: env.optional('expected `aud` claim; unchecked when unset'),
    JWT_CLOCK_TOLERANCE_SECONDS: env.int(30, 'clock skew accepted on exp/nbf/iat'),
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(Limits.bodyMaxBytes)
      .default(Limits.bodyMaxBytes)
      .describe(`largest message body in UTF-8 bytes (at most ${Limits.bodyMaxBytes}); larger: TOO_LARGE`),
    MAX_FRAME_BYTES: env.int(
      65536,
      'Socket.IO maxHttpBufferSize: a larger frame closes that client connection',
      1024,
    ),
    MAX_ROOMS_PER_CONNECTION: env.int(100, 'rooms one connection may be in at once; beyond, INVALID', 1),
    RATE_LIMIT_BURST: env.int(
      30,
      'token bucket size per user (events in a burst), shared by all pods through Redis',
      1,
    ),
    RATE_LIMIT_PER_SECOND: env.int(10, 'token bucket refill per user per second', 1),
    RECOVERY_WINDOW_MS: env.int(
      120000,
      'a client reconnecting within this time gets what it missed (connection state recovery)',
      1000,
    ),
    ADAPTER_STREAM_MAX_LEN: env.int(
      100000,
      'entries kept in the Redis stream of the Socket.IO adapter: must cover RECOVERY_WINDOW_MS of broadcasts',
      1000,
    ),
    MAX_INFLIGHT_SENDS: env.int(
      2000,
      'messages waiting for Kafka on this pod at most; beyond, UNAVAILABLE (bounded memory)',
      1,
    ),
    DEDUP_TTL_SECONDS: env.int(
      86400,
      'how long a clientMsgId is remembered: a retry within it gets the first id back',
      1,
    ),
    SHUTDOWN_GRACE_MS: env.int(25000, 'SIGTERM: exit at the latest after this long', 1000),
    CORS_ORIGINS: env.list('', 'browser origins allowed to connect from other sites (comma-separated)'),
    LOG_LEVEL: env.logLevel(),
    DEV_TOKEN_ENDPOINT: env.bool(false, 'serve POST /v1/dev/token (needs JWT_SECRET; refused in production)'),
    DEV_TOKEN_TTL_SECONDS: env.int(3600, 'lifetime of tokens from the dev token endpoint', 60),
    WEB_ROOT: env.string(
      path.join(repoRoot, 'web', 'dist'),
      'folder of the built web client, served at / (a later build is picked up without restart)',
    ),
  })
  .superRefine((c, ctx) => {
    if (c.KAFKA_BROKERS.length === 0)
      ctx.addIssue({ code: 'custom', path: ['KAFKA_BROKERS'], message: 'at least one broker is required' });
    refineKafkaSecurity(c, ctx);
    if (!c.JWT_SECRET && !c.JWT_JWKS_URL)
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set JWT_SECRET or JWT_JWKS_URL' });
    if (c.JWT_SECRET && c.JWT_SECRET.length < 32)
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'use at least 32 characters' });
    // An identity provider issues tokens for many applications: in production, only ours count.
    if (c.NODE_ENV === 'production' && c.JWT_JWKS_URL) {
      for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
        if (!c[name])
          ctx.addIssue({ code: 'custom', path: [name], message: 'required with JWT_JWKS_URL in production' });
      }
    }
    if (c.DEV_TOKEN_ENDPOINT && c.NODE_ENV === 'production')
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_TOKEN_ENDPOINT'],
        message: 'refused when NODE_ENV=production',
      });
    if (c.DEV_TOKEN_ENDPOINT && !c.JWT_SECRET)
      ctx.addIssue({ code: 'custom', path: ['DEV_TOKEN_ENDPOINT'], message: 'needs JWT_SECRET' });
    if (c.MAX_FRAME_BYTES < c.MAX_BODY_BYTES + 1024)
      ctx.addIssue({
        code: 'custom',
        path: ['MAX_FRAME_BYTES'],
        message:
          'must exceed MAX_BODY_BYTES by 1024 so a too-large body gets TOO_LARGE, not a cut connection',
      });
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env): GatewayConfig {
  return loadConfig('gateway', gatewayConfigSchema, source);
}
