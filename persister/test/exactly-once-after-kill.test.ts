import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { countRows, missingIds, rowsOfRooms } from './support/message-rows.ts';
import { makeMessages, roomsOf } from './support/message-stream.ts';
import { startPersister, waitReady, waitUntil } from './support/persister-process.ts';
import { useTestBed } from './support/test-bed.ts';

const bed = useTestBed('kill');

test('kill -9 of the persister mid-stream, then a restart: every message exactly once', async () => {
  const messages = makeMessages(`kill-${newMessageId()}`, 40, 8_000);
  const rooms = roomsOf(messages);
  const first = await startPersister(bed.topics);
  await waitReady(first);

  // The stream keeps flowing while the persister dies and comes back.
  const stream = bed.producer.sendMessages(bed.topics.topic, messages, 100);
  await waitUntil(
    'the first persister has written part of the stream',
    async () => (await countRows(rooms)) >= 2_000,
  );
  await first.kill('SIGKILL');
  const writtenAtKill = await countRows(rooms);

  const second = await startPersister(bed.topics);
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
