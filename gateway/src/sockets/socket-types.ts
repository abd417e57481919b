import type {
  ChatMessage,
  ErrorAck,
  PresenceEvent,
  RoomRemovedEvent,
  ServerEvent,
  TypingEvent,
} from '@switchboard/protocol';
import type { DefaultEventsMap, Server, Socket } from 'socket.io';
import type { Principal } from '../auth/token-verifier.ts';

/** What a socket carries: plain data, since Socket.IO stores it with the session (G5). */
export type SocketData = {
  user: string;
  principal: Principal;
  /** Rooms a recovered session lost because its user was removed meanwhile (fan-out/session-restore.ts). */
  removedWhileAway?: string[];
};

export type ServerToClientEvents = {
  // The offset (a room log entry id) is what a client names when it recovers (G5).
  [ServerEvent.Message]: (message: ChatMessage, offset?: string) => void;
  [ServerEvent.Presence]: (event: PresenceEvent, offset?: string) => void;
  [ServerEvent.Typing]: (event: TypingEvent) => void;
  [ServerEvent.RoomRemoved]: (event: RoomRemovedEvent) => void;
  [ServerEvent.Error]: (error: ErrorAck & { event: string }) => void;
};

export type GatewayIo = Server<DefaultEventsMap, ServerToClientEvents, DefaultEventsMap, SocketData>;
export type GatewaySocket = Socket<DefaultEventsMap, ServerToClientEvents, DefaultEventsMap, SocketData>;
export type Ack = (response: unknown) => void;

/** The rooms a socket is in, without its own id-room and its user room. */
export function joinedRooms(socket: GatewaySocket): string[] {
  const own = userRoom(socket.data.user);
  return [...socket.rooms].filter((r) => r !== socket.id && r !== own);
}

/**
 * Every connection of a user is in this room on its pod, so "all connections of U" is one
 * adapter broadcast (room removal, disconnect by the server API). The prefix cannot be a room
 * name: protocol room names start with a letter or digit.
 */
export function userRoom(user: string): string {
  return `@user:${user}`;
}

/** Connections and rooms with a member on this pod, for the gauges. */
export function liveCounts(io: GatewayIo): { connections: number; rooms: number } {
  let rooms = 0;
  for (const [name, members] of io.of('/').adapter.rooms) {
    if (!members.has(name) && !name.startsWith('@user:')) rooms++;
  }
  return { connections: io.engine.clientsCount, rooms };
}
