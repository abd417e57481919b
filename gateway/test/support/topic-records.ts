import { type ChatMessage, decodeMessageRecord } from '@switchboard/protocol';
import { kafkaAdminClient, serviceEnv } from '@switchboard/stack';
import { Kafka, logLevel } from 'kafkajs';
import { within } from './clients.ts';

export type Offsets = { partition: number; offset: string }[];

/** The end offset of every partition of `topic` now. */
export async function endOffsets(topic: string): Promise<Offsets> {
  const admin = kafkaAdminClient();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every message stored in `topic` between `from` and `to` (end offsets taken before and after
 * what a test did), duplicates included: what Kafka holds, whatever was acknowledged.
 */
export async function storedMessages(topic: string, from: Offsets, to: Offsets): Promise<ChatMessage[]> {
  const start = new Map(from.map((p) => [p.partition, BigInt(p.offset)]));
  const waiting = new Map(
    to
      .filter((p) => BigInt(p.offset) > (start.get(p.partition) ?? 0n))
      .map((p) => [p.partition, BigInt(p.offset)]),
  );
  const messages: ChatMessage[] = [];
  if (waiting.size === 0) return messages;
  const kafka = new Kafka({ brokers: [serviceEnv().KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `gateway-test-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const end = waiting.get(partition);
        if (end === undefined || BigInt(message.offset) >= end) return;
        const decoded = decodeMessageRecord(message.value);
        if (decoded.ok) messages.push(decoded.message);
        if (BigInt(message.offset) + 1n >= end) waiting.delete(partition);
        if (waiting.size === 0) finish();
      },
    });
    for (const p of from) consumer.seek({ topic, partition: p.partition, offset: p.offset });
    await within(finished, `the records of ${topic} up to the end offsets`, 60_000);
    return messages;
  } finally {
    await consumer.disconnect();
  }
}
