// The series chart over the range (uPlot: canvas, small and fast). A
// click-drag across it narrows the range; onRange gets (fromMs, toMs).
import uPlot from 'uplot';
import { el, clear, fmtValue, fmtTime } from './util.js';

const PALETTE = ['#e4572e', '#2e86ab', '#76b041', '#a23b72', '#f3a712', '#5c4d7d', '#17bebb', '#8c564b'];

function labelText(labels) {
  const ks = Object.keys(labels || {}).sort();
  if (!ks.length) return 'all';
  return ks.map((k) => `${k}=${labels[k]}`).join(', ');
}

// series: the API's {"series":[{"labels":{},"points":[[t,v],...]}]}, t in
// seconds or milliseconds (both accepted). range {from, to} in ms is the
// x axis: the chart spans what was asked, not just where points fell.
export function drawChart(container, data, { unit, range, onRange, height = 200 }) {
  clear(container);
  const series = (data && data.series) || [];
  if (!series.length) {
    container.append(el('p', { class: 'muted', text: 'No data in this range.' }));
    return null;
  }
  const times = new Set();
  for (const s of series) for (const [t] of s.points) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const inMs = xs.length && xs[xs.length - 1] > 1e11;
  const idx = new Map(xs.map((t, i) => [t, i]));
  const cols = [xs.map((t) => (inMs ? t / 1000 : t))];
  for (const s of series) {
    const ys = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) ys[idx.get(t)] = v;
    cols.push(ys);
  }
  const opts = {
    width: container.clientWidth || 800,
    height,
    cursor: { drag: { x: true, y: false, setScale: false } },
    legend: { show: series.length > 1 },
    scales: {
      x: range ? { time: true, range: () => [range.from / 1000, range.to / 1000] } : { time: true },
      // from zero: a total's height should read as its size
      y: { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] },
    },
    axes: [{}, { values: (u, vals) => vals.map((v) => fmtValue(v, unit)), size: 70 }],
    series: [
      { value: (u, v) => (v == null ? '' : fmtTime(v * 1000)) },
      ...series.map((s, i) => ({
        label: labelText(s.labels),
        stroke: PALETTE[i % PALETTE.length],
        fill: series.length === 1 ? 'rgba(228,87,46,0.12)' : undefined,
        width: 1.5,
        points: { show: xs.length < 60 },
        value: (u, v) => (v == null ? '' : fmtValue(v, unit)),
      })),
    ],
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 3) return;
          const a = u.posToVal(u.select.left, 'x');
          const b = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
          if (onRange) onRange(Math.round(a * 1000), Math.round(b * 1000));
        },
      ],
    },
  };
  const plot = new uPlot(opts, cols, container);
  const ro = new ResizeObserver(() => plot.setSize({ width: container.clientWidth || 800, height }));
  ro.observe(container);
  return {
    destroy() {
      ro.disconnect();
      plot.destroy();
    },
  };
}
