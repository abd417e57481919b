import { randomUUID } from 'node:crypto';
import {
  type Database,
  isDirectRoomName,
  type JoinOutcome,
  joinMembers,
  joinRoom,
  type Memberships,
  memberships,
  type RoomView,
} from '@switchboard/db';
import { ErrorCode, type RoomRole, SwitchboardError, unavailable } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../auth/token-verifier.ts';
import type { RedisClient } from '../redis-connections.ts';
import {
  type AccessContext,
  assertAllowed,
  assertTokenAllows,
  isAllowed,
  type RoomAction,
  type RoomFacts,
} from './access-rules.ts';
import { createChangeWatch, type Watch } from './change-watch.ts';
import { createRoomBatches } from './room-batches.ts';

/** A change to rooms or memberships; every pod hears it (Redis pub/sub) and drops what it cached. */
export type RoomChange =
  | { kind: 'room-created'; room: string }
  | { kind: 'room-deleted'; room: string }
  | { kind: 'member-changed'; room: string; user: string; role: RoomRole }
  | { kind: 'member-removed'; room: string; user: string };

export type JoinResult = { room: string; role: RoomRole; facts: RoomFacts; created: boolean };

export type RoomAccess = {
  /** Subscribes to the change channel; decisions are cached only while subscribed. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * socket room:join: checks the token claim, auto-creates an unknown room where allowed
   * (public, the joiner its owner), makes the joiner of a public room a member, and returns the
   * role; NOT_FOUND for an unknown room, FORBIDDEN for a private room the user is not in.
   */
  join(principal: Principal, room: string): Promise<JoinResult>;
  /** message:send (and the server API's sends as a user): from the cache, no PostgreSQL round trip when warm. */
  assertCanSend(principal: Principal, room: string): Promise<void>;
  /** History, catch-up on join, connection state recovery. */
  assertCanRead(principal: Principal, room: string): Promise<void>;
  /** Any action of access-rules.ts, throwing its typed refusal. */
  assert(action: RoomAction, principal: Principal, room: string): Promise<void>;
  /** Whether the user may still read the room, without a principal (recovered sessions recheck this). */
  mayRead(user: string, room: string): Promise<boolean>;
  /** Presence and typing stay silent for those who may not see them. */
  canSeePresence(principal: Principal, room: string): Promise<boolean>;
  canType(principal: Principal, room: string): Promise<boolean>;
  /** The user's role in the room (undefined: not a member or no such room). */
  role(room: string, user: string): Promise<RoomRole | undefined>;
  /** What the cached decisions rest on: the room's facts (undefined: none) and the user's role. */
  lookup(room: string, user: string): Promise<{ facts: RoomFacts | undefined; role: RoomRole | undefined }>;
  /**
   * Call after every committed change: drops this pod's entries, tells the other pods, runs the
   * listeners. `own`: the watch of the read that made the change (it may still cache its outcome).
   */
  changed(change: RoomChange, own?: Watch): Promise<void>;
  /** Runs on every pod for every change (also the ones made here); returns an unsubscribe. */
  onChange(listener: (change: RoomChange) => void): () => void;
};

type Entry = { facts: RoomFacts | null; role: RoomRole | null };

export const ROOM_CHANGES_CHANNEL = 'sb:rooms:changes';
/** Users of one room looked up or joined in one statement at most (a bigger crowd takes several). */
const ROOM_BATCH_MAX = 500;

export function createRoomAccess(deps: {
  db: Database;
  /** Publishes changes (any connection not in subscriber mode). */
  redis: RedisClient;
  /** A dedicated connection: it is put into subscriber mode. */
  subscriber: RedisClient;
  autoCreate: boolean;
  cacheTtlMs: number;
  cacheMax?: number;
  logger: Logger;
  metrics?: { cacheLookups: { inc(labels: { result: 'hit' | 'miss' }): void } };
  channel?: string;
}): RoomAccess {
  const { db, logger } = deps;
  const channel = deps.channel ?? ROOM_CHANGES_CHANNEL;
  const origin = randomUUID();
  const listeners = new Set<(change: RoomChange) => void>();
  // room -> users with an entry, so a room-wide change drops exactly that room's entries.
  const byRoom = new Map<string, Set<string>>();
  const cache = new LRUCache<string, Entry>({
    max: deps.cacheMax ?? 100_000,
    ttl: deps.cacheTtlMs,
    dispose: (_value, key) => {
      const [room, user] = splitKey(key);
      const users = byRoom.get(room);
      users?.delete(user);
      if (users?.size === 0) byRoom.delete(room);
    },
  });
  // Lookups under way per (room, user), so concurrent asks of one key share one answer.
  const inflight = new Map<string, { pending: Promise<Entry>; watch: Watch }>();
  // A lookup caches its answer only if no change to its room or user overtook it.
  const watches = createChangeWatch();
  // Entries are trusted only while the change channel is live: a pod that could miss a change
  // must not decide from what it cached before.
  let listening = false;

  const forget = (change: RoomChange, own?: Watch) => {
    if (change.kind === 'member-changed' || change.kind === 'member-removed') {
      const k = key(change.room, change.user);
      watches.changed(change.room, change.user, own);
      inflight.delete(k);
      cache.delete(k);
      return;
    }
    watches.changed(change.room, undefined, own);
    for (const [k, { watch }] of inflight) if (watch.room === change.room) inflight.delete(k);
    for (const user of [...(byRoom.get(change.room) ?? [])]) cache.delete(key(change.room, user));
  };

  const dropAll = () => {
    watches.changedAll();
    inflight.clear();
    cache.clear();
  };

  const notify = (change: RoomChange) => {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (err) {
        logger.error({ err, change }, 'room change listener failed');
      }
    }
  };

  const onMessage = (from: string, text: string) => {
    if (from !== channel) return;
    let parsed: { origin?: string; change?: RoomChange; changes?: RoomChange[] };
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || parsed.origin === origin) return;
    const changes = Array.isArray(parsed.changes) ? parsed.changes : parsed.change ? [parsed.change] : [];
    for (const change of changes) {
      forget(change);
      notify(change);
    }
  };
  const onDown = () => {
    if (listening) logger.warn('room change channel lost: room decisions bypass the cache');
    listening = false;
    dropAll();
  };
  // ioredis re-subscribes after a reconnect, before it reports ready. A read begun before then
  // may have missed a change published while the channel was down: none of them is cached.
  const onReady = () => {
    if (!subscribed) return;
    watches.changedAll();
    listening = true;
  };
  let subscribed = false;

  // The users of a room looked up while its last query ran go together in the next one.
  const lookups = createRoomBatches<Entry>(
    async (room, users) => {
      let found: Memberships | undefined;
      try {
        found = await memberships(db, room, users);
      } catch (err) {
        throw unavailable('room memberships are unavailable', err);
      }
      const facts = found ? factsOf(found.room) : null;
      return (user) => ({ facts, role: found?.roles.get(user) ?? null });
    },
    { maxBatch: ROOM_BATCH_MAX },
  );
  // The joins of a room asked for while its last join statement ran go together in the next one:
  // one statement reads the crowd's roles and makes members of those not in a public room.
  // 'ask again': a user that statement could not decide (joinRoom reads once more).
  const joins = createRoomBatches<JoinOutcome | 'ask again'>(
    async (room, users) => {
      // A failure reaches the join's writeJoin, which answers UNAVAILABLE.
      const found = await joinMembers(db, room, users);
      return (user) => {
        if (!found) return { outcome: 'no_room' };
        const role = found.roles.get(user);
        if (role) return { outcome: found.joined.has(user) ? 'joined' : 'member', room: found.room, role };
        if (found.room.visibility !== 'public' || found.room.direct) {
          return { outcome: 'not_member', room: found.room };
        }
        return 'ask again';
      };
    },
    { maxBatch: ROOM_BATCH_MAX },
  );

  async function lookup(room: string, user: string) {
    const k = key(room, user);
    const cached = listening ? cache.get(k) : undefined;
    deps.metrics?.cacheLookups.inc({ result: cached ? 'hit' : 'miss' });
    if (cached) return unpack(cached);
    let running = inflight.get(k);
    if (!running) {
      const watch = watches.open(room, user);
      const pending = lookups.load(room, user).then((entry) => {
        if (listening && !watch.voided) remember(room, user, entry);
        return entry;
      });
      running = { pending, watch };
      inflight.set(k, running);
      const own = running;
      void pending
        .finally(() => {
          watches.close(watch);
          if (inflight.get(k) === own) inflight.delete(k);
        })
        .catch(() => {});
    }
    return unpack(await running.pending);
  }

  function remember(room: string, user: string, entry: Entry) {
    cache.set(key(room, user), entry);
    const users = byRoom.get(room) ?? new Set<string>();
    users.add(user);
    byRoom.set(room, users);
  }

  /**
   * The join itself: decides from the looked-up facts where it can, else writes the membership,
   * announces the change and caches the outcome.
   */
  async function joinAs(principal: Principal, room: string, watch: Watch): Promise<JoinResult> {
    const known = listening ? cache.get(key(room, principal.user)) : undefined;
    deps.metrics?.cacheLookups.inc({ result: known ? 'hit' : 'miss' });
    if (known?.facts && known.role) {
      return { room, role: known.role, facts: known.facts, created: false };
    }
    if (known?.facts) {
      // A private room the user is not in is refused from what is known, without a query.
      const actor = {
        kind: 'user',
        user: principal.user,
        role: undefined,
        tokenRooms: principal.rooms,
      } as const;
      assertAllowed('join', { room, facts: known.facts, actor });
    }
    const outcome = await writeJoin(principal.user, room);
    const facts = 'room' in outcome ? factsOf(outcome.room) : undefined;
    const ctx: AccessContext = {
      room,
      facts,
      actor: {
        kind: 'user',
        user: principal.user,
        role: 'role' in outcome ? outcome.role : undefined,
        tokenRooms: principal.rooms,
      },
    };
    assertAllowed('join', ctx);
    if (!facts || !('role' in outcome)) throw new SwitchboardError(ErrorCode.Internal, 'join without a role');
    if (outcome.outcome === 'created') await changed({ kind: 'room-created', room }, watch);
    if (outcome.outcome === 'created' || outcome.outcome === 'joined') {
      await changed({ kind: 'member-changed', room, user: principal.user, role: outcome.role }, watch);
    }
    // What was just written is the decision the member's first send needs: cached, unless a
    // change of this member (or room) came in meanwhile.
    if (listening && !watch.voided) remember(room, principal.user, { facts, role: outcome.role });
    return { room, role: outcome.role, facts, created: outcome.outcome === 'created' };
  }

  // Rooms this pod is creating -> the creation (by the first of their joiners).
  const creations = new Map<string, Promise<unknown>>();
  async function create(room: string, user: string): Promise<JoinOutcome> {
    const creation = joinRoom(db, { room, user, autoCreate: true });
    if (!creations.has(room)) creations.set(room, creation);
    try {
      return await creation;
    } finally {
      if (creations.get(room) === creation) creations.delete(room);
    }
  }

  /**
   * The membership read and write of a join: with the crowd joining the room now (one statement
   * per batch); through joinRoom for an unknown room (to auto-create it where allowed) and for a
   * user that statement could not decide.
   */
  async function writeJoin(user: string, room: string): Promise<JoinOutcome> {
    const autoCreate = deps.autoCreate && !isDirectRoomName(room);
    try {
      for (let waited = false; ; waited = true) {
        const batched = await joins.load(room, user);
        // The room exists: joinRoom reads the user's membership once more.
        if (batched === 'ask again') return await joinRoom(db, { room, user, autoCreate: false });
        if (batched.outcome !== 'no_room' || !autoCreate) return batched;
        // An unknown room is created where allowed, the joiner its owner. A crowd joining it at
        // once creates it once here: the others wait, then join together in one statement
        // (rather than a transaction each, all but one finding the room made).
        const creation = creations.get(room);
        if (!creation || waited) return await create(room, user);
        await creation.catch(() => {});
      }
    } catch (err) {
      throw unavailable('room memberships are unavailable', err);
    }
  }

  async function context(principal: Principal, room: string): Promise<AccessContext> {
    // The token's claim needs no lookup: refuse before touching the cache or PostgreSQL.
    assertTokenAllows(principal.rooms, room);
    const { facts, role } = await lookup(room, principal.user);
    return { room, facts, actor: { kind: 'user', user: principal.user, role, tokenRooms: principal.rooms } };
  }

  /** A refusal as false; an infrastructure failure still throws (UNAVAILABLE). */
  async function quietly(action: RoomAction, principal: Principal, room: string): Promise<boolean> {
    try {
      return isAllowed(action, await context(principal, room));
    } catch (err) {
      if (err instanceof SwitchboardError && !err.retryable) return false;
      throw err;
    }
  }

  // Changes made in one tick (a batch of joins resolves together) go out as one message.
  let unsent: RoomChange[] = [];
  let sending: Promise<void> | undefined;
  async function publishUnsent() {
    // After every continuation of this tick has had its turn (microtasks run first).
    await new Promise((resolve) => process.nextTick(resolve));
    const changes = unsent;
    unsent = [];
    sending = undefined;
    // One change alone keeps the message pods of the previous version read.
    const message = changes.length === 1 ? { origin, change: changes[0] } : { origin, changes };
    try {
      await deps.redis.publish(channel, JSON.stringify(message));
    } catch (err) {
      // Other pods drop their caches when their own Redis connection fails; otherwise their
      // entries expire after the TTL. The changes themselves are committed: the callers succeeded.
      logger.error({ err, changes }, 'room changes not published');
    }
  }

  async function changed(change: RoomChange, own?: Watch) {
    forget(change, own);
    notify(change);
    unsent.push(change);
    sending ??= publishUnsent();
    await sending;
  }

  return {
    async start() {
      deps.subscriber.on('message', onMessage);
      deps.subscriber.on('close', onDown);
      deps.subscriber.on('reconnecting', onDown);
      deps.subscriber.on('ready', onReady);
      await deps.subscriber.subscribe(channel);
      subscribed = true;
      listening = true;
    },
    async stop() {
      listening = false;
      subscribed = false;
      deps.subscriber.off('message', onMessage);
      deps.subscriber.off('close', onDown);
      deps.subscriber.off('reconnecting', onDown);
      deps.subscriber.off('ready', onReady);
      await deps.subscriber.unsubscribe(channel).catch(() => {});
      dropAll();
    },

    async join(principal, room) {
      assertTokenAllows(principal.rooms, room);
      // Open before anything is read: a change to this member while the join runs (a removal
      // by an admin, say) keeps the join from caching what it found.
      const watch = watches.open(room, principal.user);
      try {
        return await joinAs(principal, room, watch);
      } finally {
        watches.close(watch);
      }
    },

    async assertCanSend(principal, room) {
      assertAllowed('send', await context(principal, room));
    },
    async assertCanRead(principal, room) {
      assertAllowed('read', await context(principal, room));
    },
    async assert(action, principal, room) {
      assertAllowed(action, await context(principal, room));
    },
    async mayRead(user, room) {
      const { facts, role } = await lookup(room, user);
      return isAllowed('read', { room, facts, actor: { kind: 'user', user, role, tokenRooms: undefined } });
    },
    canSeePresence: (principal, room) => quietly('presence', principal, room),
    canType: (principal, room) => quietly('typing', principal, room),
    async role(room, user) {
      return (await lookup(room, user)).role;
    },
    lookup,
    changed,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function factsOf(room: RoomView): RoomFacts {
  return { visibility: room.visibility, direct: room.direct };
}

function unpack(entry: Entry) {
  return { facts: entry.facts ?? undefined, role: entry.role ?? undefined };
}

// NUL cannot occur in room names (protocol pattern) or user ids (userIdSchema).
function key(room: string, user: string): string {
  return `${room}\u0000${user}`;
}

function splitKey(k: string): [string, string] {
  const at = k.indexOf('\u0000');
  return [k.slice(0, at), k.slice(at + 1)];
}
