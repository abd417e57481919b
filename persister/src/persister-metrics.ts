import { METRIC_PREFIX, withDeadline } from '@switchboard/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PartitionLag } from './inbound-record.ts';

const P = `${METRIC_PREFIX}persister_`;

/**
 * The persister's metrics. Dashboards, alerts and the lag-based autoscaler use these names:
 * change them together.
 */
export function createPersisterMetrics(
  registry: Registry,
  sources: {
    readLag: () => Promise<PartitionLag[]>;
    pausedPartitions: () => number;
    assignedPartitions: () => number;
    topic: string;
    onLagError: (err: unknown) => void;
  },
) {
  const registers = [registry];
  const lagCache = new LagCache(sources.readLag, sources.onLagError);
  return {
    recordsConsumed: new Counter({
      name: `${P}records_consumed_total`,
      help: 'Records taken from the messages topic and settled (written, skipped as duplicates or dead-lettered); a Kafka re-delivery counts again, a retried write does not',
      labelNames: ['topic'],
      registers,
    }),
    rowsWritten: new Counter({
      name: `${P}rows_written_total`,
      help: 'Rows inserted into messages',
      labelNames: ['topic'],
      registers,
    }),
    duplicatesSkipped: new Counter({
      name: `${P}duplicates_skipped_total`,
      help: 'Valid records whose row already existed (re-delivery after a crash or rebalance, client retry)',
      labelNames: ['topic'],
      registers,
    }),
    deadLettered: new Counter({
      name: `${P}dead_lettered_total`,
      help: 'Records sent to the dead-letter topic, by error code (INVALID, TOO_LARGE)',
      labelNames: ['topic', 'code'],
      registers,
    }),
    writeFailures: new Counter({
      name: `${P}write_failures_total`,
      help: 'Chunks whose write failed and will be retried after a pause (database or dead-letter topic unavailable)',
      labelNames: ['topic'],
      registers,
    }),
    batchRows: new Histogram({
      name: `${P}batch_size_rows`,
      help: 'Rows per INSERT statement',
      labelNames: ['topic'],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000],
      registers,
    }),
    writeDuration: new Histogram({
      name: `${P}write_duration_seconds`,
      help: 'Time of one chunk write (INSERT and dead letters), by outcome (ok, error)',
      labelNames: ['topic', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    persistDelay: new Histogram({
      name: `${P}persist_delay_seconds`,
      help: 'From acceptance at the gateway (the message ts) to the row being committed',
      labelNames: ['topic'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    rebalances: new Counter({
      name: `${P}rebalances_total`,
      help: 'Consumer group assignments received by this replica',
      labelNames: ['topic'],
      registers,
    }),
    pausedPartitions: new Gauge({
      name: `${P}paused_partitions`,
      help: 'Partitions paused by this replica while it waits to retry a failed write',
      labelNames: ['topic'],
      registers,
      collect() {
        this.set({ topic: sources.topic }, sources.pausedPartitions());
      },
    }),
    assignedPartitions: new Gauge({
      name: `${P}assigned_partitions`,
      help: 'Partitions assigned to this replica',
      labelNames: ['topic'],
      registers,
      collect() {
        this.set({ topic: sources.topic }, sources.assignedPartitions());
      },
    }),
    consumerLag: new Gauge({
      name: `${P}consumer_lag`,
      help: "Records not yet committed by the consumer group, per partition (latest offset minus the group's committed offset); every replica reports the whole group, so aggregate with max by (topic, partition)",
      labelNames: ['topic', 'partition'],
      registers,
      async collect() {
        const lags = await lagCache.read();
        this.reset();
        for (const l of lags) this.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
      },
    }),
    consumerGroupLag: new Gauge({
      name: `${P}consumer_group_lag`,
      help: 'Sum of consumer_lag over the partitions of the topic (the autoscaling signal); aggregate with max by (topic)',
      labelNames: ['topic'],
      registers,
      async collect() {
        const lags = await lagCache.read();
        this.reset();
        if (lags.length > 0)
          this.set(
            { topic: sources.topic },
            lags.reduce((sum, l) => sum + l.lag, 0),
          );
      },
    }),
  };
}

export type PersisterMetrics = ReturnType<typeof createPersisterMetrics>;

/** One offsets round trip per scrape, shared by both lag gauges; an unreachable Kafka yields no series. */
class LagCache {
  private pending: Promise<PartitionLag[]> | undefined;
  private readonly read_: () => Promise<PartitionLag[]>;
  private readonly onError: (err: unknown) => void;

  constructor(read: () => Promise<PartitionLag[]>, onError: (err: unknown) => void) {
    this.read_ = read;
    this.onError = onError;
  }

  read(): Promise<PartitionLag[]> {
    this.pending ??= withDeadline(this.read_(), 3_000, () => new Error('lag read took longer than 3000 ms'))
      .catch((err: unknown) => {
        this.onError(err);
        return [];
      })
      .finally(() => {
        // Both gauges of a scrape share the answer; the next scrape asks again.
        setTimeout(() => {
          this.pending = undefined;
        }, 500).unref();
      });
    return this.pending;
  }
}
