import type { z } from 'zod';
import { CLIENT_MSG_ID_PATTERN, Limits, ROOM_NAME_PATTERN } from './limits.ts';
import { type MessageSend, messageSendSchema } from './payloads.ts';

/** What an event handler needs of a payload's schema; every zod schema is one. */
export type PayloadParser<T> = {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: z.ZodError };
};

const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= max;

/**
 * The same rules as messageSendSchema, for a payload of exactly the expected shape: a plain
 * object with the three fields, each a string that passes. It never accepts what the schema
 * refuses (test/unit/message-send-parser-agrees-with-the-schema.test.ts).
 */
export function isPlainMessageSend(input: unknown): input is MessageSend {
  if (typeof input !== 'object' || input === null || Object.getPrototypeOf(input) !== Object.prototype) {
    return false;
  }
  const { room, clientMsgId, body } = input as Record<string, unknown>;
  return (
    Object.keys(input).length === 3 &&
    isText(room, Limits.roomNameMaxLength) &&
    ROOM_NAME_PATTERN.test(room) &&
    isText(clientMsgId, Limits.clientMsgIdMaxLength) &&
    CLIENT_MSG_ID_PATTERN.test(clientMsgId) &&
    isText(body, Number.POSITIVE_INFINITY) &&
    !body.includes('\u0000')
  );
}

/**
 * `message:send` payloads, the one event every message passes: the usual payload is checked
 * without the schema's machinery (a zod parse costs tens of µs per message, most of a send's
 * validation); anything else goes through messageSendSchema, which stays the authority and
 * words the error.
 */
export const messageSendParser: PayloadParser<MessageSend> = {
  safeParse(input) {
    if (!isPlainMessageSend(input)) return messageSendSchema.safeParse(input);
    return { success: true, data: { room: input.room, clientMsgId: input.clientMsgId, body: input.body } };
  },
};
