import { Limits } from '@switchboard/protocol';
import { env, kafkaSecurityFields, loadConfig, refineKafkaSecurity } from '@switchboard/service-kit';
import { z } from 'zod';

/**
 * The largest record a gateway can produce: JSON escapes a control character in six bytes, so
 * a body of MAX_BODY_BYTES can grow sixfold. A smaller limit would dead-letter acked messages.
 */
const MIN_RECORD_BYTES = 6 * (Limits.bodyMaxBytes + Limits.userIdMaxLength + Limits.roomNameMaxLength) + 1024;

/**
 * Every setting of the persister: validated at start, rendered into persister/README.md.
 * Defaults suit one replica next to a managed Kafka and PostgreSQL.
 */
export const persisterConfigSchema = z
  .object({
    PORT: env.port(3100, 'HTTP port of /livez, /readyz and /metrics'),
    HOST: env.string('0.0.0.0', 'address the ops HTTP server binds to'),
    KAFKA_BROKERS: env
      .list('', 'Kafka bootstrap brokers, comma-separated host:port (required)')
      .refine((brokers) => brokers.length > 0, 'at least one broker is required'),
    KAFKA_CLIENT_ID: env.string('switchboard-persister', 'Kafka client id (broker logs and quotas)'),
    KAFKA_TOPIC: env.string('switchboard.messages', 'topic of chat messages to drain (key = room)'),
    KAFKA_DLQ_TOPIC: env.string(
      'switchboard.messages.dlq',
      'dead-letter topic for records that can never be written; the error and origin go in headers',
    ),
    KAFKA_GROUP_ID: env.string(
      'switchboard-persister',
      'consumer group; every replica shares it, so partitions are spread over them',
    ),
    KAFKA_SESSION_TIMEOUT_MS: env.int(
      30_000,
      'how long the group waits for a silent member (a crashed pod) before moving its partitions',
      6_000,
    ),
    KAFKA_HEARTBEAT_INTERVAL_MS: env.int(3_000, 'group heartbeat interval', 100),
    KAFKA_MAX_BYTES_PER_PARTITION: env.int(
      1_048_576,
      'largest fetch per partition in bytes; with KAFKA_MAX_BYTES this bounds the records held in memory',
      1024,
    ),
    KAFKA_MAX_BYTES: env.int(10_485_760, 'largest fetch response in bytes', 1024),
    KAFKA_MIN_BYTES: env.int(
      65_536,
      'a fetch returns once this many bytes are waiting (or after KAFKA_MAX_WAIT_MS): at low rates one write carries many messages instead of one',
      1,
    ),
    KAFKA_MAX_WAIT_MS: env.int(
      250,
      'how long a fetch waits for KAFKA_MIN_BYTES: the longest a message waits to be written at low rates',
      0,
    ),
    ...kafkaSecurityFields,
    PARTITIONS_CONCURRENCY: env.int(
      3,
      'partitions written at the same time (each partition stays sequential, so a room is never reordered)',
      1,
    ),
    BATCH_MAX_ROWS: env.int(
      1_000,
      'rows per INSERT; a fetched batch is written in chunks of this size, each committed before the next',
      1,
    ),
    MAX_RECORD_BYTES: env.int(
      131_072,
      'records with a larger value are dead-lettered as TOO_LARGE without being parsed; must hold the largest record a gateway accepts',
      MIN_RECORD_BYTES,
    ),
    WRITE_TIMEOUT_MS: env.int(
      10_000,
      'a write not finished by then counts as failed: the partition pauses and retries',
      100,
    ),
    RETRY_INITIAL_MS: env.int(
      250,
      'first pause of a partition after a failed write (database or dead-letter topic down)',
      1,
    ),
    RETRY_MAX_MS: env.int(
      30_000,
      'longest pause between retries; the delay doubles up to this, with jitter',
      1,
    ),
    DATABASE_URL: env.url('PostgreSQL connection string'),
    DATABASE_POOL_MAX: env.int(
      4,
      'PostgreSQL connections of this replica (at least PARTITIONS_CONCURRENCY)',
      1,
    ),
    SHUTDOWN_GRACE_MS: env.int(
      25_000,
      'on SIGTERM: finish the current chunk, commit, leave the group; exit 1 if this is exceeded',
      1_000,
    ),
    LOG_LEVEL: env.logLevel(),
  })
  .superRefine((c, ctx) => {
    refineKafkaSecurity(c, ctx);
    // kafkajs heartbeats between batches only: a write that outlasts the session gets this
    // member evicted and its partitions re-read elsewhere while it is still writing them.
    if (c.WRITE_TIMEOUT_MS * 2 > c.KAFKA_SESSION_TIMEOUT_MS)
      ctx.addIssue({
        code: 'custom',
        path: ['WRITE_TIMEOUT_MS'],
        message: 'must be at most half of KAFKA_SESSION_TIMEOUT_MS',
      });
    if (c.KAFKA_MIN_BYTES > c.KAFKA_MAX_BYTES)
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_MIN_BYTES'],
        message: 'must be at most KAFKA_MAX_BYTES',
      });
    if (c.KAFKA_HEARTBEAT_INTERVAL_MS >= c.KAFKA_SESSION_TIMEOUT_MS)
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_HEARTBEAT_INTERVAL_MS'],
        message: 'must be below KAFKA_SESSION_TIMEOUT_MS',
      });
    if (c.DATABASE_POOL_MAX < c.PARTITIONS_CONCURRENCY)
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_POOL_MAX'],
        message: 'must be at least PARTITIONS_CONCURRENCY (one connection per partition written at once)',
      });
  });

export type PersisterConfig = z.infer<typeof persisterConfigSchema>;

export function loadPersisterConfig(
  source: Record<string, string | undefined> = process.env,
): PersisterConfig {
  return loadConfig('persister', persisterConfigSchema, source);
}
