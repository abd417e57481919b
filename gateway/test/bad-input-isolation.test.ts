import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, ClientEvent, type ErrorBody, ServerEvent } from '@switchboard/protocol';
import type { Socket } from 'socket.io-client';
import {
  connectClient,
  eventually,
  record,
  request,
  tokenFor,
  uniqueRoom,
  within,
} from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// A gateway of its own with small limits, so floods and oversized bodies are cheap to make.
// Bad tokens: token-policy.test.ts.
let gateway: GatewayProcess;
let bystander: Socket;
let peer: Socket;
let bystanderDisconnects = 0;
let bystanderSeen: ChatMessage[];
const room = uniqueRoom('isolation');
const sockets: Socket[] = [];

before(async () => {
  gateway = await startGateway({
    MAX_BODY_BYTES: '1024',
    MAX_FRAME_BYTES: '8192',
    RATE_LIMIT_BURST: '5',
    MAX_ROOMS_PER_CONNECTION: '3',
  });
  bystander = await connectClient(gateway.url, { user: 'bystander' });
  peer = await connectClient(gateway.url, { user: 'peer' });
  sockets.push(bystander, peer);
  bystander.on('disconnect', () => bystanderDisconnects++);
  bystanderSeen = record<ChatMessage>(bystander, ServerEvent.Message);
  await request(bystander, ClientEvent.RoomJoin, { room });
  await request(peer, ClientEvent.RoomJoin, { room });
});

after(async () => {
  for (const s of sockets) s.close();
  await stopGateway(gateway);
});

/** After each bad input, the others still talk: a fresh message from peer reaches the bystander. */
async function othersUnaffected() {
  const ack = await request(peer, ClientEvent.MessageSend, {
    room,
    clientMsgId: `ok-${Math.random().toString(36).slice(2)}`,
    body: 'still here',
  });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  await eventually('the bystander receives it', () => bystanderSeen.some((m) => m.id === ack.id));
  assert.equal(bystanderDisconnects, 0);
}

test('an unknown event gets UNKNOWN_EVENT, as an ack or as an error event', async () => {
  const client = await connectClient(gateway.url, { user: 'mallory' });
  sockets.push(client);
  const errors = record<{ error: ErrorBody }>(client, ServerEvent.Error);
  const ack = await request(client, 'admin:drop-tables', {});
  assert.equal(ack.ok, false);
  assert.equal(ack.error.code, 'UNKNOWN_EVENT');
  client.emit('what-is-this', 1, 2, 3);
  await eventually('the error event arrives', () => errors.length === 1);
  assert.equal(errors[0]?.error.code, 'UNKNOWN_EVENT');
  await othersUnaffected();
});

test('malformed payloads and rooms or too many rooms get INVALID, a room outside the token FORBIDDEN, a send outside a joined room NOT_JOINED', async () => {
  const token = await tokenFor('oscar', { rooms: ['only-this'] });
  const client = await connectClient(gateway.url, { token });
  sockets.push(client);
  const cases: [string, unknown, string][] = [
    [ClientEvent.RoomJoin, { room: 'bad room!' }, 'INVALID'],
    [ClientEvent.RoomJoin, { room: '' }, 'INVALID'],
    [ClientEvent.RoomJoin, 'general', 'INVALID'],
    [ClientEvent.RoomJoin, { room: 'general', extra: 1 }, 'INVALID'],
    [ClientEvent.RoomJoin, { room: 'general' }, 'FORBIDDEN'],
    [ClientEvent.MessageSend, { room: 'only-this', clientMsgId: 'has space', body: 'x' }, 'INVALID'],
    [ClientEvent.MessageSend, { room: 'only-this', clientMsgId: 'c1', body: '' }, 'INVALID'],
    [ClientEvent.MessageSend, { room: 'only-this', clientMsgId: 'c1', body: 'x' }, 'NOT_JOINED'],
  ];
  for (const [event, payload, code] of cases) {
    const ack = await request(client, event, payload);
    assert.equal(ack.ok, false, `${event} ${JSON.stringify(payload)}`);
    assert.equal(ack.error.code, code, `${event} ${JSON.stringify(payload)}: ${ack.error.message}`);
  }
  assert.equal((await request(client, ClientEvent.RoomJoin, { room: 'only-this' })).ok, true);

  const collector = await connectClient(gateway.url, { user: 'collector' });
  sockets.push(collector);
  for (const r of ['r1', 'r2', 'r3'])
    assert.equal((await request(collector, ClientEvent.RoomJoin, { room: r })).ok, true);
  const fourth = await request(collector, ClientEvent.RoomJoin, { room: 'r4' });
  assert.equal(fourth.error.code, 'INVALID', 'MAX_ROOMS_PER_CONNECTION');
  await othersUnaffected();
});

test('a body over MAX_BODY_BYTES gets TOO_LARGE; a frame over the buffer limit ends only that connection', async () => {
  const client = await connectClient(gateway.url, { user: 'trudy' });
  sockets.push(client);
  await request(client, ClientEvent.RoomJoin, { room });
  const ack = await request(client, ClientEvent.MessageSend, {
    room,
    clientMsgId: 'big',
    body: 'é'.repeat(513),
  });
  assert.equal(ack.ok, false);
  assert.equal(ack.error.code, 'TOO_LARGE');
  assert.equal(ack.error.retryable, false);

  const closed = new Promise<string>((resolve) => client.once('disconnect', resolve));
  client.emit(ClientEvent.MessageSend, { room, clientMsgId: 'huge', body: 'x'.repeat(20_000) });
  assert.equal(await within(closed, 'the connection to close'), 'transport close');
  await othersUnaffected();
  assert.ok(!bystanderSeen.some((m) => m.clientMsgId === 'big' || m.clientMsgId === 'huge'));
});

test('a flood past the rate limit gets RATE_LIMITED (retryable, with a delay); other users keep sending', async () => {
  const client = await connectClient(gateway.url, { user: 'flooder' });
  sockets.push(client);
  await request(client, ClientEvent.RoomJoin, { room });
  const acks = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      request(client, ClientEvent.MessageSend, { room, clientMsgId: `flood-${i}`, body: 'spam' }),
    ),
  );
  const limited = acks.filter((a) => a.ok === false);
  assert.ok(limited.length >= 10, `only ${limited.length} of 20 were limited`);
  for (const a of limited) {
    assert.equal(a.error.code, 'RATE_LIMITED');
    assert.equal(a.error.retryable, true);
    assert.ok(a.error.retryAfterMs > 0);
  }
  await othersUnaffected();
});
