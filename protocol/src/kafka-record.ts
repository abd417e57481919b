import { zodIssueMessage } from './error-mapping.ts';
import { type ChatMessage, chatMessageSchema } from './payloads.ts';

/** Headers of message records and of their dead letters. */
export const KafkaHeader = {
  MessageId: 'sb-message-id',
  SchemaVersion: 'sb-schema',
  TraceParent: 'traceparent',
  TraceState: 'tracestate',
  // Dead-letter headers: why a record could never be written and where it came from.
  DlqError: 'sb-dlq-error',
  DlqErrorCode: 'sb-dlq-code',
  DlqTopic: 'sb-dlq-topic',
  DlqPartition: 'sb-dlq-partition',
  DlqOffset: 'sb-dlq-offset',
} as const;

export const RECORD_SCHEMA_VERSION = '1';

/**
 * The Kafka record of one message: key = room (so a room stays on one partition, G4),
 * value = JSON of ChatMessage; the schema version (sb-schema) and trace context go in headers.
 */
export function encodeMessageRecord(message: ChatMessage): { key: string; value: string } {
  return { key: message.room, value: JSON.stringify(message) };
}

export type DecodeResult = { ok: true; message: ChatMessage } | { ok: false; error: string };

const decoder = new TextDecoder();

/** Parses and validates a record value; never throws, so one bad record cannot stop a batch. */
export function decodeMessageRecord(value: Uint8Array | string | null | undefined): DecodeResult {
  if (value === null || value === undefined) return { ok: false, error: 'empty record value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : decoder.decode(value));
  } catch (err) {
    return { ok: false, error: `value is not JSON: ${(err as Error).message}` };
  }
  const result = chatMessageSchema.safeParse(parsed);
  if (!result.success) return { ok: false, error: zodIssueMessage(result.error, 'schema') };
  return { ok: true, message: result.data };
}
