import type { ChatMessage } from '@switchboard/protocol';
import type { Database } from './client.ts';
import type { Message } from './generated/client.ts';

/**
 * The `messages` table: its row, its mapping to and from the wire's ChatMessage, the one write
 * (the persister's) and the one read (the gateway's history pages). Nothing else touches it.
 *
 * Prisma or SQL, per path: reads go through the Prisma client (typed, the query is simple and
 * Prisma writes the keyset SQL the index serves); the bulk insert is raw SQL through
 * `$executeRaw`, because `unnest` sends a chunk of any size as one statement with six
 * parameters (about 7x faster than `createMany` when measured for the persister), and
 * `ON CONFLICT DO NOTHING` on both unique keys is what makes a re-delivery a no-op.
 */

/** What the persister writes: every column but `persisted_at` (the database sets it). */
export type MessageRow = Omit<Message, 'persistedAt'>;

export function toMessageRow(message: ChatMessage): MessageRow {
  return {
    id: message.id,
    room: message.room,
    sender: message.sender,
    clientMsgId: message.clientMsgId,
    body: message.body,
    createdAt: new Date(message.ts),
  };
}

export function toChatMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    room: row.room,
    sender: row.sender,
    body: row.body,
    ts: row.createdAt.getTime(),
    clientMsgId: row.clientMsgId,
  };
}

/**
 * Inserts rows in one statement, which PostgreSQL runs as one transaction: all rows or none.
 * Returns how many were new; the others already existed (by id, or by room, sender and
 * client_msg_id: G2, G3). Rows go in in the order given, so a room is never reordered (G4).
 * Throws the driver's error as it is: `dataRejection` tells a refused row from an outage.
 */
export async function insertMessages(db: Database, rows: MessageRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const column = <K extends keyof MessageRow>(key: K) => rows.map((r) => r[key]);
  return db.$executeRaw`
    INSERT INTO messages (id, room, sender, client_msg_id, body, created_at)
    SELECT * FROM unnest(
      ${column('id')}::uuid[], ${column('room')}::varchar[], ${column('sender')}::varchar[],
      ${column('clientMsgId')}::varchar[], ${column('body')}::text[], ${column('createdAt')}::timestamptz[]
    )
    ON CONFLICT DO NOTHING`;
}

export type HistoryPageQuery = { room: string; before?: string; after?: string; limit: number };

/**
 * One keyset page over (room, id), oldest first. Ids are UUIDv7, so id order is acceptance
 * order (G4) and a cursor is the id at a page's edge: pages never overlap and skip nothing.
 * Without a cursor: the latest `limit` messages. `more`: another page exists in the direction
 * of travel (older without `after`, newer with it).
 */
export async function historyPage(
  db: Database,
  q: HistoryPageQuery,
): Promise<{ messages: ChatMessage[]; more: boolean }> {
  const rows = await db.message.findMany({
    where: { room: q.room, id: q.after ? { gt: q.after } : q.before ? { lt: q.before } : undefined },
    orderBy: { id: q.after ? 'asc' : 'desc' },
    // One more than asked: its presence says whether there is a next page.
    take: q.limit + 1,
    omit: { persistedAt: true },
  });
  const page = rows.slice(0, q.limit);
  if (!q.after) page.reverse();
  return { messages: page.map(toChatMessage), more: rows.length > q.limit };
}

/** Whether the message `id` is stored, in that room (a catch-up cursor must be the room's own). */
export async function messageInRoom(db: Database, room: string, id: string): Promise<boolean> {
  return (await db.message.count({ where: { id, room } })) > 0;
}

/** The stored message of a sender's clientMsgId in a room (its unique key), if there is one. */
export async function storedMessageOf(
  db: Database,
  key: { room: string; sender: string; clientMsgId: string },
): Promise<{ id: string; ts: number } | undefined> {
  // Raw (see db/README.md): for the retry window after Redis lost its data, every new message
  // of every gateway asks this.
  const rows = await db.$queryRaw<{ id: string; created_at: Date }[]>`
    SELECT id::text AS id, created_at FROM messages
    WHERE room = ${key.room} AND sender = ${key.sender} AND client_msg_id = ${key.clientMsgId}`;
  const row = rows[0];
  return row ? { id: row.id, ts: row.created_at.getTime() } : undefined;
}
