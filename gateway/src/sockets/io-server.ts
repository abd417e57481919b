import http from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Server } from 'socket.io';
import type { GatewayConfig } from '../config.ts';
import type { RedisClient } from '../redis-connections.ts';
import type { GatewayIo } from './socket-types.ts';

/**
 * Socket.IO on the shared HTTP server, its rooms shared across pods through the Redis streams
 * adapter, which also backs connection state recovery (G5). Handlers are attached separately
 * (connection-handler.ts), once what they need exists.
 */
export function createIoServer(
  httpServer: http.Server,
  config: Pick<
    GatewayConfig,
    'MAX_FRAME_BYTES' | 'RECOVERY_WINDOW_MS' | 'CORS_ORIGINS' | 'ADAPTER_STREAM_MAX_LEN'
  >,
  redis: RedisClient,
): GatewayIo {
  const io: GatewayIo = new Server(httpServer, {
    maxHttpBufferSize: config.MAX_FRAME_BYTES,
    connectionStateRecovery: { maxDisconnectionDuration: config.RECOVERY_WINDOW_MS, skipMiddlewares: false },
    cors: config.CORS_ORIGINS.length > 0 ? { origin: config.CORS_ORIGINS, credentials: true } : undefined,
    adapter: createAdapter(redis, {
      streamName: 'sb:socket.io',
      channelPrefix: 'sb:socket.io',
      sessionKeyPrefix: 'sb:sio:session:',
      onlyPlaintext: true,
      // The stream must hold at least the recovery window of broadcasts (G5).
      maxLen: config.ADAPTER_STREAM_MAX_LEN,
    }),
  });
  releaseHandshakeRequests(io);
  return io;
}

/**
 * No connection keeps its handshake's HTTP request (headers, raw headers, query: a few KiB per
 * idle connection); socket.handshake has what the middlewares (limits, auth) needed. Two holders:
 * engine.io itself (`conn.request`, dropped as the connection is accepted, before any handler of
 * it runs) and, for a WebSocket upgrade, the response object engine.io hands its middlewares,
 * which the TCP socket's 'close' listener keeps for the connection's life. Only middlewares read
 * that one, and this runs after all of them (engine.io adds its CORS middleware when built).
 */
export function releaseHandshakeRequests(io: Pick<GatewayIo, 'engine' | 'on'>) {
  io.engine.use((_req: http.IncomingMessage, res: object, next: () => void) => {
    if (!(res instanceof http.ServerResponse)) (res as { req?: unknown }).req = undefined;
    next();
  });
  io.on('connection', (socket) => {
    (socket.conn as { request?: unknown }).request = undefined;
    socket.handshake.headers = {};
  });
}
