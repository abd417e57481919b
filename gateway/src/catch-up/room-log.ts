import type { ChatMessage } from '@switchboard/protocol';
import type { Redis } from 'ioredis';

/**
 * The recent log of a room (G9): a capped Redis stream per room holding every message that was
 * broadcast, in broadcast order. It is written on the adapter's connection right before the
 * broadcast, so Redis applies the log entry before the broadcast entry: whatever a client saw
 * last, everything after it in the log is exactly what it missed. PostgreSQL holds the rest.
 */
export type RoomLog = {
  /**
   * Issues the entry's commands before it returns, without waiting for anything first: on an
   * auto-pipelining connection, a command issued right after (the broadcast) shares its write.
   */
  append(message: ChatMessage): Promise<void>;
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
  /** Forgets the room's log (the room was deleted). */
  drop(room: string): Promise<void>;
};

const FIELD = 'm';

export function createRoomLog(redis: Redis, options: { maxLen: number; maxAgeMs: number }): RoomLog {
  // Same hash tag as presence: a Redis Cluster keeps a room's keys on one node.
  const key = (room: string) => `sb:log:{${room}}`;
  const decode = (fields: string[]): ChatMessage | undefined => {
    const at = fields.indexOf(FIELD);
    return at >= 0 && fields[at + 1] ? (JSON.parse(fields[at + 1]!) as ChatMessage) : undefined;
  };
  const fresh = (m: ChatMessage) => m.ts >= Date.now() - options.maxAgeMs;

  return {
    append(message) {
      const k = key(message.room);
      // The entry with its trim (approximate: whole nodes, cheap), then the key's lifetime, so an
      // idle room's log goes away after the age bound. Plain commands, not a MULTI: ioredis
      // writes a MULTI at once, apart from the auto-pipelined broadcast that must follow it.
      // The entry is what counts; a lifetime not renewed is renewed by the room's next entry.
      const added = redis.xadd(k, 'MAXLEN', '~', options.maxLen, '*', FIELD, JSON.stringify(message));
      void redis.pexpire(k, options.maxAgeMs).catch(() => {});
      return added.then(() => {});
    },
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
      // XINFO's entries-added counts every entry the stream ever took; more than it holds now
      // means the length bound dropped some (DEL on drop starts the count over).
      const [[rangeErr, entries], [, info]] = (await redis
        .multi()
        .xrange(key(room), '-', '+')
        .xinfo('STREAM', key(room))
        .exec()) as [[Error | null, [string, string[]][]], [Error | null, unknown[] | undefined]];
      if (rangeErr) throw rangeErr;
      const messages = entries
        .map(([, fields]) => decode(fields))
        .filter((m): m is ChatMessage => !!m && fresh(m));
      // XINFO fails on a missing key: an empty log dropped nothing that matters.
      const added = Array.isArray(info) ? Number(info[info.indexOf('entries-added') + 1]) : 0;
      return { messages, trimmed: added > entries.length };
    },
  };
}
