import type { Logger } from '@switchboard/service-kit';
import type { Admin, Kafka } from 'kafkajs';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from './produce-batches.ts';
import { readTopicSizeLimit } from './topic-size-limit.ts';

/** How often the topic's size limit is read again (an operator may change it at run time). */
const LIMIT_REFRESH_MS = 60_000;

/**
 * What the gateway knows about the broker, from a background check: whether it answers
 * (readiness, and whether sends are admitted) and how large a record batch of the topic may be.
 * Readiness follows the broker, never one request's content: a request refused as too large
 * changes nothing here except that the limit is read again.
 */
export type BrokerProbe = {
  readonly reachable: boolean;
  /** The topic's `max.message.bytes` (Kafka's default until it could be read). */
  readonly maxMessageBytes: number;
  /** One check now (concurrent calls share it). */
  check(): Promise<void>;
  /** Checks every `intervalMs` until `stop`. */
  start(): void;
  stop(): Promise<void>;
  /** A request failed for want of Kafka: unreachable until the next successful check. */
  markUnreachable(): void;
  /** A request succeeded: Kafka answers. */
  markReachable(): void;
  /** The broker refused a request as too large: read the limit again now. */
  refreshLimit(): void;
};

export function createBrokerProbe(options: {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  intervalMs: number;
}): BrokerProbe {
  const { kafka, topic, logger } = options;
  let reachable = false;
  /** When a produce request last succeeded (Date.now()). */
  let answeredAt = 0;
  let maxMessageBytes = KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  let limitReadAt = 0;
  let limitWarned = false;
  let admin: Admin | undefined;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function readLimit(client: Admin) {
    try {
      const limit = await readTopicSizeLimit(client, topic);
      if (limit.maxMessageBytes !== maxMessageBytes || limitReadAt === 0) {
        logger.info({ topic, ...limit }, 'kafka record batch size limit');
      }
      maxMessageBytes = limit.maxMessageBytes;
      limitWarned = false;
    } catch (err) {
      // Keep the last known value (Kafka's default at first): sends are still planned by it,
      // and a broker refusal still splits a request and refuses only what cannot fit.
      if (!limitWarned) logger.warn({ err, topic, maxMessageBytes }, 'kafka size limit not readable');
      limitWarned = true;
    }
    limitReadAt = Date.now();
  }

  async function runCheck() {
    try {
      admin ??= kafka.admin({ retry: { retries: 0 } });
      await admin.connect();
      await admin.fetchTopicMetadata({ topics: [topic] });
      if (!reachable) logger.info('kafka reachable');
      reachable = true;
      if (Date.now() - limitReadAt >= LIMIT_REFRESH_MS) await readLimit(admin);
    } catch (err) {
      if (reachable) logger.warn({ err }, 'kafka unreachable');
      reachable = false;
      const old = admin;
      admin = undefined;
      await old?.disconnect().catch(() => {});
    }
  }

  const check = () => {
    running ??= runCheck().finally(() => {
      running = undefined;
    });
    return running;
  };

  /** A request answered within the interval says as much as a check would (the limit aside). */
  const answeredLately = () =>
    reachable && Date.now() - answeredAt < options.intervalMs && Date.now() - limitReadAt < LIMIT_REFRESH_MS;

  function schedule() {
    timer = setTimeout(async () => {
      if (!answeredLately()) await check();
      if (!stopped) schedule();
    }, options.intervalMs);
    timer.unref();
  }

  return {
    get reachable() {
      return reachable;
    },
    get maxMessageBytes() {
      return maxMessageBytes;
    },
    check,
    start: schedule,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await admin?.disconnect().catch(() => {});
    },
    markUnreachable() {
      reachable = false;
    },
    markReachable() {
      reachable = true;
      answeredAt = Date.now();
    },
    refreshLimit() {
      limitReadAt = 0;
      void check();
    },
  };
}
