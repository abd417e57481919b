import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const url = `http://${HOST}:${ports.gateway1}`;
const api = roomsApi(url);
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});

test('a reader receives the room but cannot send; promoted to member, it can (G8)', async () => {
  const room = uniqueRoom('announce');
  assert.equal((await api.createRoom('ann', room, 'private')).status, 201);
  assert.equal((await api.putMember('ann', room, 'rex', 'reader')).status, 201);
  const owner = await connectClient(url, { user: 'ann' });
  const reader = await connectClient(url, { user: 'rex' });
  sockets.push(owner, reader);
  for (const s of [owner, reader]) assert.equal((await request(s, ClientEvent.RoomJoin, { room })).ok, true);
  const atReader = record<ChatMessage>(reader, ServerEvent.Message);
  await request(owner, ClientEvent.MessageSend, { room, clientMsgId: 'a1', body: 'announcement' });
  await eventually('the reader gets the announcement', () => atReader.length === 1);

  const refused = await request(reader, ClientEvent.MessageSend, { room, clientMsgId: 'r1', body: 'reply' });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, 'FORBIDDEN');
  assert.equal(refused.error.retryable, false);

  assert.equal((await api.putMember('ann', room, 'rex', 'member')).status, 200);
  await eventually('the promotion reaches the send path', async () => {
    const ack = await request(reader, ClientEvent.MessageSend, { room, clientMsgId: 'r2', body: 'reply' });
    return ack.ok;
  });
});
