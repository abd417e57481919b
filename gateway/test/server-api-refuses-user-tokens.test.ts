import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOST, ports } from '@switchboard/stack';
import { uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const api = roomsApi(`http://${HOST}:${ports.gateway1}`);

test('a user token gets 403 FORBIDDEN on publish and disconnect, and nothing is published', async () => {
  const room = uniqueRoom('svc-only');
  assert.equal((await api.createRoom('uwe', room, 'public')).status, 201);
  const publish = await api.call({ user: 'uwe' }, 'POST', `/v1/rooms/${room}/messages`, {
    clientMsgId: 'u1',
    body: 'as a service?',
  });
  assert.equal(publish.status, 403);
  assert.equal(publish.body.error?.code, 'FORBIDDEN');
  const disconnect = await api.call({ user: 'uwe' }, 'POST', '/v1/users/someone/disconnect');
  assert.equal(disconnect.status, 403);
  assert.equal(disconnect.body.error?.code, 'FORBIDDEN');
  const history = await api.history('uwe', room);
  assert.equal(history.status, 200);
  assert.deepEqual((history.body as { messages: unknown[] }).messages, []);
});

test('a wrong service key is an invalid token: 401 UNAUTHENTICATED', async () => {
  const reply = await api.call(
    { key: 'not-the-key-0123456789-0123456789-0123' },
    'POST',
    '/v1/users/x/disconnect',
  );
  assert.equal(reply.status, 401);
  assert.equal(reply.body.error?.code, 'UNAUTHENTICATED');
});
