import {
  type ChatMessage,
  ErrorCode,
  encodeMessageRecord,
  KafkaHeader,
  RECORD_SCHEMA_VERSION,
  SwitchboardError,
  unavailable,
} from '@switchboard/protocol';
import {
  createKafkaClient,
  injectTraceHeaders,
  type KafkaClientSecurity,
  type Logger,
} from '@switchboard/service-kit';
import { Partitioners, type Producer } from 'kafkajs';
import { createBrokerProbe } from './kafka/broker-probe.ts';
import { planRequest, recordBytes, requestBudget, splitPoint } from './kafka/produce-batches.ts';
import { isTooLargeError } from './kafka/produce-errors.ts';
import { ArrivalGaps, lingerDelay } from './kafka/produce-linger.ts';

/**
 * Every Kafka call of the gateway lives here (kafkajs is in maintenance mode upstream; a
 * replacement client only has to implement `MessageProducer`).
 *
 * Sends are grouped: whatever arrives while one Kafka request is in flight goes out as the
 * next request, and when nothing is in flight a request is held open up to `lingerMs` for the
 * messages that are likely to follow (`kafka/produce-linger.ts`). One request at a time: the
 * idempotent kafkajs producer allows no more (it holds a lock per broker around each produce
 * request, whatever `maxInFlightRequests` says), and one queue drained in order is what keeps a
 * room's records in acceptance order (G4). A request is bounded by bytes as well as by count
 * (`kafka/produce-batches.ts`), so one user's large messages cannot make a request the broker
 * refuses and fail other users' sends with it (G7).
 */
export type MessageProducer = {
  /**
   * Resolves once Kafka (acks from all in-sync replicas) has the record; SwitchboardError
   * otherwise: TOO_LARGE for a record the topic can never hold, UNAVAILABLE for the rest.
   */
  produce(message: ChatMessage): Promise<void>;
  /** Messages accepted and not yet settled (queued or in a request). */
  readonly pending: number;
  /** Last known reachability (background probe and infrastructure failures of requests). */
  readonly reachable: boolean;
  start(): Promise<void>;
  /** Waits for queued messages to be sent (or to time out), then disconnects. */
  stop(): Promise<void>;
};

/** How one Kafka request ended: `too_large` is the broker refusing its size (never an outage). */
export type RequestOutcome = 'ok' | 'too_large' | 'error';

export type ProducerOptions = {
  brokers: string[];
  clientId: string;
  topic: string;
  sendTimeoutMs: number;
  maxPending: number;
  maxBatch: number;
  /** PRODUCE_LINGER_MS: how long a request may wait for more messages; 0 never. */
  lingerMs?: number;
  /** TLS/SASL of a managed cluster (service-kit `kafkaClientSecurity`); unset: plaintext. */
  security?: KafkaClientSecurity;
  logger: Logger;
  /**
   * Observes every Kafka request: its duration, whether it succeeded, its record count, and
   * its outcome and estimated record bytes.
   */
  onRequest?: (
    seconds: number,
    ok: boolean,
    size: number,
    detail: { outcome: RequestOutcome; bytes: number },
  ) => void;
  probeIntervalMs?: number;
};

type Entry = {
  message: ChatMessage;
  headers: Record<string, string>;
  /** Its record's size (an upper bound). */
  bytes: number;
  /**
   * The record, kept when small (most chat messages), so it is encoded once; a larger one is
   * encoded again when sent, so a full queue holds bodies, not JSON that escaping can make six
   * times larger.
   */
  record?: { key: string; value: string };
  /** performance.now() when it was queued: a linger is bounded from the oldest queued entry. */
  queuedAt: number;
  /** Answered (acked, refused, or its sender's deadline passed): never sent (again). */
  settled: boolean;
  /** Taken into a Kafka request: from then on a failure has an unknown outcome. */
  sent: boolean;
  resolve: () => void;
  reject: (err: SwitchboardError) => void;
};

/**
 * UNAVAILABLE for a record Kafka never got (refused or timed out before any request carried
 * it): a retry is a new attempt and takes a new id, so ids stay in acceptance order (G4).
 */
export class NotSentError extends SwitchboardError {}

/** Records up to this length are kept encoded while queued: at most MAX_INFLIGHT_SENDS x 4 Ki characters. */
const KEPT_RECORD_MAX_CHARS = 4096;

function notSent(message: string): NotSentError {
  return new NotSentError(ErrorCode.Unavailable, message, { retryAfterMs: 1000 });
}

export function createMessageProducer(options: ProducerOptions): MessageProducer {
  const { logger } = options;
  const kafka = createKafkaClient({
    clientId: options.clientId,
    brokers: options.brokers,
    security: options.security,
    logger,
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
      // kafkajs' default (murmur2, as the Java client: a room lands where other clients put it),
      // named so that it does not warn about its v2 change on every producer.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  const probe = createBrokerProbe({
    kafka,
    topic: options.topic,
    logger,
    intervalMs: options.probeIntervalMs ?? 1000,
  });

  let producer: Producer = newProducer();
  let connected = false;
  let stopping = false;
  let flushing: Promise<void> | undefined;
  let inRequest = 0;
  /** Entries accepted and not yet answered (settled ones may still sit in `queue` or a request). */
  let unsettled = 0;
  const queue: Entry[] = [];
  /** Upper bound of the bytes in `queue` (settled entries count until they leave it). */
  let queuedBytes = 0;
  const lingerMs = options.lingerMs ?? 0;
  const gaps = new ArrivalGaps();
  /** Ends the current linger early (the batch is full, or the producer stops). */
  let endLinger: (() => void) | undefined;
  /**
   * Unsettled entries in the order they came (settled ones leave from the front), so their
   * deadlines come in this order too: one timer, for the oldest, bounds them all (not a timer
   * and a promise race per message).
   */
  const byDeadline: Entry[] = [];
  let deadlineTimer: NodeJS.Timeout | undefined;

  const linger = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        endLinger = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      endLinger = done;
    });

  const tooLarge = (bytes: number) =>
    new SwitchboardError(
      ErrorCode.TooLarge,
      `the message is about ${bytes} bytes as a Kafka record; the topic accepts at most ${probe.maxMessageBytes} per batch`,
    );

  const settle = (entry: Entry, err?: SwitchboardError) => {
    if (entry.settled) return;
    entry.settled = true;
    unsettled--;
    if (err) entry.reject(err);
    else entry.resolve();
    while (byDeadline[0]?.settled) byDeadline.shift();
  };

  /**
   * A queued entry past its deadline is dropped before sending; one already in a request has
   * an unknown outcome, which the dedup entry resolves on retry.
   */
  function expireOverdue() {
    deadlineTimer = undefined;
    const now = performance.now();
    while (byDeadline[0] && byDeadline[0].queuedAt + options.sendTimeoutMs <= now) {
      const entry = byDeadline.shift()!;
      const message = 'the message log (Kafka) did not answer in time';
      settle(entry, entry.sent ? unavailable(message) : notSent(message));
    }
    watchDeadlines();
  }

  function watchDeadlines() {
    const oldest = byDeadline[0];
    if (deadlineTimer || !oldest) return;
    const wait = oldest.queuedAt + options.sendTimeoutMs - performance.now();
    deadlineTimer = setTimeout(expireOverdue, Math.max(0, wait));
  }

  async function ensureConnected() {
    if (connected) return;
    await producer.connect();
    connected = true;
  }

  /**
   * After a failed request the producer is replaced: kafkajs can keep a broken connection
   * state, and it rolls back the sequence numbers of every partition of a failed request,
   * also of those the broker stored. A new producer id starts new sequences; a record sent
   * again under it is the same message id, which the persister's unique key makes one row.
   */
  async function resetProducer() {
    const old = producer;
    producer = newProducer();
    connected = false;
    await old.disconnect().catch(() => {});
  }

  /** One Kafka request for `group`; settles its entries unless the broker refused its size. */
  async function request(group: Entry[]): Promise<RequestOutcome> {
    const bytes = group.reduce((sum, e) => sum + e.bytes, 0);
    const started = performance.now();
    let outcome: RequestOutcome = 'ok';
    for (const e of group) e.sent = true;
    try {
      await ensureConnected();
      await producer.send({
        topic: options.topic,
        acks: -1,
        timeout: options.sendTimeoutMs,
        messages: group.map((e) => ({ ...(e.record ?? encodeMessageRecord(e.message)), headers: e.headers })),
      });
      probe.markReachable();
      for (const e of group) settle(e);
    } catch (err) {
      outcome = isTooLargeError(err) ? 'too_large' : 'error';
      if (outcome === 'error') {
        logger.warn({ err, size: group.length, bytes }, 'kafka produce failed');
        probe.markUnreachable();
        const error = unavailable('the message log (Kafka) did not acknowledge the message', err);
        for (const e of group) settle(e, error);
      } else {
        // The sender's input, not an outage: readiness and other sends are untouched.
        logger.info({ size: group.length, bytes }, 'kafka refused a request as too large; splitting it');
        probe.refreshLimit();
      }
      await resetProducer();
    } finally {
      options.onRequest?.((performance.now() - started) / 1000, outcome === 'ok', group.length, {
        outcome,
        bytes,
      });
    }
    return outcome;
  }

  /**
   * Sends `batch`; a request the broker refuses as too large is cut in two by bytes and each
   * part sent again, first part first (a room's order holds), down to single records: one the
   * broker refuses alone gets TOO_LARGE, and only its sender sees it.
   */
  async function sendInParts(batch: Entry[]) {
    const parts: Entry[][] = [batch];
    while (parts.length > 0) {
      // Entries whose sender timed out meanwhile were told UNAVAILABLE: not sent again.
      const part = parts.shift()!.filter((e) => !e.settled);
      if (part.length === 0) continue;
      const outcome = await request(part);
      if (outcome === 'error') {
        // Kafka is failing: the rest would fail the same way; their senders may retry.
        const error = unavailable('the message log (Kafka) did not acknowledge the message');
        for (const e of parts.flat()) settle(e, error);
        return;
      }
      if (outcome === 'ok') continue;
      if (part.length === 1) {
        settle(part[0]!, tooLarge(part[0]!.bytes));
        continue;
      }
      const cut = splitPoint(part.map((e) => e.bytes));
      parts.unshift(part.slice(0, cut), part.slice(cut));
    }
  }

  const take = (count: number) => {
    const taken = queue.splice(0, count);
    for (const e of taken) queuedBytes -= e.bytes;
    return taken;
  };

  async function flushLoop() {
    while (queue.length > 0) {
      while (queue[0]?.settled) take(1);
      if (queue.length === 0) break;
      const head = queue.slice(0, options.maxBatch);
      const plan = planRequest(
        head.map((e) => e.bytes),
        requestBudget(probe.maxMessageBytes),
        options.maxBatch,
      );
      if (plan.kind === 'refuse') {
        // Fitted when it was queued; the limit was lowered since.
        const [entry] = take(1);
        settle(entry!, tooLarge(entry!.bytes));
        continue;
      }
      const wait = stopping
        ? 0
        : lingerDelay({
            now: performance.now(),
            oldestQueuedAt: queue[0]!.queuedAt,
            lingerMs,
            meanGapMs: gaps.meanMs,
            full: plan.count < queue.length || plan.count >= options.maxBatch,
            records: plan.count,
          });
      if (wait > 0) {
        await linger(wait);
        continue; // plan again with what arrived meanwhile
      }
      const batch = take(plan.count);
      inRequest = batch.length;
      try {
        await sendInParts(batch);
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

  return {
    get pending() {
      return unsettled;
    },
    get reachable() {
      return probe.reachable;
    },
    async start() {
      await probe.check();
      await ensureConnected().catch((err) => logger.warn({ err }, 'kafka producer not connected yet'));
      probe.start();
    },
    produce(message) {
      if (stopping) return Promise.reject(notSent('this gateway is shutting down'));
      if (!probe.reachable) return Promise.reject(notSent('the message log (Kafka) is unreachable'));
      const headers = injectTraceHeaders({
        [KafkaHeader.MessageId]: message.id,
        [KafkaHeader.SchemaVersion]: RECORD_SCHEMA_VERSION,
      }) as Record<string, string>;
      const record = encodeMessageRecord(message);
      const bytes = recordBytes({ ...record, headers });
      // Refused before it is queued: it could never be stored, and must not wait behind others.
      if (bytes > requestBudget(probe.maxMessageBytes)) return Promise.reject(tooLarge(bytes));
      if (queue.length + inRequest >= options.maxPending) {
        return Promise.reject(notSent('too many messages are waiting for the message log'));
      }
      const queuedAt = performance.now();
      gaps.observe(queuedAt);
      return new Promise<void>((resolve, reject) => {
        const entry: Entry = {
          message,
          headers,
          bytes,
          queuedAt,
          settled: false,
          sent: false,
          resolve,
          reject,
        };
        if (record.value.length <= KEPT_RECORD_MAX_CHARS) entry.record = record;
        queue.push(entry);
        byDeadline.push(entry);
        unsettled++;
        queuedBytes += bytes;
        watchDeadlines();
        // A linger ends as soon as one request's worth is waiting.
        if (queue.length >= options.maxBatch || queuedBytes > requestBudget(probe.maxMessageBytes)) {
          endLinger?.();
        }
        kick();
      });
    },
    async stop() {
      stopping = true;
      endLinger?.();
      await flushing;
      clearTimeout(deadlineTimer);
      await producer.disconnect().catch(() => {});
      await probe.stop();
    },
  };
}
