// The details that make the page pleasant: its weight and time to content, cold
// and warm; a title per view; one time zone, named; the focus ring's contrast
// and where focus goes; phone tables that keep their key column; axe on every
// view at both sizes.
import assert from 'node:assert/strict';
import { base, api, until, open, signIn, shot, shots, axe } from './lib.mjs';

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

export const scenarios = {
  async 'a 300-change promotion: page weight and time to content, cold and warm'() {
    const p = await promotionOf('weight', 300);
    const { page, context, problems } = await open(desktop);
    await signIn(page, 'ana');
    const cdp = await context.newCDPSession(page);
    const traffic = await watchTraffic(cdp);
    // Cold: nothing cached (the token stays: the tab is the same). Every
    // request takes 50 ms more, as over a network, so that round trips count.
    await page.goto('about:blank');
    await cdp.send('Network.clearBrowserCache');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: -1, uploadThroughput: -1 });
    traffic.reset();
    await page.goto(`${base}/#/promotions/${p.id}`);
    const coldMs = await contentShown(page);
    const cold = await traffic.settled();
    traffic.reset();
    await page.reload();
    const warmMs = await contentShown(page);
    const warm = await traffic.settled();
    console.log(`     300 changes: cold ${kb(cold.bytes)} KB in ${Math.round(coldMs)} ms, warm ${kb(warm.bytes)} KB in ${Math.round(warmMs)} ms`);
    assert.ok(cold.requests.some((r) => r.url.includes('/assets/') && r.bytes > 0), 'the cold load fetched no versioned asset');
    assert.ok(warm.bytes <= 5 * 1024, `a warm reload transferred ${warm.bytes} bytes, more than 5 KB:\n${warm.requests.map((r) => `  ${r.bytes} ${r.status} ${r.url}`).join('\n')}`);
    assert.deepEqual(problems, []);
    await context.close();
  },

  async 'every view: axe, title, time zone, phone tables, at desktop and phone size'() {
    const awaiting = await promotionOf('details', 3);
    const succeeded = awaiting.first;
    const views = [
      ['pending', '#/', 'Pending approvals — Ferry'],
      ['promotion-awaiting', `#/promotions/${awaiting.id}`, `Promotion ${awaiting.id} · AWAITING APPROVAL — Ferry`],
      ['promotion-succeeded', `#/promotions/${succeeded.id}`, `Promotion ${succeeded.id} · SUCCEEDED — Ferry`],
      ['environments', '#/environments', 'Environments — Ferry'],
      ['environment', '#/environments/details', 'Environment details — Ferry'],
      ['not-found', '#/no/such/page', 'Not found — Ferry'],
    ];
    let overflowing = 0;
    for (const [size, viewport, zone] of [['desktop', desktop, 'Europe/Berlin'], ['phone', phone, 'America/New_York']]) {
      const { page, context, problems } = await open(viewport);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setTimezoneOverride', { timezoneId: zone });
      await page.goto(base + '/');
      await check(page, size, 'sign-in', /^Sign in\b.* — Ferry$/);
      await signIn(page, 'ana');
      for (const [view, hash, title] of views) {
        await page.goto(`${base}/${hash}`);
        await check(page, size, view, title);
        if (size === 'phone') overflowing += await keyColumnsVisible(page, view);
      }
      await timesInOneZone(page, zone, awaiting.id);
      assert.deepEqual(problems, [], size);
      await context.close();
    }
    assert.ok(overflowing > 0, 'no view had a table on a phone: the key columns went unchecked');
  },

  async 'the focus ring stands out in the header, on a card and on the page'() {
    const p = await promotionOf('focus', 3);
    const { page, context, problems } = await open(desktop);
    await signIn(page, 'ana');
    await page.goto(`${base}/#/promotions/${p.id}`);
    await page.locator('#approve').waitFor();
    await page.keyboard.press('Tab'); // keyboard use: focus is shown from here on
    for (const [where, selector] of [['header', '.top .brand'], ['card', '#approve'], ['page', 'main .crumbs a']]) {
      await page.locator(selector).first().focus();
      const ring = await page.evaluate(focusRing);
      assert.ok(ring.visible, `${where}: ${selector} does not match :focus-visible`);
      const best = Math.max(...ring.colours.map((c) => contrast(c, ring.background)));
      assert.ok(ring.width >= 2, `${where}: the focus ring is ${ring.width}px wide`);
      assert.ok(best >= 3, `${where}: the focus ring (${ring.colours.join(', ')}) has a contrast of ${best.toFixed(2)}:1 on ${ring.background}`);
      await page.screenshot({ path: `${shots}/details-focus-${where}.png`, clip: await page.locator(selector).first().evaluate((el) => {
        const r = el.getBoundingClientRect();
        return { x: Math.max(0, r.x - 16), y: Math.max(0, r.y - 16), width: r.width + 32, height: r.height + 32 };
      }) });
    }
    // The skip link shows when focused, and leads to the view, not to a route.
    await page.locator('.skip').focus();
    assert.ok(await page.evaluate(() => document.activeElement.getBoundingClientRect().top >= 0), 'the focused skip link is off screen');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    assert.match(page.url(), new RegExp(`#/promotions/${p.id}$`), 'the skip link changed the route');
    assert.deepEqual(problems, []);
    await context.close();
  },
};

// check waits for view's title, then runs axe and takes the screenshot.
async function check(page, size, view, title) {
  await until(`the ${view} view's title`, async () => {
    const t = await page.title();
    return typeof title === 'string' ? t === title : title.test(t);
  }).catch(async (e) => { throw new Error(`${e.message}: it is "${await page.title()}" (${size})`); });
  await axe(page, `${view} (${size})`);
  await shot(page, `details-${view}-${size}`);
}

// promotionOf makes a promotion of n changed nodes awaiting ana's approval in a
// new environment: a first release of n models (applied without approval, it
// breaks nothing), then the same n nodes as views (each a breaking change).
async function promotionOf(env, n) {
  await api('admin', 'PUT', '/environments/' + env, { policy: { approval: 'breaking', approvers: ['ana'] } });
  const nodes = (kind) => Array.from({ length: n }, (_, i) => ({ name: `${env}_${String(i).padStart(3, '0')}`, kind }));
  const older = await api('ci', 'POST', '/releases', { name: env + '-1', nodes: nodes('model') });
  const first = await api('ci', 'POST', '/promotions', { environment: env, release_id: older.id });
  await until('the first release', async () => (await api('ana', 'GET', '/promotions/' + first.id)).promotion.state === 'SUCCEEDED');
  const cand = await api('ci', 'POST', '/releases', { name: env + '-2', nodes: nodes('view') });
  const p = await api('ci', 'POST', '/promotions', { environment: env, release_id: cand.id });
  await until('the plan', async () => (await api('ana', 'GET', '/promotions/' + p.id)).promotion.state === 'AWAITING_APPROVAL');
  return { id: p.id, first };
}

// watchTraffic counts what the page transfers, headers included, by the
// DevTools protocol: an answer from the browser's cache counts 0.
async function watchTraffic(cdp) {
  let requests = new Map();
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, bytes: 0, done: false }));
  cdp.on('Network.requestServedFromCache', (e) => { const r = requests.get(e.requestId); if (r) r.cached = true; });
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (!r) return;
    r.status = e.response.status;
    r.cached = r.cached || e.response.fromDiskCache || e.response.fromMemoryCache || e.response.fromServiceWorker;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (!r) return;
    r.bytes = r.cached ? 0 : e.encodedDataLength;
    r.done = true;
  });
  cdp.on('Network.loadingFailed', (e) => { const r = requests.get(e.requestId); if (r) r.done = true; });
  return {
    reset() { requests = new Map(); },
    // settled waits until nothing has been in flight for 300 ms and sums up.
    async settled() {
      let quietSince = Date.now();
      await until('the network to settle', () => {
        if ([...requests.values()].some((r) => !r.done)) quietSince = Date.now();
        return Date.now() - quietSince >= 300;
      });
      const all = [...requests.values()];
      return { bytes: all.reduce((sum, r) => sum + r.bytes, 0), requests: all };
    },
  };
}

// contentShown waits for the plan list and the approval card, and answers
// when they were first visible, in ms since the navigation started.
async function contentShown(page) {
  const shown = await page.waitForFunction(() => {
    const visible = (el) => el && el.getBoundingClientRect().height > 0;
    return visible(document.querySelector('#plan-list .change')) && visible(document.getElementById('approve')) && performance.now();
  }, null, { polling: 'raf', timeout: 15000 });
  return shown.jsonValue();
}

const kb = (bytes) => (bytes / 1024).toFixed(1);

// timesInOneZone checks that the header names the zone, and that a time on the
// promotion's page is shown in it, with its UTC form as the title.
async function timesInOneZone(page, zone, id) {
  const named = (await page.locator('#zone').textContent()).trim();
  assert.match(named, new RegExp(`^Times in ${zone.replace('/', '\\/')} \\(UTC[+-]\\d\\d:\\d\\d\\)$`));
  await page.goto(`${base}/#/promotions/${id}`);
  const t = page.locator('main time').first();
  await t.waitFor();
  const shown = await t.evaluate((el, tz) => ({
    text: el.textContent,
    want: new Intl.DateTimeFormat(undefined, { timeZone: tz, dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(el.dateTime)),
    title: el.title,
  }), zone);
  assert.equal(shown.text, shown.want, `a time is not shown in ${zone}`);
  assert.match(shown.title, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
}

// keyColumnsVisible checks that a phone shows every table's key: a table
// wider than the screen is scrolled to its end and each row's first cell must
// still be in view, on top; a stacked table (rows as blocks) must keep every
// cell within the screen. It answers how many tables it checked.
async function keyColumnsVisible(page, view) {
  const hidden = await page.evaluate(() => {
    const problems = [];
    let checked = 0;
    for (const table of document.querySelectorAll('main table.stacked')) {
      checked++;
      for (const cell of table.querySelectorAll('td')) {
        const r = cell.getBoundingClientRect();
        if (r.width > 0 && (r.left < 0 || r.right > window.innerWidth + 1)) problems.push(cell.textContent.slice(0, 40));
      }
    }
    for (const box of document.querySelectorAll('main .scroll')) {
      if (box.scrollWidth <= box.clientWidth + 1 || box.querySelector('table.stacked')) continue;
      checked++;
      box.scrollLeft = box.scrollWidth;
      for (const row of box.querySelectorAll('tr')) {
        const cell = row.cells[0];
        const r = cell.getBoundingClientRect();
        const top = document.elementFromPoint(r.left + 4, Math.min(r.top + 4, window.innerHeight - 1));
        if (r.left < 0 || r.right > window.innerWidth || (r.top + 4 < window.innerHeight && !cell.contains(top))) {
          problems.push(cell.textContent.slice(0, 40));
        }
      }
      box.scrollLeft = 0;
    }
    return { problems, checked, wide: document.documentElement.scrollWidth > window.innerWidth + 1 };
  });
  assert.deepEqual(hidden.problems, [], `${view} on a phone: key cells scrolled out of view`);
  assert.equal(hidden.wide, false, `${view} on a phone: the page is wider than the screen`);
  return hidden.checked;
}

// focusRing reads the focused element's ring: its colours (outline and box
// shadows), its width and the background it is drawn on.
function focusRing() {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const colours = [];
  let width = 0;
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) {
    colours.push(style.outlineColor);
    width += parseFloat(style.outlineWidth);
  }
  for (const shadow of style.boxShadow === 'none' ? [] : style.boxShadow.split(/,(?![^(]*\))/)) {
    const colour = shadow.match(/rgba?\([^)]*\)/)[0];
    const lengths = shadow.replace(colour, '').trim().split(/\s+/).map(parseFloat);
    if (lengths[3] > 0) {
      colours.push(colour);
      width = Math.max(width, lengths[3]);
    }
  }
  let background = 'rgb(255, 255, 255)';
  for (let n = el.parentElement; n; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor;
    if (!/rgba\(.*, 0\)$|transparent/.test(c)) { background = c; break; }
  }
  return { visible: el.matches(':focus-visible'), colours, width, background };
}

// contrast is WCAG's contrast ratio of two opaque rgb() colours.
function contrast(a, b) {
  const luminance = (c) => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
