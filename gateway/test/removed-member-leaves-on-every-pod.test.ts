import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ClientEvent, type RoomRemovedEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const url1 = `http://${HOST}:${ports.gateway1}`;
const url2 = `http://${HOST}:${ports.gateway2}`;
const api = roomsApi(url1);
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});
const client = async (url: string, user: string) => {
  const s = await connectClient(url, { user });
  sockets.push(s);
  return s;
};

test('a member removed on gateway 1 leaves the room on gateway 2 within a second and gets nothing more (G8)', async () => {
  const room = uniqueRoom('removal');
  assert.equal((await api.createRoom('owen', room, 'private')).status, 201);
  assert.equal((await api.putMember('owen', room, 'rita', 'member')).status, 201);
  const owner = await client(url1, 'owen');
  // Two connections of the removed user on the other pod: both must leave.
  const [r1, r2] = [await client(url2, 'rita'), await client(url2, 'rita')];
  for (const s of [owner, r1, r2]) assert.equal((await request(s, ClientEvent.RoomJoin, { room })).ok, true);
  const got = [record<ChatMessage>(r1, ServerEvent.Message), record<ChatMessage>(r2, ServerEvent.Message)];
  const removed = [
    record<RoomRemovedEvent>(r1, ServerEvent.RoomRemoved),
    record<RoomRemovedEvent>(r2, ServerEvent.RoomRemoved),
  ];

  await request(owner, ClientEvent.MessageSend, { room, clientMsgId: 'before', body: 'before' });
  await eventually('both connections get the message', () => got.every((g) => g.length === 1));

  const started = Date.now();
  assert.equal((await api.removeMember('owen', room, 'rita')).status, 204);
  await eventually('room:removed on both connections', () => removed.every((r) => r.length === 1), 1000);
  const tookMs = Date.now() - started;
  assert.deepEqual(removed[0], [{ room }]);
  assert.ok(tookMs <= 1000, `room:removed took ${tookMs} ms`);

  await request(owner, ClientEvent.MessageSend, { room, clientMsgId: 'after', body: 'after' });
  const send = await request(r1, ClientEvent.MessageSend, { room, clientMsgId: 'r1', body: 'still here?' });
  assert.equal(send.ok, false);
  assert.ok(['NOT_JOINED', 'FORBIDDEN'].includes(send.error.code), send.error.code);
  const rejoin = await request(r2, ClientEvent.RoomJoin, { room });
  assert.equal(rejoin.error.code, 'FORBIDDEN');
  assert.equal((await api.history('rita', room)).status, 403);
  // A marker the owner sees proves 'after' was broadcast before we look at what rita got.
  const atOwner = record<ChatMessage>(owner, ServerEvent.Message);
  await request(owner, ClientEvent.MessageSend, { room, clientMsgId: 'marker', body: 'marker' });
  await eventually('the owner sees the marker', () => atOwner.some((m) => m.body === 'marker'));
  for (const g of got)
    assert.deepEqual(
      g.map((m) => m.body),
      ['before'],
    );
});

test('a member who leaves through the API (DELETE of oneself) is removed the same way', async () => {
  const room = uniqueRoom('leave');
  assert.equal((await api.createRoom('owen', room, 'private')).status, 201);
  assert.equal((await api.putMember('owen', room, 'lou', 'member')).status, 201);
  const lou = await client(url2, 'lou');
  assert.equal((await request(lou, ClientEvent.RoomJoin, { room })).ok, true);
  const removed = record<RoomRemovedEvent>(lou, ServerEvent.RoomRemoved);
  assert.equal((await api.removeMember('lou', room, 'lou')).status, 204);
  await eventually('room:removed', () => removed.length === 1, 1000);
  assert.equal((await request(lou, ClientEvent.RoomJoin, { room })).error.code, 'FORBIDDEN');
});
