// One environment: what it runs, its settings, its history and recent promotions.
import { api } from './api.js';
import { h, replace, route, time, short, badge } from './dom.js';
import { stackedTable, row } from './stacked.js';

function lockText(e) {
  if (!e.lock) return '–';
  return [h('a', { href: route('promotions', e.lock.holder) }, e.lock.holder), ' since ', time(e.lock.since)];
}

function freezeText(e) {
  if (!e.freeze || new Date(e.freeze.until) <= Date.now()) return '–';
  return [`by ${e.freeze.owner} until `, time(e.freeze.until), `: ${e.freeze.reason}`];
}

// The list of environments is the board (board.js); app.js routes to it by this name.
export { boardView as environmentsView } from './board.js';

export async function environmentView({ main }, name) {
  const view = await api('GET', '/environments/' + encodeURIComponent(name));
  const e = view.environment;
  const pol = e.policy || {};
  const recent = h('ul', { class: 'promotions' }, view.promotions.map((p) => h('li', {},
    h('a', { href: route('promotions', p.id) }, p.id), ' ', badge(p.state), ' by ', p.requested_by, ', ', time(p.created_at))));
  const { table: history, body } = stackedTable({ id: 'history' }, ['Version', 'At', 'Kind', 'Release', 'By', 'Promotion', 'Reason']);
  view.history.forEach((v) => body.append(row({}, [
    ['Version', v.version], ['At', time(v.at)], ['Kind', v.kind],
    ['Release', h('code', { title: v.release_id }, short(v.release_id))], ['By', v.by],
    ['Promotion', h('a', { href: route('promotions', v.promotion_id) }, v.promotion_id)], ['Reason', v.reason || '']])));
  replace(main,
    h('nav', { class: 'crumbs' }, h('a', { href: '#/environments' }, 'Environments'), ' › ', e.name),
    h('h1', {}, 'Environment ', h('span', { class: 'id' }, e.name)),
    h('section', { class: 'card' }, h('dl', { class: 'facts' },
      h('dt', {}, 'Version'), h('dd', {}, e.version),
      h('dt', {}, 'Release'), h('dd', {}, e.current ? h('code', { title: e.current.release_id }, short(e.current.release_id)) : '–'),
      h('dt', {}, 'Locked by'), h('dd', {}, lockText(e)),
      h('dt', {}, 'Frozen'), h('dd', {}, freezeText(e)),
      e.expires_at ? [h('dt', {}, 'Expires'), h('dd', {}, time(e.expires_at))] : null,
      h('dt', {}, 'Approval'), h('dd', {}, `${pol.approval || 'always'}; approvers: ${(pol.approvers || []).join(', ') || 'none'}; at least ${pol.min_approvals || 1}`),
      h('dt', {}, 'Required checks'), h('dd', {}, (pol.required_checks || []).join(', ') || '–'),
      h('dt', {}, 'Upstream'), h('dd', {}, pol.upstream ? `${pol.upstream}${pol.soak ? `, soak ${pol.soak}` : ''}` : '–'))),
    h('section', { class: 'card' }, h('h2', {}, 'History'), h('div', { class: 'scroll' }, history)),
    h('section', { class: 'card' }, h('h2', {}, 'Recent promotions'), recent),
    h('section', { class: 'card' }, h('h2', {}, 'Changes to its settings'),
      (e.changes || []).length === 0 ? h('p', { class: 'empty' }, 'None recorded.')
        : h('ul', { id: 'changes' }, [...e.changes].reverse().map((c) => h('li', {}, time(c.at), ' ', h('strong', {}, c.by), ': ', c.what)))));
}
