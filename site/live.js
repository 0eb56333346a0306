// Keeping a view current without rebuilding it: parts redrawn only when their
// data changed, a polite live region that says what changed, and a poller that
// asks the server again every few seconds (conditionally: api() revalidates, so
// an answer that did not change costs a 304).
import { h, replace } from './dom.js';

// part is an element drawn by draw(view) from pick(view), drawn again only when
// what pick returns changed.
export function part(el, pick, draw) {
  let last;
  return {
    el,
    update(view) {
      const key = JSON.stringify(pick(view) ?? null);
      if (key === last) return;
      last = key;
      replace(el, draw(view));
    },
  };
}

// announcer is a visually hidden polite live region; say(messages) reads them
// out, once, and nothing else on the page is announced.
export function announcer() {
  const el = h('div', { id: 'announce', class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' });
  return {
    el,
    say(messages) {
      if (messages.length === 0) return;
      // Emptied first, so the same words said again are read again.
      el.textContent = '';
      setTimeout(() => { el.textContent = messages.join('. ') + '.'; }, 50);
    },
  };
}

// poller calls load() every ms until done(answer) or stop(), one call at a
// time; now() asks at once (after an action) and returns when the answer is
// applied. Only the newest answer is applied: an older one that arrives late
// is dropped. failed(error) is told when a call fails, ok() when one works
// again.
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
    else if (!stopped && n === asked) timer = setTimeout(now, ms);
  };
  return {
    now,
    start: () => { timer = setTimeout(now, ms); },
    stop: () => { stopped = true; clearTimeout(timer); },
  };
}
