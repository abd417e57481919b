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
  topics = await createTestTopics('once');
  producer = await new TestProducer().connect();
});

after(async () => {
  await killAllPersisters();
  await producer.disconnect();
  await deleteTestTopics(topics);
  await pool.end();
});

test('N messages produced become N rows, each once, whatever is re-delivered or retried', async () => {
  const messages = makeMessages(`once-${newMessageId()}`, 30, 3_000);
  const rooms = roomsOf(messages);
  // A backlog before the persister starts (a new group reads from the beginning) ...
  await producer.sendMessages(topics.topic, messages.slice(0, 1_500));
  const persister = await startPersister(topics);
  await waitReady(persister);
  // ... and a live stream after it joined.
  await producer.sendMessages(topics.topic, messages.slice(1_500));
  // The same records again (a gateway's producer retry) and client retries of already-stored
  // messages under a new server id: neither may make a second row.
  const redelivered = messages.slice(100, 300);
  const clientRetries = messages.slice(400, 450).map((m) => ({ ...m, id: newMessageId() }));
  await producer.sendMessages(topics.topic, [...redelivered, ...clientRetries]);

  const consumed = messages.length + redelivered.length + clientRetries.length;
  await waitUntil(
    'every record is consumed and committed',
    async () =>
      (await persister.metric('switchboard_persister_records_consumed_total')) === consumed &&
      (await persister.metric('switchboard_persister_consumer_group_lag')) === 0,
  );

  assert.equal(await countRows(rooms), messages.length);
  const rows = await rowsOfRooms(rooms);
  assert.deepEqual(
    missingIds(
      messages.map((m) => m.id),
      rows,
    ),
    [],
  );
  assert.equal(await persister.metric('switchboard_persister_rows_written_total'), messages.length);
  assert.equal(
    await persister.metric('switchboard_persister_duplicates_skipped_total'),
    redelivered.length + clientRetries.length,
  );
  assert.equal(await persister.metric('switchboard_persister_dead_lettered_total'), undefined);
});
