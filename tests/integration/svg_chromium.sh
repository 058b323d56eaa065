#!/usr/bin/env bash
# The SVG flame graphs as a browser draws them: headless Chromium (Debian's)
# lays out the merge and diff SVGs of real Go CPU profiles pushed to a
# daemon (v1: the test target's, v2: with hotPathV2Only), and a script in the
# page checks what a person sees:
#  - every frame label fits its frame in the font Chromium uses (the
#    renderer cuts labels by its own width estimate);
#  - labels are short names (no package path before a '/');
#  - the heading names the type and the selector, uncut, the line under
#    it the total; no text runs off the graph;
#  - the diff of base v2 against target v1 draws hotPathV2Only, which only
#    the base has, with a width and in blue, under a legend.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
: "${PD_FIXTURES:?}"
pd_test_dir svg_chromium
browser=$(command -v chromium || true)
[[ -n $browser ]] || pd_die "chromium is not installed (make deps installs it)"

api_start "scrape_configs: []"
for f in cpu-1 cpu-2 cpu-3; do
	api_send POST "/api/v1/ingest?type=cpu&job=web&deployment=v1" --data-binary "@$PD_FIXTURES/$f.pb.gz"
	[[ $STATUS == 2* ]] || pd_die "push $f: $STATUS $(cat "$W/body")"
done
for f in cpu-v2-1 cpu-v2-2; do
	api_send POST "/api/v1/ingest?type=cpu&job=web&deployment=v2" --data-binary "@$PD_FIXTURES/$f.pb.gz"
	[[ $STATUS == 2* ]] || pd_die "push $f: $STATUS $(cat "$W/body")"
done
api_expect 200 "/api/v1/merge?type=cpu&query=$(sel_url job=web deployment=v1)&from=0&format=svg"
mv "$W/body" "$W/merge.svg"
api_expect 200 "/api/v1/diff?type=cpu&base=$(sel_url deployment=v2)&target=$(sel_url deployment=v1)&from=0&format=svg"
mv "$W/body" "$W/diff.svg"
grep -q 'main.hotPathV2Only' "$W/diff.svg" || pd_die "the diff SVG does not draw hotPathV2Only (only in the base)"

# page SVG KIND: the SVG inline in an HTML page whose script writes what it
# found into the body's data-result attribute.
page() {
	local svg="$1" kind="$2"
	{
		printf '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n'
		grep -v '^<?xml' "$svg"
		cat <<'JS'
<script>
const kind = document.currentScript.dataset.kind;
const bad = [];
const root = document.querySelector('body > svg');
let frames = 0, labels = 0;
for (const g of root.querySelectorAll('g')) {
  frames++;
  const name = g.querySelector('title').textContent.replace(/ \(.*$/, '');
  const box = g.querySelector('svg');
  if (!box) continue;
  const t = box.querySelector('text');
  labels++;
  const w = parseFloat(box.getAttribute('width'));
  const end = parseFloat(t.getAttribute('x')) + t.getComputedTextLength();
  if (end > w + 0.5) bad.push(`label "${t.textContent}" ends at ${end.toFixed(1)} px in a ${w} px frame`);
  const shown = t.textContent.replace(/\.\.$/, '');
  if (/^[\w.-]+\//.test(shown) && /\./.test(name)) bad.push(`label "${shown}" keeps the package path of ${name}`);
  // which short name a frame gets is unit_query_render's to check (pprof's own rules)
}
const [head, total] = [...root.querySelectorAll(':scope > text')].map(t => t.textContent);
if (!/^cpu /.test(head) || !/job="web"|deployment="v/.test(head) || /\.\.$/.test(head))
  bad.push(`heading "${head}" lacks type or selector, or is cut`);
if (!/total [0-9.]+ (s|ms|us|ns)/.test(total)) bad.push(`no total under the heading: "${total}"`);
for (const t of root.querySelectorAll(':scope > text')) {
  const b = t.getBBox();
  if (b.x < 0 || b.x + b.width > root.width.baseVal.value) bad.push(`"${t.textContent}" runs off the graph`);
}
if (kind === 'diff') {
  const g = [...root.querySelectorAll('g')].find(g => g.querySelector('title').textContent.startsWith('main.hotPathV2Only '));
  if (!g) bad.push('no frame for main.hotPathV2Only');
  else {
    const r = g.querySelector('rect');
    const fill = r.getAttribute('fill');
    if (!(r.getBBox().width > 0)) bad.push('main.hotPathV2Only has no width');
    const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(fill);
    if (!m || !(+m[3] === 255 && +m[1] < 255)) bad.push(`main.hotPathV2Only is ${fill}, not blue`);
  }
  if (!/grew in the target/.test(root.textContent)) bad.push('no legend');
}
document.body.dataset.result = JSON.stringify({frames, labels, bad});
</script>
JS
		printf '</body></html>\n'
	} >"$W/$kind.html"
	sed -i "s|<script>|<script data-kind=\"$kind\">|" "$W/$kind.html"
}
for kind in merge diff; do
	page "$W/$kind.svg" "$kind"
	timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$W/chromium-$kind" --dump-dom "file://$W/$kind.html" >"$W/$kind.dom" 2>"$W/$kind.err" ||
		pd_die "chromium on $kind: $(tail -3 "$W/$kind.err")"
	res=$(sed -n 's/.*data-result="\([^"]*\)".*/\1/p' "$W/$kind.dom" | sed 's/&quot;/"/g; s/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g')
	[[ -n $res ]] || pd_die "$kind: the page's script did not report: $(head -c 300 "$W/$kind.dom")"
	[[ $res == *'"bad":[]'* ]] || pd_die "$kind SVG in Chromium: $res"
	pd_ok "$kind SVG in Chromium: $res"
done
pd_daemon_stop
pd_passed
