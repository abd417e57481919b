import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { eventually, joinedClients, record, request, uniqueRoom } from './support/clients.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const joined = joinedClients();

/** Sends a marker after the messages under test; once it arrived, any extra copy would have too. */
async function settle(sender: Socket, room: string, seen: ChatMessage[]) {
  const marker = `marker-${Math.random().toString(36).slice(2)}`;
  await request(sender, ClientEvent.MessageSend, { room, clientMsgId: marker, body: marker });
  await eventually('the marker arrives', () => seen.some((m) => m.body === marker));
}

test('a retry with the same clientMsgId gets the first id back and is not broadcast again', async () => {
  const room = uniqueRoom('dedup');
  const sender = await joined(gatewayA, 'henry', room);
  const listener = await joined(gatewayB, 'iris', room);
  const seen = record<ChatMessage>(listener, ServerEvent.Message);

  const first = await request(sender, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'retry-1',
    body: 'once',
  });
  const retry = await request(sender, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'retry-1',
    body: 'once',
  });
  assert.equal(first.ok, true);
  assert.deepEqual(retry, { ok: true, id: first.id, ts: first.ts, duplicate: true });

  await settle(sender, room, seen);
  assert.equal(seen.filter((m) => m.clientMsgId === 'retry-1').length, 1);
});

test('concurrent retries through two gateways agree on one id and one delivery', async () => {
  const room = uniqueRoom('dedup-race');
  const onA = await joined(gatewayA, 'jack', room);
  const onB = await joined(gatewayB, 'jack', room);
  const listener = await joined(gatewayB, 'kate', room);
  const seen = record<ChatMessage>(listener, ServerEvent.Message);

  const acks = await Promise.all(
    [onA, onB, onA, onB].map((s) =>
      request(s, ClientEvent.MessageSend, { room, clientMsgId: 'race', body: 'x' }),
    ),
  );
  assert.ok(
    acks.every((a) => a.ok === true),
    JSON.stringify(acks),
  );
  assert.equal(new Set(acks.map((a) => a.id)).size, 1);
  assert.equal(acks.filter((a) => !a.duplicate).length, 1);

  await settle(onA, room, seen);
  assert.equal(seen.filter((m) => m.clientMsgId === 'race').length, 1);
});

test('the same clientMsgId from another sender or in another room is another message', async () => {
  const room = uniqueRoom('dedup-scope');
  const otherRoom = uniqueRoom('dedup-scope');
  const lucy = await joined(gatewayA, 'lucy', room);
  await request(lucy, ClientEvent.RoomJoin, { room: otherRoom });
  const mike = await joined(gatewayB, 'mike', room);
  const ids = [
    (await request(lucy, ClientEvent.MessageSend, { room, clientMsgId: 'same', body: 'a' })).id,
    (await request(lucy, ClientEvent.MessageSend, { room: otherRoom, clientMsgId: 'same', body: 'b' })).id,
    (await request(mike, ClientEvent.MessageSend, { room, clientMsgId: 'same', body: 'c' })).id,
  ];
  assert.equal(new Set(ids).size, 3);
});
