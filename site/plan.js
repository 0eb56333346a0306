// The plan, grouped by category with breaking changes and the widest impact
// first. Search and the category filter work on the whole plan; only a page of
// matching changes is drawn at a time, and a change's details are drawn when it
// is opened, so thousands of changes stay fast.
import { h, replace } from './dom.js';

const order = ['BREAKING', 'REMOVED', 'NON_BREAKING', 'ADDED', 'METADATA'];
const titles = { BREAKING: 'Breaking', REMOVED: 'Removed', NON_BREAKING: 'Non-breaking', ADDED: 'Added', METADATA: 'Metadata only' };
const pageSize = 200;

export function planSection(plan) {
  const changes = [...plan.changes].sort((a, b) =>
    order.indexOf(a.category) - order.indexOf(b.category) || b.impacted_count - a.impacted_count || (a.node < b.node ? -1 : 1));
  const search = h('input', { type: 'search', id: 'plan-search', placeholder: 'Filter by node name', autocomplete: 'off', 'aria-controls': 'plan-list' });
  const category = h('select', { id: 'plan-category', 'aria-controls': 'plan-list' },
    h('option', { value: '' }, 'All categories'),
    order.map((c) => h('option', { value: c }, `${titles[c]} (${changes.filter((x) => x.category === c).length})`)));
  const count = h('p', { id: 'plan-count', role: 'status' });
  const list = h('div', { id: 'plan-list' });
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
      h('ul', { class: 'changes' }, items.map(changeItem)))));
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
    count, list, indirect(plan.indirect || []));
}

function changeItem(c) {
  const body = h('div', { class: 'change-body' });
  const item = h('details', { class: 'change', ontoggle: () => { if (item.open && !body.firstChild) body.append(...details(c)); } },
    h('summary', {}, h('span', { class: 'node' }, c.node), ' ', h('span', { class: 'kind muted' }, c.kind),
      c.impacted_count ? h('span', { class: 'impact' }, ` · impacts ${c.impacted_count}`) : ''),
    body);
  return h('li', {}, item);
}

function details(c) {
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
    const more = c.impacted_count - c.impacted.length;
    out.push(h('p', {}, h('strong', {}, `Must rebuild downstream (${c.impacted_count}): `), c.impacted.join(', '), more > 0 ? ` and ${more} more` : ''));
  }
  return out;
}

function indirect(names) {
  if (names.length === 0) return null;
  return h('details', { class: 'indirect' }, h('summary', {}, `${names.length} unchanged nodes must be rebuilt (indirect impact)`),
    h('p', {}, names.join(', ')));
}
