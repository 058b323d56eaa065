#!/usr/bin/env bash
# Regex benchmark: how long the API takes to answer a selector whose regexes
# are as costly as the limits allow (and the shapes that once took glibc's
# regcomp minutes and gigabytes), against a plain selector in the same run,
# and how much the daemon's peak memory grows meanwhile.
#
#   bench/regex_bench.sh [SERIES] [RUNS]        (defaults: 100 series, 5 runs)
#
# `pd_testtool fill` stores SERIES series of real CPU profiles (five each);
# `pprofd run` (no jobs) serves them. Each query is GET /api/v1/labels with
# the selector, so the answer is the regex compile plus matching every
# series' labels, with no profile decoded. Per query: the median and worst
# curl time_total of RUNS runs, the ratio of the median to the plain
# selector's, and the status (400: refused with the matcher named).
# Finally the daemon's VmHWM after all runs over its VmRSS before them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD:-$root/build}"
series="${1:-100}"
runs="${2:-5}"
pprofd="$build/pprofd"
testtool="$build/pd_testtool"
# shellcheck source=lib.sh
. "$root/bench/lib.sh"
bench_require "$pprofd" "$testtool" curl python3
work="$build/bench/regex"
rm -rf "$work"
mkdir -p "$work"

bench_cpu_profiles 5
db="$work/pprofd.db"
"$testtool" fill -n "$series" -i 60 -d 300 -e "$(date +%s)" "$db" "${bench_files[@]}" >/dev/null ||
	bench_die "pd_testtool fill failed"
cat >"$work/pprofd.yaml" <<EOF2
server:
  listen: 127.0.0.1:0
storage:
  path: $db
scrape_configs: []
EOF2
"$pprofd" run -c "$work/pprofd.yaml" 2>"$work/pprofd.log" &
pid=$!
PD_TARGET_PIDS+=("$pid")
port=""
for ((i = 0; i < 200 && ${#port} == 0; i++)); do
	port=$(sed -n 's/.* msg="listening" .* port=\([0-9][0-9]*\).*/\1/p' "$work/pprofd.log" | head -n 1)
	[[ -n $port ]] || sleep 0.1
done
[[ -n $port ]] || bench_die "pprofd did not start: $(tail -3 "$work/pprofd.log")"
api="http://127.0.0.1:$port"

# The selectors, one per line: a name, a tab, the selector.
python3 - >"$work/selectors.tsv" <<'PY'
def rep(s, n, sep=""): return sep.join([s] * n)
rows = [
    ("plain", '{job="bench"}'),
    ("alternation", '{job=~"bench|other|third",instance=~"host-0[0-9]:6060"}'),
    ("glibc bomb 1", '{x=~"a++++++++++++++++++++++++\u00c9+}"}'),
    ("glibc bomb 2", '{x=~"a{,1000}{,1000}"}'),
    ("glibc bomb 3", '{x=~`[\\]((a{1000}){1000}){1000}`}'),
    ("glibc bomb 4", '{x=~"' + rep("a*", 150) + '"}'),
    ("glibc bomb 5", '{x=~"' + rep("(", 112) + "a*" + rep(")*", 112) + '"}'),
    ("budget: [^a]{1000}", '{job=~"[^a]{1000}"}'),
    ("budget: (?i)[^k]{1000}", '{job=~"(?i)[^k]{1000}"}'),
    ("budget: \\pL{1000}", '{job=~`\\pL{1000}`}'),
    ("budget: 4 x (?i:[^\\pL])", '{job=~`' + rep("(?i:[^\\pL])", 4) + '`}'),
    ("budget: 4 regexes x 4 KiB", "{" + ",".join('l%d=~"' % i + rep("[^a]", 1000) + '"' for i in range(4)) + "}"),
    ("budget: 64 regexes", "{" + ",".join('l%d=~"[^a]{1000}"' % i for i in range(64)) + "}"),
    ("budget: 4 KiB of .", '{job=~"' + rep(".", 4090) + '"}'),
    ("budget: 4 KiB alternation", '{instance=~"' + rep("host-[0-9][0-9]:6060", 190, "|") + '"}'),
]
for name, sel in rows:
    print(name + "\t" + sel)
PY

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read().rstrip("\n"), safe=""))'; }
rss0=$(bench_proc_kb "$pid" VmRSS)
ref=""
printf '%-28s %6s %9s %9s %7s\n' selector status "p50 ms" "max ms" ratio
while IFS=$'\t' read -r name sel; do
	q=$(printf '%s' "$sel" | enc)
	: >"$work/times"
	for ((r = 0; r < runs; r++)); do
		out=$(curl -sS --noproxy '*' -o "$work/body" -w '%{http_code} %{time_total}' \
			"$api/api/v1/labels?from=now-1h&query=$q")
		echo "${out#* }" >>"$work/times"
		status=${out%% *}
	done
	read -r p50 _ max _ < <(bench_percentiles "$work/times")
	p50_ms=$(awk -v s="$p50" 'BEGIN { printf "%.2f", s * 1000 }')
	max_ms=$(awk -v s="$max" 'BEGIN { printf "%.2f", s * 1000 }')
	[[ -n $ref ]] || ref=$p50
	ratio=$(awk -v a="$p50" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')
	printf '%-28s %6s %9s %9s %6sx\n' "$name" "$status" "$p50_ms" "$max_ms" "$ratio"
	if [[ $status == 400 ]]; then
		printf '%28s %s\n' "" "$(head -c 110 "$work/body")"
	fi
done <"$work/selectors.tsv"
hwm=$(bench_proc_kb "$pid" VmHWM)
echo "daemon memory: VmRSS before $rss0 kB, VmHWM after $hwm kB (+$(((hwm - rss0) / 1024)) MiB)"
kill -TERM "$pid"
wait "$pid" || true
