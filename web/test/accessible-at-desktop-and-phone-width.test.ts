import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  fitsWidth,
  joinRoom,
  type LaunchedBrowser,
  launchChromium,
  newContext,
  sendMessage,
  signIn,
  WAIT_MS,
} from './support/browser.ts';
import { baseUrl, ensureWebServed } from './support/web-build.ts';

/**
 * The page passes an automated WCAG 2 A/AA audit (axe-core) on the sign-in form and in a
 * conversation, at desktop and at phone width, and can be used with the keyboard alone.
 */
const axeSource = createRequire(import.meta.url)('axe-core').source as string;
let launched: LaunchedBrowser;
const suffix = Date.now().toString(36).slice(-5);

type AxeViolation = { id: string; impact: string; help: string; nodes: { target: string[] }[] };

async function audit(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)",
  )) as AxeViolation[];
  return violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

before(async () => {
  await ensureWebServed((line) => console.log(`[web] ${line}`));
  launched = await launchChromium();
});

after(async () => {
  await launched?.close();
});

for (const [label, viewport, colorScheme] of [
  ['desktop', { width: 1280, height: 800 }, 'light'],
  ['phone', { width: 360, height: 740 }, 'light'],
  ['phone', { width: 360, height: 740 }, 'dark'],
] as const) {
  test(`no WCAG A/AA violations at ${label} width in ${colorScheme} mode, signed out and in a conversation`, async () => {
    const context = await newContext(launched.browser, { viewport, colorScheme });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    await page.getByLabel('Your name').waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await audit(page), [], 'sign-in form');

    await signIn(page, baseUrl, `a11y-${label}-${colorScheme}-${suffix}`);
    await joinRoom(page, `a11y-${suffix}`);
    await sendMessage(page, 'checking contrast and labels');
    assert.deepEqual(await audit(page), [], 'conversation');
    // The rooms controls too: creating a room, a direct conversation, the members panel.
    await page.getByText('New room or direct conversation').click();
    await page.getByText('Members', { exact: true }).click();
    await page.locator('.members__list li').first().waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await audit(page), [], 'rooms and members controls');
    assert.ok(await fitsWidth(page), 'no sideways scrolling');
    await context.close();
  });
}

test('keyboard alone: sign in, join a room, send', async () => {
  const context = await newContext(launched.browser, { viewport: { width: 1024, height: 700 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  // The name field has focus on arrival; Enter submits.
  await page.getByLabel('Your name').waitFor({ timeout: WAIT_MS });
  await page.keyboard.type(`keys-${suffix}`);
  await page.keyboard.press('Enter');
  await page.locator('.banner[data-state="connected"]').waitFor({ timeout: WAIT_MS });
  // Tab order reaches the room field first after the header's controls.
  const roomField = page.getByLabel('Room name');
  for (let i = 0; i < 5 && !(await roomField.evaluate((el) => el === el.ownerDocument.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await page.keyboard.type(`keys-${suffix}`);
  await page.keyboard.press('Enter');
  // Joining moves focus to the message box.
  await page.locator(`.rooms__list li[data-room="keys-${suffix}"]`).waitFor({ timeout: WAIT_MS });
  const box = page.getByRole('textbox', { name: `Message keys-${suffix}` });
  await box.and(page.locator(':focus')).waitFor({ timeout: WAIT_MS });
  await page.keyboard.type('sent with the keyboard');
  await page.keyboard.press('Enter');
  await page
    .locator('.msg[data-state="acked"]', { hasText: 'sent with the keyboard' })
    .waitFor({ timeout: WAIT_MS });
  await context.close();
});
