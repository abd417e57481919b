import { decodeMessageRecord, ErrorCode, Limits, utf8Length } from '@switchboard/protocol';
import type { InboundRecord } from './inbound-record.ts';

/** One row of the `messages` table, in the column order of message-writer.ts. */
export type MessageRow = {
  id: string;
  room: string;
  sender: string;
  clientMsgId: string;
  body: string;
  createdAt: Date;
};

export type Decoded =
  | { ok: true; row: MessageRow; record: InboundRecord }
  | { ok: false; code: ErrorCode; error: string; record: InboundRecord };

/**
 * Turns a record into a row, or says why it can never become one. Never throws: a bad
 * record is dead-lettered and must not stop the records around it.
 */
export function decodeRecord(record: InboundRecord, maxRecordBytes: number): Decoded {
  const size = record.value?.length ?? 0;
  if (size > maxRecordBytes) {
    return {
      ok: false,
      code: ErrorCode.TooLarge,
      error: `record value is ${size} bytes, more than ${maxRecordBytes}`,
      record,
    };
  }
  const decoded = decodeMessageRecord(record.value);
  if (!decoded.ok) return { ok: false, code: ErrorCode.Invalid, error: decoded.error, record };
  const { message } = decoded;
  const bodyBytes = utf8Length(message.body);
  if (bodyBytes > Limits.bodyMaxBytes) {
    return {
      ok: false,
      code: ErrorCode.TooLarge,
      error: `body is ${bodyBytes} bytes, more than ${Limits.bodyMaxBytes}`,
      record,
    };
  }
  const createdAt = new Date(message.ts);
  if (Number.isNaN(createdAt.getTime())) {
    return { ok: false, code: ErrorCode.Invalid, error: `ts ${message.ts} is not a valid time`, record };
  }
  return {
    ok: true,
    row: {
      id: message.id,
      room: message.room,
      sender: message.sender,
      clientMsgId: message.clientMsgId,
      body: message.body,
      createdAt,
    },
    record,
  };
}
