import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDatabase, storedMessageOf } from '@switchboard/db';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import {
  canConnect,
  HOST,
  httpOk,
  kill,
  ports,
  redisListenPorts,
  serviceByName,
  serviceEnv,
  startService,
} from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const db = createDatabase(serviceEnv().DATABASE_URL, { poolMax: 1 });
const sockets: Socket[] = [];
let late: GatewayProcess | undefined;
after(async () => {
  for (const s of sockets) s.close();
  if (late) await stopGateway(late);
  await startService(serviceByName('redis'));
  await db.$disconnect();
});

test('after Redis lost every key, retries of acknowledged messages get their first id and no second delivery, also through a gateway started after the loss (G3)', async () => {
  const room = uniqueRoom('redis-lost');
  const sender = await connectClient(
    gatewayA,
    { user: 'vera' },
    { reconnection: true, reconnectionDelay: 200 },
  );
  const member = await connectClient(
    gatewayB,
    { user: 'walt' },
    { reconnection: true, reconnectionDelay: 200 },
  );
  sockets.push(sender, member);
  for (const s of [sender, member]) await request(s, ClientEvent.RoomJoin, { room });
  const seen = record<ChatMessage>(member, ServerEvent.Message);
  const acks = [];
  for (const i of [1, 2, 3, 4]) {
    const ack = await request(sender, ClientEvent.MessageSend, { room, clientMsgId: `k${i}`, body: `k${i}` });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    acks.push(ack);
  }
  await eventually('the member has all four', () => seen.length === 4);
  await eventually('all four are written', async () => {
    const found = await Promise.all(
      [1, 2, 3, 4].map((i) => storedMessageOf(db, { room, sender: 'vera', clientMsgId: `k${i}` })),
    );
    return found.every(Boolean);
  });

  // No persistence: the restarted Redis is empty (dedup entries, the adapter's stream, all of it).
  await kill('redis');
  // A killed process holds its port until it is reaped.
  await eventually('the old Redis is gone', async () =>
    (await Promise.all(redisListenPorts().map((port) => canConnect(port)))).every((up) => !up),
  );
  await startService(serviceByName('redis'));
  await eventually('both gateways are ready again', async () =>
    (
      await Promise.all([
        httpOk(`http://${HOST}:${ports.gateway1Ops}/readyz`),
        httpOk(`http://${HOST}:${ports.gateway2Ops}/readyz`),
      ])
    ).every(Boolean),
  );
  await eventually('both clients are connected again', () => sender.connected && member.connected);
  for (const s of [sender, member]) await request(s, ClientEvent.RoomJoin, { room });

  for (const [i, first] of acks.slice(0, 3).entries()) {
    const retry = await request(sender, ClientEvent.MessageSend, {
      room,
      clientMsgId: `k${i + 1}`,
      body: `k${i + 1}`,
    });
    assert.equal(retry.ok, true, JSON.stringify(retry));
    assert.equal(retry.id, first.id, 'the first id');
    assert.equal(retry.duplicate, true);
  }
  // A gateway started after the others re-made the epoch distrusts Redis as long as they do.
  late = await startGateway();
  const again = await connectClient(late.url, { user: 'vera' });
  sockets.push(again);
  await request(again, ClientEvent.RoomJoin, { room });
  const retry4 = await request(again, ClientEvent.MessageSend, { room, clientMsgId: 'k4', body: 'k4' });
  assert.equal(retry4.ok, true, JSON.stringify(retry4));
  assert.equal(retry4.id, acks[3]!.id, 'the first id, from a gateway that never saw the loss');
  assert.equal(retry4.duplicate, true);

  const marker = await request(sender, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'marker',
    body: 'marker',
  });
  assert.equal(marker.ok, true);
  await eventually('the marker arrives', () => seen.some((m) => m.id === marker.id));
  assert.deepEqual(
    seen.map((m) => m.body),
    ['k1', 'k2', 'k3', 'k4', 'marker'],
    'no second delivery',
  );
});
