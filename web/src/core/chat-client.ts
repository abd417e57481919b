import {
  type ChatMessage,
  ClientEvent,
  chatMessageSchema,
  type ErrorAck,
  type ErrorBody,
  ErrorCode,
  errorBodySchema,
  type JoinAck,
  Limits,
  type PresenceEvent,
  presenceChanges,
  type RoomRemovedEvent,
  roomNameSchema,
  type SendAck,
  ServerEvent,
  SwitchboardError,
  type TypingEvent,
  utf8Length,
} from '@switchboard/protocol';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { HistoryApi } from './history-api.ts';
import { unnamedAtJoin } from './online-summary.ts';
import { RoomTimeline } from './room-timeline.ts';
import type { TokenSource } from './tokens.ts';

/** How long a typing notice stays shown without a new one. */
const TYPING_SHOWN_MS = 4_000;
/** Typing notices are volatile; one per this interval is enough to keep the indicator on. */
const TYPING_EMIT_EVERY_MS = 2_000;
const SEND_ACK_TIMEOUT_MS = 15_000;
const JOIN_ACK_TIMEOUT_MS = 10_000;
/** A catch-up longer than this many history pages gives up and shows the latest page instead. */
const GAP_FILL_MAX_PAGES = 20;
/** Token renewals in a row after handshake refusals before the page stops and says so. */
const MAX_AUTH_RETRIES = 3;

export type ConnectionState =
  | { status: 'connecting' }
  | {
      status: 'connected';
      /** gap-partial: more was missed than could be fetched; older messages load on scroll. */
      since: 'first' | 'recovered' | 'catching-up' | 'gap-filled' | 'gap-partial';
      filled?: number;
    }
  | { status: 'reconnecting'; attempt: number; reason: string }
  | { status: 'unauthorized'; error: ErrorBody };

export type RoomState = {
  name: string;
  timeline: RoomTimeline;
  joined: boolean;
  presence: Set<string>;
  /** Users online whom nobody named yet: a big room's join ack counts them but names only some. */
  presenceUnnamed: number;
  typing: Map<string, number>;
  unread: number;
  /** undefined until the first history page says whether older messages exist. */
  olderCursor: string | undefined;
  hasOlder: boolean | undefined;
  loadingOlder: boolean;
  historyError: ErrorBody | undefined;
  /** The last message received, in arrival order: the `since` of the next rejoin (G9). */
  lastSeenId: string | undefined;
};

/** Something the page must tell the user once: a room taken away by the server. */
export type ChatNotice = { kind: 'removed'; room: string; error?: ErrorBody };

export type ChatClientOptions = {
  user: string;
  tokens: TokenSource;
  /** Gateway origin; omitted in the page, which is served by the gateway itself. */
  baseUrl?: string;
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
};

/**
 * The chat session without any DOM: one Socket.IO connection, the joined rooms, their
 * timelines, presence and typing, the outbox of unacknowledged sends and the connection state.
 * The page renders it; Node tests drive it directly.
 */
export class ChatClient {
  readonly user: string;
  readonly rooms = new Map<string, RoomState>();
  activeRoom: string | undefined;
  connection: ConnectionState = { status: 'connecting' };
  /** The last protocol error the gateway reported for this connection (unknown event and such). */
  protocolError: ErrorBody | undefined;
  /** The last room the server took away (`room:removed`, or a rejoin refused); cleared by `dismissNotice`. */
  notice: ChatNotice | undefined;

  private readonly socket: Socket;
  private readonly tokens: TokenSource;
  private readonly history: HistoryApi;
  private readonly listeners = new Set<() => void>();
  private hasConnected = false;
  private tokenExpired = false;
  private authRetries = 0;
  private lastTypingSent = new Map<string, number>();
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ChatClientOptions) {
    this.user = options.user;
    this.tokens = options.tokens;
    this.history = new HistoryApi({
      token: () => this.tokens.current(),
      ...optional('baseUrl', options.baseUrl),
    });
    const socketOptions: Partial<ManagerOptions & SocketOptions> = {
      autoConnect: false,
      auth: (cb) => cb({ token: this.tokens.current() }),
      ...options.socketOptions,
    };
    this.socket = options.baseUrl ? io(options.baseUrl, socketOptions) : io(socketOptions);
    this.wireSocket();
  }

  /** Called after every state change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.socket.connect();
  }

  stop(): void {
    this.socket.disconnect();
    if (this.typingTimer) clearTimeout(this.typingTimer);
  }

  /**
   * Joins (or re-selects) a room; resolves when the gateway has accepted the join. A refusal is
   * a typed error: FORBIDDEN (a private room the user is not a member of), NOT_FOUND (no such
   * room where the gateway does not create rooms on join). `select: false` joins in the
   * background (the rooms listed at sign-in) and leaves the open room as it is.
   */
  async join(rawName: string, options: { select?: boolean } = {}): Promise<void> {
    const name = roomNameSchema.safeParse(rawName.trim());
    if (!name.success) {
      throw new SwitchboardError(ErrorCode.Invalid, name.error.issues[0]?.message ?? 'invalid room name');
    }
    const room = name.data;
    const existing = this.rooms.get(room);
    if (existing) {
      if (options.select !== false) this.select(room);
      return;
    }
    const state: RoomState = {
      name: room,
      timeline: new RoomTimeline(room, this.user),
      joined: false,
      presence: new Set(),
      presenceUnnamed: 0,
      typing: new Map(),
      unread: 0,
      olderCursor: undefined,
      hasOlder: undefined,
      loadingOlder: false,
      historyError: undefined,
      lastSeenId: undefined,
    };
    this.rooms.set(room, state);
    if (options.select !== false || this.activeRoom === undefined) this.activeRoom = room;
    this.changed();
    try {
      await this.joinOnSocket(state);
    } catch (err) {
      this.rooms.delete(room);
      if (this.activeRoom === room) this.activeRoom = this.rooms.keys().next().value;
      this.changed();
      throw err;
    }
    await this.loadLatest(state);
  }

  async leave(room: string): Promise<void> {
    const state = this.rooms.get(room);
    if (!state) return;
    this.rooms.delete(room);
    if (this.activeRoom === room) this.activeRoom = this.rooms.keys().next().value;
    this.changed();
    if (this.socket.connected) {
      await this.socket
        .timeout(JOIN_ACK_TIMEOUT_MS)
        .emitWithAck(ClientEvent.RoomLeave, { room })
        .catch(() => {});
    }
  }

  dismissNotice(): void {
    this.notice = undefined;
    this.changed();
  }

  select(room: string): void {
    const state = this.rooms.get(room);
    if (!state) return;
    this.activeRoom = room;
    state.unread = 0;
    this.changed();
  }

  /**
   * Queues a message and sends it when connected. It shows as pending until the gateway's ack
   * carries the server id, or as failed with the typed error; `retry` re-sends with the same
   * clientMsgId, so a send that did arrive is not stored or delivered twice (G3).
   */
  send(room: string, body: string): string | undefined {
    const state = this.rooms.get(room);
    if (!state || body.trim() === '') return undefined;
    const clientMsgId = newClientMsgId();
    state.timeline.queue(clientMsgId, body);
    if (utf8Length(body) > Limits.bodyMaxBytes) {
      state.timeline.fail(clientMsgId, {
        code: ErrorCode.TooLarge,
        message: `the message is ${utf8Length(body)} bytes; the limit is ${Limits.bodyMaxBytes}`,
        retryable: false,
      });
    } else {
      this.emitSend(state, clientMsgId);
    }
    this.changed();
    return clientMsgId;
  }

  retry(room: string, clientMsgId: string): void {
    const state = this.rooms.get(room);
    const outgoing = state?.timeline.findOutgoing(clientMsgId);
    if (!state || !outgoing || outgoing.state !== 'failed') return;
    // The same message again cannot pass a refusal that is not retryable (CONFLICT, TOO_LARGE).
    if (outgoing.error && !outgoing.error.retryable) return;
    outgoing.state = 'pending';
    outgoing.error = undefined;
    this.emitSend(state, clientMsgId);
    this.changed();
  }

  /** Tells the room this user is typing, at most once per interval. */
  typing(room: string): void {
    const now = Date.now();
    if (!this.socket.connected || now - (this.lastTypingSent.get(room) ?? 0) < TYPING_EMIT_EVERY_MS) return;
    this.lastTypingSent.set(room, now);
    this.socket.volatile.emit(ClientEvent.Typing, { room });
  }

  /** Pages in older history (scroll-up); a no-op while loading or at the beginning. */
  async loadOlder(room: string): Promise<void> {
    const state = this.rooms.get(room);
    if (!state || state.loadingOlder || state.hasOlder === false) return;
    if (state.hasOlder === undefined) return this.loadLatest(state);
    return this.loadPage(state, state.olderCursor);
  }

  private loadLatest(state: RoomState): Promise<void> {
    return this.loadPage(state, undefined);
  }

  /** One page ending before `before` (the newest page when undefined), merged into the timeline. */
  private async loadPage(state: RoomState, before: string | undefined): Promise<void> {
    state.loadingOlder = true;
    this.changed();
    try {
      const page = await this.history.page(state.name, optional('before', before));
      for (const message of page.messages) state.timeline.add(message);
      state.olderCursor = page.nextBefore;
      state.hasOlder = page.nextBefore !== undefined;
      state.historyError = undefined;
    } catch (err) {
      state.historyError = toErrorBody(err);
    } finally {
      state.loadingOlder = false;
      this.changed();
    }
  }

  /**
   * After a catch-up that said `complete: false`, pages history forward from the last message
   * it gave (history includes what is not written yet, G9). Returns how many messages it added
   * and whether it got to the end.
   */
  private async pageAfter(state: RoomState, after: string): Promise<{ added: number; complete: boolean }> {
    let added = 0;
    for (let pages = 0, cursor: string | undefined = after; pages < GAP_FILL_MAX_PAGES && cursor; pages++) {
      const page = await this.history.page(state.name, { after: cursor, limit: Limits.historyPageMax });
      for (const message of page.messages) added += this.take(state, message) ? 1 : 0;
      if (!page.nextAfter) return { added, complete: true };
      cursor = page.nextAfter;
    }
    // Too far behind to page through: show the latest page; the rest loads on scroll-up.
    const before = state.timeline.size;
    await this.loadLatest(state);
    return { added: added + state.timeline.size - before, complete: false };
  }

  /** Adds a message that arrived late (catch-up, gap paging); true when it was new. */
  private take(state: RoomState, message: ChatMessage): boolean {
    state.lastSeenId = message.id;
    if (!state.timeline.add(message)) return false;
    if (message.sender !== this.user && state.name !== this.activeRoom) state.unread++;
    return true;
  }

  /**
   * Joins the room; with `since` (the last message seen) the ack carries what was missed, oldest
   * first, and whether that was all of it.
   */
  private async joinOnSocket(
    state: RoomState,
    since?: string,
  ): Promise<{ added: number; complete: boolean }> {
    const ack = (await this.socket
      .timeout(JOIN_ACK_TIMEOUT_MS)
      .emitWithAck(ClientEvent.RoomJoin, since ? { room: state.name, since } : { room: state.name })
      .catch(() => timeoutAck('join'))) as JoinAck | ErrorAck;
    if (!ack.ok) throw new SwitchboardError(ack.error.code, ack.error.message);
    state.joined = true;
    state.presence = new Set(ack.presence);
    state.presenceUnnamed = unnamedAtJoin(ack);
    let added = 0;
    for (const message of ack.missed ?? []) added += this.take(state, message) ? 1 : 0;
    // Messages written while the join was in flight were queued, not sent: send them now.
    this.flushOutbox(state);
    this.changed();
    return { added, complete: ack.complete ?? true };
  }

  private emitSend(state: RoomState, clientMsgId: string): void {
    const outgoing = state.timeline.findOutgoing(clientMsgId);
    if (!outgoing || !this.socket.connected || !state.joined) return; // flushed after (re)connect
    outgoing.emitted = true;
    const payload = { room: state.name, clientMsgId, body: outgoing.body };
    this.socket
      .timeout(SEND_ACK_TIMEOUT_MS)
      .emitWithAck(ClientEvent.MessageSend, payload)
      .catch(() => timeoutAck('send'))
      .then((ack: SendAck | ErrorAck) => {
        if (ack.ok) state.timeline.acknowledge(clientMsgId, ack.id, ack.ts);
        else state.timeline.fail(clientMsgId, parseErrorBody(ack.error));
        this.changed();
      });
  }

  private flushOutbox(state: RoomState): void {
    for (const outgoing of state.timeline.pendingOutgoing()) {
      if (outgoing.state === 'pending') this.emitSend(state, outgoing.clientMsgId);
    }
  }

  private wireSocket(): void {
    const socket = this.socket;
    socket.on('connect', () => {
      this.authRetries = 0;
      const first = !this.hasConnected;
      this.hasConnected = true;
      if (socket.recovered) {
        // The gateway replayed what we missed and kept our rooms (connection state recovery).
        this.connection = { status: 'connected', since: 'recovered' };
        for (const state of this.rooms.values()) this.flushOutbox(state);
        this.changed();
        return;
      }
      // A new session: the gateway knows none of our rooms until we join them again.
      for (const state of this.rooms.values()) state.joined = false;
      this.connection = { status: 'connected', since: first ? 'first' : 'catching-up' };
      this.changed();
      if (!first) void this.rejoinAndFill();
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return; // stop(): signing out
      for (const state of this.rooms.values()) state.typing.clear();
      this.connection = { status: 'reconnecting', attempt: 0, reason };
      this.changed();
      // A server-side disconnect (a gateway draining on SIGTERM, or the token's expiry) does not
      // reconnect by itself; the jitter spreads a drained gateway's clients over the others.
      if (reason === 'io server disconnect') {
        const expired = this.tokenExpired && this.tokens.refresh;
        this.tokenExpired = false;
        const renewed = expired ? this.tokens.refresh!().catch(() => {}) : Promise.resolve();
        void renewed.then(() => setTimeout(() => socket.connect(), 500 + Math.random() * 1_000));
      }
    });
    socket.io.on('reconnect_attempt', (attempt) => {
      if (this.connection.status === 'reconnecting') this.connection = { ...this.connection, attempt };
      this.changed();
    });
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      const body = errorBodySchema.safeParse(
        (err.data as { error?: unknown } | undefined)?.error ?? err.data,
      );
      if (body.success && body.data.code === ErrorCode.Unauthenticated) {
        this.connection = { status: 'unauthorized', error: body.data };
        this.changed();
        // Middleware refusals are not retried by Socket.IO; renew the token when we can, a few
        // times (a token that is refused again and again is a configuration problem to show).
        if (this.tokens.refresh && this.authRetries < MAX_AUTH_RETRIES) {
          this.authRetries++;
          this.tokens.refresh().then(
            () => socket.connect(),
            () => {},
          );
        }
        return;
      }
      if (!socket.active) {
        // Refused for another reason (FORBIDDEN, ...): say so; retrying would not help.
        const error = body.success
          ? body.data
          : { code: ErrorCode.Unavailable, message: err.message, retryable: true };
        this.connection = { status: 'unauthorized', error };
        this.changed();
        return;
      }
      if (this.connection.status !== 'reconnecting') {
        this.connection = { status: 'reconnecting', attempt: 0, reason: err.message };
        this.changed();
      }
    });
    socket.on(ServerEvent.Message, (raw: unknown) => {
      const parsed = chatMessageSchema.safeParse(raw);
      if (!parsed.success) return;
      this.receive(parsed.data);
    });
    socket.on(ServerEvent.Presence, (event: PresenceEvent) => {
      const state = this.rooms.get(event.room);
      if (!state) return;
      if (event.online) {
        state.presence = new Set(event.online);
        state.presenceUnnamed = 0;
      }
      const { joined, left } = presenceChanges(event);
      for (const user of joined) state.presence.add(user);
      for (const user of left) {
        // One who leaves and was never named was one of those counted only.
        if (!state.presence.delete(user) && state.presenceUnnamed > 0) state.presenceUnnamed--;
        state.typing.delete(user);
      }
      this.changed();
    });
    socket.on(ServerEvent.Typing, (event: TypingEvent) => {
      const state = this.rooms.get(event.room);
      if (!state || event.user === this.user) return;
      state.typing.set(event.user, Date.now() + TYPING_SHOWN_MS);
      this.scheduleTypingExpiry();
      this.changed();
    });
    // Removed from a room (or the room deleted): the gateway has already taken this connection
    // out of it (G8); the room leaves the list and the page says why.
    socket.on(ServerEvent.RoomRemoved, (event: RoomRemovedEvent) => {
      if (typeof event?.room === 'string') this.dropRoom(event.room);
    });
    socket.on(ServerEvent.Error, (raw: unknown) => {
      const body = errorBodySchema.safeParse((raw as { error?: unknown } | undefined)?.error ?? raw);
      if (!body.success) return;
      // The gateway ends a connection when its token expires, announcing it with this error.
      if (body.data.code === ErrorCode.Unauthenticated) this.tokenExpired = true;
      else this.protocolError = body.data;
      this.changed();
    });
  }

  /** Also receives what the gateway replays on recovery. */
  private receive(message: ChatMessage): void {
    const state = this.rooms.get(message.room);
    if (!state) return;
    state.lastSeenId = message.id;
    const added = state.timeline.add(message);
    state.typing.delete(message.sender);
    if (added && message.sender !== this.user && message.room !== this.activeRoom) state.unread++;
    this.changed();
  }

  /**
   * Rejoins with the last message seen: the gateway answers with what came after it, from any
   * pod and whatever crashed (G9); when that was not all, history pages on from there. A room
   * with nothing seen yet loads its latest page; a `since` the server no longer knows (its
   * recent log and database both lack it) falls back to the latest page, said to be partial.
   */
  private async catchUp(state: RoomState): Promise<{ added: number; complete: boolean }> {
    const since = state.lastSeenId;
    if (since === undefined) {
      await this.joinOnSocket(state);
      const before = state.timeline.size;
      await this.loadLatest(state);
      return { added: state.timeline.size - before, complete: true };
    }
    let caught: { added: number; complete: boolean };
    try {
      caught = await this.joinOnSocket(state, since);
    } catch (err) {
      if (!(err instanceof SwitchboardError) || err.code !== ErrorCode.Invalid) throw err;
      await this.joinOnSocket(state);
      const before = state.timeline.size;
      await this.loadLatest(state);
      return { added: state.timeline.size - before, complete: false };
    }
    if (caught.complete || !state.lastSeenId) return caught;
    const paged = await this.pageAfter(state, state.lastSeenId);
    return { added: caught.added + paged.added, complete: paged.complete };
  }

  private async rejoinAndFill(): Promise<void> {
    let filled = 0;
    let complete = true;
    for (const state of [...this.rooms.values()]) {
      try {
        const caught = await this.catchUp(state); // also sends what was queued while offline
        filled += caught.added;
        complete &&= caught.complete;
      } catch (err) {
        // Removed (or the room deleted) while the connection was away: the room is gone for us.
        if (!state.joined && isRefusal(err)) {
          this.dropRoom(state.name, toErrorBody(err));
          continue;
        }
        state.historyError = toErrorBody(err);
        // Not joined, nothing queued for this room can go out: show it failed, with Retry.
        if (!state.joined) {
          for (const outgoing of state.timeline.pendingOutgoing()) {
            if (outgoing.state === 'pending') state.timeline.fail(outgoing.clientMsgId, toErrorBody(err));
          }
        }
      }
    }
    if (this.socket.connected) {
      this.connection = { status: 'connected', since: complete ? 'gap-filled' : 'gap-partial', filled };
    }
    this.changed();
  }

  /** Forgets a room the server took away, with a notice for the page. */
  private dropRoom(room: string, error?: ErrorBody): void {
    const state = this.rooms.get(room);
    if (!state) return;
    this.rooms.delete(room);
    this.lastTypingSent.delete(room);
    if (this.activeRoom === room) this.activeRoom = this.rooms.keys().next().value;
    this.notice = error ? { kind: 'removed', room, error } : { kind: 'removed', room };
    this.changed();
  }

  private scheduleTypingExpiry(): void {
    if (this.typingTimer) return;
    this.typingTimer = setTimeout(() => {
      this.typingTimer = undefined;
      const now = Date.now();
      let pending = false;
      for (const state of this.rooms.values()) {
        for (const [user, until] of state.typing) {
          if (until <= now) state.typing.delete(user);
          else pending = true;
        }
      }
      this.changed();
      if (pending) this.scheduleTypingExpiry();
    }, 1_000);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/** Unique per send; random so two tabs of one user never collide. */
export function newClientMsgId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `c${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function timeoutAck(what: string): ErrorAck {
  return {
    ok: false,
    error: {
      code: ErrorCode.Unavailable,
      message: `no answer from the gateway to ${what} in time; retrying is safe`,
      retryable: true,
    },
  };
}

function parseErrorBody(raw: unknown): ErrorBody {
  const parsed = errorBodySchema.safeParse(raw);
  return parsed.success
    ? parsed.data
    : { code: ErrorCode.Internal, message: 'the gateway sent an unreadable error', retryable: true };
}

/** A join refused for good: not (or no longer) a member, or the room is gone. */
function isRefusal(err: unknown): boolean {
  return (
    err instanceof SwitchboardError && (err.code === ErrorCode.Forbidden || err.code === ErrorCode.NotFound)
  );
}

function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof SwitchboardError) return err.toBody();
  return { code: ErrorCode.Internal, message: (err as Error)?.message ?? String(err), retryable: true };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
