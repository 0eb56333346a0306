// The approval page: a hash router over a few views, and sign-in with a bearer
// token (ferry local prints them; in AWS, an ID token of your OIDC provider).
import { api, session, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { pendingView } from './pending.js';
import { promotionView } from './promotion.js';
import { environmentsView, environmentView } from './environments.js';
import { frame } from './frame.js';

const main = document.getElementById('main');
const who = document.getElementById('who');

// ctx is what a view gets: the caller, where to draw, and a way to register
// cleanups (timers) that run when the view is left.
let cleanups = [];
let me = null;

const routes = [
  [/^#\/?$/, () => pendingView],
  [/^#\/promotions\/([^/]+)$/, () => promotionView],
  [/^#\/environments\/?$/, () => environmentsView],
  [/^#\/environments\/([^/]+)$/, () => environmentView],
];

async function render() {
  cleanups.forEach((fn) => fn());
  cleanups = [];
  const hash = location.hash || '#/';
  if (!session.token()) return signIn();
  if (!me) {
    try {
      me = await api('GET', '/me');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        session.signOut();
        return signIn('That token was not accepted: ' + e.message);
      }
      return replace(main, failure(e));
    }
    showWho();
  }
  for (const [pattern, view] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    const args = m.slice(1).map(decodeURIComponent);
    replace(main, h('p', { class: 'loading' }, 'Loading…'));
    try {
      await view()({ me, main, onLeave: (fn) => cleanups.push(fn), reload: render }, ...args);
    } catch (e) {
      replace(main, failure(e));
    }
    main.focus({ preventScroll: true });
    return;
  }
  replace(main, h('h1', {}, 'Not found'), h('p', {}, 'There is no page here. ', h('a', { href: '#/' }, 'See pending approvals.')));
  main.focus({ preventScroll: true });
}

// failure shows an error the API answered.
export function failure(e) {
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, e.code ? `${e.code}: ` : 'Error: '), e.message);
}

function showWho() {
  replace(who,
    h('span', {}, 'Signed in as ', h('strong', {}, me.subject), me.admin ? ' (admin)' : ''),
    h('button', { type: 'button', class: 'link', onclick: () => { session.signOut(); me = null; replace(who); render(); } }, 'Sign out'));
}

function signIn(problem) {
  replace(who);
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const form = h('form', { class: 'card signin', onsubmit: (ev) => {
    ev.preventDefault();
    session.signIn(input.value.trim());
    render();
  } },
  h('h1', {}, 'Sign in'),
  h('p', {}, 'Paste your token. ', h('code', {}, 'ferry local'), ' prints one per user when it starts.'),
  problem ? h('p', { class: 'error', role: 'alert' }, problem) : null,
  h('label', { for: 'token' }, 'Token'),
  input,
  h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  replace(main, form);
  input.focus();
}

frame(main);
window.addEventListener('hashchange', render);
render();
