import { type Database, historyPage, messageInRoom } from '@switchboard/db';
import type { ChatMessage } from '@switchboard/protocol';
import { waitUntil } from '@switchboard/service-kit';
import { logStartToAwait } from './log-coverage.ts';
import { mergePages, type PageBounds } from './merge-pages.ts';
import type { RoomLog } from './room-log.ts';

export type HistoryReader = {
  /**
   * One page of a room's history: PostgreSQL's rows merged with the recent log (G9). Never skips
   * a message the log has dropped and PostgreSQL does not hold yet: it waits for the persister up
   * to `persistWaitMs`, then answers `undefined` (not answerable yet; retry shortly).
   */
  page(room: string, bounds: PageBounds): Promise<{ messages: ChatMessage[]; more: boolean } | undefined>;
};

export function createHistoryReader(deps: {
  db: Database;
  log: RoomLog;
  persistWaitMs: number;
}): HistoryReader {
  const { db, log, persistWaitMs } = deps;
  return {
    async page(room, bounds) {
      const logged = await log.all(room);
      const awaited = logStartToAwait(logged, bounds);
      if (awaited) {
        const stored = () => messageInRoom(db, room, awaited);
        if (!(await waitUntil(stored, { timeoutMs: persistWaitMs, intervalMs: 100 }))) return undefined;
      }
      // Read after the wait: the rows must reach the log's first entry.
      return mergePages(await historyPage(db, { room, ...bounds }), logged.messages, bounds);
    },
  };
}
