import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { messageIdTime, newMessageId } from '@switchboard/protocol';
import { redisClient } from '@switchboard/stack';
import { createMessageDedup } from '../src/message-dedup.ts';

const redis = redisClient();
after(() => redis.disconnect());

// Not about Redis losing its data (unverifiedAfterLossMs: 0): a fresh claim is a first attempt.
const dedup = createMessageDedup(redis, {
  ttlSeconds: 60,
  pendingLeaseMs: 300,
  keyPrefix: 'sb:test:dedup:',
  unverifiedAfterLossMs: 0,
});

const BODY = 'the same body on every attempt';

function proposal() {
  const id = newMessageId();
  return { id, ts: messageIdTime(id) };
}

test('a claim whose gateway died mid-send keeps its id: after the lease, a retry reuses it (G3)', async () => {
  const room = `r-${randomUUID()}`;
  const first = proposal();
  const claimed = await dedup.claim({ room, sender: 'alice', clientMsgId: 'c1' }, first, BODY);
  assert.deepEqual(claimed, { kind: 'claimed', ...first, fresh: true });
  // The claiming gateway dies: neither acked() nor failed() ever runs.
  const second = proposal();
  assert.deepEqual(await dedup.claim({ room, sender: 'alice', clientMsgId: 'c1' }, second, BODY), {
    kind: 'pending',
  });
  await new Promise((r) => setTimeout(r, 400));
  // A record produced before the crash and the retry are one message: same id, one row.
  assert.deepEqual(await dedup.claim({ room, sender: 'alice', clientMsgId: 'c1' }, second, BODY), {
    kind: 'claimed',
    ...first,
    fresh: false,
  });
  await dedup.acked({ room, sender: 'alice', clientMsgId: 'c1' }, first);
  assert.deepEqual(await dedup.claim({ room, sender: 'alice', clientMsgId: 'c1' }, second, BODY), {
    kind: 'acked',
    ...first,
  });
});

test('only the attempt holding the entry settles it', async () => {
  const room = `r-${randomUUID()}`;
  const first = proposal();
  await dedup.claim({ room, sender: 'bob', clientMsgId: 'c1' }, first, BODY);
  const stranger = proposal();
  await dedup.acked({ room, sender: 'bob', clientMsgId: 'c1' }, stranger);
  assert.deepEqual(await dedup.claim({ room, sender: 'bob', clientMsgId: 'c1' }, stranger, BODY), {
    kind: 'pending',
  });
  await dedup.failed({ room, sender: 'bob', clientMsgId: 'c1' }, first);
  const retry = proposal();
  assert.deepEqual(await dedup.claim({ room, sender: 'bob', clientMsgId: 'c1' }, retry, BODY), {
    kind: 'claimed',
    ...first,
    fresh: false,
  });
});
