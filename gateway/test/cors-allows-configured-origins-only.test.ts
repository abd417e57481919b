import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, ClientEvent, ServerEvent } from '@switchboard/protocol';
import { eventually, joinedClients, record, request, tokenFor, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// A gateway of its own with two allowed origins (the stack's gateways allow none).
const ALLOWED = ['https://chat.example.test', 'https://embed.example.test'];
const REFUSED = ['https://evil.example.test', 'https://chat.example.test.evil.example', 'null'];
let gateway: GatewayProcess;
let token: string;
const room = uniqueRoom('cors');
const joined = joinedClients();

before(async () => {
  gateway = await startGateway({ CORS_ORIGINS: ALLOWED.join(',') });
  token = await tokenFor('cora');
  const created = await call('POST', '/v1/rooms', { body: { room, visibility: 'public' } });
  assert.equal(created.status, 201);
});

after(async () => {
  await stopGateway(gateway);
});

async function call(
  method: string,
  path: string,
  options: { origin?: string; body?: unknown; auth?: boolean } = {},
): Promise<Response> {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.auth === false ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  await res.arrayBuffer();
  return res;
}

/** What a browser sends before a call with a bearer token (and a JSON body). */
function preflight(path: string, origin: string, method: string, headers: string): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

const list = (res: Response, header: string) =>
  (res.headers.get(header) ?? '').split(',').map((v) => v.trim().toLowerCase());

test('an allowed origin gets the CORS headers on history and rooms calls and on their preflights', async () => {
  const history = `/v1/rooms/${room}/messages`;
  for (const origin of ALLOWED) {
    for (const [path, method, headers] of [
      [history, 'GET', 'authorization'],
      ['/v1/rooms', 'POST', 'authorization,content-type'],
      [`/v1/rooms/${room}/members/cora`, 'PUT', 'authorization,content-type'],
      [`/v1/rooms/${room}`, 'DELETE', 'authorization'],
    ] as const) {
      const res = await preflight(path, origin, method, headers);
      assert.equal(res.status, 204, `preflight ${method} ${path}`);
      assert.equal(res.headers.get('access-control-allow-origin'), origin);
      assert.ok(list(res, 'access-control-allow-methods').includes(method.toLowerCase()));
      for (const h of headers.split(',')) assert.ok(list(res, 'access-control-allow-headers').includes(h), h);
      // The API authenticates by header, never by cookie.
      assert.equal(res.headers.get('access-control-allow-credentials'), null);
    }
    const calls = [
      await call('GET', history, { origin }),
      await call('GET', `/v1/rooms/${room}`, { origin }),
      await call('GET', '/v1/rooms', { origin }),
      // A refusal must be readable by the page too.
      await call('GET', history, { origin, auth: false }),
    ];
    assert.deepEqual(
      calls.map((r) => r.status),
      [200, 200, 200, 401],
    );
    for (const res of calls) {
      assert.equal(res.headers.get('access-control-allow-origin'), origin);
      assert.ok(list(res, 'vary').includes('origin'));
      assert.ok(list(res, 'access-control-expose-headers').includes('retry-after'));
    }
  }
});

test('another origin gets no CORS headers, on calls or preflights', async () => {
  for (const origin of REFUSED) {
    const pre = await preflight(`/v1/rooms/${room}/messages`, origin, 'GET', 'authorization');
    assert.equal(pre.headers.get('access-control-allow-origin'), null, `preflight from ${origin}`);
    assert.equal(pre.headers.get('access-control-allow-headers'), null, `preflight from ${origin}`);
    const res = await call('GET', `/v1/rooms/${room}/messages`, { origin });
    assert.equal(res.headers.get('access-control-allow-origin'), null, `GET from ${origin}`);
  }
});

test('Socket.IO admits the same origins as the API', async () => {
  const handshake = (origin: string) =>
    fetch(`${gateway.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
  for (const origin of ALLOWED)
    assert.equal((await handshake(origin)).headers.get('access-control-allow-origin'), origin);
  assert.equal((await handshake(REFUSED[0] as string)).headers.get('access-control-allow-origin'), null);
});

test('same-origin calls and chat are unaffected', async () => {
  const res = await call('GET', `/v1/rooms/${room}/messages`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  const sender = await joined(gateway.url, 'cora', room);
  const listener = await joined(gateway.url, 'cid', room);
  const seen = record<ChatMessage>(listener, ServerEvent.Message);
  const ack = await request(sender, ClientEvent.MessageSend, { room, clientMsgId: 'cors-1', body: 'hi' });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  await eventually('the listener receives it', () => seen.some((m) => m.id === ack.id));
});
