import type { Logger } from '@switchboard/service-kit';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './config.ts';
import type { GatewayMetrics } from './metrics.ts';
import { settleShardedSubscriberStartsOnStop } from './sharded-subscriber-fix.ts';

/**
 * One Redis or a Redis Cluster: both speak the commands the gateway uses. Under a Cluster every
 * script and MULTI touches keys of one slot (hash tags: `{room}` for a room's keys,
 * redis-shard-tags.ts for a sender's).
 */
export type RedisClient = Redis | Cluster;

export type RedisConnections = {
  /**
   * The Socket.IO adapter's connection (it duplicates it for its blocking XREAD); after Kafka's
   * ack also the dedup settle and the room's fan-out publish, which share the broadcast's write.
   */
  adapter: RedisClient;
  /** Rate limits, dedup entries, presence, room change publishes: with a command timeout. */
  commands: RedisClient;
  /** Subscriber mode: room changes from every pod. */
  subscriber: RedisClient;
  /**
   * Sharded subscriber mode: the fan-out channels of the rooms this pod has members in. Under a
   * Cluster one connection per primary, each subscribing to the channels of its slots.
   */
  fanSubscriber: RedisClient;
  quit(): Promise<void>;
};

/**
 * Four connections: subscribers for room changes and for the rooms' fan-out channels; the
 * adapter's cannot have a command timeout (its blocking read would trip it), while the
 * gateway's own commands need one, so an unresponsive Redis fails a send with UNAVAILABLE
 * instead of leaving it without an ack. Auto-pipelining: commands issued in one tick share one
 * write per node, in the order they were issued (a MULTI or an explicit pipeline would be
 * written on its own, ahead of them).
 */
export function connectRedis(
  target: RedisTarget,
  deps: { metrics: GatewayMetrics; logger: Logger },
): RedisConnections {
  const common = { maxRetriesPerRequest: 2, connectTimeout: 2000, enableAutoPipelining: true };
  const connect = clientFactory(target, common);
  const adapter = connect({});
  const commands = connect({ commandTimeout: 1000 });
  const subscriber = connect({});
  const fanSubscriber = connect({}, { shardedSubscribers: true });
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
  fanSubscriber.on('error', onError);
  return {
    adapter,
    commands,
    subscriber,
    fanSubscriber,
    async quit() {
      await Promise.allSettled([adapter.quit(), commands.quit(), subscriber.quit(), fanSubscriber.quit()]);
    },
  };
}

type Common = Pick<RedisOptions, 'maxRetriesPerRequest' | 'connectTimeout' | 'enableAutoPipelining'>;

/** Builds the connections of one target: `Redis` for a URL, `Cluster` for seed nodes. */
function clientFactory(
  target: RedisTarget,
  common: Common,
): (
  extra: Pick<RedisOptions, 'commandTimeout'>,
  cluster?: Pick<ClusterOptions, 'shardedSubscribers'>,
) => RedisClient {
  const nodes = target.REDIS_CLUSTER_NODES;
  if (nodes.length === 0) {
    const url = target.REDIS_URL;
    if (!url) throw new Error('REDIS_URL or REDIS_CLUSTER_NODES is required');
    return (extra) => new Redis(url, { ...common, ...extra });
  }
  // No auto-pipelining on a Cluster: ioredis follows a MOVED redirect (slots moved, a node
  // re-created) for a lone command, but hands it to the caller from a pipeline that mixes
  // commands, so the first claim after a reshuffle would fail UNAVAILABLE.
  const { enableAutoPipelining: _, ...perNode } = common;
  // Else a whole-cluster restart can leave the fan-out subscriber without subscribers for good.
  settleShardedSubscriberStartsOnStop();
  return (extra, cluster) => {
    const client = new Cluster(nodes, {
      enableAutoPipelining: false,
      redisOptions: {
        ...perNode,
        ...extra,
        username: target.REDIS_USERNAME,
        password: target.REDIS_PASSWORD,
        tls: target.REDIS_TLS ? {} : undefined,
      },
      ...cluster,
    });
    if (extra.commandTimeout !== undefined) timeCommandsFromIssue(client, extra.commandTimeout);
    return client;
  };
}

/**
 * One Redis times a command from when it is issued, queued for a reconnect or not; a Cluster
 * hands `commandTimeout` to the node that gets the command, so one issued while no node is
 * reachable (the whole cluster down) would wait in the Cluster's queue for ever and a send would
 * never be answered. Here every command has one deadline from the moment it is issued, kept
 * across the Cluster's own retries, and a command the Cluster sends again after it (from its
 * queue once a node is back; a failed pipeline re-arms its commands before it gives up) is
 * dropped: its caller was told UNAVAILABLE, so it must not take effect later (a dedup claim
 * nobody produces, holding the clientMsgId for its lease; a stale presence entry).
 */
function timeCommandsFromIssue(client: Cluster, ms: number): void {
  const send = client.sendCommand.bind(client);
  const deadlines = new WeakMap<object, number>();
  client.sendCommand = (command, stream, node) => {
    const now = Date.now();
    const deadline = deadlines.get(command) ?? now + ms;
    deadlines.set(command, deadline);
    if (now >= deadline) {
      command.promise.catch(() => {});
      command.reject(new Error('Command timed out'));
      return command.promise;
    }
    // Starts a timer unless one runs (a retry keeps the first deadline).
    command.setTimeout(deadline - now);
    return send(command, stream, node);
  };
}

/** Readiness: both connections up and Redis answering within the command timeout. */
export async function redisReady(redis: RedisConnections) {
  if (redis.adapter.status !== 'ready') return { ok: false, detail: `adapter: ${redis.adapter.status}` };
  if (redis.commands.status !== 'ready') return { ok: false, detail: redis.commands.status };
  await redis.commands.ping();
  return { ok: true };
}
