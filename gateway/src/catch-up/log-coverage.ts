import type { ChatMessage } from '@switchboard/protocol';
import type { PageBounds } from './merge-pages.ts';

/**
 * The message PostgreSQL must hold before a history page may be merged from its rows and the
 * recent log, or undefined when the log leaves no hole in the page. Once the length bound has
 * dropped log entries, a message acknowledged a moment ago may be in neither store (dropped from
 * the log, still in Kafka); when the log's first entry is stored, everything dropped before it
 * is too (one room, one partition, written in order).
 */
export function logStartToAwait(
  logged: { messages: ChatMessage[]; trimmed: boolean },
  bounds: PageBounds,
): string | undefined {
  const start = logged.messages[0];
  if (!logged.trimmed || !start) return undefined;
  const { after, before, limit } = bounds;
  // An `after` page starting inside the log: nothing it covers was dropped.
  if (after !== undefined) return after >= start.id ? undefined : start.id;
  // A newest-first page the log fills by itself ends before the hole.
  const inLog =
    before === undefined ? logged.messages.length : logged.messages.filter((m) => m.id < before).length;
  return inLog >= limit ? undefined : start.id;
}
