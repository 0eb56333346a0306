// One promotion, kept current: how it ended (first, once it did), its smoke
// results, the decision with the evidence beside it, what it carries, its
// checks, plan and timeline. The view is drawn once; while the promotion runs
// (awaiting approval included) it asks the server again every 2 s and redraws
// only the parts whose data changed, so scroll position, open rows, the plan's
// filter, a comment being typed and messages stay, and the live region says
// only what changed ("State: applying", "bo approved"). The plan is drawn once:
// it is immutable for its digest.
import { api } from './api.js';
import { h, replace, route, safeURL, time, badge, short, facts } from './dom.js';
import { planSection } from './plan.js';
import { part, announcer, poller } from './live.js';
import { decisionCard, cancelSection } from './decision.js';
import { evidenceSection } from './evidence.js';
import { outcomeSection } from './outcome.js';
import { smokeSection, smokeCount } from './smoke.js';

// pollEvery is how often a running promotion is asked for again, in ms.
const pollEvery = 2000;

export async function promotionView(ctx, id) {
  const path = '/promotions/' + encodeURIComponent(id);
  const first = await api('GET', path);
  const status = h('div', { id: 'status', role: 'status' });
  const trouble = h('div', { id: 'poll-trouble' });
  const announce = announcer();
  const refresh = () => poll.now();
  const decision = decisionCard({ status, refresh, say: announce.say });
  const fetchPage = (params) => api('GET', `${path}/plan?${params}`);
  const parts = [
    part(h('span'), (v) => v.promotion.state, (v) => badge(v.promotion.state)),
    part(h('div'), (v) => v.outcome, outcomeSection),
    part(h('div'), (v) => v.promotion.smoke, (v) => smokeSection(v.promotion.smoke || [])),
    // The minute is part of the key: the evidence says how long ago the release went live upstream.
    part(h('div', { class: 'decide-evidence' }), (v) => [v.promotion.summary, v.release.checks, v.approval.decided_under, v.approval.min_approvals, v.evidence,
      Math.floor(Date.now() / 60000)], evidenceSection),
    part(h('div'), (v) => [v.release.id, v.promotion.finished_at], overview),
    part(h('div'), (v) => [v.may_cancel, v.promotion.state], (v) => cancelSection(v, { status, refresh })),
    part(h('div'), (v) => v.release.checks, (v) => checksSection(v.release)),
    part(h('div'), (v) => v.plan && v.plan.digest, (v) => v.plan ? planSection(v.plan, fetchPage)
      : h('section', { class: 'card' }, h('h2', {}, 'Plan'), h('p', { class: 'empty' }, 'Not planned yet.'))),
    part(h('div'), (v) => v.promotion.events, (v) => timeline(v.promotion.events || [])),
  ];
  const [state, outcome, smoke, evidence, facts, cancel, checks, plan, events] = parts.map((x) => x.el);
  let view = null;
  const apply = (next) => {
    const said = view ? changes(view, next) : [];
    view = next;
    for (const x of parts) x.update(next);
    decision.update(next);
    announce.say(said);
  };
  const poll = poller({
    load: () => api('GET', path),
    apply,
    done: (v) => Boolean(v.promotion.finished_at),
    ms: pollEvery,
    failed: (e) => replace(trouble, h('p', { class: 'notice' }, `Could not check for news (${e.code}: ${e.message}); trying again.`)),
    ok: () => replace(trouble),
  });
  apply(first);
  replace(ctx.main,
    h('nav', { class: 'crumbs' }, h('a', { href: route('environments', first.promotion.target) }, first.promotion.target), ' › promotion'),
    h('h1', {}, 'Promotion ', h('span', { class: 'id' }, first.promotion.id), ' ', state),
    status, trouble, announce.el, outcome, smoke,
    h('div', { class: 'decide-grid' }, decision.el, evidence),
    facts, cancel, checks, plan, events);
  if (!first.promotion.finished_at) poll.start();
  ctx.onLeave(() => {
    poll.stop();
    decision.stop();
  });
}

// changes says what changed between two answers, for the live region.
function changes(before, after) {
  const out = [];
  const seen = new Set((before.promotion.approvals || []).map((a) => a.identity));
  for (const a of after.promotion.approvals || []) {
    if (!seen.has(a.identity)) out.push(`${a.identity} ${a.decision === 'approve' ? 'approved' : 'rejected'}`);
  }
  if (before.promotion.state !== after.promotion.state) out.push('State: ' + after.promotion.state.toLowerCase().replaceAll('_', ' '));
  const smoke = after.promotion.smoke || [];
  if ((before.promotion.smoke || []).length === 0 && smoke.length > 0) out.push('Smoke checks: ' + smokeCount(smoke));
  if (!before.outcome && after.outcome) out.push(after.outcome.headline);
  return out;
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
  if (p.finished_at) rows.push(['Finished', time(p.finished_at)]);
  return h('section', { class: 'card', id: 'overview' }, h('h2', {}, 'What it carries'),
    facts(rows));
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

function timeline(events) {
  return h('section', { class: 'card' }, h('h2', {}, 'Timeline'),
    events.length === 0 ? h('p', { class: 'empty' }, 'No events yet.')
      : h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
        time(e.at), ' ', h('span', { class: 'event-type' }, e.type), e.actor ? [' · ', e.actor] : '', h('div', {}, e.message)))));
}
