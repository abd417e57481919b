import http from 'node:http';
import { createDatabase, storedMessageOf } from '@switchboard/db';
import {
  kafkaClientSecurity,
  opsHandler,
  type ServiceContext,
  type ShutdownStep,
  startOpsServer,
  waitUntil,
} from '@switchboard/service-kit';
import express from 'express';
import { createServiceKeys } from './auth/service-keys.ts';
import { bearerToken, createTokenVerifier } from './auth/token-verifier.ts';
import { createCatchUp } from './catch-up/catch-up.ts';
import { createHistoryReader } from './catch-up/history-reader.ts';
import { createRoomLog } from './catch-up/room-log.ts';
import { type GatewayConfig, handshakeExemptLoopback, roomsAutoCreate } from './config.ts';
import { createRoomChannels } from './fan-out/room-channels.ts';
import { createRoomFanOut } from './fan-out/room-fan-out.ts';
import { restoreSessionsFromRoomLogs } from './fan-out/session-restore.ts';
import { historyRouter } from './history-routes.ts';
import { installHttpRoutes } from './http-app.ts';
import { createMessageProducer } from './kafka-producer.ts';
import { createEntryLimits } from './limits/entry-limits.ts';
import { createMessageDedup } from './message-dedup.ts';
import { createGatewayMetrics } from './metrics.ts';
import { connectRedis, redisReady } from './redis-connections.ts';
import { createRoomAccess } from './rooms/room-access.ts';
import { roomsApi } from './rooms/rooms-routes.ts';
import { createSendMessage, type SendMessage } from './send-message.ts';
import { createBroadcast } from './sockets/broadcast.ts';
import { handleConnections } from './sockets/connection-handler.ts';
import { limitConnections, limitHandshakeAddresses } from './sockets/connection-limits.ts';
import { authenticateHandshakes } from './sockets/handshake.ts';
import { createIoServer } from './sockets/io-server.ts';
import { applyMembershipChange } from './sockets/membership-changes.ts';
import { createPresence } from './sockets/presence.ts';
import type { RoomGate } from './sockets/room-gate.ts';
import { liveCounts, userRoom } from './sockets/socket-types.ts';

/**
 * The gateway, built in the order of a message's path: stores, rooms and Kafka first, then the
 * Socket.IO server and its broadcast, then the send pipeline that produces and broadcasts, then
 * the socket events and HTTP routes that call it. Nothing is wired after construction.
 */
export async function startGateway(ctx: ServiceContext<GatewayConfig>): Promise<{ stop: ShutdownStep[] }> {
  const { config, logger, registry, readiness } = ctx;
  const metrics = createGatewayMetrics(registry);
  const redis = connectRedis(config, { metrics, logger });
  const db = createDatabase(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX });
  const verifyToken = createTokenVerifier(config);
  const access = createRoomAccess({
    db,
    redis: redis.commands,
    subscriber: redis.subscriber,
    autoCreate: roomsAutoCreate(config),
    cacheTtlMs: config.ROOMS_CACHE_TTL_MS,
    cacheMax: config.ROOMS_CACHE_MAX,
    logger,
    metrics: { cacheLookups: metrics.roomDecisionLookups },
  });
  const producer = createMessageProducer({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    topic: config.KAFKA_TOPIC,
    sendTimeoutMs: config.KAFKA_SEND_TIMEOUT_MS,
    maxPending: config.MAX_INFLIGHT_SENDS,
    maxBatch: config.KAFKA_MAX_BATCH,
    lingerMs: config.PRODUCE_LINGER_MS,
    security: kafkaClientSecurity(config, 'gateway'),
    logger,
    onRequest: (seconds, ok, size, { outcome, bytes }) => {
      metrics.kafkaProduceLatency.observe({ outcome: ok ? 'ok' : 'error' }, seconds);
      metrics.kafkaBatchSize.observe(size);
      metrics.kafkaRequests.inc({ outcome });
      metrics.kafkaRequestBytes.observe(bytes);
    },
  });
  readiness
    .add('redis', () => redisReady(redis))
    .add('kafka', () => ({ ok: producer.reachable, detail: producer.reachable ? undefined : 'unreachable' }));

  // The app exists before the server so Socket.IO can attach after it; its routes come last.
  const app = express();
  const server = http.createServer(app);
  // Longer than any load balancer's idle timeout, so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;
  const io = createIoServer(server, config, redis.adapter);
  const roomLog = createRoomLog(redis.adapter, { maxAgeMs: config.ROOM_LOG_MAX_AGE_MS });
  const history = createHistoryReader({ db, log: roomLog, persistWaitMs: config.HISTORY_PERSIST_WAIT_MS });
  // A room's messages reach the pods with members there, each of which delivers locally.
  const fanOut = createRoomFanOut(io, {
    redis: redis.adapter,
    log: roomLog,
    maxLen: config.ROOM_LOG_MAX_LEN,
    maxAgeMs: config.ROOM_LOG_MAX_AGE_MS,
    metrics,
    logger,
  });
  const channels = createRoomChannels(redis.fanSubscriber, {
    adapter: io.of('/').adapter,
    onFrame: fanOut.onFrame,
    prepare: fanOut.prepare,
    resubscribed: fanOut.resubscribed,
    released: fanOut.released,
    logger,
  });
  const delivery = createBroadcast({
    publish: fanOut.publishMessage,
    connected: () => redis.adapter.status === 'ready',
    metrics,
    logger,
    maxQueued: config.MAX_INFLIGHT_SENDS,
    retry: { initialMs: 100, maxMs: 2000 },
    maxWaitMs: 1000,
  });
  const sends = countActive(
    createSendMessage({
      producer,
      dedup: createMessageDedup(redis.commands, {
        ttlSeconds: config.DEDUP_TTL_SECONDS,
        pendingLeaseMs: config.KAFKA_SEND_TIMEOUT_MS * 2 + 5000,
        // In the same write as the room's publish that follows it.
        ackedOn: redis.adapter,
      }),
      broadcast: delivery.broadcast,
      recall: (key) => storedMessageOf(db, key),
      metrics,
      logger,
      maxBodyBytes: config.MAX_BODY_BYTES,
      pendingWaitMs: config.KAFKA_SEND_TIMEOUT_MS + 1000,
    }),
  );

  const gate: RoomGate = {
    join: async (principal, room) => void (await access.join(principal, room)),
    assertCanSend: access.assertCanSend,
    assertCanRead: access.assertCanRead,
    canType: access.canType,
    mayRead: access.mayRead,
  };
  const presence = createPresence({
    redis: redis.commands,
    metrics,
    logger,
    ttlMs: config.PRESENCE_TTL_MS,
    announceEveryMs: config.PRESENCE_WINDOW_MS,
    ackMaxUsers: config.PRESENCE_ACK_MAX_USERS,
    announce: fanOut.publishPresence,
  });
  restoreSessionsFromRoomLogs(io, {
    redis: redis.commands,
    log: roomLog,
    channels,
    fanOut,
    mayRead: gate.mayRead,
    windowMs: config.RECOVERY_WINDOW_MS,
    marginMs: config.RECOVERY_REPLAY_MARGIN_MS,
    logger,
  });
  const limits = createEntryLimits(redis.commands, config, { metrics, logger });
  // Address limit before the token is verified, user limits and the connection cap after.
  limitHandshakeAddresses(io, {
    budget: limits.budgets.handshakeAddress,
    trustedProxyHops: config.TRUSTED_PROXY_HOPS,
    exemptLoopback: handshakeExemptLoopback(config),
    metrics,
    logger,
  });
  authenticateHandshakes(io, { verifyToken, metrics, logger });
  const connectionLimits = limitConnections(io, {
    handshakes: limits.budgets.handshakeUser,
    cap: limits.connections,
    refreshEveryMs: Math.floor(config.PRESENCE_TTL_MS / 3),
    maxBufferedBytes: config.SLOW_CONSUMER_MAX_BUFFER_BYTES,
    metrics,
    logger,
  });
  handleConnections(io, {
    sendMessage: sends.run,
    gate,
    presence,
    catchUp: createCatchUp({ log: roomLog, history, db, maxMessages: config.CATCH_UP_MAX_MESSAGES }),
    heard: channels.ready,
    announceTyping: fanOut.publishTyping,
    budgets: limits.budgets,
    invalidEvents: { max: config.INVALID_EVENTS_MAX, windowMs: config.INVALID_EVENTS_WINDOW_MS },
    metrics,
    logger,
    maxRoomsPerConnection: config.MAX_ROOMS_PER_CONNECTION,
    accepting: () => !readiness.isDraining,
  });
  access.onChange((change) => {
    if (change.kind === 'room-deleted') {
      roomLog
        .drop(change.room)
        .catch((err) => logger.warn({ err, room: change.room }, 'room log not dropped'));
    }
    if (change.kind !== 'member-removed' && change.kind !== 'room-deleted') return;
    const applied =
      change.kind === 'room-deleted'
        ? { kind: 'deleted' as const, room: change.room }
        : { kind: 'removed' as const, room: change.room, user: change.user };
    applyMembershipChange(io, presence, applied).catch((err) =>
      logger.error({ err, change }, 'membership change not applied to connections'),
    );
  });

  installHttpRoutes(app, {
    corsOrigins: config.CORS_ORIGINS,
    history: historyRouter({
      history,
      authenticate: (header) => verifyToken(bearerToken(header)),
      assertCanRead: access.assertCanRead,
      admit: limits.admitHistory,
    }),
    rooms: roomsApi({
      access,
      db,
      verifyToken,
      serviceKeys: createServiceKeys(config.SERVICE_API_KEYS),
      publish: sends.run,
      // Every pod: the adapter carries the disconnect to wherever the user's connections are.
      disconnectUser: (user) => io.in(userRoom(user)).disconnectSockets(true),
      budget: limits.budgets.roomsApi,
    }),
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
  metrics.live.sample = () => ({ ...liveCounts(io), inflightSends: producer.pending });

  await access.start();
  await producer.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  // Only once the public port listens, so a ready answer means clients can connect.
  const opsServer = await startOpsServer(config.OPS_PORT, config.HOST, opsHandler({ readiness, registry }));
  logger.info(
    { port: config.PORT, opsPort: config.OPS_PORT, host: config.HOST, kafka: producer.reachable },
    'gateway listening',
  );

  return {
    // The lifecycle has already turned readiness false: the balancer sends reconnects elsewhere.
    stop: [
      { name: 'stop accepting', run: () => void server.close() },
      {
        // Sends already past admission get their ack (or their error) before clients go.
        name: 'finish in-flight sends',
        run: async () => {
          await waitUntil(() => sends.active === 0, { timeoutMs: config.KAFKA_SEND_TIMEOUT_MS * 2 + 1000 });
        },
      },
      {
        // Closing the transport (not a Socket.IO disconnect) makes clients reconnect, and
        // persists their session so the next pod recovers it (G5).
        name: 'disconnect clients',
        run: async () => {
          for (const socket of io.of('/').sockets.values()) socket.conn.close();
          await waitUntil(() => io.engine.clientsCount === 0, { timeoutMs: 2000 });
          // Sessions are saved on the commands connection (session-restore.ts).
          await redis.commands.ping().catch(() => {});
        },
      },
      { name: 'close socket.io', run: () => io.close() },
      { name: 'flush kafka producer', run: () => producer.stop() },
      {
        // Accepted messages still waiting for Redis get a last chance before the pod goes.
        name: 'finish queued broadcasts',
        run: async () => {
          await waitUntil(() => delivery.queued === 0, { timeoutMs: 2000 });
          delivery.stop();
        },
      },
      { name: 'forget presence', run: () => presence.stop() },
      { name: 'leave fan-out channels', run: () => channels.stop() },
      { name: 'stop counting connections', run: () => connectionLimits.stop() },
      {
        name: 'close connections',
        run: async () => {
          await access.stop();
          await Promise.allSettled([redis.quit(), db.$disconnect()]);
        },
      },
      // Last, so /readyz answers "draining" until the process is gone.
      { name: 'ops server', run: () => new Promise<void>((resolve) => opsServer.close(() => resolve())) },
    ],
  };
}

/** How many sends are between admission and their answer (drain waits for them). */
function countActive(send: SendMessage): { run: SendMessage; readonly active: number } {
  let active = 0;
  return {
    run: async (sender, input, sendsBucket) => {
      active++;
      try {
        return await send(sender, input, sendsBucket);
      } finally {
        active--;
      }
    },
    get active() {
      return active;
    },
  };
}
