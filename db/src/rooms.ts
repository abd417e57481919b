import { createHash } from 'node:crypto';
import { type Database, hotStatement } from './client.ts';
import type { Prisma } from './generated/client.ts';
import type { RoomRole, RoomVisibility } from './generated/enums.ts';
import { isForeignKeyViolation } from './postgres-errors.ts';

export type { RoomRole, RoomVisibility };

/**
 * The rooms and room_members tables (G8). Functions report outcomes as values ("exists",
 * "last_owner", ...) rather than throwing: which outcome is an error, and with which code, is
 * the gateway's decision. Only infrastructure failures throw.
 */

type Tx = Prisma.TransactionClient;

/** What an access decision needs to know about a room. */
export type RoomView = { name: string; visibility: RoomVisibility; direct: boolean };
export type RoomInfo = RoomView & { createdBy: string; createdAt: Date; memberCount: number };
export type Membership = { room: RoomView; role: RoomRole | undefined };
export type UserRoom = RoomView & { role: RoomRole };
export type RoomMemberRow = { user: string; role: RoomRole; addedBy: string; addedAt: Date };
export type MembersPage = { members: RoomMemberRow[]; nextAfter?: string };

const VIEW = { name: true, visibility: true, direct: true } as const;

/** Direct rooms are named `dm:` + a digest of the sorted pair (room-name pattern of protocol/). */
export const DIRECT_ROOM_PREFIX = 'dm:';

export function directRoomName(a: string, b: string): string {
  const [first, second] = [a, b].sort();
  // User ids cannot hold NUL (protocol's userIdSchema), so the joined pair is unambiguous.
  const digest = createHash('sha256').update(`${first}\u0000${second}`).digest('hex');
  return `${DIRECT_ROOM_PREFIX}${digest.slice(0, 40)}`;
}

export function isDirectRoomName(name: string): boolean {
  return name.startsWith(DIRECT_ROOM_PREFIX);
}

/** Creates a room (and its owner, when given) unless one of that name exists. */
export async function createRoom(
  db: Database,
  input: { name: string; visibility: RoomVisibility; createdBy: string; owner?: string },
): Promise<'created' | 'exists'> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.room.createMany({
      data: [{ name: input.name, visibility: input.visibility, createdBy: input.createdBy }],
      skipDuplicates: true,
    });
    if (count === 0) return 'exists';
    if (input.owner) {
      await tx.roomMember.create({
        data: { room: input.name, user: input.owner, role: 'owner', addedBy: input.createdBy },
      });
    }
    return 'created';
  });
}

export async function roomInfo(db: Database, name: string): Promise<RoomInfo | undefined> {
  const row = await db.room.findUnique({
    where: { name },
    select: { ...VIEW, createdBy: true, createdAt: true, _count: { select: { members: true } } },
  });
  if (!row) return undefined;
  const { _count, ...rest } = row;
  return { ...rest, memberCount: _count.members };
}

/** The room and the user's role in it (undefined role: not a member); undefined: no such room. */
export async function membership(db: Tx, room: string, user: string): Promise<Membership | undefined> {
  const found = await memberships(db, room, [user]);
  return found && { room: found.room, role: found.roles.get(user) };
}

/** A room and the roles some users hold in it (a user absent from `roles` is not a member). */
export type Memberships = { room: RoomView; roles: Map<string, RoomRole> };

/** A row of the membership statements: the room, and a user with a role (or NULLs: none). */
type MemberRow = {
  name: string;
  visibility: RoomVisibility;
  direct: boolean;
  user_id: string | null;
  role: RoomRole | null;
};

// Raw SQL (hotStatement): the lookup behind every cache miss of a send or read; Prisma's
// relation query cost ~910 us of CPU against ~500 us for one raw statement through Prisma.
// One row per user who is a member, or one row with a NULL user when none is (LEFT JOIN).
const MEMBERSHIPS = {
  name: 'sb_memberships',
  text: `SELECT r.name, r.visibility::text AS visibility, r.direct, m.user_id, m.role::text AS role
    FROM rooms r LEFT JOIN room_members m ON m.room = r.name AND m.user_id = ANY($2::text[])
    WHERE r.name = $1`,
};

/**
 * `membership` for several users of one room in one statement: a crowd joining a room at once
 * costs one round trip per batch instead of one per user. Undefined: no such room.
 */
export async function memberships(
  db: Tx,
  room: string,
  users: readonly string[],
): Promise<Memberships | undefined> {
  const rows = await hotStatement<MemberRow>(db, MEMBERSHIPS, [room, [...users]]);
  const first = rows[0];
  if (!first) return undefined;
  const roles = new Map<string, RoomRole>();
  for (const row of rows) if (row.user_id !== null && row.role !== null) roles.set(row.user_id, row.role);
  return { room: { name: first.name, visibility: first.visibility, direct: first.direct }, roles };
}

/** The user's rooms, by name, keyset-paged. */
export async function roomsOfUser(
  db: Database,
  user: string,
  page: { after?: string; limit: number },
): Promise<{ rooms: UserRoom[]; nextAfter?: string }> {
  const rows = await db.roomMember.findMany({
    where: { user, ...(page.after ? { room: { gt: page.after } } : {}) },
    orderBy: { room: 'asc' },
    take: page.limit + 1,
    select: { role: true, roomRef: { select: VIEW } },
  });
  const rooms = rows.slice(0, page.limit).map((r) => ({ ...r.roomRef, role: r.role }));
  const last = rooms.at(-1);
  return rows.length > page.limit && last ? { rooms, nextAfter: last.name } : { rooms };
}

/** Members of a room by user id, keyset-paged. */
export async function membersPage(
  db: Database,
  room: string,
  page: { after?: string; limit: number },
): Promise<MembersPage> {
  const rows = await db.roomMember.findMany({
    where: { room, ...(page.after ? { user: { gt: page.after } } : {}) },
    orderBy: { user: 'asc' },
    take: page.limit + 1,
    select: { user: true, role: true, addedBy: true, addedAt: true },
  });
  const members = rows.slice(0, page.limit);
  const last = members.at(-1);
  return rows.length > page.limit && last ? { members, nextAfter: last.user } : { members };
}

/**
 * The caller's decision on the target's current role, run under the room's lock so it decides
 * on the role the change replaces; throwing aborts the change.
 */
export type Guard = (current: RoomRole | undefined) => void;

export type PutMemberOutcome =
  | { outcome: 'created' | 'updated' | 'unchanged'; previous: RoomRole | undefined }
  | { outcome: 'no_room' | 'direct' | 'last_owner' };

/**
 * Adds a member or changes a role. Under the room's row lock, like removal, so that no
 * interleaving of changes can leave a room that had an owner without one.
 */
export async function putMember(
  db: Database,
  input: { room: string; user: string; role: RoomRole; by: string; guard?: Guard },
): Promise<PutMemberOutcome> {
  return db.$transaction(async (tx) => {
    const locked = await lockedMember(tx, input);
    if ('outcome' in locked) return locked;
    const { current } = locked;
    if (current?.role === input.role) return { outcome: 'unchanged', previous: current.role };
    if (current?.role === 'owner' && (await otherOwners(tx, input.room, input.user)) === 0) {
      return { outcome: 'last_owner' };
    }
    if (current) {
      await tx.roomMember.update({
        where: { room_user: { room: input.room, user: input.user } },
        data: { role: input.role },
      });
      return { outcome: 'updated', previous: current.role };
    }
    await tx.roomMember.create({
      data: { room: input.room, user: input.user, role: input.role, addedBy: input.by },
    });
    return { outcome: 'created', previous: undefined };
  });
}

export type RemoveMemberOutcome =
  | { outcome: 'removed'; previous: RoomRole }
  | { outcome: 'not_member' | 'no_room' | 'direct' | 'last_owner' };

/**
 * Removes a member (or a member leaves). The last owner cannot go: the room row is locked
 * first, so two owners removing each other at once cannot both pass the check.
 */
export async function removeMember(
  db: Database,
  input: { room: string; user: string; guard?: Guard },
): Promise<RemoveMemberOutcome> {
  return db.$transaction(async (tx) => {
    const locked = await lockedMember(tx, input);
    if ('outcome' in locked) return locked;
    const { current } = locked;
    if (!current) return { outcome: 'not_member' };
    if (current.role === 'owner' && (await otherOwners(tx, input.room, input.user)) === 0) {
      return { outcome: 'last_owner' };
    }
    await tx.roomMember.delete({ where: { room_user: { room: input.room, user: input.user } } });
    return { outcome: 'removed', previous: current.role };
  });
}

/** Deletes a room, its memberships and its messages; false when there was none. */
export async function deleteRoom(db: Database, name: string): Promise<boolean> {
  // Its messages go with it: a room created later under the same name must not read them (G8).
  const [, { count }] = await db.$transaction([
    db.message.deleteMany({ where: { room: name } }),
    db.room.deleteMany({ where: { name } }),
  ]);
  return count > 0;
}

/**
 * The direct room of a pair: a private room with both as members, created by whichever call
 * comes first. INSERT ... ON CONFLICT DO NOTHING makes concurrent calls from both sides agree
 * on one room (the loser waits for the winner's row, then does nothing).
 */
export async function openDirectRoom(
  db: Database,
  input: { from: string; to: string },
): Promise<{ outcome: 'created' | 'exists'; room: RoomView } | { outcome: 'name_taken' }> {
  const name = directRoomName(input.from, input.to);
  return db.$transaction(async (tx) => {
    const { count } = await tx.room.createMany({
      data: [{ name, visibility: 'private', direct: true, createdBy: input.from }],
      skipDuplicates: true,
    });
    const room = await tx.room.findUniqueOrThrow({ where: { name }, select: VIEW });
    // Only a room made here is direct; the gateway refuses other rooms under the dm: prefix.
    if (!room.direct) return { outcome: 'name_taken' };
    await tx.roomMember.createMany({
      data: [input.from, input.to].map((user) => ({ room: name, user, role: 'member', addedBy: input.from })),
      skipDuplicates: true,
    });
    return { outcome: count === 1 ? 'created' : 'exists', room };
  });
}

export type JoinOutcome =
  /** The room did not exist and was created, public, with the joiner as owner. */
  | { outcome: 'created'; room: RoomView; role: 'owner' }
  /** A public room the user was not in: now a member. */
  | { outcome: 'joined'; room: RoomView; role: RoomRole }
  /** Already a member (any role). */
  | { outcome: 'member'; room: RoomView; role: RoomRole }
  /** A private room the user is not in: nothing changed. */
  | { outcome: 'not_member'; room: RoomView }
  /** No such room (and auto-create off): nothing changed. */
  | { outcome: 'no_room' };

/**
 * Joining, in one idempotent call: auto-create an unknown room (public, joiner is owner) when
 * allowed; in a public room the joiner becomes a member; a role already held is kept. Only the
 * creation is an interactive transaction (room and owner together); the join of an existing
 * room is single statements, each atomic, so a crowd joining at once does not queue for the
 * pool's connections the way transactions held across round trips do. A crowd's joins go
 * through `joinMembers` (one statement per batch); a caller comes here for a room that batch
 * did not find (to auto-create it) and for a user it could not decide.
 */
export async function joinRoom(
  db: Database,
  input: { room: string; user: string; autoCreate: boolean },
): Promise<JoinOutcome> {
  if (input.autoCreate) {
    const created = await db.$transaction(async (tx) => {
      const { count } = await tx.room.createMany({
        data: [{ name: input.room, visibility: 'public', createdBy: input.user }],
        skipDuplicates: true,
      });
      if (count === 0) return undefined;
      await tx.roomMember.create({
        data: { room: input.room, user: input.user, role: 'owner', addedBy: input.user },
      });
      return true;
    });
    if (created) {
      return {
        outcome: 'created',
        room: { name: input.room, visibility: 'public', direct: false },
        role: 'owner',
      };
    }
  }
  const found = await joinMembers(db, input.room, [input.user]);
  if (!found) return { outcome: 'no_room' };
  const role = found.roles.get(input.user);
  if (role) return { outcome: found.joined.has(input.user) ? 'joined' : 'member', room: found.room, role };
  if (found.room.visibility !== 'public' || found.room.direct)
    return { outcome: 'not_member', room: found.room };
  // Neither seen nor inserted: a concurrent change (e.g. made a reader just now) wins.
  const now = await membership(db, input.room, input.user);
  if (!now) return { outcome: 'no_room' };
  return now.role
    ? { outcome: 'joined', room: now.room, role: now.role }
    : { outcome: 'not_member', room: now.room };
}

// The insert's rows are not in the statement's snapshot: they come back through RETURNING.
const JOIN_MEMBERS = {
  name: 'sb_join_members',
  text: `WITH r AS (SELECT name, visibility, direct FROM rooms WHERE name = $1),
    inserted AS (
      INSERT INTO room_members (room, user_id, role, added_by)
      SELECT r.name, u.user_id, 'member', u.user_id
      FROM r CROSS JOIN unnest($2::text[]) AS u(user_id)
      WHERE r.visibility = 'public' AND NOT r.direct
      ON CONFLICT DO NOTHING
      RETURNING user_id, role)
    SELECT r.name, r.visibility::text AS visibility, r.direct, m.user_id, m.role::text AS role, false AS joined
    FROM r LEFT JOIN room_members m ON m.room = r.name AND m.user_id = ANY($3::text[])
    UNION ALL
    SELECT r.name, r.visibility::text, r.direct, i.user_id, i.role::text, true FROM r CROSS JOIN inserted i`,
};

/** A room, the roles some users hold in it, and which of them its join just made members. */
export type JoinedMembers = Memberships & { joined: Set<string> };

/**
 * A crowd's `room:join` in one statement: reads the room and the users' roles, and makes those
 * not in it members when the room is public (and not direct) in that same snapshot, so a room
 * deleted and re-created private since the caller looked is never joined. A user absent from
 * `roles` is not a member (a private room), or was inserted by a concurrent statement meanwhile
 * (ask again). Undefined: no such room (also when it was deleted while the statement ran).
 */
export async function joinMembers(
  db: Database,
  room: string,
  users: readonly string[],
): Promise<JoinedMembers | undefined> {
  let rows: (MemberRow & { joined: boolean })[];
  try {
    // Sorted, so two pods inserting overlapping crowds take the rows' locks in the same order.
    rows = await hotStatement(db, JOIN_MEMBERS, [room, [...users].sort(), [...users]]);
  } catch (err) {
    if (isForeignKeyViolation(err)) return undefined;
    throw err;
  }
  const first = rows[0];
  if (!first) return undefined;
  const roles = new Map<string, RoomRole>();
  const joined = new Set<string>();
  for (const row of rows) {
    if (row.user_id === null || row.role === null) continue;
    roles.set(row.user_id, row.role);
    if (row.joined) joined.add(row.user_id);
  }
  return { room: { name: first.name, visibility: first.visibility, direct: first.direct }, roles, joined };
}

/**
 * A member change's first steps, under the room's row lock: the room must exist and not be a
 * direct room, and the caller's guard sees the role that is about to be replaced.
 */
async function lockedMember(
  tx: Tx,
  input: { room: string; user: string; guard?: Guard },
): Promise<{ current: { role: RoomRole } | null } | { outcome: 'no_room' | 'direct' }> {
  const locked = await lockRoom(tx, input.room);
  if (!locked) return { outcome: 'no_room' };
  if (locked.direct) return { outcome: 'direct' };
  const current = await tx.roomMember.findUnique({
    where: { room_user: { room: input.room, user: input.user } },
    select: { role: true },
  });
  input.guard?.(current?.role);
  return { current };
}

async function lockRoom(tx: Tx, room: string): Promise<{ direct: boolean } | undefined> {
  const rows = await tx.$queryRaw<{ direct: boolean }[]>`
    SELECT direct FROM rooms WHERE name = ${room} FOR UPDATE`;
  return rows[0];
}

function otherOwners(tx: Tx, room: string, user: string): Promise<number> {
  return tx.roomMember.count({ where: { room, role: 'owner', user: { not: user } } });
}
