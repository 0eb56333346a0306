// What surrounds every view: the document's title, taken from the view's
// heading; the time zone every time is shown in; the skip link to the view.
import { replace, timeZone } from './dom.js';

// titleOf is the title for what main shows: its h1's text, each state badge in
// it after a "·", then the site's name; just the site's name without an h1.
function titleOf(main) {
  const heading = main.querySelector('h1');
  if (!heading) return 'Ferry';
  const words = (node) => node.textContent.replace(/\s+/g, ' ').trim();
  const name = heading.cloneNode(true);
  name.querySelectorAll('.badge').forEach((badge) => badge.remove());
  return [words(name), ...[...heading.querySelectorAll('.badge')].map(words)].filter(Boolean).join(' · ') + ' — Ferry';
}

// frame keeps the title in step with main's heading as views draw and redraw
// it, names the time zone in the header, and makes the skip link focus main
// (its #main would otherwise be taken for a route).
export function frame(main) {
  const retitle = () => {
    const title = titleOf(main);
    if (document.title !== title) document.title = title;
  };
  new MutationObserver(retitle).observe(main, { childList: true, subtree: true, characterData: true });
  retitle();
  replace(document.getElementById('zone'), 'Times in ', timeZone());
  document.querySelector('.skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
    main.scrollIntoView();
  });
}
