import { createRequire } from 'node:module';

type ShardedSubscriber = { start(): Promise<void>; stop(): void };

// ioredis' internal class of one primary's sharded subscription connection (not exported).
const { default: ShardedSubscriberClass } = createRequire(import.meta.url)(
  'ioredis/built/cluster/ShardedSubscriber.js',
) as { default: { prototype: ShardedSubscriber & { sbSettlesOnStop?: true } } };

/**
 * A workaround for ioredis 6.0.0. A Cluster's sharded subscriber stopped while it connects (its
 * node went away: every primary at once when the whole cluster restarts) keeps its connect
 * promise pending for ever: `stop()` removes the instance's listeners, the one that would have
 * rejected it among them. The subscriber group awaits every start before it resets again, so
 * from then on no `SSUBSCRIBE` of that client finds a subscriber ("No sharded subscriber for
 * slot") and rooms stop hearing their fan-out channels. Here a start also fails when its
 * subscriber is stopped; the group then refreshes the slots and builds new subscribers, as it
 * does after any failed start. Idempotent; remove once ioredis settles the start itself
 * (gateway/test/unit/sharded-subscriber-stopped-while-connecting-settles shows whether it does).
 */
export function settleShardedSubscriberStartsOnStop(): void {
  const proto = ShardedSubscriberClass.prototype;
  if (proto.sbSettlesOnStop) return;
  const { start, stop } = proto;
  const waiting = new WeakMap<ShardedSubscriber, Set<(err: Error) => void>>();
  proto.start = function (this: ShardedSubscriber) {
    return new Promise<void>((resolve, reject) => {
      const rejecters = waiting.get(this) ?? new Set();
      waiting.set(this, rejecters);
      rejecters.add(reject);
      start
        .call(this)
        .then(resolve, reject)
        .finally(() => rejecters.delete(reject));
    });
  };
  proto.stop = function (this: ShardedSubscriber) {
    stop.call(this);
    const rejecters = waiting.get(this);
    waiting.delete(this);
    for (const reject of rejecters ?? [])
      reject(new Error('the sharded subscriber was stopped while it connected'));
  };
  proto.sbSettlesOnStop = true;
}
