// The plan, grouped by category with breaking changes and the widest impact
// first. Search and the category filter work on the whole plan, the unchanged
// nodes that must be rebuilt included, so searching a node's name answers "is it
// affected, and by what"; only a page of matches is drawn at a time, and a
// change's details are drawn when it is opened, so thousands of changes stay fast.
// The plan lists at most the first 20 names of an impact, with a count that may be
// a lower bound; "List all" walks the plan's via edges to list an impact in full.
import { h, replace } from './dom.js';

const order = ['BREAKING', 'REMOVED', 'NON_BREAKING', 'ADDED', 'METADATA'];
const titles = { BREAKING: 'Breaking', REMOVED: 'Removed', NON_BREAKING: 'Non-breaking', ADDED: 'Added', METADATA: 'Metadata only' };
const pageSize = 200;
const maxAllListed = 1000;

export function planSection(plan) {
  const changes = [...plan.changes].sort((a, b) =>
    order.indexOf(a.category) - order.indexOf(b.category) || b.impacted_count - a.impacted_count || (a.node < b.node ? -1 : 1));
  const indirect = plan.indirect || [];
  const graph = impactGraph(plan);
  const search = h('input', { type: 'search', id: 'plan-search', placeholder: 'Filter by node name', autocomplete: 'off', 'aria-controls': 'plan-list' });
  const category = h('select', { id: 'plan-category', 'aria-controls': 'plan-list' },
    h('option', { value: '' }, 'All categories'),
    order.map((c) => h('option', { value: c }, `${titles[c]} (${changes.filter((x) => x.category === c).length})`)));
  const count = h('p', { id: 'plan-count', role: 'status' });
  const list = h('div', { id: 'plan-list' });
  const rebuilt = indirectSection(indirect, graph);
  let shown = pageSize;
  let matches = changes;

  const draw = () => {
    replace(count, `${matches.length} of ${changes.length} changes`);
    const groups = new Map();
    for (const c of matches.slice(0, shown)) {
      if (!groups.has(c.category)) groups.set(c.category, []);
      groups.get(c.category).push(c);
    }
    replace(list, [...groups].map(([cat, items]) => h('section', { class: 'plan-group cat-' + cat.toLowerCase() },
      h('h3', {}, titles[cat] || cat, ' ', h('span', { class: 'muted' }, `(${matches.filter((x) => x.category === cat).length})`)),
      h('ul', { class: 'changes' }, items.map((c) => changeItem(c, graph))))));
    if (matches.length > shown) {
      list.append(h('button', { type: 'button', id: 'plan-more', onclick: () => { shown += pageSize; draw(); } },
        `Show ${Math.min(pageSize, matches.length - shown)} more`));
    }
  };
  const filter = () => {
    const needle = search.value.trim().toLowerCase();
    const cat = category.value;
    matches = changes.filter((c) => (!cat || c.category === cat) && (!needle || c.node.toLowerCase().includes(needle)));
    shown = pageSize;
    draw();
    rebuilt.filter(cat ? null : needle);
  };
  let pending = 0;
  search.addEventListener('input', () => {
    clearTimeout(pending);
    pending = setTimeout(filter, 80);
  });
  category.addEventListener('change', filter);
  draw();
  return h('section', { class: 'card plan', 'aria-labelledby': 'plan-h' },
    h('h2', { id: 'plan-h' }, 'Plan'),
    h('p', { class: 'muted' }, `Against version ${plan.base_version}. Digest `, h('code', { id: 'plan-digest' }, plan.digest)),
    h('div', { class: 'filters' }, h('label', { for: 'plan-search' }, 'Search'), search, h('label', { for: 'plan-category' }, 'Category'), category),
    count, list, rebuilt.el);
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
    line.append(' ', h('button', { type: 'button', class: 'link list-all', onclick: (e) => {
      const found = all();
      const shown = found.slice(0, maxAllListed);
      e.target.replaceWith(h('span', { class: 'all' }, h('strong', {}, `All ${found.length}: `), shown.join(', '),
        found.length > shown.length ? ` and ${found.length - shown.length} more` : ''));
    } }, 'List all'));
  }
  return line;
}

function countText(n, exact) {
  return exact === false ? `at least ${n}` : String(n);
}

// indirectSection lists the unchanged nodes that must be rebuilt, each with what
// reaches it; filter(needle) shows those whose name contains needle (all when it
// is empty, none when null: a category filter is on).
function indirectSection(entries, graph) {
  if (entries.length === 0) return { el: null, filter: () => {} };
  const title = h('summary', {});
  const count = h('p', { id: 'indirect-count', role: 'status' });
  const list = h('ul', { id: 'indirect-list', class: 'indirect-list' });
  const el = h('details', { class: 'indirect', id: 'indirect' }, title, count, list);
  replace(title, `${entries.length} unchanged nodes must be rebuilt (indirect impact)`);
  let matches = entries;
  let shown = pageSize;
  const draw = () => {
    replace(count, `${matches.length} of ${entries.length} unchanged nodes rebuilt`);
    replace(list, matches.slice(0, shown).map((u) => h('li', { class: 'indirect-node' },
      h('span', { class: 'node' }, u.node), ' ', h('span', { class: 'kind muted' }, u.kind), ...upstreamLines(u, graph))));
    if (matches.length > shown) {
      list.append(h('li', {}, h('button', { type: 'button', id: 'indirect-more', onclick: () => { shown += pageSize; draw(); } },
        `Show ${Math.min(pageSize, matches.length - shown)} more`)));
    }
  };
  draw();
  return {
    el,
    filter(needle) {
      matches = needle === null ? [] : entries.filter((u) => !needle || u.node.toLowerCase().includes(needle));
      shown = pageSize;
      el.open = Boolean(needle) && matches.length > 0;
      draw();
    },
  };
}

// impactGraph indexes the plan's via edges (each impacted node and the
// dependencies its impact arrives through) to walk an impact in full.
function impactGraph(plan) {
  let via = null;
  let below = null;
  const breaking = new Set(plan.changes.filter((c) => c.category === 'BREAKING').map((c) => c.node));
  const index = () => {
    if (via) return;
    via = new Map();
    below = new Map();
    for (const u of [...plan.changes, ...(plan.indirect || [])]) {
      if (!u.via || u.via.length === 0) continue;
      via.set(u.node, u.via);
      for (const p of u.via) {
        if (!below.has(p)) below.set(p, []);
        below.get(p).push(u.node);
      }
    }
  };
  const walk = (start, down) => {
    index();
    const next = down ? below : via;
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
    return queue.slice(1).sort();
  };
  return {
    downstream: (node) => walk(node, true),
    breakingUpstream: (node) => walk(node, false).filter((n) => breaking.has(n)),
  };
}
