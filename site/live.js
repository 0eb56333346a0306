// Keeping a view current without rebuilding it. A poller asks the API again
// every few seconds, conditionally (api() revalidates GETs: an answer that did
// not change costs a 304 and no body; API Gateway does not stream, so this is
// how the page stays live in AWS too); parts are redrawn only when their data
// changed, in place, so the scroll position, the focus, what is open and what
// was typed survive; and one polite live region says what changed, nothing
// else.
import { api } from './api.js';
import { h, text, replace } from './dom.js';

// POLL_MS is how often a list view (board, pending) asks again.
export const POLL_MS = 5000;

// poller calls load() every ms until done(answer) or stop(), one call at a
// time, skipping turns while the tab is hidden; now() asks at once (after an
// action) and returns when the answer is applied. Only the newest answer is
// applied: an older one that arrives late is dropped. failed(error) is told
// when a call fails, ok() when one works again.
export function poller({ load, apply, done, ms, failed, ok }) {
  let timer = 0;
  let stopped = false;
  let asked = 0;
  let applied = 0;
  const now = async () => {
    clearTimeout(timer);
    const n = ++asked;
    let finished = false;
    try {
      const answer = await load();
      if (stopped || n < applied) return;
      applied = n;
      ok();
      apply(answer);
      finished = done(answer);
    } catch (e) {
      if (!stopped) failed(e);
    }
    if (finished) stopped = true;
    else if (!stopped && n === asked) timer = setTimeout(turn, ms);
  };
  const turn = () => {
    if (document.hidden) timer = setTimeout(turn, ms);
    else now();
  };
  return {
    now,
    start: () => { timer = setTimeout(turn, ms); },
    stop: () => { stopped = true; clearTimeout(timer); },
  };
}

// live draws the answer to GET path now, then again every POLL_MS while the
// view is shown (drawing again even when the answer is the same: times left
// move on). The first answer's failure is thrown, for the router to show; a
// later one is said in status, and the next turn tries again.
export async function live(ctx, path, status, draw) {
  const load = () => api('GET', path);
  draw(await load());
  const p = poller({
    load,
    apply: draw,
    done: () => false,
    ms: POLL_MS,
    failed: (e) => replace(status, text(`Not refreshed (${e.message}); trying again.`)),
    ok: () => { if (status.textContent) replace(status); },
  });
  p.start();
  ctx.onLeave(p.stop);
}

// part is an element drawn by draw(view) from pick(view), drawn again only when
// what pick returns changed; the focus inside it goes to the element of the same
// id or link in the new drawing.
export function part(el, pick, draw) {
  let last;
  return {
    el,
    update(view) {
      const key = JSON.stringify(pick(view) ?? null);
      if (key === last) return;
      last = key;
      const focus = focusOf(el);
      replace(el, draw(view));
      refocus(el, focus);
    },
  };
}

// announcer is a polite live region seen by screen readers only, the one
// place a live view's changes are announced (its drawing is not). say(messages)
// reads them out, once; sayChanged(items) says those of the keyed items
// ([key, text]) whose text differs from the last call's, and which are gone,
// beginning after the first call.
export function announcer() {
  const el = h('div', { id: 'announce', class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  let last = null;
  let queued = [];
  let timer = 0;
  const say = (messages) => {
    if (messages.length === 0) return;
    // Emptied first, so the same words said again are read again; what is said
    // in the same moment is said together.
    queued = queued.concat(messages);
    replace(el);
    clearTimeout(timer);
    timer = setTimeout(() => {
      replace(el, text(queued.join('. ') + '.'));
      queued = [];
    }, 50);
  };
  const sayChanged = (items) => {
    const now = new Map(items);
    if (last) {
      const changed = items.filter(([key, what]) => last.get(key) !== what).map(([, what]) => what);
      const gone = [...last.keys()].filter((key) => !now.has(key));
      say([...changed, ...(gone.length ? [`No longer shown: ${gone.join(', ')}`] : [])]);
    }
    last = now;
  };
  return { el, say, sayChanged };
}

// drawn remembers what each keyed element was drawn from.
const drawn = new WeakMap();

// patch makes container's children the elements of items ({ key, from,
// render }), in order, reusing the element already there for a key when it was
// drawn from the same data (from, a string) and rendering the others; a
// redrawn element that held the focus gives it to its replacement's element
// with the same id or link. It returns the elements.
export function patch(container, items) {
  const old = new Map([...container.children].map((el) => [el.dataset.key, el]));
  const els = items.map(({ key, from, render }) => {
    const el = old.get(key);
    if (el && drawn.get(el) === from) return el;
    const fresh = render();
    fresh.dataset.key = key;
    drawn.set(fresh, from);
    if (el) {
      const focus = focusOf(el);
      el.replaceWith(fresh);
      refocus(fresh, focus);
    }
    return fresh;
  });
  const kids = container.children;
  if (els.length !== kids.length || els.some((el, i) => kids[i] !== el)) {
    const focus = document.activeElement;
    container.replaceChildren(...els);
    if (focus && container.contains(focus)) focus.focus({ preventScroll: true });
  }
  return els;
}

// focusOf says how to find the focused element inside el again, if it is there.
function focusOf(el) {
  const f = document.activeElement;
  if (!f || f === el || !el.contains(f)) return null;
  if (f.id) return '#' + CSS.escape(f.id);
  const href = f.getAttribute('href');
  return href ? `[href="${CSS.escape(href)}"]` : null;
}

function refocus(el, selector) {
  const target = selector && el.querySelector(selector);
  if (target) target.focus({ preventScroll: true });
}
