import {
  type ErrorBody,
  ErrorCode,
  type RoomMember,
  type RoomRole,
  type RoomVisibility,
  SwitchboardError,
  userIdSchema,
} from '@switchboard/protocol';
import type { ChatClient } from './chat-client.ts';
import type { RoomsApi } from './rooms-api.ts';

/** What the page knows of a room beyond its timeline: from GET /v1/rooms, a create, or its members. */
export type RoomFacts = {
  visibility: RoomVisibility;
  direct: boolean;
  /** The signed-in user's role; undefined until known (a room joined by name). */
  role: RoomRole | undefined;
  /** Direct rooms: the other user. */
  peer?: string;
};

export type MembersView = {
  room: string;
  members: RoomMember[];
  loading: boolean;
  error: ErrorBody | undefined;
};

/** Pages of members loaded for the panel; a room beyond this many shows the first ones. */
const MEMBER_PAGES = 10;

/**
 * The user's rooms as resources (DESIGN §3a), between the rooms API and the chat session:
 * lists them at sign-in and joins them on the socket, creates rooms, manages members, opens
 * direct rooms. The ChatClient stays the socket session; this holds what the API says.
 */
export class RoomDirectory {
  readonly facts = new Map<string, RoomFacts>();
  /** The members of one room at a time: the open room's panel. */
  members: MembersView | undefined;
  /** Why the sign-in list of rooms could not be loaded. */
  listError: ErrorBody | undefined;

  private readonly client: ChatClient;
  private readonly api: RoomsApi;
  private readonly listeners = new Set<() => void>();

  constructor(client: ChatClient, api: RoomsApi) {
    this.client = client;
    this.api = api;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * GET /v1/rooms at sign-in: records every room's facts and joins it on the socket in the
   * background (the open room stays as it is). A join the gateway refuses is skipped.
   */
  async loadMine(): Promise<void> {
    try {
      const rooms = await this.api.mine();
      for (const r of rooms)
        this.facts.set(r.room, { visibility: r.visibility, direct: r.direct, role: r.role });
      this.listError = undefined;
      this.changed();
      await Promise.all(
        rooms.map(async (r) => {
          if (r.direct) await this.resolvePeer(r.room);
          await this.client.join(r.room, { select: false }).catch(() => {});
        }),
      );
    } catch (err) {
      this.listError = toErrorBody(err);
      this.changed();
    }
  }

  /** POST /v1/rooms, then joins it; CONFLICT when the name is taken. */
  async create(room: string, visibility: RoomVisibility): Promise<void> {
    const created = await this.api.create(room.trim(), visibility);
    this.facts.set(created.room, { visibility: created.visibility, direct: false, role: 'owner' });
    this.changed();
    await this.client.join(created.room);
  }

  /** POST /v1/dms, then joins the pair's room. */
  async openDirect(rawUser: string): Promise<string> {
    const user = parseUser(rawUser);
    const room = await this.api.openDirect(user);
    this.facts.set(room.room, { visibility: 'private', direct: true, role: 'member', peer: user });
    this.changed();
    await this.client.join(room.room);
    return room.room;
  }

  /** PUT /v1/rooms/:room/members/:user; true when the user was added (not only given a new role). */
  async putMember(room: string, rawUser: string, role: RoomRole): Promise<boolean> {
    const user = parseUser(rawUser);
    const { added } = await this.api.putMember(room, user, role);
    await this.loadMembers(room);
    return added;
  }

  /** DELETE /v1/rooms/:room/members/:user; the removed user's pages get `room:removed`. */
  async removeMember(room: string, user: string): Promise<void> {
    await this.api.removeMember(room, user);
    await this.loadMembers(room);
  }

  /** Loads the members of `room` into `members` (and learns this user's role there). */
  async loadMembers(room: string): Promise<void> {
    const previous = this.members?.room === room ? this.members.members : [];
    this.members = { room, members: previous, loading: true, error: undefined };
    this.changed();
    try {
      const members: RoomMember[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < MEMBER_PAGES; pages++) {
        const page = await this.api.members(room, after);
        members.push(...page.members);
        if (!page.nextAfter) break;
        after = page.nextAfter;
      }
      if (this.members?.room !== room) return; // another room's panel opened meanwhile
      this.members = { room, members, loading: false, error: undefined };
      const facts = this.facts.get(room);
      const mine = members.find((m) => m.user === this.client.user)?.role;
      if (facts) facts.role = mine;
      else if (mine) await this.learn(room, mine);
    } catch (err) {
      if (this.members?.room === room)
        this.members = { room, members: previous, loading: false, error: toErrorBody(err) };
    }
    this.changed();
  }

  /** How the page names a room: `@peer` for a direct room, the name otherwise. */
  label(room: string): string {
    const peer = this.facts.get(room)?.peer;
    return peer ? `@${peer}` : room;
  }

  /** Owners and admins manage members; direct rooms have fixed members. */
  canManage(room: string): boolean {
    const facts = this.facts.get(room);
    return !!facts && !facts.direct && (facts.role === 'owner' || facts.role === 'admin');
  }

  /** Facts of a room joined by name (GET /v1/rooms/:room), once its members told the role. */
  private async learn(room: string, role: RoomRole): Promise<void> {
    try {
      const info = await this.api.info(room);
      this.facts.set(room, { visibility: info.visibility, direct: info.direct, role });
    } catch {
      // Only labels depend on it; the room works without.
    }
  }

  private async resolvePeer(room: string): Promise<void> {
    try {
      const page = await this.api.members(room);
      const peer = page.members.find((m) => m.user !== this.client.user)?.user;
      const facts = this.facts.get(room);
      if (facts && peer) facts.peer = peer;
    } catch {
      // The room is listed by its name instead.
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function parseUser(raw: string): string {
  const user = userIdSchema.safeParse(raw.trim());
  if (!user.success) {
    throw new SwitchboardError(ErrorCode.Invalid, user.error.issues[0]?.message ?? 'invalid user name');
  }
  return user.data;
}

function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof SwitchboardError) return err.toBody();
  return { code: ErrorCode.Internal, message: (err as Error)?.message ?? String(err), retryable: true };
}
