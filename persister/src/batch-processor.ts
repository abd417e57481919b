import type { Database } from '@switchboard/db';
import { unavailable } from '@switchboard/protocol';
import type { Logger } from '@switchboard/service-kit';
import { observeChunk } from './chunk-observer.ts';
import {
  type ChunkPlan,
  deadLettersAfterWrite,
  type Origin,
  planChunk,
  splitIntoChunks,
} from './chunk-plan.ts';
import type { BatchHandler, InboundRecord } from './inbound-record.ts';
import type { DeadLetterProducer } from './kafka-dead-letter-producer.ts';
import { writeRows } from './message-writer.ts';
import type { PartitionBackoff } from './partition-backoff.ts';
import type { PersisterMetrics } from './persister-metrics.ts';

export type BatchProcessorOptions = {
  db: Database;
  deadLetters: DeadLetterProducer;
  backoff: PartitionBackoff;
  metrics: PersisterMetrics;
  logger: Logger;
  maxRows: number;
  maxRecordBytes: number;
  writeTimeoutMs: number;
};

/**
 * Drains one fetched partition batch in chunks of at most `maxRows`, strictly in offset order.
 * Each chunk is planned (decode: rows and dead letters, chunk-plan.ts), written (rows in one
 * statement, then the dead letters) and observed (span, metrics, logs: chunk-observer.ts);
 * only then are its offsets marked done (G2). A failed chunk pauses the partition and leaves
 * its offsets unmarked, so it is fetched again after the backoff.
 */
export class BatchProcessor {
  private readonly o: BatchProcessorOptions;
  private readonly abandon = new AbortController();
  private stopping = false;

  constructor(options: BatchProcessorOptions) {
    this.o = options;
  }

  readonly handle: BatchHandler = async (batch, control) => {
    // Fetched while its partition waits for a retry (kafkajs forgets pauses when it restarts
    // after a crash): pause again and skip it; it is fetched again once the wait ends.
    if (this.o.backoff.isWaiting(batch.partition)) {
      this.o.backoff.repause(batch.partition);
      return;
    }
    for (const records of splitIntoChunks(batch.records, this.o.maxRows)) {
      if (this.stopping || !control.isActive()) return;
      if (!(await this.processChunk(batch, records))) return;
      // Only now, with the rows committed and the dead letters acknowledged (G2).
      control.markDone(records.at(-1)!.offset);
      await control.commitIfDue();
      await control.heartbeat();
    }
  };

  /** No new chunk starts; a write still running after `abandonAfterMs` is given up (it is idempotent). */
  stop(abandonAfterMs: number): void {
    this.stopping = true;
    setTimeout(
      () => this.abandon.abort(unavailable('write abandoned: shutting down', undefined, 0)),
      abandonAfterMs,
    ).unref();
  }

  /** True when the chunk is settled (written and dead-lettered); false when it must be re-read. */
  private async processChunk(origin: Origin, records: InboundRecord[]): Promise<boolean> {
    const plan = planChunk(origin, records, this.o.maxRecordBytes);
    const observation = observeChunk(this.o, origin, plan);
    try {
      observation.written(await this.write(origin, plan));
      this.o.backoff.succeeded(origin.partition);
      return true;
    } catch (err) {
      // Stopping: no backoff timer may outlive the consumer; the records will be re-read.
      if (this.abandon.signal.aborted || this.stopping) {
        observation.abandoned(err as Error);
        return false;
      }
      observation.failed(err as Error, this.o.backoff.failed(origin.partition, (err as Error).message));
      return false;
    }
  }

  private async write(origin: Origin, plan: ChunkPlan) {
    const result = await writeRows(
      this.o.db,
      plan.accepted.map((a) => a.row),
      { timeoutMs: this.o.writeTimeoutMs, signal: this.abandon.signal },
    );
    const deadLetters = deadLettersAfterWrite(origin, plan, result.rejected);
    await this.o.deadLetters.send(deadLetters.map((d) => d.letter));
    return { inserted: result.inserted, refused: result.rejected.length, deadLetters };
  }
}
