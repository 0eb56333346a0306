// Browser scenarios of the promotion view: the evidence beside the decision,
// a view that follows the promotion by itself and in place, the exact expiry,
// and outcomes told up front in plain words.
import assert from 'node:assert/strict';
import { base, tokens, api, until, open, signIn, shot, stateOf, axe } from './lib.mjs';

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

// release uploads a release of count models m_000…, each with the columns
// columns(i) gives, carrying checks.
async function release(name, count, columns, checks = [], kind = () => 'model') {
  const nodes = Array.from({ length: count }, (_, i) => ({ name: `m_${String(i).padStart(3, '0')}`, kind: kind(i), columns: columns(i) }));
  return api('ci', 'POST', '/releases', { name, nodes, checks });
}

// promote starts a promotion of rel into env and waits until it is in one of states.
async function promote(env, rel, ...states) {
  const p = await api('ci', 'POST', '/promotions', { environment: env, release_id: rel.id });
  return until(`${p.id} ${states.join(' or ')}`, async () => {
    const v = await api('ana', 'GET', '/promotions/' + p.id);
    return states.includes(v.promotion.state) && v;
  }, 20000);
}

// showing opens promotion id as user at size and waits for its view.
async function showing(id, size, user = 'ana') {
  const s = await open(size);
  await signIn(s.page, user);
  await s.page.goto(`${base}/#/promotions/${id}`);
  await s.page.locator('#decision, #outcome').first().waitFor({ timeout: 20000 });
  // Everything the live region says, kept for announced().
  await s.page.evaluate(() => {
    window.said = [];
    const region = document.getElementById('announce');
    new MutationObserver(() => { if (region.textContent) window.said.push(region.textContent); })
      .observe(region, { childList: true, characterData: true, subtree: true });
  });
  return s;
}

// inViewport reports whether the element selector names is wholly on screen
// without scrolling.
async function inViewport(page, selector) {
  return page.locator(selector).first().evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth && r.height > 0;
  });
}

// announced waits for the live region to have said text, and returns all it said.
async function announced(page, text) {
  return until(`"${text}" announced`, async () => {
    const said = await page.evaluate(() => window.said);
    return said.some((s) => s.includes(text)) && said;
  }, 5000);
}

const idColumn = (type) => () => [{ name: 'id', type }];

// measure runs go and waits for the decision; it returns how long that took and
// what the page transferred meanwhile (headers and bodies, as sent).
async function measure(page, go) {
  const sizes = [];
  const seen = (r) => sizes.push(r.request().sizes().catch(() => null));
  page.on('response', seen);
  const t0 = Date.now();
  await go();
  await page.locator('#approve').waitFor();
  const ms = Date.now() - t0;
  page.off('response', seen);
  const all = (await Promise.all(sizes)).filter(Boolean);
  const bytes = all.reduce((n, x) => n + x.responseBodySize + x.responseHeadersSize, 0);
  return { ms, requests: all.length, kb: (bytes / 1024).toFixed(1) };
}

export const scenarios = {
  async 'evidence beside the decision: 285 changes, a failed lint check, upstream smoke'() {
    await api('admin', 'PUT', '/environments/ev-dev', { policy: { approval: 'never', smoke: [{ name: 'health', url: base + '/' }] } });
    await api('admin', 'PUT', '/environments/ev-prod', { policy: { approval: 'breaking', approvers: ['ana', 'bo'], upstream: 'ev-dev', required_checks: ['unit-tests'] } });
    const older = await release('ev-1', 285, idColumn('int'), [{ name: 'unit-tests', status: 'passed' }]);
    await promote('ev-dev', older, 'SUCCEEDED');
    await promote('ev-prod', older, 'SUCCEEDED');
    // Two models retype their id (breaking), the other 283 add a column.
    const cand = await release('ev-2', 285, (i) => i < 2 ? [{ name: 'id', type: 'bigint' }] : [{ name: 'id', type: 'int' }, { name: 'note', type: 'text' }],
      [{ name: 'unit-tests', status: 'passed' }, { name: 'lint', status: 'failed', url: 'https://ci.example/lint/7' }, { name: 'e2e', status: 'pending' }]);
    await promote('ev-dev', cand, 'SUCCEEDED');
    const v = await promote('ev-prod', cand, 'AWAITING_APPROVAL');
    assert.equal(v.plan.summary.breaking + v.plan.summary.non_breaking, 285);

    const { page, context, problems } = await open(desktop);
    // Time to content and bytes transferred, cold (a new browser context, the
    // sign-in included) and warm (a reload).
    const cold = await measure(page, async () => {
      await page.goto(`${base}/#/promotions/${v.promotion.id}`);
      await page.fill('#token', tokens.ana);
      await page.press('#token', 'Enter');
    });
    const warm = await measure(page, () => page.reload());
    console.log(`     285 changes: cold ${cold.ms} ms, ${cold.requests} requests, ${cold.kb} KB; warm ${warm.ms} ms, ${warm.requests} requests, ${warm.kb} KB`);
    await page.locator('#evidence-checks').getByText('lint failed').waitFor();
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    for (const what of ['#approve', '#evidence-checks .check-failed', '#risk-breaking', '#risk-removed', '#upstream', '#decided-under']) {
      assert.ok(await inViewport(page, what), `${what} is not in view beside the decision at 1280×800`);
    }
    assert.equal((await page.locator('#risk-breaking').textContent()), '2 breaking');
    assert.match(await page.locator('#evidence-checks').textContent(), /e2e pending.*required unit-tests passed/);
    assert.match(await page.locator('#upstream').textContent(), /^Live in ev-dev since .* as version 2, by .* \(succeeded\)\.Smoke checks there: all 1 passed\./);
    assert.match(await page.locator('#decided-under').textContent(), /required checks unit-tests/);
    await axe(page, 'promotion with evidence');
    await shot(page, 'promotion-01-evidence');
    await page.click('#approve');
    assert.equal(await page.locator('#confirm-risks').textContent(), 'At risk: 2 breaking changes, check lint failed, check e2e pending.');
    assert.ok(await inViewport(page, '#confirm'), 'the confirmation is below the fold');
    await axe(page, 'confirmation');
    await shot(page, 'promotion-02-confirm');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'approve', 'Escape did not give the focus back to Approve');
    await page.click('#reject');
    await page.locator('#confirm-back').click();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'reject', 'Back did not give the focus back to Reject');

    const small = await showing(v.promotion.id, phone);
    await small.page.locator('#approve').waitFor();
    assert.ok(await inViewport(small.page, '#approve'), 'the decision is not on a phone\'s first screen');
    assert.equal(await small.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1), false, 'wider than a phone');
    await axe(small.page, 'promotion with evidence on a phone');
    await shot(small.page, 'promotion-03-evidence-phone');
    assert.deepEqual([...problems, ...small.problems], []);
    await context.close();
    await small.context.close();
  },

  async 'another reviewer\'s approval shows without a reload, and the page follows to SUCCEEDED'() {
    await api('admin', 'PUT', '/environments/follow', { policy: { approval: 'breaking', approvers: ['ana', 'bo'] } });
    await promote('follow', await release('f-1', 3, idColumn('int')), 'SUCCEEDED');
    const v = await promote('follow', await release('f-2', 3, idColumn('bigint')), 'AWAITING_APPROVAL');
    const { page, context, problems } = await showing(v.promotion.id, desktop);
    await page.locator('#approve').waitFor();
    const navigations = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    const polls = [];
    page.on('response', async (r) => {
      if (!r.url().endsWith('/api/promotions/' + v.promotion.id)) return;
      const sent = await r.request().allHeaders();
      const sizes = await r.request().sizes();
      polls.push({ status: r.status(), conditional: 'if-none-match' in sent, body: sizes.responseBodySize, headers: sizes.responseHeadersSize });
    });
    await new Promise((r) => setTimeout(r, 4500)); // a few polls while nothing changes
    const quiet = polls.length;
    const t0 = Date.now();
    await api('bo', 'POST', `/promotions/${v.promotion.id}/approve`, { plan_digest: v.plan.digest, comment: 'looks right' });
    // Shown without a reload, by the polling: how soon is measured, not
    // asserted (a loaded machine is slower; the poll interval is the page's).
    await page.locator('#closed').getByText('Closed: approved by bo').waitFor({ timeout: 15000 });
    const shown = Date.now() - t0;
    await announced(page, 'bo approved');
    await until('SUCCEEDED by itself', async () => (await stateOf(page)) === 'SUCCEEDED', 20000);
    await page.locator('#outcome').getByText('Live in follow and verified.').waitFor();
    assert.equal(await page.locator('#approve').count(), 0);
    assert.deepEqual(navigations, [], 'the page was reloaded');
    const after = polls.length;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(polls.length, after, 'the page still asks after the promotion ended');
    // While nothing changes each poll is revalidated (If-None-Match) and answered 304: no body.
    assert.ok(quiet >= 2 && polls.slice(0, quiet).every((p) => p.conditional && p.body === 0), `polls while waiting: ${JSON.stringify(polls.slice(0, quiet))}`);
    console.log(`     ${quiet} polls while nothing changed, ${polls[0].headers} header bytes and no body each; the approval showed after ${shown} ms`);
    await axe(page, 'succeeded promotion');
    await shot(page, 'promotion-04-followed');
    const small = await showing(v.promotion.id, phone);
    await axe(small.page, 'succeeded promotion on a phone');
    await shot(small.page, 'promotion-05-followed-phone');
    assert.deepEqual([...problems, ...small.problems], []);
    await context.close();
    await small.context.close();
  },

  async 'an update in place keeps scroll, an open row, a typed comment, the filter and messages'() {
    await api('admin', 'PUT', '/environments/keep', { policy: { approval: 'breaking', approvers: ['ana', 'bo', 'cy'], min_approvals: 2 } });
    await promote('keep', await release('k-1', 60, idColumn('int')), 'SUCCEEDED');
    const v = await promote('keep', await release('k-2', 60, idColumn('bigint')), 'AWAITING_APPROVAL');
    const { page, context, problems } = await showing(v.promotion.id, desktop);
    await page.click('#reject');
    await page.click('#confirm');
    await page.locator('#status').getByText('a rejection needs a reason').waitFor();
    await page.fill('#comment', 'checked m_001 by hand');
    await page.fill('#plan-search', 'm_00');
    await page.locator('#plan-count').getByText('10 of 60 changes').waitFor();
    const row = page.locator('.change').nth(6);
    await row.locator('summary').click();
    await row.getByText('Column changes').waitFor();
    await row.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const before = await page.evaluate(() => {
      window.planList = document.getElementById('plan-list');
      return { y: window.scrollY, top: document.querySelectorAll('.change')[6].getBoundingClientRect().top };
    });
    assert.ok(before.y > 0);
    await api('bo', 'POST', `/promotions/${v.promotion.id}/approve`, { plan_digest: v.plan.digest });
    await page.locator('#approval-count').getByText('1 of 2').waitFor({ timeout: 5000 });
    const said = await announced(page, 'bo approved');
    const after = await page.evaluate(() => ({
      same: window.planList === document.getElementById('plan-list'),
      open: document.querySelectorAll('.change')[6].open,
      top: document.querySelectorAll('.change')[6].getBoundingClientRect().top,
      y: window.scrollY,
      comment: document.getElementById('comment').value,
      search: document.getElementById('plan-search').value,
      status: document.getElementById('status').textContent,
    }));
    assert.deepEqual({ ...after, top: Math.abs(after.top - before.top) <= 2, y: after.y > 0 },
      { same: true, open: true, top: true, y: true, comment: 'checked m_001 by hand', search: 'm_00',
        status: 'invalid: comment: a rejection needs a reason: say what is wrong, so the requester can fix it' });
    assert.deepEqual(said, ['bo approved.'], 'more than what changed was announced');
    await axe(page, 'promotion after an update');
    await shot(page, 'promotion-06-in-place');
    // Left, the view stops asking.
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/api/promotions/' + v.promotion.id)) asked.push(r.url()); });
    await page.click('a[href="#/environments"]');
    await until('the view left', async () => (await page.locator('#decision').count()) === 0);
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(asked, [], 'the view asks for the promotion after it was left');
    assert.deepEqual(problems, []);
    await context.close();
    await api('ci', 'POST', `/promotions/${v.promotion.id}/cancel`, {});
  },

  async 'the countdown disables the decision at the deadline'() {
    await api('admin', 'PUT', '/environments/tick', { policy: { approval: 'always', approvers: ['ana'], approval_timeout: '8s' } });
    const v = await promote('tick', await release('t-1', 2, idColumn('int')), 'AWAITING_APPROVAL');
    const deadline = Date.parse(v.approval.expires_at);
    const { page, context, problems } = await showing(v.promotion.id, desktop);
    await page.locator('#approve').waitFor();
    await page.locator('#time-left').getByText(/^\d s left$/).waitFor({ timeout: 8000 });
    assert.match(await page.locator('#decided-under').textContent(), /, 8 s to decide,/);
    await page.click('#approve');
    await until('the confirmation disabled', () => page.locator('#confirm').isDisabled(), 10000);
    const late = Date.now() - deadline;
    assert.ok(late > -150, `disabled ${-late} ms before the deadline`); // never early; how late is reported
    console.log(`     the decision was disabled ${late} ms after the deadline`);
    await page.locator('#time-left').getByText('Expired').waitFor();
    await announced(page, 'The time to decide is over');
    if (await page.locator('#confirm-back').isVisible()) await page.locator('#confirm-back').click(); // the server has not said so yet
    assert.equal(await page.locator('#approve:enabled, #reject:enabled, #confirm:enabled').count(), 0, 'a decision is offered after the deadline');
    await shot(page, 'promotion-07-deadline');
    await until('EXPIRED by itself', async () => (await stateOf(page)) === 'EXPIRED', 20000);
    await page.locator('#outcome h2').getByText('Expired: nobody decided in time; nothing was applied.').waitFor();
    assert.equal(await page.locator('#outcome-why').textContent(), 'The reviewers had 8 seconds to decide; 0 of the 1 approvals needed were recorded.');
    assert.doesNotMatch(await page.locator('#outcome').textContent(), /States\.|Timeout|error/i);
    await axe(page, 'expired promotion');
    await shot(page, 'promotion-08-expired');
    const small = await showing(v.promotion.id, phone);
    await axe(small.page, 'expired promotion on a phone');
    await shot(small.page, 'promotion-09-expired-phone');
    assert.deepEqual([...problems, ...small.problems], []);
    await context.close();
    await small.context.close();
  },

  async 'a rollback says why, shows the failing check\'s body and what is live now'() {
    await api('admin', 'PUT', '/environments/rb', { policy: { approval: 'never' } });
    await promote('rb', await release('rb-1', 3, idColumn('int')), 'SUCCEEDED');
    // /api/me without a token answers 401 with a JSON body: a failing check.
    await api('admin', 'PUT', '/environments/rb', { policy: { approval: 'never',
      smoke: [{ name: 'home', url: base + '/' }, { name: 'api', url: base + '/api/me', retries: 1, retry_delay: '100ms' }] } });
    const v = await promote('rb', await release('rb-2', 3, idColumn('bigint')), 'ROLLED_BACK');
    const { page, context, problems } = await showing(v.promotion.id, desktop);
    await page.locator('#outcome h2').getByText('Rolled back: the release went live in rb, then rb was put back on its previous release.').waitFor();
    assert.equal(await page.locator('#outcome-why').textContent(), 'Smoke check api failed: status 401, want 200.');
    assert.match(await page.locator('#live-now').textContent(), /^rb runs rb-1 as version 3, since .*, put back by this promotion's rollback$/);
    const failed = page.locator('#smoke tr.smoke-failed');
    assert.equal(await failed.count(), 1);
    assert.match(await failed.textContent(), /^api✗ failedstatus 401, want 200401.*\/api\/me2/);
    assert.match(await failed.locator('.excerpt').textContent(), /"code":"unauthorized"/);
    assert.ok(await inViewport(page, '#smoke .smoke-failed .excerpt'), 'the failing check\'s body is below the fold');
    const look = await page.evaluate(() => {
      const bad = document.querySelector('.smoke-failed .verdict');
      const good = document.querySelector('.smoke-passed .verdict');
      return { bad: getComputedStyle(bad).color, good: getComputedStyle(good).color,
        border: getComputedStyle(document.querySelector('.smoke-failed > :first-child')).borderLeftWidth };
    });
    assert.deepEqual(look, { bad: 'rgb(164, 14, 38)', good: 'rgb(17, 99, 41)', border: '4px' }, 'a failure does not look like a failure');
    assert.doesNotMatch(await page.locator('#outcome').textContent(), /States\.|StepFailed|DeployHookFailed/);
    await axe(page, 'rolled back promotion');
    await shot(page, 'promotion-10-rolled-back');
    const small = await showing(v.promotion.id, phone);
    for (const what of ['.smoke-failed th', '.smoke-failed .verdict']) {
      const box = await small.page.locator(what).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= phone.width, `${what} is off a phone's screen`);
    }
    assert.equal(await small.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1), false, 'wider than a phone');
    await axe(small.page, 'rolled back promotion on a phone');
    await shot(small.page, 'promotion-11-rolled-back-phone');
    assert.deepEqual([...problems, ...small.problems], []);
    await context.close();
    await small.context.close();
  },

  async 'rejected and cancelled read as decisions, in plain words'() {
    await api('admin', 'PUT', '/environments/words', { policy: { approval: 'always', approvers: ['ana'] } });
    const first = await release('w-1', 2, idColumn('int'));
    const ended = (id, state) => until(`${id} ${state}`, async () => (await api('ana', 'GET', '/promotions/' + id)).promotion.state === state);
    const w1 = await promote('words', first, 'AWAITING_APPROVAL');
    await api('ana', 'POST', `/promotions/${w1.promotion.id}/approve`, { plan_digest: w1.plan.digest });
    await ended(w1.promotion.id, 'SUCCEEDED');
    const rejected = await promote('words', await release('w-2', 2, idColumn('bigint')), 'AWAITING_APPROVAL');
    await api('ana', 'POST', `/promotions/${rejected.promotion.id}/reject`, { plan_digest: rejected.plan.digest, comment: 'm_000 loses its int id' });
    await ended(rejected.promotion.id, 'REJECTED');
    const cancelled = await promote('words', await release('w-3', 2, idColumn('text')), 'AWAITING_APPROVAL');
    await api('ci', 'POST', `/promotions/${cancelled.promotion.id}/cancel`, {});
    await ended(cancelled.promotion.id, 'CANCELLED');
    const cases = [
      [rejected.promotion.id, 'Rejected by ana; nothing was applied.', ['Their reason: m_000 loses its int id'], 'rejected'],
      [cancelled.promotion.id, 'Cancelled by ci before anything was applied.', [], 'cancelled'],
    ];
    for (const [id, headline, why, name] of cases) {
      for (const size of [desktop, phone]) {
        const { page, context, problems } = await showing(id, size);
        await page.locator('#outcome h2').getByText(headline).waitFor();
        assert.deepEqual(await page.locator('#outcome-why').allTextContents(), why);
        assert.match(await page.locator('#live-now').textContent(), /^words runs w-1 as version 1/);
        assert.equal(await page.locator('#outcome').getAttribute('class'), 'card outcome outcome-decided', 'styled as an error');
        assert.equal(await page.locator('main .error').count(), 0, 'an error is shown');
        assert.ok(await inViewport(page, '#outcome'), 'the outcome is not on the first screen');
        await axe(page, `${name} promotion`);
        await shot(page, `promotion-12-${name}-${size === phone ? 'phone' : 'desktop'}`);
        assert.deepEqual(problems, []);
        await context.close();
      }
    }
  },
};
