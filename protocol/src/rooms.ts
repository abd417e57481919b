import { z } from 'zod';
import { Limits } from './limits.ts';
import { clientMsgIdSchema, messageBodySchema, roomNameSchema, userIdSchema } from './payloads.ts';

/** Rooms as resources (G8): the REST bodies of DESIGN §3a. */

export const ROOM_VISIBILITIES = ['public', 'private'] as const;
export const ROOM_ROLES = ['owner', 'admin', 'member', 'reader'] as const;
export const roomVisibilitySchema = z.enum(ROOM_VISIBILITIES);
export const roomRoleSchema = z.enum(ROOM_ROLES);
export type RoomVisibility = z.infer<typeof roomVisibilitySchema>;
export type RoomRole = z.infer<typeof roomRoleSchema>;

/** POST /v1/rooms */
export const createRoomSchema = z.strictObject({ room: roomNameSchema, visibility: roomVisibilitySchema });
/** PUT /v1/rooms/:room/members/:user */
export const putMemberSchema = z.strictObject({ role: roomRoleSchema });
/** POST /v1/dms */
export const openDirectRoomSchema = z.strictObject({ user: userIdSchema });
/** POST /v1/rooms/:room/messages (server API); `sender` defaults to the system sender. */
export const publishMessageSchema = z.strictObject({
  clientMsgId: clientMsgIdSchema,
  body: messageBodySchema,
  sender: userIdSchema.optional(),
});
/** `?after=&limit=` of GET /v1/rooms and GET /v1/rooms/:room/members (keyset by name / user id). */
export const roomPageQuerySchema = z.strictObject({
  after: z.string().min(1).max(Math.max(Limits.roomNameMaxLength, Limits.userIdMaxLength)).optional(),
  limit: z.coerce.number().int().min(1).max(Limits.historyPageMax).default(Limits.historyPageDefault),
});

export type CreateRoomRequest = z.infer<typeof createRoomSchema>;
export type PutMemberRequest = z.infer<typeof putMemberSchema>;
export type OpenDirectRoomRequest = z.infer<typeof openDirectRoomSchema>;
export type PublishMessageRequest = z.infer<typeof publishMessageSchema>;

export type RoomSummary = { room: string; visibility: RoomVisibility; direct: boolean; role: RoomRole };
export type RoomDetails = {
  room: string;
  visibility: RoomVisibility;
  direct: boolean;
  memberCount: number;
  createdBy: string;
  createdAt: string;
};
export type RoomMember = { user: string; role: RoomRole; addedBy: string; addedAt: string };

/** GET /v1/rooms */
export type RoomList = { rooms: RoomSummary[]; nextAfter?: string };
/** GET /v1/rooms/:room/members */
export type RoomMemberPage = { members: RoomMember[]; nextAfter?: string };
/** PUT /v1/rooms/:room/members/:user (201 when added, 200 when the role changed or was already so). */
export type PutMemberResponse = { room: string; user: string; role: RoomRole };
/** POST /v1/rooms (201) and POST /v1/dms (201 when created, 200 when it existed). */
export type RoomCreated = { room: string; visibility: RoomVisibility; direct: boolean };
