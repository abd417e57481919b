import { type Link, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Database } from '@switchboard/db';
import { ErrorCode } from '@switchboard/protocol';
import { extractTraceContext, type Logger } from '@switchboard/service-kit';
import { toDeadLetter } from './dead-letter.ts';
import type { BatchHandler, DeadLetter, PartitionBatch } from './inbound-record.ts';
import type { DeadLetterProducer } from './kafka-dead-letter-producer.ts';
import { writeRows } from './message-writer.ts';
import type { PartitionBackoff } from './partition-backoff.ts';
import type { PersisterMetrics } from './persister-metrics.ts';
import { type Decoded, decodeRecord } from './record-decoder.ts';

const tracer = trace.getTracer('switchboard-persister');
// The SDK keeps 128 links per span by default; more would be dropped anyway.
const MAX_LINKS = 128;

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
 * Drains one fetched partition batch in chunks of at most `maxRows`, strictly in offset order:
 * decode, write the valid rows in one statement, dead-letter the rest, and only then mark the
 * chunk's offsets done (G2). A failed chunk pauses the partition and leaves its offsets
 * unmarked, so it is fetched again after the backoff.
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
    for (let start = 0; start < batch.records.length; start += this.o.maxRows) {
      if (this.stopping || !control.isActive()) return;
      const chunk = batch.records.slice(start, start + this.o.maxRows);
      const written = await this.writeChunk(batch, chunk);
      if (!written) return;
      // Only now, with the rows committed and the dead letters acknowledged (G2).
      control.markDone(chunk.at(-1)!.offset);
      await control.commitIfDue();
      await control.heartbeat();
    }
  };

  /** No new chunk starts; a write still running after `abandonAfterMs` is given up (it is idempotent). */
  stop(abandonAfterMs: number): void {
    this.stopping = true;
    setTimeout(() => this.abandon.abort(), abandonAfterMs).unref();
  }

  private async writeChunk(batch: PartitionBatch, chunk: PartitionBatch['records']): Promise<boolean> {
    const { metrics, logger } = this.o;
    const topic = batch.topic;
    const decoded = chunk.map((r) => decodeRecord(r, this.o.maxRecordBytes));
    const valid = decoded.filter((d): d is Extract<Decoded, { ok: true }> => d.ok);
    const deadLetters: { letter: DeadLetter; code: string; offset: string }[] = decoded
      .filter((d): d is Extract<Decoded, { ok: false }> => !d.ok)
      .map((d) => ({
        letter: toDeadLetter(d.record, batch, d.code, d.error),
        code: d.code,
        offset: d.record.offset,
      }));

    const started = performance.now();
    const span = tracer.startSpan('persist messages', {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(batch.partition),
        'messaging.batch.message_count': chunk.length,
        'db.system.name': 'postgresql',
        'db.collection.name': 'messages',
        'db.operation.name': 'INSERT',
      },
    });
    // One trace from message:send to the row: link the producers' contexts from the headers.
    if (span.isRecording()) span.addLinks(producerLinks(valid));
    try {
      const result = await writeRows(
        this.o.db,
        valid.map((d) => d.row),
        { timeoutMs: this.o.writeTimeoutMs, signal: this.abandon.signal },
      );
      for (const { row, error } of result.rejected) {
        const record = valid.find((d) => d.row === row)!.record;
        deadLetters.push({
          letter: toDeadLetter(record, batch, ErrorCode.Invalid, error),
          code: ErrorCode.Invalid,
          offset: record.offset,
        });
      }
      // Offset order, so the dead-letter topic reads in the order the records came.
      deadLetters.sort((a, b) => Number(a.offset) - Number(b.offset));
      await this.o.deadLetters.send(deadLetters.map((d) => d.letter));

      const seconds = (performance.now() - started) / 1000;
      const duplicates = valid.length - result.rejected.length - result.inserted;
      // Counted once the chunk is done, so retries during an outage do not count it again.
      metrics.recordsConsumed.inc({ topic }, chunk.length);
      metrics.writeDuration.observe({ topic, outcome: 'ok' }, seconds);
      if (valid.length > 0) metrics.batchRows.observe({ topic }, valid.length);
      metrics.rowsWritten.inc({ topic }, result.inserted);
      if (duplicates > 0) metrics.duplicatesSkipped.inc({ topic }, duplicates);
      for (const { code } of deadLetters) metrics.deadLettered.inc({ topic, code });
      const now = Date.now();
      for (const d of valid)
        metrics.persistDelay.observe({ topic }, Math.max(0, now - d.row.createdAt.getTime()) / 1000);
      if (deadLetters.length > 0) {
        logger.warn(
          {
            partition: batch.partition,
            deadLettered: deadLetters.length,
            first: deadLetters[0]?.letter.headers,
          },
          'records dead-lettered',
        );
      }
      span.setAttributes({
        'switchboard.rows_inserted': result.inserted,
        'switchboard.dead_lettered': deadLetters.length,
      });
      this.o.backoff.succeeded(batch.partition);
      return true;
    } catch (err) {
      metrics.writeDuration.observe({ topic, outcome: 'error' }, (performance.now() - started) / 1000);
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      // Stopping: no backoff timer may outlive the consumer; the records will be re-read.
      if (this.abandon.signal.aborted || this.stopping) {
        logger.warn(
          { partition: batch.partition },
          'write abandoned at shutdown; its records will be re-read',
        );
        return false;
      }
      metrics.writeFailures.inc({ topic });
      const delay = this.o.backoff.failed(batch.partition, (err as Error).message);
      logger.warn(
        {
          partition: batch.partition,
          err: (err as Error).message,
          retryInMs: delay,
          firstOffset: chunk[0]?.offset,
        },
        'write failed; partition paused',
      );
      return false;
    } finally {
      span.end();
    }
  }
}

function producerLinks(valid: Extract<Decoded, { ok: true }>[]): Link[] {
  const links: Link[] = [];
  for (const d of valid) {
    if (links.length >= MAX_LINKS) break;
    const context = trace.getSpanContext(extractTraceContext(d.record.headers));
    if (context && trace.isSpanContextValid(context)) links.push({ context });
  }
  return links;
}
