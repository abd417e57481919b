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
    PORT: env.port(3000, 'public HTTP port: Socket.IO, the history and rooms API, the web client'),
    OPS_PORT: env.port(
      9090,
      'port of /livez, /readyz and /metrics, kept off the public port (probes and Prometheus only)',
    ),
    HOST: env.string('0.0.0.0', 'address to listen on'),
    NODE_ENV: env.string('development', 'with `production`, development-only features refuse to start'),
    REDIS_URL: z
      .url()
      .optional()
      .describe(
        'URL of one Redis (`rediss://` for TLS, credentials inside): the Socket.IO adapter, room logs and fan-out, presence, dedup entries, rate-limit buckets; set this or REDIS_CLUSTER_NODES',
      ),
    REDIS_CLUSTER_NODES: redisClusterNodes(
      'a Redis Cluster instead of one Redis: comma-separated seed nodes (host:port; the client learns the others from the cluster); REDIS_URL must then be unset',
    ),
    REDIS_USERNAME: env.optional(
      'ACL user for the Redis Cluster nodes (with REDIS_CLUSTER_NODES; a REDIS_URL carries its own)',
    ),
    REDIS_PASSWORD: env.optional(
      'password of the Redis Cluster nodes (with REDIS_CLUSTER_NODES; a REDIS_URL carries its own)',
    ),
    REDIS_TLS: env.bool(
      false,
      'TLS to every Redis Cluster node (with REDIS_CLUSTER_NODES; a REDIS_URL asks for TLS with `rediss://`)',
    ),
    KAFKA_BROKERS: env.list('', 'comma-separated Kafka bootstrap brokers (host:port)'),
    KAFKA_TOPIC: env.string('switchboard.messages', 'topic every accepted message is produced to'),
    KAFKA_CLIENT_ID: env.string('switchboard-gateway', 'Kafka client id (shows in broker logs and quotas)'),
    KAFKA_SEND_TIMEOUT_MS: env.int(
      5000,
      'a message not acknowledged by Kafka within this time is refused with UNAVAILABLE',
      100,
    ),
    KAFKA_MAX_BATCH: env.int(500, 'messages produced in one Kafka request at most', 1),
    PRODUCE_LINGER_MS: env.int(
      20,
      'when no Kafka request is in flight, how long one may wait for more messages (only when the recent rate says more are coming, and not once 16 are waiting); 0 sends each at once',
      0,
    ),
    ...kafkaSecurityFields,
    DATABASE_URL: env.url('PostgreSQL URL for history reads'),
    DATABASE_POOL_MAX: env.int(5, 'PostgreSQL connections of this pod (history reads only)', 1),
    JWT_SECRET: env.optional('HS256 shared secret (development); set this or JWT_JWKS_URL, not both'),
    JWT_JWKS_URL: env.optional(
      'JWKS URL of the identity provider (RS256/ES256/EdDSA tokens, production); HS256 is then never accepted',
    ),
    JWT_ALLOW_HS256_IN_PRODUCTION: env.bool(
      false,
      'accept HS256 tokens signed with JWT_SECRET when NODE_ENV=production (refused otherwise)',
    ),
    JWT_ISSUER: env.optional('expected `iss` claim; required with NODE_ENV=production, unchecked when unset'),
    JWT_AUDIENCE: env.optional(
      'expected `aud` claim; required with NODE_ENV=production, unchecked when unset',
    ),
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
    // Limits on every entry point (gateway/README.md "Limits"): token buckets per user (or
    // address) shared by all pods through Redis, caps per pod or per user.
    RATE_LIMIT_BURST: env.int(30, 'message:send per user: token bucket size (sends in a burst), all pods', 1),
    RATE_LIMIT_PER_SECOND: env.int(10, 'message:send per user: bucket refill per second', 1),
    ROOM_EVENTS_LIMIT_BURST: env.int(
      100,
      "room:join and room:leave per user (not a connection's first join): bucket size",
      1,
    ),
    ROOM_EVENTS_LIMIT_PER_SECOND: env.int(10, 'room:join and room:leave per user: refill per second', 1),
    TYPING_LIMIT_BURST: env.int(10, 'typing per user: bucket size; beyond, typing is dropped silently', 1),
    TYPING_LIMIT_PER_SECOND: env.int(2, 'typing per user: refill per second', 1),
    HANDSHAKE_USER_LIMIT_BURST: env.int(
      30,
      'socket handshakes per user: bucket size; beyond, RATE_LIMITED',
      1,
    ),
    HANDSHAKE_USER_LIMIT_PER_SECOND: env.int(2, 'socket handshakes per user: refill per second', 1),
    HANDSHAKE_ADDRESS_LIMIT_BURST: env.int(
      100,
      'socket handshakes per client address (before the token is checked): bucket size',
      1,
    ),
    HANDSHAKE_ADDRESS_LIMIT_PER_SECOND: env.int(
      20,
      'socket handshakes per client address: refill per second',
      1,
    ),
    HANDSHAKE_ADDRESS_EXEMPT_LOOPBACK: z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'))
      .describe(
        'handshakes from 127.0.0.0/8 and ::1 skip the per-address limit (tests and load tests on one machine); unset: on, except with NODE_ENV=production',
      ),
    TRUSTED_PROXY_HOPS: env.int(
      0,
      'proxies in front of the gateway that append the client address to X-Forwarded-For (the local HAProxy, an ingress: 1); the limits count the address the outermost one saw. 0: the TCP peer, X-Forwarded-For ignored',
      0,
    ),
    MAX_CONNECTIONS_PER_USER: env.int(
      20,
      "open connections per user across all pods (counted in Redis; a dead pod's entries lapse after PRESENCE_TTL_MS); beyond, RATE_LIMITED",
      1,
    ),
    INVALID_EVENTS_MAX: env.int(
      20,
      'invalid payloads and unknown events one connection may send within INVALID_EVENTS_WINDOW_MS; beyond, it is closed (error:protocol, then disconnect)',
      1,
    ),
    INVALID_EVENTS_WINDOW_MS: env.int(10000, 'window of INVALID_EVENTS_MAX', 100),
    HISTORY_LIMIT_BURST: env.int(
      100,
      'history API calls per user: bucket size; beyond, 429 with Retry-After',
      1,
    ),
    HISTORY_LIMIT_PER_SECOND: env.int(50, 'history API calls per user: refill per second', 1),
    HISTORY_MAX_CONCURRENT_PER_USER: env.int(
      4,
      "history queries of one user running at once on this pod; beyond, 429 (one user cannot take the pod's slots)",
      1,
    ),
    HISTORY_MAX_CONCURRENT: env.int(
      20,
      'history queries running at once on this pod (they share DATABASE_POOL_MAX connections); beyond, 429',
      1,
    ),
    ROOMS_API_LIMIT_BURST: env.int(
      60,
      'rooms REST API calls per user: bucket size (server API calls with a service key are not limited)',
      1,
    ),
    ROOMS_API_LIMIT_PER_SECOND: env.int(20, 'rooms REST API calls per user: refill per second', 1),
    SLOW_CONSUMER_MAX_BUFFER_BYTES: env.int(
      4194304,
      'bytes waiting to be sent to one connection (engine.io write buffer and WebSocket buffer) at most; beyond, the connection is closed',
      16384,
    ),
    PRESENCE_TTL_MS: env.int(
      30000,
      "a pod's presence and connection-count entries in Redis outlive its last heartbeat by this long (a dead pod's users go offline after it)",
      3000,
    ),
    PRESENCE_WINDOW_MS: env.int(
      200,
      'presence events of a room leave a pod at most once per window (joins and leaves in between go out together); the window grows by this much per 200 users of the room, to 5 s at most',
      10,
    ),
    PRESENCE_ACK_MAX_USERS: env.int(
      100,
      'users a room:join ack names at most; in a bigger room the ack names that many, counts all (onlineCount) and says partial: true',
      1,
    ),
    ROOM_LOG_MAX_LEN: env.int(
      1000,
      "messages kept in each room's recent log in Redis (catch-up on join and unpersisted history, G9)",
      10,
    ),
    ROOM_LOG_MAX_AGE_MS: env.int(
      3600000,
      "age after which a message leaves the room's recent log (PostgreSQL has it long before)",
      10000,
    ),
    HISTORY_PERSIST_WAIT_MS: env.int(
      3000,
      "how long a history page or catch-up reaching past a room's recent log waits for PostgreSQL to hold what the log dropped; then UNAVAILABLE (history) or complete: false (catch-up)",
      0,
    ),
    CATCH_UP_MAX_MESSAGES: env.int(
      200,
      'messages a room:join with `since` returns at most; beyond, `complete: false` and the client pages history',
      1,
    ),
    RECOVERY_WINDOW_MS: env.int(
      120000,
      'a client reconnecting within this time gets what it missed (connection state recovery)',
      1000,
    ),
    RECOVERY_REPLAY_MARGIN_MS: env.int(
      5000,
      "a recovering client's other rooms are replayed from this long before the last message it got (room logs are ordered by time only across rooms; clients keep one message per id)",
      0,
    ),
    ADAPTER_STREAM_MAX_LEN: env.int(
      10000,
      'entries kept in the Redis stream of the Socket.IO adapter (server-side events such as disconnects; room messages travel on per-room channels)',
      1000,
    ),
    MAX_INFLIGHT_SENDS: env.int(
      2000,
      'messages waiting for Kafka on this pod at most; beyond, UNAVAILABLE (bounded memory)',
      1,
    ),
    DEDUP_TTL_SECONDS: env.int(
      900,
      'how long a clientMsgId is remembered (the retry window): a retry within it gets the first id back; after Redis lost its data, retries within it are checked against PostgreSQL',
      1,
    ),
    SHUTDOWN_GRACE_MS: env.int(25000, 'SIGTERM: exit at the latest after this long', 1000),
    CORS_ORIGINS: env.list(
      '',
      'browser origins of other sites allowed to use Socket.IO and the history and rooms API (comma-separated)',
    ),
    LOG_LEVEL: env.logLevel(),
    DEV_TOKEN_ENDPOINT: env.bool(false, 'serve POST /v1/dev/token (needs JWT_SECRET; refused in production)'),
    DEV_TOKEN_TTL_SECONDS: env.int(3600, 'lifetime of tokens from the dev token endpoint', 60),
    // Rooms as resources (G8): gateway/src/rooms/.
    ROOMS_AUTO_CREATE: z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'))
      .describe(
        'joining an unknown room creates it (public, the joiner its owner); unset: on, except with NODE_ENV=production',
      ),
    ROOMS_CACHE_TTL_MS: env.int(
      60000,
      'room decisions cached per pod at most this long (every change also drops them on every pod at once)',
      100,
    ),
    ROOMS_CACHE_MAX: env.int(100000, 'room decisions (room, user) cached per pod at most', 100),
    SERVICE_API_KEYS: env.list(
      '',
      'API keys of backend services for the server API (comma-separated, at least 32 characters each; from a Secret); none: server API off',
    ),
    WEB_ROOT: env.string(
      path.join(repoRoot, 'web', 'dist'),
      'folder of the built web client, served at / (a later build is picked up without restart)',
    ),
  })
  .superRefine((c, ctx) => {
    if (c.KAFKA_BROKERS.length === 0)
      ctx.addIssue({ code: 'custom', path: ['KAFKA_BROKERS'], message: 'at least one broker is required' });
    refineKafkaSecurity(c, ctx);
    refineRedisTarget(c, ctx);
    // A linger is a few milliseconds of latency traded for fewer requests; near the send
    // timeout it would turn into refusals.
    if (c.PRODUCE_LINGER_MS * 10 > c.KAFKA_SEND_TIMEOUT_MS)
      ctx.addIssue({
        code: 'custom',
        path: ['PRODUCE_LINGER_MS'],
        message: 'must be at most a tenth of KAFKA_SEND_TIMEOUT_MS',
      });
    if (!c.JWT_SECRET && !c.JWT_JWKS_URL)
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set JWT_SECRET or JWT_JWKS_URL' });
    if (c.JWT_SECRET && c.JWT_SECRET.length < 32)
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'use at least 32 characters' });
    refineTokenPolicy(c, ctx);
    if (c.OPS_PORT === c.PORT)
      ctx.addIssue({
        code: 'custom',
        path: ['OPS_PORT'],
        message: 'must differ from PORT: the ops endpoints are not served on the public port',
      });
    if (c.DEV_TOKEN_ENDPOINT && c.NODE_ENV === 'production')
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_TOKEN_ENDPOINT'],
        message: 'refused when NODE_ENV=production',
      });
    if (c.DEV_TOKEN_ENDPOINT && !c.JWT_SECRET)
      ctx.addIssue({ code: 'custom', path: ['DEV_TOKEN_ENDPOINT'], message: 'needs JWT_SECRET' });
    if (c.SERVICE_API_KEYS.some((key) => key.length < 32))
      ctx.addIssue({
        code: 'custom',
        path: ['SERVICE_API_KEYS'],
        message: 'each key needs at least 32 characters',
      });
    if (c.MAX_FRAME_BYTES < c.MAX_BODY_BYTES + 1024)
      ctx.addIssue({
        code: 'custom',
        path: ['MAX_FRAME_BYTES'],
        message:
          'must exceed MAX_BODY_BYTES by 1024 so a too-large body gets TOO_LARGE, not a cut connection',
      });
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

type IssueSink = { addIssue: (issue: { code: 'custom'; path: string[]; message: string }) => void };

/** Seed nodes of a Redis Cluster, `host:port` or `[v6 address]:port`, each checked at start. */
function redisClusterNodes(description: string) {
  return z
    .string()
    .default('')
    .transform((value, ctx) => {
      const nodes: { host: string; port: number }[] = [];
      for (const item of value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const match = /^(?:\[([^\]]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(item);
        const port = Number(match?.[3]);
        if (!match || port < 1 || port > 65535) {
          ctx.addIssue({ code: 'custom', message: `"${item}" is not host:port` });
          return z.NEVER;
        }
        nodes.push({ host: match[1] ?? match[2]!, port });
      }
      return nodes;
    })
    .describe(description);
}

/** Where Redis is: one server or a Cluster's seed nodes, with the Cluster's credentials. */
export type RedisTarget = Pick<
  GatewayConfig,
  'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'REDIS_USERNAME' | 'REDIS_PASSWORD' | 'REDIS_TLS'
>;

/** One Redis or a Redis Cluster, never both; cluster credentials only where the URL cannot carry them. */
function refineRedisTarget(c: RedisTarget, ctx: IssueSink): void {
  const cluster = c.REDIS_CLUSTER_NODES.length > 0;
  if (!cluster && !c.REDIS_URL)
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_URL'],
      message: 'set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster)',
    });
  if (cluster && c.REDIS_URL)
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_URL'],
      message: 'set REDIS_URL or REDIS_CLUSTER_NODES, not both',
    });
  if (cluster) return;
  for (const name of ['REDIS_USERNAME', 'REDIS_PASSWORD'] as const) {
    if (c[name])
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'only with REDIS_CLUSTER_NODES (a REDIS_URL carries its credentials)',
      });
  }
  if (c.REDIS_TLS)
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_TLS'],
      message: 'only with REDIS_CLUSTER_NODES (a REDIS_URL asks for TLS with rediss://)',
    });
}
type TokenSettings = Pick<
  GatewayConfig,
  'NODE_ENV' | 'JWT_SECRET' | 'JWT_JWKS_URL' | 'JWT_ALLOW_HS256_IN_PRODUCTION' | 'JWT_ISSUER' | 'JWT_AUDIENCE'
>;

/**
 * Which tokens count. A shared secret beside a JWKS URL would let anyone holding the secret
 * mint tokens the identity provider never issued, so it is one or the other. In production a
 * shared secret needs an explicit yes, and issuer and audience are required for every
 * algorithm: a token minted for another application or environment must not be accepted here.
 */
function refineTokenPolicy(c: TokenSettings, ctx: IssueSink): void {
  if (c.JWT_SECRET && c.JWT_JWKS_URL)
    ctx.addIssue({
      code: 'custom',
      path: ['JWT_SECRET'],
      message: 'set JWT_SECRET or JWT_JWKS_URL, not both (HS256 is never accepted with a JWKS URL)',
    });
  if (c.NODE_ENV !== 'production') return;
  if (c.JWT_SECRET && !c.JWT_ALLOW_HS256_IN_PRODUCTION)
    ctx.addIssue({
      code: 'custom',
      path: ['JWT_SECRET'],
      message:
        'HS256 is refused when NODE_ENV=production: use JWT_JWKS_URL, or set JWT_ALLOW_HS256_IN_PRODUCTION=true',
    });
  for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
    if (!c[name])
      ctx.addIssue({ code: 'custom', path: [name], message: 'required when NODE_ENV=production' });
  }
}

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env): GatewayConfig {
  return loadConfig('gateway', gatewayConfigSchema, source);
}

/** ROOMS_AUTO_CREATE, or its default: on for development, off in production. */
export function roomsAutoCreate(config: Pick<GatewayConfig, 'ROOMS_AUTO_CREATE' | 'NODE_ENV'>): boolean {
  return config.ROOMS_AUTO_CREATE ?? config.NODE_ENV !== 'production';
}

/** HANDSHAKE_ADDRESS_EXEMPT_LOOPBACK, or its default: on for development, off in production. */
export function handshakeExemptLoopback(
  config: Pick<GatewayConfig, 'HANDSHAKE_ADDRESS_EXEMPT_LOOPBACK' | 'NODE_ENV'>,
): boolean {
  return config.HANDSHAKE_ADDRESS_EXEMPT_LOOPBACK ?? config.NODE_ENV !== 'production';
}
