import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '@switchboard/protocol';
import { createLogger } from '@switchboard/service-kit';
import type { GatewayMetrics } from '../../src/metrics.ts';
import { createBroadcast } from '../../src/sockets/broadcast.ts';

const message = (id: string): ChatMessage => ({
  id,
  room: 'r',
  sender: 's',
  body: id,
  ts: 1,
  clientMsgId: id,
});

/** Publishes recorded in order; `refuse` makes the next publishes fail. */
function harness(options: { connected?: () => boolean; maxQueued?: number } = {}) {
  const published: string[] = [];
  const failures: unknown[] = [];
  let dropped = 0;
  const delivery = createBroadcast({
    publish: async (m) => {
      const failure = failures.shift();
      if (failure) throw failure;
      published.push(m.id);
    },
    connected: options.connected ?? (() => true),
    metrics: { broadcastsDropped: { inc: () => dropped++ } } as unknown as GatewayMetrics,
    logger: createLogger('test', 'silent'),
    maxQueued: options.maxQueued ?? 100,
    retry: { initialMs: 1, maxMs: 1 },
    maxWaitMs: 50,
  });
  return {
    published,
    refuse: (...errors: unknown[]) => failures.push(...errors),
    delivery,
    dropped: () => dropped,
  };
}

async function drained(delivery: { queued: number }) {
  while (delivery.queued > 0) await new Promise((resolve) => setTimeout(resolve, 1));
}

test('a refused publish is retried, and the messages after it wait behind it', async () => {
  const { published, refuse, delivery } = harness();
  refuse(new Error('OOM command not allowed'), new Error('Connection is closed.'));
  await delivery.broadcast(message('m1'));
  await delivery.broadcast(message('m2'));
  await delivery.broadcast(message('m3'));
  assert.ok(delivery.queued > 0, 'm1 waits for Redis, m2 and m3 behind it');
  await drained(delivery);
  assert.deepEqual(published, ['m1', 'm2', 'm3']);
});

test('while the connection is down nothing is tried out of turn', async () => {
  let up = false;
  const { published, delivery } = harness({ connected: () => up });
  await delivery.broadcast(message('m1'));
  up = true;
  await delivery.broadcast(message('m2'));
  await drained(delivery);
  assert.deepEqual(published, ['m1', 'm2']);
});

test('the queue is bounded: past it the oldest is left to history', async () => {
  const { published, refuse, delivery, dropped } = harness({ maxQueued: 2 });
  refuse(...Array.from({ length: 10 }, () => new Error('Connection is closed.')));
  for (const id of ['m1', 'm2', 'm3']) await delivery.broadcast(message(id));
  assert.equal(delivery.queued, 2);
  assert.equal(dropped(), 1);
  delivery.stop();
  assert.deepEqual(published, []);
});

test('the ack waits for a publish that hangs only so long; the publish goes on', async () => {
  let finish: () => void = () => {};
  const delivery = createBroadcast({
    publish: () => new Promise<void>((resolve) => (finish = resolve)),
    connected: () => true,
    metrics: { broadcastsDropped: { inc() {} } } as unknown as GatewayMetrics,
    logger: createLogger('test', 'silent'),
    maxQueued: 10,
    retry: { initialMs: 1, maxMs: 1 },
    maxWaitMs: 50,
  });
  await delivery.broadcast(message('m1'));
  assert.equal(delivery.queued, 0, 'not queued: still on its way');
  finish();
  delivery.stop();
});
