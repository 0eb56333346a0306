// The plan, grouped by category with breaking changes and the widest impact
// first. The server sends the plan a page at a time (no answer of it may pass the
// 6 MB AWS allows): the promotion's view carries the first page of the changes
// and of the unchanged nodes that must be rebuilt, and the rest comes from
// /promotions/{id}/plan. Search and the category filter are the server's (q and
// category), over the whole plan, the rebuilt nodes included; a search also
// asks the server about the node of exactly that name (?node=), and answers in
// words whether it changed, is rebuilt and by what, is not affected, or does
// not exist. Only a page of matches is drawn at a time, the next page is
// fetched ahead so "Show more" draws at once (and focuses the first row it
// drew), and a row's details are drawn when it is opened and on screen
// (plandetails.js), so thousands of changes, or "Expand all", stay fast. Every
// node name in an opened row is a button that shows that node's row: drawn
// already, it is opened; otherwise the plan is searched for it. Escape closes
// the row (or list) it is pressed in and puts the focus on its summary.
import { api } from './api.js';
import { h, replace } from './dom.js';
import { changeDetails } from './plandetails.js';
import { upstreamLines, nodeLinks, countText } from './impactlists.js';
import { planWalk } from './planwalk.js';

const order = ['BREAKING', 'REMOVED', 'NON_BREAKING', 'ADDED', 'METADATA'];
const titles = { BREAKING: 'Breaking', REMOVED: 'Removed', NON_BREAKING: 'Non-breaking', ADDED: 'Added', METADATA: 'Metadata only' };
const counts = { BREAKING: 'breaking', REMOVED: 'removed', NON_BREAKING: 'non_breaking', ADDED: 'added', METADATA: 'metadata' };
const pageSize = 200;
const releaseBatch = 10;
const planNodeBatch = 100;

// planSection draws a plan view; fetchPage(params) answers a page of it, or a
// question about its nodes (GET /promotions/{id}/plan?params). options.fetchRelease(id,
// params) answers GET /releases/{id}?params (the API by default).
export function planSection(plan, fetchPage, options = {}) {
  const fetchRelease = options.fetchRelease || ((id, params) => api('GET', `/releases/${encodeURIComponent(id)}?${params}`));
  const s = plan.summary;
  const total = order.reduce((n, c) => n + s[counts[c]], 0);
  const trimmed = new Set(plan.trimmed || []);
  const pageOf = async (params) => {
    const page = await fetchPage(params);
    for (const n of page.trimmed || []) trimmed.add(n);
    return page;
  };
  const planNode = batched(async (names) => {
    const answer = await fetchPage(names.map((n) => 'node=' + encodeURIComponent(n)).join('&'));
    return new Map(answer.nodes.map((n) => [n.node, n]));
  }, planNodeBatch);
  const releaseNode = (id) => batched(async (names) => {
    if (!id) return new Map();
    const r = await fetchRelease(id, names.map((n) => 'node=' + encodeURIComponent(n)).join('&'));
    const cut = new Set(r.trimmed || []);
    return new Map(r.nodes.map((n) => [n.name, { node: n, trimmed: cut.has(n.name) }]));
  }, releaseBatch);
  const ctx = {
    fetchPage,
    trimmed,
    walk: planWalk(fetchPage),
    kinds: (names) => Promise.all(names.map(async (n) => ({ node: n, kind: ((await planNode(n)) || {}).kind }))),
    baseNode: releaseNode(plan.base_release),
    candNode: releaseNode(plan.release),
    jump: (name) => jump(name),
    seen: onScreen(),
  };

  const search = h('input', { type: 'search', id: 'plan-search', placeholder: 'Node name: is it affected, and by what?', autocomplete: 'off', 'aria-controls': 'plan-list' });
  const category = h('select', { id: 'plan-category', 'aria-controls': 'plan-list' },
    h('option', { value: '' }, 'All categories'),
    order.map((c) => h('option', { value: c }, `${titles[c]} (${s[counts[c]]})`)));
  const answer = h('div', { id: 'plan-answer', class: 'answer', role: 'status', tabindex: -1 });
  const count = h('p', { id: 'plan-count', role: 'status' });
  const list = h('div', { id: 'plan-list' });
  const more = h('button', { type: 'button', id: 'plan-more', hidden: true, onclick: () => focusRow(changes.showMore()) });
  const setAll = (open) => list.querySelectorAll('details.change').forEach((d) => { d.open = open; });
  const groups = new Map();
  const rows = [];
  const changes = pager('changes', pageOf, { items: plan.changes, matched: total, next: plan.next_changes }, (from) => {
    if (from === 0) {
      ctx.seen.disconnect();
      list.replaceChildren();
      groups.clear();
      rows.length = 0;
    }
    const filtered = search.value.trim() !== '' || category.value !== '';
    for (const c of changes.shown().slice(from)) {
      if (!groups.has(c.category)) {
        const shown = h('span', { class: 'muted' });
        const ul = h('ul', { class: 'changes' });
        list.append(h('section', { class: 'plan-group cat-' + c.category.toLowerCase() }, h('h3', {}, titles[c.category] || c.category, ' ', shown), ul));
        groups.set(c.category, { shown, ul, n: 0 });
      }
      const g = groups.get(c.category);
      const row = changeItem(c, ctx);
      g.ul.append(h('li', {}, row));
      g.n++;
      rows.push(row);
    }
    for (const [cat, g] of groups) replace(g.shown, filtered ? `(${g.n} shown)` : `(${s[counts[cat]]})`);
    replace(count, `${changes.matched} of ${total} changes`);
    return rows[from];
  }, (n) => {
    more.hidden = n === 0;
    replace(more, `Show ${n} more`);
  });
  const rebuilt = indirectSection(plan, pageOf, ctx);
  let asked = 0;
  const ask = async (needle) => {
    const mine = ++asked;
    if (!needle) return replace(answer);
    const res = await fetchPage('node=' + encodeURIComponent(needle));
    if (mine === asked) replace(answer, sentence(res.nodes[0], ctx));
  };
  const filter = () => {
    const needle = search.value.trim();
    const cat = category.value;
    return Promise.all([changes.filter(needle, cat), rebuilt.filter(needle, cat), ask(needle)]);
  };
  const findRow = (name) => {
    const sel = `[data-node="${CSS.escape(name)}"]`;
    return list.querySelector('details.change' + sel) || (rebuilt.el && rebuilt.el.querySelector('li' + sel));
  };
  const jump = async (name) => {
    let row = findRow(name);
    if (!row) {
      search.value = name;
      await filter();
      row = findRow(name);
    }
    if (!row) return answer.focus();
    focusRow(row, true);
  };
  let pending = 0;
  search.addEventListener('input', () => {
    clearTimeout(pending);
    pending = setTimeout(filter, 80);
  });
  category.addEventListener('change', filter);
  changes.draw();
  const section = h('section', { class: 'card plan', 'aria-labelledby': 'plan-h', onkeydown: escape },
    h('h2', { id: 'plan-h' }, 'Plan'),
    h('p', { class: 'muted' }, `Against version ${plan.base_version}. Digest `, h('code', { id: 'plan-digest' }, plan.digest)),
    h('div', { class: 'filters' }, h('label', { for: 'plan-search' }, 'Search'), search, h('label', { for: 'plan-category' }, 'Category'), category),
    answer,
    h('div', { class: 'plan-tools' }, count,
      h('button', { type: 'button', id: 'plan-expand', onclick: () => setAll(true) }, 'Expand all'),
      h('button', { type: 'button', id: 'plan-collapse', onclick: () => setAll(false) }, 'Collapse all')),
    list, h('div', { class: 'more' }, more), rebuilt.el);
  return section;
}

// focusRow puts the focus on a row (a change's summary, or a rebuilt node),
// opening it when open is set, and marks it as the one jumped to.
function focusRow(row, open) {
  if (!row) return;
  document.querySelectorAll('.plan .jumped').forEach((r) => r.classList.remove('jumped'));
  if (row.tagName === 'DETAILS') {
    if (open) row.open = true;
    row.classList.add('jumped');
    row.querySelector('summary').focus();
  } else {
    row.closest('details').open = true;
    row.classList.add('jumped');
    row.focus();
  }
  row.scrollIntoView({ block: 'nearest' });
}

// escape closes the innermost open row or list Escape is pressed in and focuses
// its summary.
function escape(ev) {
  if (ev.key !== 'Escape') return;
  const open = ev.target.closest('details[open]');
  if (!open) return;
  ev.preventDefault();
  open.open = false;
  open.querySelector(':scope > summary').focus();
}

// sentence answers "is this node affected, and by what" (wire.PlanNode).
function sentence(n, ctx) {
  const name = h('strong', {}, n.node);
  const show = h('button', { type: 'button', class: 'link', onclick: () => ctx.jump(n.node) }, 'Show its row');
  const reachedBy = n.impacted_by_count ? [`${countText(n.impacted_by_count, n.impacted_by_count_exact)} breaking change${n.impacted_by_count === 1 ? '' : 's'}: `,
    nodeLinks(n.impacted_by, ctx.jump), n.impacted_by_count > n.impacted_by.length ? ' and more' : '',
    ', via ', nodeLinks(n.via, ctx.jump), n.via_count > n.via.length ? ` and ${n.via_count - n.via.length} more` : ''] : '';
  switch (n.affected) {
    case 'changed':
      return h('p', { class: 'affected-changed' }, name, ` is changed: ${titles[n.category].toLowerCase()}`,
        n.impacted_count ? `, and ${countText(n.impacted_count, n.impacted_count_exact)} node${n.impacted_count === 1 ? '' : 's'} downstream must be rebuilt` : '',
        n.impacted_by_count ? ['; it is also reached by ', reachedBy] : '', '. ', show);
    case 'rebuilt':
      return h('p', { class: 'affected-rebuilt' }, name, ' is not changed but must be rebuilt: it is reached by ', reachedBy, '. ', show);
    case 'unaffected':
      return h('p', { class: 'affected-not' }, name, ' is not affected by this plan: it is unchanged and no breaking change reaches it.');
    default:
      return h('p', { class: 'affected-missing' }, 'There is no node named ', name, ' in this release or the live one.');
  }
}

// pager keeps the loaded part of one of the plan's lists under the current
// filter: what is drawn (shown), the next page fetched ahead of "Show more", and
// a new first page from the server when the filter changes. draw(from) draws
// the shown items from index from on (0: all, anew) and returns the first it
// drew; moreButton(n) says how many "Show more" would add, alone, so a page
// fetched ahead leaves the opened rows as they are.
function pager(listName, fetchPage, first, draw, moreButton) {
  let items = first.items || [];
  let next = first.next || 0;
  let limit = pageSize;
  let query = { q: '', category: '' };
  let generation = 0;
  let fetching = false;
  const more = () => Math.max(0, Math.min(pageSize, items.length - limit));
  const p = {
    matched: first.matched,
    shown: () => items.slice(0, limit),
    draw: (from = 0) => {
      const drawn = draw(from);
      moreButton(more());
      ahead();
      return drawn;
    },
    showMore: () => {
      const from = Math.min(limit, items.length);
      limit += pageSize;
      return p.draw(from);
    },
    filter: async (q, category) => {
      const gen = ++generation;
      query = { q, category };
      const page = await fetchPage(params(listName, 0, query));
      if (gen !== generation) return;
      items = page[listName] || [];
      next = page.next_offset || 0;
      p.matched = page.matched;
      limit = pageSize;
      p.draw();
    },
  };
  // ahead fetches the page after what is loaded while fewer than a page wait
  // behind what is shown.
  const ahead = async () => {
    if (fetching || !next || items.length - limit >= pageSize) return;
    const gen = generation;
    fetching = true;
    let page;
    try {
      page = await fetchPage(params(listName, next, query));
    } finally {
      fetching = false;
    }
    if (gen === generation) {
      items = items.concat(page[listName] || []);
      next = page.next_offset || 0;
      moreButton(more());
    }
    ahead();
  };
  return p;
}

function params(list, offset, query) {
  const q = new URLSearchParams({ list, offset: String(offset), limit: String(pageSize) });
  if (query.q) q.set('q', query.q);
  if (query.category) q.set('category', query.category);
  return q.toString();
}

// batched gathers the names asked for in one turn of the event loop and asks
// fetchMany for them size at a time; fetchMany(names) answers a Map of name →
// value. Each name is asked once; one not in the answer is null.
function batched(fetchMany, size) {
  const asked = new Map();
  let queue = [];
  const flush = () => {
    const names = queue;
    queue = [];
    for (let i = 0; i < names.length; i += size) {
      const chunk = names.slice(i, i + size);
      const got = fetchMany(chunk);
      for (const n of chunk) asked.get(n).settle(got.then((m) => m.get(n) || null));
    }
  };
  return (name) => {
    if (!asked.has(name)) {
      let settle;
      const answer = new Promise((resolve) => { settle = resolve; });
      answer.settle = settle;
      asked.set(name, answer);
      if (queue.length === 0) setTimeout(flush, 0);
      queue.push(name);
    }
    return asked.get(name);
  };
}

// onScreen calls an element's fill() once it is near the screen: rows' details
// are drawn when a row is open and near the screen, so opening them all costs
// only what is looked at.
function onScreen() {
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      seen.unobserve(e.target);
      e.target.fill();
    }
  }, { rootMargin: '300px' });
  return seen;
}

function changeItem(c, ctx) {
  const body = h('div', { class: 'change-body' });
  body.fill = () => body.append(...changeDetails(c, ctx));
  const item = h('details', { class: 'change', 'data-node': c.node, ontoggle: () => {
    if (item.open && !body.firstChild) ctx.seen.observe(body);
  } },
  h('summary', {}, h('span', { class: 'node' }, c.node), ' ', h('span', { class: 'kind muted' }, c.kind),
    c.impacted_count ? h('span', { class: 'impact' }, ` · impacts ${countText(c.impacted_count, c.impacted_count_exact)}`) : '',
    c.impacted_by_count ? h('span', { class: 'impacted-by' }, ` · impacted by ${countText(c.impacted_by_count, c.impacted_by_count_exact)} breaking`) : ''),
  body);
  return item;
}

// indirectSection lists the unchanged nodes that must be rebuilt, each with what
// reaches it; filter(needle, category) shows those whose name contains needle,
// none when a category is chosen (they have none), and opens the list when a
// search finds some.
function indirectSection(plan, fetchPage, ctx) {
  const total = plan.summary.indirect;
  if (!total) return { el: null, filter: () => {} };
  const title = h('summary', {});
  const count = h('p', { id: 'indirect-count', role: 'status' });
  const list = h('ul', { id: 'indirect-list', class: 'indirect-list' });
  const more = h('button', { type: 'button', id: 'indirect-more', hidden: true, onclick: () => focusRow(rebuilt.showMore()) });
  const el = h('details', { class: 'indirect', id: 'indirect' }, title, count, list, h('div', { class: 'more' }, more));
  replace(title, `${total} unchanged nodes must be rebuilt (indirect impact)`);
  let searched = false;
  const rebuilt = pager('indirect', fetchPage, { items: plan.indirect, matched: total, next: plan.next_indirect }, (from) => {
    if (from === 0) list.replaceChildren();
    const fresh = rebuilt.shown().slice(from).map((u) => h('li', { class: 'indirect-node', 'data-node': u.node, tabindex: -1 },
      h('span', { class: 'node' }, u.node), ' ', h('span', { class: 'kind muted' }, u.kind), ...upstreamLines(u, ctx)));
    list.append(...fresh);
    replace(count, `${rebuilt.matched} of ${total} unchanged nodes rebuilt`);
    if (from === 0) el.open = searched && rebuilt.matched > 0;
    return fresh[0];
  }, (n) => {
    more.hidden = n === 0;
    replace(more, `Show ${n} more`);
  });
  rebuilt.draw();
  return {
    el,
    filter(needle, category) {
      searched = Boolean(needle);
      return rebuilt.filter(needle, category);
    },
  };
}
