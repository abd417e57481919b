import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { countRows, missingIds, pool, rowsOfRooms } from './support/message-rows.ts';
import {
  createTestTopics,
  deleteTestTopics,
  makeMessages,
  roomsOf,
  TestProducer,
  type TestTopics,
} from './support/message-stream.ts';
import { killAllPersisters, startPersister, waitReady, waitUntil } from './support/persister-process.ts';

let topics: TestTopics;
let producer: TestProducer;

before(async () => {
  topics = await createTestTopics('kill');
  producer = await new TestProducer().connect();
});

after(async () => {
  await killAllPersisters();
  await producer.disconnect();
  await deleteTestTopics(topics);
  await pool.end();
});

test('kill -9 of the persister mid-stream, then a restart: every message exactly once', async () => {
  const messages = makeMessages(`kill-${newMessageId()}`, 40, 8_000);
  const rooms = roomsOf(messages);
  const first = await startPersister(topics);
  await waitReady(first);

  // The stream keeps flowing while the persister dies and comes back.
  const stream = producer.sendMessages(topics.topic, messages, 100);
  await waitUntil(
    'the first persister has written part of the stream',
    async () => (await countRows(rooms)) >= 2_000,
  );
  await first.kill('SIGKILL');
  const writtenAtKill = await countRows(rooms);

  const second = await startPersister(topics);
  await stream;
  await waitUntil(
    'the restarted persister has caught up',
    async () => (await countRows(rooms)) === messages.length,
  );
  await waitUntil(
    'the group has committed everything',
    async () => (await second.metric('switchboard_persister_consumer_group_lag')) === 0,
  );

  assert.ok(writtenAtKill < messages.length, 'the kill happened mid-stream');
  assert.equal(await countRows(rooms), messages.length);
  assert.deepEqual(
    missingIds(
      messages.map((m) => m.id),
      await rowsOfRooms(rooms),
    ),
    [],
  );
});
