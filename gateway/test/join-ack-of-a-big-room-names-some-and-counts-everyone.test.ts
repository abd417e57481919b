import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueRoom } from './support/clients.ts';
import { presencePods, socketOf } from './support/presence-pods.ts';

// Two pods' presence on the stack's Redis.
const presencePod = presencePods();
const pod = (ackMaxUsers: number) => presencePod({ ackMaxUsers }).presence;
const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('a room on one pod beyond the cap: the ack names the cap, counts everyone, says partial', async () => {
  const presence = pod(20);
  const room = uniqueRoom('ack-one-pod');
  const everyone = users('u', 150);
  for (const user of everyone) await presence.joined(socketOf(user), room);

  const ack = await presence.listOnline(room);

  assert.equal(ack.onlineCount, 150);
  assert.equal(ack.partial, true);
  assert.equal(ack.presence.length, 20);
  assert.deepEqual(ack.presence, [...ack.presence].sort());
  assert.ok(ack.presence.every((user) => everyone.includes(user)));
});

test('a room on two pods: a user connected through both counts once', async () => {
  const [a, b] = [pod(20), pod(20)];
  const room = uniqueRoom('ack-two-pods');
  for (const user of users('a', 60)) await a.joined(socketOf(user), room);
  // b-0 .. b-29, and a-0 .. a-9 again: 90 users in all.
  for (const user of [...users('b', 30), ...users('a', 10)]) await b.joined(socketOf(user), room);

  const [fromA, fromB] = [await a.listOnline(room), await b.listOnline(room)];

  for (const ack of [fromA, fromB]) {
    assert.equal(ack.onlineCount, 90);
    assert.equal(ack.partial, true);
    assert.equal(new Set(ack.presence).size, 20);
  }
});

test('a room within the cap is listed whole, without partial', async () => {
  const [a, b] = [pod(20), pod(20)];
  const room = uniqueRoom('ack-small');
  await a.joined(socketOf('ann'), room);
  await b.joined(socketOf('bob'), room);
  await b.joined(socketOf('ann'), room);

  assert.deepEqual(await a.listOnline(room), { presence: ['ann', 'bob'], onlineCount: 2 });
});
