import {
  CLIENT_EVENTS,
  ErrorCode,
  ServerEvent,
  SwitchboardError,
  type TypingEvent,
} from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import type { CatchUp } from '../catch-up/catch-up.ts';
import type { Budget } from '../limits/budget.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { SendMessage } from '../send-message.ts';
import { closeOnRepeatedInvalidEvents } from './connection-limits.ts';
import { emitClosingError, emitError, eventDefinitions } from './event-handler.ts';
import { messageEventListeners } from './message-events.ts';
import type { Presence } from './presence.ts';
import { roomEventListeners } from './room-events.ts';
import type { RoomGate } from './room-gate.ts';
import { type Ack, type GatewayIo, type GatewaySocket, joinedRooms, userRoom } from './socket-types.ts';

export type ConnectionDeps = {
  sendMessage: SendMessage;
  gate: RoomGate;
  presence: Presence;
  catchUp: CatchUp;
  /** Resolves once this pod hears the room's fan-out channel (fan-out/room-channels.ts). */
  heard: (room: string) => Promise<void>;
  /** Typing to the room's other members, on every pod (fan-out/room-fan-out.ts). */
  announceTyping: (event: TypingEvent, exceptSocket: string) => Promise<void>;
  /** Per-user budgets, one per kind of event: sends, joins and leaves, typing. */
  budgets: { sends: Budget; roomEvents: Budget; typing: Budget };
  /** Invalid or unknown events one connection may send within the window before it is closed. */
  invalidEvents: { max: number; windowMs: number };
  metrics: GatewayMetrics;
  logger: Logger;
  maxRoomsPerConnection: number;
  /** Whether new sends are accepted (false while draining). */
  accepting: () => boolean;
};

/**
 * What every accepted connection gets: its events, its token's lifetime, its presence. The
 * listeners are built here once and shared by every connection (Socket.IO calls them with the
 * socket as `this`), so an idle connection keeps no closures of its own.
 */
export function handleConnections(io: GatewayIo, deps: ConnectionDeps): void {
  const onInvalid = closeOnRepeatedInvalidEvents({
    ...deps.invalidEvents,
    metrics: deps.metrics,
    logger: deps.logger,
  });
  const define = eventDefinitions({ ...deps, onInvalid });
  const listeners = Object.entries({
    ...roomEventListeners(define, { ...deps, budget: deps.budgets.roomEvents }),
    ...messageEventListeners(define, deps),
  });
  const unknownEvent = rejectUnknownEvents(deps.metrics, onInvalid);
  const expiries = new WeakMap<GatewaySocket, NodeJS.Timeout>();
  function disconnecting(this: GatewaySocket) {
    clearTimeout(expiries.get(this));
    expiries.delete(this);
    // The rooms must be read now: the socket leaves them once this handler returns.
    for (const room of joinedRooms(this)) void deps.presence.left(this, room);
  }

  io.on('connection', async (socket) => {
    deps.metrics.connectionsTotal.inc({ recovered: String(socket.recovered) });
    for (const [event, listener] of listeners) socket.on(event, listener);
    socket.onAny(unknownEvent);
    expiries.set(socket, endWithToken(socket));
    socket.on('disconnecting', disconnecting);
    await socket.join(userRoom(socket.data.user));
    if (socket.recovered) await keepAllowedRooms(socket, deps);
  });
}

/**
 * A recovered session comes back with the rooms its user is still a member of
 * (fan-out/session-restore.ts); a new token may allow fewer rooms than the one it was made with.
 */
async function keepAllowedRooms(socket: GatewaySocket, deps: ConnectionDeps) {
  for (const room of socket.data.removedWhileAway ?? []) socket.emit(ServerEvent.RoomRemoved, { room });
  delete socket.data.removedWhileAway;
  const allowed = socket.data.principal.rooms;
  for (const room of joinedRooms(socket)) {
    if (allowed && !allowed.includes(room)) await socket.leave(room);
    else await deps.presence.joined(socket, room);
  }
}

/** A connection outlives neither its token nor a revoked key: it ends when the token does. */
function endWithToken(socket: GatewaySocket): NodeJS.Timeout {
  const ms = Math.min(Math.max(socket.data.principal.expiresAt - Date.now(), 0), 2 ** 31 - 1);
  return setTimeout(expire, ms, socket);
}

function expire(socket: GatewaySocket) {
  emitClosingError(
    socket,
    new SwitchboardError(ErrorCode.Unauthenticated, 'the token has expired'),
    'expiry',
  );
  socket.disconnect(true);
}

/** Anything the protocol does not know gets one typed error, to this client only. */
function rejectUnknownEvents(metrics: GatewayMetrics, onInvalid: (socket: GatewaySocket) => void) {
  return function unknownEvent(this: GatewaySocket, event: unknown, ...args: unknown[]) {
    if (typeof event === 'string' && CLIENT_EVENTS.has(event)) return;
    const error = new SwitchboardError(
      ErrorCode.UnknownEvent,
      `unknown event "${String(event).slice(0, 64)}"`,
    );
    metrics.clientErrors.inc({ event: 'unknown', code: error.code });
    const ack = args.at(-1);
    if (typeof ack === 'function') (ack as Ack)(error.toAck());
    else emitError(this, error, 'unknown');
    onInvalid(this);
  };
}
