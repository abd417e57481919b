import {
  type ChatMessage,
  ErrorCode,
  encodeMessageRecord,
  KafkaHeader,
  RECORD_SCHEMA_VERSION,
  SwitchboardError,
} from '@switchboard/protocol';
import type { KafkaClientSecurity, Logger } from '@switchboard/service-kit';
import { injectTraceHeaders } from '@switchboard/service-kit';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';

/**
 * Every Kafka call of the gateway lives here (kafkajs is in maintenance mode upstream; a
 * replacement client only has to implement `MessageProducer`).
 *
 * Sends are grouped: whatever arrives while one Kafka request is in flight goes out as the
 * next request. kafkajs serialises idempotent produce requests per broker anyway, so this is
 * what turns one round trip per message into one round trip per batch.
 */
export type MessageProducer = {
  /** Resolves once Kafka (acks from all in-sync replicas) has the record; SwitchboardError otherwise. */
  produce(message: ChatMessage): Promise<void>;
  /** Messages accepted and not yet settled (queued or in a request). */
  readonly pending: number;
  /** Last known reachability (background probe and the outcome of the last request). */
  readonly reachable: boolean;
  start(): Promise<void>;
  /** Waits for queued messages to be sent (or to time out), then disconnects. */
  stop(): Promise<void>;
};

export type ProducerOptions = {
  brokers: string[];
  clientId: string;
  topic: string;
  sendTimeoutMs: number;
  maxPending: number;
  maxBatch: number;
  /** TLS/SASL of a managed cluster (service-kit `kafkaClientSecurity`); unset: plaintext. */
  security?: KafkaClientSecurity;
  logger: Logger;
  /** Observes every Kafka request: its duration and outcome. */
  onRequest?: (seconds: number, ok: boolean, size: number) => void;
  probeIntervalMs?: number;
};

type Entry = {
  message: ChatMessage;
  headers: Record<string, string>;
  settled: boolean;
  resolve: () => void;
  reject: (err: SwitchboardError) => void;
  timer: NodeJS.Timeout;
};

export function createMessageProducer(options: ProducerOptions): MessageProducer {
  const { logger } = options;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...options.security,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    // A send must end (ok or UNAVAILABLE) about when its callers time out, so that the queue
    // behind it moves and readiness turns false: two attempts of half the send timeout each.
    requestTimeout: Math.max(1000, Math.floor(options.sendTimeoutMs / 2)),
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const newProducer = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1000 },
    });

  let producer: Producer = newProducer();
  let connected = false;
  let reachable = false;
  let stopping = false;
  let flushing: Promise<void> | undefined;
  let inRequest = 0;
  const queue: Entry[] = [];
  let admin: Admin | undefined;
  let probeTimer: NodeJS.Timeout | undefined;

  const unavailable = (message: string, cause?: unknown) =>
    new SwitchboardError(ErrorCode.Unavailable, message, { retryAfterMs: 1000, cause });

  const settle = (entry: Entry, err?: SwitchboardError) => {
    if (entry.settled) return;
    entry.settled = true;
    clearTimeout(entry.timer);
    if (err) entry.reject(err);
    else entry.resolve();
  };

  async function ensureConnected() {
    if (connected) return;
    await producer.connect();
    connected = true;
  }

  /** After a failed request the producer is replaced: kafkajs can keep a broken connection state. */
  async function resetProducer() {
    const old = producer;
    producer = newProducer();
    connected = false;
    await old.disconnect().catch(() => {});
  }

  async function flushLoop() {
    while (queue.length > 0) {
      const batch = queue.splice(0, options.maxBatch).filter((e) => !e.settled);
      if (batch.length === 0) continue;
      inRequest = batch.length;
      const started = performance.now();
      try {
        await ensureConnected();
        await producer.send({
          topic: options.topic,
          acks: -1,
          timeout: options.sendTimeoutMs,
          messages: batch.map((e) => {
            const { key, value } = encodeMessageRecord(e.message);
            return { key, value, headers: e.headers };
          }),
        });
        reachable = true;
        options.onRequest?.((performance.now() - started) / 1000, true, batch.length);
        for (const e of batch) settle(e);
      } catch (err) {
        reachable = false;
        options.onRequest?.((performance.now() - started) / 1000, false, batch.length);
        logger.warn({ err, size: batch.length }, 'kafka produce failed');
        const error = unavailable('the message log (Kafka) did not acknowledge the message', err);
        for (const e of batch) settle(e, error);
        await resetProducer();
      } finally {
        inRequest = 0;
      }
    }
  }

  function kick() {
    flushing ??= flushLoop().finally(() => {
      flushing = undefined;
      if (queue.length > 0) kick();
    });
  }

  async function probe() {
    try {
      admin ??= kafka.admin({ retry: { retries: 0 } });
      await admin.connect();
      await admin.fetchTopicMetadata({ topics: [options.topic] });
      if (!reachable) logger.info('kafka reachable');
      reachable = true;
    } catch (err) {
      if (reachable) logger.warn({ err }, 'kafka unreachable');
      reachable = false;
      const old = admin;
      admin = undefined;
      await old?.disconnect().catch(() => {});
    }
  }

  function scheduleProbe() {
    probeTimer = setTimeout(async () => {
      await probe();
      if (!stopping) scheduleProbe();
    }, options.probeIntervalMs ?? 1000);
    probeTimer.unref();
  }

  return {
    get pending() {
      return queue.length + inRequest;
    },
    get reachable() {
      return reachable;
    },
    async start() {
      await probe();
      await ensureConnected().catch((err) => logger.warn({ err }, 'kafka producer not connected yet'));
      scheduleProbe();
    },
    produce(message) {
      if (stopping) return Promise.reject(unavailable('this gateway is shutting down'));
      if (!reachable) return Promise.reject(unavailable('the message log (Kafka) is unreachable'));
      if (queue.length + inRequest >= options.maxPending) {
        return Promise.reject(unavailable('too many messages are waiting for the message log'));
      }
      return new Promise<void>((resolve, reject) => {
        const headers = injectTraceHeaders({
          [KafkaHeader.MessageId]: message.id,
          [KafkaHeader.SchemaVersion]: RECORD_SCHEMA_VERSION,
        }) as Record<string, string>;
        const entry: Entry = {
          message,
          headers,
          settled: false,
          resolve,
          reject,
          // A queued entry past its deadline is dropped before sending; one already in a
          // request has an unknown outcome, which the dedup entry resolves on retry.
          timer: setTimeout(() => {
            settle(entry, unavailable('the message log (Kafka) did not answer in time'));
          }, options.sendTimeoutMs),
        };
        queue.push(entry);
        kick();
      });
    },
    async stop() {
      stopping = true;
      if (probeTimer) clearTimeout(probeTimer);
      await flushing;
      await producer.disconnect().catch(() => {});
      await admin?.disconnect().catch(() => {});
    },
  };
}
