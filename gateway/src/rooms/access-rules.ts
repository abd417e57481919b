import { ErrorCode, type RoomRole, type RoomVisibility, SwitchboardError } from '@switchboard/protocol';

/**
 * Who may do what in a room (DESIGN §3a, G8), as pure functions: no I/O, so every path
 * (socket, REST, server API) decides the same way and the rules are tested in milliseconds.
 * A refusal is a thrown SwitchboardError; a non-member of a private room learns nothing but
 * FORBIDDEN.
 */

export type RoomFacts = { visibility: RoomVisibility; direct: boolean };

/** What is asked about a room: its facts (undefined: no such room) and the actor. */
export type AccessContext = {
  room: string;
  facts: RoomFacts | undefined;
  actor: Actor;
};

/** A user (role in the room, undefined when not a member; the token's `rooms` claim) or a backend service. */
export type Actor =
  | { kind: 'user'; user: string; role: RoomRole | undefined; tokenRooms: readonly string[] | undefined }
  | { kind: 'service' };

export type RoomAction =
  /** socket room:join */
  | 'join'
  /** history, catch-up on join, connection state recovery */
  | 'read'
  /** GET /v1/rooms/:room */
  | 'info'
  /** GET /v1/rooms/:room/members */
  | 'members'
  | 'presence'
  | 'send'
  | 'typing'
  | 'delete';

const ANY_ROLE: readonly RoomRole[] = ['owner', 'admin', 'member', 'reader'];
const WRITERS: readonly RoomRole[] = ['owner', 'admin', 'member'];

/** Roles needed per action; `public` lists what a public room asks (undefined: anyone). */
const RULES: Record<RoomAction, { private: readonly RoomRole[]; public?: readonly RoomRole[] }> = {
  // Joining a public room makes the user a member (room-access does that).
  join: { private: ANY_ROLE },
  read: { private: ANY_ROLE },
  info: { private: ANY_ROLE },
  members: { private: ANY_ROLE, public: ANY_ROLE },
  presence: { private: ANY_ROLE, public: ANY_ROLE },
  send: { private: WRITERS, public: WRITERS },
  typing: { private: WRITERS, public: WRITERS },
  delete: { private: ['owner'], public: ['owner'] },
};

/** Throws unless the actor may do `action` in the room. */
export function assertAllowed(action: RoomAction, ctx: AccessContext): void {
  const { room, facts, actor } = ctx;
  if (actor.kind === 'user') assertTokenAllows(actor.tokenRooms, room);
  if (!facts) throw noSuchRoom(room);
  if (actor.kind === 'service') return;
  const rule = RULES[action];
  const needed = facts.visibility === 'public' && !facts.direct ? rule.public : rule.private;
  if (!needed || (actor.role && needed.includes(actor.role))) return;
  if (!actor.role) {
    if (facts.visibility === 'private' || facts.direct) throw notAMember(room);
    throw new SwitchboardError(ErrorCode.Forbidden, `join room "${room}" first`);
  }
  if (action === 'send' || action === 'typing') {
    throw new SwitchboardError(ErrorCode.Forbidden, `a ${actor.role} cannot send to room "${room}"`);
  }
  throw new SwitchboardError(
    ErrorCode.Forbidden,
    `a ${actor.role} cannot ${ACTION_TEXT[action]} room "${room}"`,
  );
}

/** The same decision as a boolean, for paths that stay silent (presence, typing). */
export function isAllowed(action: RoomAction, ctx: AccessContext): boolean {
  try {
    assertAllowed(action, ctx);
    return true;
  } catch (err) {
    if (err instanceof SwitchboardError) return false;
    throw err;
  }
}

export type MemberChange =
  | { kind: 'put'; target: string; current: RoomRole | undefined; role: RoomRole }
  | { kind: 'remove'; target: string; current: RoomRole | undefined };

/**
 * Adding a member, changing a role, removing a member or leaving. Owners do anything; admins
 * manage members and readers (not admins or owners); anyone may leave. Direct rooms have
 * fixed members. The last owner is guarded by the store, under the room's lock.
 */
export function assertMemberChange(ctx: AccessContext, change: MemberChange): void {
  const { room, facts, actor } = ctx;
  if (actor.kind === 'user') assertTokenAllows(actor.tokenRooms, room);
  if (!facts) throw noSuchRoom(room);
  if (actor.kind === 'user' && !actor.role && (facts.visibility === 'private' || facts.direct)) {
    throw notAMember(room);
  }
  if (facts.direct) {
    throw new SwitchboardError(ErrorCode.Invalid, `the members of direct room "${room}" cannot change`);
  }
  if (actor.kind === 'service') return;
  const leaving = change.kind === 'remove' && change.target === actor.user;
  if (leaving) return;
  if (actor.role === 'owner') return;
  if (actor.role !== 'admin') {
    throw new SwitchboardError(
      ErrorCode.Forbidden,
      `only owners and admins manage the members of room "${room}"`,
    );
  }
  const elevated = (role: RoomRole | undefined) => role === 'owner' || role === 'admin';
  if (elevated(change.current) || (change.kind === 'put' && elevated(change.role))) {
    throw new SwitchboardError(
      ErrorCode.Forbidden,
      `only an owner grants, changes or removes the owner and admin roles of room "${room}"`,
    );
  }
}

/** Names under the direct-room prefix are made by POST /v1/dms only, never by create or auto-create. */
export function assertCreatableName(room: string, directPrefix: string): void {
  if (room.startsWith(directPrefix)) {
    throw new SwitchboardError(ErrorCode.Invalid, `room names starting with "${directPrefix}" are reserved`);
  }
}

/** The token's `rooms` claim is a restriction on top of membership (DESIGN §3). */
export function assertTokenAllows(tokenRooms: readonly string[] | undefined, room: string): void {
  if (tokenRooms && !tokenRooms.includes(room)) {
    throw new SwitchboardError(ErrorCode.Forbidden, `the token does not allow room "${room}"`);
  }
}

export function noSuchRoom(room: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.NotFound, `room "${room}" does not exist`);
}

export function notAMember(room: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.Forbidden, `not a member of room "${room}"`);
}

const ACTION_TEXT: Record<RoomAction, string> = {
  join: 'join',
  read: 'read',
  info: 'see',
  members: 'list the members of',
  presence: 'see the presence of',
  send: 'send to',
  typing: 'type in',
  delete: 'delete',
};
