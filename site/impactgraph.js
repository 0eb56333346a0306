// A picture of a breaking change's impact, drawn by the page as SVG: the change
// on the left and what it reaches to its right, one column per level (a node
// sits one column right of the furthest of its drawn dependencies, so every
// edge points right). The server sends at most drawnNodes of them, nearest
// first, and how many it reaches in all; the rest are counted as "and K more".
// The picture is an image to screen readers (role="img", with a label that
// sums it up); the same nodes follow it as text, level by level, each a button
// that shows the node's row.
import { h, marked } from './dom.js';

export const drawnNodes = 30;
const svgNS = 'http://www.w3.org/2000/svg';
const box = { width: 170, height: 26, gapX: 50, gapY: 10, pad: 8 };
const maxLabel = 22;

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  // Text from data, kinds above all, is free: its control characters are shown, not obeyed.
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(marked(c)));
  return el;
}

// levels places each drawn node in a column: the longest path to it from the
// root among the drawn edges.
function levels(graph) {
  const level = new Map(graph.nodes.map((n) => [n.node, 0]));
  const into = new Map(graph.nodes.map((n) => [n.node, 0]));
  const out = new Map(graph.nodes.map((n) => [n.node, []]));
  for (const [from, to] of graph.edges) {
    out.get(from).push(to);
    into.set(to, into.get(to) + 1);
  }
  const queue = graph.nodes.filter((n) => into.get(n.node) === 0).map((n) => n.node);
  for (let i = 0; i < queue.length; i++) {
    for (const t of out.get(queue[i])) {
      level.set(t, Math.max(level.get(t), level.get(queue[i]) + 1));
      into.set(t, into.get(t) - 1);
      if (into.get(t) === 0) queue.push(t);
    }
  }
  const columns = [];
  for (const n of graph.nodes) {
    const l = level.get(n.node);
    (columns[l] = columns[l] || []).push(n);
  }
  return columns.filter(Boolean);
}

const state = (n) => n.category === 'UNCHANGED' ? 'rebuilt' : n.category.toLowerCase().replace('_', '-');

// impactPicture draws graph (wire.ImpactGraph); jump(name) shows a node's row.
export function impactPicture(graph, jump) {
  const columns = levels(graph);
  const more = graph.reached - (graph.nodes.length - 1);
  const tallest = Math.max(...columns.map((c) => c.length));
  const width = columns.length * (box.width + box.gapX) - box.gapX + 2 * box.pad;
  const height = tallest * (box.height + box.gapY) - box.gapY + 2 * box.pad;
  const at = new Map();
  columns.forEach((col, x) => col.forEach((n, y) => at.set(n.node, {
    x: box.pad + x * (box.width + box.gapX), y: box.pad + y * (box.height + box.gapY) })));
  const label = `Impact of ${graph.root}: it reaches ${graph.reached} node${graph.reached === 1 ? '' : 's'}` +
    (graph.reached ? `; the nearest ${graph.nodes.length - 1} drawn in ${columns.length - 1} level${columns.length === 2 ? '' : 's'}` : '') +
    (more > 0 ? `, ${more} more not drawn` : '') + '.';
  const picture = svg('svg', { role: 'img', 'aria-label': label, class: 'impact-svg', viewBox: `0 0 ${width} ${height}`,
    width, height },
  svg('title', {}, label),
  ...graph.edges.map(([from, to]) => {
    const a = at.get(from);
    const b = at.get(to);
    const x1 = a.x + box.width;
    const y1 = a.y + box.height / 2;
    const x2 = b.x;
    const y2 = b.y + box.height / 2;
    const mid = (x1 + x2) / 2;
    return svg('path', { class: 'edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` });
  }),
  ...graph.nodes.map((n) => {
    const p = at.get(n.node);
    const name = n.node.length > maxLabel ? n.node.slice(0, maxLabel - 1) + '…' : n.node;
    return svg('g', { class: 'gnode g-' + state(n), transform: `translate(${p.x},${p.y})` },
      svg('title', {}, `${n.node} (${n.kind || 'unknown kind'}), ${state(n)}`),
      svg('rect', { width: box.width, height: box.height, rx: 4 }),
      svg('text', { x: 8, y: box.height / 2, 'dominant-baseline': 'central' }, name));
  }));
  const asText = h('ul', { class: 'graph-levels' }, columns.slice(1).map((col, i) => h('li', {},
    h('span', { class: 'muted' }, `Level ${i + 1}: `),
    col.map((n, k) => [k ? ', ' : '', h('button', { type: 'button', class: 'link node-link', onclick: () => jump(n.node) }, n.node),
      ` (${n.kind}${n.category === 'UNCHANGED' ? ', rebuilt' : ', ' + n.category.toLowerCase().replace('_', '-')})`]))));
  return h('figure', { class: 'impact-graph' },
    h('div', { class: 'scroll graph-scroll', tabindex: 0, role: 'group', 'aria-label': `Impact picture of ${graph.root}` }, picture),
    h('figcaption', {}, label, more > 0 ? ` The picture shows at most ${drawnNodes} nodes.` : ''),
    graph.reached ? asText : null);
}
