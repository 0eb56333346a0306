// Signing in with the team's OpenID provider, in the page itself: the
// authorization code flow with PKCE (S256) as a public client, no secret, no
// library. The server says which provider (GET /api/auth/config); the page reads
// the issuer's discovery document, sends the browser to the authorization
// endpoint with a fresh state, nonce and code challenge, and, when the provider
// sends it back to this page's own URL with ?code=&state=, checks the state,
// exchanges the code at the token endpoint and checks the ID token's nonce,
// issuer and audience. The ID token is the bearer token; Ferry's server verifies
// its signature and expiry. The state, nonce and verifier are kept in this tab's
// sessionStorage only until the provider sends the browser back.
import { api } from './api.js';
import { safeURL } from './dom.js';

const PENDING = 'ferry.signin';
// signInTime is how long a sign-in may take at the provider.
const signInTime = 10 * 60 * 1000;

// provider is the OpenID provider the page signs in with ({issuer, client_id}),
// or null when people paste a token.
export async function provider() {
  return (await api('GET', '/auth/config')).oidc;
}

// providerName is what the sign-in button calls the provider: its issuer's host.
export function providerName(oidc) {
  return new URL(oidc.issuer).host;
}

// redirectURI is this page's own origin and path: where the provider sends the
// browser back, and what its client must list.
function redirectURI() {
  return location.origin + location.pathname;
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

// discover reads the issuer's discovery document, which must name the issuer.
async function discover(issuer) {
  const url = issuer.replace(/\/$/, '') + '/.well-known/openid-configuration';
  const doc = await fetchJSON(url, { credentials: 'omit' }, 'the provider’s discovery document');
  if (doc.issuer !== issuer) throw new Error(`The provider’s discovery document names the issuer ${doc.issuer}, not ${issuer}.`);
  if (!secure(doc.authorization_endpoint) || !secure(doc.token_endpoint)) {
    throw new Error('The provider’s discovery document names no https authorization and token endpoints (plain http is for this machine only).');
  }
  return doc;
}

// secure says whether u is https, or http to this machine (a provider run
// for tests or ferry local): the code and its verifier travel encrypted.
function secure(u) {
  const url = safeURL(u) && new URL(u);
  return Boolean(url) && (url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

// fetchJSON fetches and decodes JSON, throwing an Error that names what.
async function fetchJSON(url, init, what) {
  let res;
  try {
    res = await fetch(url, { cache: 'no-store', ...init });
  } catch {
    throw new Error(`Cannot reach ${what} at ${new URL(url).origin}: is the provider up, and does it allow this page’s origin?`);
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    // reported below
  }
  if (!res.ok || !data) {
    const why = data && (data.error_description || data.error);
    throw new Error(`${what[0].toUpperCase() + what.slice(1)} answered ${res.status}${why ? ': ' + why : ''}.`);
  }
  return data;
}

// startSignIn sends the browser to the provider's authorization endpoint, to
// come back to this page with the route it is on now.
export async function startSignIn(oidc) {
  const doc = await discover(oidc.issuer);
  const verifier = random();
  const state = random();
  const nonce = random();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ state, nonce, verifier, issuer: oidc.issuer, clientID: oidc.client_id,
    tokenEndpoint: doc.token_endpoint, route: location.hash, started: Date.now() }));
  const url = new URL(doc.authorization_endpoint);
  const params = { response_type: 'code', client_id: oidc.client_id, redirect_uri: redirectURI(), scope: 'openid email profile',
    state, nonce, code_challenge: challenge, code_challenge_method: 'S256' };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  location.assign(url.href);
}

// finishSignIn completes a sign-in the provider sent the browser back from:
// null when this page load is not one; else the ID token. Either way the code
// and state leave the address bar, which returns to the route the sign-in
// started on. A sign-in that fails throws an Error saying why.
export async function finishSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has('state')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', location.pathname + (pending ? pending.route : location.hash));
  if (!pending || params.get('state') !== pending.state) {
    throw new Error('That sign-in was not started in this tab, or was used already. Sign in again.');
  }
  if (Date.now() - pending.started > signInTime) throw new Error('That sign-in took more than 10 minutes. Sign in again.');
  if (params.has('error')) throw new Error(`The provider did not sign you in: ${params.get('error_description') || params.get('error')}.`);
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: params.get('code') || '', redirect_uri: redirectURI(),
    client_id: pending.clientID, code_verifier: pending.verifier });
  const tokens = await fetchJSON(pending.tokenEndpoint, { method: 'POST', credentials: 'omit', body,
    headers: { Accept: 'application/json' } }, 'the provider’s token endpoint');
  const claims = payload(tokens.id_token);
  const audiences = [claims.aud].flat();
  if (claims.nonce !== pending.nonce) throw new Error('The provider’s ID token does not carry this sign-in’s nonce. Sign in again.');
  if (claims.iss !== pending.issuer || !audiences.includes(pending.clientID)) {
    throw new Error(`The ID token is from ${claims.iss} for ${audiences.join(', ')}, not from ${pending.issuer} for ${pending.clientID}.`);
  }
  return tokens.id_token;
}

// payload decodes a JWT's claims; the server checks its signature.
function payload(jwt) {
  try {
    const part = String(jwt).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('The provider answered no readable ID token: is the "openid" scope allowed for this client?');
  }
}
