// The API client: every request goes to this daemon's /api/v1. When the
// daemon asks for a bearer token (server.auth_token_file), the page asks the
// user once and keeps it for the session (sessionStorage: gone when the tab
// closes, never sent anywhere but this origin).
import { el } from './util.js';

const TOKEN_KEY = 'pprofd.token';
let tokenWait = null;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers() {
  const t = sessionStorage.getItem(TOKEN_KEY);
  return t ? { Authorization: `Bearer ${t}` } : {};
}

// Resolves once the user has given a token (one form, however many
// requests are waiting for it).
function askToken(wrong) {
  if (tokenWait) return tokenWait;
  tokenWait = new Promise((resolve) => {
    const input = el('input', { type: 'password', id: 'token', autocomplete: 'off', required: true });
    const form = el(
      'form',
      { class: 'token-form' },
      el('h2', { text: 'This pprofd asks for a token' }),
      el('p', {
        text: wrong
          ? 'That token was refused. Paste the one in the file server.auth_token_file names.'
          : 'Paste the bearer token from the file server.auth_token_file names. It is kept for this tab only.',
      }),
      el('label', { for: 'token', text: 'Token' }),
      input,
      el('button', { type: 'submit', text: 'Continue' }),
    );
    const shade = el('div', { class: 'shade' }, form);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      shade.remove();
      tokenWait = null;
      resolve();
    });
    document.body.append(shade);
    input.focus();
  });
  return tokenWait;
}

export function apiUrl(path, params) {
  const qs = params ? new URLSearchParams(params).toString() : '';
  return `${path}${qs ? `?${qs}` : ''}`;
}

// GET path?params, or with body (an object) POST it as JSON. Resolves to
// the answer's JSON (or text); rejects with ApiError and the API's message.
export async function api(path, params, { signal, text = false, body } = {}) {
  const url = apiUrl(path, params);
  for (let attempt = 0; ; attempt++) {
    const init = { headers: headers(), signal };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const r = await fetch(url, init);
    if (r.status === 401 && attempt < 5) {
      await askToken(attempt > 0 || sessionStorage.getItem(TOKEN_KEY) !== null);
      continue;
    }
    if (!r.ok) {
      let msg = `${r.status} ${r.statusText}`;
      try {
        const j = await r.json();
        if (j && j.error) msg = j.error;
      } catch (_) {
        /* not JSON: keep the status line */
      }
      throw new ApiError(r.status, msg);
    }
    return text ? r.text() : r.json();
  }
}

// A link that downloads a pprof answer: with a token, fetched here and
// handed over as a blob (a plain link cannot carry the header).
export function downloadLink(path, params, name) {
  const a = el('a', { class: 'download', href: apiUrl(path, params), download: name, text: 'Download pprof' });
  a.addEventListener('click', async (ev) => {
    if (!sessionStorage.getItem(TOKEN_KEY)) return;
    ev.preventDefault();
    const r = await fetch(a.href, { headers: headers() });
    if (!r.ok) return;
    const blob = await r.blob();
    const u = URL.createObjectURL(blob);
    const tmp = el('a', { href: u, download: name });
    document.body.append(tmp);
    tmp.click();
    tmp.remove();
    setTimeout(() => URL.revokeObjectURL(u), 10000);
  });
  return a;
}

// The shell command that opens the same answer in go tool pprof.
export function pprofCommand(path, params) {
  const url = new URL(apiUrl(path, params), location.href).href;
  const q = `'${url.replace(/'/g, "'\\''")}'`;
  return sessionStorage.getItem(TOKEN_KEY)
    ? `curl -sH "Authorization: Bearer $(cat TOKEN_FILE)" ${q} > p.pb.gz && go tool pprof -http=: p.pb.gz`
    : `go tool pprof -http=: ${q}`;
}
