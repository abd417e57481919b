import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { DeadLetter } from './inbound-record.ts';

/** Sends records that can never be written to the dead-letter topic, durably (acks from all ISRs). */
export type DeadLetterProducer = {
  send: (records: DeadLetter[]) => Promise<void>;
  stop: () => Promise<void>;
};

export function createDeadLetterProducer(kafka: Kafka, topic: string): DeadLetterProducer {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // Keyed by room like the messages topic (Java-compatible murmur2 partitioning).
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let connected: Promise<void> | undefined;
  const connect = () => {
    connected ??= producer.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    });
    return connected;
  };
  return {
    send: async (records) => {
      if (records.length === 0) return;
      await connect();
      await producer.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
      });
    },
    stop: async () => {
      if (connected) await producer.disconnect();
    },
  };
}
