// The captures view: a form that captures now from the targets a selector
// matches (what an alert does), and the captures started by it, the API or
// alerts, with their state and their profiles.
import { api, downloadLink } from './api.js';
import { errorBox } from './explore.js';
import { DEFAULT_TYPES, selectorInput } from './query.js';
import { el, clear } from './util.js';

const DEFAULT_CAPTURE = ['cpu', 'goroutine', 'heap'];

function captureForm(onStarted) {
  const sel = selectorInput('{}', () => {}, () => ({ from: Date.now() - 3600e3, to: Date.now() }), 'capture selector');
  const boxes = DEFAULT_TYPES.map((t) =>
    el('label', { class: 'check' }, el('input', { type: 'checkbox', value: t, checked: DEFAULT_CAPTURE.includes(t) }), t),
  );
  const reason = el('input', { type: 'text', class: 'reason', 'aria-label': 'reason', placeholder: 'why (kept with the capture)' });
  const out = el('span', { class: 'form-out', role: 'status' });
  const form = el(
    'form',
    { class: 'capture-form controls' },
    sel,
    ...boxes,
    reason,
    el('button', { type: 'submit', text: 'Capture now' }),
    out,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      query: sel.querySelector('input').value.trim() || '{}',
      profiles: boxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => c.value),
    };
    if (reason.value.trim()) body.reason = reason.value.trim();
    out.className = 'form-out';
    out.textContent = 'starting…';
    try {
      const j = await api('/api/v1/capture', null, { body });
      const n = (j.captures || []).length;
      const skipped = (j.skipped || []).length;
      out.textContent =
        `started ${n} capture${n === 1 ? '' : 's'}` + (skipped ? `; ${skipped} target(s) skipped: capture budget spent` : '');
      onStarted();
    } catch (e) {
      out.className = 'form-out error';
      out.textContent = e.message;
    }
  });
  return form;
}

function captureTable(caps) {
  const body = el('tbody');
  for (const c of caps) {
    const items = (c.profiles || []).map((p) =>
      el(
        'div',
        { class: `ptype ${p.state}` },
        `${p.type}: ${p.state} `,
        p.profile_id ? downloadLink(`/api/v1/profiles/${p.profile_id}`, null, `capture-${c.id}-${p.type}.pb.gz`) : null,
        p.error ? el('span', { class: 'err', text: ` ${p.error}` }) : null,
      ),
    );
    const why = [c.reason, c.alertname].filter(Boolean).join(' · ');
    body.append(
      el(
        'tr',
        {},
        el('td', { class: 'num', text: String(c.id) }),
        el('td', { text: c.state }),
        el('td', { text: c.created || '' }),
        el('td', { text: c.target }),
        el('td', { class: 'why', text: why }),
        el('td', {}, ...items),
      ),
    );
  }
  return el(
    'table',
    { class: 'captures' },
    el('thead', {}, el('tr', {}, ...['id', 'state', 'created', 'target', 'why', 'profiles'].map((h) => el('th', { text: h })))),
    body,
  );
}

export async function renderCaptures(root) {
  const list = el('div', { class: 'capture-list' });
  async function refresh() {
    let j;
    try {
      j = await api('/api/v1/captures');
    } catch (e) {
      clear(list).append(errorBox(e));
      return;
    }
    const caps = j.captures || [];
    clear(list).append(
      caps.length
        ? captureTable(caps)
        : el('p', { class: 'muted', text: 'No captures yet: start one above, or point Alertmanager at /api/v1/alerts.' }),
    );
  }
  clear(root).append(el('h2', { class: 'view-title', text: 'Captures' }), captureForm(refresh), list);
  await refresh();
}
