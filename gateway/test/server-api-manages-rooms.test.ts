import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientEvent, type RoomMemberPage } from '@switchboard/protocol';
import { devServiceApiKey, HOST, ports } from '@switchboard/stack';
import { connectClient, eventually, record, request, uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const api = roomsApi(`http://${HOST}:${ports.gateway1}`);
const key = devServiceApiKey;

test('a service key creates a private room with an owner, manages members of any role and deletes the room', async () => {
  const room = uniqueRoom('svc');
  const created = await api.call({ key }, 'POST', '/v1/rooms', {
    room,
    visibility: 'private',
    owner: 'sofia',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(
    (await api.call({ key }, 'PUT', `/v1/rooms/${room}/members/sam`, { role: 'admin' })).status,
    201,
  );
  assert.equal(
    (await api.call({ key }, 'PUT', `/v1/rooms/${room}/members/sam`, { role: 'reader' })).status,
    200,
  );
  assert.equal(
    (await api.call({ key }, 'PUT', `/v1/rooms/${room}/members/sid`, { role: 'member' })).status,
    201,
  );
  assert.equal((await api.call({ key }, 'DELETE', `/v1/rooms/${room}/members/sid`)).status, 204);
  const page = await api.call<RoomMemberPage>({ key }, 'GET', `/v1/rooms/${room}/members`);
  assert.deepEqual(
    page.body.members.map((m) => `${m.user}:${m.role}:${m.addedBy}`),
    ['sam:reader:service', 'sofia:owner:service'],
  );
  // Even the server API cannot leave a room without its last owner.
  const lastOwner = await api.call({ key }, 'DELETE', `/v1/rooms/${room}/members/sofia`);
  assert.equal(lastOwner.status, 409);

  assert.equal((await api.call({ key }, 'DELETE', `/v1/rooms/${room}`)).status, 204);
  const gone = await api.call({ user: 'sofia' }, 'GET', `/v1/rooms/${room}`);
  assert.equal(gone.status, 404);
});

test('a service key disconnects every connection of a user', async () => {
  const socket = await connectClient(`http://${HOST}:${ports.gateway2}`, { user: 'dana' });
  try {
    const room = uniqueRoom('kick');
    assert.equal((await request(socket, ClientEvent.RoomJoin, { room })).ok, true);
    const reasons = record<string>(socket, 'disconnect');
    assert.equal((await api.call({ key }, 'POST', '/v1/users/dana/disconnect')).status, 204);
    await eventually('the user is disconnected', () => reasons.length === 1);
    assert.equal(reasons[0], 'io server disconnect');
  } finally {
    socket.close();
  }
});
