/**
 * Strikes against one connection (invalid payloads, unknown events) within a window: past
 * `max` in `windowMs` the connection is misbehaving, not mistaken, and is closed. The window
 * starts at the first strike after the previous one ended, so a client that errs now and then
 * is never closed.
 */
export function createStrikeCounter(limits: { max: number; windowMs: number }) {
  let windowStart = 0;
  let strikes = 0;
  return {
    /** Counts one strike at `now`; true when this one is past the threshold. */
    strike(now: number): boolean {
      if (now - windowStart >= limits.windowMs) {
        windowStart = now;
        strikes = 0;
      }
      strikes++;
      return strikes > limits.max;
    },
  };
}
