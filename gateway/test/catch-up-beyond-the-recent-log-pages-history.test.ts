import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, ClientEvent, type HistoryPage } from '@switchboard/protocol';
import type { Socket } from 'socket.io-client';
import { connectClient, request, tokenFor, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// A gateway with a short recent log and a small catch-up, so both bounds are crossed quickly.
let gateway: GatewayProcess;
const sockets: Socket[] = [];
before(async () => {
  // A send budget that 40 quick sends of one user stay within.
  gateway = await startGateway({
    ROOM_LOG_MAX_LEN: '10',
    CATCH_UP_MAX_MESSAGES: '5',
    RATE_LIMIT_BURST: '100',
    // The persister may lag on a busy machine; waiting for it is the behaviour under test.
    HISTORY_PERSIST_WAIT_MS: '60000',
  });
});
after(async () => {
  for (const s of sockets) s.close();
  await stopGateway(gateway);
});

type JoinReply = { ok: boolean; missed?: ChatMessage[]; complete?: boolean; error?: { code: string } };

test('a since older than the recent log: complete false, and paging history after the last fills the rest exactly (G9)', async () => {
  const room = uniqueRoom('catch-up-old');
  const sender = await connectClient(gateway.url, { user: 'sid' });
  sockets.push(sender);
  await request(sender, ClientEvent.RoomJoin, { room });
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) {
    const ack = await request(sender, ClientEvent.MessageSend, { room, clientMsgId: `m${i}`, body: `m${i}` });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    ids.push(ack.id);
  }
  const since = ids[2]!;
  const rejoin = await request<JoinReply>(sender, ClientEvent.RoomJoin, { room, since });
  assert.equal(rejoin.ok, true, JSON.stringify(rejoin));
  assert.equal(rejoin.complete, false);
  assert.deepEqual(
    rejoin.missed?.map((m) => m.id),
    ids.slice(3, 8),
  );

  // Page on from the last message of the catch-up; some of it may not be written yet.
  const token = await tokenFor('sid');
  const got = [...(rejoin.missed ?? [])];
  for (let cursor = got.at(-1)?.id; cursor; ) {
    const res = await fetch(`${gateway.url}/v1/rooms/${room}/messages?after=${cursor}&limit=7`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    const page = (await res.json()) as HistoryPage;
    got.push(...page.messages);
    cursor = page.nextAfter;
  }
  assert.deepEqual(
    got.map((m) => m.id),
    ids.slice(3),
    'every message after `since` once, in order',
  );
});

test('the newest message as since: an empty, complete catch-up', async () => {
  const room = uniqueRoom('catch-up-none');
  const client = await connectClient(gateway.url, { user: 'nia' });
  sockets.push(client);
  await request(client, ClientEvent.RoomJoin, { room });
  const ack = await request(client, ClientEvent.MessageSend, { room, clientMsgId: 'only', body: 'only' });
  const rejoin = await request<JoinReply>(client, ClientEvent.RoomJoin, { room, since: ack.id });
  assert.deepEqual([rejoin.ok, rejoin.missed, rejoin.complete], [true, [], true]);
});

test('an unknown since, or the id of another room, is INVALID and joins nothing', async () => {
  const room = uniqueRoom('catch-up-foreign');
  const other = uniqueRoom('catch-up-other');
  const client = await connectClient(gateway.url, { user: 'fay' });
  sockets.push(client);
  await request(client, ClientEvent.RoomJoin, { room: other });
  const foreign = await request(client, ClientEvent.MessageSend, {
    room: other,
    clientMsgId: 'f',
    body: 'f',
  });
  for (const since of ['0190a6b2-0000-7000-8000-000000000000', foreign.id, 'not-an-id']) {
    const reply = await request<JoinReply>(client, ClientEvent.RoomJoin, { room, since });
    assert.equal(reply.ok, false, since);
    assert.equal(reply.error?.code, 'INVALID', since);
  }
  const send = await request(client, ClientEvent.MessageSend, { room, clientMsgId: 'x', body: 'x' });
  assert.equal(send.error?.code, 'NOT_JOINED');
});
