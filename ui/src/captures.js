// The captures view: captures started by the API or by alerts, their state,
// and their profiles.
import { api, downloadLink } from './api.js';
import { errorBox } from './explore.js';
import { el, clear } from './util.js';

export async function renderCaptures(root) {
  clear(root).append(el('h2', { class: 'view-title', text: 'Captures' }));
  let j;
  try {
    j = await api('/api/v1/captures');
  } catch (e) {
    root.append(errorBox(e));
    return;
  }
  const caps = j.captures || [];
  if (!caps.length) {
    root.append(el('p', { class: 'muted', text: 'No captures yet: POST /api/v1/capture, or point Alertmanager at /api/v1/alerts.' }));
    return;
  }
  const body = el('tbody');
  for (const c of caps) {
    const items = (c.profiles || []).map((p) =>
      el('div', { class: `ptype ${p.state}` }, `${p.type}: ${p.state} `,
        p.profile_id ? downloadLink(`/api/v1/profiles/${p.profile_id}`, null, `capture-${c.id}-${p.type}.pb.gz`) : null,
        p.error ? el('span', { class: 'err', text: ` ${p.error}` }) : null),
    );
    const why = [c.reason, c.alertname].filter(Boolean).join(' · ');
    body.append(
      el('tr', {}, el('td', { class: 'num', text: String(c.id) }), el('td', { text: c.state }), el('td', { text: c.created || '' }),
        el('td', { text: c.target }), el('td', { text: why }), el('td', {}, ...items)),
    );
  }
  root.append(
    el('table', { class: 'captures' },
      el('thead', {}, el('tr', {}, ...['id', 'state', 'created', 'target', 'why', 'profiles'].map((h) => el('th', { text: h })))),
      body),
  );
}
