import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, ClientEvent, type HistoryPage } from '@switchboard/protocol';
import { kill, serviceByName, startService } from '@switchboard/stack';
import type { Socket } from 'socket.io-client';
import { connectClient, request, tokenFor, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// A short recent log, and a short wait for the persister so its absence shows quickly.
let gateway: GatewayProcess;
const sockets: Socket[] = [];
before(async () => {
  gateway = await startGateway({
    ROOM_LOG_MAX_LEN: '10',
    CATCH_UP_MAX_MESSAGES: '5',
    RATE_LIMIT_BURST: '100',
    HISTORY_PERSIST_WAIT_MS: '300',
  });
});
after(async () => {
  for (const s of sockets) s.close();
  await stopGateway(gateway);
  await startService(serviceByName('persister'));
});

type JoinReply = { ok: boolean; missed?: ChatMessage[]; complete?: boolean };

test('messages the recent log dropped before the persister wrote them are never skipped: catch-up says complete false, history says retry, then pages them all (G9)', async () => {
  const room = uniqueRoom('catch-up-dropped');
  const sender = await connectClient(gateway.url, { user: 'dov' });
  sockets.push(sender);
  await request(sender, ClientEvent.RoomJoin, { room });
  await kill('persister');
  const ids: string[] = [];
  // Long enough bodies that the stream's length bound drops whole nodes of them.
  for (let i = 0; i < 40; i++) {
    const body = `m${i} ${'x'.repeat(300)}`;
    const ack = await request(sender, ClientEvent.MessageSend, { room, clientMsgId: `m${i}`, body });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    ids.push(ack.id);
  }

  const rejoin = await request<JoinReply>(sender, ClientEvent.RoomJoin, { room, since: ids[2] });
  assert.equal(rejoin.ok, true, JSON.stringify(rejoin));
  assert.deepEqual([rejoin.missed, rejoin.complete], [[], false], 'nothing newer is handed over a hole');

  const token = await tokenFor('dov');
  const page = (cursor: string) =>
    fetch(`${gateway.url}/v1/rooms/${room}/messages?after=${cursor}&limit=7`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const refused = await page(ids[2]!);
  assert.equal(refused.status, 503);
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'UNAVAILABLE');
  const latest = await fetch(`${gateway.url}/v1/rooms/${room}/messages?limit=3`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(latest.status, 200, 'the newest page lies inside the log');
  assert.deepEqual(
    ((await latest.json()) as HistoryPage).messages.map((m) => m.id),
    ids.slice(-3),
  );

  await startService(serviceByName('persister'));
  const got: string[] = [];
  for (let cursor: string | undefined = ids[2]; cursor; ) {
    const res = await page(cursor);
    if (res.status === 503) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    assert.equal(res.status, 200);
    const body = (await res.json()) as HistoryPage;
    got.push(...body.messages.map((m) => m.id));
    cursor = body.nextAfter;
  }
  assert.deepEqual(got, ids.slice(3), 'every message after since once, in order');
});
