import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { dirs } from '@switchboard/stack';
import { pool } from './support/message-rows.ts';
import {
  createTestTopics,
  deleteTestTopics,
  makeMessages,
  TestProducer,
  type TestTopics,
  toRecord,
} from './support/message-stream.ts';
import { killAllPersisters, startPersister, waitReady, waitUntil } from './support/persister-process.ts';

let topics: TestTopics;
let producer: TestProducer;

before(async () => {
  topics = await createTestTopics('trace');
  producer = await new TestProducer().connect();
});

after(async () => {
  await killAllPersisters();
  await producer.disconnect();
  await deleteTestTopics(topics);
  await pool.end();
});

test("the span of each write links to the producers' trace contexts from the record headers", async () => {
  // The console exporter writes finished spans to the persister's output, which the test reads.
  const persister = await startPersister(topics, { OTEL_TRACES_EXPORTER: 'console', LOG_LEVEL: 'warn' });
  await waitReady(persister);
  const messages = makeMessages(`trace-${newMessageId()}`, 3, 6);
  await producer.sendMessages(topics.topic, messages);

  const traceIds = messages.map((m) => toRecord(m).headers!.traceparent!.split('-')[1]!);
  const output = path.join(dirs.logs, `${persister.name}.log`);
  await waitUntil('the write spans are exported', () => {
    const text = fs.readFileSync(output, 'utf8');
    return (
      text.includes("name: 'persist messages'") && traceIds.every((id) => text.includes(`traceId: '${id}'`))
    );
  });
  const text = fs.readFileSync(output, 'utf8');
  assert.match(text, /'db\.collection\.name': 'messages'/);
  assert.match(text, /'messaging\.destination\.name': 'test\.messages\.trace-/);
});
