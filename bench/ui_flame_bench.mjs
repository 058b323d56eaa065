// The browser half of ui_flame_bench.sh: node ui_flame_bench.mjs API WORKDIR
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../ui/package.json'));
const { chromium } = require('playwright-core');
const [api, work] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
page.setDefaultTimeout(60000);
const q = new URLSearchParams({ type: 'cpu', query: '{job="flame"}', range: '1h' });
const t0 = Date.now();
await page.goto(`${api}/#/explore?${q}`);
await page.waitForSelector('.flame-box[data-render-ms]');
await page.waitForFunction(() => document.body.dataset.state === 'ready');
const loadMs = Date.now() - t0;
const box = await page.$('.flame-box');
const renderMs = Number(await box.getAttribute('data-render-ms'));
const nodes = Number(await box.getAttribute('data-nodes'));
// Ten zooms: into frames of rows 1-4 wide enough to click (taken from
// what the graph drew), then back to the root through the breadcrumb; each
// reports its redraw time through the 'flamezoom' event.
const targets = await page.evaluate(() => {
  const fg = document.getElementById('view').flame;
  const out = [];
  for (let k = 0; k < fg.drawn.length; k += 3) {
    const i = fg.drawn[k];
    const d = fg.t.depth[i];
    if (d >= 1 && d <= 4 && fg.drawn[k + 2] >= 8) out.push({ x: fg.drawn[k + 1] + fg.drawn[k + 2] / 2, d });
  }
  return out;
});
if (targets.length < 10) throw new Error(`only ${targets.length} frames wide enough to click`);
function nextZoom() {
  return page.evaluate(
    () =>
      new Promise((res, rej) => {
        document.querySelector('.flame-box').addEventListener('flamezoom', (e) => res(e.detail.ms), { once: true });
        setTimeout(() => rej(new Error('no zoom within 10 s')), 10000);
      }),
  );
}
const zooms = [];
for (let k = 0; k < 10; k++) {
  const f = targets[Math.floor((k * targets.length) / 10)];
  const into = nextZoom();
  // the canvas' place now: the chart above it may have been drawn since
  const c = await page.$eval('canvas.flame', (e) => {
    const r = e.getBoundingClientRect();
    return { x: r.left, y: r.top };
  });
  await page.mouse.click(c.x + f.x, c.y + f.d * 18 + 9);
  zooms.push(await into);
  const back = nextZoom();
  await page.click('.crumbs a.crumb >> nth=0');
  zooms.push(await back);
}
await page.fill('.flame-search', 'Method1');
const searchMs = Number(await box.getAttribute('data-search-ms'));
const found = await page.textContent('.flame-found');
await page.screenshot({ path: join(work, 'flame.png') });
await browser.close();
zooms.sort((a, b) => a - b);
const p = (f) => zooms[Math.min(zooms.length - 1, Math.floor(f * zooms.length))].toFixed(1);
console.log(`page                  ${loadMs} ms from navigation to a drawn graph of ${nodes} frames (API, parse, flatten, draw)`);
console.log(`flame graph draw      ${renderMs.toFixed(1)} ms (flatten + first draw; the reference)`);
console.log(`zoom (20: 10 in, 10 back)  median ${p(0.5)} ms, max ${zooms[zooms.length - 1].toFixed(1)} ms (${(Number(p(0.5)) / renderMs).toFixed(2)}x the first draw)`);
console.log(`search "Method1"      ${searchMs.toFixed(1)} ms: ${found}`);
