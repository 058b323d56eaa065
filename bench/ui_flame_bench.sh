#!/usr/bin/env bash
# The UI's flame graph on a big profile, in Chromium:
#
#   bench/ui_flame_bench.sh [STACKS]   (default 50000)
#
# bench/flamegen writes a CPU profile of STACKS distinct stacks, it is pushed
# to a daemon (POST /api/v1/ingest), and the explore view opens it. Printed:
# the API's answer for the tree the page asks for (wall time, bytes, nodes),
# the page's time from its request to a drawn graph, the flame graph's own
# draw time (flatten + draw), ten zooms into frames and back (each a
# redraw), and a search over every frame. The reference is the page's own
# first draw. Files in build/bench/ui-flame/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD:-$root/build}"
stacks="${1:-50000}"
# shellcheck source=lib.sh
. "$root/bench/lib.sh"
die() { bench_die "$@"; }
[[ "$stacks" =~ ^[1-9][0-9]*$ ]] || die "STACKS must be a positive integer"
bench_require "$build/pprofd" curl go node
W="$build/bench/ui-flame"
rm -rf "$W"
mkdir -p "$W/data"

echo "flamegen: $stacks stacks ..."
(cd "$root/bench/flamegen" && GO111MODULE=off GOPATH=/usr/share/gocode GOTOOLCHAIN=local go build -o "$W/flamegen" .) ||
	die "go build bench/flamegen"
"$W/flamegen" -stacks "$stacks" -out "$W/flame.pb.gz"
raw_samples=$(go tool pprof -raw -symbolize=none "$W/flame.pb.gz" 2>/dev/null | awk '/^Samples:/{s=1;next} /^Locations/{s=0} s && /^ *[0-9]+ +[0-9]+: /{n++} END{print n+0}')

cat >"$W/pprofd.yaml" <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $W/data/pprofd.db
YAML
"$build/pprofd" run -c "$W/pprofd.yaml" 2>"$W/pprofd.log" &
pid=$!
PD_TARGET_PIDS+=("$pid")
port=""
for ((i = 0; i < 200; i++)); do
	port=$(sed -n 's/.* msg="listening" .* port=\([0-9][0-9]*\).*/\1/p' "$W/pprofd.log" | head -n 1)
	[[ -n $port ]] && break
	_pd_is_our_child "$pid" || break
	sleep 0.1
done
[[ -n $port ]] || die "pprofd did not listen: $(tail -3 "$W/pprofd.log")"
api="http://127.0.0.1:$port"
code=$(curl -s --noproxy '*' -o "$W/ingest.out" -w '%{http_code}' --data-binary @"$W/flame.pb.gz" \
	"$api/api/v1/ingest?type=cpu&job=flame")
[[ $code == 2* ]] || die "ingest: $code $(cat "$W/ingest.out")"

# the page's own cap (FLAME_NODES in ui/src/explore.js)
limit=$(sed -n 's/^export const FLAME_NODES = \([0-9]*\);/\1/p' "$root/ui/src/explore.js")
[[ -n $limit ]] || die "FLAME_NODES not found in ui/src/explore.js"
sel='%7Bjob%3D%22flame%22%7D'
t=$(curl -s --noproxy '*' -o "$W/tree.json" -w '%{time_total}' "$api/api/v1/merge?type=cpu&query=$sel&from=now-1h&format=json&limit=$limit")
tree_nodes=$(grep -o '"name":' "$W/tree.json" | wc -l)
other_nodes=$(grep -o '"name":"other"' "$W/tree.json" | wc -l)
all_nodes=$(curl -s --noproxy '*' "$api/api/v1/merge?type=cpu&query=$sel&from=now-1h&format=json&limit=100000000" | grep -o '"name":' | wc -l)

node "$root/bench/ui_flame_bench.mjs" "$api" "$W" >"$W/page.out" || die "browser: $(cat "$W/page.out")"
echo
echo "profile               $stacks distinct stacks ($raw_samples samples in go tool pprof -raw), $(stat -c %s "$W/flame.pb.gz") bytes gzip"
echo "its whole tree        $all_nodes nodes"
echo "API tree (limit $limit)  $tree_nodes nodes, of which $other_nodes \"other\" frames summing what was cut; $(stat -c %s "$W/tree.json") bytes, ${t} s"
echo "browser               $(chromium --version 2>/dev/null | head -1 | cut -c1-40), viewport 1600x1000"
cat "$W/page.out"
