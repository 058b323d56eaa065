// The controls every profile view shares: profile type, selector (with
// label completion from the labels API), time range (presets and custom)
// and sample type; and the query links (download, go tool pprof).
import { api, downloadLink, pprofCommand } from './api.js';
import { el, clear, debounce } from './util.js';

export const PRESETS = [
  ['15m', 15 * 60e3],
  ['1h', 3600e3],
  ['6h', 6 * 3600e3],
  ['24h', 24 * 3600e3],
  ['7d', 7 * 86400e3],
  ['30d', 30 * 86400e3],
];
export const DEFAULT_TYPES = ['cpu', 'heap', 'allocs', 'goroutine', 'block', 'mutex'];

// {from, to} in ms for the params' range: range=15m (a preset, relative to
// now) or from/to (ms).
export function rangeOf(params, prefix = '') {
  const from = Number(params.get(`${prefix}from`));
  const to = Number(params.get(`${prefix}to`));
  if (from > 0 && to > from) return { from, to, preset: null };
  const name = params.get(`${prefix}range`) || '15m';
  const p = PRESETS.find(([n]) => n === name) || PRESETS[0];
  const now = Date.now();
  return { from: now - p[1], to: now, preset: p[0] };
}

// API time parameters: unix milliseconds.
export function apiRange(r) {
  return { from: String(Math.floor(r.from)), to: String(Math.ceil(r.to)) };
}

let typesCache = null;
export async function profileTypes() {
  if (typesCache) return typesCache;
  try {
    const j = await api('/api/v1/labels/type/values', { from: 'now-30d' });
    const got = (j.data || j.values || []).filter((v) => typeof v === 'string');
    typesCache = [...new Set([...got.sort(), ...(got.length ? [] : DEFAULT_TYPES)])];
  } catch (_) {
    typesCache = DEFAULT_TYPES;
  }
  return typesCache;
}

export function typeSelect(value, onChange, types) {
  const s = el('select', { 'aria-label': 'profile type', class: 'type' });
  const all = types.includes(value) ? types : [value, ...types];
  for (const t of all) s.append(el('option', { value: t, text: t, selected: t === value }));
  s.addEventListener('change', () => onChange(s.value));
  return s;
}

// What completes at the caret: a label name after "{" or ",", or a value
// after name=" / name=~" / name!=".
function completionContext(text) {
  const m = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)$/.exec(text);
  if (m) return { kind: 'value', name: m[1], partial: m[3] };
  const n = /(?:^|[{,])\s*([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(text);
  if (n) return { kind: 'name', partial: n[1] || '' };
  return null;
}

// A selector input: Enter (or leaving it) applies; suggestions come from
// /api/v1/labels and /api/v1/labels/{name}/values over the range.
export function selectorInput(value, onApply, rangeFn, label = 'selector') {
  const input = el('input', {
    type: 'text',
    class: 'selector',
    value,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-label': label,
    placeholder: '{job="api", deployment="v2"}',
  });
  const list = el('ul', { class: 'suggest', role: 'listbox', hidden: true });
  const wrap = el('div', { class: 'selector-wrap' }, input, list);
  let items = [];
  let active = -1;
  const cache = new Map();
  async function fetchList(path) {
    if (!cache.has(path)) {
      cache.set(
        path,
        api(path, apiRange(rangeFn()))
          .then((j) => (j.data || j.values || j.labels || []).filter((v) => typeof v === 'string'))
          .catch(() => []),
      );
    }
    return cache.get(path);
  }
  function close() {
    list.hidden = true;
    items = [];
    active = -1;
  }
  function choose(i) {
    const ctx = completionContext(input.value.slice(0, input.selectionStart));
    if (!ctx || !items[i]) return;
    const before = input.value.slice(0, input.selectionStart - ctx.partial.length);
    const after = input.value.slice(input.selectionStart);
    const ins = ctx.kind === 'value' ? `${items[i].replace(/["\\]/g, '\\$&')}"` : `${items[i]}="`;
    let rest = after;
    if (ctx.kind === 'value' && rest.startsWith('"')) rest = rest.slice(1);
    input.value = before + ins + rest;
    const caret = before.length + ins.length;
    input.setSelectionRange(caret, caret);
    close();
    input.focus();
    if (ctx.kind === 'name') suggest();
  }
  const suggest = debounce(async () => {
    const ctx = completionContext(input.value.slice(0, input.selectionStart));
    if (!ctx || document.activeElement !== input) return close();
    const all =
      ctx.kind === 'name'
        ? await fetchList('/api/v1/labels')
        : await fetchList(`/api/v1/labels/${encodeURIComponent(ctx.name)}/values`);
    const p = ctx.partial.toLowerCase();
    items = all.filter((v) => v.toLowerCase().startsWith(p) && v !== ctx.partial).slice(0, 12);
    clear(list);
    if (!items.length) return close();
    active = -1;
    items.forEach((v, i) =>
      list.append(
        el('li', {
          role: 'option',
          text: v,
          onmousedown: (ev) => {
            ev.preventDefault();
            choose(i);
          },
        }),
      ),
    );
    list.hidden = false;
  }, 120);
  input.addEventListener('input', suggest);
  input.addEventListener('focus', suggest);
  input.addEventListener('blur', () => setTimeout(close, 100));
  input.addEventListener('keydown', (ev) => {
    if (!list.hidden && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp')) {
      ev.preventDefault();
      active = (active + (ev.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      [...list.children].forEach((li, i) => li.classList.toggle('active', i === active));
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      if (!list.hidden && active >= 0) choose(active);
      else {
        close();
        onApply(input.value.trim() || '{}');
      }
    } else if (ev.key === 'Escape') close();
  });
  input.addEventListener('change', () => onApply(input.value.trim() || '{}'));
  return wrap;
}

function toLocalInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3);
  return d.toISOString().slice(0, 16);
}

// Preset buttons and a custom from/to; onChange gets {range} or {from,to}.
export function rangePicker(r, onChange, label = 'time range') {
  const box = el('div', { class: 'range', role: 'group', 'aria-label': label });
  for (const [name] of PRESETS) {
    box.append(
      el('button', {
        type: 'button',
        class: r.preset === name ? 'preset on' : 'preset',
        text: name,
        'aria-pressed': r.preset === name ? 'true' : 'false',
        onclick: () => onChange({ range: name }),
      }),
    );
  }
  const from = el('input', { type: 'datetime-local', value: toLocalInput(r.from), 'aria-label': 'from' });
  const to = el('input', { type: 'datetime-local', value: toLocalInput(r.to), 'aria-label': 'to' });
  const apply = () => {
    const a = new Date(from.value).getTime();
    const b = new Date(to.value).getTime();
    if (a > 0 && b > a) onChange({ from: a, to: b });
  };
  from.addEventListener('change', apply);
  to.addEventListener('change', apply);
  box.append(el('span', { class: 'custom' }, from, ' – ', to));
  return box;
}

// Sets range params from a picker's answer.
export function setRange(params, v, prefix = '') {
  params.delete(`${prefix}range`);
  params.delete(`${prefix}from`);
  params.delete(`${prefix}to`);
  if (v.range) params.set(`${prefix}range`, v.range);
  else {
    params.set(`${prefix}from`, String(Math.round(v.from)));
    params.set(`${prefix}to`, String(Math.round(v.to)));
  }
}

// "Download pprof" and the go tool pprof command for the same answer.
export function queryLinks(path, params, name) {
  const p = { ...params };
  delete p.format;
  delete p.limit;
  const cmd = pprofCommand(path, p);
  const code = el('code', { class: 'cmd', text: cmd });
  const copy = el('button', {
    type: 'button',
    class: 'copy',
    text: 'Copy',
    onclick: () => navigator.clipboard && navigator.clipboard.writeText(cmd),
  });
  return el('div', { class: 'links' }, downloadLink(path, p, `${name}.pb.gz`), el('span', { class: 'cmd-box' }, code, copy));
}
