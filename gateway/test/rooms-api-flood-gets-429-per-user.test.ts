import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { devServiceApiKey } from '@switchboard/stack';
import { bystanders, LIMIT_REFUSALS, metricValue } from './support/bystanders.ts';
import { tokenFor, uniqueRoom } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

let gateway: GatewayProcess;

before(async () => {
  gateway = await startGateway({ ROOMS_API_LIMIT_BURST: '5', ROOMS_API_LIMIT_PER_SECOND: '1' });
});

after(() => stopGateway(gateway));

async function call(bearer: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: text ? JSON.parse(text) : {},
  };
}

test('a rooms API flood of one user gets 429 with Retry-After; other users and services are served', async () => {
  const calm = await bystanders(gateway.url);
  const token = await tokenFor('rooms-flooder');
  const replies = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      i % 2
        ? call(token, 'GET', '/v1/rooms')
        : call(token, 'POST', '/v1/rooms', { room: uniqueRoom('flood'), visibility: 'private' }),
    ),
  );
  const refused = replies.filter((r) => r.status === 429);
  assert.ok(refused.length >= 30, `only ${refused.length} of 40 were refused`);
  for (const r of refused) {
    assert.equal(r.body.error.code, 'RATE_LIMITED');
    assert.ok(Number(r.retryAfter) >= 1, `Retry-After: ${r.retryAfter}`);
  }
  assert.ok(
    replies.every((r) => r.status === 429 || r.status < 300),
    'only 429 refusals',
  );

  assert.equal((await call(await tokenFor('rooms-bystander'), 'GET', '/v1/rooms')).status, 200);
  // Backend services with an API key are not limited per user.
  assert.equal((await call(devServiceApiKey, 'GET', `/v1/rooms/${calm.room}`)).status, 200);
  assert.ok(
    (await metricValue(gateway.opsUrl, LIMIT_REFUSALS, { limit: 'rooms_api', reason: 'rate' })) >= 30,
  );
  await calm.assertUnaffected();
});
