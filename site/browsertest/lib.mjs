// What every browser scenario shares: the browser, the API as a user, pages
// watched for problems, sign-in, screenshots and the accessibility check.
//
// Environment: FERRY_URL, FERRY_TOKENS (JSON: user → token), CHROMIUM (the
// browser), PLAYWRIGHT (playwright-core's index.mjs), AXE (axe-core's
// axe.min.js), SCREENSHOTS (a directory). A page opened with open() records a
// dialog (alert, confirm), an uncaught error, a third-party request or a console
// error other than the HTTP statuses scenarios expect as a problem; scenarios
// assert that none was recorded.
import { pathToFileURL } from 'node:url';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const { chromium } = await import(pathToFileURL(process.env.PLAYWRIGHT).href);
export const base = process.env.FERRY_URL;
export const tokens = JSON.parse(process.env.FERRY_TOKENS);
export const shots = process.env.SCREENSHOTS;
mkdirSync(shots, { recursive: true });

export const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic'],
});

// api calls Ferry's API as user, for setting scenarios up.
export async function api(user, method, path, body) {
  const res = await fetch(base + '/api' + path, {
    method,
    headers: { Authorization: 'Bearer ' + tokens[user], 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

// until polls fn until it returns a truthy value.
export async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// open starts a page with the watchers every scenario needs.
export async function open(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const problems = [];
  page.on('dialog', (d) => { problems.push(`a ${d.type()} dialog opened: ${d.message()}`); d.dismiss(); });
  page.on('pageerror', (e) => problems.push('uncaught error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/Failed to load resource: the server responded with a status of (400|401|403|409|410)/.test(m.text())) return;
    problems.push('console error: ' + m.text());
  });
  page.on('request', (r) => { if (!r.url().startsWith(base)) problems.push('third-party request: ' + r.url()); });
  return { page, context, problems };
}

export async function signIn(page, user) {
  await page.goto(base + '/');
  await page.fill('#token', tokens[user]);
  await page.press('#token', 'Enter');
  await page.getByText('Signed in as ' + user, { exact: false }).waitFor();
}

export async function shot(page, name) {
  await page.screenshot({ path: join(shots, name + '.png'), fullPage: true });
}

// stateOf reads the promotion's state badge.
export async function stateOf(page) {
  return (await page.locator('h1 .badge').textContent()).trim();
}

export async function waitForState(page, state) {
  await until(`state ${state}`, async () => {
    await page.reload();
    await page.locator('h1 .badge').waitFor();
    return (await stateOf(page)) === state;
  });
}


const axeSource = readFileSync(process.env.AXE, 'utf8');

// axe runs axe-core on the page as it is (through the DevTools protocol, which
// the page's CSP does not govern) and fails on any serious or critical
// violation, naming the rule and the elements.
export async function axe(page, view) {
  const violations = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
  }, axeSource);
  assert.deepEqual(violations, [], `axe on ${view}`);
}
