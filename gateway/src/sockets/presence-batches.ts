import type { PresenceEvent } from '@switchboard/protocol';

export type PresenceBatches = {
  /** A user came online (`online`) or went offline in a room, as this pod decided it. */
  add(room: string, user: string, online: boolean): void;
  /** Drops what is pending and every timer (the pod is stopping). */
  stop(): void;
};

/**
 * At most one presence event per room per window from this pod, so filling a room costs
 * O(members) deliveries per window instead of O(members) per join: the first change in a quiet
 * room goes out at once; changes during the window that follows wait for its end and go out
 * together, each user's last state only. A room with no change for a whole window is quiet again.
 */
export function createPresenceBatches(
  emit: (room: string, event: PresenceEvent) => void,
  /** The room's window in ms, read when one starts (bigger rooms may wait longer). */
  windowMs: (room: string) => number,
): PresenceBatches {
  const rooms = new Map<string, { pending: Map<string, boolean>; timer: NodeJS.Timeout }>();

  const endOfWindow = (room: string) => {
    const state = rooms.get(room);
    if (!state) return;
    if (state.pending.size === 0) {
      rooms.delete(room);
      return;
    }
    const changes = state.pending;
    state.pending = new Map();
    state.timer = setTimeout(endOfWindow, windowMs(room), room).unref();
    emit(room, presenceEvent(room, changes));
  };

  return {
    add(room, user, online) {
      const state = rooms.get(room);
      if (state) {
        // Re-inserted so the event lists users in the order of their last change.
        state.pending.delete(user);
        state.pending.set(user, online);
        return;
      }
      rooms.set(room, { pending: new Map(), timer: setTimeout(endOfWindow, windowMs(room), room).unref() });
      emit(room, presenceEvent(room, new Map([[user, online]])));
    },
    stop() {
      for (const { timer } of rooms.values()) clearTimeout(timer);
      rooms.clear();
    },
  };
}

/**
 * One change keeps the single-user shape (`joined` or `left`, what clients have always read);
 * several go in `joinedUsers` / `leftUsers`.
 */
export function presenceEvent(room: string, changes: ReadonlyMap<string, boolean>): PresenceEvent {
  const [only] = changes;
  if (changes.size === 1 && only) return only[1] ? { room, joined: only[0] } : { room, left: only[0] };
  const joinedUsers: string[] = [];
  const leftUsers: string[] = [];
  for (const [user, online] of changes) (online ? joinedUsers : leftUsers).push(user);
  return {
    room,
    ...(joinedUsers.length > 0 ? { joinedUsers } : {}),
    ...(leftUsers.length > 0 ? { leftUsers } : {}),
  };
}
