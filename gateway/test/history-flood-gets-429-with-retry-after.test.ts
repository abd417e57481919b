import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClientEvent } from '@switchboard/protocol';
import { bystanders, LIMIT_REFUSALS, metricValue } from './support/bystanders.ts';
import { connectClient, request, tokenFor } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

let gateway: GatewayProcess;

before(async () => {
  gateway = await startGateway({
    HISTORY_LIMIT_BURST: '20',
    HISTORY_LIMIT_PER_SECOND: '1',
    HISTORY_MAX_CONCURRENT_PER_USER: '2',
    HISTORY_MAX_CONCURRENT: '10',
  });
});

after(() => stopGateway(gateway));

async function history(room: string, token: string) {
  const res = await fetch(`${gateway.url}/v1/rooms/${encodeURIComponent(room)}/messages?limit=50`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { error: { code: string }; messages: unknown[] };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

test('150 parallel history calls of one user get 429 RATE_LIMITED with Retry-After; another user reads', async () => {
  const calm = await bystanders(gateway.url);
  const reader = await connectClient(gateway.url, { user: 'history-flooder' });
  after(() => reader.close());
  // A public room the flooder is in, with history to read.
  assert.equal((await request(reader, ClientEvent.RoomJoin, { room: calm.room })).ok, true);
  await calm.assertUnaffected();

  const token = await tokenFor('history-flooder');
  const replies = await Promise.all(Array.from({ length: 150 }, () => history(calm.room, token)));
  const refused = replies.filter((r) => r.status !== 200);
  assert.ok(refused.length >= 130, `only ${refused.length} of 150 were refused`);
  for (const r of refused) {
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'RATE_LIMITED');
    assert.ok(Number(r.retryAfter) >= 1, `Retry-After: ${r.retryAfter}`);
  }

  const other = await history(calm.room, await tokenFor('history-bystander'));
  assert.equal(other.status, 200, JSON.stringify(other.body));
  assert.ok(other.body.messages.length >= 1);
  assert.ok((await metricValue(gateway.opsUrl, LIMIT_REFUSALS, { limit: 'history' })) >= 130);
  await calm.assertUnaffected();
});
