import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ErrorBody } from '@switchboard/protocol';
import type { Socket } from 'socket.io-client';
import { shardTag } from '../src/redis-shard-tags.ts';
import { bystanders, LIMIT_REFUSALS, metricValue } from './support/bystanders.ts';
import { connectClient, eventually } from './support/clients.ts';
import { type GatewayProcess, startGateways, stopGateway } from './support/gateway-processes.ts';

// Two pods sharing Redis, a cap of 3 connections per user, entries that lapse 3 s after a pod dies.
let a: GatewayProcess;
let b: GatewayProcess;
const open: Socket[] = [];

before(async () => {
  [a, b] = (await startGateways(2, { MAX_CONNECTIONS_PER_USER: '3', PRESENCE_TTL_MS: '3000' })) as [
    GatewayProcess,
    GatewayProcess,
  ];
});

after(async () => {
  for (const s of open) s.close();
  await Promise.all([stopGateway(a), stopGateway(b)]);
});

async function connect(url: string, user: string): Promise<Socket | ErrorBody> {
  try {
    const socket = await connectClient(url, { user });
    open.push(socket);
    return socket;
  } catch (err) {
    const data = (err as { data?: ErrorBody }).data;
    assert.ok(data, (err as Error).message);
    return data;
  }
}

function assertRefused(outcome: Socket | ErrorBody): void {
  assert.ok(!('connected' in outcome), 'the connection past the cap was accepted');
  assert.equal(outcome.code, 'RATE_LIMITED', JSON.stringify(outcome));
  assert.match(outcome.message, /connections/);
}

test('a user past the cap is refused on any pod; a closed connection frees its place', async () => {
  const calm = await bystanders(a.url);
  const user = `hoarder-${Date.now().toString(36)}`;
  const first = await connect(a.url, user);
  assert.ok('connected' in first);
  assert.ok('connected' in (await connect(a.url, user)));
  assert.ok('connected' in (await connect(b.url, user)));
  assertRefused(await connect(b.url, user));
  assertRefused(await connect(a.url, user));
  assert.ok((await metricValue(b.opsUrl, LIMIT_REFUSALS, { limit: 'connections' })) >= 1);
  await calm.assertUnaffected();

  first.close();
  await eventually('a place is free again', async () => 'connected' in (await connect(b.url, user)));
});

test("a live pod's connections keep counting past the TTL, for users of one shard and of another", async () => {
  // Two users whose keys share a shard (one refresh script for both), and one of another shard.
  const tag = Date.now().toString(36);
  const first = `keeper-${tag}-0`;
  let second = first;
  for (let i = 1; shardTag(second) !== shardTag(first) || second === first; i++)
    second = `keeper-${tag}-${i}`;
  let third = `keeper-${tag}-x`;
  for (let i = 0; shardTag(third) === shardTag(first); i++) third = `keeper-${tag}-x${i}`;
  for (const user of [first, second, third]) {
    for (let i = 0; i < 3; i++) assert.ok('connected' in (await connect(a.url, user)));
  }

  // Past the 3 s the admissions wrote: only pod a's refreshes keep them.
  await new Promise((resolve) => setTimeout(resolve, 4500));

  for (const user of [first, second, third]) assertRefused(await connect(b.url, user));
});

test("a dead pod's connections stop counting once their entries lapse", async () => {
  const user = `orphan-${Date.now().toString(36)}`;
  for (let i = 0; i < 3; i++) assert.ok('connected' in (await connect(b.url, user)));
  assertRefused(await connect(a.url, user));
  b.child.kill('SIGKILL');
  await b.exited;
  await eventually(
    "the dead pod's entries lapse",
    async () => 'connected' in (await connect(a.url, user)),
    20_000,
  );
});
