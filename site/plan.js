// The plan, grouped by category with breaking changes and the widest impact
// first. The server sends the plan a page at a time (no answer of it may pass the
// 6 MB AWS allows): the promotion's view carries the first page of the changes
// and of the unchanged nodes that must be rebuilt, and the rest comes from
// /promotions/{id}/plan. Search and the category filter are the server's (q and
// category), over the whole plan, the rebuilt nodes included, so searching a
// node's name answers "is it affected, and by what"; only a page of matches is
// drawn at a time, the next page is fetched ahead so "Show more" draws at once,
// and a change's details are drawn when it is opened, so thousands of changes
// stay fast. The plan lists at most the first 20 names of an impact, with a
// count that may be a lower bound; "List all" fetches every page once and walks
// the plan's via edges to list an impact in full.
import { h, replace } from './dom.js';

const order = ['BREAKING', 'REMOVED', 'NON_BREAKING', 'ADDED', 'METADATA'];
const titles = { BREAKING: 'Breaking', REMOVED: 'Removed', NON_BREAKING: 'Non-breaking', ADDED: 'Added', METADATA: 'Metadata only' };
const counts = { BREAKING: 'breaking', REMOVED: 'removed', NON_BREAKING: 'non_breaking', ADDED: 'added', METADATA: 'metadata' };
const pageSize = 200;
const allPageSize = 1000;
const maxAllListed = 1000;

// planSection draws a plan view; fetchPage(params) answers a page of it
// (GET /promotions/{id}/plan?params).
export function planSection(plan, fetchPage) {
  const s = plan.summary;
  const total = order.reduce((n, c) => n + s[counts[c]], 0);
  const graph = impactGraph(fetchPage);
  // Changes too large for a page come without their details (trimmed).
  graph.trimmed = new Set(plan.trimmed || []);
  const pageOf = async (params) => {
    const page = await fetchPage(params);
    for (const n of page.trimmed || []) graph.trimmed.add(n);
    return page;
  };
  const search = h('input', { type: 'search', id: 'plan-search', placeholder: 'Filter by node name', autocomplete: 'off', 'aria-controls': 'plan-list' });
  const category = h('select', { id: 'plan-category', 'aria-controls': 'plan-list' },
    h('option', { value: '' }, 'All categories'),
    order.map((c) => h('option', { value: c }, `${titles[c]} (${s[counts[c]]})`)));
  const count = h('p', { id: 'plan-count', role: 'status' });
  const list = h('div', { id: 'plan-list' });
  const moreHolder = h('div', { class: 'more' });
  const changes = pager('changes', pageOf, { items: plan.changes, matched: total, next: plan.next_changes }, () => {
    replace(count, `${changes.matched} of ${total} changes`);
    const groups = new Map();
    for (const c of changes.shown()) {
      if (!groups.has(c.category)) groups.set(c.category, []);
      groups.get(c.category).push(c);
    }
    const filtered = search.value.trim() !== '' || category.value !== '';
    replace(list, [...groups].map(([cat, items]) => h('section', { class: 'plan-group cat-' + cat.toLowerCase() },
      h('h3', {}, titles[cat] || cat, ' ', h('span', { class: 'muted' }, filtered ? `(${items.length} shown)` : `(${s[counts[cat]]})`)),
      h('ul', { class: 'changes' }, items.map((c) => changeItem(c, graph))))));
  }, (n) => replace(moreHolder, n > 0 ? h('button', { type: 'button', id: 'plan-more', onclick: () => changes.showMore() }, `Show ${n} more`) : null));
  const rebuilt = indirectSection(plan, fetchPage, graph);
  const filter = () => {
    const needle = search.value.trim();
    const cat = category.value;
    changes.filter(needle, cat);
    rebuilt.filter(needle, cat);
  };
  let pending = 0;
  search.addEventListener('input', () => {
    clearTimeout(pending);
    pending = setTimeout(filter, 80);
  });
  category.addEventListener('change', filter);
  changes.draw();
  return h('section', { class: 'card plan', 'aria-labelledby': 'plan-h' },
    h('h2', { id: 'plan-h' }, 'Plan'),
    h('p', { class: 'muted' }, `Against version ${plan.base_version}. Digest `, h('code', { id: 'plan-digest' }, plan.digest)),
    h('div', { class: 'filters' }, h('label', { for: 'plan-search' }, 'Search'), search, h('label', { for: 'plan-category' }, 'Category'), category),
    count, list, moreHolder, rebuilt.el);
}

// pager keeps the loaded part of one of the plan's lists under the current
// filter: what is drawn (shown), the next page fetched ahead of "Show more", and
// a new first page from the server when the filter changes. redraw draws what
// is shown; moreButton(n) draws the button for n more (none when 0) alone, so a
// page fetched ahead leaves the opened changes as they are.
function pager(listName, fetchPage, first, redraw, moreButton) {
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
    draw: () => {
      redraw();
      moreButton(more());
      ahead();
    },
    showMore: () => {
      limit += pageSize;
      p.draw();
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

function changeItem(c, graph) {
  const body = h('div', { class: 'change-body' });
  const item = h('details', { class: 'change', ontoggle: () => { if (item.open && !body.firstChild) body.append(...details(c, graph)); } },
    h('summary', {}, h('span', { class: 'node' }, c.node), ' ', h('span', { class: 'kind muted' }, c.kind),
      c.impacted_count ? h('span', { class: 'impact' }, ` · impacts ${countText(c.impacted_count, c.impacted_count_exact)}`) : '',
      c.impacted_by_count ? h('span', { class: 'impacted-by' }, ` · impacted by ${countText(c.impacted_by_count, c.impacted_by_count_exact)} breaking`) : ''),
    body);
  return h('li', {}, item);
}

function details(c, graph) {
  const d = c.details || {};
  const cols = (list) => list.map((x) => `${x.name} ${x.type || ''}`.trim()).join(', ');
  const rows = [];
  if (d.kind_changed) rows.push(['Kind', `${d.kind_changed.from} → ${d.kind_changed.to}`]);
  if (d.columns_removed) rows.push(['Columns removed', cols(d.columns_removed)]);
  if (d.columns_retyped) rows.push(['Columns retyped', d.columns_retyped.map((r) => `${r.name}: ${r.from} → ${r.to}`).join(', ')]);
  if (d.columns_added) rows.push(['Columns added', cols(d.columns_added)]);
  if (d.spec_keys_changed) rows.push(['Spec keys changed', d.spec_keys_changed.join(', ')]);
  else if (d.spec_changed) rows.push(['Spec', 'changed']);
  if (d.depends_on_added) rows.push(['Depends on, added', d.depends_on_added.join(', ')]);
  if (d.depends_on_removed) rows.push(['Depends on, removed', d.depends_on_removed.join(', ')]);
  if (d.metadata_keys_changed) rows.push(['Metadata keys changed', d.metadata_keys_changed.join(', ')]);
  if (d.fingerprint_changed && rows.length === 0) rows.push(['Fingerprint', 'changed']);
  if (graph.trimmed.has(c.node)) rows.push(['Details', 'too large to send (over 2 MiB alone): left out']);
  const out = [h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))];
  if (c.impacted_count) {
    out.push(impactLine('Must rebuild downstream', c.impacted, c.impacted_count, c.impacted_count_exact,
      () => graph.downstream(c.node)));
  }
  if (c.impacted_by_count) out.push(...upstreamLines(c, graph));
  return out;
}

// upstreamLines says which breaking changes reach a node, and through which of
// its dependencies.
function upstreamLines(u, graph) {
  return [
    impactLine('Impacted by breaking', u.impacted_by, u.impacted_by_count, u.impacted_by_count_exact, () => graph.breakingUpstream(u.node)),
    h('p', { class: 'via' }, h('strong', {}, 'Via: '), (u.via || []).join(', ')),
  ];
}

// impactLine writes a capped list with its count; when the list is not the whole
// set, a button lists the set in full, computed from the plan's via edges.
function impactLine(label, names, total, exact, all) {
  const more = total - names.length;
  const line = h('p', { class: 'impact-line' }, h('strong', {}, `${label} (${countText(total, exact)}): `), names.join(', '),
    !exact ? ' and more' : more > 0 ? ` and ${more} more` : '');
  if (more > 0 || !exact) {
    line.append(' ', h('button', { type: 'button', class: 'link list-all', onclick: async (e) => {
      const button = e.target;
      button.disabled = true;
      const found = await all();
      const shown = found.slice(0, maxAllListed);
      button.replaceWith(h('span', { class: 'all' }, h('strong', {}, `All ${found.length}: `), shown.join(', '),
        found.length > shown.length ? ` and ${found.length - shown.length} more` : ''));
    } }, 'List all'));
  }
  return line;
}

function countText(n, exact) {
  return exact === false ? `at least ${n}` : String(n);
}

// indirectSection lists the unchanged nodes that must be rebuilt, each with what
// reaches it; filter(needle, category) shows those whose name contains needle,
// none when a category is chosen (they have none), and opens the list when a
// search finds some.
function indirectSection(plan, fetchPage, graph) {
  const total = plan.summary.indirect;
  if (!total) return { el: null, filter: () => {} };
  const title = h('summary', {});
  const count = h('p', { id: 'indirect-count', role: 'status' });
  const list = h('ul', { id: 'indirect-list', class: 'indirect-list' });
  const moreHolder = h('div', { class: 'more' });
  const el = h('details', { class: 'indirect', id: 'indirect' }, title, count, list, moreHolder);
  replace(title, `${total} unchanged nodes must be rebuilt (indirect impact)`);
  let searched = false;
  const rebuilt = pager('indirect', fetchPage, { items: plan.indirect, matched: total, next: plan.next_indirect }, () => {
    replace(count, `${rebuilt.matched} of ${total} unchanged nodes rebuilt`);
    replace(list, rebuilt.shown().map((u) => h('li', { class: 'indirect-node' },
      h('span', { class: 'node' }, u.node), ' ', h('span', { class: 'kind muted' }, u.kind), ...upstreamLines(u, graph))));
    el.open = searched && rebuilt.matched > 0;
  }, (n) => replace(moreHolder, n > 0 ? h('button', { type: 'button', id: 'indirect-more', onclick: () => rebuilt.showMore() },
    `Show ${n} more`) : null));
  rebuilt.draw();
  return {
    el,
    filter(needle, category) {
      searched = Boolean(needle);
      rebuilt.filter(needle, category);
    },
  };
}

// impactGraph indexes the plan's via edges (each impacted node and the
// dependencies its impact arrives through) to walk an impact in full; the first
// walk fetches every page of the plan, once.
function impactGraph(fetchPage) {
  let loading = null;
  const all = async (list) => {
    const out = [];
    for (let offset = 0; ;) {
      const q = new URLSearchParams({ list, offset: String(offset), limit: String(allPageSize) });
      const page = await fetchPage(q.toString());
      out.push(...(page[list] || []));
      if (!page.next_offset) return out;
      offset = page.next_offset;
    }
  };
  const index = () => {
    loading = loading || (async () => {
      const [changes, indirect] = await Promise.all([all('changes'), all('indirect')]);
      const via = new Map();
      const below = new Map();
      const breaking = new Set(changes.filter((c) => c.category === 'BREAKING').map((c) => c.node));
      for (const u of [...changes, ...indirect]) {
        if (!u.via || u.via.length === 0) continue;
        via.set(u.node, u.via);
        for (const p of u.via) {
          if (!below.has(p)) below.set(p, []);
          below.get(p).push(u.node);
        }
      }
      return { via, below, breaking };
    })();
    return loading;
  };
  const walk = async (start, down) => {
    const g = await index();
    const next = down ? g.below : g.via;
    const seen = new Set([start]);
    const queue = [start];
    for (let k = 0; k < queue.length; k++) {
      for (const t of next.get(queue[k]) || []) {
        if (!seen.has(t)) {
          seen.add(t);
          queue.push(t);
        }
      }
    }
    return { found: queue.slice(1).sort(), breaking: g.breaking };
  };
  return {
    downstream: async (node) => (await walk(node, true)).found,
    breakingUpstream: async (node) => {
      const { found, breaking } = await walk(node, false);
      return found.filter((n) => breaking.has(n));
    },
  };
}
