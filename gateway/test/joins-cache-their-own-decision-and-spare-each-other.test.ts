import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDatabase, removeMember } from '@switchboard/db';
import { createLogger } from '@switchboard/service-kit';
import { redisClient, serviceEnv } from '@switchboard/stack';
import type { Principal } from '../src/auth/token-verifier.ts';
import { createRoomAccess, type RoomChange } from '../src/rooms/room-access.ts';
import { eventually, uniqueRoom } from './support/clients.ts';

// Two pods' room decisions on the stack's PostgreSQL and Redis, on a channel of their own so the
// stack's gateways neither hear nor disturb them.
const db = createDatabase(serviceEnv().DATABASE_URL);
const channel = `sb:rooms:changes:${uniqueRoom('test')}`;
const connections: ReturnType<typeof redisClient>[] = [];
const pods: ReturnType<typeof createRoomAccess>[] = [];
after(async () => {
  await Promise.all(pods.map((p) => p.stop()));
  for (const c of connections) c.disconnect();
  await db.$disconnect();
});

async function pod(database = db) {
  const [redis, subscriber] = [redisClient(), redisClient()];
  connections.push(redis, subscriber);
  const counts = { hit: 0, miss: 0 };
  const access = createRoomAccess({
    db: database,
    redis,
    subscriber,
    autoCreate: true,
    cacheTtlMs: 60_000,
    logger: createLogger('test', 'silent'),
    metrics: { cacheLookups: { inc: ({ result }) => void counts[result]++ } },
    channel,
  });
  await access.start();
  pods.push(access);
  return { access, counts };
}

const principal = (user: string): Principal => ({
  user,
  rooms: undefined,
  expiresAt: Date.now() + 3_600_000,
});

test('a crowd joining a room that does not exist yet creates it once, the others join it together', async () => {
  let transactions = 0;
  const counted = new Proxy(db, {
    get: (target, name, receiver) =>
      name === '$transaction'
        ? (...args: Parameters<typeof db.$transaction>) => {
            transactions++;
            return (target.$transaction as (...a: typeof args) => unknown)(...args);
          }
        : Reflect.get(target, name, receiver),
  });
  const { access } = await pod(counted);
  const room = uniqueRoom('new-crowd');
  const crowd = Array.from({ length: 40 }, (_, i) => `newcomer-${i}`);

  const joined = await Promise.all(crowd.map((user) => access.join(principal(user), room)));

  assert.equal(joined.filter((j) => j.created).length, 1);
  assert.deepEqual(
    joined.map((j) => j.role).sort(),
    ['owner', ...Array.from({ length: 39 }, () => 'member')].sort(),
  );
  assert.equal(transactions, 1, 'each joiner created the room in a transaction of its own');
});

test("a crowd joining one room at once: each member's first send is decided from the cache", async () => {
  const { access, counts } = await pod();
  const room = uniqueRoom('crowd');
  await access.join(principal('owner'), room);
  const crowd = Array.from({ length: 50 }, (_, i) => `crowd-${i}`);

  // Each join of a new member is a change of its own; none of them may void the others' answers.
  const joined = await Promise.all(crowd.map((user) => access.join(principal(user), room)));
  assert.ok(joined.every((j) => j.role === 'member'));
  const missesAfterJoins = counts.miss;
  await Promise.all(crowd.map((user) => access.assertCanSend(principal(user), room)));

  assert.equal(counts.miss, missesAfterJoins, 'a send after a join asked PostgreSQL');
});

test('a member removed on another pod is refused here within a second, whatever this pod cached (G8)', async () => {
  const [here, there] = [await pod(), await pod()];
  const room = uniqueRoom('removal');
  await here.access.join(principal('owner'), room);
  await here.access.join(principal('rita'), room);
  await here.access.assertCanSend(principal('rita'), room);

  // While rita's send decisions on this pod are being asked for (some may be in flight when the
  // change arrives), she is removed on the other pod.
  const asking = Array.from({ length: 20 }, () => here.access.role(room, 'rita'));
  assert.equal((await removeMember(db, { room, user: 'rita' })).outcome, 'removed');
  await there.access.changed({ kind: 'member-removed', room, user: 'rita' });
  await Promise.all(asking);

  const started = Date.now();
  await eventually(
    'rita is refused on this pod',
    () => here.access.role(room, 'rita').then((r) => r === undefined),
    1000,
  );
  assert.ok(Date.now() - started <= 1000);
  // And stays refused: no answer read before the removal was cached after it.
  await assert.rejects(here.access.assertCanSend(principal('rita'), room), { code: 'FORBIDDEN' });
  await assert.rejects(here.access.assertCanSend(principal('rita'), room), { code: 'FORBIDDEN' });
});

test("a join on one pod does not void the other pod's cached decisions of other members", async () => {
  const [here, there] = [await pod(), await pod()];
  const heard: RoomChange[] = [];
  there.access.onChange((change) => heard.push(change));
  const heardJoinOf = (user: string) =>
    eventually(`the other pod heard ${user} join`, () =>
      heard.some((c) => c.kind === 'member-changed' && c.user === user),
    );
  const room = uniqueRoom('spare');
  await here.access.join(principal('owner'), room);
  await here.access.join(principal('ann'), room);
  // Changes arrive in the order they were published: the room's creation has been heard too.
  await heardJoinOf('ann');
  await there.access.assertCanSend(principal('ann'), room);
  const before = there.counts.miss;

  await here.access.join(principal('bob'), room);
  await heardJoinOf('bob');
  await there.access.assertCanSend(principal('ann'), room);

  assert.equal(there.counts.miss, before, "ann's decision was dropped by bob's join");
});

test('a crowd joining at once is announced in few messages, and the other pod drops each refusal it cached', async () => {
  const [here, there] = [await pod(), await pod()];
  const listener = redisClient();
  connections.push(listener);
  let messages = 0;
  listener.on('message', () => messages++);
  await listener.subscribe(channel);
  const room = uniqueRoom('announced');
  await here.access.join(principal('owner'), room);
  const crowd = Array.from({ length: 30 }, (_, i) => `announced-${i}`);
  // Not members yet: the other pod caches their refusals.
  for (const user of crowd) {
    await assert.rejects(there.access.assertCanSend(principal(user), room), { code: 'FORBIDDEN' });
  }
  messages = 0;

  await Promise.all(crowd.map((user) => here.access.join(principal(user), room)));

  await eventually('the other pod lets every new member send', async () => {
    const sends = await Promise.allSettled(
      crowd.map((user) => there.access.assertCanSend(principal(user), room)),
    );
    return sends.every((s) => s.status === 'fulfilled');
  });
  assert.ok(messages < crowd.length / 2, `${messages} messages for ${crowd.length} joins`);
});
