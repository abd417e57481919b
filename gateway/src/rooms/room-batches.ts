/**
 * One round trip per room for many users (their memberships and joins in PostgreSQL, their
 * presence in Redis), gathered into batches: at most one query per room is in flight; the
 * users asked for meanwhile wait and go together in the next one. A crowd connecting to a room at once then costs a round trip per
 * batch rather than one per user, and a lone request goes at once (after the current tick,
 * which requests made in the same tick share).
 *
 * Not DataLoader: it gathers the keys asked for within one tick, and joins arriving on separate
 * sockets arrive in separate ticks; here the batch is what arrives while the last query runs.
 */
export type RoomBatches<T> = {
  /** The answer for the user, from the next query of the room that has not been sent yet. */
  load(room: string, user: string): Promise<T>;
};

/** One query: the room and the users asked, answering for each of them (may throw for one). */
export type BatchQuery<T> = (room: string, users: string[]) => Promise<(user: string) => T>;

type Waiter<T> = { promise: Promise<T>; resolve(value: T): void; reject(err: unknown): void };

export function createRoomBatches<T>(query: BatchQuery<T>, options: { maxBatch: number }): RoomBatches<T> {
  // Rooms with a drain running -> users waiting for the next query of that room.
  const waiting = new Map<string, Map<string, Waiter<T>>>();

  async function drain(room: string, queue: Map<string, Waiter<T>>) {
    while (queue.size > 0) {
      const batch: [string, Waiter<T>][] = [];
      for (const entry of queue) {
        batch.push(entry);
        if (batch.length === options.maxBatch) break;
      }
      for (const [user] of batch) queue.delete(user);
      try {
        const answer = await query(
          room,
          batch.map(([user]) => user),
        );
        for (const [user, waiter] of batch) {
          try {
            waiter.resolve(answer(user));
          } catch (err) {
            waiter.reject(err);
          }
        }
      } catch (err) {
        for (const [, waiter] of batch) waiter.reject(err);
      }
    }
    // Nothing queued since the last query returned (this runs in the same tick): the next
    // request of the room starts a new drain.
    waiting.delete(room);
  }

  return {
    load(room, user) {
      let queue = waiting.get(room);
      if (!queue) {
        const started = new Map<string, Waiter<T>>();
        waiting.set(room, started);
        queueMicrotask(() => void drain(room, started));
        queue = started;
      }
      let waiter = queue.get(user);
      if (!waiter) {
        waiter = waiterOf<T>();
        queue.set(user, waiter);
      }
      return waiter.promise;
    },
  };
}

function waiterOf<T>(): Waiter<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
