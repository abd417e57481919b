import { backoffDelay } from '@switchboard/service-kit';

/**
 * Pauses a partition whose write failed and resumes it after an exponential delay with jitter,
 * so a database outage costs a few cheap retries instead of a crash loop, and nothing is
 * fetched (memory stays bounded) while it lasts. A partition stays "failing" from its first
 * failure until a write succeeds; readiness reports it.
 */
export type FailingPartition = { partition: number; attempts: number; error: string; retryAt: number };

export type BackoffOptions = {
  initialMs: number;
  maxMs: number;
  pause: (partition: number) => void;
  resume: (partition: number) => void;
  random?: () => number;
};

export class PartitionBackoff {
  private readonly failing = new Map<number, FailingPartition>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly options: BackoffOptions;

  constructor(options: BackoffOptions) {
    this.options = options;
  }

  /** Pauses the partition and schedules its resume; returns the delay in ms. */
  failed(partition: number, error: string): number {
    const attempts = (this.failing.get(partition)?.attempts ?? 0) + 1;
    const delay = backoffDelay(attempts, this.options);
    this.failing.set(partition, { partition, attempts, error, retryAt: Date.now() + delay });
    this.options.pause(partition);
    clearTimeout(this.timers.get(partition));
    this.timers.set(
      partition,
      setTimeout(() => {
        this.timers.delete(partition);
        this.options.resume(partition);
      }, delay),
    );
    return delay;
  }

  repause(partition: number): void {
    if (this.timers.has(partition)) this.options.pause(partition);
  }

  succeeded(partition: number): void {
    this.failing.delete(partition);
  }

  /** True while the partition waits for its retry (a batch fetched before the pause is skipped). */
  isWaiting(partition: number): boolean {
    return this.timers.has(partition);
  }

  /** Partitions this member no longer owns: their state moves with them. */
  keepOnly(assigned: number[]): void {
    for (const partition of [...this.failing.keys()]) {
      if (assigned.includes(partition)) continue;
      this.forget(partition);
    }
  }

  list(): FailingPartition[] {
    return [...this.failing.values()];
  }

  get waitingCount(): number {
    return this.timers.size;
  }

  clear(): void {
    for (const partition of new Set([...this.failing.keys(), ...this.timers.keys()])) this.forget(partition);
  }

  private forget(partition: number): void {
    clearTimeout(this.timers.get(partition));
    if (this.timers.delete(partition)) this.options.resume(partition);
    this.failing.delete(partition);
  }
}
