// The web UI against a daemon that asks for a token (server.auth_token_file):
//   node ui_auth.test.mjs BASE_URL TOKEN ARTIFACT_DIR
// The page itself loads without one; its first API answer (401) brings up
// the token form; a wrong token is refused and asked again; the right one
// shows the explore view, survives a reload of the tab and is not known
// to a new one; "Download pprof" carries it (the file is a gzip pprof).
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../ui/package.json'));
const { chromium } = require('playwright-core');

const [base, token, artifacts] = process.argv.slice(2);
if (!base || !token || !artifacts) {
  console.error('usage: node ui_auth.test.mjs BASE_URL TOKEN ARTIFACT_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
let failed = 0;
const ok = (what) => console.log(`ok      ${what}`);
function check(cond, what) {
  if (cond) ok(what);
  else {
    console.log(`FAIL    ${what}`);
    failed++;
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  const q = new URLSearchParams({ type: 'cpu', query: '{job="deploy-v1"}', range: '1h' });

  const resp = await page.goto(`${base}/#/explore?${q}`);
  check(resp.status() === 200, `the page loads without a token (${resp.status()})`);
  await page.waitForSelector('.token-form input#token');
  ok('the first 401 brings up the token form');
  await page.screenshot({ path: join(artifacts, 'ui-token.png') });

  await page.fill('#token', 'not-the-token');
  await page.click('.token-form button[type=submit]');
  await page.waitForFunction(() => /refused/.test(document.querySelector('.token-form')?.textContent || ''));
  ok('a wrong token is refused and asked for again');

  await page.fill('#token', token);
  await page.click('.token-form button[type=submit]');
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  await page.waitForSelector('.flame-box canvas.flame');
  const title = await page.textContent('.view-title');
  check(/total/.test(title) && !(await page.$('.token-form')), `the right token shows the view (${title})`);

  await page.reload();
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
  check(!(await page.$('.token-form')), 'a reload of the tab keeps the token');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('a.download')]);
  const bytes = readFileSync(await dl.path());
  check(bytes.length > 100 && bytes[0] === 0x1f && bytes[1] === 0x8b, `"Download pprof" carries the token (${bytes.length} bytes of gzip)`);

  const other = await browser.newContext();
  const p2 = await other.newPage();
  await p2.goto(`${base}/#/explore?${q}`);
  await p2.waitForSelector('.token-form input#token');
  ok('a new tab asks again');
  await other.close();
} catch (e) {
  console.log(`FAIL    the test stopped: ${e.stack || e}`);
  failed++;
} finally {
  await browser.close();
}
console.log(failed ? `${failed} failed` : 'all passed');
process.exit(failed ? 1 : 0);
