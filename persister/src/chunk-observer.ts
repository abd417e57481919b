import { type Link, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext, type Logger } from '@switchboard/service-kit';
import type { AcceptedRecord, ChunkPlan, Origin, PlannedDeadLetter } from './chunk-plan.ts';
import type { PersisterMetrics } from './persister-metrics.ts';

const tracer = trace.getTracer('switchboard-persister');
// The SDK keeps 128 links per span by default; more would be dropped anyway.
const MAX_LINKS = 128;

export type ChunkOutcome = {
  inserted: number;
  /** Accepted rows PostgreSQL refused (they are among the dead letters). */
  refused: number;
  deadLetters: PlannedDeadLetter[];
};

export type ChunkObservation = {
  written: (outcome: ChunkOutcome) => void;
  /** The write failed and the partition retries after `retryInMs`. */
  failed: (err: Error, retryInMs: number) => void;
  /** The write was given up at shutdown; the records will be re-read. */
  abandoned: (err: Error) => void;
};

/**
 * Everything a chunk write tells the operator - the `persist messages` span, the metrics and
 * the log lines - kept apart from the write itself. Start it before the write.
 */
export function observeChunk(
  deps: { metrics: PersisterMetrics; logger: Logger },
  origin: Origin,
  plan: ChunkPlan,
): ChunkObservation {
  const { metrics, logger } = deps;
  const { topic, partition } = origin;
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const span = tracer.startSpan('persist messages', {
    kind: SpanKind.CONSUMER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(partition),
      'messaging.batch.message_count': plan.records.length,
      'db.system.name': 'postgresql',
      'db.collection.name': 'messages',
      'db.operation.name': 'INSERT',
    },
  });
  // One trace from message:send to the row: link the producers' contexts from the headers.
  if (span.isRecording()) span.addLinks(producerLinks(plan.accepted));
  const spanFailed = (err: Error) => {
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    span.end();
  };

  return {
    written: ({ inserted, refused, deadLetters }) => {
      const accepted = plan.accepted.length;
      const duplicates = accepted - refused - inserted;
      // Counted once the chunk is done, so retries during an outage do not count it again.
      metrics.recordsConsumed.inc({ topic }, plan.records.length);
      metrics.writeDuration.observe({ topic, outcome: 'ok' }, seconds());
      if (accepted > 0) metrics.batchRows.observe({ topic }, accepted);
      metrics.rowsWritten.inc({ topic }, inserted);
      if (duplicates > 0) metrics.duplicatesSkipped.inc({ topic }, duplicates);
      for (const { code } of deadLetters) metrics.deadLettered.inc({ topic, code });
      const now = Date.now();
      for (const { row } of plan.accepted)
        metrics.persistDelay.observe({ topic }, Math.max(0, now - row.createdAt.getTime()) / 1000);
      if (deadLetters.length > 0)
        logger.warn(
          { partition, deadLettered: deadLetters.length, first: deadLetters[0]?.letter.headers },
          'records dead-lettered',
        );
      span.setAttributes({
        'switchboard.rows_inserted': inserted,
        'switchboard.dead_lettered': deadLetters.length,
      });
      span.end();
    },
    failed: (err, retryInMs) => {
      metrics.writeDuration.observe({ topic, outcome: 'error' }, seconds());
      metrics.writeFailures.inc({ topic });
      logger.warn(
        { partition, err: err.message, retryInMs, firstOffset: plan.records[0]?.offset },
        'write failed; partition paused',
      );
      spanFailed(err);
    },
    abandoned: (err) => {
      metrics.writeDuration.observe({ topic, outcome: 'error' }, seconds());
      logger.warn({ partition }, 'write abandoned at shutdown; its records will be re-read');
      spanFailed(err);
    },
  };
}

function producerLinks(accepted: AcceptedRecord[]): Link[] {
  const links: Link[] = [];
  for (const { record } of accepted) {
    if (links.length >= MAX_LINKS) break;
    const context = trace.getSpanContext(extractTraceContext(record.headers));
    if (context && trace.isSpanContextValid(context)) links.push({ context });
  }
  return links;
}
