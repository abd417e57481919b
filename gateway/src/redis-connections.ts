import type { Logger } from '@switchboard/service-kit';
import { Redis } from 'ioredis';
import type { GatewayMetrics } from './metrics.ts';

export type RedisConnections = {
  /**
   * The Socket.IO adapter's connection (it duplicates it for its blocking XREAD); after Kafka's
   * ack also the dedup settle and the room log entry, which share the broadcast's write.
   */
  adapter: Redis;
  /** Rate limits, dedup entries, presence, room change publishes: with a command timeout. */
  commands: Redis;
  /** Subscriber mode: room changes from every pod. */
  subscriber: Redis;
  quit(): Promise<void>;
};

/**
 * Three connections: a subscriber for room changes; the adapter's cannot have a command timeout (its blocking read would trip
 * it), while the gateway's own commands need one, so an unresponsive Redis fails a send with
 * UNAVAILABLE instead of leaving it without an ack. Auto-pipelining: commands issued in one
 * tick share one write, in the order they were issued (a MULTI or an explicit pipeline would
 * be written on its own, ahead of them).
 */
export function connectRedis(
  url: string,
  deps: { metrics: GatewayMetrics; logger: Logger },
): RedisConnections {
  const common = { maxRetriesPerRequest: 2, connectTimeout: 2000, enableAutoPipelining: true };
  const adapter = new Redis(url, common);
  const commands = new Redis(url, { ...common, commandTimeout: 1000 });
  const subscriber = new Redis(url, common);
  let lastLogged = 0;
  const onError = (err: Error) => {
    deps.metrics.adapterErrors.inc();
    // A Redis outage errors every few milliseconds: one line per 5 s is enough.
    if (Date.now() - lastLogged > 5000) deps.logger.warn({ err }, 'redis error');
    lastLogged = Date.now();
  };
  adapter.on('error', onError);
  commands.on('error', onError);
  subscriber.on('error', onError);
  return {
    adapter,
    commands,
    subscriber,
    async quit() {
      await Promise.allSettled([adapter.quit(), commands.quit(), subscriber.quit()]);
    },
  };
}

/** Readiness: both connections up and Redis answering within the command timeout. */
export async function redisReady(redis: RedisConnections) {
  if (redis.adapter.status !== 'ready') return { ok: false, detail: `adapter: ${redis.adapter.status}` };
  if (redis.commands.status !== 'ready') return { ok: false, detail: redis.commands.status };
  await redis.commands.ping();
  return { ok: true };
}
