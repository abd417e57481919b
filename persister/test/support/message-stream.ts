import { randomUUID } from 'node:crypto';
import { type ChatMessage, encodeMessageRecord, KafkaHeader, newMessageId } from '@switchboard/protocol';
import { createKafkaClient, createLogger } from '@switchboard/service-kit';
import { HOST, ports } from '@switchboard/stack';
import { type Admin, Partitioners, type Producer } from 'kafkajs';

/**
 * Produces chat-message records exactly as the gateway does (key = room, JSON value, trace
 * headers) onto topics of a test's own, so test files stay independent of each other.
 */
export const kafka = createKafkaClient({
  clientId: 'persister-tests',
  brokers: [`${HOST}:${ports.kafka}`],
  logger: createLogger('persister-tests', 'silent'),
});

export type TestTopics = { topic: string; dlqTopic: string; groupId: string };

export async function createTestTopics(label: string, partitions = 12): Promise<TestTopics> {
  const suffix = `${label}-${randomUUID().slice(0, 8)}`;
  const names = { topic: `test.messages.${suffix}`, dlqTopic: `test.messages.dlq.${suffix}` };
  await withAdmin((admin) =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [names.topic, names.dlqTopic].map((topic) => ({
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
      })),
    }),
  );
  return { ...names, groupId: `test-persister-${suffix}` };
}

export async function deleteTestTopics(topics: TestTopics): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.deleteTopics({ topics: [topics.topic, topics.dlqTopic] }).catch(() => {});
    await admin.deleteGroups([topics.groupId]).catch(() => {});
  });
}

export async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** `count` messages over `rooms` rooms, ids increasing within each room (as a gateway assigns them). */
export function makeMessages(prefix: string, rooms: number, count: number): ChatMessage[] {
  const roomNames = Array.from({ length: rooms }, (_, i) => `${prefix}-r${i}`);
  return Array.from({ length: count }, (_, i) => {
    const id = newMessageId();
    return {
      id,
      room: roomNames[i % rooms]!,
      sender: `user-${i % 7}`,
      body: `message ${i} ${'x'.repeat(40)}`,
      ts: Date.now(),
      clientMsgId: `c-${id}`,
    };
  });
}

export function roomsOf(messages: ChatMessage[]): string[] {
  return [...new Set(messages.map((m) => m.room))];
}

export type RawRecord = {
  key: string | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
};

export function toRecord(message: ChatMessage): RawRecord {
  const { key, value } = encodeMessageRecord(message);
  // A valid W3C traceparent, as the gateway's producer span would write it.
  const traceId = message.id.replace(/-/g, '');
  return {
    key,
    value,
    headers: {
      [KafkaHeader.MessageId]: message.id,
      [KafkaHeader.TraceParent]: `00-${traceId}-${traceId.slice(0, 16)}-01`,
    },
  };
}

export class TestProducer {
  private readonly producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });

  async connect(): Promise<this> {
    await this.producer.connect();
    return this;
  }

  /** Sends in order and waits for every ack, so offsets follow the order given. */
  async send(topic: string, records: RawRecord[], chunk = 500): Promise<void> {
    for (let i = 0; i < records.length; i += chunk) {
      await this.producer.send({ topic, acks: -1, messages: records.slice(i, i + chunk) });
    }
  }

  async sendMessages(topic: string, messages: ChatMessage[], chunk = 500): Promise<void> {
    await this.send(topic, messages.map(toRecord), chunk);
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
