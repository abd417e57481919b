import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, httpOk, kill, ports, serviceByName, startService } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom } from './support/clients.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
// Readiness is on each gateway's ops port.
const opsA = `http://${HOST}:${ports.gateway1Ops}`;
const opsB = `http://${HOST}:${ports.gateway2Ops}`;
const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.close();
  await startService(serviceByName('redis'));
});

test('Redis down: sends get UNAVAILABLE and readiness is false; Redis back: rooms span gateways again', async () => {
  const room = uniqueRoom('redis-outage');
  const sender = await connectClient(gatewayA, { user: 'rita' }, { reconnection: true });
  sockets.push(sender);
  await request(sender, ClientEvent.RoomJoin, { room });

  await kill('redis');
  const refused = await request(sender, ClientEvent.MessageSend, { room, clientMsgId: 'during', body: 'x' });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, 'UNAVAILABLE');
  assert.equal(refused.error.retryable, true);
  await eventually('gateway A reports not ready', async () => !(await httpOk(`${opsA}/readyz`)));

  await startService(serviceByName('redis'));
  await eventually('both gateways are ready again', async () =>
    (await Promise.all([httpOk(`${opsA}/readyz`), httpOk(`${opsB}/readyz`)])).every(Boolean),
  );
  const listener = await connectClient(gatewayB, { user: 'sam' });
  sockets.push(listener);
  await request(listener, ClientEvent.RoomJoin, { room });
  const seen = record<ChatMessage>(listener, ServerEvent.Message);
  const ack = await request(sender, ClientEvent.MessageSend, { room, clientMsgId: 'during', body: 'x' });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  await eventually('the message crosses to gateway B', () => seen.some((m) => m.id === ack.id));
});
