import { ErrorCode, SwitchboardError } from '@switchboard/protocol';

/**
 * How many requests run at once on this pod, per key (a user) and in all: a user cannot hold
 * more than `perKey` slots, so one user's flood leaves the rest of `total` to others.
 */
export type ConcurrencyCap = {
  /** A release function, or which cap is full. */
  acquire(key: string): { release: () => void } | { full: 'key' | 'total' };
  readonly active: number;
};

export function createConcurrencyCap(limits: { perKey: number; total: number }): ConcurrencyCap {
  const byKey = new Map<string, number>();
  let active = 0;
  return {
    acquire(key) {
      const mine = byKey.get(key) ?? 0;
      if (mine >= limits.perKey) return { full: 'key' };
      if (active >= limits.total) return { full: 'total' };
      byKey.set(key, mine + 1);
      active++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          active--;
          const left = (byKey.get(key) ?? 1) - 1;
          if (left === 0) byKey.delete(key);
          else byKey.set(key, left);
        },
      };
    },
    get active() {
      return active;
    },
  };
}

/**
 * A slot of the cap for `key`, or RATE_LIMITED at once (HTTP 429, Retry-After) when none is
 * free: no queue, which would hold the memory and the client connections the cap is there to
 * spare. The caller releases the slot when its request ends.
 */
export function slotOrRefuse(
  cap: ConcurrencyCap,
  key: string,
  onFull: (reason: 'user_concurrency' | 'pod_concurrency') => void,
): () => void {
  const slot = cap.acquire(key);
  if ('release' in slot) return slot.release;
  onFull(slot.full === 'key' ? 'user_concurrency' : 'pod_concurrency');
  throw new SwitchboardError(
    ErrorCode.RateLimited,
    slot.full === 'key'
      ? 'too many of your requests are running at once; wait for one to finish'
      : 'this server is busy with other requests; retry shortly',
    { retryAfterMs: 1000 },
  );
}
