import { type ChatMessage, ErrorCode } from '@switchboard/protocol';
import { ChatClient } from '../../src/core/chat-client.ts';
import { HistoryApi } from '../../src/core/history-api.ts';
import { DevTokenSource, requestDevToken } from '../../src/core/tokens.ts';
import { WAIT_MS } from './browser.ts';
import { baseUrl } from './web-build.ts';

/** The page's own client core, run in Node against the load balancer (WebSocket only: no cookie jar). */
export async function nodeClient(user: string): Promise<ChatClient> {
  const tokens = new DevTokenSource(user, await requestDevToken(user, baseUrl), baseUrl);
  const client = new ChatClient({ user, tokens, baseUrl, socketOptions: { transports: ['websocket'] } });
  client.start();
  await until(client, () => client.connection.status === 'connected');
  return client;
}

export async function historyFor(user: string): Promise<HistoryApi> {
  const { token } = await requestDevToken(user, baseUrl);
  return new HistoryApi({ baseUrl, token: () => token });
}

/** Resolves when `condition` holds after some state change of the client. */
export function until(client: ChatClient, condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    if (condition()) return resolve();
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`condition not met within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = client.subscribe(() => {
      if (!condition()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

/**
 * Sends every body in order and returns the acknowledged messages; sends the rate limit
 * refuses are retried with their clientMsgId once the bucket has refilled.
 */
export async function sendAll(client: ChatClient, room: string, bodies: string[]): Promise<ChatMessage[]> {
  const state = client.rooms.get(room)!;
  for (const body of bodies) {
    const clientMsgId = client.send(room, body)!;
    for (;;) {
      await until(client, () => state.timeline.findOutgoing(clientMsgId)?.state !== 'pending');
      const outgoing = state.timeline.findOutgoing(clientMsgId);
      if (!outgoing) break;
      if (outgoing.error?.code !== ErrorCode.RateLimited) {
        throw new Error(`send refused: ${outgoing.error?.code} ${outgoing.error?.message}`);
      }
      await new Promise((r) => setTimeout(r, outgoing.error?.retryAfterMs ?? 200));
      client.retry(room, clientMsgId);
    }
  }
  const sent = new Set(bodies);
  return state.timeline
    .entries()
    .flatMap((e) => (e.kind === 'message' && e.mine && sent.has(e.message.body) ? [e.message] : []));
}

/** Waits until the persister has written `id` (history is served from PostgreSQL). */
export async function waitUntilStored(history: HistoryApi, room: string, id: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const page = await history.page(room, { limit: 1 });
    if (page.messages.some((m) => m.id >= id)) return;
    if (Date.now() > deadline) throw new Error(`message ${id} not in history after ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
