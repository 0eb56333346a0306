// One promotion: what it carries, its plan, its checks and timeline, and the
// decision, with an explicit confirmation that names the environment. The server
// owns the rules: who may decide or cancel, the comment's limit and when a
// comment is required come in the view or in its answer, never from here.
import { api } from './api.js';
import { h, replace, route, safeURL, time, duration, badge, short } from './dom.js';
import { planSection } from './plan.js';

export async function promotionView(ctx, id) {
  const view = await api('GET', '/promotions/' + encodeURIComponent(id));
  const p = view.promotion;
  const status = h('div', { id: 'status', role: 'status' });
  replace(ctx.main,
    h('nav', { class: 'crumbs' }, h('a', { href: route('environments', p.target) }, p.target), ' › promotion'),
    h('h1', {}, 'Promotion ', h('span', { class: 'id' }, p.id), ' ', badge(p.state)),
    status,
    overview(view),
    p.state === 'AWAITING_APPROVAL' ? approvalSection(ctx, view, status) : decidedSection(view),
    cancelSection(ctx, view, status),
    checksSection(view.release),
    view.plan ? planSection(view.plan, (params) => api('GET', `/promotions/${encodeURIComponent(id)}/plan?${params}`)) : h('section', {}, h('h2', {}, 'Plan'), h('p', { class: 'empty' }, 'Not planned yet.')),
    smokeSection(p.smoke || []),
    timeline(p.events || []));
  if (!p.finished_at && p.state !== 'AWAITING_APPROVAL') {
    const timer = setTimeout(ctx.reload, 2000); // still moving: look again soon
    ctx.onLeave(() => clearTimeout(timer));
  }
}

function overview(view) {
  const p = view.promotion;
  const r = view.release;
  const src = r.source || {};
  const rows = [
    ['Into', h('a', { href: route('environments', p.target) }, p.target)],
    ['Release', [r.name || short(r.id), ' ', h('code', { title: r.id }, short(r.id)), ` · ${r.node_count} nodes`]],
    ['Source', src.commit ? [h('code', {}, src.commit), src.ref ? ` (${src.ref})` : '', src.author ? ` by ${src.author}` : ''] : '–'],
    ['Message', src.message || '–'],
    ['Requested by', [p.requested_by, ` via ${p.via}, `, time(p.created_at)]],
    ['From', p.source || '–'],
  ];
  if (p.summary) {
    const s = p.summary;
    rows.push(['Summary', h('span', { class: 'summary' },
      h('span', { class: 'cat-breaking' }, `${s.breaking} breaking`), ', ',
      h('span', { class: 'cat-removed' }, `${s.removed} removed`), ', ',
      `${s.non_breaking} non-breaking, ${s.added} added, ${s.metadata} metadata, ${s.unchanged} unchanged; ${s.indirect} indirectly impacted`)]);
  }
  if (p.error) rows.push(['Error', h('span', { class: 'error-text' }, p.error)]);
  if (p.finished_at) rows.push(['Finished', time(p.finished_at)]);
  return h('section', { class: 'card' }, h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

function approvalsList(p) {
  const decided = p.approvals || [];
  if (decided.length === 0) return h('p', {}, 'No decisions yet.');
  return h('ul', { class: 'decisions' }, decided.map((a) => h('li', {},
    h('strong', {}, a.identity), ` ${a.decision === 'approve' ? 'approved' : 'rejected'} `, time(a.at),
    a.comment ? [': ', h('q', {}, a.comment)] : '')));
}

function approvalSection(ctx, view, status) {
  const p = view.promotion;
  const a = view.approval;
  const count = a.counted;
  const left = h('span', { id: 'time-left' });
  const tick = () => {
    const ms = a.expires_at ? new Date(a.expires_at) - Date.now() : null;
    replace(left, ms === null ? '–' : ms > 0 ? `${duration(ms)} left (until ` : 'expired (at ', a.expires_at ? time(a.expires_at) : '', ms === null ? '' : ')');
  };
  tick();
  const timer = setInterval(tick, 15000);
  ctx.onLeave(() => clearInterval(timer));
  const section = h('section', { class: 'card decide', 'aria-labelledby': 'decide-h' },
    h('h2', { id: 'decide-h' }, 'Approval'),
    h('p', {}, h('strong', { id: 'approval-count' }, `${count} of ${a.min_approvals}`), ' approvals. ',
      'Who may approve: ', a.approvers.length ? a.approvers.join(', ') : 'nobody (the policy names no approvers)', '. ', left),
    decidedUnder(a),
    approvalsList(p));
  if (!a.may_decide) {
    section.append(h('p', { class: 'notice', id: 'why-not' }, a.why_not));
    return section;
  }
  const comment = h('textarea', { id: 'comment', rows: 3, maxlength: a.comment_max, placeholder: 'What you checked, or why not' });
  const actions = h('div', { class: 'actions' });
  const choose = () => replace(actions,
    h('button', { type: 'button', class: 'primary', id: 'approve', onclick: () => confirm('approve') }, 'Approve…'),
    h('button', { type: 'button', class: 'danger', id: 'reject', onclick: () => confirm('reject') }, 'Reject…'));
  const confirm = (decision) => {
    const verb = decision === 'approve' ? 'Approve' : 'Reject';
    const yes = h('button', { type: 'button', class: decision === 'approve' ? 'primary' : 'danger', id: 'confirm',
      onclick: () => decide(decision) }, `${verb} into ${p.target}`);
    replace(actions,
      h('div', { class: 'confirm', role: 'alertdialog', 'aria-labelledby': 'confirm-q',
        onkeydown: (ev) => { if (ev.key === 'Escape') choose(); } },
      h('p', { id: 'confirm-q' }, decision === 'approve'
        ? ['Approve release ', h('strong', {}, view.release.name || short(view.release.id)), ' into ', h('strong', { class: 'env' }, p.target), '? It is applied as soon as enough approvers agree.']
        : ['Reject the promotion into ', h('strong', { class: 'env' }, p.target), '? It ends and nothing is applied.']),
      yes,
      h('button', { type: 'button', onclick: choose }, 'Back')));
    yes.focus();
  };
  const decide = async (decision) => {
    replace(actions, h('p', {}, 'Sending…'));
    try {
      await api('POST', `/promotions/${encodeURIComponent(p.id)}/${decision}`, { comment: comment.value, plan_digest: view.plan.digest });
      await ctx.reload();
      replace(document.getElementById('status'), h('p', { class: 'ok', role: 'status' }, decision === 'approve' ? 'Your approval is recorded.' : 'Your rejection is recorded.'));
    } catch (e) {
      if (e.code === 'gone') await ctx.reload(); // it is over: show how it ended
      else choose();
      replace(document.getElementById('status'), h('p', { class: 'error', role: 'alert' }, `${e.code}: ${e.message}`),
        e.code === 'conflict' ? h('button', { type: 'button', onclick: ctx.reload }, 'Reload') : null);
      if (e.code === 'invalid') comment.focus(); // the comment is what can be wrong
    }
  };
  choose();
  section.append(h('label', { for: 'comment' }, 'Comment'), comment, actions);
  return section;
}

function decidedSection(view) {
  const p = view.promotion;
  if (!(p.approvals || []).length && !p.closed) return null;
  const c = p.closed;
  return h('section', { class: 'card' }, h('h2', {}, 'Decisions'),
    c ? h('p', { id: 'closed' }, `Closed: ${c.how}`, c.how === 'expired' ? ' ' : ` by ${c.by} `, time(c.at), '.') : null,
    decidedUnder(view.approval), approvalsList(p));
}

// The approval rules the promotion is decided under: its policy snapshot, taken
// when it was planned; a later policy change does not apply to it.
function decidedUnder(a) {
  const u = a.decided_under;
  if (!u) return null;
  const who = u.approvers.length ? u.approvers.join(', ') : 'nobody';
  return h('p', { class: 'rules', id: 'decided-under' }, 'Decided under the policy as it was when planned: approval ', u.approval,
    `, ${u.min_approvals} approval(s) from ${who}`, u.allow_self_approval ? ', self-approval allowed' : ', no self-approval',
    `, ${u.approval_timeout} to decide`, u.required_checks.length ? `, required checks ${u.required_checks.join(', ')}` : '',
    `, hold marker ${u.hold_marker}. A policy change since does not apply to it.`);
}

function cancelSection(ctx, view, status) {
  const p = view.promotion;
  if (!view.may_cancel) return null; // the server says who may cancel, and until when
  const holder = h('div', { class: 'actions' });
  const start = () => replace(holder, h('button', { type: 'button', id: 'cancel', onclick: sure }, 'Cancel this promotion…'));
  const sure = () => {
    const yes = h('button', { type: 'button', class: 'danger', id: 'confirm-cancel', onclick: go }, `Cancel the promotion into ${p.target}`);
    replace(holder, yes, h('button', { type: 'button', onclick: start }, 'Back'));
    yes.focus();
  };
  const go = async () => {
    try {
      await api('POST', `/promotions/${encodeURIComponent(p.id)}/cancel`, {});
      await ctx.reload();
    } catch (e) {
      replace(status, h('p', { class: 'error', role: 'alert' }, `${e.code}: ${e.message}`));
    }
  };
  start();
  return h('section', { class: 'card' }, h('h2', {}, 'Cancel'), h('p', {}, 'Stops the promotion before anything is applied.'), holder);
}

function checksSection(release) {
  const checks = release.checks || [];
  return h('section', { class: 'card' }, h('h2', {}, 'Checks'),
    checks.length === 0 ? h('p', { class: 'empty' }, 'The release carries no checks.')
      : h('ul', { class: 'checks' }, checks.map((c) => {
        const url = safeURL(c.url);
        return h('li', { class: 'check-' + c.status }, h('span', { class: 'badge' }, c.status), ' ', c.name,
          url ? [' · ', h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, 'report')] : '');
      })));
}

function smokeSection(results) {
  if (results.length === 0) return null;
  return h('section', { class: 'card' }, h('h2', {}, 'Smoke checks'),
    h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Check', 'Result', 'Status', 'Latency', 'Attempts', 'Detail'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, results.map((r) => h('tr', {},
        h('td', {}, r.check), h('td', {}, r.passed ? 'passed' : 'failed'), h('td', { class: 'num' }, r.status || '–'),
        h('td', { class: 'num' }, `${r.latency_ms} ms`), h('td', { class: 'num' }, r.attempts), h('td', {}, r.error || r.excerpt || '')))))));
}

function timeline(events) {
  return h('section', { class: 'card' }, h('h2', {}, 'Timeline'),
    events.length === 0 ? h('p', { class: 'empty' }, 'No events yet.')
      : h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
        time(e.at), ' ', h('span', { class: 'event-type' }, e.type), e.actor ? [' · ', e.actor] : '', h('div', {}, e.message)))));
}
