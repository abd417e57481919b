import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, httpOk, kill, ports, serviceByName, startService } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom } from './support/clients.ts';

// The stack's own gateways and Kafka: the point is that the same gateway processes recover.
const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
// Readiness is on each gateway's ops port.
const opsA = `http://${HOST}:${ports.gateway1Ops}`;
const opsB = `http://${HOST}:${ports.gateway2Ops}`;
const sockets: Socket[] = [];

after(async () => {
  for (const s of sockets) s.close();
  await startService(serviceByName('kafka'));
});

test('Kafka down: sends get UNAVAILABLE, nobody sees them, readiness is false; Kafka back: sends work without a restart', async () => {
  const room = uniqueRoom('outage');
  const sender = await connectClient(gatewayA, { user: 'nina' });
  const listener = await connectClient(gatewayB, { user: 'omar' });
  sockets.push(sender, listener);
  await request(sender, ClientEvent.RoomJoin, { room });
  await request(listener, ClientEvent.RoomJoin, { room });
  const seen = record<ChatMessage>(listener, ServerEvent.Message);
  const before = await request(sender, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'before',
    body: 'before',
  });
  assert.equal(before.ok, true);

  await kill('kafka');
  const refused = await request(sender, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'during',
    body: 'during',
  });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, 'UNAVAILABLE');
  assert.equal(refused.error.retryable, true);
  await eventually('both gateways report not ready', async () => {
    const ready = await Promise.all([httpOk(`${opsA}/readyz`), httpOk(`${opsB}/readyz`)]);
    return ready.every((r) => !r);
  });
  const stillRefused = await request(sender, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'during-2',
    body: 'x',
  });
  assert.equal(stillRefused.error?.code, 'UNAVAILABLE');

  await startService(serviceByName('kafka'));
  await eventually('gateway A is ready again', () => httpOk(`${opsA}/readyz`), 60_000);
  const afterAck = await request(sender, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'after',
    body: 'after',
  });
  assert.equal(afterAck.ok, true, JSON.stringify(afterAck));
  // The refused message, retried with its clientMsgId, is accepted now and delivered once.
  const retried = await request(sender, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'during',
    body: 'during',
  });
  assert.equal(retried.ok, true, JSON.stringify(retried));

  await eventually('the retried message arrives', () => seen.some((m) => m.clientMsgId === 'during'));
  assert.deepEqual(
    seen.map((m) => m.clientMsgId),
    ['before', 'after', 'during'],
  );
});
