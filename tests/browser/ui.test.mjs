// The web UI in a real browser (Chromium driven by playwright-core):
//   node ui.test.mjs BASE_URL ARTIFACT_DIR
// against a daemon scraping a live test target (job demo) and holding
// flat-out profiles of two deployments (job deploy-v1 / deploy-v2, where
// v2 adds main.hotPathV2Only). Checks, each view with a screenshot kept in
// ARTIFACT_DIR:
//   explore: opens with the CPU flame graph of the last 15 minutes without
//     typing; the top table has the target's hot function; a click on a
//     frame zooms (breadcrumb, timing); search finds a function and sums it;
//     hovering shows the full name; a drag on the chart narrows the range.
//   diff: deploy-v1 against deploy-v2 ranks hotPathV2Only first and draws
//     the differential flame graph.
//   targets: the live target is listed, up.
//   captures: a capture started from the form is listed with its reason.
//   safety: the page is sent with a Content-Security-Policy; markup in a
//     label value (ui.sh registers such a target) and in a capture reason
//     shows as text on the targets page, in completion and in the captures
//     list, and none of it runs; no console error (a CSP violation is one)
//     happens on any view.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../ui/package.json'));
const { chromium } = require('playwright-core');

const [base, artifacts] = process.argv.slice(2);
if (!base || !artifacts) {
  console.error('usage: node ui.test.mjs BASE_URL ARTIFACT_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const TIMEOUT = 30000;

let failed = 0;
function ok(what) {
  console.log(`ok      ${what}`);
}
function fail(what) {
  console.log(`FAIL    ${what}`);
  failed++;
}
function check(cond, what) {
  if (cond) ok(what);
  else fail(what);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.setDefaultTimeout(TIMEOUT);
// Markup an attacker could put in a label value or a capture reason.
// ui.sh registers a target with it as a label value.
const HOSTILE = process.env.PD_HOSTILE;
if (!HOSTILE) {
  console.error('PD_HOSTILE is not set (ui.sh sets it)');
  process.exit(2);
}
const consoleErrors = [];
page.on('console', (m) => {
  if (m.type() === 'error') consoleErrors.push(m.text());
});
page.on('pageerror', (e) => consoleErrors.push(String(e)));
// A failed load's console line has no URL; this list names them.
const failedLoads = [];
page.on('response', (r) => {
  if (r.status() >= 400) failedLoads.push(`${r.status()} ${r.url()}`);
});

async function ready() {
  await page.waitForFunction(() => document.body.dataset.state === 'ready');
}

try {
  // --- explore, as a new user lands on it -----------------------------------
  const resp = await page.goto(`${base}/`);
  const csp = resp.headers()['content-security-policy'] || '';
  check(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp), `the page has a CSP without inline script: ${csp}`);
  await ready();
  await page.waitForSelector('canvas.flame');
  const title = await page.textContent('.view-title');
  check(/^cpu \{\}: cpu, total/.test(title), `explore opens on cpu, all targets, without typing: "${title}"`);
  const preset = await page.textContent('.range .preset.on');
  check(preset === '15m', `the default range is the last 15 minutes (${preset})`);
  const fns = await page.$$eval('table.top td.fn', (tds) => tds.map((td) => td.textContent));
  const hot = fns.find((f) => f.startsWith('main.work') || f.startsWith('main.hotPath'));
  check(!!hot, `the top table has the target's hot function (${hot}; first rows: ${fns.slice(0, 3).join(', ')})`);
  await page.waitForSelector('.chart canvas');
  ok('the series chart is drawn');
  await page.screenshot({ path: join(artifacts, 'ui-explore.png'), fullPage: true });

  // search highlights and sums the hot function
  await page.fill('.flame-search', hot);
  const found = await page.textContent('.flame-found');
  check(/^\d+ frames match: .+ \(\d+\.\d\d% of all\)$/.test(found) && !found.startsWith('0 '), `search finds ${hot}: "${found}"`);
  await page.fill('.flame-search', 'no-such-function-anywhere');
  check((await page.textContent('.flame-found')) === 'no match', 'search for an absent name says so');
  await page.fill('.flame-search', '');

  // hover: the full name of the frame under the pointer
  const box = await page.$eval('canvas.flame', (c) => {
    const r = c.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width };
  });
  await page.mouse.move(box.x + 5, box.y + 18 + 9); // row 1, the widest first child
  await page.waitForSelector('#tooltip:not([hidden])');
  const tip = await page.textContent('#tooltip .tip-name');
  check(tip && tip.length > 0, `hovering shows the frame's full name (${tip})`);

  // click zooms: the breadcrumb grows and the zoom timing is reported
  const zoom = page.evaluate(
    () =>
      new Promise((res) =>
        document.querySelector('.flame-box').addEventListener('flamezoom', (e) => res(e.detail), { once: true }),
      ),
  );
  await page.mouse.click(box.x + 5, box.y + 18 + 9);
  const z = await zoom;
  const crumbs = await page.textContent('.crumbs');
  check(z.node > 0 && /^all › /.test(crumbs), `a click zooms into ${tip} (breadcrumb "${crumbs}", ${z.ms.toFixed(1)} ms)`);
  await page.screenshot({ path: join(artifacts, 'ui-explore-zoomed.png'), fullPage: true });
  await page.click('.crumbs a.crumb');
  check((await page.textContent('.crumbs')) === 'all', 'the breadcrumb leads back up');

  // a drag across the chart narrows the range to what was dragged over
  const over = await page.$eval('.chart .u-over', (e) => {
    const r = e.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  });
  // over the last quarter of the range: the daemon started minutes ago
  await page.mouse.move(over.x + over.w * 0.75, over.y + over.h / 2);
  await page.mouse.down();
  await page.mouse.move(over.x + over.w * 0.995, over.y + over.h / 2, { steps: 8 });
  await page.mouse.up();
  await page.waitForFunction(() => /[?&]from=\d+/.test(location.hash));
  const h = new URLSearchParams(await page.evaluate(() => location.hash.split('?')[1]));
  const span = (Number(h.get('to')) - Number(h.get('from'))) / 60000;
  check(span > 2 && span < 6, `a drag on the chart narrows the range (to ${span.toFixed(1)} min of 15)`);
  await page.waitForSelector('canvas.flame');
  ok('the narrowed range shows its flame graph');

  // --- diff ------------------------------------------------------------------
  const q = new URLSearchParams({
    type: 'cpu',
    base: '{job="deploy-v1"}',
    target: '{job="deploy-v2"}',
    range: '1h',
  });
  await page.goto(`${base}/#/diff?${q}`);
  await ready();
  await page.waitForSelector('table.top.diff td.fn');
  const first = await page.textContent('table.top.diff tbody tr:first-child td.fn');
  check(first === 'main.hotPathV2Only', `the diff ranks the regression first (${first})`);
  await page.waitForSelector('.flame-box canvas.flame');
  ok('the differential flame graph is drawn');
  await page.screenshot({ path: join(artifacts, 'ui-diff.png'), fullPage: true });

  // --- targets ---------------------------------------------------------------
  await page.goto(`${base}/#/targets`);
  await ready();
  await page.waitForSelector('table.targets tbody tr');
  const rows = await page.$$eval('table.targets tbody tr', (trs) => trs.map((tr) => tr.textContent));
  check(rows.some((r) => r.includes('demo') && r.includes('up')), `the live target is listed up (${rows[0]})`);
  await page.screenshot({ path: join(artifacts, 'ui-targets.png'), fullPage: true });

  // --- captures: started from the form, with a reason that is markup -----------
  await page.goto(`${base}/#/captures`);
  await ready();
  await page.fill('.capture-form input.selector', '{job="demo"}');
  for (const t of ['cpu', 'heap']) await page.uncheck(`.capture-form input[value="${t}"]`);
  await page.fill('.capture-form input.reason', HOSTILE);
  await page.click('.capture-form button[type=submit]');
  await page.waitForFunction(() => /^started 1 capture/.test(document.querySelector('.form-out').textContent));
  ok(`the form starts a capture (${await page.textContent('.form-out')})`);
  await page.waitForSelector('table.captures tbody tr');
  const why = await page.textContent('table.captures tbody tr:first-child td.why');
  check(why === HOSTILE, `the capture is listed with its reason as text (${why})`);
  await page.screenshot({ path: join(artifacts, 'ui-captures.png'), fullPage: true });

  // --- markup in strings from outside is text everywhere ------------------------
  // A registered target whose label value is markup shows on the targets
  // page and in the selector's completion; nothing of it may run.
  await page.goto(`${base}/#/targets`);
  await ready();
  const labelled = await page.$$eval('table.targets tbody tr', (trs, h) => trs.some((tr) => tr.textContent.includes(h)), HOSTILE);
  check(labelled, 'a label value that is markup shows as text on the targets page');
  await page.goto(`${base}/#/explore`);
  await ready();
  await page.fill('input.selector', '{team="');
  await page.waitForSelector('ul.suggest li');
  const sugg = await page.$$eval('ul.suggest li', (lis) => lis.map((li) => li.textContent));
  check(sugg.some((t) => t.includes(HOSTILE)), `the completion offers it as text (${sugg.length} values)`);
  check((await page.evaluate(() => window.__pwned)) === undefined, 'no string from outside ran as script');

  check(consoleErrors.length === 0, `no console errors (${consoleErrors.slice(0, 3).join(' | ')}; failed loads: ${failedLoads.slice(0, 3).join(' | ')})`);
} catch (e) {
  fail(`the test stopped: ${e.stack || e}`);
  await page.screenshot({ path: join(artifacts, 'ui-failure.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
console.log(failed ? `${failed} failed` : 'all passed');
process.exit(failed ? 1 : 0);
