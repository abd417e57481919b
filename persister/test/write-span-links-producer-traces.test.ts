import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { newMessageId } from '@switchboard/protocol';
import { dirs } from '@switchboard/stack';
import { makeMessages, toRecord } from './support/message-stream.ts';
import { startPersister, waitReady, waitUntil } from './support/persister-process.ts';
import { useTestBed } from './support/test-bed.ts';

const bed = useTestBed('trace');

test("the span of each write links to the producers' trace contexts from the record headers", async () => {
  // The console exporter writes finished spans to the persister's output, which the test reads.
  const persister = await startPersister(bed.topics, { OTEL_TRACES_EXPORTER: 'console', LOG_LEVEL: 'warn' });
  await waitReady(persister);
  const messages = makeMessages(`trace-${newMessageId()}`, 3, 6);
  await bed.producer.sendMessages(bed.topics.topic, messages);

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
