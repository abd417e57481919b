import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, messageIdTime, newMessageId } from '@switchboard/protocol';
import { createLogger } from '@switchboard/service-kit';
import { kafkaSettings, serviceEnv } from '@switchboard/stack';
import { createMessageProducer, type MessageProducer } from '../src/kafka-producer.ts';

// A long linger, so a trickle of messages further apart than a local Kafka round trip (which
// without a linger would go out one request each) is gathered into a few requests.
let producer: MessageProducer;
let requests = 0;
let records = 0;
before(async () => {
  producer = createMessageProducer({
    brokers: [serviceEnv().KAFKA_BROKERS],
    clientId: 'gateway-linger-trickle-test',
    topic: kafkaSettings.topic,
    sendTimeoutMs: 10_000,
    maxPending: 1_000,
    maxBatch: 100,
    lingerMs: 250,
    logger: createLogger('test', 'silent'),
    onRequest: (_seconds, _ok, size) => {
      requests++;
      records += size;
    },
  });
  await producer.start();
});
after(() => producer.stop());

test('a steady trickle of messages goes out in a few lingered requests, not one request per message', async () => {
  const room = `linger-trickle-${Date.now().toString(36)}`;
  const acks: Promise<void>[] = [];
  for (let n = 0; n < 12; n++) {
    const id = newMessageId();
    const message: ChatMessage = {
      id,
      room,
      sender: 'tia',
      body: `t${n}`,
      ts: messageIdTime(id),
      clientMsgId: `t${n}`,
    };
    acks.push(producer.produce(message));
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  await Promise.all(acks);
  assert.equal(records, 12, 'every message was sent once');
  assert.ok(requests <= 4, `12 messages 15 ms apart went out in ${requests} requests`);
});
