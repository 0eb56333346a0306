// The evidence beside the decision: what the plan breaks and removes, the
// release's failed, pending and required checks, the rules the promotion is
// decided under, and what the upstream environment showed of the release (when
// it went live there, by which promotion, that promotion's smoke results).
// risks(view) is the same evidence as the short list the confirmation repeats.
import { h, route, time, duration, facts } from './dom.js';
import { result, smokeCount } from './smoke.js';

export function evidenceSection(view) {
  const rows = [['Changes', changes(view)], ['Checks', checks(view)], ['Upstream', upstream(view)], ['Policy', decidedUnder(view.approval)]];
  return h('section', { class: 'card evidence', id: 'evidence', 'aria-labelledby': 'evidence-h' },
    h('h2', { id: 'evidence-h' }, 'Evidence'),
    facts(rows));
}

// risks lists what is risky about approving, in a few words each:
// "2 breaking changes", "check lint failed", "required check unit-tests pending".
export function risks(view) {
  const out = [];
  const s = view.promotion.summary;
  if (s && s.breaking) out.push(plural(s.breaking, 'breaking change'));
  if (s && s.removed) out.push(plural(s.removed, 'removed node'));
  const c = checksOf(view);
  for (const x of c.failed) out.push(`check ${x.name} failed`);
  for (const x of c.pending) out.push(`check ${x.name} pending`);
  for (const x of c.required) if (x.status !== 'passed') out.push(`required check ${x.name} ${x.status}`);
  const e = view.evidence;
  if (e && !e.live) out.push(`never live in ${e.upstream}`);
  if (e && e.live) for (const r of e.smoke.filter((r) => !r.passed)) out.push(`smoke check ${r.check} failed in ${e.upstream}`);
  return out;
}

function plural(n, what) {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

// checksOf sorts the release's checks: failed and pending ones not required,
// passed ones, and each required check with its status ("missing" when the
// release does not carry it).
function checksOf(view) {
  const checks = view.release.checks || [];
  const required = (view.approval.decided_under || {}).required_checks || [];
  const byName = new Map(checks.map((c) => [c.name, c]));
  const optional = checks.filter((c) => !required.includes(c.name));
  return {
    failed: optional.filter((c) => c.status === 'failed'),
    pending: optional.filter((c) => c.status === 'pending'),
    passed: optional.filter((c) => c.status === 'passed'),
    required: required.map((name) => ({ name, status: byName.has(name) ? byName.get(name).status : 'missing' })),
  };
}

function changes(view) {
  const s = view.promotion.summary;
  if (!s) return h('span', { class: 'muted' }, 'Not planned yet.');
  const total = s.breaking + s.removed + s.non_breaking + s.added + s.metadata;
  const risky = (n, what) => h('strong', { class: n ? 'risk' : 'no-risk', id: 'risk-' + what }, `${n} ${what}`);
  return [risky(s.breaking, 'breaking'), ', ', risky(s.removed, 'removed'),
    ` of ${total} changes; ${s.non_breaking} non-breaking, ${s.added} added, ${s.metadata} metadata; ${s.indirect} unchanged nodes rebuilt`];
}

function checks(view) {
  const c = checksOf(view);
  const line = (cls, mark, ...what) => h('li', { class: cls }, h('span', { 'aria-hidden': 'true' }, mark + ' '), ...what);
  const items = [
    ...c.failed.map((x) => line('check-failed', '✗', h('strong', {}, x.name), ' failed')),
    ...c.required.filter((x) => x.status !== 'passed').map((x) => line('check-failed', '✗', 'required ', h('strong', {}, x.name), ` ${x.status}`)),
    ...c.pending.map((x) => line('check-pending', '…', h('strong', {}, x.name), ' pending')),
    ...c.required.filter((x) => x.status === 'passed').map((x) => line('check-passed', '✓', 'required ', x.name, ' passed')),
  ];
  if (c.passed.length) items.push(line('check-passed', '✓', c.passed.length === 1 ? `${c.passed[0].name} passed` : `${c.passed.length} more passed`));
  if (items.length === 0) return h('span', { class: 'muted' }, 'The release carries no checks and the policy requires none.');
  return h('ul', { class: 'evidence-checks', id: 'evidence-checks' }, items);
}

function upstream(view) {
  const e = view.evidence;
  if (!e) return h('span', { class: 'muted' }, 'None: the policy names no upstream environment.');
  if (!e.live) return h('span', { class: 'risk', id: 'upstream' }, `Never live in ${e.upstream}.`);
  const when = e.until
    ? [' from ', time(e.since), ' until ', time(e.until)]
    : [' since ', time(e.since), ` (${duration(Date.now() - Date.parse(e.since))})`];
  const by = e.promotion_id
    ? [', by ', h('a', { href: route('promotions', e.promotion_id) }, e.promotion_id), ` (${e.promotion_state.toLowerCase().replaceAll('_', ' ')})`]
    : '';
  return h('div', { id: 'upstream' },
    h('p', {}, `Live in ${e.upstream}`, when, ` as version ${e.version}`, by, '.'),
    e.smoke.length === 0 ? h('p', { class: 'muted' }, `No smoke checks ran in ${e.upstream}.`)
      : [h('p', {}, `Smoke checks there: ${smokeCount(e.smoke)}.`),
        h('ul', { class: 'evidence-smoke' }, e.smoke.map((r) => h('li', {}, result(r), ' ', h('strong', {}, r.check),
          r.status ? ` · ${r.status}` : '', r.error ? ` · ${r.error}` : '', ' · ', time(r.at))))]);
}

// decidedUnder says the approval rules the promotion is decided under: its
// policy snapshot, taken when it was planned; a later policy change does not
// apply to it.
function decidedUnder(a) {
  const u = a.decided_under;
  if (!u) return h('span', { class: 'muted' }, `Not planned yet: the policy as it is now asks for ${a.min_approvals} approval(s).`);
  const who = u.approvers.length ? u.approvers.join(', ') : 'nobody';
  return h('p', { class: 'rules', id: 'decided-under' }, 'Decided under the policy as it was when planned: approval ', u.approval,
    `, ${u.min_approvals} approval(s) from ${who}`, u.allow_self_approval ? ', self-approval allowed' : ', no self-approval',
    `, ${readable(u.approval_timeout)} to decide`, u.required_checks.length ? `, required checks ${u.required_checks.join(', ')}` : '',
    `, hold marker ${u.hold_marker}. A policy change since does not apply to it.`);
}

// readable says a duration as Go writes it ("24h0m0s") the page's way ("24 h 0 min").
function readable(goDuration) {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(goDuration);
  if (!m || goDuration === '') return goDuration;
  return duration(((Number(m[1] || 0) * 60 + Number(m[2] || 0)) * 60 + Number(m[3] || 0)) * 1000);
}
