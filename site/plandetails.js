// What an opened row of the plan shows: what changed in the node (kind, a table
// of its column changes, its dependencies, and its spec and metadata values
// before → after, with a line diff for code), the whole content of an added or
// removed node, and its impact (grouped lists, and a picture for a breaking
// change). The values are not in the plan: they are fetched from the live and
// the candidate release when the row is opened (ctx.baseNode, ctx.candNode).
import { h, facts } from './dom.js';
import { diffView, maxLines, maxEdits } from './diff.js';
import { impactPicture, drawnNodes } from './impactgraph.js';
import { downstreamLine, upstreamLines, nodeLinks } from './impactlists.js';

const maxShownLines = 400;

// changeDetails is the body of change c's row.
export function changeDetails(c, ctx) {
  const d = c.details || {};
  const rows = [];
  if (d.kind_changed) rows.push(['Kind', `${d.kind_changed.from} → ${d.kind_changed.to}`]);
  if (d.depends_on_added) rows.push(['Depends on, added', nodeLinks(d.depends_on_added, ctx.jump)]);
  if (d.depends_on_removed) rows.push(['Depends on, removed', nodeLinks(d.depends_on_removed, ctx.jump)]);
  if (d.fingerprint_changed && !d.spec_changed && !d.kind_changed && !d.columns_added && !d.columns_removed && !d.columns_retyped &&
    !d.depends_on_added && !d.depends_on_removed) rows.push(['Fingerprint', 'changed: the content differs in a way the release does not show']);
  if (ctx.trimmed.has(c.node)) rows.push(['Details', 'too large to send (over 2 MiB alone): left out']);
  const out = [];
  if (rows.length) out.push(facts(rows));
  out.push(columnsTable(d));
  if (c.category === 'ADDED' || c.category === 'REMOVED') out.push(wholeNode(c, ctx));
  else if (d.spec_changed || d.metadata_keys_changed) out.push(valueChanges(c, ctx));
  if (c.impacted_count) out.push(downstreamLine(c, ctx));
  if (c.category === 'BREAKING' && c.impacted_count) out.push(picture(c, ctx));
  if (c.impacted_by_count) out.push(...upstreamLines(c, ctx));
  return out.filter(Boolean);
}


function columnsTable(d) {
  const rows = [
    ...(d.columns_removed || []).map((c) => [c.name, 'removed', typeText(c.type), '–']),
    ...(d.columns_retyped || []).map((c) => [c.name, 'retyped', typeText(c.from), typeText(c.to)]),
    ...(d.columns_added || []).map((c) => [c.name, 'added', '–', typeText(c.type)]),
  ];
  if (!rows.length) return null;
  return h('div', { class: 'scroll' }, h('table', { class: 'columns-table' },
    h('caption', {}, 'Column changes'),
    h('thead', {}, h('tr', {}, ['Column', 'Change', 'Before', 'After'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map(([name, what, before, after]) => h('tr', { class: 'col-' + what },
      h('th', { scope: 'row' }, h('code', {}, name)), h('td', {}, what), h('td', {}, before), h('td', {}, after))))));
}

const typeText = (t) => t || '(no type)';

// loading fills a placeholder with what load resolves to, or says it failed.
function loading(what, load) {
  const holder = h('div', { class: 'values' }, h('p', { class: 'muted' }, `Loading ${what}…`));
  load().then((nodes) => holder.replaceChildren(...[nodes].flat().filter(Boolean)),
    (e) => holder.replaceChildren(h('p', { class: 'error' }, `The ${what} could not be loaded: ${e.message}`)));
  return holder;
}

// valueChanges shows the changed spec and metadata keys before → after.
function valueChanges(c, ctx) {
  const d = c.details;
  return loading('values before and after', async () => {
    const [old, cur] = await Promise.all([ctx.baseNode(c.node), ctx.candNode(c.node)]);
    if (!old || !cur || old.trimmed || cur.trimmed) {
      return h('p', { class: 'muted' }, 'The values are too large to show here (a node over 256 KiB).');
    }
    const rows = [];
    if (d.spec_changed) {
      if (d.spec_keys_changed) for (const k of d.spec_keys_changed) rows.push([`spec.${k}`, (old.node.spec || {})[k], (cur.node.spec || {})[k]]);
      else rows.push(['spec', old.node.spec, cur.node.spec]);
    }
    for (const k of d.metadata_keys_changed || []) rows.push([`metadata.${k}`, (old.node.metadata || {})[k], (cur.node.metadata || {})[k]]);
    return h('dl', { class: 'value-changes' }, rows.map(([key, a, b]) => [h('dt', {}, h('code', {}, key)), h('dd', {}, valueChange(a, b))]));
  });
}

function textOf(v) {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

// valueChange shows one value before → after: a line diff when either is
// several lines long, else the two side by side.
function valueChange(a, b) {
  const before = textOf(a);
  const after = textOf(b);
  if (before === null) return [h('span', { class: 'muted' }, 'added: '), valueView(after, 'ins')];
  if (after === null) return [h('span', { class: 'muted' }, 'removed, was: '), valueView(before, 'del')];
  if (!before.includes('\n') && !after.includes('\n')) {
    return [h('del', {}, h('code', {}, before)), ' → ', h('ins', {}, h('code', {}, after))];
  }
  const diff = diffView(before, after);
  if (diff) return diff;
  return [h('p', { class: 'muted' }, `Too large to compare line by line (over ${maxLines} lines, or over ${maxEdits} lines changed): both versions follow.`),
    h('p', {}, 'Before:'), valueView(before, 'del'), h('p', {}, 'After:'), valueView(after, 'ins')];
}

// valueView shows a value: code inline, or a block of at most maxShownLines.
function valueView(text, tag = 'span') {
  if (!text.includes('\n')) return h(tag, {}, h('code', {}, text));
  const lines = text.split('\n');
  const shown = lines.slice(0, maxShownLines).join('\n');
  return [h('pre', { class: 'code', tabindex: 0 }, shown),
    lines.length > maxShownLines ? h('p', { class: 'muted' }, `… and ${lines.length - maxShownLines} more lines`) : null];
}

// wholeNode shows an added node as the candidate holds it, a removed one as the
// live release held it.
function wholeNode(c, ctx) {
  const added = c.category === 'ADDED';
  return loading(added ? 'the new node' : 'the removed node', async () => {
    const found = await (added ? ctx.candNode(c.node) : ctx.baseNode(c.node));
    if (!found) return h('p', { class: 'muted' }, 'Not found in the release.');
    const n = found.node;
    const rows = [['Kind', n.kind]];
    rows.push(['Depends on', n.depends_on && n.depends_on.length ? nodeLinks(n.depends_on, ctx.jump) : 'nothing']);
    if (found.trimmed) rows.push(['Content', 'too large to show here (over 256 KiB)']);
    const out = [h('p', {}, added ? 'A new node:' : 'Removed; the live release had:'), facts(rows)];
    const cols = n.columns || [];
    if (cols.length) {
      out.push(h('div', { class: 'scroll' }, h('table', { class: 'columns-table' }, h('caption', {}, `Columns (${cols.length})`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Column'), h('th', { scope: 'col' }, 'Type'))),
        h('tbody', {}, cols.map((col) => h('tr', {}, h('th', { scope: 'row' }, h('code', {}, col.name)), h('td', {}, typeText(col.type))))))));
    }
    const values = [];
    for (const [label, v] of [['spec', n.spec], ['metadata', n.metadata]]) {
      if (v === undefined || v === null) continue;
      if (typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) values.push([`${label}.${k}`, x]);
      else values.push([label, v]);
    }
    if (values.length) out.push(h('dl', { class: 'value-changes' }, values.map(([k, v]) => [h('dt', {}, h('code', {}, k)), h('dd', {}, valueView(textOf(v)))])));
    return out;
  });
}

// picture draws what breaking change c reaches, the nearest drawnNodes.
function picture(c, ctx) {
  return loading('impact picture', async () => {
    const graph = await ctx.fetchPage(`impact=${encodeURIComponent(c.node)}&limit=${drawnNodes}`);
    return impactPicture(graph, ctx.jump);
  });
}
