import { Kafka, type LogEntry, logLevel, type RetryOptions } from 'kafkajs';
import { idleKafkaRequestQueuesWhenEmpty } from './kafka-request-queue-fix.ts';
import type { KafkaClientSecurity } from './kafka-security.ts';
import type { Logger } from './logger.ts';

/**
 * The one Kafka client builder, with one logging policy: kafkajs' own log lines go into the
 * service's pino logger at the matching level (its chatty INFO as debug, its DEBUG as trace),
 * with kafkajs' namespace (Consumer, Connection, ...) as a field. kafkajs logs at ERROR some
 * things it then retries by itself (a broker reconnect, a rebalance); the services log the
 * failures that matter (a consumer crash, a failed send) themselves.
 */
export type KafkaClientOptions = {
  clientId: string;
  brokers: string[];
  /** TLS/SASL of a managed cluster (`kafkaClientSecurity`); unset: plaintext. */
  security?: KafkaClientSecurity;
  logger: Logger;
  connectionTimeout?: number;
  requestTimeout?: number;
  retry?: RetryOptions;
};

const toPino = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'debug',
  [logLevel.DEBUG]: 'trace',
} as const satisfies Partial<Record<logLevel, string>>;

export function createKafkaClient(o: KafkaClientOptions): Kafka {
  idleKafkaRequestQueuesWhenEmpty();
  const logger = o.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: o.clientId,
    brokers: o.brokers,
    ...o.security,
    connectionTimeout: o.connectionTimeout,
    requestTimeout: o.requestTimeout,
    retry: o.retry,
    // kafkajs filters before calling the log creator: ask it for no more than pino would print.
    logLevel: kafkaLevelFor(logger),
    logCreator:
      () =>
      ({ level, namespace, log }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...fields } = log;
        const pinoLevel = toPino[level as keyof typeof toPino];
        if (pinoLevel) logger[pinoLevel]({ namespace, ...fields }, message);
      },
  });
}

function kafkaLevelFor(logger: Logger): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}
