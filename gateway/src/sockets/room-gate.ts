import type { Principal } from '../auth/token-verifier.ts';

/** The room decisions the socket and history paths need (G8); rooms/room-access.ts makes them. */
export type RoomGate = {
  /** Allows the join or throws a typed error; a public room makes the joiner a member. */
  join(principal: Principal, room: string): Promise<void>;
  /** Throws unless the user may send to the room now (from a cache, not a query per message). */
  assertCanSend(principal: Principal, room: string): Promise<void>;
  /** Throws unless the user may read the room (history, typing). */
  assertCanRead(principal: Principal, room: string): Promise<void>;
  /** Whether typing may go to the room (a reader's is dropped: it is volatile anyway). */
  canType(principal: Principal, room: string): Promise<boolean>;
  /** Whether the user may still read the room; for sessions recovered without a principal yet. */
  mayRead(user: string, room: string): Promise<boolean>;
};
