import { type ChatMessage, ServerEvent } from '@switchboard/protocol';
import { backoffDelay, type Logger, sleep } from '@switchboard/service-kit';
import type { RoomLog } from '../catch-up/room-log.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { GatewayIo } from './socket-types.ts';

/** Resolves once the message is in its room's log and broadcast, or queued to be (never rejects). */
export type Broadcast = (message: ChatMessage) => Promise<void>;

/**
 * Who has a message that waits for Redis: `nowhere` (nothing went out) or `here` (this pod's
 * sockets: the adapter delivers locally even when its stream entry fails).
 */
type Delivered = 'nowhere' | 'here';

/**
 * Sends an accepted message to everyone in its room on every pod: into the room's recent log,
 * then through the adapter (whose stream also serves connection state recovery, G5). Both go
 * over the adapter's connection, which auto-pipelines: issued in one tick, the log entry and
 * the broadcast leave in one write (with the dedup settle issued just before them,
 * send-message.ts), one round trip, and Redis applies them in that order.
 *
 * Kafka already has the message, so a Redis failure here must not lose it for the room: it is
 * queued and retried in order (later messages wait behind it) until Redis takes it, and each
 * retry waits for the log entry before it broadcasts. When the one write fails, the broadcast
 * goes again to the other pods only (this pod's sockets had it from the adapter). Whatever
 * failed the log entry (an error reply such as OOM or READONLY, or a lost connection) most
 * likely failed the broadcast after it too; should it not have, other pods get the message
 * twice under one id, which clients keep once. The queue is bounded; what falls off it is still in PostgreSQL for history and
 * catch-up.
 */
export function createBroadcast(
  io: GatewayIo,
  deps: {
    log: RoomLog;
    /** Whether the adapter's connection is up; while it is not, messages go to the queue. */
    connected: () => boolean;
    metrics: GatewayMetrics;
    logger: Logger;
    maxQueued: number;
    retry: { initialMs: number; maxMs: number };
  },
): { broadcast: Broadcast; readonly queued: number; stop(): void } {
  const queue: { message: ChatMessage; delivered: Delivered }[] = [];
  let draining = false;
  let stopped = false;

  const emit = (message: ChatMessage, delivered: Delivered) => {
    const room = io.to(message.room);
    const here = delivered === 'here' ? io.of('/').adapter.rooms.get(message.room) : undefined;
    (here ? room.except([...here]) : room).emit(ServerEvent.Message, message);
  };

  async function drain() {
    for (let attempt = 1; queue.length > 0 && !stopped; ) {
      const head = queue[0]!;
      try {
        await deps.log.append(head.message);
        emit(head.message, head.delivered);
        queue.shift();
        attempt = 1;
      } catch (err) {
        if (attempt === 1)
          deps.logger.warn({ err, queued: queue.length }, 'broadcast failed; retrying in order');
        await sleep(backoffDelay(attempt++, deps.retry));
      }
    }
  }

  const enqueue = (message: ChatMessage, delivered: Delivered) => {
    if (queue.length >= deps.maxQueued) {
      const dropped = queue.shift()?.message;
      deps.metrics.broadcastsDropped.inc();
      deps.logger.error(
        { id: dropped?.id, room: dropped?.room },
        'broadcast queue full: oldest left to history',
      );
    }
    queue.push({ message, delivered });
    if (draining) return;
    draining = true;
    void drain().finally(() => {
      draining = false;
    });
  };

  return {
    async broadcast(message) {
      // Behind a queue, a message waits its turn: a room's order holds.
      if (queue.length > 0 || !deps.connected()) return enqueue(message, 'nowhere');
      // Both issued before anything is awaited: one write.
      const logged = deps.log.append(message);
      emit(message, 'nowhere');
      try {
        await logged;
      } catch {
        enqueue(message, 'here');
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
