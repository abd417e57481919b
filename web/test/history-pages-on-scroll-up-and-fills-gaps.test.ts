import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Limits } from '@switchboard/protocol';
import { redisClient } from '@switchboard/stack';
import type { BrowserContext, Page } from 'playwright-core';
import type { ChatClient } from '../src/core/chat-client.ts';
import type { HistoryApi } from '../src/core/history-api.ts';
import {
  joinRoom,
  type LaunchedBrowser,
  launchChromium,
  newContext,
  screenshot,
  shownIds,
  signIn,
  WAIT_MS,
  waitForMessage,
} from './support/browser.ts';
import { historyFor, nodeClient, sendAll, waitUntilStored } from './support/chat-clients.ts';
import { baseUrl, ensureWebServed } from './support/web-build.ts';

/**
 * History in the page: a room with more than a page of messages opens on the newest and pages
 * in older ones as the reader scrolls up, each once and in order; and after an absence longer
 * than the recovery window the page fills the gap from history (G5's fallback).
 */
const suffix = Date.now().toString(36);
const room = `history-${suffix}`;
const erinName = `erin-${suffix.slice(-4)}`;
const frankName = `frank-${suffix.slice(-4)}`;
// The adapter's session keys (gateway/src/socket-server.ts); expiring one early is what an
// absence longer than RECOVERY_WINDOW_MS does.
const SESSION_KEY_PREFIX = 'sb:sio:session:';

let launched: LaunchedBrowser;
let frank: { context: BrowserContext; page: Page };
let erin: ChatClient;
let history: HistoryApi;
let redis: ReturnType<typeof redisClient>;
const sentIds: string[] = [];

before(async () => {
  await ensureWebServed((line) => console.log(`[web] ${line}`));
  redis = redisClient();
  erin = await nodeClient(erinName);
  history = await historyFor(erinName);
  await erin.join(room);
  launched = await launchChromium();
  const context = await newContext(launched.browser, { viewport: { width: 390, height: 700 } });
  frank = { context, page: await context.newPage() };
});

after(async () => {
  if (frank?.page) await screenshot(frank.page, 'frank-history').catch(() => {});
  await launched?.close();
  erin?.stop();
  redis?.disconnect();
});

test('a room opens on its newest page and scrolling up pages in the older ones, each once', async () => {
  // More than one page: the newest page, one full older page and a partial one.
  const count = Limits.historyPageDefault * 2 + 10;
  const sent = await sendAll(
    erin,
    room,
    Array.from({ length: count }, (_, i) => `history ${i}`),
  );
  sentIds.push(...sent.map((m) => m.id));
  assert.equal(sentIds.length, count);
  await waitUntilStored(history, room, sentIds.at(-1)!);

  await signIn(frank.page, baseUrl, frankName);
  await joinRoom(frank.page, room);
  await waitForMessage(frank.page, sentIds.at(-1)!);
  assert.ok((await shownIds(frank.page)).length < count, 'opens on the newest page, not everything');

  // Scroll up until the beginning of the room is reached.
  const log = frank.page.locator('.log');
  const beginning = frank.page.locator('.older__note', { hasText: 'This is the beginning' });
  const shown = frank.page.locator('.messages .msg[data-id]');
  for (let i = 0; i < 20 && !(await beginning.isVisible()); i++) {
    const before = await shown.count();
    await log.hover();
    await frank.page.mouse.wheel(0, -20_000);
    await shown.nth(before).waitFor({ state: 'attached', timeout: WAIT_MS }); // a page came in
  }
  await beginning.waitFor({ timeout: WAIT_MS });
  assert.deepEqual(await shownIds(frank.page), sentIds);
});

test('after an absence longer than the recovery window the page rejoins with since and catches up everything missed', async () => {
  await frank.context.setOffline(true);
  await frank.page.locator('.banner[data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
  const missed = (await sendAll(erin, room, ['gap 1', 'gap 2', 'gap 3'])).map((m) => m.id);
  await waitUntilStored(history, room, missed.at(-1)!);
  await expireRecoverySession(frankName);

  await frank.context.setOffline(false);
  const banner = frank.page.locator('.banner[data-state="gap-filled"]');
  await banner.waitFor({ timeout: WAIT_MS });
  assert.match((await banner.textContent()) ?? '', /caught up on everything missed \(3 missed\)/);
  for (const id of missed) await waitForMessage(frank.page, id);
  assert.deepEqual(await shownIds(frank.page), [...sentIds, ...missed]);

  // Re-joined on the new session: live messages arrive again.
  const [live] = await sendAll(erin, room, ['live again']);
  await waitForMessage(frank.page, live!.id);
});

/** Deletes the user's stored recovery session once the gateway has stored it. */
async function expireRecoverySession(user: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    for (const key of await redis.keys(`${SESSION_KEY_PREFIX}*`)) {
      const value = await redis.get(key);
      // JSON (gateway/src/fan-out/session-restore.ts): the user id appears verbatim inside.
      if (value?.includes(`"${user}"`)) {
        await redis.del(key);
        return;
      }
    }
    if (Date.now() > deadline) throw new Error(`no recovery session stored for ${user}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
