// The diff view: a base and a target (selector and range each; the typical
// use is one job with deployment="v1" against deployment="v2"), the
// functions ranked by how much their share grew, and the differential
// flame graph (red grew, blue shrank, base-only frames kept).
import { api } from './api.js';
import { FlameGraph } from './flame.js';
import { FLAME_NODES, errorBox } from './explore.js';
import { apiRange, profileTypes, queryLinks, rangeOf, rangePicker, selectorInput, setRange, typeSelect } from './query.js';
import { el, clear, fmtValue, writeHash } from './util.js';

const TOP_ROWS = 50;

function signed(x, digits = 2) {
  return `${x > 0 ? '+' : ''}${x.toFixed(digits)}`;
}

function rankTable(top, unit) {
  const body = el('tbody');
  for (const r of top.rows || []) {
    body.append(
      el(
        'tr',
        { class: r.flat_delta_pct > 0 ? 'grew' : r.flat_delta_pct < 0 ? 'shrank' : '' },
        el('td', { class: 'num', text: signed(r.flat_delta_pct) }),
        el('td', { class: 'num', text: signed(r.cum_delta_pct) }),
        el('td', { class: 'num', text: `${fmtValue(r.base_flat, unit)} (${r.base_flat_pct.toFixed(2)}%)` }),
        el('td', { class: 'num', text: `${fmtValue(r.target_flat, unit)} (${r.target_flat_pct.toFixed(2)}%)` }),
        el('td', { class: 'fn', text: r.function }),
      ),
    );
  }
  const head = ['flat Δ pts', 'cum Δ pts', 'base flat', 'target flat', 'function'];
  return el('table', { class: 'top diff' }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { text: h })))), body);
}

export async function renderDiff(root, params) {
  const type = params.get('type') || 'cpu';
  const base = params.get('base') || '{deployment="v1"}';
  const target = params.get('target') || '{deployment="v2"}';
  const normalize = params.get('normalize') !== 'false';
  const tr = rangeOf(params);
  const br = params.has('base_range') || params.has('base_from') ? rangeOf(params, 'base_') : tr;
  const go = (mut) => {
    const p = new URLSearchParams(params);
    mut(p);
    writeHash('diff', p);
  };
  const types = await profileTypes();
  const norm = el('input', { type: 'checkbox', id: 'normalize', checked: normalize });
  norm.addEventListener('change', () => go((p) => p.set('normalize', String(norm.checked))));
  const controls = el(
    'div',
    { class: 'controls diff-controls' },
    el('div', { class: 'row' }, typeSelect(type, (t) => go((p) => p.set('type', t)), types),
      el('label', { for: 'normalize' }, norm, ' scale the base to the target\'s total')),
    el('div', { class: 'row' }, el('span', { class: 'side base', text: 'Base' }),
      selectorInput(base, (q) => go((p) => p.set('base', q)), () => br, 'base selector'),
      rangePicker(br, (v) => go((p) => setRange(p, v, 'base_')), 'base time range')),
    el('div', { class: 'row' }, el('span', { class: 'side target', text: 'Target' }),
      selectorInput(target, (q) => go((p) => p.set('target', q)), () => tr, 'target selector'),
      rangePicker(tr, (v) => go((p) => setRange(p, v)), 'target time range')),
  );
  const q = { type, base, target, ...apiRange(tr), normalize: String(normalize) };
  const b = apiRange(br);
  q.base_from = b.from;
  q.base_to = b.to;
  const title = el('h2', { class: 'view-title', text: `${type}: ${base} → ${target}` });
  const rankBox = el('div', { class: 'top-box' });
  const flameBox = el('div', { class: 'flame-box' });
  clear(root).append(controls, title, queryLinks('/api/v1/diff', q, `${type}-diff`), flameBox, rankBox);
  let unit = '';
  try {
    const top = await api('/api/v1/diff', { ...q, format: 'top', limit: String(TOP_ROWS) });
    unit = top.unit;
    title.textContent = `${type}: ${base} (${fmtValue(top.base_total, unit)}) → ${target} (${fmtValue(top.target_total, unit)})`;
    rankBox.append(el('h3', { text: 'Ranked by change of share, largest growth first' }), rankTable(top, unit));
  } catch (e) {
    rankBox.append(errorBox(e));
    return;
  }
  try {
    const t = await api('/api/v1/diff', { ...q, format: 'json', limit: String(FLAME_NODES) });
    flameBox.append(el('p', { class: 'legend' }, el('span', { class: 'key grew', text: 'grew' }), ' ',
      el('span', { class: 'key shrank', text: 'shrank' }), ' — a frame is as wide as base and target together'));
    const holder = el('div');
    flameBox.append(holder);
    const fg = new FlameGraph(holder, { unit, diff: true });
    fg.setData(t);
    root.flame = fg;
  } catch (e) {
    flameBox.append(errorBox(e));
  }
}
