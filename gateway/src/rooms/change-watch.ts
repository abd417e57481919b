/**
 * Which reads of room decisions a change overtook. A read of (room, user) opens a watch before
 * it asks PostgreSQL; a change to that user's membership, to the whole room, or to everything
 * (the change channel lost) voids the watches open on it, and a voided read is not cached: it
 * may have read what the change replaced. Changes to other users or rooms leave it alone, so a
 * crowd joining one room (each join a change of its own member) does not void the others'
 * reads.
 */
export type Watch = { readonly room: string; readonly user: string; voided: boolean };

export type ChangeWatch = {
  open(room: string, user: string): Watch;
  /** The read is over (cached or not); a later change no longer concerns it. */
  close(watch: Watch): void;
  /**
   * A change of one user's membership, or of the whole room when `user` is undefined. `except`:
   * the watch of the read that made the change itself (a join caching its own outcome).
   */
  changed(room: string, user: string | undefined, except?: Watch): void;
  /** Anything may have changed (the change channel was lost). */
  changedAll(): void;
  /** Open watches, for tests and metrics. */
  size(): number;
};

export function createChangeWatch(): ChangeWatch {
  // room -> user -> the watches open on (room, user); emptied as they close.
  const open = new Map<string, Map<string, Set<Watch>>>();
  let count = 0;

  const voidAll = (watches: Iterable<Watch>, except: Watch | undefined) => {
    for (const watch of watches) if (watch !== except) watch.voided = true;
  };

  return {
    open(room, user) {
      const watch: Watch = { room, user, voided: false };
      const users = open.get(room) ?? new Map<string, Set<Watch>>();
      open.set(room, users);
      const watches = users.get(user) ?? new Set<Watch>();
      users.set(user, watches);
      watches.add(watch);
      count++;
      return watch;
    },
    close(watch) {
      const users = open.get(watch.room);
      const watches = users?.get(watch.user);
      if (!users || !watches?.delete(watch)) return;
      count--;
      if (watches.size === 0) users.delete(watch.user);
      if (users.size === 0) open.delete(watch.room);
    },
    changed(room, user, except) {
      const users = open.get(room);
      if (!users) return;
      if (user !== undefined) {
        voidAll(users.get(user) ?? [], except);
        return;
      }
      for (const watches of users.values()) voidAll(watches, except);
    },
    changedAll() {
      for (const users of open.values()) for (const watches of users.values()) voidAll(watches, undefined);
    },
    size: () => count,
  };
}
