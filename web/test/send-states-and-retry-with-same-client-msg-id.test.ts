import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gatewayEnv, ports } from '@switchboard/stack';
import type { BrowserContext, Page } from 'playwright-core';
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import {
  joinRoom,
  type LaunchedBrowser,
  launchChromium,
  newContext,
  screenshot,
  signIn,
  WAIT_MS,
  waitForMessage,
} from './support/browser.ts';
import { baseUrl, ensureWebServed } from './support/web-build.ts';

/**
 * What a sender sees: a message written while offline waits as pending and goes out on
 * reconnect; a refused one shows its typed error, and Retry re-sends it with the same
 * clientMsgId until the gateway acknowledges it, delivered to the other side once.
 */
let launched: LaunchedBrowser;
let carol: { context: BrowserContext; page: Page };
let dave: { context: BrowserContext; page: Page };
const room = `send-${Date.now().toString(36)}`;
// Per-run names: the gateway's rate limit is per user and shared through Redis.
const suffix = Date.now().toString(36).slice(-4);
const carolName = `carol-${suffix}`;
const daveName = `dave-${suffix}`;

before(async () => {
  await ensureWebServed((line) => console.log(`[web] ${line}`));
  launched = await launchChromium();
  const open = async () => {
    const context = await newContext(launched.browser, { viewport: { width: 800, height: 700 } });
    return { context, page: await context.newPage() };
  };
  carol = await open();
  dave = await open();
  await signIn(carol.page, baseUrl, carolName);
  await signIn(dave.page, baseUrl, daveName);
  await joinRoom(carol.page, room);
  await joinRoom(dave.page, room);
});

after(async () => {
  if (carol?.page) await screenshot(carol.page, 'carol-retry').catch(() => {});
  await launched?.close();
});

test('a message written offline shows as pending, then acknowledged with its server id', async () => {
  await carol.context.setOffline(true);
  await carol.page.locator('.banner[data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
  const box = carol.page.getByRole('textbox', { name: `Message ${room}` });
  await box.fill('written on the train');
  await box.press('Enter');
  const item = carol.page.locator('.msg', {
    has: carol.page.locator('.msg__body', { hasText: 'written on the train' }),
  });
  await item.and(carol.page.locator('[data-state="pending"]')).waitFor({ timeout: WAIT_MS });
  assert.match((await item.locator('.msg__status').textContent()) ?? '', /Sending/);
  const clientMsgId = await item.getAttribute('data-client-msg-id');

  await carol.context.setOffline(false);
  await item.and(carol.page.locator('[data-state="acked"]')).waitFor({ timeout: WAIT_MS });
  const id = (await item.getAttribute('data-id'))!;
  assert.equal(
    await item.getAttribute('data-client-msg-id'),
    clientMsgId,
    'the same element, now acknowledged',
  );
  assert.match((await item.locator('.msg__status').getAttribute('title')) ?? '', new RegExp(id));
  assert.equal(await waitForMessage(dave.page, id), 'written on the train');
});

test('a refused message shows its typed error and Retry sends it once, with the same clientMsgId', async () => {
  // A burst past the per-user rate limit (the composer's own Enter handler, in one task): some
  // sends are acknowledged, the rest refused with RATE_LIMITED.
  // Twice the bucket the local gateways run with, whatever it is set to.
  const burst = 2 * loadGatewayConfig(gatewayEnv(ports.gateway1, ports.gateway1Ops)).RATE_LIMIT_BURST;
  // (In-page code sees DOM types as `any` here: the test's tsconfig is Node's.)
  await carol.page.locator('#composer-body').evaluate((box, n) => {
    const { KeyboardEvent } = box.ownerDocument.defaultView;
    for (let i = 0; i < n; i++) {
      box.value = `burst ${i}`;
      box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    }
  }, burst);
  // Every message of the burst (and the earlier one) is settled: acknowledged or refused.
  const settled = carol.page.locator('.msg[data-state="acked"], .msg[data-state="failed"]');
  await settled.nth(burst).waitFor({ timeout: WAIT_MS });
  assert.equal(await carol.page.locator('.msg[data-state="pending"]').count(), 0);
  const failed = carol.page.locator('.msg[data-state="failed"]');
  const refused = await failed.count();
  assert.ok(refused > 0, 'the burst went past the rate limit');
  const first = failed.first();
  assert.match((await first.locator('.msg__status').textContent()) ?? '', /RATE_LIMITED/);
  const clientMsgId = (await first.getAttribute('data-client-msg-id'))!;
  const body = (await first.locator('.msg__body').textContent())!;

  // Retry until the bucket has refilled: each attempt reuses the clientMsgId.
  const item = carol.page.locator(`.msg[data-client-msg-id="${clientMsgId}"]`);
  // The page renders a state change after the click returns, so the state is read anew each
  // turn: Retry when failed, wait while pending (a click on a pending message does nothing).
  const deadline = Date.now() + 4 * WAIT_MS;
  for (let state = await item.getAttribute('data-state'); state !== 'acked' && Date.now() < deadline; ) {
    // The button goes when the message leaves `failed`; the next turn reads why.
    if (state === 'failed')
      await item
        .getByRole('button', { name: 'Retry' })
        .click({ timeout: 2000 })
        .catch(() => {});
    await carol.page.waitForTimeout(200);
    state = await item.getAttribute('data-state');
  }
  assert.equal(await item.getAttribute('data-state'), 'acked');
  const id = (await item.getAttribute('data-id'))!;
  assert.equal(await waitForMessage(dave.page, id), body);
  assert.equal(await dave.page.locator(`.msg[data-client-msg-id="${clientMsgId}"]`).count(), 1);
});
