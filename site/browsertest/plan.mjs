// Browser scenarios: the plan says what changed. One promotion (set up once)
// where raw_orders breaks (a column removed, one retyped, one added), which
// makes stg_orders (whose SQL and owner change too), orders, revenue,
// revenue_weekly and the new fresh rebuild; legacy is removed and customers is
// left alone. Another of 450 breaking changes pages.
import assert from 'node:assert/strict';
import { base, api, until, open, signIn, shot, axe } from './lib.mjs';

const sqlBefore = 'select\n  id,\n  amount,\n  note\nfrom raw_orders\nwhere amount > 0\norder by id';
const sqlAfter = 'select\n  id,\n  amount,\n  currency\nfrom raw_orders\nwhere amount > 0\n  and status = \'paid\'\norder by id';

// A value too different to diff line by line: 12,000 lines, every one changed.
const bigSQL = (tag) => Array.from({ length: 12000 }, (_, i) => `select ${i} as ${tag}`).join('\n');

const v1 = [
  { name: 'raw_orders', kind: 'seed', columns: [{ name: 'id', type: 'int' }, { name: 'amount', type: 'int' }, { name: 'note', type: 'text' }] },
  { name: 'stg_orders', kind: 'model', depends_on: ['raw_orders'], spec: { sql: sqlBefore, materialized: 'view' }, metadata: { owner: 'data', description: 'Orders, cleaned' } },
  { name: 'orders', kind: 'model', depends_on: ['stg_orders'] },
  { name: 'revenue', kind: 'view', depends_on: ['orders'] },
  { name: 'revenue_weekly', kind: 'view', depends_on: ['revenue'] },
  { name: 'customers', kind: 'model' },
  { name: 'legacy', kind: 'model', columns: [{ name: 'old_id', type: 'int' }], spec: { sql: 'select 1 as old_id' }, metadata: { owner: 'nobody' } },
  { name: 'big_sql', kind: 'model', spec: { sql: bigSQL('a') } },
];
const v2 = [
  { name: 'raw_orders', kind: 'seed', columns: [{ name: 'id', type: 'bigint' }, { name: 'amount', type: 'int' }, { name: 'currency', type: 'text' }] },
  { name: 'stg_orders', kind: 'model', depends_on: ['raw_orders'], spec: { sql: sqlAfter, materialized: 'view' }, metadata: { owner: 'finance', description: 'Orders, cleaned' } },
  v1[2], v1[3], v1[4], v1[5],
  { name: 'big_sql', kind: 'model', spec: { sql: bigSQL('b') } },
  { name: 'fresh', kind: 'view', depends_on: ['orders'], columns: [{ name: 'day', type: 'date' }], spec: { sql: 'select day\nfrom orders' }, metadata: { owner: 'growth' } },
];

// promote plans rel into env and, once env runs first, waits for its state.
async function promote(env, first, second) {
  await api('admin', 'PUT', `/environments/${env}`, { policy: { approval: 'breaking', approvers: ['ana'] } });
  const older = await api('ci', 'POST', '/releases', { name: env + '-1', nodes: first });
  const p1 = await api('ci', 'POST', '/promotions', { environment: env, release_id: older.id });
  await until('the first release', async () => (await api('ana', 'GET', '/promotions/' + p1.id)).promotion.state === 'SUCCEEDED');
  const cand = await api('ci', 'POST', '/releases', { name: env + '-2', nodes: second });
  const p = await api('ci', 'POST', '/promotions', { environment: env, release_id: cand.id });
  await until('the plan', async () => (await api('ana', 'GET', '/promotions/' + p.id)).promotion.state === 'AWAITING_APPROVAL');
  return p.id;
}

let small = null;
const smallPlan = () => (small = small || promote('plan-what', v1, v2));

// openPlan signs ana in and shows the promotion's plan.
async function openPlan(id) {
  const session = await open();
  await signIn(session.page, 'ana');
  await session.page.goto(`${base}/#/promotions/${id}`);
  await session.page.locator('#plan-count').waitFor();
  return session;
}

// row opens a change's row and returns it.
async function row(page, node) {
  const r = page.locator(`details.change[data-node="${node}"]`);
  await r.locator('summary').click();
  return r;
}

// done checks the page, takes it at desktop and phone sizes, and closes it.
async function done({ page, context, problems }, name) {
  await axe(page, 'plan ' + name);
  await shot(page, 'plan-' + name);
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert.equal(overflow, false, 'the page is wider than a phone screen');
  await axe(page, 'plan ' + name + ' (phone)');
  await shot(page, 'plan-' + name + '-phone');
  assert.deepEqual(problems, []);
  await context.close();
}

export const scenarios = {
  async 'plan: metadata and spec values before → after, with a diff of the SQL'() {
    const s = await openPlan(await smallPlan());
    const r = await row(s.page, 'stg_orders');
    const values = r.locator('.value-changes');
    await values.getByText('spec.sql').waitFor();
    const diff = values.locator('.diff');
    assert.equal(await diff.locator('del.diff-line').allTextContents().then((t) => t.join('|')), '-   note');
    assert.deepEqual(await diff.locator('ins.diff-line').allTextContents(), ['+   currency', '+   and status = \'paid\'']);
    await diff.getByText('2 lines added, 1 removed').waitFor();
    assert.equal(await values.getByText('spec.materialized').count(), 0, 'an unchanged key is listed');
    await values.getByText('metadata.owner').waitFor();
    assert.equal(await values.locator('del').filter({ hasText: 'data' }).count(), 1);
    assert.equal(await values.locator('ins').filter({ hasText: 'finance' }).count(), 1);
    await done(s, 'values');
  },

  async 'plan: the line diff is minimal, and bounded for a value too large'() {
    const s = await openPlan(await smallPlan());
    const { page } = s;
    // Random texts: the diff gives back both and changes no more lines than
    // the longest common subsequence leaves (counted the slow way).
    const wrong = await page.evaluate(async () => {
      // The page's modules live under its versioned assets directory.
      const { lineDiff } = await import(new URL('diff.js', document.querySelector('script[type=module]').src).href);
      const text = () => Array.from({ length: Math.floor(Math.random() * 14) }, () => 'abcd'[Math.floor(Math.random() * 4)]).join('\n');
      const edits = (a, b) => {
        const A = a.split('\n');
        const B = b.split('\n');
        const t = Array.from({ length: A.length + 1 }, () => new Array(B.length + 1).fill(0));
        for (let i = 1; i <= A.length; i++) for (let j = 1; j <= B.length; j++) t[i][j] = A[i - 1] === B[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
        return A.length + B.length - 2 * t[A.length][B.length];
      };
      for (let k = 0; k < 3000; k++) {
        const a = text();
        const b = text();
        const d = lineDiff(a, b);
        const back = (op) => d.filter((l) => l.op !== op).map((l) => l.text).join('\n');
        if (back('+') !== a || back('-') !== b || d.filter((l) => l.op !== ' ').length !== edits(a, b)) return [a, b];
      }
      const long = Array.from({ length: 10001 }, (_, i) => 'l' + i).join('\n');
      if (lineDiff(long, long + 'x') !== null) return 'a text over 10,000 lines was diffed';
      return null;
    });
    assert.equal(wrong, null, 'the diff of ' + JSON.stringify(wrong));
    const r = await row(page, 'big_sql');
    await r.getByText('Too large to compare line by line (over 10000 lines, or over 1000 lines changed): both versions follow.').waitFor();
    assert.equal(await r.getByText('… and 11600 more lines').count(), 2, 'both versions are cut at 400 lines');
    await done(s, 'big-value');
  },

  async 'plan: column changes as a table'() {
    const s = await openPlan(await smallPlan());
    const r = await row(s.page, 'raw_orders');
    const table = r.locator('table.columns-table');
    await table.getByText('Column changes').waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent).join(' | ')));
    assert.deepEqual(rows, ['note | removed | text | –', 'id | retyped | int | bigint', 'currency | added | – | text']);
    await done(s, 'columns');
  },

  async 'plan: an added and a removed node show their content'() {
    const s = await openPlan(await smallPlan());
    const fresh = await row(s.page, 'fresh');
    await fresh.getByText('A new node:').waitFor();
    await fresh.locator('.facts').getByText('view', { exact: true }).waitFor();
    await fresh.locator('.facts').getByRole('button', { name: 'orders' }).waitFor();
    assert.deepEqual(await fresh.locator('table.columns-table tbody tr').allTextContents(), ['daydate']);
    assert.equal(await fresh.locator('pre.code').textContent(), 'select day\nfrom orders');
    await fresh.locator('.value-changes').getByText('growth').waitFor();
    const legacy = await row(s.page, 'legacy');
    await legacy.getByText('Removed; the live release had:').waitFor();
    await legacy.locator('table.columns-table').getByText('old_id').waitFor();
    await legacy.locator('.value-changes').getByText('select 1 as old_id').waitFor();
    await legacy.locator('.value-changes').getByText('nobody').waitFor();
    await done(s, 'added-removed');
  },

  async 'plan: expand all and collapse all'() {
    const s = await openPlan(await smallPlan());
    const { page } = s;
    await page.click('#plan-expand');
    const rows = page.locator('details.change');
    const n = await rows.count();
    assert.equal(n, 5);
    assert.equal(await page.locator('details.change[open]').count(), n);
    await page.locator('details.change[data-node="legacy"]').getByText('Removed; the live release had:').waitFor();
    await page.locator('details.change[data-node="stg_orders"] .diff').waitFor();
    await shot(page, 'plan-expanded');
    await page.click('#plan-collapse');
    assert.equal(await page.locator('details.change[open]').count(), 0);
    await page.click('#plan-expand');
    await done(s, 'expand-all');
  },

  async 'plan: search says whether a node is affected, and by what'() {
    const s = await openPlan(await smallPlan());
    const { page } = s;
    const answer = page.locator('#plan-answer');
    await page.fill('#plan-search', 'customers');
    await answer.getByText('customers is not affected by this plan').waitFor();
    await page.fill('#plan-search', 'revenue_weekly');
    await answer.getByText('revenue_weekly is not changed but must be rebuilt: it is reached by 1 breaking change: raw_orders, via revenue.').waitFor();
    await shot(page, 'plan-search-rebuilt');
    await page.fill('#plan-search', 'stg_orders');
    await answer.getByText('stg_orders is changed: non-breaking; it is also reached by 1 breaking change: raw_orders, via raw_orders.').waitFor();
    await page.fill('#plan-search', 'raw_orders');
    await answer.getByText('raw_orders is changed: breaking, and 5 nodes downstream must be rebuilt.').waitFor();
    await page.fill('#plan-search', 'nothing_here');
    await answer.getByText('There is no node named nothing_here in this release or the live one.').waitFor();
    await page.fill('#plan-search', 'revenue_weekly');
    await answer.getByRole('button', { name: 'Show its row' }).click();
    assert.equal(await page.evaluate(() => document.activeElement.dataset.node), 'revenue_weekly');
    await done(s, 'search');
  },

  async 'plan: impacted lists grouped by kind, each name showing its row'() {
    const s = await openPlan(await smallPlan());
    const { page } = s;
    const r = await row(page, 'raw_orders');
    const groups = r.locator('.impact-line .by-kind li');
    await groups.first().waitFor();
    assert.deepEqual(await groups.allTextContents(), ['view (3): fresh, revenue, revenue_weekly', 'model (2): orders, stg_orders']);
    await groups.getByRole('button', { name: 'revenue_weekly' }).click();
    await until('the rebuilt row', async () => (await page.evaluate(() => document.activeElement.dataset.node)) === 'revenue_weekly');
    assert.equal(await page.locator('#indirect').getAttribute('open'), '', 'the list of rebuilt nodes is opened');
    await page.locator('#indirect-list li[data-node="revenue_weekly"]').getByRole('button', { name: 'revenue', exact: true }).click();
    await until('the row of revenue', async () => (await page.evaluate(() => document.activeElement.dataset.node)) === 'revenue');
    await groups.getByRole('button', { name: 'stg_orders' }).click();
    await until('the row of stg_orders', async () => (await page.evaluate(() => document.activeElement.closest('details')?.dataset.node)) === 'stg_orders');
    assert.equal(await page.locator('details.change[data-node="stg_orders"]').getAttribute('open'), '', 'the row is opened');
    await done(s, 'grouped');
  },

  async 'plan: a picture of what a breaking change reaches'() {
    const s = await openPlan(await smallPlan());
    const r = await row(s.page, 'raw_orders');
    const svg = r.locator('svg.impact-svg[role="img"]');
    await svg.waitFor();
    assert.match(await svg.getAttribute('aria-label'), /^Impact of raw_orders: it reaches 5 nodes; the nearest 5 drawn in 4 levels\.$/);
    const names = await svg.locator('g.gnode text').allTextContents();
    assert.deepEqual([...names].sort(), ['fresh', 'orders', 'raw_orders', 'revenue', 'revenue_weekly', 'stg_orders']);
    assert.equal(await svg.locator('path.edge').count(), 5);
    assert.equal(await svg.locator('g.g-breaking').count(), 1, 'the breaking change stands out');
    const levels = await r.locator('.graph-levels li').allTextContents();
    assert.deepEqual(levels, ['Level 1: stg_orders (model, non-breaking)', 'Level 2: orders (model, rebuilt)',
      'Level 3: fresh (view, added), revenue (view, rebuilt)', 'Level 4: revenue_weekly (view, rebuilt)']);
    await done(s, 'graph');
  },

  async 'plan: focus after Show more and after Escape'() {
    const many = (kind) => Array.from({ length: 450 }, (_, i) => ({ name: `m_${String(i).padStart(3, '0')}`, kind }));
    const s = await openPlan(await promote('plan-many', many('model'), many('view')));
    const { page } = s;
    await page.locator('#plan-count').getByText('450 of 450 changes').waitFor();
    await page.click('#plan-more');
    assert.equal(await page.locator('details.change').count(), 400);
    assert.equal(await page.evaluate(() => document.activeElement.closest('details')?.dataset.node), 'm_200', 'the first new row has the focus');
    await page.keyboard.press('Enter');
    const opened = page.locator('details.change[data-node="m_200"]');
    await opened.getByText('model → view').waitFor();
    await page.locator('#plan-more').click();
    assert.equal(await page.evaluate(() => document.activeElement.closest('details')?.dataset.node), 'm_400');
    assert.equal(await page.locator('#plan-more').isHidden(), true, 'nothing more to show');
    assert.equal(await opened.getAttribute('open'), '', 'a row opened before Show more stays open');
    await opened.locator('summary').focus();
    await page.keyboard.press('Escape');
    assert.equal(await opened.getAttribute('open'), null, 'Escape closes the row');
    assert.equal(await page.evaluate(() => document.activeElement.closest('details')?.dataset.node), 'm_200', 'and leaves the focus on it');
    await done(s, 'show-more');
  },
};
