import http from 'node:http';
import { createDatabase } from '@switchboard/db';
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  kafkaClientSecurity,
  onShutdown,
  opsHandler,
  Readiness,
  startTelemetry,
} from '@switchboard/service-kit';
import { Redis } from 'ioredis';
import { createTokenVerifier } from './auth/token-verifier.ts';
import { type GatewayConfig, loadGatewayConfig } from './config.ts';
import { historyRouter } from './history-routes.ts';
import { createHttpApp } from './http-app.ts';
import { createMessageProducer } from './kafka-producer.ts';
import { createMessageDedup } from './message-dedup.ts';
import { createGatewayMetrics } from './metrics.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { createSendMessage } from './send-message.ts';
import { createSocketServer } from './socket-server.ts';

async function main(config: GatewayConfig) {
  const telemetry = startTelemetry('switchboard-gateway');
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const registry = createMetricsRegistry('gateway');
  const metrics = createGatewayMetrics(registry);

  // Auto-pipelining: commands issued in one tick (rate limit, dedup, adapter) share one write.
  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 2,
    connectTimeout: 2000,
    enableAutoPipelining: true,
  });
  // Rate limits and dedup entries get their own connection with a command timeout, so an
  // unresponsive Redis fails a send with UNAVAILABLE instead of leaving it without an ack. The
  // adapter's connection cannot have one: it duplicates it for a blocking XREAD.
  const commands = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 2,
    connectTimeout: 2000,
    commandTimeout: 1000,
    enableAutoPipelining: true,
  });
  let lastRedisError = 0;
  const onRedisError = (err: Error) => {
    metrics.adapterErrors.inc();
    if (Date.now() - lastRedisError > 5000) logger.warn({ err }, 'redis error');
    lastRedisError = Date.now();
  };
  redis.on('error', onRedisError);
  commands.on('error', onRedisError);

  const producer = createMessageProducer({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    topic: config.KAFKA_TOPIC,
    sendTimeoutMs: config.KAFKA_SEND_TIMEOUT_MS,
    maxPending: config.MAX_INFLIGHT_SENDS,
    maxBatch: config.KAFKA_MAX_BATCH,
    security: kafkaClientSecurity(config, 'gateway'),
    logger,
    onRequest: (seconds, ok, size) => {
      metrics.kafkaProduceLatency.observe({ outcome: ok ? 'ok' : 'error' }, seconds);
      metrics.kafkaBatchSize.observe(size);
    },
  });
  const db = createDatabase(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX });
  const verifyToken = createTokenVerifier(config);

  const readiness = new Readiness()
    .add('redis', async () => {
      if (redis.status !== 'ready') return { ok: false, detail: `adapter: ${redis.status}` };
      if (commands.status !== 'ready') return { ok: false, detail: commands.status };
      await commands.ping(); // bounded by its command timeout
      return { ok: true };
    })
    .add('kafka', () => ({ ok: producer.reachable, detail: producer.reachable ? undefined : 'unreachable' }));

  const app = createHttpApp({
    ops: opsHandler({ readiness, registry }),
    history: historyRouter({ db, verifyToken }),
    metrics,
    logger,
    webRoot: config.WEB_ROOT,
    devToken:
      config.DEV_TOKEN_ENDPOINT && config.JWT_SECRET
        ? {
            secret: config.JWT_SECRET,
            ttlSeconds: config.DEV_TOKEN_TTL_SECONDS,
            issuer: config.JWT_ISSUER,
            audience: config.JWT_AUDIENCE,
          }
        : undefined,
  });
  const server = http.createServer(app);
  // Longer than any load balancer's idle timeout, so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;

  let activeSends = 0;
  const sockets = createSocketServer(server, {
    config,
    redis,
    verifyToken,
    rateLimiter: createRateLimiter(commands, {
      burst: config.RATE_LIMIT_BURST,
      perSecond: config.RATE_LIMIT_PER_SECOND,
    }),
    metrics,
    logger,
    accepting: () => !readiness.isDraining,
  });
  const sendMessage = createSendMessage({
    producer,
    dedup: createMessageDedup(commands, {
      ttlSeconds: config.DEDUP_TTL_SECONDS,
      pendingLeaseMs: config.KAFKA_SEND_TIMEOUT_MS * 2 + 5000,
    }),
    broadcast: sockets.broadcast,
    metrics,
    logger,
    maxBodyBytes: config.MAX_BODY_BYTES,
    pendingWaitMs: config.KAFKA_SEND_TIMEOUT_MS + 1000,
  });
  sockets.setSendMessage(async (sender, input) => {
    activeSends++;
    try {
      return await sendMessage(sender, input);
    } finally {
      activeSends--;
    }
  });
  metrics.live.sample = () => ({ ...sockets.sample(), inflightSends: producer.pending });

  await producer.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  logger.info({ port: config.PORT, host: config.HOST, kafka: producer.reachable }, 'gateway listening');

  const waitUntil = async (done: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };

  onShutdown({
    logger,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      {
        // Readiness false and no new connections: the balancer sends reconnects elsewhere.
        name: 'stop accepting',
        run: () => {
          readiness.startDraining();
          server.close();
        },
      },
      {
        // Sends already past admission get their ack (or their error) before clients go.
        name: 'finish in-flight sends',
        run: () => waitUntil(() => activeSends === 0, config.KAFKA_SEND_TIMEOUT_MS * 2 + 1000),
      },
      {
        // Closing the transport (not a Socket.IO disconnect) makes clients reconnect, and
        // persists their session so the next pod recovers it (G5).
        name: 'disconnect clients',
        run: async () => {
          for (const socket of sockets.io.of('/').sockets.values()) socket.conn.close();
          await waitUntil(() => sockets.io.engine.clientsCount === 0, 2000);
          await redis.ping().catch(() => {});
        },
      },
      { name: 'close socket.io', run: () => sockets.io.close() },
      { name: 'flush kafka producer', run: () => producer.stop() },
      {
        name: 'close connections',
        run: async () => {
          await Promise.allSettled([redis.quit(), commands.quit(), db.$disconnect(), telemetry.shutdown()]);
        },
      },
    ],
  });
}

let config: GatewayConfig;
try {
  config = loadGatewayConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
main(config).catch((err) => {
  console.error('gateway failed to start:', err);
  process.exit(1);
});
