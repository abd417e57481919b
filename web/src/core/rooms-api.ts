import {
  ErrorCode,
  type PutMemberResponse,
  type RoomCreated,
  type RoomDetails,
  type RoomMember,
  type RoomMemberPage,
  type RoomRole,
  type RoomSummary,
  type RoomVisibility,
  roomNameSchema,
  roomRoleSchema,
  roomVisibilitySchema,
  SwitchboardError,
  userIdSchema,
} from '@switchboard/protocol';
import { errorFromResponse, networkError } from './http-errors.ts';

/** A page of GET /v1/rooms is bounded; a page user with more rooms than this is not the demo's case. */
const MAX_LIST_PAGES = 20;

/**
 * Client of the rooms REST API (DESIGN §3a): create a room, list mine, add or remove members,
 * open a direct room. Same bearer token as the socket; failures are typed SwitchboardErrors
 * from the gateway's error body (CONFLICT, FORBIDDEN, NOT_FOUND, ...). Answers are checked with
 * the protocol's schemas: a malformed answer is an error, not a guess.
 */
export class RoomsApi {
  private readonly baseUrl: string;
  private readonly token: () => string;

  constructor(options: { baseUrl?: string; token: () => string }) {
    this.baseUrl = options.baseUrl ?? '';
    this.token = options.token;
  }

  /** POST /v1/rooms: 201 with the caller as owner; CONFLICT when the name is taken. */
  async create(room: string, visibility: RoomVisibility): Promise<RoomCreated> {
    return parseCreated(await this.call('POST', '/v1/rooms', { room, visibility }), 'create');
  }

  /** GET /v1/rooms, every page: the caller's rooms with role and visibility. */
  async mine(): Promise<RoomSummary[]> {
    const rooms: RoomSummary[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < MAX_LIST_PAGES; pages++) {
      const query = after ? `?${new URLSearchParams({ after })}` : '';
      const body = (await this.call('GET', `/v1/rooms${query}`)) as { rooms?: unknown; nextAfter?: unknown };
      if (!Array.isArray(body?.rooms)) throw malformed('rooms', 'no rooms array');
      rooms.push(...body.rooms.map((raw, i) => parseSummary(raw, i)));
      if (typeof body.nextAfter !== 'string') break;
      after = body.nextAfter;
    }
    return rooms;
  }

  /** GET /v1/rooms/:room */
  async info(room: string): Promise<RoomDetails> {
    const body = (await this.call('GET', roomPath(room))) as RoomDetails;
    if (!roomVisibilitySchema.safeParse(body?.visibility).success || typeof body.memberCount !== 'number') {
      throw malformed('room', 'unexpected room details');
    }
    return body;
  }

  /** GET /v1/rooms/:room/members, one page (keyset by user id). */
  async members(room: string, after?: string): Promise<RoomMemberPage> {
    const query = after ? `?${new URLSearchParams({ after })}` : '';
    const body = (await this.call('GET', `${roomPath(room)}/members${query}`)) as {
      members?: unknown;
      nextAfter?: unknown;
    };
    if (!Array.isArray(body?.members)) throw malformed('members', 'no members array');
    const page: RoomMemberPage = { members: body.members.map((raw, i) => parseMember(raw, i)) };
    if (typeof body.nextAfter === 'string') page.nextAfter = body.nextAfter;
    return page;
  }

  /** PUT /v1/rooms/:room/members/:user: `added` when the user was not a member (201). */
  async putMember(
    room: string,
    user: string,
    role: RoomRole,
  ): Promise<PutMemberResponse & { added: boolean }> {
    const { body, status } = await this.callWithStatus('PUT', memberPath(room, user), { role });
    const answer = body as PutMemberResponse;
    if (!roomRoleSchema.safeParse(answer?.role).success) throw malformed('member', 'no role in the answer');
    return { ...answer, added: status === 201 };
  }

  /** DELETE /v1/rooms/:room/members/:user: removes a member, or leaves when it is the caller. */
  async removeMember(room: string, user: string): Promise<void> {
    await this.call('DELETE', memberPath(room, user));
  }

  /** POST /v1/dms: the direct room of the caller and `user` (created once, then the same). */
  async openDirect(user: string): Promise<RoomCreated> {
    return parseCreated(await this.call('POST', '/v1/dms', { user }), 'direct room');
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    return (await this.callWithStatus(method, path, body)).body;
  }

  private async callWithStatus(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const what = `rooms ${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token()}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        credentials: 'same-origin',
      });
    } catch (err) {
      throw networkError(what, err);
    }
    if (!response.ok) throw await errorFromResponse(response, what);
    if (response.status === 204) return { status: 204, body: undefined };
    return { status: response.status, body: await response.json() };
  }
}

function roomPath(room: string): string {
  return `/v1/rooms/${encodeURIComponent(room)}`;
}

function memberPath(room: string, user: string): string {
  return `${roomPath(room)}/members/${encodeURIComponent(user)}`;
}

function parseCreated(raw: unknown, what: string): RoomCreated {
  const body = raw as Partial<RoomCreated> | undefined;
  if (
    !roomNameSchema.safeParse(body?.room).success ||
    !roomVisibilitySchema.safeParse(body?.visibility).success ||
    typeof body?.direct !== 'boolean'
  ) {
    throw malformed(what, 'unexpected answer');
  }
  return body as RoomCreated;
}

function parseSummary(raw: unknown, i: number): RoomSummary {
  const room = raw as Partial<RoomSummary> | undefined;
  if (
    !roomNameSchema.safeParse(room?.room).success ||
    !roomVisibilitySchema.safeParse(room?.visibility).success ||
    !roomRoleSchema.safeParse(room?.role).success
  ) {
    throw malformed('rooms', `room ${i} is malformed`);
  }
  return { ...(room as RoomSummary), direct: room?.direct === true };
}

function parseMember(raw: unknown, i: number): RoomMember {
  const member = raw as Partial<RoomMember> | undefined;
  if (!userIdSchema.safeParse(member?.user).success || !roomRoleSchema.safeParse(member?.role).success) {
    throw malformed('members', `member ${i} is malformed`);
  }
  return member as RoomMember;
}

function malformed(what: string, detail: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.Internal, `${what}: ${detail}`);
}
