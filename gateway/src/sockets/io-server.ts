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
  releaseUpgradeRequests(io);
  return io;
}

/**
 * engine.io hands a WebSocket upgrade's middlewares a response object that the TCP socket's
 * 'close' listener keeps, and with it the upgrade request (headers, raw headers, query) for as
 * long as the connection lives: a few KiB per idle connection. Only middlewares read it, and
 * this one runs after all of them (engine.io's own CORS middleware is added when it is built).
 */
export function releaseUpgradeRequests(io: Pick<GatewayIo, 'engine'>) {
  io.engine.use((_req: http.IncomingMessage, res: object, next: () => void) => {
    if (!(res instanceof http.ServerResponse)) (res as { req?: unknown }).req = undefined;
    next();
  });
}
