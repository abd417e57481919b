import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { STICKY_COOKIE } from '../../stack/src/services/load-balancer.ts';
import {
  fitsWidth,
  joinRoom,
  type LaunchedBrowser,
  launchChromium,
  layoutOf,
  newContext,
  screenshot,
  sendMessage,
  shownIds,
  signIn,
  WAIT_MS,
  waitForMessage,
} from './support/browser.ts';
import { baseUrl, ensureWebServed } from './support/web-build.ts';

/**
 * Two people chat from two browsers through the sticky load balancer, each pinned to a
 * different gateway; one loses its network while the other talks, and on return sees all it
 * missed, once each. Screenshots of both windows land in test-results/web/.
 */
let launched: LaunchedBrowser;
let alice: { context: BrowserContext; page: Page };
let bob: { context: BrowserContext; page: Page };
const room = `web-${Date.now().toString(36)}`;

before(async () => {
  await ensureWebServed((line) => console.log(`[web] ${line}`));
  launched = await launchChromium();
  // Each window gets the load balancer's cookie for another gateway, so every message crosses
  // gateways through the Redis adapter (the cookie is what HAProxy would have set itself).
  const cookie = (gateway: string) => ({ name: STICKY_COOKIE, value: gateway, url: baseUrl });
  const aliceContext = await newContext(launched.browser, {
    viewport: { width: 1024, height: 720 },
    cookie: cookie('g1'),
  });
  // Bob is on a phone-sized window: the page must work at that width too.
  const bobContext = await newContext(launched.browser, {
    viewport: { width: 390, height: 780 },
    cookie: cookie('g2'),
  });
  alice = { context: aliceContext, page: await aliceContext.newPage() };
  bob = { context: bobContext, page: await bobContext.newPage() };
});

after(async () => {
  if (alice?.page) await screenshot(alice.page, 'alice-desktop').catch(() => {});
  if (bob?.page) await screenshot(bob.page, 'bob-phone').catch(() => {});
  await launched?.close();
});

test('two browsers on different gateways sign in, join one room and see each other', async () => {
  await signIn(alice.page, baseUrl, 'alice');
  await signIn(bob.page, baseUrl, 'bob');
  await joinRoom(alice.page, room);
  await joinRoom(bob.page, room);
  // Presence crosses gateways: each sees the other online.
  await alice.page.locator('.presence', { hasText: 'bob' }).waitFor({ timeout: WAIT_MS });
  await bob.page.locator('.presence', { hasText: 'alice' }).waitFor({ timeout: WAIT_MS });
  const cookies = async (context: BrowserContext) =>
    (await context.cookies(baseUrl)).find((c) => c.name === STICKY_COOKIE)?.value;
  assert.equal(await cookies(alice.context), 'g1');
  assert.equal(await cookies(bob.context), 'g2');
  assert.ok(await fitsWidth(bob.page), 'the phone-sized window does not scroll sideways');
});

test('messages go both ways, acknowledged with the server id the other side receives', async () => {
  // Typing shows on the other side while the message is being written, without moving anything.
  const bobLayout = await layoutOf(bob.page);
  const bobSeesTyping = bob.page
    .locator('.typing', { hasText: 'alice is typing' })
    .waitFor({ timeout: WAIT_MS });
  await alice.page
    .getByRole('textbox', { name: `Message ${room}` })
    .pressSequentially('hello ', { delay: 20 });
  await bobSeesTyping;
  assert.equal(await layoutOf(bob.page), bobLayout);

  const fromAlice = await sendMessage(alice.page, 'hello bob, from gateway 1');
  assert.equal(await waitForMessage(bob.page, fromAlice), 'hello bob, from gateway 1');
  const fromBob = await sendMessage(bob.page, 'hi alice, from gateway 2');
  assert.equal(await waitForMessage(alice.page, fromBob), 'hi alice, from gateway 2');

  // Both windows list the same messages in the same (server id) order.
  assert.deepEqual(await shownIds(alice.page), [fromAlice, fromBob]);
  assert.deepEqual(await shownIds(bob.page), [fromAlice, fromBob]);
});

test('a window that goes offline and comes back sees what it missed, once each', async () => {
  const bobLayout = await layoutOf(bob.page);
  await bob.context.setOffline(true);
  await bob.page.locator('.banner[data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
  assert.equal(await layoutOf(bob.page), bobLayout, 'the banner changes in place');

  const missed: string[] = [];
  for (const n of [1, 2, 3]) missed.push(await sendMessage(alice.page, `while you were away ${n}`));

  await bob.context.setOffline(false);
  // Recovered by the gateway (within the window) or, failing that, filled in from history.
  await bob.page.locator('.banner[data-state="recovered"], .banner[data-state="gap-filled"]').waitFor({
    timeout: WAIT_MS,
  });
  assert.equal(await layoutOf(bob.page), bobLayout);
  for (const [i, id] of missed.entries())
    assert.equal(await waitForMessage(bob.page, id), `while you were away ${i + 1}`);

  const bobIds = await shownIds(bob.page);
  assert.deepEqual(bobIds.slice(-3), missed, 'missed messages in order, after the earlier ones');
  assert.equal(new Set(bobIds).size, bobIds.length, 'no message shown twice');
  assert.deepEqual(bobIds, await shownIds(alice.page));

  // And the conversation simply goes on.
  const after = await sendMessage(bob.page, 'back online');
  await waitForMessage(alice.page, after);
});

test('a message to a room not on screen counts as unread until the room is opened', async () => {
  const side = `${room}-side`;
  await joinRoom(alice.page, side);
  const id = await sendMessage(bob.page, 'are you there?');
  const mainRoom = alice.page.locator(`.rooms__list li[data-room="${room}"] button`);
  await alice.page
    .locator(`.rooms__list li[data-room="${room}"] button[aria-label="${room}, 1 unread"]`)
    .waitFor({ timeout: WAIT_MS });
  await mainRoom.click();
  await waitForMessage(alice.page, id);
  assert.equal(await mainRoom.getAttribute('aria-label'), room);
});
