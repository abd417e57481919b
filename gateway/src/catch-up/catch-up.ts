import { type Database, historyPage, messageInRoom } from '@switchboard/db';
import { type ChatMessage, ErrorCode, SwitchboardError, unavailable } from '@switchboard/protocol';
import { mergePages } from './merge-pages.ts';
import type { RoomLog } from './room-log.ts';

export type CatchUp = (room: string, since: string) => Promise<{ missed: ChatMessage[]; complete: boolean }>;

/**
 * What a client rejoining with the last id it saw has missed (G9), the same from any pod: the
 * recent log in broadcast order when `since` is in it (the case of a reconnect, even after its
 * gateway crashed); otherwise PostgreSQL after `since` merged with the log's unpersisted tail.
 * At most `maxMessages`; `complete: false` when there are more (the client pages history `after`
 * the last one).
 */
export function createCatchUp(deps: { log: RoomLog; db: Database; maxMessages: number }): CatchUp {
  const { log, db, maxMessages: limit } = deps;
  return async (room, since) => {
    try {
      const recent = await log.after(room, since, limit);
      if (recent.found) return { missed: recent.messages, complete: !recent.more };
      if (!(await messageInRoom(db, room, since))) {
        throw new SwitchboardError(ErrorCode.Invalid, `since: no message ${since} in room "${room}"`);
      }
      const page = mergePages(await historyPage(db, { room, after: since, limit }), await log.all(room), {
        after: since,
        limit,
      });
      return { missed: page.messages, complete: !page.more };
    } catch (err) {
      if (err instanceof SwitchboardError) throw err;
      throw unavailable('the catch-up store is unavailable', err);
    }
  };
}
