import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { countRows } from './support/message-rows.ts';
import { makeMessages, roomsOf, withAdmin } from './support/message-stream.ts';
import { startPersister, waitReady, waitUntil } from './support/persister-process.ts';
import { useTestBed } from './support/test-bed.ts';

const bed = useTestBed('sigterm');

test('SIGTERM: the persister commits what it wrote, leaves the group and exits 0', async () => {
  const messages = makeMessages(`sigterm-${newMessageId()}`, 12, 2_000);
  const rooms = roomsOf(messages);
  const persister = await startPersister(bed.topics, { SHUTDOWN_GRACE_MS: '15000' });
  await waitReady(persister);
  await bed.producer.sendMessages(bed.topics.topic, messages);
  await waitUntil('every message is written', async () => (await countRows(rooms)) === messages.length);

  assert.equal(await persister.kill('SIGTERM'), 0);

  await withAdmin(async (admin) => {
    const [latest, committed, group] = await Promise.all([
      admin.fetchTopicOffsets(bed.topics.topic),
      admin.fetchOffsets({ groupId: bed.topics.groupId, topics: [bed.topics.topic] }),
      admin.describeGroups([bed.topics.groupId]),
    ]);
    const committedOffsets = Object.fromEntries(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
    for (const { partition, high } of latest) {
      if (high === '0') continue; // no record ever landed on it: nothing to commit
      assert.equal(committedOffsets[partition], high, `partition ${partition} committed up to its end`);
    }
    // It left the group rather than waiting for the session timeout to expel it.
    assert.deepEqual(group.groups[0]!.members, []);
  });
});
