import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOST, ports } from '@switchboard/stack';
import { eventually, uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const api = roomsApi(`http://${HOST}:${ports.gateway1}`);

test("a non-member gets 403 FORBIDDEN for a private room's info and members, and learns nothing else", async () => {
  const room = uniqueRoom('hidden');
  assert.equal((await api.createRoom('hana', room, 'private')).status, 201);
  assert.equal((await api.putMember('hana', room, 'hugo', 'member')).status, 201);
  for (const path of [`/v1/rooms/${room}`, `/v1/rooms/${room}/members`]) {
    const reply = await api.call({ user: 'snoop' }, 'GET', path);
    assert.equal(reply.status, 403, path);
    assert.deepEqual(reply.body, {
      ok: false,
      error: { code: 'FORBIDDEN', message: `not a member of room "${room}"`, retryable: false },
    });
  }
  // A member sees both.
  assert.equal((await api.call({ user: 'hugo' }, 'GET', `/v1/rooms/${room}`)).status, 200);
  assert.equal((await api.members('hugo', room)).status, 200);
});

test('removal takes effect at once: the removed member is refused on both gateways', async () => {
  const room = uniqueRoom('revoked');
  assert.equal((await api.createRoom('hana', room, 'private')).status, 201);
  assert.equal((await api.putMember('hana', room, 'rob', 'member')).status, 201);
  const gateways = [api, roomsApi(`http://${HOST}:${ports.gateway2}`)];
  // Both pods have decided (and cached) that rob is a member.
  for (const g of gateways) assert.equal((await g.members('rob', room)).status, 200);
  assert.equal((await api.removeMember('hana', room, 'rob')).status, 204);
  // Well inside the cache TTL (60 s): only the cluster-wide invalidation can make this pass.
  for (const g of gateways) {
    await eventually('the removed member is refused', async () => {
      const reply = await g.members('rob', room);
      return reply.status === 403 && reply.body.error?.code === 'FORBIDDEN';
    });
  }
});
