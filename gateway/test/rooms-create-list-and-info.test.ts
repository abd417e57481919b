import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomDetails, RoomList } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const api = roomsApi(`http://${HOST}:${ports.gateway1}`);
// The other gateway answers too: what one pod wrote, every pod reads.
const other = roomsApi(`http://${HOST}:${ports.gateway2}`);

test('creating a room makes the caller its owner; the same name again is 409 CONFLICT', async () => {
  const room = uniqueRoom('created');
  const created = await api.createRoom('carla', room, 'private');
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body, { room, visibility: 'private', direct: false });

  for (const who of ['carla', 'someone-else']) {
    const again = await other.createRoom(who, room, 'public');
    assert.equal(again.status, 409);
    assert.equal(again.body.error?.code, 'CONFLICT');
  }
  const info = await other.call<RoomDetails>({ user: 'carla' }, 'GET', `/v1/rooms/${room}`);
  assert.equal(info.status, 200);
  assert.equal(info.body.visibility, 'private', 'the refused second create changed nothing');
  assert.equal(info.body.memberCount, 1);
  assert.equal(info.body.createdBy, 'carla');
});

test("GET /v1/rooms lists the caller's rooms with role and visibility, paged by name", async () => {
  const prefix = uniqueRoom('mine');
  const [a, b, c] = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
  assert.equal((await api.createRoom('lise', a, 'private')).status, 201);
  assert.equal((await api.createRoom('lise', b, 'public')).status, 201);
  assert.equal((await api.createRoom('mona', c, 'private')).status, 201);
  assert.equal((await api.putMember('mona', c, 'lise', 'reader')).status, 201);

  const all: RoomList['rooms'] = [];
  let after: string | undefined;
  do {
    const query = `?limit=1${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const page = await other.call<RoomList>({ user: 'lise' }, 'GET', `/v1/rooms${query}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.rooms.length <= 1);
    all.push(...page.body.rooms);
    after = page.body.nextAfter;
  } while (after);
  assert.deepEqual(
    all.filter((r) => r.room.startsWith(prefix)),
    [
      { room: a, visibility: 'private', direct: false, role: 'owner' },
      { room: b, visibility: 'public', direct: false, role: 'owner' },
      { room: c, visibility: 'private', direct: false, role: 'reader' },
    ],
  );
});

test('a public room is visible to anyone; its info counts members', async () => {
  const room = uniqueRoom('open');
  assert.equal((await api.createRoom('pia', room, 'public')).status, 201);
  assert.equal((await api.putMember('pia', room, 'quinn', 'member')).status, 201);
  const info = await other.call<RoomDetails>({ user: 'stranger' }, 'GET', `/v1/rooms/${room}`);
  assert.equal(info.status, 200);
  assert.equal(info.body.room, room);
  assert.equal(info.body.visibility, 'public');
  assert.equal(info.body.memberCount, 2);
});

test('an unknown room is 404 NOT_FOUND', async () => {
  const info = await api.call({ user: 'pia' }, 'GET', `/v1/rooms/${uniqueRoom('ghost')}`);
  assert.equal(info.status, 404);
  assert.equal(info.body.error?.code, 'NOT_FOUND');
});
