import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ServerEvent } from '@switchboard/protocol';
import { HOST, ports, redisClient } from '@switchboard/stack';
import { Cluster } from 'ioredis';
import { eventually, joinedClients, record, uniqueRoom } from './support/clients.ts';
import { steadyTalk } from './support/steady-talk.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const joined = joinedClients();
const redis = redisClient();
after(() => redis.quit());

/**
 * Pub/sub drops what a pod does not hear. When a pod's subscriptions are cut while a room
 * talks, it notices the gap (each message names the log entry before it) or resubscribes, and
 * reads what it missed from the room's log: its members still get every message once, in order.
 */
test('subscriptions cut while a room talks: members still get every message once, in order', async () => {
  const room = uniqueRoom('cut');
  const sender = await joined(gatewayA, 'quin', room);
  const member = await joined(gatewayB, 'rae', room);
  const seen = record<ChatMessage>(member, ServerEvent.Message);
  const talk = steadyTalk(sender, room, 'c');
  const { acked } = talk;
  for (let cut = 0; cut < 3; cut++) {
    await eventually('messages flow', () => acked.length >= (cut + 1) * 10);
    // Every subscriber connection of every pod (room changes and fan-out) is dropped.
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    await Promise.all(nodes.map((node) => node.call('CLIENT', 'KILL', 'TYPE', 'pubsub')));
  }
  await eventually('more messages after the last cut', () => acked.length >= 50);
  await talk.stop();
  await eventually('the member has every acknowledged message', () =>
    acked.every((id) => seen.some((m) => m.id === id)),
  );
  const ids = seen.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, 'a message arrived twice');
  assert.deepEqual(ids, acked, 'the member saw another order (or more) than the sender was acked');
});
