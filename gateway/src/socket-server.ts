import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import {
  type ChatMessage,
  CLIENT_EVENTS,
  ClientEvent,
  type ErrorAck,
  ErrorCode,
  messageSendSchema,
  type PresenceEvent,
  roomJoinSchema,
  roomLeaveSchema,
  ServerEvent,
  SwitchboardError,
  type TypingEvent,
  typingSchema,
} from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import type { Redis } from 'ioredis';
import { type DefaultEventsMap, Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import { assertRoomAllowed, type Principal, type TokenVerifier } from './auth/token-verifier.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { SendMessage } from './send-message.ts';

type SocketData = { user: string; principal: Principal };
type ServerToClientEvents = {
  [ServerEvent.Message]: (message: ChatMessage) => void;
  [ServerEvent.Presence]: (event: PresenceEvent) => void;
  [ServerEvent.Typing]: (event: TypingEvent) => void;
  [ServerEvent.Error]: (error: ErrorAck & { event: string }) => void;
};
type GatewaySocket = Socket<DefaultEventsMap, ServerToClientEvents, DefaultEventsMap, SocketData>;
type Ack = (response: unknown) => void;

export type SocketServerDeps = {
  config: GatewayConfig;
  redis: Redis;
  verifyToken: TokenVerifier;
  rateLimiter: RateLimiter;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Whether new sends are accepted (false while draining). */
  accepting: () => boolean;
};

/**
 * Socket.IO on the shared HTTP server: rooms shared across pods through the Redis streams
 * adapter (which also backs connection state recovery, G5), the protocol's events, and typed
 * errors that reach only the client that caused them (G7).
 */
export function createSocketServer(httpServer: http.Server, deps: SocketServerDeps) {
  const { config, metrics, logger } = deps;
  const io = new Server<DefaultEventsMap, ServerToClientEvents, DefaultEventsMap, SocketData>(httpServer, {
    maxHttpBufferSize: config.MAX_FRAME_BYTES,
    connectionStateRecovery: { maxDisconnectionDuration: config.RECOVERY_WINDOW_MS, skipMiddlewares: false },
    cors: config.CORS_ORIGINS.length > 0 ? { origin: config.CORS_ORIGINS, credentials: true } : undefined,
    adapter: createAdapter(deps.redis, {
      streamName: 'sb:socket.io',
      channelPrefix: 'sb:socket.io',
      sessionKeyPrefix: 'sb:sio:session:',
      onlyPlaintext: true,
      // The stream must hold at least the recovery window of broadcasts (G5).
      maxLen: config.ADAPTER_STREAM_MAX_LEN,
    }),
  });
  let sendMessage: SendMessage | undefined;

  io.use(async (socket, next) => {
    try {
      const principal = await deps.verifyToken((socket.handshake.auth as { token?: unknown })?.token);
      // A recovered session (G5) carries its former user: it only goes back to that user.
      if (socket.recovered && socket.data.user !== principal.user) {
        throw new SwitchboardError(ErrorCode.Unauthenticated, 'the session belongs to another user');
      }
      socket.data.user = principal.user;
      socket.data.principal = principal;
      next();
    } catch (err) {
      const error = toSwitchboardError(err, logger);
      metrics.clientErrors.inc({ event: 'handshake', code: error.code });
      next(Object.assign(new Error(error.message), { data: error.toBody() }));
    }
  });

  io.on('connection', (socket) => {
    const { user, principal } = socket.data;
    metrics.connectionsTotal.inc({ recovered: String(socket.recovered) });
    if (socket.recovered) {
      for (const room of joinedRooms(socket)) {
        // The new token may allow fewer rooms than the one the session was made with.
        if (principal.rooms && !principal.rooms.includes(room)) void socket.leave(room);
        else emitPresence(socket, { room, joined: user });
      }
    }
    // A connection outlives neither its token nor a revoked key: it ends when the token does.
    const expiry = setTimeout(
      () => {
        emitError(socket, new SwitchboardError(ErrorCode.Unauthenticated, 'the token has expired'), 'expiry');
        socket.disconnect(true);
      },
      Math.min(Math.max(principal.expiresAt - Date.now(), 0), 2 ** 31 - 1),
    );

    const handle = <S extends z.ZodType>(
      event: string,
      schema: S,
      run: (input: z.infer<S>) => Promise<unknown>,
      options: { rateLimited: boolean } = { rateLimited: true },
    ) => {
      socket.on(event, async (payload: unknown, ack?: Ack) => {
        const started = performance.now();
        if (event === ClientEvent.MessageSend) metrics.messagesReceived.inc();
        try {
          const parsed = schema.safeParse(payload);
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            throw new SwitchboardError(
              ErrorCode.Invalid,
              `${event}: ${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}`,
            );
          }
          if (options.rateLimited) await deps.rateLimiter.take(user);
          const result = await run(parsed.data);
          if (typeof ack === 'function') ack(result);
          if (event === ClientEvent.MessageSend) {
            metrics.ackLatency.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
          }
        } catch (err) {
          const error = toSwitchboardError(err, logger);
          metrics.clientErrors.inc({ event, code: error.code });
          if (event === ClientEvent.MessageSend) {
            metrics.messagesRejected.inc({ code: error.code });
            metrics.ackLatency.observe({ outcome: error.code }, (performance.now() - started) / 1000);
          }
          if (typeof ack === 'function') ack(error.toAck() satisfies ErrorAck);
          else if (event !== ClientEvent.Typing) emitError(socket, error, event);
        }
      });
    };

    handle(ClientEvent.RoomJoin, roomJoinSchema, async ({ room }) => {
      assertRoomAllowed(principal, room);
      const isNew = !socket.rooms.has(room);
      // socket.rooms includes the socket's own room; one connection cannot grow without bound.
      if (isNew && socket.rooms.size > config.MAX_ROOMS_PER_CONNECTION) {
        throw new SwitchboardError(
          ErrorCode.Invalid,
          `a connection may be in at most ${config.MAX_ROOMS_PER_CONNECTION} rooms`,
        );
      }
      await socket.join(room);
      if (isNew) emitPresence(socket, { room, joined: user });
      return { ok: true, presence: await presence(room) };
    });

    handle(
      ClientEvent.RoomLeave,
      roomLeaveSchema,
      async ({ room }) => {
        if (socket.rooms.has(room)) {
          await socket.leave(room);
          await announceLeft(socket, room, user);
        }
        return { ok: true };
      },
      { rateLimited: false },
    );

    handle(ClientEvent.MessageSend, messageSendSchema, async (input) => {
      if (!socket.rooms.has(input.room)) {
        throw new SwitchboardError(ErrorCode.NotJoined, `join "${input.room}" before sending to it`);
      }
      if (!deps.accepting()) {
        throw new SwitchboardError(ErrorCode.Unavailable, 'this gateway is shutting down; reconnect', {
          retryAfterMs: 500,
        });
      }
      if (!sendMessage) throw new SwitchboardError(ErrorCode.Unavailable, 'not ready');
      return sendMessage(user, input);
    });

    handle(ClientEvent.Typing, typingSchema, async ({ room }) => {
      if (!socket.rooms.has(room)) return;
      socket.volatile.to(room).emit(ServerEvent.Typing, { room, user });
    });

    // Anything the protocol does not know gets one typed error, to this client only.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && CLIENT_EVENTS.has(event)) return;
      const error = new SwitchboardError(
        ErrorCode.UnknownEvent,
        `unknown event "${String(event).slice(0, 64)}"`,
      );
      metrics.clientErrors.inc({ event: 'unknown', code: error.code });
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as Ack)(error.toAck());
      else emitError(socket, error, 'unknown');
    });

    socket.on('disconnecting', () => {
      clearTimeout(expiry);
      // The rooms must be read now: the socket leaves them once this handler returns.
      for (const room of joinedRooms(socket)) void announceLeft(socket, room, user);
    });
  });

  function joinedRooms(socket: GatewaySocket): string[] {
    return [...socket.rooms].filter((r) => r !== socket.id);
  }

  function emitPresence(socket: GatewaySocket, event: PresenceEvent) {
    // A join goes to the joiner too: it is a broadcast through the stream, so the client holds
    // an offset from then on, which connection state recovery needs (a client that has not
    // received any broadcast cannot be recovered).
    if (event.joined) io.to(event.room).emit(ServerEvent.Presence, event);
    else socket.to(event.room).emit(ServerEvent.Presence, event);
  }

  /**
   * Presence is per user, not per connection: `left` only when no other connection of the
   * user (another tab, another device, on any pod) is still in the room.
   */
  async function announceLeft(socket: GatewaySocket, room: string, user: string) {
    const sameUser = (s: { id: string; data: { user: string } }) =>
      s.id !== socket.id && s.data.user === user;
    // This pod first: no cluster round trip when another tab of the user is connected here.
    if ((await io.local.in(room).fetchSockets()).some(sameUser)) return;
    try {
      const others = await io.in(room).timeout(2000).fetchSockets();
      if (others.some(sameUser)) return;
    } catch (err) {
      // Not every pod answered: say `left`; a connection still there shows up on its next join.
      metrics.adapterErrors.inc();
      logger.warn({ err, room }, 'presence: not every gateway answered');
    }
    io.to(room)
      .except(socket.id)
      .emit(ServerEvent.Presence, { room, left: user } satisfies PresenceEvent);
  }

  function emitError(socket: GatewaySocket, error: SwitchboardError, event: string) {
    socket.emit(ServerEvent.Error, { event, ...error.toAck() });
  }

  /** Users in the room on every pod; this pod's view alone if another pod does not answer. */
  async function presence(room: string): Promise<string[]> {
    try {
      const sockets = await io.in(room).timeout(2000).fetchSockets();
      return [...new Set(sockets.map((s) => s.data.user))].sort();
    } catch (err) {
      metrics.adapterErrors.inc();
      logger.warn({ err, room }, 'presence: not every gateway answered');
      const sockets = await io.local.in(room).fetchSockets();
      return [...new Set(sockets.map((s) => s.data.user))].sort();
    }
  }

  return {
    io,
    /** Wires the send path once its dependencies exist. */
    setSendMessage(fn: SendMessage) {
      sendMessage = fn;
    },
    /**
     * Sends an accepted message to everyone in its room on every pod, through the adapter (and
     * its stream, so a client reconnecting within the window gets it, G5).
     */
    broadcast(message: ChatMessage) {
      io.to(message.room).emit(ServerEvent.Message, message);
    },
    sample() {
      let rooms = 0;
      for (const [name, members] of io.of('/').adapter.rooms) if (!members.has(name)) rooms++;
      return { connections: io.engine.clientsCount, rooms };
    },
  };
}

export function toSwitchboardError(err: unknown, logger: Logger): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  logger.error({ err }, 'unexpected error');
  return new SwitchboardError(ErrorCode.Internal, 'internal error', { cause: err });
}
