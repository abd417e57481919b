import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { HOST } from '@switchboard/stack';
import { requestDevToken } from '../src/core/tokens.ts';
import { type LaunchedBrowser, launchChromium, newContext, screenshot, WAIT_MS } from './support/browser.ts';
import { baseUrl, ensureWebServed } from './support/web-build.ts';

/**
 * Production sign-in: the application that embeds the chat owns authentication and hands the
 * page a token (here a development one standing in for the identity provider's), by URL
 * fragment, by a global set before the bundle, or by postMessage into an iframe. The page then
 * never shows its own sign-in form.
 */
let launched: LaunchedBrowser;
const suffix = Date.now().toString(36).slice(-5);

before(async () => {
  await ensureWebServed((line) => console.log(`[web] ${line}`));
  launched = await launchChromium();
});

after(async () => {
  await launched?.close();
});

async function tokenFor(user: string): Promise<string> {
  return (await requestDevToken(user, baseUrl)).token;
}

test('a token in the URL fragment signs the page in and leaves the address bar', async () => {
  const user = `frag-${suffix}`;
  const context = await newContext(launched.browser, { viewport: { width: 800, height: 600 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/?room=lobby-${suffix}#token=${await tokenFor(user)}`);
  await page.locator('.banner[data-state="connected"]').waitFor({ timeout: WAIT_MS });
  assert.equal(await page.locator('[data-user]').textContent(), user);
  assert.equal(new URL(page.url()).hash, '', 'the token is not left in the address bar');
  // ?room= joined the room directly.
  await page.locator(`.rooms__list li[data-room="lobby-${suffix}"]`).waitFor({ timeout: WAIT_MS });
  assert.equal(await page.getByLabel('Your name').count(), 0);
  await context.close();
});

test('a token set by the embedding page before the bundle signs the page in', async () => {
  const user = `global-${suffix}`;
  const context = await newContext(launched.browser, { viewport: { width: 800, height: 600 } });
  await context.addInitScript(`window.SWITCHBOARD_TOKEN = ${JSON.stringify(await tokenFor(user))};`);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.locator('.banner[data-state="connected"]').waitFor({ timeout: WAIT_MS });
  assert.equal(await page.locator('[data-user]').textContent(), user);
  await context.close();
});

test('in an iframe, the page takes its token by postMessage from an allowed parent only', async () => {
  const user = `framed-${suffix}`;
  const token = await tokenFor(user);
  // The application: another origin on the same site (as app.example.com embedding
  // chat.example.com), so the load balancer's sticky cookie still applies inside the frame.
  const app = await servePage(
    `<!doctype html><title>app</title>
    <iframe id="chat" title="Chat" src="${baseUrl}/" style="width:760px;height:560px"></iframe>
    <script>
      const chat = document.getElementById('chat');
      window.addEventListener('message', (event) => {
        if (event.source !== chat.contentWindow || event.origin !== ${JSON.stringify(baseUrl)}) return;
        if (event.data?.type === 'switchboard:ready' || event.data?.type === 'switchboard:token-request') {
          chat.contentWindow.postMessage({ type: 'switchboard:token', token: ${JSON.stringify(token)} }, event.origin);
        }
      });
    </script>`,
  );
  // Another origin frames the chat and pushes a (valid) token at it as soon as it loads.
  const intruder = await servePage(
    `<!doctype html><title>intruder</title>
    <iframe id="chat" title="Chat" src="${baseUrl}/"
      onload="this.contentWindow.postMessage({ type: 'switchboard:token', token: '${token}' }, '*')"></iframe>`,
  );
  try {
    const context = await newContext(launched.browser, { viewport: { width: 800, height: 600 } });
    // The chat's deployment lists the application's origin (the meta tag in index.html, or this).
    await context.addInitScript(`window.SWITCHBOARD_EMBED_ORIGINS = [${JSON.stringify(app.origin)}];`);

    const ignored = await context.newPage();
    await ignored.goto(`${intruder.origin}/`, { waitUntil: 'load' });
    const ignoredChat = ignored.frameLocator('#chat');
    await ignoredChat.getByText('Waiting for the application to sign you in').waitFor({ timeout: WAIT_MS });

    const page = await context.newPage();
    await page.goto(`${app.origin}/`);
    const chat = page.frameLocator('#chat');
    await chat.locator('.banner[data-state="connected"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await chat.locator('[data-user]').textContent(), user);
    // By now the intruder's message (sent at its frame's load) has long been handled: ignored.
    assert.equal(await ignoredChat.locator('.banner').count(), 0, 'the unlisted parent got nowhere');
    await screenshot(page, 'embedded-in-app');
    await context.close();
  } finally {
    app.server.close();
    intruder.server.close();
  }
});

/** A page of the embedding application, on a loopback origin of its own. */
async function servePage(html: string): Promise<{ origin: string; server: http.Server }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const origin = `http://${HOST}:${(server.address() as AddressInfo).port}`;
  return { origin, server };
}
