import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { countRows, pool } from './support/message-rows.ts';
import {
  createTestTopics,
  deleteTestTopics,
  makeMessages,
  roomsOf,
  TestProducer,
  type TestTopics,
  withAdmin,
} from './support/message-stream.ts';
import { killAllPersisters, startPersister, waitReady, waitUntil } from './support/persister-process.ts';

let topics: TestTopics;
let producer: TestProducer;

before(async () => {
  topics = await createTestTopics('sigterm');
  producer = await new TestProducer().connect();
});

after(async () => {
  await killAllPersisters();
  await producer.disconnect();
  await deleteTestTopics(topics);
  await pool.end();
});

test('SIGTERM: the persister commits what it wrote, leaves the group and exits 0', async () => {
  const messages = makeMessages(`sigterm-${newMessageId()}`, 12, 2_000);
  const rooms = roomsOf(messages);
  const persister = await startPersister(topics, { SHUTDOWN_GRACE_MS: '15000' });
  await waitReady(persister);
  await producer.sendMessages(topics.topic, messages);
  await waitUntil('every message is written', async () => (await countRows(rooms)) === messages.length);

  assert.equal(await persister.kill('SIGTERM'), 0);

  await withAdmin(async (admin) => {
    const [latest, committed, group] = await Promise.all([
      admin.fetchTopicOffsets(topics.topic),
      admin.fetchOffsets({ groupId: topics.groupId, topics: [topics.topic] }),
      admin.describeGroups([topics.groupId]),
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
