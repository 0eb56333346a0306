// Keeping a view live: it asks the API again every few seconds, conditionally
// (cache 'no-cache': the browser revalidates with the ETag and the server answers
// 304 while nothing changed), and redraws only what changed, in place, so the
// scroll position, the focus and what is open survive.
import { api } from './api.js';
import { h, text, replace } from './dom.js';

// POLL_MS is how often a live view asks again.
export const POLL_MS = 5000;

// live draws the answer to GET path now, then again every POLL_MS while the
// view is shown and the tab visible (drawing again even when the answer is the
// same: times left move on). The first answer's failure is thrown, for the
// router to show; a later one is said in status, and the next tick tries again.
export async function live(ctx, path, status, draw) {
  const get = () => api('GET', path, undefined, { cache: 'no-cache' });
  let stopped = false;
  let timer = 0;
  const tick = async () => {
    if (!document.hidden) {
      try {
        const data = await get();
        if (stopped) return;
        if (status.textContent) replace(status);
        draw(data);
      } catch (e) {
        if (!stopped) replace(status, text(`Not refreshed (${e.message}); trying again.`));
      }
    }
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  ctx.onLeave(() => {
    stopped = true;
    clearTimeout(timer);
  });
  draw(await get());
  if (!stopped) timer = setTimeout(tick, POLL_MS);
}

// announcer is a region, seen by screen readers only, that says what changed
// in a live view whose own drawing is not announced (aria-live off: times left
// move on every minute). say(items) announces the items, keyed, whose text
// differs from the last call's, beginning after the first call.
export function announcer() {
  const el = h('p', { class: 'announce', role: 'status' });
  let last = null;
  const say = (items) => {
    const now = new Map(items);
    if (last) {
      const changed = items.filter(([key, what]) => last.get(key) !== what).map(([, what]) => what);
      const gone = [...last.keys()].filter((key) => !now.has(key));
      const parts = [...changed, ...(gone.length ? [`No longer shown: ${gone.join(', ')}`] : [])];
      if (parts.length) replace(el, text(parts.join('. ') + '.'));
    }
    last = now;
  };
  return { el, say };
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
