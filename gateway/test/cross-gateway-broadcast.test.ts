import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, ClientEvent, type PresenceEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// Gateways A and B are the stack's; C is started here, so three pods share the room.
let gatewayC: GatewayProcess;
const urls: string[] = [];
const sockets: Socket[] = [];

before(async () => {
  gatewayC = await startGateway();
  urls.push(`http://${HOST}:${ports.gateway1}`, `http://${HOST}:${ports.gateway2}`, gatewayC.url);
});

after(async () => {
  for (const s of sockets) s.close();
  await stopGateway(gatewayC);
});

async function client(url: string, user: string) {
  const socket = await connectClient(url, { user });
  sockets.push(socket);
  return socket;
}

test('a message sent on gateway A reaches room members on B and C once, and nobody outside the room', async () => {
  const room = uniqueRoom('broadcast');
  const otherRoom = uniqueRoom('elsewhere');
  const [a, b, c, outsider] = await Promise.all([
    client(urls[0]!, 'alice'),
    client(urls[1]!, 'bob'),
    client(urls[2]!, 'carol'),
    client(urls[1]!, 'dave'),
  ]);
  for (const s of [a, b, c]) assert.deepEqual((await request(s, ClientEvent.RoomJoin, { room })).ok, true);
  await request(outsider, ClientEvent.RoomJoin, { room: otherRoom });
  const atB = record<ChatMessage>(b, ServerEvent.Message);
  const atC = record<ChatMessage>(c, ServerEvent.Message);
  const atOutsider = record<ChatMessage>(outsider, ServerEvent.Message);

  const ack = await request(a, ClientEvent.MessageSend, { room, clientMsgId: 'm1', body: 'hello room' });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  assert.match(ack.id, /^[0-9a-f-]{36}$/);

  // A marker sent after the message: once it has arrived everywhere, anything the first
  // message could have caused (a second copy, a leak to another room) would have arrived too.
  await request(a, ClientEvent.MessageSend, { room, clientMsgId: 'marker', body: 'marker' });
  const outsiderPeer = await client(urls[2]!, 'erin');
  await request(outsiderPeer, ClientEvent.RoomJoin, { room: otherRoom });
  await request(outsiderPeer, ClientEvent.MessageSend, { room: otherRoom, clientMsgId: 'o1', body: 'other' });
  await eventually(
    'the markers arrive',
    () =>
      [atB, atC].every((seen) => seen.some((m) => m.body === 'marker')) &&
      atOutsider.some((m) => m.body === 'other'),
  );

  for (const seen of [atB, atC]) {
    const copies = seen.filter((m) => m.id === ack.id);
    assert.equal(copies.length, 1);
    assert.deepEqual(copies[0], {
      id: ack.id,
      room,
      sender: 'alice',
      body: 'hello room',
      ts: ack.ts,
      clientMsgId: 'm1',
    });
  }
  assert.deepEqual(
    atOutsider.map((m) => m.room),
    [otherRoom],
  );
});

test('presence on join lists the members of every gateway', async () => {
  const room = uniqueRoom('presence');
  const [a, b] = await Promise.all([client(urls[0]!, 'frank'), client(urls[2]!, 'grace')]);
  const joinedAtA = record<PresenceEvent>(a, ServerEvent.Presence);
  await request(a, ClientEvent.RoomJoin, { room });
  const ack = await request(b, ClientEvent.RoomJoin, { room });
  assert.deepEqual(ack, { ok: true, presence: ['frank', 'grace'], onlineCount: 2 });
  await eventually('alice sees grace join', () => joinedAtA.some((p) => p.joined === 'grace'));
});
