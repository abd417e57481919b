import { type ChatMessage, ServerEvent } from '@switchboard/protocol';
import { backoffDelay, type Logger, sleep } from '@switchboard/service-kit';
import type { RoomLog } from '../catch-up/room-log.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { GatewayIo } from './socket-types.ts';

/** Resolves once the message is in its room's log and broadcast, or queued to be (never rejects). */
export type Broadcast = (message: ChatMessage) => Promise<void>;

/**
 * Sends an accepted message to everyone in its room on every pod: first into the room's recent
 * log, then through the adapter (whose stream also serves connection state recovery, G5). Both
 * go over the adapter's connection, so Redis applies them in that order.
 *
 * Kafka already has the message, so a Redis failure here must not lose it for the room: it is
 * queued and retried in order (later messages wait behind it) until Redis takes it. The queue is
 * bounded; what falls off it is still in PostgreSQL for history and catch-up.
 */
export function createBroadcast(
  io: GatewayIo,
  deps: {
    log: RoomLog;
    metrics: GatewayMetrics;
    logger: Logger;
    maxQueued: number;
    retry: { initialMs: number; maxMs: number };
  },
): { broadcast: Broadcast; readonly queued: number; stop(): void } {
  const queue: ChatMessage[] = [];
  let draining = false;
  let stopped = false;

  const deliver = async (message: ChatMessage) => {
    await deps.log.append(message);
    io.to(message.room).emit(ServerEvent.Message, message);
  };

  async function drain() {
    for (let attempt = 1; queue.length > 0 && !stopped; ) {
      try {
        await deliver(queue[0]!);
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
      if (queue.length > 0) return enqueue(message);
      try {
        await deliver(message);
      } catch {
        enqueue(message);
      }
    },
    get queued() {
      return queue.length;
    },
    stop() {
      stopped = true;
    },
  };
}
