import { type ChatMessage, chatMessageSchema } from './payloads.ts';

/**
 * The Kafka record of one message: key = room (so a room stays on one partition, G4),
 * value = JSON of ChatMessage with a schema version, trace context in headers.
 */
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

export function encodeMessageRecord(message: ChatMessage): { key: string; value: string } {
  return { key: message.room, value: JSON.stringify(message) };
}

export type DecodeResult = { ok: true; message: ChatMessage } | { ok: false; error: string };

/** Parses and validates a record value; never throws, so one bad record cannot stop a batch. */
const decoder = new TextDecoder();

export function decodeMessageRecord(value: Uint8Array | string | null | undefined): DecodeResult {
  if (value === null || value === undefined) return { ok: false, error: 'empty record value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : decoder.decode(value));
  } catch (err) {
    return { ok: false, error: `value is not JSON: ${(err as Error).message}` };
  }
  const result = chatMessageSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, error: `schema: ${issue?.path.join('.') || '(root)'}: ${issue?.message}` };
  }
  return { ok: true, message: result.data };
}
