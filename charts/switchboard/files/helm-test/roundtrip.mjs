// `helm test`: one message through the gateway Service and back, then from the history API.
// No dependencies: Node's built-in WebSocket speaks Engine.IO v4 / Socket.IO v5 frames, and
// node:crypto signs the HS256 token (or TOKEN is given). Exit 0 only after the full round trip.
//
// Env: GATEWAY_URL (http://service:port), TOKEN or JWT_SECRET (+ JWT_ISSUER, JWT_AUDIENCE),
// TIMEOUT_SECONDS. Also run by charts/test/helm-test-roundtrip.test.ts against a local gateway.
import { createHmac, randomUUID } from 'node:crypto';

const base = (process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const timeoutMs = Number(process.env.TIMEOUT_SECONDS ?? 60) * 1000;
const room = `helm-test.${randomUUID().slice(0, 8)}`;
const clientMsgId = `helm-test-${randomUUID()}`;
const body = `helm test round trip ${new Date().toISOString()}`;

const deadline = setTimeout(() => fail(`no complete round trip within ${timeoutMs / 1000} s`), timeoutMs);

function fail(reason) {
  console.error(`FAIL: ${reason}`);
  process.exit(1);
}

function b64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function token() {
  if (process.env.TOKEN) return process.env.TOKEN;
  const secret = process.env.JWT_SECRET;
  if (!secret) fail('set TOKEN, or JWT_SECRET for an HS256 gateway');
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'helm-test', iat: now, exp: now + 300, rooms: [room] };
  if (process.env.JWT_ISSUER) claims.iss = process.env.JWT_ISSUER;
  if (process.env.JWT_AUDIENCE) claims.aud = process.env.JWT_AUDIENCE;
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const jwt = token();
const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
const acks = new Map();
let nextAck = 1;
let sentId;
let connected;
const connectedPromise = new Promise((resolve) => {
  connected = resolve;
});
let broadcast;
const broadcastPromise = new Promise((resolve) => {
  broadcast = resolve;
});

ws.addEventListener('error', () => fail(`cannot open a WebSocket to ${base}`));
ws.addEventListener('close', (event) => {
  if (!sentId) fail(`connection closed early (code ${event.code})`);
});
ws.addEventListener('message', ({ data }) => {
  const frame = String(data);
  if (frame.startsWith('0'))
    ws.send(`40${JSON.stringify({ token: jwt })}`); // open -> connect with auth
  else if (frame === '2')
    ws.send('3'); // ping -> pong
  else if (frame.startsWith('40')) connected();
  else if (frame.startsWith('44')) fail(`connection refused: ${frame.slice(2)}`);
  else if (frame.startsWith('43')) {
    const [, id, payload] = frame.match(/^43(\d+)(.*)$/s) ?? [];
    acks.get(Number(id))?.(JSON.parse(payload)[0]);
  } else if (frame.startsWith('42')) {
    const [event, payload] = JSON.parse(frame.slice(2));
    if (event === 'message' && payload.clientMsgId === clientMsgId) broadcast(payload);
  }
});

function emit(event, payload) {
  const id = nextAck++;
  return new Promise((resolve) => {
    acks.set(id, resolve);
    ws.send(`42${id}${JSON.stringify([event, payload])}`);
  });
}

await connectedPromise;
const joined = await emit('room:join', { room });
if (!joined?.ok) fail(`room:join refused: ${JSON.stringify(joined)}`);
const ack = await emit('message:send', { room, clientMsgId, body });
if (!ack?.ok) fail(`message:send refused: ${JSON.stringify(ack)}`);
sentId = ack.id;
const echoed = await broadcastPromise;
if (echoed.id !== sentId || echoed.body !== body)
  fail(`broadcast does not match the ack: ${JSON.stringify(echoed)}`);
console.log(`acked and broadcast: ${sentId} in ${room}`);
ws.close();

// The persister writes asynchronously: poll history until the row is there.
for (;;) {
  const res = await fetch(`${base}/v1/rooms/${encodeURIComponent(room)}/messages?limit=10`, {
    headers: { authorization: `Bearer ${jwt}` },
  });
  if (res.ok) {
    const page = await res.json();
    if (page.messages.some((m) => m.id === sentId && m.body === body)) break;
  } else if (res.status !== 503) {
    fail(`history answered ${res.status}: ${await res.text()}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
clearTimeout(deadline);
console.log(`PASS: ${sentId} round-tripped through ${base} and is in the history`);
