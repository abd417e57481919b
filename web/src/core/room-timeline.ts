import type { ChatMessage, ErrorBody } from '@switchboard/protocol';

/** A message this client sent that the gateway has not acknowledged (yet, or ever). */
export type Outgoing = {
  clientMsgId: string;
  body: string;
  state: 'pending' | 'failed';
  error?: ErrorBody;
  /** Whether it went out on the socket (false while waiting for a connection). */
  emitted: boolean;
};

export type TimelineEntry =
  | { kind: 'message'; key: string; message: ChatMessage; mine: boolean }
  | { kind: 'outgoing'; key: string; outgoing: Outgoing };

/**
 * One room's messages as this client knows them: confirmed messages ordered by server id
 * (UUIDv7, so string order is time order, G4) and de-duplicated by id, followed by the
 * client's own messages still waiting for an acknowledgement. Socket deliveries, history pages
 * and acknowledgements all merge here, in any order.
 */
export class RoomTimeline {
  readonly room: string;
  readonly me: string;
  private readonly byId = new Map<string, ChatMessage>();
  private ids: string[] = [];
  private readonly outgoing = new Map<string, Outgoing>();

  constructor(room: string, me: string) {
    this.room = room;
    this.me = me;
  }

  /** Adds a confirmed message; false when it was already known. */
  add(message: ChatMessage): boolean {
    if (message.sender === this.me) this.outgoing.delete(message.clientMsgId);
    if (this.byId.has(message.id)) return false;
    this.byId.set(message.id, message);
    const at = insertionIndex(this.ids, message.id);
    this.ids.splice(at, 0, message.id);
    return true;
  }

  queue(clientMsgId: string, body: string): Outgoing {
    const entry: Outgoing = { clientMsgId, body, state: 'pending', emitted: false };
    this.outgoing.set(clientMsgId, entry);
    return entry;
  }

  pendingOutgoing(): Outgoing[] {
    return [...this.outgoing.values()];
  }

  findOutgoing(clientMsgId: string): Outgoing | undefined {
    return this.outgoing.get(clientMsgId);
  }

  /** The gateway accepted our message: it becomes a confirmed one under its server id. */
  acknowledge(clientMsgId: string, id: string, ts: number): void {
    const entry = this.outgoing.get(clientMsgId);
    if (!entry) return;
    this.add({ id, ts, clientMsgId, room: this.room, sender: this.me, body: entry.body });
  }

  fail(clientMsgId: string, error: ErrorBody): void {
    const entry = this.outgoing.get(clientMsgId);
    if (!entry) return;
    entry.state = 'failed';
    entry.error = error;
  }

  get size(): number {
    return this.ids.length;
  }

  /** The newest confirmed id: where a history catch-up starts after an absence (G5). */
  get newestId(): string | undefined {
    return this.ids.at(-1);
  }

  get oldestId(): string | undefined {
    return this.ids[0];
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  entries(): TimelineEntry[] {
    const out: TimelineEntry[] = [];
    for (const id of this.ids) {
      const message = this.byId.get(id)!;
      out.push({
        kind: 'message',
        key: entryKey(message.sender, message.clientMsgId),
        message,
        mine: message.sender === this.me,
      });
    }
    for (const outgoing of this.outgoing.values()) {
      out.push({ kind: 'outgoing', key: entryKey(this.me, outgoing.clientMsgId), outgoing });
    }
    return out;
  }
}

/** Stable across the pending -> acknowledged change, so a view can keep the same element. */
export function entryKey(sender: string, clientMsgId: string): string {
  return `${sender}\u0000${clientMsgId}`;
}

function insertionIndex(sorted: string[], id: string): number {
  // Live messages almost always append; check the end before searching.
  const last = sorted.at(-1);
  if (last === undefined || last < id) return sorted.length;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
