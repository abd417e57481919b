import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ClientEvent, type HistoryPage } from '@switchboard/protocol';
import { HOST, kill, ports, serviceByName, startService } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, request, tokenFor, uniqueRoom } from './support/clients.ts';

const url = `http://${HOST}:${ports.gateway1}`;
const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.close();
  await startService(serviceByName('persister'));
});

test('with the persister down, history (latest and after) and catch-up still hold every acknowledged message (G9)', async () => {
  const room = uniqueRoom('unpersisted');
  const client = await connectClient(url, { user: 'pia' });
  sockets.push(client);
  await request(client, ClientEvent.RoomJoin, { room });
  const first = await request(client, ClientEvent.MessageSend, { room, clientMsgId: 'first', body: 'first' });
  assert.equal(first.ok, true);

  await kill('persister');
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const ack = await request(client, ClientEvent.MessageSend, { room, clientMsgId: `u${i}`, body: `u${i}` });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    ids.push(ack.id);
  }
  const token = await tokenFor('pia');
  const get = async (query: string) => {
    const res = await fetch(`${url}/v1/rooms/${room}/messages${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    return (await res.json()) as HistoryPage;
  };
  assert.deepEqual(
    (await get(`?after=${first.id}`)).messages.map((m) => m.id),
    ids,
  );
  assert.deepEqual(
    (await get('?limit=3')).messages.map((m) => m.id),
    ids.slice(2),
  );
  const rejoin = await request<{ missed: { id: string }[]; complete: boolean }>(
    client,
    ClientEvent.RoomJoin,
    {
      room,
      since: first.id,
    },
  );
  assert.deepEqual(
    rejoin.missed.map((m) => m.id),
    ids,
  );
  assert.equal(rejoin.complete, true);
});
