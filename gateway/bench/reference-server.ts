import http from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { type ChatMessage, ClientEvent, newMessageId, ServerEvent } from '@switchboard/protocol';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

/**
 * The Socket.IO reference of the gateway benchmark: socket.io 4.8 and the Redis streams adapter
 * on its own Redis, one node, no auth, no durability, no limits. It speaks the gateway's events
 * (`room:join` with an ack, `message:send` answered with `{ ok, id, ts }` and broadcast as the
 * same `ChatMessage`), so the same load generator drives both. The sender is whatever the
 * handshake's `auth.user` says.
 *   node gateway/bench/reference-server.ts <redis url> [port]   (prints {"port": N} when listening)
 */
const redisUrl = process.argv[2];
if (!redisUrl) throw new Error('usage: reference-server.ts <redis url> [port]');
const port = Number(process.argv[3] ?? 0);

const redis = new Redis(redisUrl);
const httpServer = http.createServer();
const io = new Server(httpServer, { adapter: createAdapter(redis) });

type Ack = (answer: unknown) => void;
const refuse = (ack: Ack | undefined, message: string) =>
  ack?.({ ok: false, error: { code: 'INVALID', message, retryable: false } });

io.on('connection', (socket) => {
  const sender = String(socket.handshake.auth.user ?? socket.handshake.query.user ?? socket.id);
  socket.on(ClientEvent.RoomJoin, (payload: { room?: unknown }, ack?: Ack) => {
    if (typeof payload?.room !== 'string') return refuse(ack, 'room required');
    socket.join(payload.room);
    // No presence: the reference tracks none.
    ack?.({ ok: true, presence: [] });
  });
  socket.on(
    ClientEvent.MessageSend,
    (payload: { room?: unknown; clientMsgId?: unknown; body?: unknown }, ack?: Ack) => {
      const { room, clientMsgId, body } = payload ?? {};
      if (typeof room !== 'string' || typeof clientMsgId !== 'string' || typeof body !== 'string')
        return refuse(ack, 'room, clientMsgId and body required');
      if (!socket.rooms.has(room)) return refuse(ack, 'not joined');
      const id = newMessageId();
      const ts = Date.now();
      const message: ChatMessage = { id, room, sender, body, ts, clientMsgId };
      io.to(room).emit(ServerEvent.Message, message);
      ack?.({ ok: true, id, ts });
    },
  );
});

httpServer.listen(port, '127.0.0.1', () => {
  const address = httpServer.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
process.on('SIGTERM', () => {
  io.close(() => {
    redis.disconnect();
    process.exit(0);
  });
});
