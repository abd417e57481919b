import type { ChatMessage } from '@switchboard/protocol';
import { backoffDelay, type Logger, sleep } from '@switchboard/service-kit';
import type { GatewayMetrics } from '../metrics.ts';

/**
 * Resolves once the message is in its room's log and broadcast, queued to be, or still on its way
 * after `maxWaitMs` (never rejects).
 */
export type Broadcast = (message: ChatMessage) => Promise<void>;

/**
 * Sends an accepted message to everyone in its room on every pod: `publish` puts it into the
 * room's recent log and on the room's fan-out channel in one step (fan-out/room-fan-out.ts),
 * issued on the connection that also carries the dedup settle, so with one Redis both leave in
 * one write (under a Cluster they may go to two nodes).
 *
 * Kafka already has the message, so a Redis failure here must not lose it for the room: it is
 * queued and retried in order (later messages wait behind it) until Redis takes it. The step
 * is atomic, so a retry repeats nothing, unless the reply alone was lost: then the room gets
 * the message twice under one id, which clients keep once. The queue is bounded; what falls
 * off it is still in PostgreSQL for history and catch-up.
 *
 * The sender's ack waits for the publish at most `maxWaitMs`: a Redis Cluster client holds
 * commands while every node is down instead of failing them, and Kafka has the message already
 * (G1); the publish goes on, in order, and joins the queue if it fails.
 */
export function createBroadcast(deps: {
  publish: (message: ChatMessage) => Promise<unknown>;
  /** Whether the publishing connection is up; while it is not, messages go to the queue. */
  connected: () => boolean;
  metrics: GatewayMetrics;
  logger: Logger;
  maxQueued: number;
  retry: { initialMs: number; maxMs: number };
  maxWaitMs: number;
}): { broadcast: Broadcast; readonly queued: number; stop(): void } {
  const queue: ChatMessage[] = [];
  let draining = false;
  let stopped = false;
  // Acks waiting on a publish are let go together, not by a timer each: a send waits for the
  // second tick from now at the latest (between half and all of maxWaitMs).
  const tick = () => {
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    return { promise, resolve };
  };
  let current = tick();
  let following = tick();
  const ticks = setInterval(() => {
    current.resolve();
    current = following;
    following = tick();
  }, deps.maxWaitMs / 2);
  ticks.unref();

  async function drain() {
    for (let attempt = 1; queue.length > 0 && !stopped; ) {
      try {
        await deps.publish(queue[0]!);
        queue.shift();
        attempt = 1;
      } catch (err) {
        if (attempt === 1)
          deps.logger.warn({ err, queued: queue.length }, 'broadcast failed; retrying in order');
        await sleep(backoffDelay(attempt++, deps.retry));
      }
    }
  }

  const enqueue = (message: ChatMessage) => {
    if (queue.length >= deps.maxQueued) {
      const dropped = queue.shift();
      deps.metrics.broadcastsDropped.inc();
      deps.logger.error(
        { id: dropped?.id, room: dropped?.room },
        'broadcast queue full: oldest left to history',
      );
    }
    queue.push(message);
    if (draining) return;
    draining = true;
    void drain().finally(() => {
      draining = false;
    });
  };

  return {
    async broadcast(message) {
      // Behind a queue, a message waits its turn: a room's order holds.
      if (queue.length > 0 || !deps.connected()) return enqueue(message);
      const published = deps.publish(message).then(
        () => {},
        () => enqueue(message),
      );
      await Promise.race([published, following.promise]);
    },
    get queued() {
      return queue.length;
    },
    stop() {
      stopped = true;
      clearInterval(ticks);
    },
  };
}
