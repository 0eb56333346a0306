// Pending approvals: what waits for a decision, oldest first.
import { api } from './api.js';
import { h, replace, route, time, duration } from './dom.js';

export async function pendingView({ main }) {
  const { promotions } = await api('GET', '/promotions?state=AWAITING_APPROVAL');
  const rows = promotions.map((p) => {
    const s = p.summary || {};
    const left = p.approval_expires_at ? new Date(p.approval_expires_at) - Date.now() : null;
    return h('tr', {},
      h('td', {}, h('a', { href: route('promotions', p.id) }, p.id)),
      h('td', {}, p.target),
      h('td', {}, p.requested_by),
      h('td', { class: 'num' }, s.breaking ?? '–'),
      h('td', { class: 'num' }, (s.added ?? 0) + (s.removed ?? 0) + (s.non_breaking ?? 0) + (s.metadata ?? 0) + (s.breaking ?? 0)),
      h('td', {}, time(p.created_at)),
      h('td', {}, left === null ? '–' : duration(left)));
  });
  replace(main,
    h('h1', {}, 'Pending approvals'),
    promotions.length === 0
      ? h('p', { class: 'empty' }, 'Nothing awaits approval.')
      : h('div', { class: 'scroll' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Promotion', 'Into', 'Requested by', 'Breaking', 'Changes', 'Since', 'Time left'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows))));
}
