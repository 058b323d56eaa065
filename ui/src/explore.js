// The explore view: a profile type, a selector and a time range give the
// series chart (drag on it to narrow the range), the flame graph of the
// merge over the range, and its top table.
import { api, ApiError } from './api.js';
import { drawChart } from './chart.js';
import { FlameGraph } from './flame.js';
import {
  apiRange,
  profileTypes,
  queryLinks,
  rangeOf,
  rangePicker,
  selectorInput,
  setRange,
  typeSelect,
} from './query.js';
import { el, clear, fmtValue, writeHash } from './util.js';

// Nodes the flame graph asks for: more than a screen can show at once,
// zoom included; what is smaller is summed into "other" by the server.
export const FLAME_NODES = 20000;
const TOP_ROWS = 50;

export function topTable(top, unit) {
  const rows = top.rows || [];
  const body = el('tbody');
  for (const r of rows) {
    body.append(
      el(
        'tr',
        {},
        el('td', { class: 'num', text: fmtValue(r.flat, unit) }),
        el('td', { class: 'num', text: `${r.flat_pct.toFixed(2)}%` }),
        el('td', { class: 'num', text: fmtValue(r.cum, unit) }),
        el('td', { class: 'num', text: `${r.cum_pct.toFixed(2)}%` }),
        el('td', { class: 'fn', text: r.function }),
      ),
    );
  }
  return el(
    'table',
    { class: 'top' },
    el('thead', {}, el('tr', {}, ...['flat', 'flat%', 'cum', 'cum%', 'function'].map((h) => el('th', { text: h })))),
    body,
  );
}

// An API error as the page shows it. A 404 is not a fault: nothing was
// stored that matches (a range before the first scrape, a new selector).
export function errorBox(e) {
  if (e instanceof ApiError && e.status === 404) return el('p', { class: 'muted', text: `Nothing here: ${e.message}.` });
  const msg = e instanceof ApiError ? `${e.status}: ${e.message}` : String(e.message || e);
  return el('p', { class: 'error', role: 'alert', text: msg });
}

export async function renderExplore(root, params) {
  const type = params.get('type') || 'cpu';
  const query = params.get('query') || '{}';
  const r = rangeOf(params);
  const sampleType = params.get('sample_type') || '';
  const go = (mut) => {
    const p = new URLSearchParams(params);
    mut(p);
    writeHash('explore', p);
  };
  const types = await profileTypes();
  const stSelect = el('select', { 'aria-label': 'sample type', class: 'sample-type' });
  stSelect.addEventListener('change', () => go((p) => p.set('sample_type', stSelect.value)));
  const controls = el(
    'div',
    { class: 'controls' },
    typeSelect(type, (t) => go((p) => (p.set('type', t), p.delete('sample_type'))), types),
    selectorInput(query, (q) => go((p) => p.set('query', q)), () => r),
    stSelect,
    rangePicker(r, (v) => go((p) => setRange(p, v))),
  );
  const q = { type, query, ...apiRange(r) };
  if (sampleType) q.sample_type = sampleType;
  const chartBox = el('div', { class: 'chart', 'aria-label': 'series' });
  const flameBox = el('div', { class: 'flame-box' });
  const topBox = el('div', { class: 'top-box' });
  const title = el('h2', { class: 'view-title', text: `${type} ${query}` });
  clear(root).append(controls, title, queryLinks('/api/v1/merge', q, `${type}-merge`), chartBox, flameBox, topBox);

  // sample types of this profile type, from the newest profile in range
  api('/api/v1/profiles', { type, query, ...apiRange(r), limit: '1' })
    .then((j) => {
      const p = (j.profiles || j.data || [])[0];
      const names = p ? p.sample_types.map((s) => s.split('/')[0]) : [];
      // pprof's rule: with no default, the last sample type is the one shown
      const def = p && p.default_sample_type ? p.default_sample_type.split('/')[0] : names[names.length - 1];
      for (const n of names)
        stSelect.append(el('option', { value: n, text: n, selected: sampleType ? n === sampleType : n === def }));
      stSelect.hidden = names.length < 2;
    })
    .catch(() => (stSelect.hidden = true));

  const step = Math.max(1, Math.round((r.to - r.from) / 1000 / 120));
  const series = api('/api/v1/series', { ...q, step: `${step}s` });
  const tree = api('/api/v1/merge', { ...q, format: 'json', limit: String(FLAME_NODES) });
  const top = api('/api/v1/merge', { ...q, format: 'top', limit: String(TOP_ROWS) });
  let unit = '';
  try {
    const t = await top;
    unit = t.unit;
    title.textContent = `${type} ${query}: ${t.sample_type}, total ${fmtValue(t.total, unit)}`;
    topBox.append(el('h3', { text: 'Top functions' }), topTable(t, unit));
  } catch (e) {
    topBox.append(errorBox(e));
  }
  series
    .then((s) =>
      drawChart(chartBox, s, {
        unit,
        range: r,
        onRange: (a, b) => go((p) => setRange(p, { from: a, to: b })),
      }),
    )
    .catch((e) => chartBox.append(errorBox(e)));
  try {
    const t = await tree;
    if (!t.total) {
      flameBox.append(el('p', { class: 'muted', text: 'No samples in this range yet.' }));
      return;
    }
    const fg = new FlameGraph(flameBox, { unit });
    fg.setData(t);
    root.flame = fg;
  } catch (e) {
    flameBox.append(errorBox(e));
  }
}
