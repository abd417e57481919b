import { type Database, messageInRoom } from '@switchboard/db';
import { type ChatMessage, ErrorCode, SwitchboardError, unavailable } from '@switchboard/protocol';
import type { HistoryReader } from './history-reader.ts';
import type { RoomLog } from './room-log.ts';

export type CatchUp = (room: string, since: string) => Promise<{ missed: ChatMessage[]; complete: boolean }>;

/**
 * What a client rejoining with the last id it saw has missed (G9), the same from any pod: the
 * recent log in broadcast order when `since` is in it (the case of a reconnect, even after its
 * gateway crashed); otherwise a history page after `since`. At most `maxMessages`;
 * `complete: false` when there are more, or when the messages after `since` are still being
 * written (the client pages history `after` the last one it has, which says when to retry).
 */
export function createCatchUp(deps: {
  log: RoomLog;
  history: HistoryReader;
  db: Database;
  maxMessages: number;
}): CatchUp {
  const { log, history, db, maxMessages: limit } = deps;
  return async (room, since) => {
    try {
      const recent = await log.after(room, since, limit);
      if (recent.found) return { missed: recent.messages, complete: !recent.more };
      const page = await history.page(room, { after: since, limit });
      if (!page) return { missed: [], complete: false };
      // Checked once the rows are settled: a `since` the log dropped is stored by now.
      if (!(await messageInRoom(db, room, since))) {
        throw new SwitchboardError(ErrorCode.Invalid, `since: no message ${since} in room "${room}"`);
      }
      return { missed: page.messages, complete: !page.more };
    } catch (err) {
      if (err instanceof SwitchboardError) throw err;
      throw unavailable('the catch-up store is unavailable', err);
    }
  };
}
