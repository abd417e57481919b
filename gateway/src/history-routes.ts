import {
  ErrorCode,
  type HistoryPage,
  historyQuerySchema,
  roomNameSchema,
  SwitchboardError,
  unavailable,
  zodIssueMessage,
} from '@switchboard/protocol';
import { Router } from 'express';
import type { Principal } from './auth/token-verifier.ts';
import type { HistoryReader } from './catch-up/history-reader.ts';

/**
 * GET /v1/rooms/:room/messages?before=&after=&limit= : keyset pages over (room, id), oldest
 * first within a page, PostgreSQL's rows merged with the room's recent log. Ids are UUIDv7, so id order is acceptance order (G4), and a cursor is
 * simply the id at a page's edge: pages never overlap and skip nothing, however many rows
 * arrive in between.
 */
export function historyRouter(deps: {
  history: HistoryReader;
  authenticate: (authorization: string | undefined) => Promise<Principal>;
  assertCanRead: (principal: Principal, room: string) => Promise<void>;
  /**
   * Spends the user's history budget and takes one of the pod's query slots (RATE_LIMITED,
   * 429 with Retry-After, when either is out); returns the slot's release.
   */
  admit: (user: string) => Promise<() => void>;
}): Router {
  const router = Router();
  router.get('/v1/rooms/:room/messages', async (req, res) => {
    const principal = await deps.authenticate(req.get('authorization'));
    // The slot is held until the answer is written or the client goes.
    res.once('close', await deps.admit(principal.user));
    const room = roomNameSchema.safeParse(req.params.room);
    if (!room.success) throw new SwitchboardError(ErrorCode.Invalid, 'malformed room name');
    const query = historyQuerySchema.safeParse(req.query);
    if (!query.success) throw new SwitchboardError(ErrorCode.Invalid, zodIssueMessage(query.error, 'query'));
    await deps.assertCanRead(principal, room.data);
    const { before, after, limit } = query.data;
    let page: Awaited<ReturnType<HistoryReader['page']>>;
    try {
      page = await deps.history.page(room.data, { before, after, limit });
    } catch (err) {
      throw unavailable('the history store is unavailable', err);
    }
    if (!page) throw unavailable(`the newest messages of room "${room.data}" are still being written`);
    const { messages, more } = page;
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
