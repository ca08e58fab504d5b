#!/usr/bin/env node
// End-to-end scenarios for the EchoChat SPA against a running stack.
//
//   PUBLIC_URL=http://127.0.0.1:8080 npm run e2e
//
// PUBLIC_URL is one origin that serves the SPA, /api, /media and /ws (gateway or nginx).
// Drives Debian's chromium through playwright-core (no browser download).
// Screenshots go to ../docs/screenshots/ (relative to frontend/), or to $SCREENSHOTS_DIR.
// Ends with the plain line "N passed, N failed[, N skipped]".
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shots = process.env.SCREENSHOTS_DIR ?? join(here, '..', '..', 'docs', 'screenshots');
const base = (process.env.PUBLIC_URL ?? '').replace(/\/+$/, '');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** @typedef {import('playwright-core').Browser} Browser */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */
/** @typedef {import('playwright-core').Page} Page */

/** @type {{ name: string, fn: () => Promise<void> }[]} */
const scenarios = [];
/** @param {string} name @param {() => Promise<void>} fn */
const scenario = (name, fn) => scenarios.push({ name, fn });

if (!base) {
  console.log('e2e skipped: PUBLIC_URL is not set (e.g. PUBLIC_URL=http://127.0.0.1:8080 npm run e2e).');
  console.log('0 passed, 0 failed, 8 skipped');
  process.exit(0);
}
if (!existsSync(chromiumPath)) {
  console.log(`e2e cannot run: ${chromiumPath} not found (apt-get install -y chromium, or set CHROMIUM_PATH).`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const { chromium } = await import('playwright-core');
mkdirSync(shots, { recursive: true });

const rand = Math.random().toString(36).slice(2, 8);
const password = `Echo-e2e-${rand}-Pw9!`;
const userA = `e2e_a_${rand}`;
const userB = `e2e_b_${rand}`;
const T = 15_000;

/** @param {boolean} cond @param {string} msg */
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** Tracks every WebSocket a page opens so a test can cut them. */
const trackSockets = () => {
  const Native = window.WebSocket;
  /** @type {WebSocket[]} */
  const list = [];
  // @ts-expect-error test hook
  window.__sockets = list;
  window.WebSocket = /** @type {typeof WebSocket} */ (
    /** @type {unknown} */ (
      function (/** @type {string | URL} */ url, /** @type {string | string[] | undefined} */ protocols) {
        const ws = new Native(url, protocols);
        list.push(ws);
        return ws;
      }
    )
  );
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3, prototype: Native.prototype });
};

/** @param {Browser} browser @param {{ mobile?: boolean, dark?: boolean }} [opts] */
async function newContext(browser, opts = {}) {
  const context = await browser.newContext({
    baseURL: base,
    locale: 'en-US',
    colorScheme: opts.dark ? 'dark' : 'light',
    viewport: opts.mobile ? { width: 390, height: 844 } : { width: 1280, height: 800 },
  });
  await context.addInitScript(() => window.localStorage.setItem('echochat.lang', 'en'));
  await context.addInitScript(trackSockets);
  return context;
}

/** @param {Page} page @param {string} name */
async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

/** @param {Page} page @param {string} username */
async function register(page, username) {
  await page.goto('/register');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Repeat password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('me').waitFor({ timeout: T });
}

/** @param {Page} page @param {string} text */
async function sendMessage(page, text) {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** In the page: is a chat WebSocket open? */
const chatSocketOpen = () =>
  // @ts-expect-error test hook
  /** @type {WebSocket[]} */ (window.__sockets).some((ws) => String(ws.url).includes('/ws/chat/') && ws.readyState === 1);

/** @param {Page} page @param {string} text */
const messageLocator = (page, text) => page.locator('[data-testid="message"] .message__text', { hasText: text });

/** Sends `count` messages over a raw socket from the page (paced for the 20/10 s rate limit). */
async function seedMessages(/** @type {Page} */ page, /** @type {string} */ slug, /** @type {number} */ count) {
  await page.evaluate(
    async ({ slug, count }) => {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat/${slug}/`;
      const ws = new WebSocket(url);
      await new Promise((res, rej) => {
        ws.onopen = res;
        ws.onerror = rej;
      });
      let echoed = 0;
      /** @type {string[]} */
      const other = [];
      ws.onmessage = (ev) => {
        const f = JSON.parse(ev.data);
        if (f.message) echoed += 1;
        else other.push(String(ev.data).slice(0, 120));
      };
      for (let i = 1; i <= count; i += 1) {
        ws.send(JSON.stringify({ message: `seed ${i}` }));
        if (i % 18 === 0) await new Promise((r) => setTimeout(r, 10_500));
      }
      const start = Date.now();
      while (echoed < count && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 100));
      ws.close(1000);
      if (echoed < count) throw new Error(`only ${echoed}/${count} seeded; other frames: ${other.join(' | ')}`);
    },
    { slug, count },
  );
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
/** @type {BrowserContext[]} */
const contexts = [];
/** @type {Record<string, Page>} */
const pages = {};
/** @type {{ slug: string | null }} */
const shared = { slug: null };

scenario('register two users and restore the session on reload', async () => {
  for (const [key, name] of [
    ['a', userA],
    ['b', userB],
  ]) {
    const ctx = await newContext(browser);
    contexts.push(ctx);
    const page = await ctx.newPage();
    pages[key] = page;
    if (key === 'a') {
      await page.goto('/register');
      await page.getByLabel('Password', { exact: true }).fill('abc');
      await shot(page, 'register');
    }
    await register(page, name);
  }
  await pages.a.reload();
  await pages.a.getByTestId('me').waitFor({ timeout: T });
  assert((await pages.a.getByTestId('me').textContent())?.includes(userA) === true, 'session not restored after reload');
});

scenario('two browsers chat in the public room', async () => {
  const { a, b } = pages;
  await a.goto('/');
  await b.goto('/');
  const hello = `hello from A ${rand}`;
  await sendMessage(a, hello);
  await messageLocator(b, hello).waitFor({ timeout: T });
  const reply = `reply from B ${rand}`;
  await sendMessage(b, reply);
  await messageLocator(a, reply).waitFor({ timeout: T });
  await a.locator(`[data-testid="message"][data-status="sent"]`, { hasText: hello }).waitFor({ timeout: T });
  assert((await messageLocator(a, hello).count()) === 1, 'own message duplicated');
  await shot(a, 'home-signed-in');
});

scenario('guest reads the public room but cannot write', async () => {
  const ctx = await newContext(browser);
  contexts.push(ctx);
  const guest = await ctx.newPage();
  await guest.goto('/');
  await messageLocator(guest, `hello from A ${rand}`).waitFor({ timeout: T });
  await guest.getByTestId('sign-in-prompt').waitFor({ timeout: T });
  assert((await guest.getByRole('textbox', { name: 'Message' }).count()) === 0, 'guest sees a composer');
  await shot(guest, 'home-guest');
  const dark = await newContext(browser, { dark: true, mobile: true });
  contexts.push(dark);
  const phone = await dark.newPage();
  await phone.goto('/');
  await phone.getByTestId('sign-in-prompt').waitFor({ timeout: T });
  await shot(phone, 'home-guest-phone-dark');
  await phone.goto('/login');
  await shot(phone, 'login-phone-dark');
});

scenario('presence lists signed-in users and updates when one leaves', async () => {
  const { a } = pages;
  await a.goto('/');
  const list = a.getByTestId('online-users');
  await list.getByText(userB, { exact: true }).waitFor({ timeout: T });
  await list.getByText(userA, { exact: true }).waitFor({ timeout: T });
  assert(/Guests: \d+/.test((await a.getByTestId('guest-count').textContent()) ?? ''), 'guest count missing');
  // B leaves cleanly (page close sends 1001) → removed from A's list.
  const ctx = await newContext(browser);
  contexts.push(ctx);
  const c = await ctx.newPage();
  await c.goto('/');
  await pages.b.close();
  await list.getByText(userB, { exact: true }).waitFor({ state: 'detached', timeout: 45_000 });
  pages.b = await contexts[1].newPage();
  await pages.b.goto('/');
});

scenario('private room: owner creates it, another user gets the 409 refusal', async () => {
  const { a, b } = pages;
  await a.goto('/');
  await a.getByRole('button', { name: 'Create a new room' }).click();
  await a.waitForURL(/\/rooms\/[0-9a-f]{12}$/, { timeout: T });
  const slug = a.url().split('/rooms/')[1] ?? '';
  shared.slug = slug;
  await sendMessage(a, `private hello ${rand}`);
  await messageLocator(a, `private hello ${rand}`).waitFor({ timeout: T });
  await shot(a, 'private-room');
  await b.goto(`/rooms/${slug}`);
  const problem = b.getByTestId('room-problem');
  await problem.waitFor({ timeout: T });
  assert(/belongs to someone else/.test((await problem.textContent()) ?? ''), 'no 409 message');
  await shot(b, 'private-room-refused');
  // invalid slug is refused client-side with the server rule
  await b.goto('/');
  await b.getByLabel('Room code').fill('a');
  assert((await b.getByRole('button', { name: 'Join' }).isDisabled()) === true, 'invalid slug accepted');
});

scenario('history pages upward, 50 at a time', async () => {
  const { a } = pages;
  assert(shared.slug !== null, 'needs the private room');
  await seedMessages(a, shared.slug ?? '', 60);
  await a.goto(`/rooms/${shared.slug}`);
  const msgs = a.getByTestId('message');
  await a.waitForFunction(() => document.querySelectorAll('[data-testid="message"]').length >= 50, null, { timeout: T });
  assert((await msgs.count()) === 50, `expected 50 on first page, got ${await msgs.count()}`);
  await a.locator('.message-list__scroll').evaluate((el) => {
    el.scrollTop = 0;
    el.dispatchEvent(new Event('scroll'));
  });
  await a.waitForFunction(() => document.querySelectorAll('[data-testid="message"]').length >= 61, null, { timeout: T });
  await a.getByText('This is the beginning of the conversation.').waitFor({ timeout: T });
});

scenario('reconnect: banner shows and missed messages arrive once', async () => {
  const { a, b } = pages;
  await a.goto('/');
  await b.goto('/');
  await a.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: T });
  // The first open's resync is over and the chat socket is open.
  await a.waitForLoadState('networkidle');
  await a.waitForFunction(chatSocketOpen, null, { timeout: T });
  const missed = `sent while A was away ${rand}`;
  const resynced = a.waitForResponse((r) => /\/messages\/\?(.*&)?after=/.test(r.url()), { timeout: 30_000 });
  await a.evaluate(() => {
    // @ts-expect-error test hook
    for (const ws of window.__sockets) if (String(ws.url).includes('/ws/chat/')) ws.close();
  });
  await a.getByTestId('reconnecting').waitFor({ timeout: T });
  await shot(a, 'reconnecting');
  await sendMessage(b, missed);
  await messageLocator(a, missed).waitFor({ timeout: 30_000 });
  await a.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: T });
  await resynced;
  // A later live message has made a round trip after the resync answer: any
  // duplicate of the missed one (resync + live frame) would be on screen now.
  const marker = `after the resync ${rand}`;
  await sendMessage(b, marker);
  await messageLocator(a, marker).waitFor({ timeout: T });
  assert((await messageLocator(a, missed).count()) === 1, 'missed message shown twice');
});

scenario('profile edit with avatar upload; others see it', async () => {
  const { a, b } = pages;
  await a.goto('/profile');
  const bio = `I test EchoChat ${rand}`;
  await a.getByLabel('About you').fill(bio);
  await a.getByTestId('bio-counter').getByText(/\d+ \/ 1000/).waitFor({ timeout: T });
  // 8×8 red PNG
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC',
    'base64',
  );
  await a.locator('#profile-image').setInputFiles({ name: 'avatar.png', mimeType: 'image/png', buffer: png });
  await a.getByAltText('New avatar preview').waitFor({ timeout: T });
  await a.getByRole('button', { name: 'Save' }).click();
  await a.getByText('Profile saved.').waitFor({ timeout: T });
  const src = await a.getByTestId('me').locator('img').getAttribute('src');
  assert(src !== null && !src.endsWith('/default.jpg'), `avatar not replaced: ${src}`);
  await shot(a, 'profile');
  await b.goto(`/users/${encodeURIComponent(userA)}`);
  await b.getByText(bio).waitFor({ timeout: T });
  await shot(b, 'user-profile');
  // a too-big or wrong-type file is refused before upload
  await a.locator('#profile-image').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await a.getByText('Choose a JPEG, PNG, GIF or WebP image.').waitFor({ timeout: T });
});

let passed = 0;
let failed = 0;
for (const s of scenarios) {
  const started = Date.now();
  try {
    await s.fn();
    passed += 1;
    console.log(`ok - ${s.name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`not ok - ${s.name}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}
for (const c of contexts) await c.close().catch(() => undefined);
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
