import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { sleep } from '@switchboard/service-kit';
import { countRows, missingIds, rowsOfRooms } from './support/message-rows.ts';
import { makeMessages, roomsOf } from './support/message-stream.ts';
import { startPersister, waitReady, waitUntil } from './support/persister-process.ts';
import { useTestBed } from './support/test-bed.ts';

const bed = useTestBed('scale');

test('scaling 1 -> 3 -> 1 persisters during a stream: no loss, no duplicate, rooms never reordered', async () => {
  const messages = makeMessages(`scale-${newMessageId()}`, 60, 12_000);
  const rooms = roomsOf(messages);
  const first = await startPersister(bed.topics);
  await waitReady(first);

  // The stream in three parts, each sent in order after the previous one (a room's ids must
  // reach its partition in order): one persister, then three, then one again while it flows.
  const third = messages.length / 3;
  const paced = async (part: typeof messages) => {
    for (let i = 0; i < part.length; i += 100) {
      await bed.producer.sendMessages(bed.topics.topic, part.slice(i, i + 100));
      await sleep(50);
    }
  };

  await paced(messages.slice(0, third));
  await waitUntil('rows are flowing', async () => (await countRows(rooms)) >= 1_000);
  const extra = [await startPersister(bed.topics), await startPersister(bed.topics)];
  await Promise.all(extra.map((p) => waitReady(p)));
  await waitUntil('the partitions are spread over three persisters', async () => {
    const assigned = await Promise.all(
      [first, ...extra].map((p) => p.metric('switchboard_persister_assigned_partitions')),
    );
    return assigned.every((n) => (n ?? 0) > 0);
  });

  await paced(messages.slice(third, 2 * third));
  await waitUntil('each new persister has written rows', async () => {
    const written = await Promise.all(extra.map((p) => p.metric('switchboard_persister_rows_written_total')));
    return written.every((n) => (n ?? 0) > 0);
  });

  // Scale back down the way Kubernetes does, while the last part flows: SIGTERM, and each
  // replica commits what it wrote and leaves the group.
  const lastPart = paced(messages.slice(2 * third));
  const exits = await Promise.all(extra.map((p) => p.kill('SIGTERM')));
  assert.deepEqual(exits, [0, 0]);
  await lastPart;
  await waitUntil(
    'the last persister has drained the stream',
    async () => (await countRows(rooms)) === messages.length,
  );

  const rows = await rowsOfRooms(rooms);
  assert.equal(rows.length, messages.length);
  assert.deepEqual(
    missingIds(
      messages.map((m) => m.id),
      rows,
    ),
    [],
  );
  // G4: within a room, a later id was never committed before an earlier one.
  const reordered: string[] = [];
  for (let i = 1; i < rows.length; i++) {
    const [previous, current] = [rows[i - 1]!, rows[i]!];
    if (previous.room === current.room && current.persisted_at < previous.persisted_at)
      reordered.push(current.id);
  }
  assert.deepEqual(reordered, []);
});
