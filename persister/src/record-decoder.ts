import { type MessageRow, toMessageRow } from '@switchboard/db';
import { decodeMessageRecord, ErrorCode, Limits, utf8Length } from '@switchboard/protocol';
import type { InboundRecord } from './inbound-record.ts';

export type Decoded =
  | { ok: true; row: MessageRow; record: InboundRecord }
  | { ok: false; code: ErrorCode; error: string; record: InboundRecord };

/**
 * Turns a record into a row, or says why it can never become one. Never throws: a bad
 * record is dead-lettered and must not stop the records around it.
 */
export function decodeRecord(record: InboundRecord, maxRecordBytes: number): Decoded {
  const refuse = (code: ErrorCode, error: string): Decoded => ({ ok: false, code, error, record });
  const size = record.value?.length ?? 0;
  if (size > maxRecordBytes)
    return refuse(ErrorCode.TooLarge, `record value is ${size} bytes, more than ${maxRecordBytes}`);
  const decoded = decodeMessageRecord(record.value);
  if (!decoded.ok) return refuse(ErrorCode.Invalid, decoded.error);
  const { message } = decoded;
  const bodyBytes = utf8Length(message.body);
  if (bodyBytes > Limits.bodyMaxBytes)
    return refuse(ErrorCode.TooLarge, `body is ${bodyBytes} bytes, more than ${Limits.bodyMaxBytes}`);
  const row = toMessageRow(message);
  if (Number.isNaN(row.createdAt.getTime()))
    return refuse(ErrorCode.Invalid, `ts ${message.ts} is not a valid time`);
  return { ok: true, row, record };
}
