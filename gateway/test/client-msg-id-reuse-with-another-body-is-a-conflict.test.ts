import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import {
  type ChatMessage,
  ClientEvent,
  messageIdTime,
  newMessageId,
  ServerEvent,
} from '@switchboard/protocol';
import { HOST, kafkaSettings, ports, redisClient } from '@switchboard/stack';
import { bodyDigest, createMessageDedup, dedupEntryKey } from '../src/message-dedup.ts';
import { eventually, joinedClients, record, request, uniqueRoom } from './support/clients.ts';
import { endOffsets, storedMessages } from './support/topic-records.ts';

/**
 * G3 (issue 11): a clientMsgId names one message. A retry with the same body gets the first id
 * back; the same clientMsgId with another body is refused with CONFLICT (not retryable), never
 * acknowledged, broadcast or stored, whatever state the first attempt is in. A bystander on
 * the same gateway sends and receives as usual meanwhile.
 */
const gateway = `http://${HOST}:${ports.gateway1}`;
const joined = joinedClients();
const suffix = Math.random().toString(36).slice(2, 8);

test('the same clientMsgId with another body is refused with CONFLICT; the first message stays the only one', async () => {
  const room = uniqueRoom('conflict');
  const calmRoom = uniqueRoom('conflict-calm');
  const from = await endOffsets(kafkaSettings.topic);
  const sender = await joined(gateway, `carl-${suffix}`, room);
  const listener = await joined(gateway, `lena-${suffix}`, room);
  const bystander = await joined(gateway, `bea-${suffix}`, calmRoom);
  const seen = record<ChatMessage>(listener, ServerEvent.Message);
  const bystanderSeen = record<ChatMessage>(bystander, ServerEvent.Message);
  const send = (clientMsgId: string, body: string) =>
    request(sender, ClientEvent.MessageSend, { room, clientMsgId, body });

  const first = await send('reused', 'the first text');
  assert.equal(first.ok, true, JSON.stringify(first));
  const [conflict, calm] = await Promise.all([
    send('reused', 'a different text'),
    request(bystander, ClientEvent.MessageSend, { room: calmRoom, clientMsgId: 'calm', body: 'meanwhile' }),
  ]);
  assert.deepEqual(
    { ok: conflict.ok, code: conflict.error?.code, retryable: conflict.error?.retryable },
    { ok: false, code: 'CONFLICT', retryable: false },
  );
  assert.equal(calm.ok, true, JSON.stringify(calm));
  await eventually('the bystander receives its message', () => bystanderSeen.some((m) => m.id === calm.id));

  // A true retry still gets the first id back, and is not broadcast again.
  const retry = await send('reused', 'the first text');
  assert.deepEqual(retry, { ok: true, id: first.id, ts: first.ts, duplicate: true });
  const marker = await send('marker', 'marker');
  await eventually('the marker arrives', () => seen.some((m) => m.id === marker.id));
  assert.deepEqual(
    seen.filter((m) => m.clientMsgId === 'reused').map((m) => [m.id, m.body]),
    [[first.id, 'the first text']],
  );

  const stored = (
    await storedMessages(kafkaSettings.topic, from, await endOffsets(kafkaSettings.topic))
  ).filter((m) => m.room === room);
  assert.deepEqual(new Set(stored.map((m) => m.body)), new Set(['the first text', 'marker']));
});

// The dedup entry across its states, on the real Redis (as another pod would see it).
const redis = redisClient();
after(() => redis.disconnect());
const dedup = createMessageDedup(redis, {
  ttlSeconds: 60,
  pendingLeaseMs: 300,
  keyPrefix: 'sb:test:dedup-conflict:',
  // Not about Redis losing its data: a fresh claim is a first attempt.
  unverifiedAfterLossMs: 0,
});

function proposal() {
  const id = newMessageId();
  return { id, ts: messageIdTime(id) };
}

test('another body conflicts while the first attempt is in flight, after it failed and after it was acked', async () => {
  const room = `r-${randomUUID()}`;
  const first = proposal();
  assert.deepEqual(await dedup.claim({ room, sender: 'ann', clientMsgId: 'c1' }, first, 'one'), {
    kind: 'claimed',
    ...first,
    fresh: true,
  });
  const other = proposal();
  // In flight (another pod producing it): the same body waits, another body conflicts at once.
  assert.deepEqual(await dedup.claim({ room, sender: 'ann', clientMsgId: 'c1' }, other, 'one'), {
    kind: 'pending',
  });
  assert.deepEqual(await dedup.claim({ room, sender: 'ann', clientMsgId: 'c1' }, other, 'two'), {
    kind: 'conflict',
  });
  // Failed (its outcome unknown): the conflict leaves the entry alone, the same body reclaims the id.
  await dedup.failed({ room, sender: 'ann', clientMsgId: 'c1' }, first);
  assert.deepEqual(await dedup.claim({ room, sender: 'ann', clientMsgId: 'c1' }, other, 'two'), {
    kind: 'conflict',
  });
  assert.deepEqual(await dedup.claim({ room, sender: 'ann', clientMsgId: 'c1' }, other, 'one'), {
    kind: 'claimed',
    ...first,
    fresh: false,
  });
  // Acked.
  await dedup.acked({ room, sender: 'ann', clientMsgId: 'c1' }, first);
  assert.deepEqual(await dedup.claim({ room, sender: 'ann', clientMsgId: 'c1' }, other, 'two'), {
    kind: 'conflict',
  });
  assert.deepEqual(await dedup.claim({ room, sender: 'ann', clientMsgId: 'c1' }, other, 'one'), {
    kind: 'acked',
    ...first,
  });
  // The lease of a dead pod ran out: still the first body's id, still a conflict for another.
  const room2 = `r-${randomUUID()}`;
  await dedup.claim({ room: room2, sender: 'ann', clientMsgId: 'c1' }, first, 'one');
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(await dedup.claim({ room: room2, sender: 'ann', clientMsgId: 'c1' }, other, 'two'), {
    kind: 'conflict',
  });
  assert.deepEqual(await dedup.claim({ room: room2, sender: 'ann', clientMsgId: 'c1' }, other, 'one'), {
    kind: 'claimed',
    ...first,
    fresh: false,
  });
});

test('an entry written before digests existed accepts the retry and gains the digest', async () => {
  const room = `r-${randomUUID()}`;
  const first = proposal();
  const key = dedupEntryKey('sb:test:dedup-conflict:', { room, sender: 'ann', clientMsgId: 'c1' });
  await redis.set(key, `F|${first.id}|${first.ts}`, 'EX', 60);
  const other = proposal();
  assert.deepEqual(await dedup.claim({ room, sender: 'ann', clientMsgId: 'c1' }, other, 'one'), {
    kind: 'claimed',
    ...first,
    fresh: false,
  });
  assert.match(
    (await redis.get(key)) ?? '',
    new RegExp(`^P\\|${first.id}\\|${first.ts}\\|${bodyDigest('one')}\\|\\d+$`),
  );
  await dedup.acked({ room, sender: 'ann', clientMsgId: 'c1' }, first);
  assert.equal(await redis.get(key), `A|${first.id}|${first.ts}|${bodyDigest('one')}`);
  assert.deepEqual(await dedup.claim({ room, sender: 'ann', clientMsgId: 'c1' }, other, 'two'), {
    kind: 'conflict',
  });
});
