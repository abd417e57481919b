import type { Logger } from '@switchboard/service-kit';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { PersisterConfig } from './config.ts';
import type { BatchHandler, PartitionLag } from './inbound-record.ts';

/**
 * Every call into the Kafka client library for consuming lives here (the dead-letter producer
 * sits beside it): the rest of the persister sees PartitionBatch and BatchControl only.
 */

export type GroupState = { joined: boolean; assigned: number[]; lastError?: string };

export type KafkaConsumer = {
  start: (handler: BatchHandler) => Promise<void>;
  pause: (partition: number) => void;
  resume: (partition: number) => void;
  /** Stops fetching, lets the batch in progress finish, commits what it marked done, leaves the group. */
  stop: () => Promise<void>;
  state: () => GroupState;
  /** Committed offset of the group against the latest offset, for every partition of the topic. */
  readLag: () => Promise<PartitionLag[]>;
  onRebalance: (listener: (assigned: number[]) => void) => void;
};

/** `onFatal`: the consumer crashed in a way kafkajs will not restart from. */
export function createKafkaConsumer(
  kafka: Kafka,
  config: PersisterConfig,
  logger: Logger,
  onFatal: (error: Error) => void,
): KafkaConsumer {
  const topic = config.KAFKA_TOPIC;
  const consumer: Consumer = kafka.consumer({
    groupId: config.KAFKA_GROUP_ID,
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
    maxBytesPerPartition: config.KAFKA_MAX_BYTES_PER_PARTITION,
    maxBytes: config.KAFKA_MAX_BYTES,
    // At low rates a fetch answered at once carries one or two records per partition, and each
    // partition's records are one transaction: waiting for some bytes makes the writes fewer.
    minBytes: config.KAFKA_MIN_BYTES,
    maxWaitTimeInMs: config.KAFKA_MAX_WAIT_MS,
    // kafkajs restarts the consumer after a crash on its own (restartOnFailure defaults to true).
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
  let admin: Promise<Admin> | undefined;
  const state: GroupState = { joined: false, assigned: [] };
  const rebalanceListeners: ((assigned: number[]) => void)[] = [];

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    state.joined = true;
    state.lastError = undefined;
    state.assigned = [...(event.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    logger.info(
      { partitions: state.assigned, memberId: event.payload.memberId },
      'joined the consumer group',
    );
    for (const listener of rebalanceListeners) listener(state.assigned);
  });
  consumer.on(consumer.events.REBALANCING, () => {
    logger.info('consumer group rebalancing');
  });
  consumer.on(consumer.events.CRASH, (event) => {
    state.joined = false;
    state.lastError = event.payload.error.message;
    logger.error({ err: event.payload.error, restart: event.payload.restart }, 'kafka consumer crashed');
    // kafkajs restarts by itself after retriable errors; anything else needs a new process.
    if (!event.payload.restart) onFatal(event.payload.error);
  });
  consumer.on(consumer.events.STOP, () => {
    state.joined = false;
  });

  const connectedAdmin = () => {
    admin ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      return client;
    })().catch((err: unknown) => {
      admin = undefined;
      throw err;
    });
    return admin;
  };

  return {
    start: async (handler) => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENCY,
        // Offsets are marked done by the handler only after the rows are committed (G2).
        eachBatchAutoResolve: false,
        autoCommitInterval: 1_000,
        eachBatch: async ({
          batch,
          resolveOffset,
          commitOffsetsIfNecessary,
          heartbeat,
          isRunning,
          isStale,
        }) =>
          handler(
            {
              topic: batch.topic,
              partition: batch.partition,
              records: batch.messages.map((m) => ({
                offset: m.offset,
                key: m.key,
                value: m.value,
                headers: m.headers ?? {},
              })),
            },
            {
              markDone: resolveOffset,
              commitIfDue: () => commitOffsetsIfNecessary(),
              heartbeat,
              isActive: () => isRunning() && !isStale(),
            },
          ),
      });
    },
    // kafkajs throws when the consumer is between a crash and its restart, or stopped; these
    // run from backoff timers, where a throw would kill the process. A restarted consumer
    // re-applies pauses itself (repause), a stopped one needs none.
    pause: (partition) => ignoreNotRunning(() => consumer.pause([{ topic, partitions: [partition] }])),
    resume: (partition) => ignoreNotRunning(() => consumer.resume([{ topic, partitions: [partition] }])),
    stop: async () => {
      await consumer.disconnect();
      await (await admin?.catch(() => undefined))?.disconnect();
    },
    state: () => state,
    readLag: async () => {
      const client = await connectedAdmin();
      const [latest, committed] = await Promise.all([
        client.fetchTopicOffsets(topic),
        client.fetchOffsets({ groupId: config.KAFKA_GROUP_ID, topics: [topic] }),
      ]);
      const committedByPartition = new Map(
        (committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [
          p.partition,
          Number(p.offset),
        ]),
      );
      return latest.map(({ partition, high, low }) => {
        const latestOffset = Number(high);
        const done = committedByPartition.get(partition) ?? -1;
        // No commit yet: the group starts from the beginning, so all retained records are lag.
        const from = done >= 0 ? done : Number(low);
        return {
          topic,
          partition,
          committed: done,
          latest: latestOffset,
          lag: Math.max(0, latestOffset - from),
        };
      });
    },
    onRebalance: (listener) => {
      rebalanceListeners.push(listener);
    },
  };
}

function ignoreNotRunning(action: () => void): void {
  try {
    action();
  } catch {
    /* not running: nothing to pause or resume */
  }
}
