import {
  createRoom,
  type Database,
  DIRECT_ROOM_PREFIX,
  deleteRoom,
  directRoomName,
  membersPage,
  openDirectRoom,
  putMember,
  removeMember,
  roomInfo,
  roomsOfUser,
} from '@switchboard/db';
import {
  createRoomSchema,
  ErrorCode,
  type MessageSend,
  openDirectRoomSchema,
  publishMessageSchema,
  putMemberSchema,
  type RoomCreated,
  type RoomDetails,
  type RoomList,
  type RoomMemberPage,
  roomNameSchema,
  roomPageQuerySchema,
  type SendAck,
  SwitchboardError,
  unavailable,
  userIdSchema,
  zodIssueMessage,
} from '@switchboard/protocol';
import express, { type Request, Router } from 'express';
import type { z } from 'zod';
import type { ServiceKeys } from '../auth/service-keys.ts';
import type { Principal, TokenVerifier } from '../auth/token-verifier.ts';
import type { Budget } from '../limits/budget.ts';
import {
  type AccessContext,
  type Actor,
  assertAllowed,
  assertCreatableName,
  assertMemberChange,
  assertTokenAllows,
  noSuchRoom,
} from './access-rules.ts';
import type { RoomAccess } from './room-access.ts';

export type RoomsApiDeps = {
  access: RoomAccess;
  db: Database;
  verifyToken: TokenVerifier;
  serviceKeys: ServiceKeys;
  /** The socket send path (G1-G3): Kafka ack before broadcast, idempotent on clientMsgId. */
  publish: (sender: string, input: MessageSend) => Promise<SendAck>;
  /** Ends every connection of the user on every pod. */
  disconnectUser: (user: string) => Promise<void> | void;
  /** Each user's budget of calls (backend services with an API key are not limited). */
  budget: Budget;
  /** Sender of server API messages that name none. */
  systemSender?: string;
};

type Caller = { kind: 'user'; principal: Principal } | { kind: 'service' };

/** Who creates rooms through the server API (rooms.created_by / room_members.added_by). */
const SERVICE_NAME = 'service';
// The cache key of a lookup that needs only the room's facts: no user id is empty.
const NOBODY = '';

const serviceCreateRoomSchema = createRoomSchema.extend({ owner: userIdSchema.optional() });

/**
 * Rooms as resources (DESIGN §3a): the REST calls for users (bearer user token) and the same
 * paths plus publish and disconnect for backend services (bearer service API key, full rights).
 * Every committed change goes through `access.changed`, so every pod drops its cached decisions
 * and the socket layer hears removals.
 */
export function roomsApi(deps: RoomsApiDeps): Router {
  const { access, db } = deps;
  const router = Router();
  const json = express.json({ limit: '128kb' });
  const systemSender = deps.systemSender ?? 'system';

  async function authenticate(req: Request): Promise<Caller> {
    const header = req.get('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (token && deps.serviceKeys.size > 0 && deps.serviceKeys.matches(token)) return { kind: 'service' };
    const principal = await deps.verifyToken(token);
    await deps.budget.take(principal.user);
    return { kind: 'user', principal };
  }

  async function asService(req: Request): Promise<void> {
    const caller = await authenticate(req);
    if (caller.kind !== 'service') {
      throw new SwitchboardError(ErrorCode.Forbidden, 'this call needs a service API key, not a user token');
    }
  }

  async function asUser(req: Request): Promise<Principal> {
    const caller = await authenticate(req);
    if (caller.kind !== 'user')
      throw new SwitchboardError(ErrorCode.Forbidden, 'this call needs a user token');
    return caller.principal;
  }

  async function contextFor(caller: Caller, room: string): Promise<AccessContext> {
    if (caller.kind === 'user') assertTokenAllows(caller.principal.rooms, room);
    const user = caller.kind === 'user' ? caller.principal.user : NOBODY;
    const { facts, role } = await access.lookup(room, user);
    const actor: Actor =
      caller.kind === 'service'
        ? { kind: 'service' }
        : { kind: 'user', user, role, tokenRooms: caller.principal.rooms };
    return { room, facts, actor };
  }

  router.post('/v1/rooms', json, async (req, res) => {
    const caller = await authenticate(req);
    const input = parse(
      caller.kind === 'service' ? serviceCreateRoomSchema : createRoomSchema,
      req.body,
      'body',
    );
    assertCreatableName(input.room, DIRECT_ROOM_PREFIX);
    if (caller.kind === 'user') assertTokenAllows(caller.principal.rooms, input.room);
    const owner = caller.kind === 'user' ? caller.principal.user : (input as { owner?: string }).owner;
    const createdBy = caller.kind === 'user' ? caller.principal.user : SERVICE_NAME;
    const outcome = await store(() =>
      createRoom(db, { name: input.room, visibility: input.visibility, createdBy, owner }),
    );
    if (outcome === 'exists')
      throw new SwitchboardError(ErrorCode.Conflict, `room "${input.room}" already exists`);
    await access.changed({ kind: 'room-created', room: input.room });
    const body: RoomCreated = { room: input.room, visibility: input.visibility, direct: false };
    res.status(201).set('cache-control', 'no-store').json(body);
  });

  router.get('/v1/rooms', async (req, res) => {
    const principal = await asUser(req);
    const page = parse(roomPageQuerySchema, req.query, 'query');
    const found = await store(() => roomsOfUser(db, principal.user, page));
    const allowed = found.rooms.filter((r) => !principal.rooms || principal.rooms.includes(r.name));
    const body: RoomList = {
      rooms: allowed.map((r) => ({ room: r.name, visibility: r.visibility, direct: r.direct, role: r.role })),
    };
    if (found.nextAfter) body.nextAfter = found.nextAfter;
    res.set('cache-control', 'no-store').json(body);
  });

  router.get('/v1/rooms/:room', async (req, res) => {
    const caller = await authenticate(req);
    const room = parseRoom(req.params.room);
    assertAllowed('info', await contextFor(caller, room));
    const info = await store(() => roomInfo(db, room));
    if (!info) throw noSuchRoom(room);
    const body: RoomDetails = {
      room: info.name,
      visibility: info.visibility,
      direct: info.direct,
      memberCount: info.memberCount,
      createdBy: info.createdBy,
      createdAt: info.createdAt.toISOString(),
    };
    res.set('cache-control', 'no-store').json(body);
  });

  router.delete('/v1/rooms/:room', async (req, res) => {
    const caller = await authenticate(req);
    const room = parseRoom(req.params.room);
    assertAllowed('delete', await contextFor(caller, room));
    if (!(await store(() => deleteRoom(db, room)))) throw noSuchRoom(room);
    await access.changed({ kind: 'room-deleted', room });
    res.status(204).end();
  });

  router.get('/v1/rooms/:room/members', async (req, res) => {
    const caller = await authenticate(req);
    const room = parseRoom(req.params.room);
    assertAllowed('members', await contextFor(caller, room));
    const page = parse(roomPageQuerySchema, req.query, 'query');
    const found = await store(() => membersPage(db, room, page));
    const body: RoomMemberPage = {
      members: found.members.map((m) => ({
        user: m.user,
        role: m.role,
        addedBy: m.addedBy,
        addedAt: m.addedAt.toISOString(),
      })),
    };
    if (found.nextAfter) body.nextAfter = found.nextAfter;
    res.set('cache-control', 'no-store').json(body);
  });

  router.put('/v1/rooms/:room/members/:user', json, async (req, res) => {
    const caller = await authenticate(req);
    const room = parseRoom(req.params.room);
    const target = parseUser(req.params.user);
    const { role } = parse(putMemberSchema, req.body, 'body');
    const ctx = await contextFor(caller, room);
    // Refusals only grow with the target's current role: refuse early, before taking the lock.
    assertMemberChange(ctx, { kind: 'put', target, current: undefined, role });
    const by = caller.kind === 'user' ? caller.principal.user : SERVICE_NAME;
    const result = await store(() =>
      putMember(db, {
        room,
        user: target,
        role,
        by,
        guard: (current) => assertMemberChange(ctx, { kind: 'put', target, current, role }),
      }),
    );
    if (result.outcome === 'no_room') throw noSuchRoom(room);
    if (result.outcome === 'direct') throw fixedMembers(room);
    if (result.outcome === 'last_owner') throw lastOwner(room);
    if (result.outcome !== 'unchanged')
      await access.changed({ kind: 'member-changed', room, user: target, role });
    res
      .status(result.outcome === 'created' ? 201 : 200)
      .set('cache-control', 'no-store')
      .json({ room, user: target, role });
  });

  router.delete('/v1/rooms/:room/members/:user', async (req, res) => {
    const caller = await authenticate(req);
    const room = parseRoom(req.params.room);
    const target = parseUser(req.params.user);
    const ctx = await contextFor(caller, room);
    assertMemberChange(ctx, { kind: 'remove', target, current: undefined });
    const result = await store(() =>
      removeMember(db, {
        room,
        user: target,
        guard: (current) => assertMemberChange(ctx, { kind: 'remove', target, current }),
      }),
    );
    if (result.outcome === 'no_room') throw noSuchRoom(room);
    if (result.outcome === 'direct') throw fixedMembers(room);
    if (result.outcome === 'last_owner') throw lastOwner(room);
    if (result.outcome === 'not_member') {
      throw new SwitchboardError(ErrorCode.NotFound, `"${target}" is not a member of room "${room}"`);
    }
    await access.changed({ kind: 'member-removed', room, user: target });
    res.status(204).end();
  });

  router.post('/v1/dms', json, async (req, res) => {
    const principal = await asUser(req);
    const { user } = parse(openDirectRoomSchema, req.body, 'body');
    if (user === principal.user)
      throw new SwitchboardError(ErrorCode.Invalid, 'a direct room needs another user');
    assertTokenAllows(principal.rooms, directRoomName(principal.user, user));
    const result = await store(() => openDirectRoom(db, { from: principal.user, to: user }));
    if (result.outcome === 'name_taken') {
      throw new SwitchboardError(ErrorCode.Conflict, 'the direct room name is taken by another room');
    }
    if (result.outcome === 'created') await access.changed({ kind: 'room-created', room: result.room.name });
    const body: RoomCreated = { room: result.room.name, visibility: 'private', direct: true };
    res
      .status(result.outcome === 'created' ? 201 : 200)
      .set('cache-control', 'no-store')
      .json(body);
  });

  router.post('/v1/rooms/:room/messages', json, async (req, res) => {
    await asService(req);
    const room = parseRoom(req.params.room);
    const input = parse(publishMessageSchema, req.body, 'body');
    const { facts } = await access.lookup(room, NOBODY);
    if (!facts) throw noSuchRoom(room);
    const ack = await deps.publish(input.sender ?? systemSender, {
      room,
      clientMsgId: input.clientMsgId,
      body: input.body,
    });
    res.set('cache-control', 'no-store').json(ack);
  });

  router.post('/v1/users/:user/disconnect', async (req, res) => {
    await asService(req);
    const user = parseUser(req.params.user);
    await deps.disconnectUser(user);
    res.status(204).end();
  });

  // Errors reach the app's one error handler (http-app.ts), like every other route's.
  return router;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new SwitchboardError(ErrorCode.Invalid, zodIssueMessage(parsed.error, what));
  return parsed.data;
}

function parseRoom(value: unknown): string {
  return parse(roomNameSchema, value, 'room');
}

function parseUser(value: unknown): string {
  return parse(userIdSchema, value, 'user');
}

/** PostgreSQL failures are UNAVAILABLE (retryable); refusals decided inside a transaction pass through. */
async function store<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof SwitchboardError) throw err;
    throw unavailable('the room store is unavailable', err);
  }
}

function fixedMembers(room: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.Invalid, `the members of direct room "${room}" cannot change`);
}

function lastOwner(room: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.Conflict, `room "${room}" would have no owner left`);
}
