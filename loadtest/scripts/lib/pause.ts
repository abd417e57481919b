import { setTimeout } from 'k6/timers';

/** Waits without blocking the VU's event loop (sockets keep answering pings). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
