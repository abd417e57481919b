import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { STICKY_COOKIE } from '../../stack/src/services/load-balancer.ts';
import {
  type LaunchedBrowser,
  launchChromium,
  newContext,
  screenshot,
  sendMessage,
  signIn,
  WAIT_MS,
  waitForMessage,
} from './support/browser.ts';
import { baseUrl, ensureWebServed } from './support/web-build.ts';

/**
 * Rooms as resources in the page (G8): alice creates a private room and adds bob by name; bob
 * finds it in his list at sign-in (GET /v1/rooms) and they chat across gateways; carol's join
 * is refused with FORBIDDEN and said so; alice opens a direct conversation with carol; alice
 * removes bob and bob's page says so while the room leaves his list (`room:removed`).
 */
let launched: LaunchedBrowser;
type Window = { context: BrowserContext; page: Page };
let alice: Window;
let bob: Window;
let carol: Window;
const suffix = Date.now().toString(36);
// Users of their own, so their room lists hold only what this run made.
const names = { alice: `alice-${suffix}`, bob: `bob-${suffix}`, carol: `carol-${suffix}` };
const room = `private-${suffix}`;

async function open(gateway: string, viewport: { width: number; height: number }): Promise<Window> {
  const context = await newContext(launched.browser, {
    viewport,
    cookie: { name: STICKY_COOKIE, value: gateway, url: baseUrl },
  });
  return { context, page: await context.newPage() };
}

const roomItem = (page: Page, name: string) => page.locator(`.rooms__list li[data-room="${name}"]`);

before(async () => {
  await ensureWebServed((line) => console.log(`[web] ${line}`));
  launched = await launchChromium();
  alice = await open('g1', { width: 1024, height: 720 });
  bob = await open('g2', { width: 390, height: 780 });
  carol = await open('g1', { width: 1024, height: 720 });
});

after(async () => {
  for (const [name, window] of Object.entries({ alice, bob, carol })) {
    if (window?.page) await screenshot(window.page, `rooms-${name}`).catch(() => {});
  }
  await launched?.close();
});

test('alice creates a private room and adds bob as a member by name', async () => {
  const page = alice.page;
  await signIn(page, baseUrl, names.alice);
  await page.getByText('New room or direct conversation').click();
  await page.getByLabel('New room').fill(room);
  assert.equal(await page.getByLabel('Who may join').inputValue(), 'private', 'private by default');
  await page.getByRole('button', { name: 'Create' }).click();
  await roomItem(page, room).locator('button[aria-current="true"]').waitFor({ timeout: WAIT_MS });
  assert.equal(await roomItem(page, room).locator('button').getAttribute('aria-label'), `${room}, private`);
  await page.locator('#room-title', { hasText: `# ${room} (private)` }).waitFor({ timeout: WAIT_MS });

  await page.getByText('Members', { exact: true }).click();
  await page.locator(`.members__list li[data-member="${names.alice}"]`, { hasText: 'owner' }).waitFor();
  await page.getByLabel('User to add').fill(names.bob);
  await page.getByLabel('Role', { exact: true }).selectOption('member');
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.locator('.members__status', { hasText: `${names.bob} added as member` }).waitFor();
  await page.locator(`.members__list li[data-member="${names.bob}"]`, { hasText: 'member' }).waitFor();
});

test('bob finds the room in his list at sign-in and they chat across gateways', async () => {
  await signIn(bob.page, baseUrl, names.bob);
  const item = roomItem(bob.page, room);
  await item.waitFor({ timeout: WAIT_MS });
  assert.equal(await item.locator('button').getAttribute('aria-label'), `${room}, private`);
  await item.locator('button').click();
  await bob.page.locator('#room-title', { hasText: room }).waitFor();
  // bob is a member, not an admin: he sees the members but cannot add any.
  await bob.page.getByText('Members', { exact: true }).click();
  await bob.page.locator(`.members__list li[data-member="${names.alice}"]`).waitFor();
  assert.equal(await bob.page.getByLabel('User to add').isVisible(), false);

  const fromBob = await sendMessage(bob.page, 'hello alice, only members read this');
  assert.equal(await waitForMessage(alice.page, fromBob), 'hello alice, only members read this');
  const fromAlice = await sendMessage(alice.page, 'welcome bob');
  assert.equal(await waitForMessage(bob.page, fromAlice), 'welcome bob');
});

test("carol's join of the private room is refused with FORBIDDEN, said in words", async () => {
  const page = carol.page;
  await signIn(page, baseUrl, names.carol);
  await page.getByLabel('Room name').fill(room);
  await page.getByLabel('Room name').press('Enter');
  const error = page.locator('#join-room-error', { hasText: 'FORBIDDEN' });
  await error.waitFor({ timeout: WAIT_MS });
  assert.match((await error.textContent()) ?? '', /you may not join/);
  assert.equal(await roomItem(page, room).count(), 0, 'the refused room is not in her list');
});

test('alice opens a direct conversation with carol, who finds it in her list and reads it', async () => {
  const page = alice.page;
  await page.getByLabel('Direct conversation with').fill(names.carol);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  const direct = page.locator(
    `.rooms__list button[aria-label="direct conversation with ${names.carol}"][aria-current="true"]`,
  );
  await direct.waitFor({ timeout: WAIT_MS });
  assert.equal(await direct.locator('.room__name').textContent(), `@${names.carol}`);
  await page.locator('#room-title', { hasText: `Direct conversation with ${names.carol}` }).waitFor();
  assert.equal(await page.locator('.members').isVisible(), false, 'a direct room has fixed members');

  // carol's page learns its rooms at sign-in: a reload lists the new direct room.
  await carol.page.reload();
  const fromAliceSide = carol.page.locator(
    `.rooms__list button[aria-label="direct conversation with ${names.alice}"]`,
  );
  await fromAliceSide.waitFor({ timeout: WAIT_MS });
  await fromAliceSide.click();
  await carol.page.locator('.presence', { hasText: names.alice }).waitFor({ timeout: WAIT_MS });
  const id = await sendMessage(page, 'hi carol, just us two');
  assert.equal(await waitForMessage(carol.page, id), 'hi carol, just us two');
});

test("alice removes bob: bob's page says so and the room leaves his list", async () => {
  const page = alice.page;
  await roomItem(page, room).locator('button').click();
  await page.locator('#room-title', { hasText: room }).waitFor();
  const members = page.locator('.members');
  if (!(await members.evaluate((el) => el.hasAttribute('open')))) {
    await page.getByText('Members', { exact: true }).click();
  }
  await page.getByRole('button', { name: `Remove ${names.bob}` }).click();
  await page.locator('.members__status', { hasText: `${names.bob} removed` }).waitFor();
  await page.locator(`.members__list li[data-member="${names.bob}"]`).waitFor({ state: 'detached' });

  const notice = bob.page.locator('.notice--removed', { hasText: `no longer a member of ${room}` });
  await notice.waitFor({ timeout: WAIT_MS });
  await roomItem(bob.page, room).waitFor({ state: 'detached', timeout: WAIT_MS });
  await screenshot(bob.page, 'rooms-bob-removed');
  // And a new attempt is refused: membership, not the page, decides.
  await bob.page.getByLabel('Room name').fill(room);
  await bob.page.getByLabel('Room name').press('Enter');
  await bob.page.locator('#join-room-error', { hasText: 'FORBIDDEN' }).waitFor({ timeout: WAIT_MS });
  await bob.page.getByRole('button', { name: 'Dismiss' }).click();
  await bob.page.locator('.notice--removed').waitFor({ state: 'hidden' });
});
