import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaAdminClient, kafkaSettings, serviceEnv } from '../src/index.ts';

test('the messages and dead-letter topics exist with their partitions', async () => {
  const admin = kafkaAdminClient();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({
      topics: [kafkaSettings.topic, kafkaSettings.dlqTopic],
    });
    for (const topic of topics) assert.equal(topic.partitions.length, kafkaSettings.partitions, topic.name);
  } finally {
    await admin.disconnect();
  }
});

test('a record produced with acks=all is consumed back', async () => {
  const kafka = new Kafka({ brokers: serviceEnv().KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const topic = `smoke-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true });
  const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
  try {
    await producer.connect();
    const value = randomUUID();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
    });
    assert.equal(received, value);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  }
});
