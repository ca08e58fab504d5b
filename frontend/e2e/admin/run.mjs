#!/usr/bin/env node
// Admin end-to-end scenario for the EchoChat SPA against a running stack.
//
//   PUBLIC_URL=http://127.0.0.1:8080 ADMIN_USERNAME=root ADMIN_PASSWORD=… npm run e2e:admin
//
// The account must be a superuser (created with the auth daemon's createsuperuser command,
// `make createsuperuser` or its scripted equivalent). Without PUBLIC_URL or the admin
// credentials the scenario prints a skip line and exits 0.
// A superuser signs in, writes three messages in a new private room, opens Admin → Messages,
// moves the newest message one day back with the datetime-local picker, and checks that the
// message moved in the room history (now first, under "Yesterday"). Screenshots of the admin
// screens go to ../docs/screenshots/ (relative to frontend/; E2E_SCREENSHOTS_DIR overrides).
// Ends with the plain line "N passed, N failed[, N skipped]".
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shots = process.env.E2E_SCREENSHOTS_DIR ?? join(here, '..', '..', '..', 'docs', 'screenshots');
const base = (process.env.PUBLIC_URL ?? '').replace(/\/+$/, '');
const adminUser = process.env.ADMIN_USERNAME ?? '';
const adminPassword = process.env.ADMIN_PASSWORD ?? '';
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The browser's zone: fixed so the picker conversion is exercised away from UTC. */
const timezoneId = process.env.E2E_TIMEZONE ?? 'America/New_York';
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
const SCENARIOS = 2;

/** @typedef {import('playwright-core').Browser} Browser */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */
/** @typedef {import('playwright-core').Page} Page */

if (!base || !adminUser || !adminPassword) {
  const missing = [!base && 'PUBLIC_URL', !adminUser && 'ADMIN_USERNAME', !adminPassword && 'ADMIN_PASSWORD'].filter(Boolean).join(', ');
  console.log(`e2e admin skipped: ${missing} not set (a superuser's credentials are needed).`);
  console.log(`0 passed, 0 failed, ${SCENARIOS} skipped`);
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
const T = 15_000;

/** @param {boolean} cond @param {string} msg */
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** @param {Browser} browser @param {{ mobile?: boolean, dark?: boolean }} [opts] */
async function newContext(browser, opts = {}) {
  const context = await browser.newContext({
    baseURL: base,
    locale: 'en-US',
    timezoneId,
    colorScheme: opts.dark ? 'dark' : 'light',
    viewport: opts.mobile ? { width: 390, height: 844 } : { width: 1280, height: 800 },
  });
  await context.addInitScript(() => window.localStorage.setItem('echochat.lang', 'en'));
  return context;
}

/** @param {Page} page @param {string} name */
async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

/** @param {Page} page */
async function signIn(page) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(adminUser);
  await page.getByLabel('Password', { exact: true }).fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('me').waitFor({ timeout: T });
}

/** @param {Page} page @param {string} text */
async function sendMessage(page, text) {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await page.locator('[data-testid="message"][data-status="sent"]', { hasText: text }).waitFor({ timeout: T });
}

/** Texts of the room history, top to bottom. @param {Page} page */
const historyTexts = (page) => page.locator('[data-testid="message"] .message__text').allTextContents();

/** @param {Page} page @param {string} section */
async function openAdmin(page, section) {
  await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: section }).click();
  await page.getByRole('heading', { level: 2, name: section }).waitFor({ timeout: T });
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
/** @type {BrowserContext[]} */
const contexts = [];
/** @type {{ page: Page | null, slug: string | null }} */
const shared = { page: null, slug: null };

/** @type {{ name: string, fn: () => Promise<void> }[]} */
const scenarios = [];
/** @param {string} name @param {() => Promise<void>} fn */
const scenario = (name, fn) => scenarios.push({ name, fn });

scenario('superuser edits a message timestamp with the picker; the message moves in the room history', async () => {
  const ctx = await newContext(browser);
  contexts.push(ctx);
  const page = await ctx.newPage();
  shared.page = page;
  await signIn(page);

  // A fresh private room with three messages.
  await page.goto('/');
  await page.getByRole('button', { name: 'Create a new room' }).click();
  await page.waitForURL(/\/rooms\/[^/]+$/, { timeout: T });
  const slug = decodeURIComponent(page.url().split('/rooms/')[1] ?? '');
  shared.slug = slug;
  const texts = [`admin e2e one ${rand}`, `admin e2e two ${rand}`, `admin e2e three ${rand}`];
  for (const text of texts) await sendMessage(page, text);
  assert(JSON.stringify(await historyTexts(page)) === JSON.stringify(texts), 'messages not in send order before the edit');

  // Admin → Messages, filtered by the room.
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Admin', exact: true }).click();
  await page.waitForURL(/\/admin\/users$/, { timeout: T });
  await openAdmin(page, 'Messages');
  const bulk = page.getByRole('button', { name: 'Delete all matching…' });
  assert(await bulk.isDisabled(), 'bulk delete enabled without filters');
  await page.getByLabel('Room', { exact: true }).fill(slug);
  await page.getByRole('button', { name: 'Apply' }).click();
  const rows = page.getByTestId('admin-message-row');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="admin-message-row"]').length === 3, null, { timeout: T });
  assert(await bulk.isEnabled(), 'bulk delete still disabled with a room filter');
  await shot(page, 'admin-messages');

  // Edit the newest message: one day earlier, via the native datetime-local picker.
  const row = rows.filter({ hasText: texts[2] });
  await row.getByRole('button', { name: /^Edit/ }).click();
  const dialog = page.getByRole('dialog');
  const picker = dialog.getByLabel('Time');
  assert((await picker.getAttribute('type')) === 'datetime-local', 'timestamp input is not datetime-local');
  const current = await picker.inputValue();
  assert(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(current), `unexpected picker value ${current}`);

  // A future time is refused before anything is sent.
  const future = await page.evaluate(() => {
    const d = new Date(Date.now() + 2 * 86_400_000);
    const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:00`;
  });
  await picker.fill(future);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByText('The time cannot be in the future.').waitFor({ timeout: T });

  // Same wall-clock time, one calendar day earlier (local time of the browser zone).
  const earlier = await page.evaluate((value) => {
    const [date, time] = value.split('T');
    const [y, m, d] = (date ?? '').split('-').map(Number);
    const [hh, mm, ss] = (time ?? '').split(':').map((s) => Math.floor(Number(s)));
    const t = new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) - 1, hh ?? 0, mm ?? 0, ss ?? 0);
    const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
    return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
  }, current);
  await picker.fill(earlier);
  await shot(page, 'admin-message-edit');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Message saved.').waitFor({ timeout: T });
  await dialog.waitFor({ state: 'detached', timeout: T });

  // Admin list (oldest first) now starts with the edited message, at the picked local time.
  await page.waitForFunction(
    (first) => document.querySelector('[data-testid="admin-message-row"]')?.textContent?.includes(first) === true,
    texts[2],
    { timeout: T },
  );
  const stored = await rows.first().locator('time').getAttribute('datetime');
  const pickedMs = await page.evaluate((v) => new Date(v).getTime(), earlier);
  assert(stored !== null && Math.abs(Date.parse(stored) - pickedMs) < 1000, `stored ${stored} differs from the picked local time ${earlier}`);
  await shot(page, 'admin-messages-after-edit');

  // The room history moved it too (history is ordered by created_at, id).
  await page.goto(`/rooms/${encodeURIComponent(slug)}`);
  await page.locator('[data-testid="message"]', { hasText: texts[0] }).waitFor({ timeout: T });
  const after = await historyTexts(page);
  assert(JSON.stringify(after) === JSON.stringify([texts[2], texts[0], texts[1]]), `room history order after the edit: ${JSON.stringify(after)}`);
  await page.getByRole('separator', { name: 'Yesterday' }).waitFor({ timeout: T });
  await shot(page, 'admin-room-after-edit');
});

scenario('admin screens: users, user editor, rooms, audit log; phone and dark', async () => {
  const page = shared.page;
  assert(page !== null, 'needs the signed-in page');
  if (page === null) return;
  await page.goto('/admin/users');
  await page.getByRole('heading', { level: 2, name: 'Users' }).waitFor({ timeout: T });
  await page.getByLabel('Username or email contains').fill(adminUser);
  await page.getByRole('button', { name: 'Apply' }).click();
  const me = page.getByTestId('admin-user-row').filter({ hasText: adminUser }).first();
  await me.waitFor({ timeout: T });
  await shot(page, 'admin-users');
  await me.getByRole('button', { name: /^Edit/ }).click();
  const dialog = page.getByRole('dialog');
  assert(await dialog.getByLabel('Superuser').isEnabled(), 'superuser flag disabled for a superuser');
  await dialog.getByRole('button', { name: 'Delete user' }).waitFor({ timeout: T });
  await shot(page, 'admin-user-edit');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached', timeout: T });

  await openAdmin(page, 'Rooms');
  if (shared.slug) {
    await page.getByLabel('Code or name contains').fill(shared.slug);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('admin-room-row').filter({ hasText: shared.slug }).waitFor({ timeout: T });
  }
  await shot(page, 'admin-rooms');

  await openAdmin(page, 'Audit log');
  const entry = page.getByTestId('audit-row').filter({ hasText: 'created_at' }).first();
  await entry.waitFor({ timeout: T });
  await shot(page, 'admin-audit');

  const ctx = await newContext(browser, { mobile: true, dark: true });
  contexts.push(ctx);
  const phone = await ctx.newPage();
  await signIn(phone);
  await phone.goto('/admin/messages');
  await phone.getByRole('heading', { level: 2, name: 'Messages' }).waitFor({ timeout: T });
  await phone.getByTestId('admin-message-row').first().waitFor({ timeout: T });
  const scrolls = await phone.locator('.table-scroll').evaluate((el) => el.scrollWidth > el.clientWidth);
  assert(scrolls, 'the messages table does not scroll sideways on a phone');
  const pageWide = await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert(!pageWide, 'the admin page itself is wider than the phone screen');
  await shot(phone, 'admin-messages-phone-dark');
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
