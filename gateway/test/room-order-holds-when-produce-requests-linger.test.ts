import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ChatMessage, messageIdTime, newMessageId } from '@switchboard/protocol';
import { createLogger } from '@switchboard/service-kit';
import { kafkaSettings, serviceEnv } from '@switchboard/stack';
import { createMessageProducer, type MessageProducer } from '../src/kafka-producer.ts';
import { endOffsets, storedMessages } from './support/topic-records.ts';

// A producer that holds requests open (PRODUCE_LINGER_MS) and cuts them small, so that sends
// go out lingered, in full requests that end a linger early, and behind requests in flight.
let producer: MessageProducer;
let requests = 0;
before(async () => {
  producer = createMessageProducer({
    brokers: [serviceEnv().KAFKA_BROKERS],
    clientId: 'gateway-linger-order-test',
    topic: kafkaSettings.topic,
    sendTimeoutMs: 10_000,
    maxPending: 10_000,
    maxBatch: 7,
    lingerMs: 20,
    logger: createLogger('test', 'silent'),
    onRequest: () => requests++,
  });
  await producer.start();
});
after(() => producer.stop());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('with lingering requests, each room is stored in Kafka in the order its sends were acknowledged (G4)', async () => {
  const stamp = Date.now().toString(36);
  const rooms = Array.from({ length: 4 }, (_, i) => `linger-order-${stamp}-${i}`);
  const from = await endOffsets(kafkaSettings.topic);
  const sentOrder = new Map<string, string[]>(rooms.map((r) => [r, []]));
  const ackOrder = new Map<string, string[]>(rooms.map((r) => [r, []]));
  const acks: Promise<void>[] = [];
  let n = 0;
  // Waves of concurrent sends, some at once and some a little apart, over several rooms.
  for (let wave = 0; wave < 20; wave++) {
    for (let i = 0; i < 3 + (wave % 5) * 4; i++) {
      const room = rooms[n % rooms.length]!;
      const id = newMessageId();
      const message: ChatMessage = {
        id,
        room,
        sender: `user-${n % 3}`,
        body: `m${n}`,
        ts: messageIdTime(id),
        clientMsgId: `c${n}`,
      };
      n++;
      sentOrder.get(room)!.push(id);
      acks.push(producer.produce(message).then(() => void ackOrder.get(room)!.push(id)));
    }
    await pause(wave % 3);
  }
  await Promise.all(acks);
  assert.ok(requests < n, `${n} messages went out in ${requests} requests`);

  const stored = await storedMessages(kafkaSettings.topic, from, await endOffsets(kafkaSettings.topic));
  for (const room of rooms) {
    const inKafka = stored.filter((m) => m.room === room).map((m) => m.id);
    assert.deepEqual(ackOrder.get(room), sentOrder.get(room), `${room}: acknowledged in the order sent`);
    assert.deepEqual(inKafka, ackOrder.get(room), `${room}: stored in the order acknowledged`);
    assert.deepEqual(inKafka, [...inKafka].sort(), `${room}: ids ascend in Kafka order`);
  }
});
