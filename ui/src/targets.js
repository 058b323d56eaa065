// The targets view: every target, its labels, and per profile type its
// health, last error, last scrape and next due, with a link to explore its
// profiles.
import { api } from './api.js';
import { errorBox } from './explore.js';
import { el, clear } from './util.js';

function quote(v) {
  return `"${String(v).replace(/["\\]/g, '\\$&')}"`;
}

export async function renderTargets(root) {
  clear(root).append(el('h2', { class: 'view-title', text: 'Targets' }));
  let j;
  try {
    j = await api('/api/v1/targets');
  } catch (e) {
    root.append(errorBox(e));
    return;
  }
  const targets = j.targets || [];
  if (!targets.length) {
    root.append(el('p', { class: 'muted', text: 'No targets: add scrape_configs to the config, or register one with POST /api/v1/targets.' }));
    return;
  }
  const body = el('tbody');
  for (const t of targets) {
    const labels = Object.entries(t.labels || {}).map(([k, v]) => el('span', { class: 'label', text: `${k}=${v}` }));
    const sel = `{job=${quote(t.job)},instance=${quote((t.labels && t.labels.instance) || t.address)}}`;
    const types = Object.entries(t.profiles || {}).map(([name, p]) => {
      const link = el('a', { href: `#/explore?type=${encodeURIComponent(name)}&query=${encodeURIComponent(sel)}&range=1h`, text: name });
      const title = [
        `last scrape ${p.last_scrape || 'never'} (${p.last_duration_ms} ms)`,
        `next due ${p.next_due || '-'}`,
        `${p.scrapes_ok} ok, ${p.scrapes_failed} failed, ${p.ticks_skipped} ticks skipped`,
      ].join('\n');
      return el(
        'div',
        { class: `ptype ${p.health}`, title },
        el('span', { class: `dot ${p.health}`, 'aria-label': p.health }),
        link,
        p.last_error ? el('span', { class: 'err', text: ` ${p.last_error}` }) : null,
        el('span', { class: 'muted small', text: ` next ${p.next_due ? new Date(p.next_due).toLocaleTimeString() : '-'}` }),
      );
    });
    body.append(
      el(
        'tr',
        {},
        el('td', {}, el('span', { class: `dot ${t.health}`, 'aria-label': t.health }), ` ${t.health}`),
        el('td', { text: t.job }),
        el('td', { text: t.address }),
        el('td', {}, ...labels),
        el('td', {}, ...types),
      ),
    );
  }
  root.append(
    el('table', { class: 'targets' },
      el('thead', {}, el('tr', {}, ...['health', 'job', 'address', 'labels', 'profiles'].map((h) => el('th', { text: h })))),
      body),
  );
}
