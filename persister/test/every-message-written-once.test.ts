import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { countRows, missingIds, rowsOfRooms } from './support/message-rows.ts';
import { makeMessages, roomsOf } from './support/message-stream.ts';
import { startPersister, waitReady, waitUntil } from './support/persister-process.ts';
import { useTestBed } from './support/test-bed.ts';

const bed = useTestBed('once');

test('N messages produced become N rows, each once, whatever is re-delivered or retried', async () => {
  const messages = makeMessages(`once-${newMessageId()}`, 30, 3_000);
  const rooms = roomsOf(messages);
  // A backlog before the persister starts (a new group reads from the beginning) ...
  await bed.producer.sendMessages(bed.topics.topic, messages.slice(0, 1_500));
  const persister = await startPersister(bed.topics);
  await waitReady(persister);
  // ... and a live stream after it joined.
  await bed.producer.sendMessages(bed.topics.topic, messages.slice(1_500));
  // The same records again (a gateway's producer retry) and client retries of already-stored
  // messages under a new server id: neither may make a second row.
  const redelivered = messages.slice(100, 300);
  const clientRetries = messages.slice(400, 450).map((m) => ({ ...m, id: newMessageId() }));
  await bed.producer.sendMessages(bed.topics.topic, [...redelivered, ...clientRetries]);

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
