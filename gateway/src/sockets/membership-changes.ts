import { ServerEvent } from '@switchboard/protocol';
import type { Presence } from './presence.ts';
import { type GatewayIo, type GatewaySocket, userRoom } from './socket-types.ts';

/** A change that takes a room away from connections; heard on every pod. */
export type MembershipChange =
  | { kind: 'removed'; room: string; user: string }
  | { kind: 'deleted'; room: string };

/**
 * Applies a change to this pod's connections (every pod hears every change): the affected
 * connections leave the room and get `room:removed`, so nothing more of the room reaches them
 * (G8). Local only: each pod acts on its own sockets, so a change never waits on another pod.
 */
export async function applyMembershipChange(io: GatewayIo, presence: Presence, change: MembershipChange) {
  const { room } = change;
  const affected: GatewaySocket[] = [];
  if (change.kind === 'deleted') {
    for (const id of io.of('/').adapter.rooms.get(room) ?? []) {
      const socket = io.of('/').sockets.get(id);
      if (socket) affected.push(socket);
    }
  } else {
    // Every connection of the user hears it, also those not in the room now (its room list).
    for (const id of io.of('/').adapter.rooms.get(userRoom(change.user)) ?? []) {
      const socket = io.of('/').sockets.get(id);
      if (socket) affected.push(socket);
    }
  }
  await Promise.all(
    affected.map(async (socket) => {
      if (socket.rooms.has(room)) {
        await socket.leave(room);
        await presence.left(socket, room);
      }
      socket.emit(ServerEvent.RoomRemoved, { room });
    }),
  );
}
