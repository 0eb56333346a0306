// A line diff for the plan's values (a spec's SQL, a long description): Myers'
// algorithm after the common first and last lines are set aside. It is
// bounded so that no value can hang the page: texts of more than maxLines
// lines, or that differ in more than maxEdits lines, are not diffed (lineDiff
// answers null and the page shows both versions instead). Within the bounds
// it takes time (lines × edits) and memory edits², at most a few MB.
import { h } from './dom.js';

export const maxLines = 10000;
export const maxEdits = 1000;
const context = 3;

// lineDiff returns the lines of a and b as a list of {op, text}: op ' ' for a
// line in both, '-' for a line of a only, '+' for a line of b only; null when
// the texts are beyond the bounds.
export function lineDiff(a, b) {
  const A = a.split('\n');
  const B = b.split('\n');
  if (A.length > maxLines || B.length > maxLines) return null;
  let head = 0;
  while (head < A.length && head < B.length && A[head] === B[head]) head++;
  let tail = 0;
  while (tail < A.length - head && tail < B.length - head && A[A.length - 1 - tail] === B[B.length - 1 - tail]) tail++;
  const middle = myers(A.slice(head, A.length - tail), B.slice(head, B.length - tail));
  if (!middle) return null;
  const same = (text) => ({ op: ' ', text });
  return [...A.slice(0, head).map(same), ...middle, ...A.slice(A.length - tail).map(same)];
}

// myers returns the shortest edit script from a to b, or null when it needs
// more than maxEdits edits.
function myers(a, b) {
  const n = a.length;
  const m = b.length;
  const limit = Math.min(n + m, maxEdits);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b);
    }
  }
  return null;
}

// backtrack walks the rounds' furthest points back from the end; trace[d] holds
// v[-d-1 .. d+1] as it was before round d.
function backtrack(trace, a, b) {
  const out = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const at = (k) => trace[d][k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: ' ', text: a[--x] });
      y--;
    }
    if (d === 0) break;
    if (x === prevX) out.push({ op: '+', text: b[--y] });
    else out.push({ op: '-', text: a[--x] });
  }
  return out.reverse();
}

// diffView draws a line diff with a few lines of context around each change
// and the unchanged runs between them folded; null when lineDiff gives none.
export function diffView(a, b) {
  const lines = lineDiff(a, b);
  if (!lines) return null;
  const changed = lines.map((l) => l.op !== ' ');
  const near = (i) => {
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) if (changed[j]) return true;
    return false;
  };
  const rows = [];
  let folded = 0;
  const fold = () => {
    if (folded) rows.push(h('span', { class: 'diff-fold' }, `⋯ ${folded} unchanged line${folded === 1 ? '' : 's'}`));
    folded = 0;
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.op === ' ' && !near(i)) {
      folded++;
      continue;
    }
    fold();
    const tag = l.op === '+' ? 'ins' : l.op === '-' ? 'del' : 'span';
    rows.push(h(tag, { class: 'diff-line' }, `${l.op} ${l.text}`));
  }
  fold();
  const added = lines.filter((l) => l.op === '+').length;
  const removed = lines.filter((l) => l.op === '-').length;
  return h('figure', { class: 'diff' },
    h('figcaption', { class: 'muted' }, `${added} line${added === 1 ? '' : 's'} added, ${removed} removed`),
    h('pre', { class: 'code', tabindex: 0 }, rows));
}
