/**
 * Strikes against one connection (invalid payloads, unknown events) within a window: past
 * `max` in `windowMs` the connection is misbehaving, not mistaken, and is closed. The window
 * starts at the first strike after the previous one ended, so a client that errs now and then
 * is never closed.
 */
export type StrikeLimits = { max: number; windowMs: number };

// A class, not a closure: every connection has one, and two fields cost less than a context
// and a function.
export class StrikeCounter {
  private readonly limits: StrikeLimits;
  private windowStart = 0;
  private strikes = 0;

  constructor(limits: StrikeLimits) {
    this.limits = limits;
  }

  /** Counts one strike at `now`; true when this one is past the threshold. */
  strike(now: number): boolean {
    if (now - this.windowStart >= this.limits.windowMs) {
      this.windowStart = now;
      this.strikes = 0;
    }
    this.strikes++;
    return this.strikes > this.limits.max;
  }
}
