import type { Database, Message } from '@switchboard/db';
import {
  type ChatMessage,
  ErrorCode,
  type HistoryPage,
  historyQuerySchema,
  roomNameSchema,
  SwitchboardError,
} from '@switchboard/protocol';
import { Router } from 'express';
import { assertRoomAllowed, type TokenVerifier } from './auth/token-verifier.ts';

/**
 * GET /v1/rooms/:room/messages?before=&after=&limit= : keyset pages over (room, id), oldest
 * first within a page. Ids are UUIDv7, so id order is acceptance order (G4), and a cursor is
 * simply the id at a page's edge: pages never overlap and skip nothing, however many rows
 * arrive in between.
 */
export function historyRouter(deps: { db: Database; verifyToken: TokenVerifier }): Router {
  const router = Router();
  router.get('/v1/rooms/:room/messages', async (req, res) => {
    const header = req.get('authorization') ?? '';
    const principal = await deps.verifyToken(
      header.startsWith('Bearer ') ? header.slice(7).trim() : undefined,
    );
    const room = roomNameSchema.safeParse(req.params.room);
    if (!room.success) throw new SwitchboardError(ErrorCode.Invalid, 'malformed room name');
    assertRoomAllowed(principal, room.data);
    const query = historyQuerySchema.safeParse(req.query);
    if (!query.success) {
      const issue = query.error.issues[0];
      throw new SwitchboardError(ErrorCode.Invalid, `${issue?.path.join('.') || 'query'}: ${issue?.message}`);
    }
    const { before, after, limit } = query.data;
    let rows: Message[];
    try {
      rows = await deps.db.message.findMany({
        where: { room: room.data, id: after ? { gt: after } : before ? { lt: before } : undefined },
        orderBy: { id: after ? 'asc' : 'desc' },
        take: limit + 1,
      });
    } catch (err) {
      throw new SwitchboardError(ErrorCode.Unavailable, 'the history store is unavailable', {
        retryAfterMs: 1000,
        cause: err,
      });
    }
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    if (!after) page.reverse();
    const messages = page.map(toChatMessage);
    const body: HistoryPage = { messages };
    const first = messages[0]?.id;
    const last = messages.at(-1)?.id;
    if (after) {
      if (first) body.nextBefore = first;
      if (more && last) body.nextAfter = last;
    } else {
      if (more && first) body.nextBefore = first;
      if (before && last) body.nextAfter = last;
    }
    res.set('cache-control', 'no-store').json(body);
  });
  return router;
}

function toChatMessage(row: Message): ChatMessage {
  return {
    id: row.id,
    room: row.room,
    sender: row.sender,
    body: row.body,
    ts: row.createdAt.getTime(),
    clientMsgId: row.clientMsgId,
  };
}
