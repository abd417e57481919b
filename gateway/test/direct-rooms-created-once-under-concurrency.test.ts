import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomCreated, RoomList, RoomMemberPage } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { roomsApi } from './support/rooms-api.ts';

const gateways = [roomsApi(`http://${HOST}:${ports.gateway1}`), roomsApi(`http://${HOST}:${ports.gateway2}`)];

test('concurrent POST /v1/dms from both sides, on both gateways, give one private room of the two', async () => {
  const run = Date.now().toString(36);
  const [a, b] = [`amy-${run}`, `ben-${run}`];
  const calls = Array.from({ length: 8 }, (_, i) => {
    const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
    return gateways[i % 2]!.call<RoomCreated>({ user: from }, 'POST', '/v1/dms', { user: to });
  });
  const replies = await Promise.all(calls);
  for (const r of replies) assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body));
  assert.equal(replies.filter((r) => r.status === 201).length, 1, 'created exactly once');
  const rooms = new Set(replies.map((r) => r.body.room));
  assert.equal(rooms.size, 1);
  const [room] = [...rooms] as [string];
  assert.deepEqual(replies[0]!.body, { room, visibility: 'private', direct: true });

  const members = await gateways[0]!.call<RoomMemberPage>({ user: a }, 'GET', `/v1/rooms/${room}/members`);
  assert.deepEqual(members.body.members.map((m) => `${m.user}:${m.role}`).sort(), [
    `${a}:member`,
    `${b}:member`,
  ]);
  for (const user of [a, b]) {
    const mine = await gateways[1]!.call<RoomList>({ user }, 'GET', '/v1/rooms');
    assert.deepEqual(mine.body.rooms, [{ room, visibility: 'private', direct: true, role: 'member' }]);
  }
  const outsider = await gateways[0]!.members('cleo', room);
  assert.equal(outsider.status, 403);
});
