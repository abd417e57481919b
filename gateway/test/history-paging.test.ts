import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDatabase } from '@switchboard/db';
import { type ErrorBody, type HistoryPage, messageIdAt, messageIdTime } from '@switchboard/protocol';
import { HOST, ports, serviceEnv } from '@switchboard/stack';
import { tokenFor, uniqueRoom } from './support/clients.ts';
import { roomsApi } from './support/rooms-api.ts';

// Rows are written here directly: the history API must not depend on the persister.
const db = createDatabase(serviceEnv().DATABASE_URL, { poolMax: 2 });
const base = `http://${HOST}:${ports.gateway1}`;
const room = uniqueRoom('history');
const ids: string[] = [];
let token: string;

before(async () => {
  token = await tokenFor('reader');
  // History is for members (G8): the reader owns the room.
  const created = await roomsApi(base).createRoom('reader', room, 'private');
  if (created.status !== 201) throw new Error(`room not created: ${JSON.stringify(created.body)}`);
  const start = Date.now() - 60_000;
  for (let i = 0; i < 23; i++) ids.push(messageIdAt(start + i * 10));
  await db.message.createMany({
    data: ids.map((id, i) => ({
      id,
      room,
      sender: i % 2 ? 'ann' : 'ben',
      clientMsgId: `c${i}`,
      body: `message ${i}`,
      createdAt: new Date(start + i * 10),
    })),
  });
  // Another room's rows interleave in time and must never show up.
  await db.message.create({
    data: {
      id: messageIdAt(start + 55),
      room: `${room}-other`,
      sender: 'x',
      clientMsgId: 'x',
      body: 'x',
      createdAt: new Date(start + 55),
    },
  });
});
after(() => db.$disconnect());

type Response = HistoryPage & { error: ErrorBody };

async function page(query: string, auth = `Bearer ${token}`): Promise<{ status: number; body: Response }> {
  const res = await fetch(`${base}/v1/rooms/${room}/messages${query}`, { headers: { authorization: auth } });
  return { status: res.status, body: (await res.json()) as Response };
}

test('paging back from the latest with `before` returns every message once, in order', async () => {
  const seen: string[] = [];
  let query = '?limit=5';
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 10, 'too many pages');
    const { status, body } = await page(query);
    assert.equal(status, 200);
    const pageIds = body.messages.map((m) => m.id);
    assert.deepEqual(pageIds, [...pageIds].sort(), 'a page is oldest first');
    seen.unshift(...pageIds);
    if (!body.nextBefore) break;
    query = `?limit=5&before=${body.nextBefore}`;
  }
  assert.deepEqual(seen, ids);
});

test('paging forward with `after` returns every message once, and pages carry the message fields', async () => {
  const seen: string[] = [];
  let query = `?limit=4&after=00000000-0000-7000-8000-000000000000`;
  for (;;) {
    const { body } = await page(query);
    seen.push(...body.messages.map((m) => m.id));
    if (!body.nextAfter) break;
    query = `?limit=4&after=${body.nextAfter}`;
  }
  assert.deepEqual(seen, ids);
  const { body } = await page(`?limit=1&after=${ids[2]}`);
  assert.deepEqual(body.messages[0], {
    id: ids[3],
    room,
    sender: 'ann',
    body: 'message 3',
    ts: messageIdTime(ids[3]!),
    clientMsgId: 'c3',
  });
});

test('the history API wants the same token as the socket and validates its query', async () => {
  assert.equal((await page('', '')).status, 401);
  assert.equal((await page('', 'Bearer forged.token.here')).body.error.code, 'UNAUTHENTICATED');
  const limited = await tokenFor('reader', { rooms: ['somewhere-else'] });
  const forbidden = await page('', `Bearer ${limited}`);
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.error.code, 'FORBIDDEN');
  for (const bad of ['?limit=0', '?limit=1000', '?before=nope', `?before=${ids[1]}&after=${ids[0]}`]) {
    const res = await page(bad);
    assert.equal(res.status, 400, bad);
    assert.equal(res.body.error.code, 'INVALID');
  }
});
