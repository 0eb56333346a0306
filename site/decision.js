// The decision on a promotion: who approved and how many must, an exact
// countdown to the expiry, and Approve / Reject with a confirmation that names
// the environment and repeats what is risky. It is drawn once and kept current
// by update(view): the comment being typed, an open confirmation and the
// focus stay; at the deadline the buttons are disabled at once, whatever the
// server says yet. The server owns the rules: who may decide, the comment's
// limit and when a comment is required come in the view or in its answer.
import { api } from './api.js';
import { h, replace, time, duration, short } from './dom.js';
import { risks } from './evidence.js';

// decisionCard returns the card and update(view); refresh() asks the server
// for the view at once, say(messages) announces, status shows messages.
export function decisionCard({ status, refresh, say }) {
  let view = null;
  let expired = false;
  let ticking = 0;
  const last = {};
  const heading = h('h2', { id: 'decide-h' });
  const summary = h('div');
  const left = h('p', { id: 'time-left' });
  const decided = h('div');
  const whyNot = h('div');
  const comment = h('textarea', { id: 'comment', rows: 3, placeholder: 'What you checked, or why not' });
  const actions = h('div', { class: 'actions' });
  const form = h('div', { class: 'decide-form', hidden: true }, h('label', { for: 'comment' }, 'Comment'), comment, actions);
  const el = h('section', { class: 'card decide', id: 'decision', 'aria-labelledby': 'decide-h' }, heading, summary, left, decided, whyNot, form);

  // changed reports whether what key names is new since the last update.
  const changed = (key, value) => {
    const s = JSON.stringify(value ?? null);
    if (last[key] === s) return false;
    last[key] = s;
    return true;
  };

  const choose = () => replace(actions,
    h('button', { type: 'button', class: 'primary', id: 'approve', disabled: expired, onclick: () => confirm('approve') }, 'Approve…'),
    h('button', { type: 'button', class: 'danger', id: 'reject', disabled: expired, onclick: () => confirm('reject') }, 'Reject…'));
  // back closes the confirmation and gives the focus back to the button that opened it.
  const back = (decision) => {
    choose();
    document.getElementById(decision).focus();
  };
  const confirm = (decision) => {
    const p = view.promotion;
    const verb = decision === 'approve' ? 'Approve' : 'Reject';
    const risky = risks(view);
    const yes = h('button', { type: 'button', class: decision === 'approve' ? 'primary' : 'danger', id: 'confirm', disabled: expired,
      onclick: () => decide(decision) }, `${verb} into ${p.target}`);
    replace(actions, h('div', { class: 'confirm', role: 'alertdialog', 'aria-labelledby': 'confirm-q', 'aria-describedby': 'confirm-risks',
      onkeydown: (ev) => { if (ev.key === 'Escape') back(decision); } },
    h('p', { id: 'confirm-q' }, decision === 'approve'
      ? ['Approve release ', h('strong', {}, view.release.name || short(view.release.id)), ' into ', h('strong', { class: 'env' }, p.target), '? It is applied as soon as enough approvers agree.']
      : ['Reject the promotion into ', h('strong', { class: 'env' }, p.target), '? It ends and nothing is applied.']),
    h('p', { id: 'confirm-risks', class: risky.length ? 'confirm-risks risk' : 'confirm-risks' }, risky.length
      ? ['At risk: ', risky.join(', '), '.']
      : 'Nothing risky found: no breaking or removed changes, no failed or pending checks.'),
    yes,
    h('button', { type: 'button', id: 'confirm-back', onclick: () => back(decision) }, 'Back')));
    yes.focus();
  };
  // decide sends the decision; the buttons come back only once the view shows
  // what the decision did, and the focus goes to the message saying so.
  const decide = async (decision) => {
    const p = view.promotion;
    replace(actions, h('p', {}, 'Sending…'));
    let said;
    let code = null;
    try {
      await api('POST', `/promotions/${encodeURIComponent(p.id)}/${decision}`, { comment: comment.value, plan_digest: view.plan.digest });
      said = h('p', { class: 'ok', role: 'status', tabindex: -1 }, decision === 'approve' ? 'Your approval is recorded.' : 'Your rejection is recorded.');
      replace(status, said);
      await refresh();
    } catch (e) {
      code = e.code;
      said = h('p', { class: 'error', role: 'alert', tabindex: -1 }, `${e.code}: ${e.message}`);
      replace(status, said, e.code === 'conflict' ? h('button', { type: 'button', onclick: refresh }, 'Reload') : null);
      if (e.code === 'gone') await refresh(); // it is over: show how it ended
    }
    choose();
    if (code === 'invalid') comment.focus(); // the comment is what can be wrong
    else said.focus({ preventScroll: true });
  };

  // tick shows the time left to the second, and at the deadline disables the
  // decision; it runs again when the shown second changes.
  const tick = () => {
    const at = view.approval.expires_at;
    const ms = Date.parse(at) - Date.now();
    if (ms <= 0) {
      expire(at);
      return;
    }
    if (changed('left', exact(ms))) replace(left, h('strong', {}, `${exact(ms)} left`), ' to decide (until ', time(at), ')');
    ticking = setTimeout(tick, (ms % 1000) + 5);
  };
  const expire = (at) => {
    ticking = 0;
    if (expired) return;
    expired = true;
    replace(left, h('strong', { class: 'error-text' }, 'Expired'), ' at ', time(at), ': it can no longer be approved or rejected.');
    for (const b of actions.querySelectorAll('#approve, #reject, #confirm')) b.disabled = true;
    say(['The time to decide is over']);
  };

  const update = (next) => {
    view = next;
    const p = next.promotion;
    const a = next.approval;
    const awaiting = p.state === 'AWAITING_APPROVAL';
    const approvals = p.approvals || [];
    el.hidden = !awaiting && approvals.length === 0 && !p.closed;
    if (changed('heading', awaiting)) replace(heading, awaiting ? 'Approval' : 'Decisions');
    if (changed('summary', [awaiting, a.counted, a.min_approvals, a.approvers, p.closed])) {
      replace(summary, awaiting
        ? h('p', {}, h('strong', { id: 'approval-count' }, `${a.counted} of ${a.min_approvals}`), ' approvals. ',
          'Who may approve: ', a.approvers.length ? a.approvers.join(', ') : 'nobody (the policy names no approvers)', '.')
        : p.closed ? h('p', { id: 'closed' }, `Closed: ${p.closed.how}`, p.closed.how === 'expired' ? ' ' : ` by ${p.closed.by} `, time(p.closed.at), '.') : null);
    }
    if (changed('decided', approvals)) replace(decided, approvalsList(approvals));
    const may = awaiting && a.may_decide;
    if (changed('whyNot', [awaiting, a.why_not])) {
      replace(whyNot, awaiting && !a.may_decide ? h('p', { class: 'notice', id: 'why-not' }, a.why_not) : null);
    }
    comment.maxLength = a.comment_max;
    if (form.hidden !== !may) {
      form.hidden = !may;
      if (may) choose();
      else replace(actions);
    }
    if (awaiting && a.expires_at && !ticking && !expired) tick();
    if (!awaiting) {
      clearTimeout(ticking);
      ticking = 0;
      if (changed('left', null)) replace(left);
    }
  };
  return { el, update, stop: () => clearTimeout(ticking) };
}

// exact says how long ms is, to the second under an hour: "4 min 05 s".
function exact(ms) {
  const s = Math.ceil(ms / 1000);
  if (s >= 3600) return duration(ms);
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

function approvalsList(decided) {
  if (decided.length === 0) return h('p', {}, 'No decisions yet.');
  return h('ul', { class: 'decisions' }, decided.map((a) => h('li', {},
    h('strong', {}, a.identity), ` ${a.decision === 'approve' ? 'approved' : 'rejected'} `, time(a.at),
    a.comment ? [': ', h('q', {}, a.comment)] : '')));
}

// cancelSection offers to cancel while the server says the caller may.
export function cancelSection(view, { status, refresh }) {
  const p = view.promotion;
  if (!view.may_cancel) return null;
  const holder = h('div', { class: 'actions' });
  const start = () => replace(holder, h('button', { type: 'button', id: 'cancel', onclick: sure }, 'Cancel this promotion…'));
  const sure = () => {
    const yes = h('button', { type: 'button', class: 'danger', id: 'confirm-cancel', onclick: go }, `Cancel the promotion into ${p.target}`);
    replace(holder, h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': 'Cancel the promotion?',
      onkeydown: (ev) => { if (ev.key === 'Escape') { start(); holder.querySelector('#cancel').focus(); } } },
    yes, h('button', { type: 'button', onclick: () => { start(); holder.querySelector('#cancel').focus(); } }, 'Back')));
    yes.focus();
  };
  const go = async (ev) => {
    ev.currentTarget.disabled = true; // one cancel, however many clicks
    try {
      await api('POST', `/promotions/${encodeURIComponent(p.id)}/cancel`, {});
      await refresh();
    } catch (e) {
      replace(status, h('p', { class: 'error', role: 'alert' }, `${e.code}: ${e.message}`));
      start();
    }
  };
  start();
  return h('section', { class: 'card', id: 'cancel-card' }, h('h2', {}, 'Cancel'), h('p', {}, 'Stops the promotion before anything is applied.'), holder);
}
