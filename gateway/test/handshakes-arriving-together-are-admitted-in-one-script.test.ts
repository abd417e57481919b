import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SwitchboardError } from '@switchboard/protocol';
import { redisClient } from '@switchboard/stack';
import { createBudgets } from '../src/limits/budget.ts';
import { createConnectionCap } from '../src/limits/connection-cap.ts';
import type { RedisClient } from '../src/redis-connections.ts';
import { shardTag } from '../src/redis-shard-tags.ts';
import { uniqueRoom } from './support/clients.ts';
import { recorded } from './support/presence-pods.ts';

// The connection cap on the stack's Redis (one node, or the Cluster of `make test-redis-cluster`),
// its admission script recorded as it is called.
const connections: ReturnType<typeof redisClient>[] = [];
after(() => {
  for (const c of connections) c.disconnect();
});

function cap(options: { max: number; handshakeBurst: number }) {
  const redis = redisClient();
  connections.push(redis);
  const budget = createBudgets(redis as RedisClient, { onRefused: () => {} });
  const handshakes = budget('handshake_user', {
    what: 'connection attempts for this user',
    burst: options.handshakeBurst,
    perSecond: 1,
  });
  const connectionCap = createConnectionCap(redis as RedisClient, {
    max: options.max,
    ttlMs: 30_000,
    onRefused: () => {},
    onStoreError: (err) => assert.fail(`Redis failed: ${String(err)}`),
  });
  const scripts = recorded(redis, 'sbConnAdmit');
  const admit = (user: string, id: string) =>
    connectionCap.admit(user, id, handshakes.bucket(user)).then(
      () => 'admitted',
      (err: unknown) => (err instanceof SwitchboardError ? err.message : String(err)),
    );
  return { connectionCap, admit, scripts, redis };
}

/** Connections per script: each one takes two keys (its user's set and handshake bucket). */
const perScript = (scripts: unknown[][]) => scripts.map((args) => (args[0] as number) / 2);

/** The users named in a script's keys (`sb:conns:{tag}:user`). */
function usersOf(args: unknown[]): string[] {
  const keys = args.slice(1, 1 + (args[0] as number)) as string[];
  return keys.filter((k) => k.startsWith('sb:conns:')).map((k) => k.split(':').slice(3).join(':'));
}

test('the handshakes of one event-loop turn go in one script, each answered for itself', async () => {
  const { admit, scripts, redis } = cap({ max: 3, handshakeBurst: 100 });
  const tag = uniqueRoom('crowd');
  const hoarder = `${tag}-hoarder`;
  const others = Array.from({ length: 6 }, (_, i) => `${tag}-u${i}`);

  const first = admit(`${tag}-first`, `${tag}-c0`);
  // The first goes alone at the end of its turn; the crowd, asked for in the next turn, together.
  await new Promise((resolve) => setImmediate(resolve));
  // 5 connections of one user past a cap of 3, between 6 users' one each.
  const crowd = [
    ...others.slice(0, 3).map((user, i) => ({ user, id: `${tag}-o${i}` })),
    ...Array.from({ length: 5 }, (_, i) => ({ user: hoarder, id: `${tag}-h${i}` })),
    ...others.slice(3).map((user, i) => ({ user, id: `${tag}-o${i + 3}` })),
  ];
  const answers = await Promise.all([first, ...crowd.map(({ user, id }) => admit(user, id))]);

  assert.equal(answers[0], 'admitted');
  const byUser = new Map<string, string[]>();
  for (const [i, { user }] of crowd.entries())
    byUser.set(user, [...(byUser.get(user) ?? []), answers[i + 1]!]);
  for (const user of others) assert.deepEqual(byUser.get(user), ['admitted'], user);
  assert.deepEqual(byUser.get(hoarder)?.slice(0, 3), ['admitted', 'admitted', 'admitted']);
  for (const refusal of byUser.get(hoarder)?.slice(3) ?? []) assert.match(refusal, /3 open connections/);
  // Redis counts what was admitted, not what was asked.
  assert.equal(await redis.zcard(`sb:conns:${shardTag(hoarder)}:${hoarder}`), 3);

  if (redis.isCluster) {
    // A script's keys share one slot: a script per shard of users, the hoarder's 5 in one.
    for (const args of scripts) assert.equal(new Set(usersOf(args).map(shardTag)).size, 1);
    assert.ok(perScript(scripts).includes(5), `connections per script: ${perScript(scripts)}`);
  } else {
    assert.deepEqual(perScript(scripts), [1, crowd.length], 'connections per script');
  }
});

test("a batch spends each user's handshake budget in turn: the connections past it wait, the others go in", async () => {
  const { admit, scripts, redis } = cap({ max: 10, handshakeBurst: 2 });
  const tag = uniqueRoom('eager');
  const eager = `${tag}-eager`;
  const calm = `${tag}-calm`;

  const answers = await Promise.all([
    ...Array.from({ length: 4 }, (_, i) => admit(eager, `${tag}-e${i}`)),
    admit(calm, `${tag}-c0`),
  ]);

  assert.deepEqual(answers.slice(0, 2), ['admitted', 'admitted']);
  for (const refusal of answers.slice(2, 4)) assert.match(refusal, /too many connection attempts/);
  assert.equal(answers[4], 'admitted');
  // A connection refused for its budget is not counted.
  assert.equal(await redis.zcard(`sb:conns:${shardTag(eager)}:${eager}`), 2);
  if (!redis.isCluster) assert.deepEqual(perScript(scripts), [5], 'asked in one tick: one script');
});

test('the closes of one turn are released in one script, each freeing its own place', async () => {
  const { connectionCap, admit, redis } = cap({ max: 2, handshakeBurst: 100 });
  const releases = recorded(redis, 'sbConnRelease');
  const tag = uniqueRoom('release');
  const users = [`${tag}-a`, `${tag}-b`, `${tag}-c`];
  for (const user of users) {
    assert.deepEqual(await Promise.all([admit(user, `${user}-1`), admit(user, `${user}-2`)]), [
      'admitted',
      'admitted',
    ]);
    assert.match(await admit(user, `${user}-3`), /2 open connections/);
  }

  // Each user closes one connection, all in one tick.
  await Promise.all(users.map((user) => connectionCap.release(user, `${user}-1`)));

  if (!redis.isCluster)
    assert.deepEqual(
      releases.map((args) => args[0]),
      [3],
      'connections per script',
    );
  for (const user of users) {
    assert.deepEqual(await redis.zrange(`sb:conns:${shardTag(user)}:${user}`, '0', '-1'), [`${user}-2`]);
    assert.equal(await admit(user, `${user}-3`), 'admitted');
  }
});
