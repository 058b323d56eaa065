// Builds the UI into one directory the daemon embeds:
//   node build.mjs OUT_DIR
// index.html and icon.svg as written, app.js (every module and uPlot bundled and
// minified by esbuild) and app.css (ours and uPlot's). Nothing is loaded
// from elsewhere at run time.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outfile: join(out, 'app.js'),
  legalComments: 'eof',
  logLevel: 'warning',
});
const css = [
  readFileSync(join(here, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8'),
  readFileSync(join(here, 'src/style.css'), 'utf8'),
].join('\n');
writeFileSync(join(out, 'app.css'), css);
for (const f of ['index.html', 'icon.svg']) copyFileSync(join(here, 'src', f), join(out, f));
