// The approval flow in the browser: sign-in, plan review, decisions, hostile
// data, expiry, large plans and the environments on a phone.
import assert from 'node:assert/strict';
import { base, tokens, api, until, open, signIn, shot, stateOf, waitForState } from './lib.mjs';

export const scenarios = {
  async 'sign in, review the plan, approve, see it succeed'() {
    const { page, context, problems } = await open();
    const res = await page.goto(base + '/');
    const csp = res.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    await page.fill('#token', 'fy_not-a-token-of-anyone');
    await page.press('#token', 'Enter');
    await page.getByText('That token was not accepted').waitFor();
    await shot(page, '01-sign-in');
    await signIn(page, 'ana');
    await page.getByRole('link', { name: 'demo-v1-4-0-staging' }).waitFor();
    await shot(page, '02-pending');
    await page.getByRole('link', { name: 'demo-v1-4-0-staging' }).click();
    await page.locator('#plan-list').waitFor();
    assert.equal(await stateOf(page), 'AWAITING APPROVAL');
    const groups = await page.locator('.plan-group h3').allTextContents();
    assert.match(groups[0], /^Breaking/, 'breaking changes come first: ' + groups);
    await page.getByText('stg_orders').first().click();
    await page.getByText('Must rebuild downstream').waitFor();
    // Is an unchanged node affected, and by what? Search shows it among the rebuilt.
    await page.fill('#plan-search', 'revenue_weekly');
    await until('the rebuilt node', async () => (await page.locator('#indirect-count').textContent()).startsWith('1 of 3'));
    assert.equal(await page.locator('#indirect').getAttribute('open'), '', 'a search that finds rebuilt nodes opens their list');
    await page.locator('#indirect-list').getByText('Impacted by breaking (1): stg_orders').waitFor();
    await page.locator('#indirect-list').getByText('Via: orders').waitFor();
    await page.fill('#plan-search', 'payments');
    await until('the filter', async () => (await page.locator('#plan-count').textContent()).startsWith('1 of'));
    await page.fill('#plan-search', '');
    await until('the whole plan', async () => (await page.locator('#plan-count').textContent()).startsWith('6 of 6'));
    await page.locator('#approval-count').getByText('0 of 1').waitFor();
    await page.locator('#decided-under').getByText('Decided under the policy as it was when planned').waitFor();
    await shot(page, '03-promotion');
    await page.click('#approve');
    const confirm = page.locator('#confirm');
    assert.equal((await confirm.textContent()).trim(), 'Approve into staging');
    assert.match(await page.locator('#confirm-q').textContent(), /into staging\?/);
    await shot(page, '04-confirm');
    await page.keyboard.press('Enter'); // the confirm button has the focus
    await page.getByText('Your approval is recorded.').waitFor();
    await waitForState(page, 'SUCCEEDED');
    await page.getByText('approved by ana').first().waitFor();
    await page.locator('#closed').getByText('Closed: approved by ana').waitFor();
    await shot(page, '05-succeeded');
    assert.deepEqual(problems, []);
    await context.close();
  },

  async 'a second approver is needed (2 of 3)'() {
    const p = await api('ci', 'POST', '/promotions', { environment: 'prod', source: 'staging', via: 'ci' });
    const first = await open();
    await signIn(first.page, 'ana');
    await first.page.goto(`${base}/#/promotions/${p.id}`);
    await until('the plan', async () => {
      await first.page.reload();
      return (await first.page.locator('#approve').count()) > 0;
    });
    await first.page.click('#approve');
    await first.page.click('#confirm');
    await first.page.getByText('Your approval is recorded.').waitFor();
    assert.equal(await stateOf(first.page), 'AWAITING APPROVAL');
    await first.page.locator('#approval-count').getByText('1 of 2').waitFor();
    await first.page.getByText('ana approved this promotion').waitFor();
    await shot(first.page, '06-one-of-two');
    const second = await open();
    await signIn(second.page, 'cy');
    await second.page.goto(`${base}/#/promotions/${p.id}`);
    await second.page.locator('#approve').focus();
    await second.page.keyboard.press('Enter');
    await second.page.locator('#confirm').waitFor();
    await second.page.keyboard.press('Enter');
    await second.page.getByText('Your approval is recorded.').waitFor(); // before a reload cancels the request
    await waitForState(second.page, 'SUCCEEDED');
    await shot(second.page, '07-two-of-two');
    assert.deepEqual([...first.problems, ...second.problems], []);
    await first.context.close();
    await second.context.close();
  },

  async 'reject with a comment; data with HTML stays text'() {
    await api('admin', 'PUT', '/environments/qa', { policy: { approval: 'always', approvers: ['ana'] } });
    const payload = '<img src=x onerror="window.__pwned=1;alert(1)">';
    const rel = await api('ci', 'POST', '/releases', {
      name: 'v9 ' + payload,
      source: { commit: 'abc123', message: '<script>window.__pwned=2;alert(2)</script> fix', author: '<b>eve</b>' },
      checks: [{ name: 'xss <svg onload=alert(3)>', status: 'passed', url: 'javascript:alert(4)' },
        { name: 'report', status: 'passed', url: 'https://ci.example/run/9' }],
      nodes: [{ name: 'orders', kind: 'model', metadata: { description: payload } }],
    });
    const p = await api('ci', 'POST', '/promotions', { environment: 'qa', release_id: rel.id });
    const { page, context, problems } = await open();
    await signIn(page, 'ana');
    await page.goto(`${base}/#/promotions/${p.id}`);
    await until('approval', async () => {
      await page.reload();
      return (await page.locator('#reject').count()) > 0;
    });
    await page.getByText('v9 ' + payload).waitFor();
    await page.getByText('<script>window.__pwned=2;alert(2)</script> fix').waitFor();
    assert.equal(await page.locator('main img, main script, main svg').count(), 0, 'data became markup');
    assert.equal(await page.locator('a[href^="javascript"]').count(), 0, 'a javascript: link was kept');
    assert.equal(await page.locator('#comment').getAttribute('maxlength'), '4000', 'the comment limit comes from the server');
    assert.equal(await page.locator('#cancel').count(), 0, 'ana, who did not request it, was offered to cancel it');
    await page.click('#reject');
    await page.click('#confirm');
    await page.getByText(/invalid: comment: a rejection needs a reason/).waitFor();
    assert.equal(await stateOf(page), 'AWAITING APPROVAL', 'a rejection without a reason changed the promotion');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'comment');
    await page.fill('#comment', 'no: ' + payload);
    await page.click('#reject');
    assert.match(await page.locator('#confirm-q').textContent(), /Reject the promotion into qa\?/);
    await page.click('#confirm');
    await page.getByText('Your rejection is recorded.').waitFor(); // before a reload cancels the request
    await waitForState(page, 'REJECTED');
    await page.getByText('no: ' + payload).first().waitFor();
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'a payload ran');
    assert.equal(await page.locator('main img, main script, main svg').count(), 0, 'data became markup');
    await shot(page, '08-rejected');
    assert.deepEqual(problems, []);
    await context.close();
  },

  async 'escape sequences and bidi controls are shown, not obeyed'() {
    await api('admin', 'PUT', '/environments/qa-bidi', { policy: { approval: 'breaking', approvers: ['ana'] } });
    const hostile = '\u001b[2J\u001b]8;;http://evil\u0007click\u202eevil\u2066';
    const first = await api('ci', 'POST', '/releases', { name: 'b1', nodes: [{ name: 'orders', kind: 'model', columns: [{ name: 'id', type: 'int' }] }] });
    const p1 = await api('ci', 'POST', '/promotions', { environment: 'qa-bidi', release_id: first.id });
    await until('the first release', async () => (await api('ana', 'GET', '/promotions/' + p1.id)).promotion.state === 'SUCCEEDED');
    const rel = await api('ci', 'POST', '/releases', {
      name: 'b2 ' + hostile + ' שלום 2',
      source: { commit: 'abc123', message: 'fix ' + hostile, author: 'eve' + hostile },
      checks: [{ name: 'tests ' + hostile, status: 'passed' }],
      nodes: [{ name: 'orders', kind: 'view' + hostile, columns: [{ name: 'id', type: 'bigint' + hostile }, { name: 'note' + hostile, type: 'text' + hostile }] }],
    });
    const p = await api('ci', 'POST', '/promotions', { environment: 'qa-bidi', release_id: rel.id });
    const { page, context, problems } = await open();
    await signIn(page, 'ana');
    await page.goto(`${base}/#/promotions/${p.id}`);
    await until('approval', async () => {
      await page.reload();
      return (await page.locator('#approve').count()) > 0;
    });
    await page.locator('.change summary').first().click();
    await page.getByText('Column changes').waitFor();
    const shown = '⟨U+001B⟩[2J⟨U+001B⟩]8;;http://evil⟨U+0007⟩click⟨U+202E⟩evil⟨U+2066⟩';
    for (const text of ['b2 ' + shown, 'fix ' + shown, 'tests ' + shown, 'model → view' + shown, 'note' + shown]) {
      assert.ok((await page.getByText(text, { exact: false }).count()) > 0, 'not shown with visible markers: ' + text);
    }
    const raw = await page.evaluate(() => /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/.test(document.body.textContent));
    assert.equal(raw, false, 'a control character reached the page as it is');
    assert.ok((await page.locator('main .ctl').count()) >= 20, 'the markers are not marked');
    assert.equal(await page.locator('main a[href*="evil"]').count(), 0, 'a link was made from an escape sequence');
    // Each value is isolated: what follows the release's name stays to its right.
    const order = await page.evaluate(() => {
      const dd = [...document.querySelectorAll('main dt')].find((d) => d.textContent === 'Release').nextElementSibling;
      const name = dd.firstElementChild;
      const code = dd.querySelector('code');
      return { isolated: name.textContent.startsWith('b2 ') && getComputedStyle(name).unicodeBidi === 'isolate',
        inOrder: name.getBoundingClientRect().right <= code.getBoundingClientRect().left + 1 };
    });
    assert.deepEqual(order, { isolated: true, inOrder: true }, 'the release name is not isolated, or what follows it moved');
    await shot(page, '11-control-characters');
    await page.fill('#comment', 'fine ' + hostile);
    await page.click('#approve');
    await page.click('#confirm');
    await page.getByText('Your approval is recorded.').waitFor();
    await waitForState(page, 'SUCCEEDED');
    await page.locator('.decisions').getByText('fine ' + shown).waitFor();
    await api('admin', 'POST', '/environments/qa-bidi/freeze', { reason: 'audit ' + hostile, until: new Date(Date.now() + 3600e3).toISOString() });
    await page.goto(base + '/#/environments/qa-bidi');
    await page.locator('#changes').getByText('audit ' + shown, { exact: false }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  },

  async 'the approval expires while the page is open'() {
    await api('admin', 'PUT', '/environments/qa-fast', { policy: { approval: 'always', approvers: ['ana'], approval_timeout: '3s' } });
    const rel = await api('ci', 'POST', '/releases', { name: 'v10', nodes: [{ name: 'orders', kind: 'model' }] });
    const p = await api('ci', 'POST', '/promotions', { environment: 'qa-fast', release_id: rel.id });
    const { page, context, problems } = await open();
    await signIn(page, 'ana');
    await page.goto(`${base}/#/promotions/${p.id}`);
    await until('approval', async () => {
      await page.reload();
      return (await page.locator('#approve').count()) > 0;
    });
    await page.locator('#time-left').getByText('left').waitFor();
    await until('the expiry', async () => (await api('ana', 'GET', '/promotions/' + p.id)).promotion.state === 'EXPIRED', 20000);
    // The page follows by itself: no late click is possible (promotion.mjs
    // checks the buttons are disabled at the deadline).
    await until('the page shows how it ended', async () => (await stateOf(page)) === 'EXPIRED');
    await shot(page, '09-late-click');
    await page.reload();
    await page.locator('h1 .badge').waitFor();
    assert.equal(await stateOf(page), 'EXPIRED');
    assert.equal(await page.locator('#approve').count(), 0);
    await shot(page, '10-expired');
    assert.deepEqual(problems, []);
    await context.close();
  },

  async 'a plan of 5,000 changes stays usable'() {
    await api('admin', 'PUT', '/environments/big', { policy: { approval: 'breaking', approvers: ['ana'] } });
    const nodes = (kind) => Array.from({ length: 5000 }, (_, i) => ({ name: `node_${String(i).padStart(4, '0')}`, kind }));
    const older = await api('ci', 'POST', '/releases', { name: 'big-1', nodes: nodes('model') });
    const first = await api('ci', 'POST', '/promotions', { environment: 'big', release_id: older.id });
    await until('the first release', async () => (await api('ana', 'GET', '/promotions/' + first.id)).promotion.state === 'SUCCEEDED');
    const cand = await api('ci', 'POST', '/releases', { name: 'big-2', nodes: nodes('view') });
    const p = await api('ci', 'POST', '/promotions', { environment: 'big', release_id: cand.id });
    await until('the plan', async () => (await api('ana', 'GET', '/promotions/' + p.id)).promotion.state === 'AWAITING_APPROVAL');
    const { page, context, problems } = await open();
    await signIn(page, 'ana');
    // The plan comes a page at a time: the view has the first, the rest and the
    // search are asked of the server.
    const planRequests = [];
    page.on('request', (r) => { if (r.url().includes(`/api/promotions/${p.id}/plan?`)) planRequests.push(new URL(r.url()).searchParams); });
    const t0 = Date.now();
    await page.goto(`${base}/#/promotions/${p.id}`);
    await page.locator('#plan-count').getByText('5000 of 5000 changes').waitFor();
    const opened = Date.now() - t0;
    assert.equal(await page.locator('.change').count(), 200, 'one page of changes is drawn');
    await page.click('#plan-more');
    assert.equal(await page.locator('.change').count(), 400);
    const t1 = Date.now();
    await page.fill('#plan-search', 'node_4321');
    await page.locator('#plan-count').getByText('1 of 5000 changes').waitFor();
    const searched = Date.now() - t1;
    assert.ok(planRequests.some((q) => q.get('list') === 'changes' && q.get('offset') === '200'), 'the next page is fetched');
    assert.ok(planRequests.some((q) => q.get('q') === 'node_4321' && q.get('offset') === '0'), 'the search is the server\'s');
    await page.locator('.change summary').first().click();
    await page.getByText('model → view').waitFor();
    await shot(page, '12-large-plan');
    console.log(`     5,000 changes: page drawn in ${opened} ms, search answered in ${searched} ms (including the 80 ms debounce)`);
    assert.deepEqual(problems, []);
    await context.close();
  },

  async 'a chain of 3,000 breaking nodes: what breaks downstream, and what reaches a node'() {
    await api('admin', 'PUT', '/environments/chain', { policy: { approval: 'breaking', approvers: ['ana'] } });
    const name = (i) => `c_${String(i).padStart(4, '0')}`;
    const nodes = (kind) => Array.from({ length: 3000 }, (_, i) => ({ name: name(i), kind, depends_on: i ? [name(i - 1)] : undefined }));
    const older = await api('ci', 'POST', '/releases', { name: 'chain-1', nodes: nodes('model') });
    const first = await api('ci', 'POST', '/promotions', { environment: 'chain', release_id: older.id });
    await until('the first release', async () => (await api('ana', 'GET', '/promotions/' + first.id)).promotion.state === 'SUCCEEDED');
    const cand = await api('ci', 'POST', '/releases', { name: 'chain-2', nodes: nodes('view') });
    const p = await api('ci', 'POST', '/promotions', { environment: 'chain', release_id: cand.id });
    await until('the plan', async () => (await api('ana', 'GET', '/promotions/' + p.id)).promotion.state === 'AWAITING_APPROVAL');
    const { page, context, problems } = await open();
    await signIn(page, 'ana');
    await page.goto(`${base}/#/promotions/${p.id}`);
    await page.locator('#plan-count').getByText('3000 of 3000 changes').waitFor();
    // The root: an exact count, the first 20 names, and the rest on request.
    await page.fill('#plan-search', name(0));
    await page.locator('#plan-count').getByText('1 of 3000 changes').waitFor();
    await page.locator('.change summary').first().click();
    await page.locator('.impact-line').first().getByText('Must rebuild downstream (2999)').waitFor();
    await page.locator('.impact-line').first().getByText(`view: ${name(1)}, ${name(2)}`).waitFor();
    await page.getByText('and 2979 more').waitFor();
    await page.locator('.impact-line').first().getByRole('button', { name: 'List all' }).click();
    await page.getByText('All 2999, by kind').waitFor();
    await page.getByText(`view (2999): ${name(1)}, ${name(2)}`).waitFor();
    // A node in the middle: counts the plan gives as lower bounds, listed in full on request.
    await page.fill('#plan-search', name(2000));
    const summary = page.locator('.change summary').first();
    await until('the search', async () => (await summary.textContent()).startsWith(name(2000)));
    assert.match(await summary.textContent(), /impacts at least 21 · impacted by at least 21 breaking/);
    await summary.click();
    await page.getByText(`Via: ${name(1999)}`).waitFor();
    await page.locator('.impact-line').nth(1).getByRole('button', { name: 'List all' }).click();
    await page.getByText(`view (2000): ${name(0)}, ${name(1)}`).waitFor();
    await page.locator('.impact-line').first().getByRole('button', { name: 'List all' }).click();
    await page.getByText(`view (999): ${name(2001)}`).waitFor();
    await shot(page, '11b-chain-impact');
    assert.deepEqual(problems, []);
    await context.close();
  },

  async 'environments, history, and a phone-sized screen'() {
    const { page, context, problems } = await open({ width: 390, height: 844 });
    await signIn(page, 'bo');
    await page.goto(base + '/#/environments');
    await page.locator('#environments').getByRole('link', { name: 'staging' }).click();
    await page.locator('#history').waitFor();
    assert.ok((await page.locator('#history tbody tr').count()) >= 2);
    await shot(page, '13-environment-phone');
    await page.goto(base + '/#/environments/qa');
    await page.locator('#changes').getByText('admin: created').waitFor();
    await page.goto(base + '/#/environments');
    await page.locator('#environments').waitFor();
    await shot(page, '14-environments-phone');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(overflow, false, 'the page is wider than a phone screen');
    await page.goto(base + '/#/promotions/demo-v1-4-0-staging');
    await page.locator('#plan-list').waitFor();
    await shot(page, '15-promotion-phone');
    assert.deepEqual(problems, []);
    await context.close();
  },
};

