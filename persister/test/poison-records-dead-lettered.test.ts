import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, KafkaHeader, newMessageId } from '@switchboard/protocol';
import { countRows, missingIds, rowsOfRooms } from './support/message-rows.ts';
import { kafka, makeMessages, type RawRecord, toRecord } from './support/message-stream.ts';
import { startPersister, waitReady, waitUntil } from './support/persister-process.ts';
import { useTestBed } from './support/test-bed.ts';

const bed = useTestBed('poison');

type DeadLetter = { value: string | null; headers: Record<string, string> };

test('poison records go to the dead-letter topic with their error and origin; their neighbours are written', async () => {
  const room = `poison-${newMessageId()}`;
  // All in one room, so all on one partition: a poison record must not block the ones after it.
  const valid = makeMessages(room, 1, 6).map((m) => ({ ...m, room }));
  const template = toRecord(valid[0]!);
  const poison: { record: RawRecord; code: string; error: RegExp }[] = [
    { record: { key: room, value: '{"id": "not json' }, code: ErrorCode.Invalid, error: /not JSON/ },
    {
      record: { key: room, value: JSON.stringify({ ...valid[0], id: 'abc', sender: undefined }) },
      code: ErrorCode.Invalid,
      error: /schema/,
    },
    {
      record: {
        key: room,
        value: JSON.stringify({ ...valid[0], id: newMessageId(), body: 'x'.repeat(140_000) }),
      },
      code: ErrorCode.TooLarge,
      error: /bytes/,
    },
    // A NUL character: PostgreSQL text could never hold it, so the shared schema refuses it.
    {
      record: toRecord({ ...valid[0]!, id: newMessageId(), clientMsgId: 'nul', body: 'a\u0000b' }),
      code: ErrorCode.Invalid,
      error: /NUL characters are not allowed/,
    },
    { record: { ...template, value: null }, code: ErrorCode.Invalid, error: /empty/ },
  ];
  const records: RawRecord[] = [];
  valid.forEach((message, i) => {
    records.push(toRecord(message));
    if (poison[i]) records.push(poison[i].record);
  });

  const persister = await startPersister(bed.topics);
  await waitReady(persister);
  await bed.producer.send(bed.topics.topic, records);

  await waitUntil('the valid records are written', async () => (await countRows([room])) === valid.length);
  assert.deepEqual(
    missingIds(
      valid.map((m) => m.id),
      await rowsOfRooms([room]),
    ),
    [],
  );

  const letters = await readDeadLetters(bed.topics.dlqTopic, poison.length);
  assert.equal(letters.length, poison.length);
  const firstOffset = Number(letters[0]!.headers[KafkaHeader.DlqOffset]) - 1;
  letters.forEach((letter, i) => {
    const expected = poison[i]!;
    assert.equal(letter.headers[KafkaHeader.DlqErrorCode], expected.code);
    assert.match(letter.headers[KafkaHeader.DlqError] ?? '', expected.error);
    assert.equal(letter.headers[KafkaHeader.DlqTopic], bed.topics.topic);
    assert.ok(/^\d+$/.test(letter.headers[KafkaHeader.DlqPartition] ?? ''));
    // Poison record i sits right after valid record i: offsets 1, 3, 5, ... from the first.
    assert.equal(Number(letter.headers[KafkaHeader.DlqOffset]), firstOffset + 1 + 2 * i);
    const original = expected.record.value;
    assert.equal(letter.value, original === null ? null : original.toString());
  });

  await waitUntil(
    'the dead letters are counted',
    async () => (await persister.metric('switchboard_persister_dead_lettered_total')) === poison.length,
  );
  assert.equal(await persister.metric('switchboard_persister_dead_lettered_total', { code: 'TOO_LARGE' }), 1);
  assert.equal((await persister.readyz()).status, 200, 'poison records do not make the persister unready');
});

async function readDeadLetters(topic: string, count: number): Promise<DeadLetter[]> {
  const consumer = kafka.consumer({ groupId: `dlq-reader-${newMessageId()}` });
  const letters: DeadLetter[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        letters.push({
          value: message.value?.toString() ?? null,
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      },
    });
    await waitUntil(`${count} dead letters arrive`, () => letters.length >= count);
  } finally {
    await consumer.disconnect();
  }
  return letters;
}
