import {
  type ChatMessage,
  chatMessageSchema,
  ErrorCode,
  Limits,
  SwitchboardError,
} from '@switchboard/protocol';
import { errorFromResponse, networkError } from './http-errors.ts';

export type HistoryRequest = { before?: string; after?: string; limit?: number };
export type HistoryResult = { messages: ChatMessage[]; nextBefore?: string; nextAfter?: string };

/**
 * Client of `GET /v1/rooms/:room/messages` (keyset pages, G5's fallback). `baseUrl` is empty
 * in the page (same origin as the gateway) and the load balancer's address in Node tests.
 */
export class HistoryApi {
  private readonly baseUrl: string;
  private readonly token: () => string;

  constructor(options: { baseUrl?: string; token: () => string }) {
    this.baseUrl = options.baseUrl ?? '';
    this.token = options.token;
  }

  async page(room: string, request: HistoryRequest = {}): Promise<HistoryResult> {
    const query = new URLSearchParams();
    if (request.before) query.set('before', request.before);
    if (request.after) query.set('after', request.after);
    query.set('limit', String(request.limit ?? Limits.historyPageDefault));
    const url = `${this.baseUrl}/v1/rooms/${encodeURIComponent(room)}/messages?${query}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${this.token()}`, accept: 'application/json' },
        credentials: 'same-origin',
      });
    } catch (err) {
      throw networkError('history', err);
    }
    if (!response.ok) throw await errorFromResponse(response, 'history');
    return parsePage(await response.json());
  }
}

/** Validates every message with the protocol's schema; a malformed page is an error, not a guess. */
function parsePage(body: unknown): HistoryResult {
  const page = body as { messages?: unknown; nextBefore?: unknown; nextAfter?: unknown } | null;
  if (!page || !Array.isArray(page.messages)) {
    throw new SwitchboardError(ErrorCode.Internal, 'history: the response has no messages array');
  }
  const messages = page.messages.map((raw, i) => {
    const parsed = chatMessageSchema.safeParse(raw);
    if (!parsed.success) throw new SwitchboardError(ErrorCode.Internal, `history: message ${i} is malformed`);
    return parsed.data;
  });
  const result: HistoryResult = { messages };
  if (typeof page.nextBefore === 'string') result.nextBefore = page.nextBefore;
  if (typeof page.nextAfter === 'string') result.nextAfter = page.nextAfter;
  return result;
}
