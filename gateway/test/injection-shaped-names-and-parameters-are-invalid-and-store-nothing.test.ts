import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDatabase } from '@switchboard/db';
import { ClientEvent } from '@switchboard/protocol';
import { devServiceApiKey, serviceEnv } from '@switchboard/stack';
import { bystanders } from './support/bystanders.ts';
import { connectClient, request, tokenFor, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// Many invalid events on one connection are the point here: the closing threshold is raised.
let gateway: GatewayProcess;
const db = createDatabase(serviceEnv().DATABASE_URL, { poolMax: 2 });

before(async () => {
  gateway = await startGateway({ INVALID_EVENTS_MAX: '1000' });
});

after(async () => {
  await db.$disconnect();
  if (gateway) await stopGateway(gateway);
});

const okRoom = uniqueRoom('ok');
const target = uniqueRoom('target');
const HOSTILE_ROOMS = [
  "general'; DROP TABLE messages; --",
  "x' OR '1'='1",
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '__proto__',
  '{"$gt":""}',
  'room\u0000nul',
  '<script>alert(1)</script>',
  `a${'b'.repeat(10_000)}`,
];

async function http(bearer: string, method: string, path: string, body?: string) {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

function assertInvalid(reply: { status: number; body: { error?: { code: string } } }, what: string) {
  assert.equal(reply.status, 400, `${what}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.error?.code, 'INVALID', what);
}

test('hostile room names and payload keys on the socket are INVALID; names shaped like prototype keys work as names', async () => {
  const calm = await bystanders(gateway.url);
  const client = await connectClient(gateway.url, { user: 'injector' });
  after(() => client.close());
  const cases: [string, unknown][] = [
    ...HOSTILE_ROOMS.map((room): [string, unknown] => [ClientEvent.RoomJoin, { room }]),
    [ClientEvent.RoomJoin, JSON.parse(`{"room":"${okRoom}","__proto__":{"admin":true}}`)],
    [ClientEvent.RoomJoin, { room: okRoom, constructor: { prototype: { admin: true } } }],
    [ClientEvent.RoomJoin, { room: [okRoom] }],
    [ClientEvent.RoomJoin, { room: { $ne: null } }],
    [
      ClientEvent.MessageSend,
      JSON.parse(`{"room":"${okRoom}","clientMsgId":"p1","body":"x","__proto__":{"a":1}}`),
    ],
    [ClientEvent.MessageSend, { room: okRoom, clientMsgId: "1'; DELETE FROM messages; --", body: 'x' }],
    [ClientEvent.MessageSend, { room: okRoom, clientMsgId: 'x'.repeat(10_000), body: 'x' }],
  ];
  for (const [event, payload] of cases) {
    const ack = await request(client, event, payload);
    assert.equal(ack.ok, false, `${event} ${JSON.stringify(payload).slice(0, 80)}`);
    assert.equal(ack.error.code, 'INVALID', `${event} ${JSON.stringify(payload).slice(0, 80)}`);
  }
  // Names that are keys of Object.prototype are ordinary room names, not lookups gone wrong.
  for (const room of ['constructor', 'toString', 'hasOwnProperty']) {
    const joined = await request(client, ClientEvent.RoomJoin, { room });
    assert.equal(joined.ok, true, `${room}: ${JSON.stringify(joined)}`);
  }
  assert.equal(({} as { admin?: unknown }).admin, undefined);
  assert.equal(client.connected, true);
  await calm.assertUnaffected();
});

test('hostile names, query parameters and bodies on the HTTP APIs are 400 INVALID', async () => {
  const token = await tokenFor('injector-http');
  const enc = encodeURIComponent;
  for (const room of HOSTILE_ROOMS) {
    assertInvalid(
      await http(token, 'GET', `/v1/rooms/${enc(room)}/messages`),
      `history of ${room.slice(0, 40)}`,
    );
    assertInvalid(await http(token, 'GET', `/v1/rooms/${enc(room)}`), `info of ${room.slice(0, 40)}`);
    assertInvalid(
      await http(token, 'POST', '/v1/rooms', JSON.stringify({ room, visibility: 'public' })),
      `create ${room.slice(0, 40)}`,
    );
  }
  const room = target;
  assert.equal(
    (await http(token, 'POST', '/v1/rooms', JSON.stringify({ room, visibility: 'private' }))).status,
    201,
  );
  for (const query of [
    'limit=1;DROP TABLE messages',
    "before=' OR 1=1 --",
    'after=../../etc/passwd',
    'limit[]=1',
    '__proto__[admin]=1',
    'limit=1&limit=2',
    `before=${'9'.repeat(10_000)}`,
  ]) {
    assertInvalid(
      await http(token, 'GET', `/v1/rooms/${room}/messages?${query}`),
      `history ?${query.slice(0, 40)}`,
    );
  }
  for (const query of ['limit=1 OR 1=1', `after=${'x'.repeat(10_000)}`, 'limit[$gt]=0']) {
    assertInvalid(
      await http(token, 'GET', `/v1/rooms/${room}/members?${query}`),
      `members ?${query.slice(0, 40)}`,
    );
  }
  for (const body of [
    `{"room":"${room}-2","visibility":"public","__proto__":{"admin":true}}`,
    `{"room":"${room}-3","visibility":"public","constructor":{"prototype":{"admin":true}}}`,
    `{"room":"${room}-4","visibility":"public' OR '1'='1"}`,
  ]) {
    assertInvalid(await http(token, 'POST', '/v1/rooms', body), `create ${body}`);
  }
  for (const member of ['x'.repeat(10_000), 'nul\u0000user']) {
    assertInvalid(
      await http(
        token,
        'PUT',
        `/v1/rooms/${room}/members/${enc(member)}`,
        JSON.stringify({ role: 'member' }),
      ),
      `member ${member.slice(0, 20)}`,
    );
  }
  assertInvalid(
    await http(
      token,
      'PUT',
      `/v1/rooms/${room}/members/bob`,
      '{"role":"member","__proto__":{"role":"owner"}}',
    ),
    'member body with __proto__',
  );
  // A user id is any string a token may carry: SQL-shaped, it is stored as the literal it is.
  const odd = "robert'); DROP TABLE room_members; --";
  assert.equal(
    (await http(token, 'PUT', `/v1/rooms/${room}/members/${enc(odd)}`, JSON.stringify({ role: 'member' })))
      .status,
    201,
  );
  const members = await http(devServiceApiKey, 'GET', `/v1/rooms/${room}/members`);
  assert.deepEqual(
    members.body.members.map((m: { user: string }) => m.user).sort(),
    ['injector-http', odd].sort(),
  );
});

test('nothing shaped by the attempts was stored', async () => {
  const names = [...HOSTILE_ROOMS, okRoom].map((n) => n.split('\u0000').join(''));
  assert.deepEqual(await db.room.findMany({ where: { name: { in: names } }, select: { name: true } }), []);
  const stray = await db.message.count({
    where: { OR: [{ clientMsgId: 'p1', sender: 'injector' }, { room: { in: names } }] },
  });
  assert.equal(stray, 0);
  const refusedBodies = await db.room.count({
    where: { name: { in: ['-2', '-3', '-4'].map((s) => target + s) } },
  });
  assert.equal(refusedBodies, 0);
});
