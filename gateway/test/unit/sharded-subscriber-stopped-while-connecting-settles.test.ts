import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import net from 'node:net';
import { after, test } from 'node:test';
import { settleShardedSubscriberStartsOnStop } from '../../src/sharded-subscriber-fix.ts';

type ShardedSubscriber = { start(): Promise<void>; stop(): void };
const { default: ShardedSubscriberClass } = createRequire(import.meta.url)(
  'ioredis/built/cluster/ShardedSubscriber.js',
) as { default: new (emitter: EventEmitter, options: object, redisOptions: object) => ShardedSubscriber };

// A port that accepts connections and never answers: the subscriber stays connecting.
const server = net.createServer(() => {});
after(() => server.close());

test('a Cluster sharded subscriber stopped while it connects fails its start instead of leaving it pending for ever', {
  // Without the workaround the start never settles: the test would hang until this.
  timeout: 10_000,
}, async () => {
  settleShardedSubscriberStartsOnStop();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const subscriber = new ShardedSubscriberClass(new EventEmitter(), { host: '127.0.0.1', port }, {});
  const started = subscriber.start();
  // One tick: the connection is under way and waits for its outcome (the window ioredis misses).
  await new Promise((resolve) => process.nextTick(resolve));
  subscriber.stop();
  await assert.rejects(started, /stopped while it connected|Connection is closed/);
});
