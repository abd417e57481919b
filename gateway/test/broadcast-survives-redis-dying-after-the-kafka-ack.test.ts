import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import {
  canConnect,
  HOST,
  kill,
  ports,
  redisListenPorts,
  runningPid,
  serviceByName,
  startService,
} from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom, within } from './support/clients.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const sockets: Socket[] = [];
let kafkaPaused: number | undefined;
after(async () => {
  if (kafkaPaused) process.kill(kafkaPaused, 'SIGCONT');
  for (const s of sockets) s.close();
  await startService(serviceByName('redis'));
});

test('Redis killed between Kafka’s ack and the broadcast: the message still reaches every member (G9)', async () => {
  const room = uniqueRoom('redis-after-ack');
  const sender = await connectClient(gatewayA, { user: 'kim' });
  const member = await connectClient(gatewayB, { user: 'lee' });
  sockets.push(sender, member);
  for (const s of [sender, member]) assert.equal((await request(s, ClientEvent.RoomJoin, { room })).ok, true);
  const seen = record<ChatMessage>(member, ServerEvent.Message);

  // Kafka holds the send (its id is claimed in Redis), Redis dies, then Kafka acknowledges.
  const kafka = runningPid('kafka');
  assert.ok(kafka, 'kafka runs');
  process.kill(kafka, 'SIGSTOP');
  kafkaPaused = kafka;
  const sent = request(sender, ClientEvent.MessageSend, { room, clientMsgId: 'between', body: 'between' });
  await new Promise((r) => setTimeout(r, 500));
  await kill('redis');
  process.kill(kafka, 'SIGCONT');
  kafkaPaused = undefined;
  const ack = await within(sent, 'the ack');
  assert.equal(ack.ok, true, JSON.stringify(ack));

  // A killed process holds its port until it is reaped.
  await eventually('the old Redis is gone', async () =>
    (await Promise.all(redisListenPorts().map((port) => canConnect(port)))).every((up) => !up),
  );
  await startService(serviceByName('redis'));
  await eventually(
    'the member receives it once Redis is back',
    () => seen.some((m) => m.id === ack.id),
    30_000,
  );
  assert.equal(seen.filter((m) => m.id === ack.id).length, 1);
});
