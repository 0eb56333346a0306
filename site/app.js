// The approval page: a hash router over a few views, and sign-in: with the
// team's OpenID provider when the server names one (auth.js), or with a pasted
// bearer token (ferry local prints them). A session the API stops accepting
// (an expired ID token) ends in "Signed out", and signing in again returns to
// the same view.
import { api, session, ApiError } from './api.js';
import { provider, providerName, startSignIn, finishSignIn } from './auth.js';
import { h, replace } from './dom.js';
import { pendingView } from './pending.js';
import { promotionView } from './promotion.js';
import { environmentsView, environmentView } from './environments.js';
import { frame } from './frame.js';

const main = document.getElementById('main');
const who = document.getElementById('who');

// ctx is what a view gets: the caller, where to draw, and a way to register
// cleanups (timers) that run when the view is left. A view draws into a stage
// of its own that takes main's place once the view is ready, and only if it is
// still the route shown: a slow view the reader has left draws nothing and is
// stopped at once. shown counts the routes shown, so each render knows whether
// it is still the current one.
let cleanups = [];
let shown = 0;
let me = null;
// oidc is the provider the page signs in with, or null; undefined until asked.
let oidc;
// fresh says where a token not yet accepted came from: 'pasted', 'provider',
// or null for one kept from earlier in this tab.
let fresh = null;
// startProblem is why the provider's sign-in failed, shown once.
let startProblem = null;

const routes = [
  [/^#\/?$/, () => pendingView],
  [/^#\/promotions\/([^/]+)$/, () => promotionView],
  [/^#\/environments\/?$/, () => environmentsView],
  [/^#\/environments\/([^/]+)$/, () => environmentView],
];

async function render() {
  const current = ++shown;
  cleanups.forEach((fn) => fn());
  cleanups = [];
  const hash = location.hash || '#/';
  if (!session.token()) {
    const problem = startProblem;
    startProblem = null;
    return signIn({ problem });
  }
  if (!me) {
    try {
      const answer = await api('GET', '/me');
      if (current !== shown) return;
      me = answer;
    } catch (e) {
      if (current !== shown) return;
      if (e instanceof ApiError && e.status === 401) {
        session.signOut();
        const from = fresh;
        fresh = null;
        if (from === 'pasted') return signIn({ problem: 'That token was not accepted: ' + e.message });
        if (from === 'provider') return signIn({ problem: 'The provider signed you in, but Ferry did not accept its ID token: ' + e.message });
        return signIn({ ended: e.message });
      }
      return replace(main, failure(e));
    }
    fresh = null;
    session.whenEnded(sessionEnded);
    showWho();
  }
  for (const [pattern, view] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    const args = m.slice(1).map(decodeURIComponent);
    replace(main, h('p', { class: 'loading' }, 'Loading…'));
    const stage = h('div', {});
    const leave = [];
    const onLeave = (fn) => (current === shown ? leave.push(fn) : fn());
    let failed = null;
    try {
      await view()({ me, main: stage, onLeave }, ...args);
    } catch (e) {
      failed = e;
    }
    if (current !== shown) {
      leave.forEach((fn) => fn());
      return;
    }
    cleanups = leave;
    if (failed) replace(main, failure(failed));
    else main.replaceChildren(...stage.childNodes);
    main.focus({ preventScroll: true });
    return;
  }
  replace(main, h('h1', {}, 'Not found'), h('p', {}, 'There is no page here. ', h('a', { href: '#/' }, 'See pending approvals.')));
  main.focus({ preventScroll: true });
}

// failure shows an error the API answered.
function failure(e) {
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, e.code ? `${e.code}: ` : 'Error: '), e.message);
}

function showWho() {
  replace(who,
    h('span', {}, 'Signed in as ', h('strong', {}, me.subject), me.admin ? ' (admin)' : ''),
    h('button', { type: 'button', class: 'link', onclick: () => { session.whenEnded(null); session.signOut(); me = null; replace(who); render(); } }, 'Sign out'));
}

// sessionEnded replaces the view with "Signed out" when the API stops
// accepting the session's token; signing in again comes back to this view.
function sessionEnded(why) {
  cleanups.forEach((fn) => fn());
  cleanups = [];
  me = null;
  signIn({ ended: why });
}

// signIn asks to sign in: with the provider when there is one, or with a
// pasted token. ended is why a session ended, problem why a sign-in failed.
async function signIn({ problem, ended } = {}) {
  replace(who);
  session.whenEnded(null);
  if (oidc === undefined) {
    try {
      oidc = await provider();
    } catch (e) {
      problem = problem || 'The server cannot say how to sign in: ' + e.message;
    }
  }
  const note = h('div', {});
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const withProvider = oidc ? h('button', { type: 'button', class: 'primary', id: 'oidc-sign-in', onclick: async () => {
    withProvider.disabled = true;
    replace(note, h('p', { class: 'loading' }, 'Going to the provider…'));
    try {
      await startSignIn(oidc);
    } catch (e) {
      withProvider.disabled = false;
      replace(note, h('p', { class: 'error', role: 'alert' }, e.message));
    }
  } }, 'Sign in with ', providerName(oidc)) : null;
  const form = h('form', { class: 'card signin', onsubmit: (ev) => {
    ev.preventDefault();
    session.signIn(input.value.trim());
    fresh = 'pasted';
    render();
  } },
  h('h1', {}, ended ? 'Signed out' : 'Sign in'),
  ended ? h('p', { class: 'error', role: 'alert' }, h('strong', {}, 'Your session ended. Sign in again.'), ' The server said: ', ended) : null,
  problem ? h('p', { class: 'error', role: 'alert' }, problem) : null,
  withProvider, note,
  h('p', {}, oidc ? 'Or paste a token: ' : 'Paste your token. ', h('code', {}, 'ferry local'), ' prints one per user when it starts.'),
  h('label', { for: 'token' }, 'Token'),
  input,
  h('button', { type: 'submit', class: oidc ? null : 'primary' }, 'Sign in'));
  replace(main, form);
  (withProvider || input).focus();
}

// start finishes a sign-in the provider sent the browser back from, then
// shows the route the address names.
async function start() {
  try {
    const token = await finishSignIn();
    if (token) {
      session.signIn(token);
      fresh = 'provider';
    }
  } catch (e) {
    startProblem = e.message;
  }
  frame(main);
  window.addEventListener('hashchange', render);
  render();
}

start();
