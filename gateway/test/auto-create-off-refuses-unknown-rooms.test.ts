import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientEvent } from '@switchboard/protocol';
import type { Socket } from 'socket.io-client';
import { connectClient, request, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';
import { roomsApi } from './support/rooms-api.ts';

// A gateway with production's default: joining an unknown room does not create it.
let gateway: GatewayProcess;
const sockets: Socket[] = [];
before(async () => {
  gateway = await startGateway({ ROOMS_AUTO_CREATE: 'false' });
});
after(async () => {
  for (const s of sockets) s.close();
  await stopGateway(gateway);
});

test('with auto-create off, joining an unknown room is NOT_FOUND and creates nothing; a created public room can be joined', async () => {
  const api = roomsApi(gateway.url);
  const room = uniqueRoom('nowhere');
  const socket = await connectClient(gateway.url, { user: 'una' });
  sockets.push(socket);
  const join = await request(socket, ClientEvent.RoomJoin, { room });
  assert.equal(join.ok, false);
  assert.equal(join.error.code, 'NOT_FOUND');
  assert.equal(join.error.retryable, false);
  const info = await api.call({ user: 'una' }, 'GET', `/v1/rooms/${room}`);
  assert.equal(info.status, 404, 'the refused join created nothing');

  const open = uniqueRoom('open');
  assert.equal((await api.createRoom('vic', open, 'public')).status, 201);
  const joined = await request(socket, ClientEvent.RoomJoin, { room: open });
  assert.equal(joined.ok, true, JSON.stringify(joined));
  const mine = await api.call<{ rooms: { room: string; role: string }[] }>(
    { user: 'una' },
    'GET',
    '/v1/rooms',
  );
  assert.deepEqual(
    mine.body.rooms.filter((r) => r.room === open).map((r) => r.role),
    ['member'],
    'joining a public room made her a member',
  );
});
