import { KafkaHeader } from '@switchboard/protocol';
import { kafkaAdminClient, kafkaSettings, serviceEnv } from '@switchboard/stack';
import { Kafka, logLevel } from 'kafkajs';

/** The end offset of every partition of the messages topic: read from here what a test produced. */
export async function topicEnd(): Promise<{ partition: number; offset: string }[]> {
  const admin = kafkaAdminClient();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(kafkaSettings.topic)).map((p) => ({
      partition: p.partition,
      offset: p.high,
    }));
  } finally {
    await admin.disconnect();
  }
}

/** Reads the topic from `from`; resolves with each record's headers by message id once `done` says so. */
export async function readRecords(
  from: { partition: number; offset: string }[],
  done: (records: Map<string, Record<string, string>>) => boolean,
  timeoutMs = 60_000,
): Promise<Map<string, Record<string, string>>> {
  const kafka = new Kafka({
    brokers: [serviceEnv().KAFKA_BROKERS],
    logLevel: logLevel.NOTHING,
    clientId: 'gateway-test',
  });
  const consumer = kafka.consumer({
    groupId: `gateway-test-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  const records = new Map<string, Record<string, string>>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: kafkaSettings.topic, fromBeginning: true });
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        const id = headers[KafkaHeader.MessageId];
        if (id) records.set(id, headers);
        if (done(records)) finish();
      },
    });
    for (const p of from)
      consumer.seek({ topic: kafkaSettings.topic, partition: p.partition, offset: p.offset });
    const timer = setTimeout(finish, timeoutMs);
    await finished;
    clearTimeout(timer);
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/** The message ids in the topic from `from`, once `done` says so. */
export async function readMessageIds(
  from: { partition: number; offset: string }[],
  done: (ids: Set<string>) => boolean,
  timeoutMs = 60_000,
): Promise<Set<string>> {
  const records = await readRecords(from, (r) => done(new Set(r.keys())), timeoutMs);
  return new Set(records.keys());
}
