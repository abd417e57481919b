import { type ErrorCode, KafkaHeader } from '@switchboard/protocol';
import type { DeadLetter, InboundRecord } from './inbound-record.ts';

/** The original record, untouched, plus the reason and its origin in the protocol's DLQ headers. */
export function toDeadLetter(
  record: InboundRecord,
  origin: { topic: string; partition: number },
  code: ErrorCode,
  error: string,
): DeadLetter {
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [KafkaHeader.DlqError]: error,
      [KafkaHeader.DlqErrorCode]: code,
      [KafkaHeader.DlqTopic]: origin.topic,
      [KafkaHeader.DlqPartition]: String(origin.partition),
      [KafkaHeader.DlqOffset]: record.offset,
    },
  };
}
