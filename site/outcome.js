// How a promotion ended, told first and in the server's plain words (the
// outcome of GET /promotions/{id}): what happened, why, who and when, and what
// the environment runs now. A rejection reads as a reviewer's decision with
// its reason, not as an error.
import { h, route, time, short, facts } from './dom.js';

const tone = {
  SUCCEEDED: 'good', NO_CHANGES: 'good', REJECTED: 'decided', CANCELLED: 'decided', EXPIRED: 'decided', ROLLED_BACK: 'bad', FAILED: 'bad',
};

export function outcomeSection(view) {
  const o = view.outcome;
  if (!o) return null;
  const state = view.promotion.state;
  const rows = [];
  if (o.by) rows.push([state === 'SUCCEEDED' ? 'Approved by' : 'By', o.by]);
  rows.push(['When', time(o.at)]);
  rows.push(['Live now', liveNow(o.live, view.promotion)]);
  return h('section', { class: `card outcome outcome-${tone[state] || 'bad'}`, id: 'outcome', 'aria-labelledby': 'outcome-h' },
    h('h2', { id: 'outcome-h' }, o.headline),
    o.why ? h('p', { id: 'outcome-why', class: 'outcome-why' }, o.why) : null,
    facts(rows));
}

// liveNow says what the environment runs now and which promotion put it there:
// this one (by its apply, or by its rollback) or another.
function liveNow(live, p) {
  if (!live) return 'nothing: the environment has never been deployed';
  const by = live.promotion_id !== p.id ? [', from promotion ', h('a', { href: route('promotions', live.promotion_id) }, live.promotion_id)]
    : p.state === 'ROLLED_BACK' ? ', put back by this promotion\'s rollback' : ', put there by this promotion';
  return h('span', { id: 'live-now' }, `${live.environment} runs `, h('strong', {}, live.name || short(live.release_id)),
    ` as version ${live.version}, since `, time(live.since), by);
}
