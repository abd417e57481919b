import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createLogger } from '@switchboard/service-kit';
import { redisClient } from '@switchboard/stack';
import { Registry } from 'prom-client';
import { createGatewayMetrics } from '../src/metrics.ts';
import { createPresence } from '../src/sockets/presence.ts';
import type { GatewaySocket } from '../src/sockets/socket-types.ts';
import { uniqueRoom } from './support/clients.ts';

// Presence on the stack's Redis, its scripts counted as they are called; the sockets are
// stand-ins that carry a user (the presence records only that).
const connections: ReturnType<typeof redisClient>[] = [];
const pods: ReturnType<typeof createPresence>[] = [];
after(async () => {
  await Promise.all(pods.map((p) => p.stop()));
  for (const c of connections) c.disconnect();
});

function pod() {
  const redis = redisClient();
  connections.push(redis);
  const presence = createPresence({
    redis,
    metrics: createGatewayMetrics(new Registry()),
    logger: createLogger('test', 'silent'),
    ttlMs: 30_000,
    announce: async () => {},
  });
  pods.push(presence);
  const scripts = redis as unknown as { sbPresenceJoined: (...args: unknown[]) => Promise<unknown> };
  const run = scripts.sbPresenceJoined.bind(redis);
  const joinScripts: unknown[][] = [];
  scripts.sbPresenceJoined = (...args) => {
    joinScripts.push(args);
    return run(...args);
  };
  return { presence, joinScripts };
}

const socketOf = (user: string) => ({ data: { user } }) as unknown as GatewaySocket;

test("a crowd's first joins of a room go to Redis in one script per batch, each ack naming its joiner", async () => {
  const { presence, joinScripts } = pod();
  const room = uniqueRoom('presence-crowd');
  const crowd = Array.from({ length: 40 }, (_, i) => `crowd-${i}`);

  // The first goes once the tick is over; the 39 that come while it runs go in the next one.
  const firstAck = presence.joined(socketOf(crowd[0]!), room);
  await new Promise((resolve) => setImmediate(resolve));
  const acks = [await firstAck];
  acks.push(...(await Promise.all(crowd.slice(1).map((user) => presence.joined(socketOf(user), room)))));

  assert.deepEqual(
    joinScripts.map((args) => args.length - 7),
    [1, 39],
    'users per script',
  );
  for (const [i, user] of crowd.entries())
    assert.ok(acks[i]?.presence.includes(user), `${user}'s ack names it`);
  assert.equal(acks.at(-1)?.onlineCount, 40);
  assert.equal((await presence.listOnline(room)).onlineCount, 40);
});

test("a user's joins and leaves made while a batch waits reach Redis in their order", async () => {
  const [{ presence: a }, { presence: b }] = [pod(), pod()];
  const room = uniqueRoom('presence-order');
  // Something running, so what follows waits for the next batch.
  const first = a.joined(socketOf('runner'), room);
  const rejoined = socketOf('rita');
  const gone = socketOf('gus');

  const steps = [
    a.joined(rejoined, room),
    a.left(rejoined, room),
    a.joined(rejoined, room),
    a.joined(gone, room),
    a.left(gone, room),
  ];
  await Promise.all([first, ...steps]);

  // Read from the other pod: what Redis holds, not what pod a counts in memory.
  assert.deepEqual((await b.listOnline(room)).presence, ['rita', 'runner']);
});

test("the room's last user on a pod leaving while another's first join waits leaves the other listed", async () => {
  const [{ presence: a }, { presence: b }] = [pod(), pod()];
  const room = uniqueRoom('presence-last');
  const ann = socketOf('ann');

  // Ann's leave empties the room here and waits for her join; Carl's join comes meanwhile.
  await Promise.all([a.joined(ann, room), a.left(ann, room), a.joined(socketOf('carl'), room)]);

  assert.deepEqual((await b.listOnline(room)).presence, ['carl']);
});
