import { randomUUID } from 'node:crypto';
import { type PresenceEvent, ServerEvent, unavailable } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import type { Redis } from 'ioredis';
import type { GatewayMetrics } from '../metrics.ts';
import type { GatewayIo, GatewaySocket } from './socket-types.ts';

export type Presence = {
  /** Records the connection and tells the room (the joiner included) that its user joined. */
  joined(socket: GatewaySocket, room: string): Promise<void>;
  /** Forgets the connection; tells the others when it was the user's last one in the room. */
  left(socket: GatewaySocket, room: string): Promise<void>;
  /** Users online in the room, on every pod. */
  online(room: string): Promise<string[]>;
  /** Stops the heartbeat and removes this pod's entries (a clean stop). */
  stop(): Promise<void>;
};

// Per room, in one hash slot ({room}) so a Redis Cluster keeps a room's keys together:
//   sb:presence:{room}:pods        ZSET pod -> time its entries expire
//   sb:presence:{room}:pod:<pod>   HASH user -> connections of the user on that pod
// A pod refreshes its entries on a heartbeat; a dead pod's entries expire with its TTL.
const ONLINE_ELSEWHERE = `
local now = tonumber(ARGV[1])
local user = ARGV[2]
local prefix = ARGV[3]
for _, pod in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  if redis.call('HEXISTS', prefix .. pod, user) == 1 then return 1 end
end
return 0
`;
const ONLINE = `
local now = tonumber(ARGV[1])
local prefix = ARGV[2]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1)
local users = {}
for _, pod in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  for _, user in ipairs(redis.call('HKEYS', prefix .. pod)) do users[user] = true end
end
local list = {}
for user in pairs(users) do list[#list + 1] = user end
return list
`;

type Scripts = {
  sbPresenceElsewhere(pods: string, now: number, user: string, prefix: string): Promise<number>;
  sbPresenceOnline(pods: string, now: number, prefix: string): Promise<string[]>;
};

/**
 * Presence from a per-room structure in Redis (not from asking every pod for its sockets, which
 * shipped every member's handshake through Redis): users are online while one of their
 * connections, on any pod, is in the room. This pod counts its own connections in memory and
 * writes only the first and the last of a user per room.
 */
export function createPresence(
  io: GatewayIo,
  deps: { redis: Redis; metrics: GatewayMetrics; logger: Logger; ttlMs: number },
): Presence {
  const { redis } = deps;
  redis.defineCommand('sbPresenceElsewhere', { numberOfKeys: 1, lua: ONLINE_ELSEWHERE });
  redis.defineCommand('sbPresenceOnline', { numberOfKeys: 1, lua: ONLINE });
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

  /** Writes this pod's users of the room and extends their lifetime. */
  const publish = (room: string) => {
    const users = local.get(room);
    const key = podPrefix(room) + pod;
    const tx = redis.multi().del(key);
    if (users && users.size > 0) {
      tx.hset(key, Object.fromEntries([...users.keys()].map((u) => [u, '1'])));
      tx.pexpire(key, deps.ttlMs);
      tx.zadd(podsKey(room), Date.now() + deps.ttlMs, pod);
    } else {
      tx.zrem(podsKey(room), pod);
    }
    return tx.exec();
  };

  // Rewriting the whole hash (not only its TTL) also restores presence after Redis lost its data.
  const heartbeat = setInterval(
    () => {
      for (const room of local.keys()) {
        publish(room).catch((err) => deps.logger.warn({ err, room }, 'presence heartbeat failed'));
      }
    },
    Math.max(1000, Math.floor(deps.ttlMs / 3)),
  );
  heartbeat.unref();

  return {
    async joined(socket, room) {
      const user = socket.data.user;
      const users = local.get(room) ?? new Map<string, number>();
      local.set(room, users);
      const count = (users.get(user) ?? 0) + 1;
      users.set(user, count);
      if (count === 1) await guard(() => publish(room));
      // The joiner gets it too: it is a broadcast through the stream, so the client holds an
      // offset from then on, which connection state recovery needs.
      io.to(room).emit(ServerEvent.Presence, { room, joined: user } satisfies PresenceEvent);
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
      if (users.size === 0) local.delete(room);
      try {
        await publish(room);
        if (await scripts.sbPresenceElsewhere(podsKey(room), Date.now(), user, podPrefix(room))) return;
      } catch (err) {
        // Say `left`; a connection still there shows up on its pod's next heartbeat or join.
        deps.metrics.adapterErrors.inc();
        deps.logger.warn({ err, room }, 'presence: could not check other pods');
      }
      io.to(room)
        .except(socket.id)
        .emit(ServerEvent.Presence, { room, left: user } satisfies PresenceEvent);
    },
    async online(room) {
      const users = await guard(() => scripts.sbPresenceOnline(podsKey(room), Date.now(), podPrefix(room)));
      return users.sort();
    },
    async stop() {
      clearInterval(heartbeat);
      const rooms = [...local.keys()];
      local.clear();
      await Promise.allSettled(rooms.map((room) => publish(room)));
    },
  };
}
