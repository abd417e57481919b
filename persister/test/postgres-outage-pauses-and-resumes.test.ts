import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { down, up } from '@switchboard/stack';
import { countRows, missingIds, rowsOfRooms } from './support/message-rows.ts';
import { makeMessages, roomsOf } from './support/message-stream.ts';
import { startPersister, waitReady, waitUntil } from './support/persister-process.ts';
import { useTestBed } from './support/test-bed.ts';

// Whatever happened, leave PostgreSQL running for the next test file.
const bed = useTestBed('outage', () => up({ only: ['postgres'] }));

test('PostgreSQL stopped for a while: the persister pauses, turns unready, resumes by itself and loses nothing', async () => {
  const messages = makeMessages(`outage-${newMessageId()}`, 24, 3_000);
  const rooms = roomsOf(messages);
  const persister = await startPersister(bed.topics);
  await waitReady(persister);
  await bed.producer.sendMessages(bed.topics.topic, messages.slice(0, 1_000));
  await waitUntil('the first part is written', async () => (await countRows(rooms)) === 1_000);

  await down({ only: ['postgres'] });
  await bed.producer.sendMessages(bed.topics.topic, messages.slice(1_000));
  await waitUntil('the persister has paused partitions and reports itself unready', async () => {
    const paused = await persister.metric('switchboard_persister_paused_partitions');
    const readyz = await persister.readyz();
    return (paused ?? 0) > 0 && readyz.status === 503 && readyz.body.includes('paused after failed writes');
  });
  // The outage lasts through several retries of every partition, each later than the last.
  await waitUntil(
    'every partition has retried and failed a few times',
    async () => ((await persister.metric('switchboard_persister_write_failures_total')) ?? 0) >= 36,
  );
  assert.equal(persister.child.exitCode, null, 'the persister keeps running through the outage');
  assert.equal((await persister.readyz()).status, 503);

  await up({ only: ['postgres'] });
  await waitUntil('the persister has caught up', async () => (await countRows(rooms)) === messages.length);
  await waitUntil('the persister is ready again with nothing paused', async () => {
    const paused = await persister.metric('switchboard_persister_paused_partitions');
    return paused === 0 && (await persister.readyz()).status === 200;
  });

  assert.equal(persister.child.exitCode, null);
  assert.deepEqual(
    missingIds(
      messages.map((m) => m.id),
      await rowsOfRooms(rooms),
    ),
    [],
  );
  assert.equal(await persister.metric('switchboard_persister_rows_written_total'), messages.length);
});
