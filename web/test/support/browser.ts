import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@switchboard/stack';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (MACHINE.md): playwright cannot download a browser of its own here. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const artifactsDir = path.join(repoRoot, 'test-results', 'web');

export type LaunchedBrowser = { browser: Browser; close: () => Promise<void> };

/**
 * A headless Chromium with nothing talking to the network on its own. `launch` gives it a
 * fresh temporary profile (user-data-dir) and removes it on close.
 */
export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install Debian's \`chromium\` (.ci/run does) or set CHROMIUM_PATH`,
    );
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close().catch(() => {}),
  };
}

/** Generous: the machine is shared and loaded; conditions are waited for, never timed. */
export const WAIT_MS = 60_000;

export async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.banner[data-state="connected"]').waitFor({ timeout: WAIT_MS });
}

export async function joinRoom(page: Page, room: string): Promise<void> {
  await page.getByLabel('Room name').fill(room);
  await page.getByLabel('Room name').press('Enter');
  await page
    .locator(`.rooms__list li[data-room="${room}"] button[aria-current="true"]`)
    .waitFor({ timeout: WAIT_MS });
}

/** Types and sends with the keyboard; resolves with the server id once the message is acknowledged. */
export async function sendMessage(page: Page, body: string): Promise<string> {
  const box = page.getByRole('textbox', { name: /^Message / });
  await box.fill(body);
  await box.press('Enter');
  const acked = page.locator('.msg[data-state="acked"]', {
    has: page.locator('.msg__body', { hasText: body }),
  });
  await acked.waitFor({ timeout: WAIT_MS });
  return (await acked.getAttribute('data-id'))!;
}

/** Waits until the page shows a message with this server id, and returns its body. */
export async function waitForMessage(page: Page, id: string): Promise<string> {
  const item = page.locator(`.msg[data-id="${id}"]`);
  await item.waitFor({ timeout: WAIT_MS });
  return (await item.locator('.msg__body').textContent()) ?? '';
}

export async function shownIds(page: Page): Promise<string[]> {
  return page
    .locator('.messages .msg[data-id]')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-id') as string));
}

/**
 * Where the conversation and the composer sit: states that come and go (banner text, typing
 * line, status lines) must not move them, or the page jumps under the reader's thumb.
 */
export async function layoutOf(page: Page): Promise<string> {
  const boxes = await Promise.all(['.log', '.composer'].map((s) => page.locator(s).boundingBox()));
  return JSON.stringify(boxes);
}

/** True when nothing is wider than the window (no sideways scrolling on a phone). */
export async function fitsWidth(page: Page): Promise<boolean> {
  return (await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')) === true;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export async function newContext(
  browser: Browser,
  options: {
    viewport: { width: number; height: number };
    cookie?: { name: string; value: string; url: string };
    colorScheme?: 'light' | 'dark';
  },
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: options.viewport,
    reducedMotion: 'reduce',
    colorScheme: options.colorScheme ?? 'light',
  });
  // Navigation, clicks and script tags wait as generously as conditions do on a loaded machine.
  context.setDefaultTimeout(WAIT_MS);
  if (options.cookie) await context.addCookies([options.cookie]);
  return context;
}
