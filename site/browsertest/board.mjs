// The board as a pipeline and the pending list: lanes in upstream order with
// release names, drift between neighbours, locks and freezes, who may decide
// what and what expires soon, refreshed in place, and both on a phone.
import assert from 'node:assert/strict';
import { base, api, until, open, signIn, shot, axe } from './lib.mjs';

const phone = { width: 390, height: 844 };

// pipeline sets up, once, web-dev → web-test → web-live and a standalone
// web-sandbox: web-dev runs web 1.1, web-test and web-live web 1.0; web 1.1
// waits for approval into web-test (holding its lock, expiring within the
// hour), web-live is frozen, and ana's own promotion waits in web-sandbox.
let ready = null;
function pipeline() {
  ready ||= (async () => {
    const put = (name, policy) => api('admin', 'PUT', '/environments/' + name, { policy });
    await put('web-dev', { approval: 'never' });
    await put('web-test', { approval: 'breaking', approvers: ['ana', 'bo'], upstream: 'web-dev', approval_timeout: '30m' });
    await put('web-live', { approval: 'always', approvers: ['ana', 'bo', 'cy'], min_approvals: 2, upstream: 'web-test' });
    await put('web-sandbox', { approval: 'always', approvers: ['ana', 'bo'] });
    const v10 = await api('ci', 'POST', '/releases', { name: 'web 1.0', nodes: [
      { name: 'orders', kind: 'model' }, { name: 'customers', kind: 'model' }] });
    const v11 = await api('ci', 'POST', '/releases', { name: 'web 1.1', nodes: [
      { name: 'orders', kind: 'view' }, { name: 'customers', kind: 'model' }, { name: 'payments', kind: 'model' }] });
    const state = async (id) => (await api('ana', 'GET', '/promotions/' + id)).promotion.state;
    const run = async (user, env, release, id) => {
      await api(user, 'POST', '/promotions', { environment: env, release_id: release, id });
      await until(`${id} planned`, async () => !['PLANNING'].includes(await state(id)));
      return id;
    };
    for (const env of ['web-dev', 'web-test']) {
      const id = await run('ci', env, v10.id, `web-1-0-${env}`);
      await until(`${id} done`, async () => (await state(id)) === 'SUCCEEDED');
    }
    const live = await run('ci', 'web-live', v10.id, 'web-1-0-web-live');
    const digest = (await api('bo', 'GET', '/promotions/' + live)).promotion.plan_digest;
    for (const user of ['bo', 'cy']) await api(user, 'POST', `/promotions/${live}/approve`, { plan_digest: digest });
    await until('web-live applied', async () => (await state(live)) === 'SUCCEEDED');
    const dev = await run('ci', 'web-dev', v11.id, 'web-1-1-web-dev');
    await until('web-dev applied', async () => (await state(dev)) === 'SUCCEEDED');
    await run('ci', 'web-test', v11.id, 'web-1-1-web-test');
    await run('ana', 'web-sandbox', v11.id, 'web-1-1-sandbox');
    await api('admin', 'POST', '/environments/web-live/freeze', { reason: 'release train closed', until: new Date(Date.now() + 2 * 3600e3).toISOString() });
  })();
  return ready;
}

// laneOf is the lane of environment name on the board.
const laneOf = (page, name) => page.locator(`#environments li.lane[data-key="${name}"]`);

async function board(viewport, user = 'ana') {
  await pipeline();
  const opened = await open(viewport);
  await signIn(opened.page, user);
  await opened.page.goto(base + '/#/environments');
  await laneOf(opened.page, 'web-live').waitFor();
  return opened;
}

export const scenarios = {
  async 'the board: lanes in upstream order with release names, drift between neighbours, in sync when equal'() {
    const { page, context, problems } = await board();
    const web = page.locator('section.pipeline', { has: page.getByRole('heading', { name: 'web-dev → web-test → web-live' }) });
    assert.deepEqual(await web.locator('li.lane').evaluateAll((els) => els.map((e) => e.dataset.key)), ['web-dev', 'web-test', 'web-live']);
    const demo = page.locator('section.pipeline', { has: page.getByRole('heading', { name: 'Pipeline from dev' }) });
    const order = await demo.locator('li.lane').evaluateAll((els) => els.map((e) => e.dataset.key));
    assert.ok(order.indexOf('dev') < order.indexOf('staging') && order.indexOf('staging') < order.indexOf('prod'), 'demo lanes ' + order);
    await laneOf(page, 'web-dev').locator('.release-name').getByText('web 1.1', { exact: true }).waitFor();
    await laneOf(page, 'web-test').locator('.release-name').getByText('web 1.0', { exact: true }).waitFor();
    assert.match(await laneOf(page, 'web-test').locator('.release code').textContent(), /^[0-9a-f]{12}$/, 'the short id is secondary');
    assert.equal((await laneOf(page, 'web-test').locator('.drift').textContent()).trim(),
      'Promoting from web-dev (web 1.1) would change: 1 breaking, 1 added');
    assert.equal((await laneOf(page, 'web-live').locator('.drift').textContent()).trim(), 'In sync from web-test (web 1.0)');
    assert.equal(await laneOf(page, 'web-dev').locator('.drift').count(), 0, 'the head has no upstream to drift from');
    await shot(page, 'board-desktop');
    await axe(page, 'board');
    await context.close();
    const small = await board(phone);
    await laneOf(small.page, 'web-test').locator('.drift').getByText('1 breaking').waitFor();
    await shot(small.page, 'board-phone');
    await axe(small.page, 'board');
    await small.context.close();
    assert.deepEqual([...problems, ...small.problems], []);
  },

  async 'the board: a lock and a freeze, and what waits where'() {
    const { page, context, problems } = await board();
    const test = laneOf(page, 'web-test');
    await test.locator('.lock').getByRole('link', { name: 'web-1-1-web-test' }).waitFor();
    assert.match(await test.locator('.waiting').textContent(), /web-1-1-web-test: web 1\.1, by ci; 0 of 1 approvals; expires in \d+ min/);
    assert.equal((await test.locator('.lane-state').textContent()).trim(), 'AWAITING APPROVAL');
    const live = laneOf(page, 'web-live');
    assert.match(await live.locator('.freeze').textContent(), /^Frozen by admin until .+: release train closed$/);
    assert.equal((await live.locator('.lane-state').textContent()).trim(), 'FROZEN');
    await test.locator('.waiting').getByRole('link', { name: 'web-1-1-web-test' }).click();
    await page.waitForURL(/#\/promotions\/web-1-1-web-test$/);
    await page.goto(base + '/#/environments');
    await laneOf(page, 'pr-42').locator('.expiry').getByText('Expires').waitFor();
    await laneOf(page, 'perf').locator('.freeze').getByText('load test').waitFor();
    await shot(page, 'board-lock-freeze');
    await axe(page, 'board');
    assert.deepEqual(problems, []);
    await context.close();
  },

  async 'the pending list: who may decide, what is still needed, what expires soon'() {
    await pipeline();
    const { page, context, problems } = await open();
    await signIn(page, 'ana');
    const mine = page.locator('#pending-mine');
    const others = page.locator('#pending-others');
    const test = mine.locator('tr', { has: page.getByRole('link', { name: 'web-1-1-web-test' }) });
    await test.waitFor();
    assert.match(await test.textContent(), /You may decide/);
    assert.match(await test.textContent(), /1 more approval of 1 from ana, bo/);
    assert.match(await test.getAttribute('class'), /\bsoon\b/, 'expiring within the hour is highlighted');
    await test.getByText('Expires soon:').waitFor();
    const sandbox = others.locator('tr', { has: page.getByRole('link', { name: 'web-1-1-sandbox' }) });
    assert.match(await sandbox.textContent(), /Not you: you requested it/);
    assert.match(await sandbox.textContent(), /1 more approval of 1 from bo/);
    assert.doesNotMatch(await sandbox.getAttribute('class') || '', /\bsoon\b/);
    assert.equal(await mine.getByRole('link', { name: 'web-1-1-sandbox' }).count(), 0, 'what ana may not decide is among hers');
    await shot(page, 'pending-desktop');
    await axe(page, 'pending');
    await context.close();
    const ci = await open();
    await signIn(ci.page, 'ci');
    await ci.page.locator('#pending-others').getByText('Not you: you requested it').first().waitFor();
    assert.equal(await ci.page.locator('#pending-mine').getByRole('link', { name: 'web-1-1-web-test' }).count(), 0);
    await ci.context.close();
    assert.deepEqual([...problems, ...ci.problems], []);
  },

  async 'a phone keeps the key columns in view: environment, release, state'() {
    const { page, context, problems } = await board(phone);
    const inView = async (loc, what) => {
      const boxes = await loc.evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.right, r.width]));
      assert.ok(boxes.length > 0, 'nothing found: ' + what);
      for (const [left, right, width] of boxes) assert.ok(left >= 0 && right <= 390 && width > 0, `${what} at ${left}..${right}`);
    };
    await inView(page.locator('li.lane .lane-head a'), 'environment');
    await inView(page.locator('li.lane .release'), 'release');
    await inView(page.locator('li.lane .lane-state'), 'state');
    const lanes = await page.locator('section.pipeline').first().locator('li.lane').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
    assert.ok(lanes.every((top, i) => i === 0 || top > lanes[i - 1]), 'the lanes are not one under the other: ' + lanes);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1), false, 'the board is wider than the phone');
    await page.goto(base + '/#/');
    const row = page.locator('#pending-mine tr', { has: page.getByRole('link', { name: 'web-1-1-web-test' }) });
    await row.waitFor();
    for (const [i, what] of [[0, 'promotion'], [1, 'environment'], [2, 'release'], [3, 'who may decide']]) {
      await inView(row.locator('td').nth(i).locator('div').first(), what);
    }
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1), false, 'the pending list is wider than the phone');
    await shot(page, 'pending-phone');
    await axe(page, 'pending');
    assert.deepEqual(problems, []);
    await context.close();
  },

  async 'the board refreshes itself in place, keeping the scroll'() {
    const { page, context, problems } = await board({ width: 1280, height: 500 });
    await page.evaluate(() => { document.querySelector('li.lane[data-key="web-dev"]').dataset.mark = 'kept'; });
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await laneOf(page, 'web-sandbox').getByRole('link', { name: 'web-sandbox', exact: true }).focus();
    const scrolled = await page.evaluate(() => window.scrollY);
    assert.ok(scrolled > 0, 'the board does not scroll at this height');
    await api('admin', 'POST', '/environments/web-sandbox/freeze', { reason: 'tidy up', until: new Date(Date.now() + 3600e3).toISOString() });
    await laneOf(page, 'web-sandbox').locator('.freeze').getByText('tidy up').waitFor({ timeout: 12000 });
    assert.equal(await laneOf(page, 'web-dev').getAttribute('data-mark'), 'kept', 'an unchanged lane was redrawn');
    await until('the change announced alone', async () => /^web-sandbox: runs nothing, awaiting approval, frozen\.$/.test(await page.locator('#announce').textContent()));
    assert.equal(await page.locator('#environments').getAttribute('aria-live'), 'off');
    assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'the scroll moved');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '#/environments/web-sandbox', 'the redrawn lane lost the focus');
    await api('admin', 'POST', '/environments/web-sandbox/unfreeze');
    assert.deepEqual(problems, []);
    await context.close();
  },
};
