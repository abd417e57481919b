import type { ChatMessage } from '@switchboard/protocol';

export type PageBounds = { before?: string; after?: string; limit: number };

/**
 * One history page from PostgreSQL's page and the room's recent log, which holds messages
 * acknowledged but maybe not written yet (G9): their union by id, within the page's bounds,
 * oldest first. With `after` the page is the oldest `limit` after it; otherwise the newest
 * `limit` (before `before`). `more`: another page exists in the direction of travel.
 */
export function mergePages(
  stored: { messages: ChatMessage[]; more: boolean },
  logged: ChatMessage[],
  bounds: PageBounds,
): { messages: ChatMessage[]; more: boolean } {
  const { before, after, limit } = bounds;
  const byId = new Map<string, ChatMessage>();
  for (const m of stored.messages) byId.set(m.id, m);
  const storedNewest = stored.messages.at(-1)?.id;
  const storedOldest = stored.messages[0]?.id;
  for (const m of logged) {
    if (after !== undefined && m.id <= after) continue;
    if (before !== undefined && m.id >= before) continue;
    // A full stored page ends where it ends: a logged message past that edge belongs to the
    // next page in the direction of travel, which PostgreSQL answers (it is persisted or will be).
    if (stored.more && after !== undefined && storedNewest && m.id > storedNewest) continue;
    if (stored.more && after === undefined && storedOldest && m.id < storedOldest) continue;
    byId.set(m.id, m);
  }
  const all = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const more = stored.more || all.length > limit;
  return { messages: after !== undefined ? all.slice(0, limit) : all.slice(-limit), more };
}
