// Building the page from data without ever parsing it as HTML: every value is a
// text node or an attribute set through the DOM, and links from data are kept
// only when they are http(s).
//
// Text from data cannot rearrange what a reviewer reads: every string that is not
// plain printable ASCII goes into its own <bdi>, so right-to-left text inside it
// cannot reorder what is around it, and the characters that control rather than
// show (C0 and C1 controls such as ESC, format characters such as the bidi
// overrides, isolates and marks U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
// U+061C and the zero-width ones, line and paragraph separators, lone surrogates;
// the set the CLI escapes) are shown as a marked "⟨U+202E⟩". Tab, newline and
// carriage return are whitespace in HTML and stay.

// h creates an element with attributes and children. Strings and numbers become
// text nodes; "on…" attributes are event listeners; false and null are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

// append adds children (nested arrays allowed) to el, as text (see text) unless
// they are nodes.
function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : text(String(child)));
  }
  return el;
}

const printableASCII = /^[\x20-\x7e]*$/;
const controls = /(?![\t\n\r])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

// text is s as a node: a text node when s is printable ASCII, else a <bdi>
// isolating it, with every control character shown as a marked ⟨U+XXXX⟩.
export function text(s) {
  if (printableASCII.test(s)) return document.createTextNode(s);
  const el = document.createElement('bdi');
  let last = 0;
  for (const m of s.matchAll(controls)) {
    if (m.index > last) el.append(s.slice(last, m.index));
    const code = 'U+' + m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    const mark = document.createElement('span');
    mark.className = 'ctl';
    mark.title = 'an invisible control character, ' + code;
    mark.textContent = `⟨${code}⟩`;
    el.append(mark);
    last = m.index + m[0].length;
  }
  if (last < s.length) el.append(s.slice(last));
  return el;
}

// marked is s as a plain string with every control character shown as
// ⟨U+XXXX⟩, for the places that take a string, not a node (an SVG <title>, an
// aria-label).
export function marked(s) {
  return String(s).replace(controls, (c) => '⟨U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0') + '⟩');
}

// replace empties el and fills it with children.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// facts is a list of [term, description] rows as a <dl class="facts">.
export function facts(rows) {
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// safeURL returns u when it is an absolute http(s) URL, else null.
export function safeURL(u) {
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

// route builds an in-page link target from path segments.
export function route(...segments) {
  return '#/' + segments.map(encodeURIComponent).join('/');
}

// zone is the one time zone every time on the page is shown in: the browser's.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const clock = new Intl.DateTimeFormat(undefined, { timeZone: zone, dateStyle: 'medium', timeStyle: 'medium' });

// timeZone names the zone times are shown in and its offset from UTC now:
// "Europe/Berlin (UTC+01:00)".
export function timeZone() {
  const minutes = -new Date().getTimezoneOffset();
  const abs = Math.abs(minutes);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${zone} (UTC${minutes < 0 ? '-' : '+'}${hhmm})`;
}

// time formats an ISO time in the reader's locale and zone (timeZone), with the
// UTC time as a title.
export function time(iso) {
  if (!iso) return h('span', {}, '–');
  const d = new Date(iso);
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, clock.format(d));
}

// duration says how long ms is, roughly: "3 h 12 min", "45 s".
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

// timeLeft says how long is left until iso, roughly ("45 min"), or '' without one.
export function timeLeft(iso) {
  return iso ? duration(Date.parse(iso) - Date.now()) : '';
}

// short shortens a digest for display.
export function short(id) {
  return id ? id.replace(/^sha256:/, '').slice(0, 12) : '–';
}

// badge shows a promotion state.
export function badge(state) {
  return h('span', { class: 'badge state-' + String(state).toLowerCase() }, String(state).replaceAll('_', ' '));
}
