// Tables that stay readable on a phone: below 40rem each row becomes a block
// of labelled cells (board.css), so no column is pushed off the screen. The
// roles are set explicitly because browsers drop a table's semantics once its
// CSS display changes.
import { h } from './dom.js';

// stackedTable builds a table of columns (their headings) whose tbody is
// returned too, for rows made with row().
export function stackedTable(attrs, columns) {
  const body = h('tbody', { role: 'rowgroup' });
  const table = h('table', { ...attrs, class: 'stacked', role: 'table' },
    h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, columns.map((c) => h('th', { scope: 'col', role: 'columnheader' }, c)))),
    body);
  return { table, body };
}

// row builds a row of cells, each [label, content], the label shown only
// where the row is stacked.
export function row(attrs, cells) {
  return h('tr', { ...attrs, role: 'row' }, cells.map(([label, ...content]) =>
    h('td', { role: 'cell' }, h('span', { class: 'cell-label', 'aria-hidden': 'true' }, label), h('div', {}, content))));
}
