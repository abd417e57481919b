import { type ChatMessage, type PresenceEvent, ServerEvent, type TypingEvent } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import { type LogEntry, ROOM_LOG_FIELD, type RoomLog, roomLogKey } from '../catch-up/room-log.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { RedisClient } from '../redis-connections.ts';
import type { GatewayIo } from '../sockets/socket-types.ts';
import { type FanPacket, parseFanPacket, presencePacket, typingPacket } from './fan-packets.ts';
import { compareLogIds, logIdAt } from './log-ids.ts';
import { fanChannel } from './room-channels.ts';

/**
 * The entry and its broadcast in one step: Redis applies both or neither, and the broadcast
 * names the entry before it, so a pod that missed one (a lost subscription) sees the gap at the
 * next. KEYS: the room's log, its channel (one slot: both carry the room's hash tag).
 */
const PUBLISH_MESSAGE_LUA = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = last[1] and last[1][1] or ''
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', '${ROOM_LOG_FIELD}', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SPUBLISH', KEYS[2], 'M ' .. id .. ' ' .. prev .. ' ' .. ARGV[1])
return id`;

export type RoomFanOut = {
  /** Into the room's log and out to every pod with members there; resolves with the entry id. */
  publishMessage(message: ChatMessage): Promise<string>;
  publishPresence(event: PresenceEvent): Promise<void>;
  /** Typing goes to the room but not back to `exceptSocket`; it is volatile. */
  publishTyping(event: TypingEvent, exceptSocket: string): Promise<void>;
  /**
   * Before this pod subscribes to the room: where the room's log stands, so a message published
   * before the subscription took effect shows as a gap at the next one (or at a resubscribe).
   */
  prepare(room: string): Promise<void>;
  /** A frame heard on a room's channel. */
  onFrame(room: string, frame: string): void;
  /** The room's channel is heard again after a lost connection: what passed meanwhile comes from the log. */
  resubscribed(room: string): void;
  /** The room's channel is no longer heard: its position is forgotten. */
  released(room: string): void;
  /**
   * Collects the messages this pod delivers to `rooms` from now until `stop()`, which returns
   * them: what a session being restored would have got had its socket been here already.
   */
  watch(rooms: ReadonlySet<string>): { stop(): LogEntry[] };
};

type Position = {
  /** The last log entry this pod delivered in the room (or that stood last when it subscribed). */
  last: string;
  /** While the log fills a gap, later messages wait here. */
  waiting?: Extract<FanPacket, { kind: 'message' }>[];
};

/**
 * Fan-out by interest (issue 14): a room's broadcasts travel on a sharded pub/sub channel of
 * its own, heard only by pods with members in the room (room-channels.ts), instead of the
 * adapter's one stream that every pod reads whole. Every pod, the publishing one included,
 * delivers what it hears to its local sockets, so all see one order: the log's.
 *
 * Pub/sub drops what a pod does not hear (a lost connection); each message names the entry
 * before it in the room's log, so a pod notices and reads the gap from the log before it goes
 * on. Messages carry their log entry id as the connection state recovery offset (G5,
 * session-restore.ts).
 */
export function createRoomFanOut(
  io: GatewayIo,
  deps: {
    /** The connection that publishes (auto-pipelined: the dedup settle shares its write). */
    redis: RedisClient;
    log: RoomLog;
    maxLen: number;
    maxAgeMs: number;
    metrics: GatewayMetrics;
    logger: Logger;
  },
): RoomFanOut {
  deps.redis.defineCommand('sbFanPublish', { numberOfKeys: 2, lua: PUBLISH_MESSAGE_LUA });
  const publish = (
    deps.redis as unknown as {
      sbFanPublish(
        log: string,
        channel: string,
        json: string,
        maxLen: number,
        maxAgeMs: number,
      ): Promise<string>;
    }
  ).sbFanPublish.bind(deps.redis);
  const positions = new Map<string, Position>();
  const watchers = new Set<{ rooms: ReadonlySet<string>; entries: LogEntry[] }>();
  const local = io.local;

  const deliver = (room: string, id: string, message: ChatMessage) => {
    local.to(room).emit(ServerEvent.Message, message, id);
    deps.metrics.fanOutDelivered.inc();
    for (const watcher of watchers) if (watcher.rooms.has(room)) watcher.entries.push({ id, message });
  };

  // Delivers what comes after the last delivered entry; skips what does not.
  const deliverNewer = (room: string, position: Position, id: string, message: ChatMessage) => {
    if (compareLogIds(id, position.last) <= 0) return;
    deliver(room, id, message);
    position.last = id;
  };

  // Reads the log after the last delivered entry, then lets the waiting messages through.
  const fill = async (room: string, position: Position) => {
    position.waiting ??= [];
    try {
      const { entries, covers } = await deps.log.entriesFrom(room, `(${position.last}`);
      const before = position.last;
      for (const entry of entries) deliverNewer(room, position, entry.id, entry.message);
      if (!covers) deps.metrics.fanOutGaps.inc({ filled: 'no' });
      else if (position.last !== before) deps.metrics.fanOutGaps.inc({ filled: 'yes' });
    } catch (err) {
      deps.metrics.fanOutGaps.inc({ filled: 'no' });
      deps.logger.warn({ err, room }, 'fan-out gap not filled from the log; clients catch up on rejoin');
    } finally {
      const waiting = position.waiting;
      position.waiting = undefined;
      for (const packet of waiting) deliverNewer(room, position, packet.id, packet.message);
    }
  };

  const onMessage = (room: string, packet: Extract<FanPacket, { kind: 'message' }>) => {
    // No position: the channel is being left (prepare() makes one before every subscribe).
    const position = positions.get(room);
    if (!position) return;
    if (position.waiting) {
      position.waiting.push(packet);
      return;
    }
    // The first heard here, the next in order, or the first of a log that started over.
    if (packet.prev === position.last || packet.prev === '') {
      deliver(room, packet.id, packet.message);
      position.last = packet.id;
      return;
    }
    if (compareLogIds(packet.id, position.last) <= 0) return;
    position.waiting = [packet];
    void fill(room, position);
  };

  return {
    publishMessage(message) {
      const { room } = message;
      return publish(roomLogKey(room), fanChannel(room), JSON.stringify(message), deps.maxLen, deps.maxAgeMs);
    },
    async publishPresence(event) {
      await deps.redis.spublish(fanChannel(event.room), presencePacket(event));
    },
    async publishTyping(event, exceptSocket) {
      await deps.redis.spublish(fanChannel(event.room), typingPacket(event, exceptSocket));
    },
    async prepare(room) {
      if (positions.has(room)) return;
      const newest = await deps.log.newestId(room);
      // 0-0: before any entry, so the whole log counts as not yet delivered.
      if (!positions.has(room)) positions.set(room, { last: newest ?? '0-0' });
    },
    onFrame(room, frame) {
      const packet = parseFanPacket(frame);
      if (!packet) {
        deps.metrics.fanOutUnreadable.inc();
        return;
      }
      if (packet.kind === 'message') return onMessage(room, packet);
      if (packet.kind === 'typing') {
        local.volatile.to(room).except(packet.except).emit(ServerEvent.Typing, packet.event);
        return;
      }
      // Presence carries an offset too, so a client that heard nothing else can recover: the
      // room's last entry here (exact), or now (recovery replays a margin before it).
      const last = positions.get(room)?.last;
      const offset = last && last !== '0-0' ? last : logIdAt(Date.now());
      local.to(room).emit(ServerEvent.Presence, packet.event, offset);
    },
    resubscribed(room) {
      const position = positions.get(room);
      if (position && !position.waiting) void fill(room, position);
    },
    released(room) {
      positions.delete(room);
    },
    watch(rooms) {
      const watcher = { rooms, entries: [] as LogEntry[] };
      watchers.add(watcher);
      return {
        stop() {
          watchers.delete(watcher);
          return watcher.entries;
        },
      };
    },
  };
}
