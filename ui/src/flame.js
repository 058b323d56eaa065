// An interactive flame graph on a canvas (an icicle: the root on top).
// A canvas, not a DOM node per frame, so a tree of 50,000 stacks draws in
// milliseconds and zooming redraws only what is wide enough to see.
//
// The tree (the API's format=json) is flattened once into arrays in
// pre-order, where a node's subtree is the index range [i, end[i]); drawing
// skips a whole subtree as soon as it is under a pixel wide.
import { el, clear, fmtValue, pct, shortName } from './util.js';

const ROW = 18; // px per frame row
const FONT = '12px ui-monospace, "DejaVu Sans Mono", monospace';
const MIN_PX = 0.5; // frames narrower than this are not drawn

function hashStr(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

// Warm colours fixed per package, so one package reads as one hue.
function warm(name) {
  const pkg = name.replace(/\.[^.]*$/, '');
  const h = hashStr(pkg);
  const r = 205 + (h % 50);
  const g = 80 + ((h >>> 8) % 120);
  const b = 40 + ((h >>> 16) % 50);
  return `rgb(${r},${g},${b})`;
}

// Red grew, blue shrank, deeper with the change relative to the largest.
function diffColor(delta, maxAbs) {
  if (maxAbs <= 0 || delta === 0) return 'rgb(200,200,200)';
  const t = Math.min(1, Math.abs(delta) / maxAbs);
  const c = Math.round(220 - 170 * t);
  return delta > 0 ? `rgb(255,${c},${c})` : `rgb(${c},${c},255)`;
}

function flatten(root, diff) {
  const names = [];
  const total = [];
  const self = [];
  const base = [];
  const depth = [];
  const start = [];
  const end = [];
  const parent = [];
  // iterative pre-order: stacks from deep profiles must not overflow
  const stack = [[root, -1, 0, 0]];
  while (stack.length) {
    const [n, par, d, x] = stack.pop();
    const i = names.length;
    names.push(n.name);
    total.push(n.total);
    self.push(n.self);
    base.push(diff ? n.base || 0 : 0);
    depth.push(d);
    start.push(x);
    parent.push(par);
    end.push(0);
    const kids = n.children || [];
    // children left to right in the order given (widest first); pushed
    // in reverse so the first is visited first
    let cx = x;
    const pos = [];
    for (const c of kids) {
      pos.push(cx);
      cx += c.total + (diff ? c.base || 0 : 0);
    }
    stack.push([null, i]); // marker: subtree of i ends here
    for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k], i, d + 1, pos[k]]);
    while (stack.length && stack[stack.length - 1][0] === null) {
      const [, j] = stack.pop();
      end[j] = names.length;
    }
  }
  const n = names.length;
  const width = new Float64Array(n);
  let maxDepth = 0;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    width[i] = total[i] + base[i];
    if (depth[i] > maxDepth) maxDepth = depth[i];
    if (diff && i > 0) maxAbs = Math.max(maxAbs, Math.abs(total[i] - base[i]));
  }
  return {
    n,
    names,
    total: Float64Array.from(total),
    self: Float64Array.from(self),
    base: Float64Array.from(base),
    depth: Int32Array.from(depth),
    start: Float64Array.from(start),
    end: Int32Array.from(end),
    parent: Int32Array.from(parent),
    width,
    maxDepth,
    maxAbs,
  };
}

export class FlameGraph {
  // opts: unit (of the values), diff (a differential tree: nodes carry base)
  constructor(container, opts = {}) {
    this.opts = opts;
    this.focus = 0;
    this.matches = null;
    this.hover = -1;
    this.crumbs = el('nav', { class: 'crumbs', 'aria-label': 'zoom path' });
    this.search = el('input', {
      type: 'search',
      class: 'flame-search',
      placeholder: 'Search functions (regex)',
      'aria-label': 'search functions',
    });
    this.found = el('span', { class: 'flame-found muted' });
    this.canvas = el('canvas', { class: 'flame', role: 'img', 'aria-label': 'flame graph' });
    this.tooltip = document.getElementById('tooltip');
    const bar = el('div', { class: 'flame-bar' }, this.crumbs, this.search, this.found);
    clear(container).append(bar, this.canvas);
    this.container = container;
    this.search.addEventListener('input', () => this.setSearch(this.search.value));
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => this.hideTip());
    this.canvas.addEventListener('click', (e) => {
      const i = this.hit(e);
      if (i >= 0) this.zoom(i);
    });
    this.resizeObs = new ResizeObserver(() => this.draw());
    this.resizeObs.observe(container);
  }

  setData(tree) {
    const t0 = performance.now();
    this.t = flatten(tree, !!this.opts.diff);
    this.focus = 0;
    this.matches = null;
    if (this.search.value) this.setSearch(this.search.value);
    this.draw();
    this.lastRenderMs = performance.now() - t0;
    // read by the browser tests and the benchmark
    this.container.dataset.nodes = String(this.t.n);
    this.container.dataset.renderMs = this.lastRenderMs.toFixed(1);
    return this.lastRenderMs;
  }

  // Zooms to node i (0: the whole graph); returns the milliseconds it took.
  zoom(i) {
    const t0 = performance.now();
    this.focus = i;
    this.draw();
    this.lastZoomMs = performance.now() - t0;
    this.container.dispatchEvent(new CustomEvent('flamezoom', { detail: { node: i, ms: this.lastZoomMs } }));
    return this.lastZoomMs;
  }

  // Highlights frames whose name matches (a regex, or the plain text when
  // it is not one) and sums their value, counting nested matches once.
  setSearch(q) {
    const t0 = performance.now();
    this.searchInner(q);
    this.container.dataset.searchMs = (performance.now() - t0).toFixed(1);
  }

  searchInner(q) {
    const t = this.t;
    if (!t) return;
    if (!q) {
      this.matches = null;
      this.found.textContent = '';
      this.draw();
      return;
    }
    let re;
    try {
      re = new RegExp(q, 'i');
    } catch (_) {
      re = new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    }
    const m = new Uint8Array(t.n);
    let sum = 0;
    let count = 0;
    for (let i = 1; i < t.n; i++) {
      if (!re.test(t.names[i])) continue;
      m[i] = 1;
      count++;
      let a = t.parent[i];
      let nested = false;
      while (a > 0) {
        if (m[a]) {
          nested = true;
          break;
        }
        a = t.parent[a];
      }
      if (!nested) sum += t.total[i];
    }
    this.matches = m;
    this.found.textContent = count
      ? `${count} frames match: ${fmtValue(sum, this.opts.unit)} (${pct(sum, t.total[0])} of all)`
      : 'no match';
    this.draw();
  }

  layout() {
    const t = this.t;
    const w = this.container.clientWidth || 800;
    const f = this.focus;
    const depth0 = t.depth[f];
    // ancestors of the focus stay on top, full width
    this.rows = t.maxDepth + 1;
    return { w, x0: t.start[f], span: t.width[f] || 1, depth0 };
  }

  draw() {
    const t = this.t;
    if (!t) return;
    const { w, x0, span } = this.layout();
    const dpr = window.devicePixelRatio || 1;
    const h = (t.maxDepth + 1) * ROW + 2;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    if (!this.charW) this.charW = ctx.measureText('m').width || 7;
    const scale = w / span;
    this.drawn = [];
    // the focus' ancestors: full width, greyed
    for (let a = this.focus; a >= 0; a = t.parent[a]) {
      if (a !== this.focus) this.box(ctx, a, 0, w, true);
    }
    const f = this.focus;
    for (let i = f; i < t.end[f]; ) {
      const px = t.width[i] * scale;
      if (px < MIN_PX) {
        i = t.end[i]; // the whole subtree is narrower still
        continue;
      }
      this.box(ctx, i, (t.start[i] - x0) * scale, px, false);
      i++;
    }
    this.renderCrumbs();
  }

  box(ctx, i, x, px, ancestor) {
    const t = this.t;
    const y = t.depth[i] * ROW;
    const name = t.names[i];
    let fill;
    if (i === 0) fill = 'rgb(190,190,190)';
    else if (name === 'other' && t.end[i] === i + 1 && t.self[i] === t.total[i]) fill = 'rgb(210,210,210)';
    else if (this.opts.diff) fill = diffColor(t.total[i] - t.base[i], t.maxAbs);
    else fill = warm(name);
    if (this.matches && i > 0) fill = this.matches[i] ? 'rgb(230,60,230)' : 'rgb(225,225,225)';
    ctx.globalAlpha = ancestor ? 0.6 : 1;
    ctx.fillStyle = fill;
    ctx.fillRect(x, y, Math.max(px - 0.5, 0.5), ROW - 1);
    if (i === this.hover) {
      ctx.strokeStyle = '#000';
      ctx.strokeRect(x + 0.5, y + 0.5, Math.max(px - 1.5, 0.5), ROW - 2);
    }
    ctx.globalAlpha = 1;
    this.drawn.push(i, x, px);
    const room = Math.floor((px - 6) / this.charW);
    if (room < 3) return;
    let label = i === 0 ? `total ${fmtValue(t.total[0], this.opts.unit)}` : shortName(name);
    if (label.length > room) label = `${label.slice(0, room - 2)}..`;
    ctx.fillStyle = '#111';
    ctx.fillText(label, x + 3, y + ROW / 2);
  }

  hit(e) {
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const row = Math.floor(y / ROW);
    const d = this.drawn || [];
    for (let k = 0; k < d.length; k += 3) {
      const i = d[k];
      if (this.t.depth[i] === row && x >= d[k + 1] && x < d[k + 1] + d[k + 2]) return i;
    }
    return -1;
  }

  onMove(e) {
    const i = this.hit(e);
    if (i !== this.hover) {
      this.hover = i;
      this.draw();
    }
    if (i < 0) {
      this.hideTip();
      return;
    }
    const t = this.t;
    const u = this.opts.unit;
    const tip = this.tooltip;
    clear(tip);
    tip.append(el('div', { class: 'tip-name', text: t.names[i] }));
    if (t.names[i] === 'other' && t.end[i] === i + 1 && i > 0)
      tip.append(el('div', { class: 'muted', text: 'frames cut from this answer (too small to show), summed' }));
    const root = t.total[0];
    const rows = [
      ['total', `${fmtValue(t.total[i], u)} (${pct(t.total[i], root)})`],
      ['self', `${fmtValue(t.self[i], u)} (${pct(t.self[i], root)})`],
    ];
    if (this.focus > 0) rows.push(['of the zoomed frame', pct(t.total[i], t.total[this.focus])]);
    if (this.opts.diff) {
      const d = t.total[i] - t.base[i];
      rows.push(['base', `${fmtValue(t.base[i], u)} (${pct(t.base[i], t.base[0])})`]);
      rows.push(['change', `${d > 0 ? '+' : ''}${fmtValue(d, u)}`]);
    }
    for (const [k, v] of rows) tip.append(el('div', {}, el('span', { class: 'muted', text: `${k}: ` }), v));
    tip.hidden = false;
    const x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    tip.style.left = `${x + window.scrollX}px`;
    tip.style.top = `${e.clientY + 14 + window.scrollY}px`;
  }

  hideTip() {
    this.tooltip.hidden = true;
    if (this.hover >= 0) {
      this.hover = -1;
      this.draw();
    }
  }

  renderCrumbs() {
    const t = this.t;
    const path = [];
    for (let a = this.focus; a >= 0; a = t.parent[a]) path.unshift(a);
    clear(this.crumbs);
    path.forEach((i, k) => {
      if (k > 0) this.crumbs.append(' › ');
      const label = i === 0 ? 'all' : shortName(t.names[i]);
      if (i === this.focus) this.crumbs.append(el('span', { class: 'crumb-here', text: label }));
      else this.crumbs.append(el('a', { href: '#', class: 'crumb', text: label, onclick: (ev) => (ev.preventDefault(), this.zoom(i)) }));
    });
  }

  destroy() {
    this.resizeObs.disconnect();
    this.hideTip();
  }
}
