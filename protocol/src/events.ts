/** Socket.IO event names: the only place they are spelled. */
export const ClientEvent = {
  RoomJoin: 'room:join',
  RoomLeave: 'room:leave',
  MessageSend: 'message:send',
  Typing: 'typing',
} as const;
export type ClientEventName = (typeof ClientEvent)[keyof typeof ClientEvent];

export const ServerEvent = {
  Message: 'message',
  Presence: 'presence',
  Typing: 'typing',
  /** To every connection of a user removed from a room (or whose room was deleted), on every pod. */
  RoomRemoved: 'room:removed',
  /** Sent once, to a single client, when it emits something the protocol does not know. */
  Error: 'error:protocol',
} as const;
export type ServerEventName = (typeof ServerEvent)[keyof typeof ServerEvent];

export const CLIENT_EVENTS: ReadonlySet<string> = new Set(Object.values(ClientEvent));
