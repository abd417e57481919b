import { createDatabase } from '@switchboard/db';
import {
  backoffDelay,
  createKafkaClient,
  kafkaClientSecurity,
  type Logger,
  type Readiness,
  sleep,
} from '@switchboard/service-kit';
import type { Registry } from 'prom-client';
import { BatchProcessor } from './batch-processor.ts';
import type { PersisterConfig } from './config.ts';
import { createKafkaConsumer } from './kafka-consumer.ts';
import { createDeadLetterProducer } from './kafka-dead-letter-producer.ts';
import { PartitionBackoff } from './partition-backoff.ts';
import { createPersisterMetrics } from './persister-metrics.ts';

export type Persister = {
  /** Joins the group in the background, retrying with backoff while Kafka is unreachable. */
  start: () => void;
  /** Finish or abandon the chunk in flight, commit what is written, leave the group, close. */
  stop: (graceMs: number) => Promise<void>;
};

/** Wires Kafka, the batch processor, the database and the readiness checks of one replica. */
export function createPersister(options: {
  config: PersisterConfig;
  logger: Logger;
  registry: Registry;
  readiness: Readiness;
  /** The consumer crashed in a way kafkajs does not restart from: the process must go. */
  onFatal: (error: Error) => void;
}): Persister {
  const { config, logger, registry, readiness } = options;
  const topic = config.KAFKA_TOPIC;
  const db = createDatabase(config.DATABASE_URL, {
    poolMax: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.WRITE_TIMEOUT_MS,
  });
  // One client for the consumer and the dead-letter producer: both get the TLS/SASL settings.
  const kafka = createKafkaClient({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: config.KAFKA_BROKERS,
    security: kafkaClientSecurity(config, 'persister'),
    logger,
  });
  const consumer = createKafkaConsumer(kafka, config, logger, options.onFatal);
  const deadLetters = createDeadLetterProducer(kafka, config.KAFKA_DLQ_TOPIC);
  const backoff = new PartitionBackoff({
    initialMs: config.RETRY_INITIAL_MS,
    maxMs: config.RETRY_MAX_MS,
    pause: consumer.pause,
    resume: consumer.resume,
  });
  const metrics = createPersisterMetrics(registry, {
    topic,
    readLag: consumer.readLag,
    pausedPartitions: () => backoff.waitingCount,
    assignedPartitions: () => consumer.state().assigned.length,
    onLagError: (err) => logger.debug({ err }, 'could not read consumer lag'),
  });
  const processor = new BatchProcessor({
    db,
    deadLetters,
    backoff,
    metrics,
    logger,
    maxRows: config.BATCH_MAX_ROWS,
    maxRecordBytes: config.MAX_RECORD_BYTES,
    writeTimeoutMs: config.WRITE_TIMEOUT_MS,
  });

  consumer.onRebalance((assigned) => {
    metrics.rebalances.inc({ topic });
    backoff.keepOnly(assigned);
  });
  readiness
    .add('kafka', () => {
      const state = consumer.state();
      return state.joined
        ? { ok: true, detail: `partitions ${state.assigned.join(',') || 'none'}` }
        : { ok: false, detail: state.lastError ?? 'not in the consumer group yet' };
    })
    .add('writes', () => {
      const failing = backoff.list();
      if (failing.length === 0) return { ok: true };
      const worst = failing.reduce((a, b) => (b.attempts > a.attempts ? b : a));
      return {
        ok: false,
        detail: `partitions ${failing.map((f) => f.partition).join(',')} paused after failed writes (${worst.attempts} attempts): ${worst.error}`,
      };
    });

  const stopping = new AbortController();

  const start = async () => {
    // Kafka unreachable at start: keep trying with the same backoff instead of exiting.
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      try {
        await consumer.start(processor.handle);
        return;
      } catch (err) {
        const delay = backoffDelay(attempt, {
          initialMs: config.RETRY_INITIAL_MS,
          maxMs: config.RETRY_MAX_MS,
        });
        logger.error({ err, retryInMs: delay }, 'could not start the kafka consumer');
        await sleep(delay, stopping.signal);
      }
    }
  };

  return {
    start: () => void start(),
    stop: async (graceMs) => {
      stopping.abort();
      // Half the grace for the write in flight, the rest to commit, leave the group and close.
      processor.stop(Math.max(500, graceMs / 2));
      backoff.clear();
      await consumer.stop();
      await deadLetters.stop();
      await db.$disconnect();
    },
  };
}
