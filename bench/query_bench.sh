#!/usr/bin/env bash
# Query benchmark: pprofd's HTTP API over a database holding one hour of
# CPU profiles of SERIES targets scraped every 10 s (100 x 360 = 36,000
# profiles by default), against `go tool pprof` over the same files, in the
# same run; then small queries under concurrent load.
#
#   bench/query_bench.sh [SERIES] [RUNS] [LOAD_SECONDS] [CLIENTS] [BIG]
#                        (defaults: 100 series, 3 runs, 30 s, 4 clients, 2 big)
#
# Environment: BUILD (build directory, default build/), REF_RUNS (runs of
# each go tool pprof reference, default RUNS), REF_MAX (most files handed to
# go tool pprof, default 50000: above it the reference merges the first
# REF_MAX profiles and its time is extrapolated linearly), LIVE_TARGETS (Go
# targets scraped during the load test, default 3), EVERY (pace of each
# small client, default 100ms).
#
# 1. Merge. `pd_testtool fill` stores the real CPU profiles of
#    build/bench/cpu-1000/ (the ones bench/merge_bench.sh uses, written by
#    tests/target) the way the daemon's ingest stores them, under the series
#    {job="bench",instance="host-NN:6060",type="cpu"}, every 10 s for the
#    hour ending now. `pprofd run` (no jobs) serves that database; the script
#    times GET /api/v1/merge?type=cpu&query={job="bench"} over the hour, in
#    pprof and in top format, with curl: best wall time of RUNS, the daemon's
#    CPU time for that run, and its peak RSS over its RSS before (VmHWM,
#    reset through /proc/PID/clear_refs before each run). Reference: go tool
#    pprof -proto (and -top) -symbolize=none over the same files in the same
#    order (time order, as pprofd merges them); both results are checked to
#    hold the same samples with go tool pprof -raw. As a yardstick, `pprofd
#    merge` over the same files (it decodes on worker threads).
# 2. Load. pprofd runs again on the same database, now also scraping
#    LIVE_TARGETS tests/target processes (cpu 5 s, heap, allocs, goroutine,
#    every 10 s). bench/queryload (Go, standard library only) runs CLIENTS
#    small-query clients (client c sends kind c mod 4) each one query every EVERY:
#    profiles (limit=10 over 5 minutes), labels (over the hour), merge1 (one
#    target's CPU over 1 minute = 6 profiles) and healthy (/-/healthy), for
#    LOAD_SECONDS with nothing else ("idle"), then for LOAD_SECONDS while BIG
#    clients run the 1-hour merge back to back ("under load"). Printed per
#    kind: requests, errors, p50/p99/max latency and requests/s, and the
#    ratio loaded/idle; with the scrape lag, daemon CPU and peak RSS of each
#    phase.
#
# Everything listens on 127.0.0.1, every process started here is stopped on
# exit (also on Ctrl-C), and every step is bounded in time. Files are left in
# BUILD/bench/query/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
series="${1:-100}"
runs="${2:-3}"
load_s="${3:-30}"
clients="${4:-4}"
big="${5:-2}"
ref_runs="${REF_RUNS:-$runs}"
ref_max="${REF_MAX:-50000}"
live_targets="${LIVE_TARGETS:-3}"
every="${EVERY:-100ms}"
build="${BUILD:-$root/build}"
pprofd="$build/pprofd"
testtool="$build/pd_testtool"
target="$build/pprofd-testtarget"
interval_s=10
hour_s=3600

# shellcheck source=lib.sh
. "$root/bench/lib.sh"
die() { bench_die "$@"; }
for v in series runs load_s clients ref_runs ref_max; do
	[[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done
[[ "$big" =~ ^[0-9]+$ && "$live_targets" =~ ^[0-9]+$ ]] || die "BIG and LIVE_TARGETS must be integers"
((series * hour_s / interval_s <= 100000)) ||
	die "SERIES x 360 profiles must stay within limits.max_query_profiles (100000): SERIES <= 277"
bench_require "$pprofd" "$testtool" "$target" /usr/bin/time curl go timeout

work="$build/bench/query"
rm -rf "$work"
mkdir -p "$work"

# --- helpers -------------------------------------------------------------------
# start_pprofd CFG LOG LEVEL: starts pprofd run (PPROFD_LOG_LEVEL=LEVEL),
# waits (20 s at most) for its msg="listening" line; sets pd_pid and pd_port.
start_pprofd() {
	local cfg="$1" log="$2" level="$3" i
	PPROFD_LOG_LEVEL="$level" "$pprofd" run -c "$cfg" >"$work/pprofd.out" 2>"$log" &
	pd_pid=$!
	PD_TARGET_PIDS+=("$pd_pid")
	pd_port=""
	for ((i = 0; i < 200; i++)); do
		pd_port=$(sed -n 's/.* msg="listening" .* port=\([0-9][0-9]*\).*/\1/p' "$log" 2>/dev/null |
			head -n 1 || true)
		[[ -n "$pd_port" ]] && return 0
		_pd_is_our_child "$pd_pid" || break
		sleep 0.1
	done
	tail -n 20 "$log" >&2
	die "pprofd did not start listening"
}
# samples RAW: the sample lines of `go tool pprof -raw` output, sorted.
samples() {
	awk '/^Samples:/ { s = 1; next } /^Locations/ { s = 0 } s' "$1" | sort
}
kb() { awk -v v="$1" 'BEGIN { s = sprintf("%d", v); n = length(s); o = ""
	for (i = 1; i <= n; i++) { o = o substr(s, i, 1); if ((n - i) % 3 == 0 && i < n) o = o "," }
	print o }'; }

# --- the profiles ------------------------------------------------------------
bench_cpu_profiles 1000
dir="$build/bench/cpu-1000"
files=("${bench_files[@]}")

echo "building bench/queryload ..." >&2
ql="$build/bench/queryload"
(cd "$root/bench/queryload" && timeout 600 go build -o "$ql" .) || die "cannot build bench/queryload"

# --- the database ------------------------------------------------------------
db="$work/pprofd.db"
end=$(date +%s)
from=$((end - hour_s))
total=$((series * hour_s / interval_s))
echo "filling $db: $series series x $((hour_s / interval_s)) CPU profiles ..." >&2
t0=$EPOCHREALTIME
timeout -k 5 600 "$testtool" fill -n "$series" -i "$interval_s" -d "$hour_s" -e "$end" -m "$work/manifest.txt" \
	"$db" "${files[@]}" >/dev/null || die "pd_testtool fill failed"
fill_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
(($(wc -l <"$work/manifest.txt") == total)) || die "the manifest does not list $total profiles"
db_mb=$(awk -v b="$(stat -c %s "$db")" 'BEGIN { printf "%.1f", b / 1048576 }')
gz_bytes=$(awk '{ print $3 }' "$work/manifest.txt" | xargs stat -c %s | awk '{ s += $1 } END { print s }')

# --- 1. merge latency --------------------------------------------------------
cfg1="$work/pprofd-merge.yaml"
cat >"$cfg1" <<EOF
# Written by bench/query_bench.sh: the API over the filled database, no jobs.
server:
  listen: 127.0.0.1:0
storage:
  path: $db
  retention: 1d
scrape_configs: []
EOF
"$pprofd" check-config "$cfg1" >/dev/null || die "pprofd check-config $cfg1 failed"
start_pprofd "$cfg1" "$work/pprofd-merge.log" info
api="http://127.0.0.1:$pd_port"
sel='{job="bench"}'

# query_runs NAME CURL-ARGS...: RUNS runs of one query. Sets best_wall,
# best_cpu (daemon CPU s of the best run), rss0 (daemon RSS before the first
# run), peak (highest VmHWM of the runs), bytes; the first answer is kept
# in $work/NAME.out.
query_runs() {
	local name="$1" i res code t c0 c1 h
	shift
	best_wall="" best_cpu="" peak=0 rss0="" bytes=0
	for ((i = 0; i < runs; i++)); do
		echo 5 >"/proc/$pd_pid/clear_refs" 2>/dev/null || true
		[[ -n "$rss0" ]] || rss0=$(bench_proc_kb "$pd_pid" VmRSS)
		c0=$(bench_proc_ticks "$pd_pid")
		res=$(curl -sS --noproxy '*' --max-time 120 -G -o "$work/$name.$i" \
			-w '%{http_code} %{time_total} %{size_download}' "$@") || res="000 0 0"
		c1=$(bench_proc_ticks "$pd_pid")
		h=$(bench_proc_kb "$pd_pid" VmHWM)
		read -r code t bytes <<<"$res"
		t=$(awk -v t="$t" 'BEGIN { printf "%.4f", t }')
		[[ "$code" == 200 ]] || die "$name: HTTP $code: $(head -c 300 "$work/$name.$i" 2>/dev/null)"
		if ((h > peak)); then peak=$h; fi
		if [[ -z "$best_wall" ]] || bench_lt "$t" "$best_wall"; then
			best_wall=$t
			best_cpu=$(bench_secs_of_ticks $((c1 - c0)))
		fi
		if ((i == 0)); then
			mv "$work/$name.$i" "$work/$name.out"
		else
			rm -f "$work/$name.$i"
		fi
	done
}
echo "pprofd: merge of $total profiles, $runs runs each ..." >&2
query_runs merge "$api/api/v1/merge" -d type=cpu --data-urlencode "query=$sel" -d "from=$from" -d "to=$end"
m_wall=$best_wall m_cpu=$best_cpu m_rss0=$rss0 m_peak=$peak m_bytes=$bytes
query_runs top "$api/api/v1/merge" --compressed -d type=cpu --data-urlencode "query=$sel" \
	-d "from=$from" -d "to=$end" -d format=top
t_wall=$best_wall t_cpu=$best_cpu t_rss0=$rss0 t_peak=$peak t_bytes=$bytes

# The reference: the same files, in the same order (the manifest is in time
# order, which is the order pprofd merges in), at most REF_MAX of them.
ref_n=$total
((ref_n > ref_max)) && ref_n=$ref_max
head -n "$ref_n" "$work/manifest.txt" | awk '{ n = split($3, p, "/"); print p[n] }' >"$work/ref_files.txt"
mapfile -t ref_files <"$work/ref_files.txt"
if ((ref_n < total)); then
	# pprofd's answer for exactly those profiles, for the comparison.
	last_ns=$(sed -n "${ref_n}p" "$work/manifest.txt" | awk '{ print $1 }')
	last_ms=$(((last_ns + 999999) / 1000000)) # unix ms, rounded up (scrapes are >= 36 ms apart)
	curl -sS --noproxy '*' --max-time 120 -G -o "$work/merge_subset.out" "$api/api/v1/merge" \
		-d type=cpu --data-urlencode "query=$sel" -d "from=$from" -d "to=$last_ms" ||
		die "subset query failed"
	cmp_pd="$work/merge_subset.out"
else
	cmp_pd="$work/merge.out"
fi
bench_stop_pid "$pd_pid" 15

# ref_runs_of OUT CMD...: REF_RUNS runs of CMD followed by the reference
# files (from their directory: short names keep the command line under
# ARG_MAX), stdout to OUT. Sets r_wall, r_cpu (user+sys), r_rss (peak RSS, KB).
ref_runs_of() {
	local out="$1" i t0 t m u s tf="$work/time.out"
	shift
	r_wall="" r_cpu="" r_rss=""
	for ((i = 0; i < ref_runs; i++)); do
		t0=$EPOCHREALTIME
		(cd "$dir" && /usr/bin/time -o "$tf" -f "%M %U %S" timeout -k 5 900 "$@" "${ref_files[@]}" \
			>"$out" 2>"$work/ref.err") || die "$* failed: $(tail -n 2 "$work/ref.err")"
		t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')
		read -r m u s <"$tf"
		if [[ -z "$r_wall" ]] || bench_lt "$t" "$r_wall"; then
			r_wall=$t
			r_cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
			r_rss=$m
		fi
	done
}
echo "go tool pprof -proto over $ref_n files, $ref_runs runs ..." >&2
ref_runs_of "$work/pprof.pb.gz" go tool pprof -proto -symbolize=none
g_wall=$r_wall g_cpu=$r_cpu g_rss=$r_rss
echo "go tool pprof -top over $ref_n files, $ref_runs runs ..." >&2
ref_runs_of "$work/pprof.top" go tool pprof -top -symbolize=none
gt_wall=$r_wall gt_cpu=$r_cpu gt_rss=$r_rss
# Not a reference but a yardstick: the same merge by `pprofd merge` from
# files, which decodes on worker threads (the API decodes on the query's
# thread and reads SQLite).
echo "pprofd merge (files) over $ref_n files, $ref_runs runs ..." >&2
ref_runs_of /dev/null "$pprofd" merge -o "$work/cli.pb.gz"
c_wall=$r_wall c_cpu=$r_cpu c_rss=$r_rss
# Extrapolated to all the profiles when the reference saw fewer.
scale=$(awk -v a="$total" -v b="$ref_n" 'BEGIN { printf "%.6f", a / b }')
gx() { awk -v v="$1" -v s="$scale" 'BEGIN { printf "%.4f", v * s }'; }

go tool pprof -raw -symbolize=none "$cmp_pd" >"$work/pprofd.raw" 2>/dev/null
go tool pprof -raw -symbolize=none "$work/pprof.pb.gz" >"$work/pprof.raw" 2>/dev/null
same_samples=no same_raw=no
cmp -s <(samples "$work/pprofd.raw") <(samples "$work/pprof.raw") && same_samples=yes
cmp -s "$work/pprofd.raw" "$work/pprof.raw" && same_raw=yes
nsamples=$(samples "$work/pprofd.raw" | wc -l)

# --- 2. small queries under load ---------------------------------------------
live_addrs=()
for ((i = 0; i < live_targets; i++)); do
	pd_target_start "$target" -load 0.05 -duration "$((load_s * 2 + 300))s" ||
		die "target did not start"
	live_addrs+=("$PD_TARGET_ADDR")
done
cfg2="$work/pprofd-load.yaml"
{
	cat <<EOF
# Written by bench/query_bench.sh: the same database, and a job scraping
# $live_targets Go targets while the API is under load.
server:
  listen: 127.0.0.1:0
storage:
  path: $db
  retention: 1d
global:
  scrape_interval: ${interval_s}s
scrape_configs:
  - job_name: live
    static_configs:
      - targets:
EOF
	for a in ${live_addrs[@]+"${live_addrs[@]}"}; do echo "          - \"$a\""; done
	cat <<EOF
    profiles:
      cpu: {enabled: true, seconds: 5}
      heap: {enabled: true}
      allocs: {enabled: true}
      goroutine: {enabled: true}
EOF
} >"$cfg2"
((live_targets > 0)) || sed -i '/^global:/,$d' "$cfg2"
((live_targets > 0)) || echo "scrape_configs: []" >>"$cfg2"
"$pprofd" check-config "$cfg2" >/dev/null || die "pprofd check-config $cfg2 failed"
log2="$work/pprofd-load.log"
start_pprofd "$cfg2" "$log2" debug
api="http://127.0.0.1:$pd_port"
if ((live_targets > 0)); then
	# Until the first scraped profiles are stored (CPU takes 5 s).
	for ((i = 0; i < 200; i++)); do
		grep -q ' msg="stored" ' "$log2" && break
		sleep 0.1
	done
fi
small_q=(
	-q "profiles=/api/v1/profiles?type=cpu&query=$sel&from=$((end - 300))&to=$end&limit=10"
	-q "labels=/api/v1/labels?from=$from&to=$end"
	-q "merge1=/api/v1/merge?type=cpu&query={job=\"bench\",instance=\"host-{NN}:6060\"}&from=$((end - 60))&to=$end"
	-q "healthy=/-/healthy"
)
big_q="/api/v1/merge?type=cpu&query=$sel&from=$from&to=$end"

# phase NAME BIG: one load phase. Writes $work/NAME.txt (queryload's lines)
# and sets ph_cpu, ph_hwm, ph_lag (p50 p99 max n), ph_fail, ph_stored.
phase() {
	local name="$1" nbig="$2" off0 off1 c0 c1
	echo "load phase '$name': $clients small clients, $nbig big, $load_s s ..." >&2
	off0=$(stat -c %s "$log2")
	echo 5 >"/proc/$pd_pid/clear_refs" 2>/dev/null || true
	c0=$(bench_proc_ticks "$pd_pid")
	timeout -k 5 "$((load_s + 200))" "$ql" -base "$api" -duration "${load_s}s" -clients "$clients" \
		-every "$every" -nn "$series" "${small_q[@]}" -big "$nbig" -bigq "$big_q" \
		>"$work/$name.txt" 2>"$work/$name.err" || die "queryload failed: $(head -n 3 "$work/$name.err")"
	c1=$(bench_proc_ticks "$pd_pid")
	ph_hwm=$(bench_proc_kb "$pd_pid" VmHWM)
	_pd_is_our_child "$pd_pid" || die "pprofd exited during phase $name"
	off1=$(stat -c %s "$log2")
	ph_cpu=$(bench_secs_of_ticks $((c1 - c0)))
	tail -c +"$((off0 + 1))" "$log2" | head -c "$((off1 - off0))" >"$work/$name.log"
	grep ' msg="scrape" ' "$work/$name.log" | sed -n 's/.* lag_ms=\(-\{0,1\}[0-9]*\).*/\1/p' \
		>"$work/$name.lag" || true
	ph_lag=$(bench_percentiles "$work/$name.lag")
	ph_fail=$(grep -c ' msg="scrape failed" ' "$work/$name.log" || true)
	ph_stored=$(awk '/ msg="stored" / { for (i = 1; i <= NF; i++) if ($i ~ /^profiles=/) { sub(/profiles=/, "", $i); n += $i } }
		END { print n + 0 }' "$work/$name.log")
}
phase idle 0
i_cpu=$ph_cpu i_hwm=$ph_hwm i_lag=$ph_lag i_fail=$ph_fail i_stored=$ph_stored
phase loaded "$big"
l_cpu=$ph_cpu l_hwm=$ph_hwm l_lag=$ph_lag l_fail=$ph_fail l_stored=$ph_stored
warns=$(awk '/ level=(warn|error) /' "$log2" |
	sed -n 's/.* msg="\([^"]*\)"\(.* reason=\([^ ]*\)\)\{0,1\}.*/\1 \3/p' | sort | uniq -c |
	awk '{ c = $1; $1 = ""; printf "%s%s x%d", (NR > 1 ? ";" : ""), $0, c }')
bench_stop_pid "$pd_pid" 15
pd_status=$stop_status

# --- report ------------------------------------------------------------------
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else printf "-" }'; }
printf '\n'
printf 'data            %d CPU profiles = %d series x %d, every %ds over the hour up to %s\n' "$total" \
	"$series" "$((hour_s / interval_s))" "$interval_s" "$(date -u -d "@$end" +%FT%TZ)"
printf '                from %d real Go CPU profiles (build/bench/cpu-1000) taken in turn: %s MB gzip in all\n' \
	"${#files[@]}" "$(awk -v b="$gz_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')"
printf '                database %s MiB, filled in %s s (%s profiles/s); merged: %d samples\n' "$db_mb" "$fill_s" \
	"$(awk -v n="$total" -v s="$fill_s" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')" "$nsamples"
printf '\n%-44s %10s %8s %22s\n' "merge over 1 h, {job=\"bench\"}" "wall (s)" "CPU (s)" "peak RSS (KB)"
printf '%-44s %10s %8s %22s\n' "pprofd GET /api/v1/merge (pprof, $m_bytes B)" "$m_wall" "$m_cpu" \
	"$(kb "$m_peak") (+$(kb $((m_peak - m_rss0))))"
printf '%-44s %10s %8s %22s\n' "pprofd GET /api/v1/merge&format=top ($t_bytes B)" "$t_wall" "$t_cpu" \
	"$(kb "$t_peak") (+$(kb $((t_peak - t_rss0))))"
ref_note=""
((ref_n < total)) && ref_note=" *"
printf '%-44s %10s %8s %22s\n' "go tool pprof -proto -symbolize=none$ref_note" "$(gx "$g_wall")" "$(gx "$g_cpu")" "$(kb "$g_rss")"
printf '%-44s %10s %8s %22s\n' "go tool pprof -top -symbolize=none$ref_note" "$(gx "$gt_wall")" "$(gx "$gt_cpu")" "$(kb "$gt_rss")"
printf '%-44s %10s %8s %22s\n' "(pprofd merge from the files$ref_note)" "$(gx "$c_wall")" "$(gx "$c_cpu")" "$(kb "$c_rss")"
printf '%-44s %10s %8s %22s\n' "ratio, pprof format" "$(ratio "$(gx "$g_wall")" "$m_wall")" \
	"$(ratio "$(gx "$g_cpu")" "$m_cpu")" "$(ratio "$g_rss" $((m_peak - m_rss0)))"
printf '%-44s %10s %8s %22s\n' "ratio, top" "$(ratio "$(gx "$gt_wall")" "$t_wall")" \
	"$(ratio "$(gx "$gt_cpu")" "$t_cpu")" "$(ratio "$gt_rss" $((t_peak - t_rss0)))"
((ref_n < total)) && printf '* go tool pprof ran over the first %d profiles; its time is scaled by %s\n' \
	"$ref_n" "$(awk -v s="$scale" 'BEGIN { printf "%.3f", s }')"
printf 'best of %d runs (pprofd) and %d (go tool pprof); ratios are go tool pprof / pprofd, for memory\n' \
	"$runs" "$ref_runs"
printf 'go tool pprof'"'"'s peak RSS / the growth of pprofd'"'"'s (+...; RSS before the first query: %s KB)\n' \
	"$(kb "$m_rss0")"
printf 'CPU per stored profile: pprofd %s us (pprof format), go tool pprof %s us\n' \
	"$(awk -v c="$m_cpu" -v n="$total" 'BEGIN { printf "%.1f", c * 1e6 / n }')" \
	"$(awk -v c="$g_cpu" -v n="$ref_n" 'BEGIN { printf "%.1f", c * 1e6 / n }')"
printf 'same samples as go tool pprof (-raw, sample lines sorted): %s; -raw output identical: %s\n' \
	"$same_samples" "$same_raw"

printf '\nsmall queries: %d clients, each one kind, one request every %s; under load %d more clients merge the hour back to back\n' \
	"$clients" "$every" "$big"
printf 'scraping %d targets (cpu 5 s, heap, allocs, goroutine every %ds) all along; %d s per phase\n' \
	"$live_targets" "$interval_s" "$load_s"
printf '%-9s | %-38s | %-38s | %s\n' "" "idle" "under load ($big big merges)" "loaded/idle"
printf '%-9s | %5s %3s %7s %7s %7s %6s | %5s %3s %7s %7s %7s %6s | %6s %6s\n' kind n err p50 p99 max "req/s" \
	n err p50 p99 max "req/s" p50 p99
kinds=(profiles labels merge1 healthy big)
for k in "${kinds[@]}"; do
	read -r _ in ie i50 i99 imax irps < <(grep "^$k " "$work/idle.txt" || echo "$k 0 0 - - - 0")
	read -r _ ln le l50 l99 lmax lrps < <(grep "^$k " "$work/loaded.txt" || echo "$k 0 0 - - - 0")
	[[ "$in" == 0 ]] && i50=- i99=- imax=-
	[[ "$ln" == 0 ]] && l50=- l99=- lmax=-
	printf '%-9s | %5s %3s %7s %7s %7s %6s | %5s %3s %7s %7s %7s %6s | %6s %6s\n' "$k" "$in" "$ie" "$i50" "$i99" \
		"$imax" "$irps" "$ln" "$le" "$l50" "$l99" "$lmax" "$lrps" "$(ratio "$l50" "$i50")" "$(ratio "$l99" "$i99")"
done
printf '(latencies in ms)\n'
read -r il50 il99 ilmax iln <<<"$i_lag"
read -r ll50 ll99 llmax lln <<<"$l_lag"
printf 'scrape lag (ms)  idle p50 %s p99 %s max %s (%d scrapes, %d failed, %d stored); under load p50 %s p99 %s max %s (%d scrapes, %d failed, %d stored)\n' \
	"$il50" "$il99" "$ilmax" "$iln" "$i_fail" "$i_stored" "$ll50" "$ll99" "$llmax" "$lln" "$l_fail" "$l_stored"
printf 'pprofd CPU       idle %s s (%s cores); under load %s s (%s cores)\n' "$i_cpu" \
	"$(awk -v c="$i_cpu" -v s="$load_s" 'BEGIN { printf "%.2f", c / s }')" "$l_cpu" \
	"$(awk -v c="$l_cpu" -v s="$load_s" 'BEGIN { printf "%.2f", c / s }')"
printf 'pprofd peak RSS  idle %s KB; under load %s KB\n' "$(kb "$i_hwm")" "$(kb "$l_hwm")"
printf 'warnings/errors  %s; exit status %s\n' "${warns:-none}" "$pd_status"
printf 'files            %s/\n' "$work"
[[ $same_samples == yes ]] || die "pprofd's merge and go tool pprof's differ: see $work/pprofd.raw and pprof.raw"
