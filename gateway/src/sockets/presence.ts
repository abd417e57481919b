import { randomUUID } from 'node:crypto';
import { type JoinAck, type PresenceEvent, unavailable } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import type { GatewayMetrics } from '../metrics.ts';
import type { RedisClient } from '../redis-connections.ts';
import { createRoomBatches } from '../rooms/room-batches.ts';
import { createPresenceBatches } from './presence-batches.ts';
import type { GatewaySocket } from './socket-types.ts';

export type Presence = {
  /**
   * Records the connection and tells the room (the joiner included) that its user joined: at
   * once in a quiet room, else with the other changes of the window (presence-batches.ts).
   * Answers what listOnline would, from the same round trip.
   */
  joined(socket: GatewaySocket, room: string): Promise<OnlineList>;
  /** Forgets the connection; tells the others when it was the user's last one in the room. */
  left(socket: GatewaySocket, room: string): Promise<void>;
  /**
   * Users online in the room, on every pod, for the join ack: at most `ackMaxUsers` names (sorted)
   * and how many there are; `partial` when the names are not all of them.
   */
  listOnline(room: string): Promise<OnlineList>;
  /** Stops the heartbeat and removes this pod's entries (a clean stop). */
  stop(): Promise<void>;
};

/** The presence part of the join ack. */
export type OnlineList = Pick<JoinAck, 'presence' | 'onlineCount' | 'partial'>;

/** Names a join ack lists at most unless configured (PRESENCE_ACK_MAX_USERS). */
export const PRESENCE_ACK_MAX_USERS = 100;

// Per room, in one hash slot ({room}) so a Redis Cluster keeps a room's keys together:
//   sb:presence:{room}:pods        ZSET pod -> time its entries expire
//   sb:presence:{room}:pod:<pod>   HASH user -> connections of the user on that pod
// A join or leave writes one field; a heartbeat extends each hash's and the pod's lifetimes (and
// rewrites the hash when it does not hold what the pod counts); a dead pod's entries expire with
// its TTL.
// Forgets some users on this pod (the whole entry when the pod has no user of the room left),
// then answers for each whether another pod still has the user there: one round trip for all
// the last connections of a room that closed while the last such script ran (a pod draining,
// a network blip), not one per user.
const LEFT = `
local now = tonumber(ARGV[1])
local prefix = ARGV[2]
local pod = ARGV[3]
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], pod)
else
  redis.call('HDEL', KEYS[2], unpack(ARGV, 5))
end
local others = {}
for _, other in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  if other ~= pod then others[#others + 1] = prefix .. other end
end
local elsewhere = {}
for i = 5, #ARGV do
  elsewhere[i - 4] = 0
  for _, key in ipairs(others) do
    if redis.call('HEXISTS', key, ARGV[i]) == 1 then
      elsewhere[i - 4] = 1
      break
    end
  end
end
return elsewhere
`;
// The users online in a room: how many, and at most `max` of their names. With one live pod
// (a room served by one gateway, the common case) the count is the hash's length and the names
// come from a bounded scan, so a join costs O(names listed), not O(room); with several pods the
// users are merged to count each once (a user may be connected through more than one). The
// names come back as one JSON array: ioredis decodes a reply of 100 strings at about 0.7 us each,
// where JSON.parse of the one string is a few us in all.
const ONLINE_LUA = `
local function online(pods_key, now, prefix, max)
  redis.call('ZREMRANGEBYSCORE', pods_key, '-inf', now - 1)
  local pods = redis.call('ZRANGEBYSCORE', pods_key, now, '+inf')
  local names, seen, count = {}, {}, 0
  local function add(user)
    if seen[user] then return end
    seen[user] = true
    count = count + 1
    if #names < max then names[#names + 1] = user end
  end
  if #pods == 1 then
    local key = prefix .. pods[1]
    local total = redis.call('HLEN', key)
    local cursor = '0'
    repeat
      local page = redis.call('HSCAN', key, cursor, 'COUNT', max)
      cursor = page[1]
      for i = 1, #page[2], 2 do add(page[2][i]) end
    until cursor == '0' or #names >= max
    count = total
  else
    for _, pod in ipairs(pods) do
      for _, user in ipairs(redis.call('HKEYS', prefix .. pod)) do add(user) end
    end
  end
  -- cjson writes an empty table as {}.
  return {count, #names > 0 and cjson.encode(names) or '[]'}
end
`;
const ONLINE = `${ONLINE_LUA}
return online(KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]))
`;
// The first connection on this pod of each of some users of the room: their fields, the hash's
// and the pod's lifetimes, and the list for their join acks (these users included), in one
// script: a crowd joining at once costs a script per batch, and the list is read once for it.
const JOINED = `${ONLINE_LUA}
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[4])
local fields = {}
for i = 6, #ARGV do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = '1'
end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
return online(KEYS[1], now, ARGV[2], tonumber(ARGV[5]))
`;
/** Users whose first joins (or last leaves) go in one script at most (a bigger crowd takes several). */
const PRESENCE_BATCH_MAX = 500;
// This pod's heartbeat of one room: extends the hash and the pod's entry when the hash still
// holds the `count` users the pod counts (O(1): what a beat costs most of the time), else
// answers 0 and the pod sends them all. With the users (ARGV[5..]) it rewrites the hash first;
// with none left it removes the pod from the room. One script, not a transaction of commands:
// a pod beats for each of its rooms every few seconds.
const BEAT = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local count = tonumber(ARGV[4])
if count == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[3])
  return 1
end
if #ARGV > 4 then
  redis.call('DEL', KEYS[2])
  -- In slices: Lua unpacks a few thousand values at most.
  for first = 5, #ARGV, 1000 do
    local fields = {}
    for i = first, math.min(first + 999, #ARGV) do
      fields[#fields + 1] = ARGV[i]
      fields[#fields + 1] = '1'
    end
    redis.call('HSET', KEYS[2], unpack(fields))
  end
elseif redis.call('HLEN', KEYS[2]) ~= count then
  return 0
end
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
return 1
`;

/** The presence window of a room of up to 200 users: its joins and leaves gathered into one event. */
export const PRESENCE_ANNOUNCE_EVERY_MS = 200;
const PRESENCE_WINDOW_MAX_MS = 5000;

/**
 * A room's presence window grows with its size (every 200 users one more base window, at most
 * 5 s): a busy room's presence costs about 1,000 deliveries a second per announcing pod up to
 * 5,000 users, whatever the rate of joins.
 */
export function presenceWindowMs(users: number, baseMs = PRESENCE_ANNOUNCE_EVERY_MS): number {
  return Math.min(PRESENCE_WINDOW_MAX_MS, baseMs * Math.max(1, Math.ceil(users / 200)));
}

type Scripts = {
  /** Per user, 1 when another pod still has the user in the room. */
  sbPresenceLeft(
    pods: string,
    own: string,
    now: number,
    prefix: string,
    pod: string,
    last: '0' | '1',
    ...users: string[]
  ): Promise<number[]>;
  /** 1 when done; 0: the hash does not hold `count` users (send them). */
  sbPresenceBeat(
    pods: string,
    own: string,
    now: number,
    ttlMs: number,
    pod: string,
    count: number,
    ...users: string[]
  ): Promise<number>;
  /** How many users are online, and at most `max` of their names as a JSON array. */
  sbPresenceOnline(pods: string, now: number, prefix: string, max: number): Promise<[number, string]>;
  sbPresenceJoined(
    pods: string,
    own: string,
    now: number,
    prefix: string,
    pod: string,
    ttlMs: number,
    max: number,
    ...users: string[]
  ): Promise<[number, string]>;
};

/**
 * Presence from a per-room structure in Redis (not from asking every pod for its sockets, which
 * shipped every member's handshake through Redis): users are online while one of their
 * connections, on any pod, is in the room. This pod counts its own connections in memory and
 * writes only the first and the last of a user per room, one field each (O(1) per join).
 */
export function createPresence(deps: {
  redis: RedisClient;
  metrics: GatewayMetrics;
  logger: Logger;
  ttlMs: number;
  /** At most one presence event per room per this many ms from this pod. */
  announceEveryMs?: number;
  /** Names a join ack lists at most (PRESENCE_ACK_MAX_USERS); a bigger room's ack is partial. */
  ackMaxUsers?: number;
  /** Tells the room, on every pod with members there (fan-out/room-fan-out.ts). */
  announce: (event: PresenceEvent) => Promise<void>;
}): Presence {
  const { redis } = deps;
  redis.defineCommand('sbPresenceLeft', { numberOfKeys: 2, lua: LEFT });
  redis.defineCommand('sbPresenceOnline', { numberOfKeys: 1, lua: ONLINE });
  redis.defineCommand('sbPresenceJoined', { numberOfKeys: 2, lua: JOINED });
  redis.defineCommand('sbPresenceBeat', { numberOfKeys: 2, lua: BEAT });
  const scripts = redis as unknown as Scripts;
  const pod = randomUUID();
  const podsKey = (room: string) => `sb:presence:{${room}}:pods`;
  const podPrefix = (room: string) => `sb:presence:{${room}}:pod:`;
  const local = new Map<string, Map<string, number>>();

  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      deps.metrics.adapterErrors.inc();
      throw unavailable('presence (Redis) is unavailable', err);
    }
  };

  // Users online in a room when this pod last listed them (the join ack), kept while this pod
  // has users there: a room's window grows with its size, on every pod alike.
  const knownSize = new Map<string, number>();
  const announceEveryMs = deps.announceEveryMs ?? PRESENCE_ANNOUNCE_EVERY_MS;
  const ackMaxUsers = deps.ackMaxUsers ?? PRESENCE_ACK_MAX_USERS;
  const windowOf = (room: string) => {
    const size = Math.max(local.get(room)?.size ?? 0, knownSize.get(room) ?? 0);
    return presenceWindowMs(size, announceEveryMs);
  };
  // Every member (the joiner too) also gets an offset for connection state recovery with it.
  const batches = createPresenceBatches(
    (room, event) =>
      void deps.announce(event).catch((err) => deps.logger.warn({ err, room }, 'presence not announced')),
    windowOf,
  );

  // Rooms whose hash may not hold what this pod counts (a script of theirs failed): their next
  // beat sends the users, whatever the count says.
  const unsure = new Set<string>();
  /** Extends this pod's entries of the room; sends its users when Redis lacks them. */
  const beat = async (room: string) => {
    const send = (all: boolean) => {
      const users = local.get(room);
      return scripts.sbPresenceBeat(
        podsKey(room),
        podPrefix(room) + pod,
        Date.now(),
        deps.ttlMs,
        pod,
        users?.size ?? 0,
        ...(all && users ? users.keys() : []),
      );
    };
    try {
      // Also restores presence after Redis lost its data (the count no longer matches).
      if (unsure.delete(room) || !(await send(false))) await send(true);
    } catch (err) {
      if (local.has(room)) unsure.add(room);
      throw err;
    }
  };

  const heartbeat = setInterval(
    () => {
      for (const room of local.keys()) {
        beat(room).catch((err) => deps.logger.warn({ err, room }, 'presence heartbeat failed'));
      }
    },
    Math.max(1000, Math.floor(deps.ttlMs / 3)),
  );
  heartbeat.unref();

  const listed = (room: string, [count, names]: [number, string]) => {
    if (local.has(room)) knownSize.set(room, count);
    return onlineList(count, JSON.parse(names) as string[]);
  };
  const listOnline = async (room: string) =>
    listed(
      room,
      await guard(() => scripts.sbPresenceOnline(podsKey(room), Date.now(), podPrefix(room), ackMaxUsers)),
    );

  // The first joins of a room on this pod made while its last script ran go together in the
  // next one; they share its list.
  const firstJoins = createRoomBatches<OnlineList>(
    async (room, users) => {
      const online = listed(
        room,
        await guard(() =>
          scripts
            .sbPresenceJoined(
              podsKey(room),
              podPrefix(room) + pod,
              Date.now(),
              podPrefix(room),
              pod,
              deps.ttlMs,
              ackMaxUsers,
              ...users,
            )
            .catch((err) => {
              unsure.add(room);
              throw err;
            }),
        ),
      );
      return () => online;
    },
    { maxBatch: PRESENCE_BATCH_MAX },
  );
  // The last leaves of a room on this pod made while its last leave script ran go together in
  // the next one. Whether the pod has no user of the room left is decided as the script goes:
  // a join may have come since.
  const lastLeaves = createRoomBatches<boolean>(
    async (room, users) => {
      const elsewhere = await scripts.sbPresenceLeft(
        podsKey(room),
        podPrefix(room) + pod,
        Date.now(),
        podPrefix(room),
        pod,
        local.get(room)?.size ? '0' : '1',
        ...users,
      );
      const byUser = new Map(users.map((user, i) => [user, elsewhere[i] === 1]));
      return (user) => byUser.get(user) ?? false;
    },
    { maxBatch: PRESENCE_BATCH_MAX },
  );
  // (room, user) -> its last first join or leave on this pod while that is queued or running:
  // the next one waits for it, so Redis sees a user's joins and leaves in the order they
  // happened here (a first join waits for its batch).
  const lastChange = new Map<string, Promise<unknown>>();
  async function inTurn<T>(k: string, run: () => Promise<T>): Promise<T> {
    const before = lastChange.get(k);
    const mine = before ? before.catch(() => {}).then(run) : run();
    lastChange.set(k, mine);
    try {
      return await mine;
    } finally {
      if (lastChange.get(k) === mine) lastChange.delete(k);
    }
  }

  return {
    async joined(socket, room) {
      const user = socket.data.user;
      const users = local.get(room) ?? new Map<string, number>();
      local.set(room, users);
      const count = (users.get(user) ?? 0) + 1;
      users.set(user, count);
      const k = joinKey(room, user);
      // The joiner gets it too (also a further tab of a user already there): the client learns
      // its join went through, and holds a stream offset from then on, which recovery needs.
      if (count > 1) {
        await lastChange.get(k)?.catch(() => {});
        batches.add(room, user, true);
        return listOnline(room);
      }
      const online = await inTurn(k, () => firstJoins.load(room, user));
      batches.add(room, user, true);
      return online;
    },
    async left(socket, room) {
      const user = socket.data.user;
      const users = local.get(room);
      const count = (users?.get(user) ?? 0) - 1;
      if (!users || count < 0) return;
      if (count > 0) {
        users.set(user, count);
        return;
      }
      users.delete(user);
      if (users.size === 0) {
        local.delete(room);
        knownSize.delete(room);
        unsure.delete(room);
      }
      try {
        const elsewhere = await inTurn(joinKey(room, user), () => lastLeaves.load(room, user));
        if (elsewhere) return;
      } catch (err) {
        // Say `left`; a connection still there shows up on its pod's next heartbeat or join;
        // this pod's stale entry goes with the heartbeat's rewrite or, at the latest, its TTL.
        if (local.has(room)) unsure.add(room);
        deps.metrics.adapterErrors.inc();
        deps.logger.warn({ err, room }, 'presence: could not check other pods');
      }
      // Back meanwhile (a new connection of the user joined here): still online.
      if (local.get(room)?.has(user)) return;
      // The leaving connection is out of the room already: the others hear it.
      batches.add(room, user, false);
    },
    listOnline,
    async stop() {
      clearInterval(heartbeat);
      batches.stop();
      const rooms = [...local.keys()];
      local.clear();
      knownSize.clear();
      unsure.clear();
      await Promise.allSettled(rooms.map((room) => beat(room)));
    },
  };
}

// NUL cannot occur in room names (protocol pattern) or user ids (userIdSchema).
const joinKey = (room: string, user: string) => `${room}\u0000${user}`;

/** The ack's list from what Redis answered: the names sorted, the count, and whether some were left out. */
export function onlineList(count: number, names: string[]): OnlineList {
  const presence = [...names].sort();
  // A user who left between the count and the scan can make the count the smaller one.
  const onlineCount = Math.max(count, presence.length);
  return onlineCount > presence.length ? { presence, onlineCount, partial: true } : { presence, onlineCount };
}
