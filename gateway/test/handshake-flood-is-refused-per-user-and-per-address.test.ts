import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ErrorBody } from '@switchboard/protocol';
import { bystanders, LIMIT_REFUSALS, metricValue } from './support/bystanders.ts';
import { connectClient } from './support/clients.ts';
import { type GatewayProcess, startGateway, stopGateway } from './support/gateway-processes.ts';

// Small handshake budgets, and a trusted proxy hop so a test can come "from" other addresses.
let gateway: GatewayProcess;

before(async () => {
  gateway = await startGateway({
    HANDSHAKE_USER_LIMIT_BURST: '5',
    HANDSHAKE_USER_LIMIT_PER_SECOND: '1',
    HANDSHAKE_ADDRESS_LIMIT_BURST: '5',
    HANDSHAKE_ADDRESS_LIMIT_PER_SECOND: '1',
    TRUSTED_PROXY_HOPS: '1',
    HANDSHAKE_ADDRESS_EXEMPT_LOOPBACK: 'true',
  });
});

after(() => stopGateway(gateway));

/** One handshake, closed at once when accepted: 'accepted' or the refusal's error body. */
async function attempt(user: string, fromAddress?: string): Promise<'accepted' | ErrorBody> {
  const headers = fromAddress ? { 'x-forwarded-for': fromAddress } : undefined;
  try {
    const socket = await connectClient(gateway.url, { user }, { extraHeaders: headers });
    socket.close();
    return 'accepted';
  } catch (err) {
    const data = (err as { data?: ErrorBody }).data;
    assert.ok(data, `a refusal without an error body: ${(err as Error).message}`);
    return data;
  }
}

function assertRateLimited(outcomes: ('accepted' | ErrorBody)[], what: string) {
  const refused = outcomes.filter((o): o is ErrorBody => o !== 'accepted');
  assert.ok(refused.length >= 10, `${what}: only ${refused.length} of ${outcomes.length} refused`);
  for (const error of refused) {
    assert.equal(error.code, 'RATE_LIMITED', JSON.stringify(error));
    assert.equal(error.retryable, true);
    assert.ok((error.retryAfterMs ?? 0) > 0, 'a refusal says when to retry');
  }
}

test('one user reconnecting in a loop is refused with RATE_LIMITED and retryAfterMs; others connect', async () => {
  const calm = await bystanders(gateway.url);
  const outcomes: ('accepted' | ErrorBody)[] = [];
  for (let i = 0; i < 20; i++) outcomes.push(await attempt('reconnect-looper'));
  assertRateLimited(outcomes, 'per user');
  assert.equal(await attempt('someone-else'), 'accepted');
  assert.ok((await metricValue(gateway.opsUrl, LIMIT_REFUSALS, { limit: 'handshake_user' })) >= 10);
  await calm.assertUnaffected();
});

test('one address opening connections for many users is refused; another address is not', async () => {
  const calm = await bystanders(gateway.url);
  const outcomes: ('accepted' | ErrorBody)[] = [];
  // Entries the client writes itself (left of what the trusted proxy appended) change nothing.
  for (let i = 0; i < 20; i++) outcomes.push(await attempt(`sybil-${i}`, `198.51.100.${i}, 203.0.113.66`));
  assertRateLimited(outcomes, 'per address');
  assert.equal(await attempt('neighbour', '203.0.113.67'), 'accepted');
  assert.ok((await metricValue(gateway.opsUrl, LIMIT_REFUSALS, { limit: 'handshake_address' })) >= 10);
  await calm.assertUnaffected();
});
