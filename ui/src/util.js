// Small helpers every view uses: DOM building (text is always set as text,
// never parsed as HTML, so profile strings cannot inject markup), number
// and time formatting, and the URL hash as the page's state.

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

const UNITS = {
  nanoseconds: [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']],
  bytes: [[2 ** 40, 'TiB'], [2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB'], [1, 'B']],
};

// A value in its unit, scaled and short: 1.25 s, 3.4 MiB, 12.3k.
export function fmtValue(v, unit) {
  const a = Math.abs(v);
  const steps = UNITS[unit];
  if (steps) {
    for (const [div, name] of steps) {
      if (a >= div || div === 1) return `${trim(v / div)} ${name}`;
    }
  }
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  return trim(v);
}

function trim(x) {
  const a = Math.abs(x);
  const s = a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
  return s.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
}

export function pct(part, whole) {
  if (!whole) return '0%';
  return `${((100 * part) / whole).toFixed(2)}%`;
}

export function fmtTime(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// The view and its parameters live in the hash (#/explore?type=cpu&...),
// so every state of the page is a link that can be shared or reloaded.
export function readHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [view, qs] = h.split('?');
  return { view: view || 'explore', params: new URLSearchParams(qs || '') };
}

export function writeHash(view, params, replace = false) {
  const qs = params.toString();
  const h = `#/${view}${qs ? `?${qs}` : ''}`;
  if (location.hash === h) return;
  if (replace) history.replaceState(null, '', h);
  else location.hash = h;
}

// The name of a Go function without its package path, as pprof shortens:
// github.com/a/b/v2.(*T).m -> b.(*T).m
export function shortName(name) {
  const i = name.lastIndexOf('/');
  if (i < 0 || i === name.length - 1) return name;
  const open = name.indexOf('(');
  if (open >= 0 && open < i) return name;
  return name.slice(i + 1);
}

export function debounce(fn, ms) {
  let t = 0;
  return (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}
