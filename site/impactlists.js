// The plan's lists of names: what a breaking change makes rebuild (grouped by
// kind), the breaking changes that reach a node and the dependencies they come
// through. Every name is a button that shows the node's row (jump). The plan
// lists the first 20 names of an impact, with a count that may be a lower
// bound; "List all" walks the whole plan (planwalk.js) to list it in full,
// grouped by kind, at most maxAllListed names drawn.
import { h } from './dom.js';

const maxAllListed = 1000;

export function countText(n, exact) {
  return exact === false ? `at least ${n}` : String(n);
}

// nodeLinks writes names as buttons separated by commas.
export function nodeLinks(names, jump) {
  return names.map((n, i) => [i ? ', ' : '', h('button', { type: 'button', class: 'link node-link', onclick: () => jump(n) }, n)]);
}

// byKind groups {node, kind} entries by kind, the largest group first, and
// writes each group's names; counted says each group is complete, so its
// count is shown. At most cap names are drawn in all.
function byKind(entries, jump, counted, cap = Infinity) {
  const groups = new Map();
  for (const e of entries) {
    const kind = e.kind || 'unknown kind';
    if (!groups.has(kind)) groups.set(kind, []);
    groups.get(kind).push(e.node);
  }
  let left = cap;
  return h('ul', { class: 'by-kind' }, [...groups].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([kind, names]) => {
    const shown = names.slice(0, Math.max(0, left));
    left -= shown.length;
    return h('li', {}, h('span', { class: 'kind-label' }, counted ? `${kind} (${names.length})` : kind), ': ',
      nodeLinks(shown, jump), names.length > shown.length ? ` and ${names.length - shown.length} more` : '');
  }));
}

// downstreamLine is what a breaking change makes rebuild: its first names
// grouped by kind (kinds(names) answers them), and the rest on request.
export function downstreamLine(c, ctx) {
  const more = c.impacted_count - c.impacted.length;
  const partial = more > 0 || c.impacted_count_exact === false;
  const groups = h('div', { class: 'groups' }, h('p', { class: 'muted' }, 'Loading kinds…'));
  const note = h('span', {}, partial ? `, the first ${c.impacted.length} by name, by kind; ` : ', by kind',
    c.impacted_count_exact === false ? 'and more' : more > 0 ? `and ${more} more` : '');
  const head = h('p', { class: 'impact-head' }, h('strong', {}, `Must rebuild downstream (${countText(c.impacted_count, c.impacted_count_exact)})`),
    note, partial ? [' ', listAll(() => ctx.walk.downstream(c.node), groups, ctx.jump, note)] : '');
  ctx.kinds(c.impacted).then((entries) => groups.replaceChildren(byKind(entries, ctx.jump, !partial)));
  return h('div', { class: 'impact-line' }, head, groups);
}

// upstreamLines say which breaking changes reach a node, and through which of
// its dependencies.
export function upstreamLines(u, ctx) {
  const more = u.impacted_by_count - u.impacted_by.length;
  const partial = more > 0 || u.impacted_by_count_exact === false;
  const all = h('div', { class: 'groups' });
  return [
    h('div', { class: 'impact-line' },
      h('p', {}, h('strong', {}, `Impacted by breaking (${countText(u.impacted_by_count, u.impacted_by_count_exact)}): `),
        nodeLinks(u.impacted_by, ctx.jump), u.impacted_by_count_exact === false ? ' and more' : more > 0 ? ` and ${more} more` : '',
        partial ? [' ', listAll(() => ctx.walk.breakingUpstream(u.node), all, ctx.jump)] : ''),
      all),
    h('p', { class: 'via' }, h('strong', {}, 'Via: '), nodeLinks(u.via || [], ctx.jump)),
  ];
}

// listAll is a button that, clicked, lists the whole set into where, by kind,
// and then gives way to a heading that counts it (as does stale, what said
// the list was partial, when given).
function listAll(find, where, jump, stale) {
  const button = h('button', { type: 'button', class: 'link list-all', onclick: async () => {
    button.disabled = true;
    const found = await find();
    const heading = h('strong', { class: 'all', tabindex: -1 }, `All ${found.length}, by kind`);
    button.replaceWith(heading);
    if (stale) stale.replaceWith(': ');
    where.replaceChildren(byKind(found, jump, true, maxAllListed));
    heading.focus();
  } }, 'List all');
  return button;
}
