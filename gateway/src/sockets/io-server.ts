import type http from 'node:http';
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
  return new Server(httpServer, {
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
}
