// The board: every environment as a lane, in promotion order — a pipeline's
// lanes in columns by their distance from its head, each after its upstream —
// with the release it runs, what waits there, its lock, freeze and expiry, and
// what promoting its upstream's release into it would change.
import { h, replace, route, time, short, timeLeft } from './dom.js';
import { live, patch, announcer, POLL_MS } from './live.js';

export async function boardView(ctx) {
  const status = h('p', { class: 'refresh', role: 'status' });
  const pipelines = h('div', { class: 'pipelines' });
  const standalone = h('ol', { class: 'lanes standalone' });
  const alone = h('section', { class: 'pipeline', 'aria-labelledby': 'standalone-h' },
    h('h2', { id: 'standalone-h' }, 'Standalone environments'), standalone);
  const empty = h('p', { class: 'empty' }, 'No environments yet.');
  const board = h('div', { id: 'environments', class: 'board', 'aria-live': 'off' });
  const changes = announcer();
  await live(ctx, '/board', status, (data) => {
    changes.sayChanged(data.pipelines.flatMap((p) => p.lanes).map((l) => [l.name, `${l.name}: ${said(l)}`]));
    const chains = data.pipelines.filter((p) => p.lanes.length > 1);
    const singles = data.pipelines.filter((p) => p.lanes.length === 1).map((p) => p.lanes[0]);
    const sections = patch(pipelines, chains.map((p) => ({
      key: p.lanes[0].name,
      from: p.lanes.map((l) => `${l.depth}:${l.name}`).join(' '),
      render: () => pipelineSection(p),
    })));
    chains.forEach((p, i) => {
      const stages = [];
      p.lanes.forEach((l) => (stages[l.depth] ||= []).push(l));
      const columns = patch(sections[i].querySelector('.stages'), stages.map((lanes, depth) => ({
        key: String(depth), from: '', render: () => h('li', { class: 'stage' }, h('ol', { class: 'lanes' })),
      })));
      stages.forEach((lanes, depth) => patchLanes(columns[depth].firstElementChild, lanes));
    });
    patchLanes(standalone, singles);
    const parts = [chains.length ? pipelines : null, singles.length ? alone : null].filter(Boolean);
    if (!parts.length) parts.push(empty);
    if (parts.length !== board.children.length || parts.some((p, i) => p !== board.children[i])) replace(board, parts);
  });
  replace(ctx.main,
    h('h1', {}, 'Environments'),
    h('p', { class: 'muted' }, `In promotion order: each environment after the upstream its policy names. Refreshed every ${POLL_MS / 1000} seconds.`),
    status,
    changes.el,
    board);
}

// said is what a change of a lane announces: its release and state.
function said(l) {
  return [l.current ? l.current.release_name || short(l.current.release_id) : 'runs nothing', laneState(l).textContent.toLowerCase(),
    l.freeze ? 'frozen' : '', l.drift ? l.drift.state.replaceAll('_', ' ') + ' from ' + l.drift.from : ''].filter(Boolean).join(', ');
}

function patchLanes(list, lanes) {
  patch(list, lanes.map((l) => ({ key: l.name, from: JSON.stringify(l) + clockKey(l), render: () => lane(l) })));
}

// clockKey is what of a lane's drawing changes with the clock alone.
function clockKey(l) {
  return l.waiting.map((w) => timeLeft(w.approval_expires_at)).join();
}

function pipelineSection(p) {
  const id = 'pipeline-' + p.lanes[0].name;
  const chain = p.lanes.every((l, i) => l.depth === i);
  return h('section', { class: 'pipeline', 'aria-labelledby': id },
    h('h2', { id }, chain ? p.lanes.map((l) => l.name).join(' → ') : `Pipeline from ${p.lanes[0].name}`),
    h('ol', { class: 'stages' }));
}

function lane(l) {
  return h('li', { class: 'lane' + (l.freeze ? ' frozen' : '') + (l.waiting.length ? ' busy' : '') },
    h('h3', { class: 'lane-head' },
      h('a', { href: route('environments', l.name) }, l.name),
      l.ephemeral ? h('span', { class: 'muted' }, '(ephemeral)') : null,
      laneState(l)),
    l.drift ? drift(l.drift, l.name) : null,
    upstreamProblem(l),
    release(l.current),
    l.current ? h('p', { class: 'since' }, `version ${l.version} · since `, time(l.current.at), ` by ${l.current.by}`) : null,
    l.waiting.length ? h('ul', { class: 'waiting', 'aria-label': 'Waiting here' }, l.waiting.map(waitingItem)) : null,
    l.lock ? h('p', { class: 'lock' }, 'Locked by ', h('a', { href: route('promotions', l.lock.holder) }, l.lock.holder), ' since ', time(l.lock.since)) : null,
    l.freeze ? h('p', { class: 'freeze' }, h('strong', {}, 'Frozen'), ` by ${l.freeze.owner} until `, time(l.freeze.until), `: ${l.freeze.reason}`) : null,
    l.expires_at ? h('p', { class: 'expiry' }, 'Expires ', time(l.expires_at)) : null);
}

// laneState is the lane's state in a word or two: what waits there, else
// frozen, else idle (or empty).
function laneState(l) {
  const w = l.waiting[0];
  if (w) return h('span', { class: 'badge lane-state state-' + w.state.toLowerCase() }, w.state.replaceAll('_', ' '));
  if (l.freeze) return h('span', { class: 'badge lane-state lane-frozen' }, 'FROZEN');
  return h('span', { class: 'badge lane-state lane-idle' }, l.current ? 'IDLE' : 'EMPTY');
}

function release(cur) {
  if (!cur) return h('p', { class: 'release muted' }, 'Runs nothing yet.');
  return h('p', { class: 'release' },
    h('strong', { class: 'release-name' }, cur.release_name || short(cur.release_id)), ' ',
    h('code', { class: 'muted', title: cur.release_id }, short(cur.release_id)));
}

function waitingItem(w) {
  return h('li', { class: w.expires_soon ? 'soon' : null },
    h('a', { href: route('promotions', w.id) }, w.id), ': ',
    h('strong', {}, w.release_name || short(w.release_id)),
    w.source ? ` from ${w.source}` : '', `, by ${w.requested_by}`,
    w.state === 'AWAITING_APPROVAL' && w.min_approvals ? `; ${w.counted} of ${w.min_approvals} approvals` : '',
    w.approval_expires_at ? `; expires in ${timeLeft(w.approval_expires_at)}` : '');
}

function upstreamProblem(l) {
  if (l.upstream_problem === 'missing') return h('p', { class: 'notice' }, `Its upstream ${l.upstream} does not exist: shown as the start of a pipeline.`);
  if (l.upstream_problem === 'cycle') return h('p', { class: 'notice' }, `Its upstream ${l.upstream} leads back to it (a cycle): the cycle is shown starting here.`);
  return null;
}

// drift says what promoting the upstream's release into the lane would change.
function drift(d, lane) {
  const what = `from ${d.from}` + (d.release_name ? ` (${d.release_name})` : '');
  switch (d.state) {
    case 'in_sync':
      return h('p', { class: 'drift in-sync' }, `In sync ${what}`);
    case 'upstream_empty':
      return h('p', { class: 'drift muted' }, `${d.from} runs nothing yet`);
    case 'not_computed':
      return h('p', { class: 'drift muted' }, `Drift ${what}: not computed yet`);
    case 'too_large':
      return h('p', { class: 'drift muted' }, `Drift ${what}: ${d.nodes.toLocaleString('en')} nodes, too many to compare here; preview it with `,
        h('code', {}, `ferry plan --env ${lane} --source ${d.from}`));
  }
  const s = d.summary;
  const counts = [['breaking', s.breaking], ['removed', s.removed], ['changed', s.non_breaking + s.metadata], ['added', s.added]]
    .filter(([, n]) => n > 0)
    .map(([label, n]) => h('span', { class: 'count count-' + label }, `${n} ${label}`));
  return h('p', { class: 'drift differs' + (s.breaking + s.removed > 0 ? ' risky' : '') },
    `Promoting ${what} would change: `,
    counts.length ? counts.flatMap((c, i) => (i ? [', ', c] : [c])) : 'no node');
}
