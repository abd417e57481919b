import type { PresenceEvent } from './payloads.ts';

/**
 * The users a presence event says joined and left, whichever shape it has: one change as
 * `joined` / `left`, a busy room's changes of one window as `joinedUsers` / `leftUsers`.
 */
export function presenceChanges(event: PresenceEvent): { joined: string[]; left: string[] } {
  return {
    joined: event.joinedUsers ?? (event.joined ? [event.joined] : []),
    left: event.leftUsers ?? (event.left ? [event.left] : []),
  };
}
