import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientEvent } from '@switchboard/protocol';
import { httpOk, runningPid } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, request, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// Kafka is frozen (SIGSTOP) until this gateway's probe calls it unreachable: sends are refused
// before any request carries them, which is an attempt Kafka never got.
let gateway: GatewayProcess;
let frozen: number | undefined;
const sockets: Socket[] = [];
before(async () => {
  gateway = await startGateway({ KAFKA_SEND_TIMEOUT_MS: '2000' });
});
after(async () => {
  if (frozen) process.kill(frozen, 'SIGCONT');
  for (const s of sockets) s.close();
  await stopGateway(gateway);
});

test('a retry of a send Kafka never got takes a new id: it sorts after messages sent in between (G4)', async () => {
  const room = uniqueRoom('retry-order');
  const alice = await connectClient(gateway.url, { user: 'alice' });
  const bob = await connectClient(gateway.url, { user: 'bob' });
  sockets.push(alice, bob);
  for (const s of [alice, bob]) await request(s, ClientEvent.RoomJoin, { room });

  const kafka = runningPid('kafka');
  assert.ok(kafka);
  process.kill(kafka, 'SIGSTOP');
  frozen = kafka;
  await eventually(
    'the gateway says Kafka is unreachable',
    async () => !(await httpOk(`${gateway.opsUrl}/readyz`)),
  );
  const refused = await request(alice, ClientEvent.MessageSend, { room, clientMsgId: 'late', body: 'late' });
  assert.equal(refused.error?.code, 'UNAVAILABLE');
  process.kill(kafka, 'SIGCONT');
  frozen = undefined;
  await eventually('Kafka is back', () => httpOk(`${gateway.opsUrl}/readyz`), 60_000);

  const between = await request(bob, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'between',
    body: 'between',
  });
  assert.equal(between.ok, true, JSON.stringify(between));
  const retried = await request(alice, ClientEvent.MessageSend, { room, clientMsgId: 'late', body: 'late' });
  assert.equal(retried.ok, true, JSON.stringify(retried));
  assert.equal(retried.duplicate, undefined);
  assert.ok(retried.id > between.id, 'the retry is accepted after "between" and sorts after it');
  assert.ok(retried.ts >= between.ts);
});
