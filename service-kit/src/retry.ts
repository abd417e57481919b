import { setTimeout as delay } from 'node:timers/promises';

/**
 * The one way Switchboard waits: retry delays, sleeps, deadlines and polling. Every service
 * and the local stack use these, so a retry policy reads the same everywhere.
 */

/**
 * Delay before retry number `attempt` (1 = the first retry): doubles from `initialMs` up to
 * `maxMs`, with "equal jitter" (at least half the delay, the rest random), so replicas that
 * failed together spread out without ever retrying at once.
 */
export function backoffDelay(
  attempt: number,
  o: { initialMs: number; maxMs: number; random?: () => number },
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(o.maxMs, o.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (o.random ?? Math.random)() * (ceiling / 2));
}

/** Resolves after `ms`, or early (without an error) when `signal` aborts, so loops can check why. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
}

/**
 * `work`'s outcome, or the error of `onTimeout()` once `ms` have passed; rejects with
 * `signal.reason` when `signal` aborts first. The timer is cleared either way. The work itself
 * is not cancelled: use this for operations that are safe to abandon (idempotent writes, reads).
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => settle(reject, onTimeout()), ms);
    const onAbort = () => settle(reject, signal?.reason);
    // Cleared before the caller sees the outcome, so nothing of this outlives it.
    function settle<V>(finish: (value: V) => void, value: V) {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      finish(value);
    }
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => settle(resolve, value),
      (err: unknown) => settle(reject, err),
    );
  });
}

/**
 * Polls `check` every `intervalMs` (default 20) until it returns true (resolves true) or
 * `timeoutMs` have passed (resolves false). False only after a check made at or past the
 * deadline failed: a check that straddles the deadline (an event loop stalled by a synchronous
 * child process, a slow probe) is followed by one more. A check that throws ends the wait with
 * its error (a way to give up early, e.g. when the awaited process has died).
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  o: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const checkedAt = Date.now();
    if (await check()) return true;
    if (checkedAt >= deadline) return false;
    await sleep(Math.max(0, Math.min(o.intervalMs ?? 20, deadline - Date.now())));
  }
}
