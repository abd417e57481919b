import { z } from 'zod';
import { CLIENT_MSG_ID_PATTERN, Limits, ROOM_NAME_PATTERN } from './limits.ts';

export const roomNameSchema = z
  .string()
  .min(1)
  .max(Limits.roomNameMaxLength)
  .regex(ROOM_NAME_PATTERN, 'room names use letters, digits and . _ : - and start with a letter or digit');

export const clientMsgIdSchema = z
  .string()
  .min(1)
  .max(Limits.clientMsgIdMaxLength)
  .regex(CLIENT_MSG_ID_PATTERN, 'clientMsgId uses letters, digits, _ and -');

/** PostgreSQL text cannot hold NUL: such a message could be acknowledged but never stored (G2). */
const withoutNul = (s: string) => !s.includes('\u0000');
const NUL_MESSAGE = 'NUL characters are not allowed';

// Body length in bytes is checked by the gateway against its configured limit, which yields
// TOO_LARGE rather than INVALID; the schema insists on a non-empty string that can be stored.
export const messageBodySchema = z.string().min(1).refine(withoutNul, NUL_MESSAGE);

export const userIdSchema = z.string().min(1).max(Limits.userIdMaxLength).refine(withoutNul, NUL_MESSAGE);

export const roomJoinSchema = z.strictObject({
  room: roomNameSchema,
  /** The id of the last message the client saw in the room: the ack carries what came after (G9). */
  since: z.uuid().optional(),
});
export const roomLeaveSchema = z.strictObject({ room: roomNameSchema });
export const typingSchema = z.strictObject({ room: roomNameSchema });
export const messageSendSchema = z.strictObject({
  room: roomNameSchema,
  clientMsgId: clientMsgIdSchema,
  body: messageBodySchema,
});

export type RoomJoin = z.infer<typeof roomJoinSchema>;
export type RoomLeave = z.infer<typeof roomLeaveSchema>;
export type Typing = z.infer<typeof typingSchema>;
export type MessageSend = z.infer<typeof messageSendSchema>;

/** A chat message as clients see it and as it travels through Kafka. */
export const chatMessageSchema = z.strictObject({
  id: z.uuid({ version: 'v7' }),
  room: roomNameSchema,
  sender: userIdSchema,
  body: messageBodySchema.max(Limits.bodyMaxBytes),
  /** Server time of acceptance, epoch milliseconds (equal to the time in `id`). */
  ts: z.number().int().nonnegative(),
  clientMsgId: clientMsgIdSchema,
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export type JoinAck = {
  ok: true;
  /**
   * Users online in the room, sorted. A big room's ack names only some of them (the gateway's
   * PRESENCE_ACK_MAX_USERS, 100 by default): then `partial` is true and `onlineCount` says how
   * many there are; `presence` events name the users who join and leave from then on.
   */
  presence: string[];
  /** How many users are online in the room, whether `presence` names them all or not. */
  onlineCount: number;
  /** True when `presence` names only some of the `onlineCount` users online. */
  partial?: true;
  /** With `since`: the messages after it, oldest first, at most a bounded number. */
  missed?: ChatMessage[];
  /** With `since`: false when more were missed than `missed` holds (page history `after` its last). */
  complete?: boolean;
};
export type LeaveAck = { ok: true };
export type SendAck = { ok: true; id: string; ts: number; duplicate?: boolean };

/**
 * Who came and went in a room. A pod sends at most one per room per short window: a single
 * change as `joined` or `left` (one user), several gathered in the window as `joinedUsers` /
 * `leftUsers` (each user once, in its last state). `online`, when present, is the whole list.
 */
export type PresenceEvent = {
  room: string;
  joined?: string;
  left?: string;
  joinedUsers?: string[];
  leftUsers?: string[];
  online?: string[];
};
export type TypingEvent = { room: string; user: string };
export type RoomRemovedEvent = { room: string };

/** GET /v1/rooms/:room/messages */
export const historyQuerySchema = z
  .strictObject({
    before: z.uuid().optional(),
    after: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(Limits.historyPageMax).default(Limits.historyPageDefault),
  })
  .refine((q) => !(q.before && q.after), { message: 'use either before or after, not both' });
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export type HistoryPage = {
  messages: ChatMessage[];
  /** Pass as `before` to get the next older page; absent when there is none. */
  nextBefore?: string;
  /** Pass as `after` to get the next newer page; absent when there is none. */
  nextAfter?: string;
};
