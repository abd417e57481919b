import type { ChatMessage } from '@switchboard/protocol';
import type { Redis } from 'ioredis';
import { compareLogIds } from '../fan-out/log-ids.ts';

/** One message in a room's log, with the entry's id (`<ms>-<seq>`, Redis time, in log order). */
export type LogEntry = { id: string; message: ChatMessage };

/**
 * The recent log of a room (G9): a capped Redis stream per room holding every message that was
 * broadcast, in broadcast order. The fan-out writes it (fan-out/room-fan-out.ts): the entry and
 * the room's broadcast are one script, so whatever a client saw last, everything after it in
 * the log is exactly what it missed. PostgreSQL holds the rest.
 */
export type RoomLog = {
  /**
   * Messages logged after the one with id `since`, oldest first, at most `limit`;
   * `found: false` when `since` is not in the log (older than it, unknown, or the log was lost).
   */
  after(
    room: string,
    since: string,
    limit: number,
  ): Promise<{ found: boolean; messages: ChatMessage[]; more: boolean }>;
  /**
   * The whole log of the room, oldest first (bounded by the log's length); `trimmed`: entries
   * older than the first were dropped by the length bound, so PostgreSQL must hold them.
   */
  all(room: string): Promise<{ messages: ChatMessage[]; trimmed: boolean }>;
  /**
   * Entries from entry id `from` on (inclusive; `(id` for after it), oldest first; `covers`:
   * the log still holds everything from `from` on (its length bound dropped nothing there).
   */
  entriesFrom(room: string, from: string): Promise<{ entries: LogEntry[]; covers: boolean }>;
  /** The id of the room's newest entry, if it has one. */
  newestId(room: string): Promise<string | undefined>;
  /** Forgets the room's log (the room was deleted). */
  drop(room: string): Promise<void>;
};

export const ROOM_LOG_FIELD = 'm';
const FIELD = ROOM_LOG_FIELD;

/** Same hash tag as presence and the fan-out channel: a Redis Cluster keeps a room's keys on one node. */
export const roomLogKey = (room: string) => `sb:log:{${room}}`;

export function createRoomLog(
  redis: Pick<Redis, 'xrevrange' | 'xrange' | 'del' | 'multi'>,
  options: { maxAgeMs: number },
): RoomLog {
  const key = roomLogKey;
  const decode = (fields: string[]): ChatMessage | undefined => {
    const at = fields.indexOf(FIELD);
    return at >= 0 && fields[at + 1] ? (JSON.parse(fields[at + 1]!) as ChatMessage) : undefined;
  };
  const fresh = (m: ChatMessage) => m.ts >= Date.now() - options.maxAgeMs;

  /**
   * The entries from `from` on, and from XINFO: `trimmed`, the length bound dropped entries
   * (entries-added counts every entry ever taken; DEL on drop starts it over), and the id of the
   * oldest entry held. XINFO fails on a missing key: an empty log dropped nothing that matters.
   */
  const read = async (room: string, from: string) => {
    const [[rangeErr, range], [, info]] = (await redis
      .multi()
      .xrange(key(room), from, '+')
      .xinfo('STREAM', key(room))
      .exec()) as [[Error | null, [string, string[]][]], [Error | null, unknown[] | undefined]];
    if (rangeErr) throw rangeErr;
    const entries: LogEntry[] = [];
    for (const [id, fields] of range) {
      const message = decode(fields);
      if (message && fresh(message)) entries.push({ id, message });
    }
    const field = (name: string) => (Array.isArray(info) ? info[info.indexOf(name) + 1] : undefined);
    const trimmed = Number(field('entries-added') ?? 0) > Number(field('length') ?? 0);
    const oldest = (field('first-entry') as [string, string[]] | null | undefined)?.[0];
    return { entries, trimmed, oldest };
  };

  return {
    async after(room, since, limit) {
      // Newest first, in chunks, until `since` shows up: a reconnect finds it in the first chunk.
      const newer: ChatMessage[] = [];
      let end = '+';
      for (;;) {
        const chunk = await redis.xrevrange(key(room), end, '-', 'COUNT', 200);
        for (const [id, fields] of chunk) {
          end = `(${id}`;
          const message = decode(fields);
          if (!message) continue;
          if (message.id === since) {
            newer.reverse();
            const fitting = newer.filter(fresh);
            return { found: true, messages: fitting.slice(0, limit), more: fitting.length > limit };
          }
          newer.push(message);
        }
        if (chunk.length < 200) return { found: false, messages: [], more: false };
      }
    },
    async drop(room) {
      await redis.del(key(room));
    },
    async all(room) {
      const { entries, trimmed } = await read(room, '-');
      return { messages: entries.map((e) => e.message), trimmed };
    },
    async entriesFrom(room, from) {
      const { entries, trimmed, oldest } = await read(room, from);
      // Nothing dropped, or what was dropped is older than `from`.
      const covers =
        !trimmed || (oldest !== undefined && compareLogIds(oldest, from.replace(/^\(/, '')) <= 0);
      return { entries, covers };
    },
    async newestId(room) {
      const [newest] = await redis.xrevrange(key(room), '+', '-', 'COUNT', 1);
      return newest?.[0];
    },
  };
}
