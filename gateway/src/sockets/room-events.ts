import {
  ClientEvent,
  ErrorCode,
  type JoinAck,
  type LeaveAck,
  type RoomJoin,
  type RoomLeave,
  roomJoinSchema,
  roomLeaveSchema,
  SwitchboardError,
} from '@switchboard/protocol';
import type { CatchUp } from '../catch-up/catch-up.ts';
import type { Budget } from '../limits/budget.ts';
import type { DefineEvent, EventListener } from './event-handler.ts';
import type { Presence } from './presence.ts';
import type { RoomGate } from './room-gate.ts';
import type { GatewaySocket } from './socket-types.ts';

/** `room:join` and `room:leave`, one listener each for every connection. */
export function roomEventListeners(
  define: DefineEvent,
  deps: {
    gate: RoomGate;
    presence: Presence;
    catchUp: CatchUp;
    heard: (room: string) => Promise<void>;
    maxRoomsPerConnection: number;
    /**
     * Joins and leaves share a budget of their own (not the sends'). A connection's first join
     * is paid by its handshake, which the handshake budget admitted: one Redis round trip fewer
     * on connect + join, and a user's joins stay bounded by both budgets together.
     */
    budget: Budget;
  },
): Record<string, EventListener> {
  const firstJoinSpent = new WeakSet<GatewaySocket>();
  const join = async (socket: GatewaySocket, { room, since }: RoomJoin): Promise<JoinAck> => {
    const { principal } = socket.data;
    if (firstJoinSpent.has(socket)) await deps.budget.take(socket.data.user);
    else firstJoinSpent.add(socket);
    const isNew = !socket.rooms.has(room);
    // socket.rooms holds the socket's own room and its user room: one connection cannot grow without bound.
    if (isNew && socket.rooms.size > deps.maxRoomsPerConnection + 1) {
      throw new SwitchboardError(
        ErrorCode.Invalid,
        `a connection may be in at most ${deps.maxRoomsPerConnection} rooms`,
      );
    }
    await deps.gate.join(principal, room);
    // In the room, and this pod hearing the room's channel, before the catch-up is read, so
    // nothing falls between the two; what arrives live meanwhile may also be in `missed`
    // (clients keep messages by id). Messages after the ack arrive live.
    await socket.join(room);
    try {
      await deps.heard(room);
      // A removal that landed between the gate's decision and the join missed this socket (G8).
      if (isNew && !(await deps.gate.mayRead(principal.user, room))) {
        throw new SwitchboardError(ErrorCode.Forbidden, `not a member of "${room}"`);
      }
    } catch (err) {
      if (isNew) await socket.leave(room);
      throw err;
    }
    const online = isNew ? await deps.presence.joined(socket, room) : await deps.presence.listOnline(room);
    if (!since) return { ok: true, ...online };
    try {
      const { missed, complete } = await deps.catchUp(room, since);
      return { ok: true, ...online, missed, complete };
    } catch (err) {
      // A join refused for its `since` leaves nothing behind.
      if (isNew) {
        await socket.leave(room);
        await deps.presence.left(socket, room);
      }
      throw err;
    }
  };

  const leave = async (socket: GatewaySocket, { room }: RoomLeave): Promise<LeaveAck> => {
    if (socket.rooms.has(room)) {
      await socket.leave(room);
      await deps.presence.left(socket, room);
    }
    return { ok: true };
  };

  return {
    [ClientEvent.RoomJoin]: define(ClientEvent.RoomJoin, roomJoinSchema, null, join),
    [ClientEvent.RoomLeave]: define(ClientEvent.RoomLeave, roomLeaveSchema, deps.budget, leave),
  };
}
