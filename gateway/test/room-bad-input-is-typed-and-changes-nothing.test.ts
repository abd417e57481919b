import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomMemberPage } from '@switchboard/protocol';
import { HOST, ports } from '@switchboard/stack';
import { tokenFor, uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const api = roomsApi(`http://${HOST}:${ports.gateway1}`);

async function members(room: string, asUser: string) {
  const page = await api.call<RoomMemberPage>({ user: asUser }, 'GET', `/v1/rooms/${room}/members`);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return page.body.members.map((m) => `${m.user}:${m.role}`);
}

function assertRefused(
  reply: { status: number; body: { error?: { code: string } } },
  status: number,
  code: string,
) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.error?.code, code);
}

test('unknown rooms are 404 NOT_FOUND for every call and create nothing', async () => {
  const room = uniqueRoom('unknown');
  assertRefused(await api.putMember('uma', room, 'x', 'member'), 404, 'NOT_FOUND');
  assertRefused(await api.removeMember('uma', room, 'x'), 404, 'NOT_FOUND');
  assertRefused(await api.members('uma', room), 404, 'NOT_FOUND');
  assertRefused(await api.call({ user: 'uma' }, 'DELETE', `/v1/rooms/${room}`), 404, 'NOT_FOUND');
  assertRefused(await api.call({ user: 'uma' }, 'GET', `/v1/rooms/${room}`), 404, 'NOT_FOUND');
});

test('bad roles, bodies and names are 400 INVALID and change nothing', async () => {
  const room = uniqueRoom('strict');
  assert.equal((await api.createRoom('ines', room, 'private')).status, 201);
  const before = await members(room, 'ines');
  assertRefused(await api.putMember('ines', room, 'ivo', 'superuser'), 400, 'INVALID');
  assertRefused(await api.call({ user: 'ines' }, 'PUT', `/v1/rooms/${room}/members/ivo`, {}), 400, 'INVALID');
  assertRefused(
    await api.call({ user: 'ines' }, 'PUT', `/v1/rooms/${room}/members/ivo`, { role: 'member', extra: 1 }),
    400,
    'INVALID',
  );
  assertRefused(await api.createRoom('ines', 'bad name!', 'public'), 400, 'INVALID');
  assertRefused(await api.createRoom('ines', `${room}-x`, 'secret' as 'public'), 400, 'INVALID');
  assertRefused(await api.createRoom('ines', 'x'.repeat(129), 'public'), 400, 'INVALID');
  assertRefused(await api.members('ines', '-starts-with-dash'), 400, 'INVALID');
  assertRefused(await api.call({ user: 'ines' }, 'GET', `/v1/rooms/${room}/members?limit=0`), 400, 'INVALID');
  const notJson = await fetch(`http://${HOST}:${ports.gateway1}/v1/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor('ines')}` },
    body: '{not json',
  });
  assert.equal(notJson.status, 400);
  assert.equal(((await notJson.json()) as { error: { code: string } }).error.code, 'INVALID');
  assertRefused(await api.removeMember('ines', room, 'nobody-here'), 404, 'NOT_FOUND');
  assert.deepEqual(await members(room, 'ines'), before);
});

test('direct rooms: the dm: prefix is reserved, and their members are fixed', async () => {
  assertRefused(await api.createRoom('dora', `dm:${'0'.repeat(40)}`, 'private'), 400, 'INVALID');
  const dm = await api.call<{ room: string }>({ user: 'dora' }, 'POST', '/v1/dms', { user: 'dirk' });
  assert.ok(dm.status === 201 || dm.status === 200, JSON.stringify(dm.body));
  const room = dm.body.room;
  const before = await members(room, 'dora');
  assertRefused(await api.putMember('dora', room, 'third', 'member'), 400, 'INVALID');
  assertRefused(await api.putMember('dora', room, 'dirk', 'reader'), 400, 'INVALID');
  assertRefused(await api.removeMember('dora', room, 'dirk'), 400, 'INVALID');
  assertRefused(await api.removeMember('outsider', room, 'dirk'), 403, 'FORBIDDEN');
  assertRefused(await api.call({ user: 'dora' }, 'POST', '/v1/dms', { user: 'dora' }), 400, 'INVALID');
  assert.deepEqual(await members(room, 'dirk'), before);
});

test('no token is 401 UNAUTHENTICATED', async () => {
  const reply = await api.call({}, 'GET', '/v1/rooms');
  assertRefused(reply, 401, 'UNAUTHENTICATED');
});
