// The HTTP API, on this origin, with the bearer token kept for this tab only.

const KEY = 'ferry.token';
let onEnded = null;

export const session = {
  token: () => sessionStorage.getItem(KEY),
  signIn: (token) => sessionStorage.setItem(KEY, token),
  signOut: () => sessionStorage.removeItem(KEY),
  // whenEnded sets what happens when the API refuses (401) the token of a
  // session that was working, such as an expired ID token (null: nothing).
  whenEnded: (fn) => { onEnded = fn; },
};

// ApiError is an answer {"error": {"code", "message"}}.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// api calls the API and returns the decoded answer; errors throw ApiError.
// A GET revalidates what the browser kept (If-None-Match): an answer that did
// not change comes back 304, without its body.
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const token = session.token();
  const ending = onEnded;
  if (token) headers.Authorization = 'Bearer ' + token;
  const init = { method, headers, cache: method === 'GET' ? 'no-cache' : 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api' + path, init);
  } catch {
    throw new ApiError(0, 'unreachable', 'The Ferry server cannot be reached. Is it running?');
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    if (res.status === 401 && token && ending) {
      // The session ended: the page asks to sign in again in place of the view
      // (once, however many calls were under way), so the call never settles
      // and the view that made it does nothing more.
      if (onEnded === ending) {
        onEnded = null;
        session.signOut();
        ending(e.message || res.statusText);
      }
      return new Promise(() => {});
    }
    throw new ApiError(res.status, e.code || 'internal', e.message || res.statusText);
  }
  return data;
}
