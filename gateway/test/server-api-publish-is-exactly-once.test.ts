import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ChatMessage, ServerEvent } from '@switchboard/protocol';
import { devServiceApiKey, HOST, ports, serviceEnv } from '@switchboard/stack';
import pg from 'pg';
import { eventually, joinedClients, record, uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

const key = devServiceApiKey;
const gateways = [roomsApi(`http://${HOST}:${ports.gateway1}`), roomsApi(`http://${HOST}:${ports.gateway2}`)];
const joined = joinedClients();
const db = new pg.Client({ connectionString: serviceEnv().DATABASE_URL });
const connected = db.connect();
after(() => db.end());

test('POST /v1/rooms/:room/messages retried with the same clientMsgId on both gateways: one id, one broadcast, one row', async () => {
  const room = uniqueRoom('announce');
  assert.equal(
    (await gateways[0]!.call({ key }, 'POST', '/v1/rooms', { room, visibility: 'private', owner: 'nora' }))
      .status,
    201,
  );
  const listener = await joined(`http://${HOST}:${ports.gateway2}`, 'nora', room);
  const heard = record<ChatMessage>(listener, ServerEvent.Message);

  const publish = (i: number) =>
    gateways[i % 2]!.call<{ ok: boolean; id: string; ts: number; duplicate?: boolean }>(
      { key },
      'POST',
      `/v1/rooms/${room}/messages`,
      { clientMsgId: 'release-42', body: 'v1.2 is out' },
    );
  const first = await publish(0);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.ok, true);
  const retries = await Promise.all([1, 2, 3].map(publish));
  for (const r of retries) {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.id, first.body.id);
    assert.equal(r.body.duplicate, true);
  }
  await eventually('the member receives the message', () => heard.length >= 1);
  assert.deepEqual([heard[0]?.sender, heard[0]?.body], ['system', 'v1.2 is out']);

  await connected;
  await eventually('the row is persisted', async () => {
    const rows = await db.query('select id from messages where room = $1', [room]);
    return rows.rowCount === 1;
  });
  const rows = await db.query('select id, sender, body from messages where room = $1', [room]);
  assert.deepEqual(rows.rows, [{ id: first.body.id, sender: 'system', body: 'v1.2 is out' }]);

  // A named sender; a different body under the same clientMsgId is not a retry.
  const asUser = await gateways[0]!.call({ key }, 'POST', `/v1/rooms/${room}/messages`, {
    clientMsgId: 'm-2',
    body: 'hi',
    sender: 'bot-7',
  });
  assert.equal(asUser.status, 200);
  await eventually('the named sender is heard', () => heard.some((m) => m.sender === 'bot-7'));
  // Broadcasts of a room arrive in order: a second copy of the retried message would be here.
  assert.deepEqual(
    heard.map((m) => m.clientMsgId),
    ['release-42', 'm-2'],
  );
  const conflict = await publish(0).then(() =>
    gateways[0]!.call({ key }, 'POST', `/v1/rooms/${room}/messages`, {
      clientMsgId: 'release-42',
      body: 'other',
    }),
  );
  assert.equal(conflict.body.error?.code, 'CONFLICT', JSON.stringify(conflict.body));
});

test('publishing into an unknown room is 404 NOT_FOUND', async () => {
  const reply = await gateways[0]!.call({ key }, 'POST', `/v1/rooms/${uniqueRoom('void')}/messages`, {
    clientMsgId: 'x',
    body: 'hello?',
  });
  assert.equal(reply.status, 404);
  assert.equal(reply.body.error?.code, 'NOT_FOUND');
});
