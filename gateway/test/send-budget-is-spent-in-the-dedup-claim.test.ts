import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { ErrorCode, messageIdTime, newMessageId, SwitchboardError } from '@switchboard/protocol';
import { redisClient } from '@switchboard/stack';
import { createBudgets } from '../src/limits/budget.ts';
import { createMessageDedup } from '../src/message-dedup.ts';

const redis = redisClient();
after(() => redis.disconnect());

const refusals: string[] = [];
const budget = createBudgets(redis, { onRefused: (limit, reason) => refusals.push(`${limit}/${reason}`) });
const dedup = createMessageDedup(redis, {
  ttlSeconds: 60,
  pendingLeaseMs: 5000,
  keyPrefix: 'sb:test:dedup:',
  // Not about Redis losing its data: a fresh claim is a first attempt.
  unverifiedAfterLossMs: 0,
});

function proposal() {
  const id = newMessageId();
  return { id, ts: messageIdTime(id) };
}

test('a send takes its token in the claim’s script: one bucket with take(), nothing claimed when empty', async () => {
  const room = `r-${randomUUID()}`;
  const user = `u-${randomUUID()}`;
  // Two tokens, refilled far slower than this test runs.
  const sends = budget('sends_test', { what: 'messages', burst: 2, perSecond: 0.01 });

  await sends.take(user);
  const first = proposal();
  assert.deepEqual(
    await dedup.claim({ room, sender: user, clientMsgId: 'c1' }, first, 'one', sends.bucket(user)),
    {
      kind: 'claimed',
      ...first,
      fresh: true,
    },
  );

  const second = proposal();
  const limited = await dedup.claim(
    { room, sender: user, clientMsgId: 'c2' },
    second,
    'two',
    sends.bucket(user),
  );
  assert.ok(limited.kind === 'limited', JSON.stringify(limited));
  assert.ok(limited.retryAfterMs > 0);
  // Refused before the entry: the same clientMsgId, once allowed, is a first attempt.
  assert.deepEqual(await dedup.claim({ room, sender: user, clientMsgId: 'c2' }, second, 'two'), {
    kind: 'claimed',
    ...second,
    fresh: true,
  });

  // The refusal is the one take() throws, counted the same way.
  const refusal = sends.bucket(user).refused(limited.retryAfterMs);
  assert.equal(refusal.code, ErrorCode.RateLimited);
  assert.equal(refusal.retryAfterMs, limited.retryAfterMs);
  await assert.rejects(
    sends.take(user),
    (err) => err instanceof SwitchboardError && err.code === ErrorCode.RateLimited,
  );
  assert.deepEqual(refusals, ['sends_test/rate', 'sends_test/rate']);
});

test('a claim without a bucket (the server API) spends no token', async () => {
  const room = `r-${randomUUID()}`;
  const user = `u-${randomUUID()}`;
  const sends = budget('sends_test', { what: 'messages', burst: 1, perSecond: 0.01 });
  for (const clientMsgId of ['a', 'b', 'c']) {
    const p = proposal();
    assert.equal((await dedup.claim({ room, sender: user, clientMsgId }, p, clientMsgId)).kind, 'claimed');
  }
  await sends.take(user);
});
