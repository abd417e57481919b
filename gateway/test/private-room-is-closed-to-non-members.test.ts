import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  type ChatMessage,
  ClientEvent,
  type PresenceEvent,
  ServerEvent,
  type TypingEvent,
} from '@switchboard/protocol';
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
const client = async (user: string) => {
  const s = await connectClient(url, { user });
  sockets.push(s);
  return s;
};

test('a non-member cannot join, read, list, see presence or typing of a private room (G8)', async () => {
  const room = uniqueRoom('private');
  assert.equal((await api.createRoom('olga', room, 'private')).status, 201);
  const owner = await client('olga');
  assert.equal((await request(owner, ClientEvent.RoomJoin, { room })).ok, true);
  const ack = await request(owner, ClientEvent.MessageSend, { room, clientMsgId: 's1', body: 'secret' });
  assert.equal(ack.ok, true, JSON.stringify(ack));

  const intruder = await client('ivan');
  const heard = [
    ...record<ChatMessage>(intruder, ServerEvent.Message),
    ...record<PresenceEvent>(intruder, ServerEvent.Presence),
    ...record<TypingEvent>(intruder, ServerEvent.Typing),
  ];
  const seen: unknown[] = [];
  for (const event of [ServerEvent.Message, ServerEvent.Presence, ServerEvent.Typing]) {
    intruder.on(event, (p: unknown) => seen.push(p));
  }
  const join = await request(intruder, ClientEvent.RoomJoin, { room });
  assert.equal(join.ok, false);
  assert.equal(join.error.code, 'FORBIDDEN');
  assert.equal(join.presence, undefined, 'a refused join lists nobody');
  const send = await request(intruder, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'x1',
    body: 'let me in',
  });
  assert.equal(send.ok, false);
  intruder.emit(ClientEvent.Typing, { room });

  for (const reply of [await api.history('ivan', room), await api.members('ivan', room)]) {
    assert.equal(reply.status, 403, JSON.stringify(reply.body));
    assert.equal(reply.body.error?.code, 'FORBIDDEN');
  }
  // The owner keeps talking and typing; a member added now sees it, the intruder never does.
  assert.equal((await api.putMember('olga', room, 'mia', 'member')).status, 201);
  const member = await client('mia');
  assert.equal((await request(member, ClientEvent.RoomJoin, { room })).ok, true);
  const atMember = record<ChatMessage>(member, ServerEvent.Message);
  owner.emit(ClientEvent.Typing, { room });
  await request(owner, ClientEvent.MessageSend, { room, clientMsgId: 's2', body: 'still secret' });
  await eventually('the member gets the second message', () =>
    atMember.some((m) => m.body === 'still secret'),
  );
  assert.deepEqual([...heard, ...seen], [], 'the intruder heard nothing of the room');
  const memberHistory = await api.history('mia', room);
  assert.equal(memberHistory.status, 200);
});
