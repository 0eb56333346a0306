// Pending approvals: what waits for a decision, oldest first, split into what
// you may decide and what waits for others, each saying what it still needs;
// what expires within the hour is marked.
import { h, replace, route, time, timeLeft, short } from './dom.js';
import { live, patch, announcer, POLL_MS } from './live.js';
import { stackedTable, row } from './stacked.js';

const columns = ['Promotion', 'Into', 'Release', 'You', 'Still needed', 'Changes', 'Time left'];

export async function pendingView(ctx) {
  const status = h('p', { class: 'refresh', role: 'status' });
  const mine = section('mine', 'For you to decide', 'Nothing awaits your decision.');
  const others = section('others', 'Waiting for others', 'Nothing else awaits approval.');
  const more = h('p', { class: 'muted' });
  const changes = announcer();
  await live(ctx, '/promotions?state=AWAITING_APPROVAL', status, ({ promotions, next_page_token: next }) => {
    const waiting = promotions.filter((p) => p.standing);
    changes.sayChanged(waiting.map((p) => [p.id, `${p.id} into ${p.target}: ${p.standing.may_decide ? 'you may decide' : 'not you'}; ${neededText(p.standing)}`]));
    replace(more, next ? `Showing the oldest ${promotions.length}; more wait after them.` : '');
    fill(mine, waiting.filter((p) => p.standing.may_decide));
    fill(others, waiting.filter((p) => !p.standing.may_decide));
  });
  replace(ctx.main,
    h('h1', {}, 'Pending approvals'),
    h('p', { class: 'muted' }, `Oldest first. Refreshed every ${POLL_MS / 1000} seconds.`),
    status, changes.el, mine.el, others.el, more);
}

function section(id, title, none) {
  const { table, body } = stackedTable({ id: 'pending-' + id }, columns);
  const count = h('span', { class: 'muted' });
  const empty = h('p', { class: 'empty' }, none);
  const el = h('section', { class: 'card pending', 'aria-labelledby': id + '-h', 'aria-live': 'off' }, h('h2', { id: id + '-h' }, title, ' ', count), empty, table);
  return { el, body, count, empty, table };
}

function fill(s, promotions) {
  replace(s.count, `(${promotions.length})`);
  s.empty.hidden = promotions.length > 0;
  s.table.hidden = promotions.length === 0;
  patch(s.body, promotions.map((p) => ({ key: p.id, from: JSON.stringify(p) + timeLeft(p.approval_expires_at), render: () => pendingRow(p) })));
}

function pendingRow(p) {
  const st = p.standing;
  const s = p.summary || {};
  const changes = (s.added ?? 0) + (s.removed ?? 0) + (s.non_breaking ?? 0) + (s.metadata ?? 0) + (s.breaking ?? 0);
  return row({ class: st.expires_soon ? 'soon' : null }, [
    ['Promotion', h('a', { href: route('promotions', p.id) }, p.id), h('div', { class: 'muted' }, `by ${p.requested_by}, `, time(p.created_at))],
    ['Into', h('strong', {}, p.target), p.source ? h('div', { class: 'muted' }, `from ${p.source}`) : null],
    ['Release', p.release_name || short(p.release_id), h('div', {}, h('code', { class: 'muted', title: p.release_id }, short(p.release_id)))],
    ['You', st.may_decide ? h('strong', { class: 'may-decide' }, 'You may decide')
      : h('span', { class: 'may-not', title: st.why_not_detail || '' }, `Not you: ${st.why_not}`)],
    ['Still needed', needed(st)],
    ['Changes', s.breaking ? [h('span', { class: 'count-breaking' }, `${s.breaking} breaking`), ` of ${changes}`] : `${changes}, none breaking`],
    ['Time left', p.approval_expires_at
      ? [st.expires_soon ? h('strong', { class: 'expires-soon' }, 'Expires soon: ') : null, timeLeft(p.approval_expires_at), h('div', { class: 'muted' }, 'at ', time(p.approval_expires_at))]
      : '–'],
  ]);
}

// needed says what the promotion still needs: "1 more approval of 2 from ana, cy".
function needed(st) {
  return [neededText(st), st.approved.length ? h('div', { class: 'muted' }, `approved by ${st.approved.join(', ')}`) : null];
}

function neededText(st) {
  if (!st.min_approvals) return 'Being planned';
  if (st.needed === 0) return 'Approved; being applied';
  const from = st.approvers.length ? ` from ${st.approvers.join(', ')}` : ' (nobody left who may approve)';
  return `${st.needed} more approval${st.needed === 1 ? '' : 's'} of ${st.min_approvals}${from}`;
}
