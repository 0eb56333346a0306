// Smoke check results: what each check asked, what it got and how often it
// tried, failures marked as failures (an icon, a colour and a border, not only
// a word) with the body the failing check got back.
import { h, time } from './dom.js';

// smokeSection is the promotion's own smoke results, or nothing before any ran.
export function smokeSection(results) {
  if (results.length === 0) return null;
  const failed = results.filter((r) => !r.passed).length;
  return h('section', { class: 'card smoke' + (failed ? ' smoke-bad' : ''), id: 'smoke', 'aria-labelledby': 'smoke-h' },
    h('h2', { id: 'smoke-h' }, 'Smoke checks'),
    h('p', { class: 'smoke-count' }, smokeCount(results)),
    smokeTable(results));
}

// smokeCount says how many checks passed and failed: "1 of 2 failed".
export function smokeCount(results) {
  const failed = results.filter((r) => !r.passed).length;
  return failed ? `${failed} of ${results.length} failed` : `all ${results.length} passed`;
}

function smokeTable(results) {
  const cols = ['Check', 'Result', 'Status', 'URL', 'Attempts', 'Time', 'Response'];
  return h('div', { class: 'scroll' }, h('table', { class: 'smoke-table' },
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, results.map((r) => h('tr', { class: r.passed ? 'smoke-passed' : 'smoke-failed' },
      h('th', { scope: 'row', 'data-label': 'Check' }, r.check),
      h('td', { 'data-label': 'Result' }, result(r), r.error ? h('div', { class: 'smoke-error' }, r.error) : null),
      h('td', { class: 'num', 'data-label': 'Status' }, r.status || '–'),
      h('td', { class: 'smoke-url', 'data-label': 'URL' }, r.url ? h('code', {}, r.url) : '–'),
      h('td', { class: 'num', 'data-label': 'Attempts' }, r.attempts),
      h('td', { 'data-label': 'Time' }, h('span', {}, time(r.at), ` · ${r.latency_ms} ms`)),
      h('td', { 'data-label': 'Response' }, r.excerpt ? h('pre', { class: 'excerpt' }, r.excerpt) : h('span', { class: 'muted' }, 'no body')))))));
}

// result is a check's verdict as a mark and a word.
export function result(r) {
  return h('span', { class: 'verdict ' + (r.passed ? 'verdict-passed' : 'verdict-failed') },
    h('span', { 'aria-hidden': 'true' }, r.passed ? '✓ ' : '✗ '), r.passed ? 'passed' : 'failed');
}
