import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type ChatMessage,
  KafkaHeader,
  messageIdTime,
  newMessageId,
  SwitchboardError,
} from '@switchboard/protocol';
import { createLogger } from '@switchboard/service-kit';
import { kafkaSettings, serviceEnv } from '@switchboard/stack';
import { Kafka, logLevel } from 'kafkajs';
import { createMessageProducer, type MessageProducer } from '../src/kafka-producer.ts';
import { within } from './support/clients.ts';
import { topicEnd } from './support/kafka-topic.ts';

let producer: MessageProducer;
before(async () => {
  producer = createMessageProducer({
    brokers: [serviceEnv().KAFKA_BROKERS],
    clientId: 'gateway-producer-test',
    topic: kafkaSettings.topic,
    sendTimeoutMs: 5000,
    maxPending: 3,
    maxBatch: 100,
    logger: createLogger('test', 'silent'),
  });
  await producer.start();
});
after(() => producer.stop());

function message(room: string, i: number): ChatMessage {
  const id = newMessageId();
  return { id, room, sender: 'tess', body: `b${i}`, ts: messageIdTime(id), clientMsgId: `c${i}` };
}

test('beyond MAX_INFLIGHT_SENDS a send is refused at once with UNAVAILABLE; memory stays bounded', async () => {
  const room = `bounded-${Date.now()}`;
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => producer.produce(message(room, i))),
  );
  const accepted = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  assert.equal(accepted, 3);
  assert.equal(refused.length, 17);
  for (const err of refused) {
    assert.ok(err instanceof SwitchboardError);
    assert.equal(err.code, 'UNAVAILABLE');
    assert.equal(err.retryable, true);
  }
  assert.equal(producer.pending, 0);
});

test('a record is keyed by room and carries the message id, schema version and the message as JSON', async () => {
  const from = await topicEnd();
  const room = `record-${Date.now()}`;
  const sent = message(room, 1);
  await producer.produce(sent);

  const kafka = new Kafka({ brokers: [serviceEnv().KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `gateway-record-test-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: kafkaSettings.topic, fromBeginning: true });
  type Found = { key: string; headers: Record<string, string>; value: unknown };
  let resolveFound: (found: Found) => void = () => {};
  const arrived = new Promise<Found>((resolve) => {
    resolveFound = resolve;
  });
  await consumer.run({
    eachMessage: async ({ message: record }) => {
      if (record.key?.toString() !== room) return;
      const headers = Object.fromEntries(
        Object.entries(record.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      resolveFound({ key: record.key.toString(), headers, value: JSON.parse(String(record.value)) });
    },
  });
  for (const p of from)
    consumer.seek({ topic: kafkaSettings.topic, partition: p.partition, offset: p.offset });
  const found = await within(arrived, 'the record in Kafka', 60_000).finally(() => consumer.disconnect());
  assert.equal(found.key, room);
  assert.equal(found.headers[KafkaHeader.MessageId], sent.id);
  assert.equal(found.headers[KafkaHeader.SchemaVersion], '1');
  assert.deepEqual(found.value, sent);
});
