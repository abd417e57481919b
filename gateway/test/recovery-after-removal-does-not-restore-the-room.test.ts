import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ClientEvent, type RoomRemovedEvent, ServerEvent } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, eventually, record, request, uniqueRoom, within } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const gatewayA = `http://${HOST}:${ports.gateway1}`;
const gatewayB = `http://${HOST}:${ports.gateway2}`;
const api = roomsApi(gatewayA);
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});

test('a session recovered after its user was removed does not get the room or what was sent to it (G8, G5)', async () => {
  const room = uniqueRoom('recover-removed');
  const keep = uniqueRoom('recover-kept');
  for (const r of [room, keep]) {
    assert.equal((await api.createRoom('otto', r, 'private')).status, 201);
    assert.equal((await api.putMember('otto', r, 'quinn', 'member')).status, 201);
  }
  const owner = await connectClient(gatewayB, { user: 'otto' });
  const roamer = await connectClient(
    gatewayA,
    { user: 'quinn' },
    { reconnection: true, reconnectionDelay: 300 },
  );
  sockets.push(owner, roamer);
  for (const s of [owner, roamer]) {
    for (const r of [room, keep])
      assert.equal((await request(s, ClientEvent.RoomJoin, { room: r })).ok, true);
  }
  const seen = record<ChatMessage>(roamer, ServerEvent.Message);
  const removed = record<RoomRemovedEvent>(roamer, ServerEvent.RoomRemoved);
  await request(owner, ClientEvent.MessageSend, { room, clientMsgId: 'm0', body: 'm0' });
  await eventually('m0 arrives', () => seen.length === 1);

  // Away (the transport dropped, the session saved), removed meanwhile, then back on the other pod.
  const gone = new Promise<void>((resolve) => roamer.once('disconnect', () => resolve()));
  const back = new Promise<void>((resolve) => roamer.once('connect', () => resolve()));
  (roamer.io as unknown as { uri: string }).uri = gatewayB;
  roamer.io.engine.close();
  await within(gone, 'the disconnect');
  assert.equal((await api.removeMember('otto', room, 'quinn')).status, 204);
  for (const [r, body] of [
    [room, 'after removal'],
    [keep, 'kept room'],
  ] as const) {
    assert.equal(
      (await request(owner, ClientEvent.MessageSend, { room: r, clientMsgId: 'away', body })).ok,
      true,
    );
  }
  await within(back, 'the reconnection');
  assert.equal(roamer.recovered, true, 'the session of the other room should still be recovered');

  await eventually('the kept room delivers what was missed', () => seen.some((m) => m.body === 'kept room'));
  await eventually('room:removed, as if it had been connected', () => removed.length === 1);
  assert.deepEqual(removed, [{ room }]);
  const send = await request(roamer, ClientEvent.MessageSend, { room, clientMsgId: 'q1', body: 'hello?' });
  assert.equal(send.error?.code, 'NOT_JOINED');
  assert.deepEqual(
    seen.filter((m) => m.room === room).map((m) => m.body),
    ['m0'],
  );
});
