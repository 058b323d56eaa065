#!/usr/bin/env bash
# Long-range benchmark: one job of TARGETS targets whose CPU profiles were
# taken every 60 s for DAYS days up to now (20 x 1440 x 30 = 864,000
# profiles by default), stored through the product's own path
# (`pprofd import`), then queried over the HTTP API over the last 24 h,
# 7 d and DAYS d, against `go tool pprof` over the last 24 h of files in
# the same run.
#
#   bench/longrange_bench.sh [DAYS] [TARGETS] [RUNS]
#                            (defaults: 30 days, 20 targets, best of 3 runs)
#   bench/longrange_bench.sh 2 20      # a quick try: 57,600 profiles
#
# Environment: BUILD (build directory, default build/), REF_RUNS (runs of
# the go tool pprof reference, default RUNS), REF_MAX (most files handed to
# go tool pprof, default 50000: above it the reference merges the oldest
# REF_MAX profiles of the last 24 h and its time is scaled linearly, which
# the output says), ROLLUP_WAIT (most seconds to wait for the rollups,
# default 1800), MAX_QUERY_PROFILES (limits.max_query_profiles in the
# bench config, default 1000000 or the number of profiles if more; the
# product's default of 100000 would refuse the 7 d and 30 d queries with
# 422).
#
# 1. Fill. `pd_testtool retime` (tests/tools/pd_testtool.c) writes, one day
#    at a time, 1440 x TARGETS copies of the 1000 real CPU profiles of
#    build/bench/cpu-1000/ (the ones bench/merge_bench.sh uses, taken in
#    turn) whose only change is time_nanos: target i every 60 s, spread over
#    the minute as the scheduler spreads targets (i x 60/TARGETS s early),
#    the newest profile of target 0 at the script's start. Then, per target,
#    `pprofd import -c CONFIG --type cpu --job bench
#    --label instance=host-NN:6060 FILE...` stores that day's 1440 files at
#    their own time, and the day's files are deleted (so at most two days'
#    files are on disk: the last day's are kept for the reference). The fill
#    time counts the imports alone (and, apart, writing the files); the
#    database size is read after `PRAGMA wal_checkpoint(TRUNCATE)` (sqlite3,
#    installed by make deps).
# 2. Queries. `pprofd run` with no jobs serves the database (listen
#    127.0.0.1:0; the port comes from the msg="listening" log line). A build
#    that keeps rollups builds them now, in the background; the script waits
#    until /metrics' pprofd_storage_compaction_steps_total stops moving (3 s)
#    and reports how long that took, the daemon's CPU, the rows per level and
#    the database size after. Then curl
#    times, RUNS times each, GET /api/v1/merge?type=cpu&query={job="bench"}
#    (pprof format) over the last 24 h, 7 d and DAYS d, and
#    GET /api/v1/series?type=cpu&query={job="bench"}&step=1h&group_by=instance
#    over DAYS d. A window is (end - span, end]: `from` = end - span + 1 s,
#    so the 24 h merge holds exactly the last 1440 profiles of each target.
#    Per query: the HTTP status of every run, the best wall time and the
#    daemon's CPU (utime+stime from /proc/PID/stat) in that run, and the
#    daemon's peak RSS (VmHWM, reset through /proc/PID/clear_refs before each
#    run). Non-200 answers (422 over max_query_profiles, 503 past the API's
#    30 s query timeout) are reported, not fatal. Each figure is printed next
#    to its target.
# 3. Reference, same run. `go tool pprof -proto -symbolize=none` over the
#    last day's files (1440 x TARGETS, in time order), best wall time of
#    REF_RUNS, CPU and peak RSS from GNU time; the 24 h merge of pprofd and
#    the reference must hold the same samples (`go tool pprof -traces`,
#    samples sorted: pd_traces of tests/integration/lib.sh, blind to the
#    order of samples and locations, which a merge read from rollups
#    changes) or the script fails at the end; it also says whether the
#    sorted sample lines of `go tool pprof -raw -symbolize=none` match, ids
#    and all (they do when the merge reads raw profiles in time order).
#
# Everything listens on 127.0.0.1, every process started here is stopped on
# exit (also on Ctrl-C), and every step is bounded in time. Files are left in
# BUILD/bench/longrange/ (the profile files are deleted once used).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
days="${1:-30}"
targets="${2:-20}"
runs="${3:-3}"
ref_runs="${REF_RUNS:-$runs}"
ref_max="${REF_MAX:-50000}"
build="${BUILD:-$root/build}"
pprofd="$build/pprofd"
testtool="$build/pd_testtool"
step_s=60
per_day=$((86400 / step_s))

# shellcheck source=lib.sh
. "$root/bench/lib.sh"
die() { bench_die "$@"; }
for v in days targets runs ref_runs ref_max; do
	[[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done
((targets <= 1000)) || die "TARGETS must be at most 1000"
total=$((days * per_day * targets))
max_q="${MAX_QUERY_PROFILES:-$((total > 1000000 ? total : 1000000))}"
[[ "$max_q" =~ ^[1-9][0-9]*$ ]] || die "MAX_QUERY_PROFILES must be a positive integer"
bench_require "$pprofd" "$testtool" /usr/bin/time curl go timeout sqlite3

work="$build/bench/longrange"
rm -rf "$work"
mkdir -p "$work"

# --- helpers -------------------------------------------------------------------
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
kb() { awk -v v="$1" 'BEGIN { s = sprintf("%d", v); n = length(s); o = ""
	for (i = 1; i <= n; i++) { o = o substr(s, i, 1); if ((n - i) % 3 == 0 && i < n) o = o "," }
	print o }'; }
# samples RAW: the sample lines of `go tool pprof -raw` output, sorted.
samples() {
	awk '/^Samples:/ { s = 1; next } /^Locations/ { s = 0 } s' "$1" | sort
}

# --- the profiles ------------------------------------------------------------
bench_cpu_profiles 1000
src=("${bench_files[@]}")

# --- 1. fill, through pprofd import ------------------------------------------
db="$work/pprofd.db"
cfg="$work/pprofd.yaml"
cat >"$cfg" <<EOF
# Written by bench/longrange_bench.sh: the database pprofd import fills and
# pprofd run serves, no jobs. max_query_profiles is raised from the default
# (100000) so that the 7 d and $days d queries are not refused with 422.
server:
  listen: 127.0.0.1:0
storage:
  path: $db
  retention: $((days + 30))d
limits:
  max_query_profiles: $max_q
scrape_configs: []
EOF
"$pprofd" check-config "$cfg" >/dev/null || die "pprofd check-config $cfg failed"

end=$(date +%s)
nslots=$((days * per_day))
# Slot s (0 .. nslots-1) of target 0 is at end - (nslots-1-s)*60 s.
start0=$((end - (nslots - 1) * step_s))
gen_s=0 imp_s=0 imported=0 gz_bytes=0
echo "filling $db: $targets targets x $per_day CPU profiles x $days days = $total, through pprofd import ..." >&2
fill_t0=$EPOCHREALTIME
for ((d = 0; d < days; d++)); do
	dd="$work/day"
	rm -rf "$dd"
	t0=$EPOCHREALTIME
	timeout -k 5 600 "$testtool" retime -n "$targets" -k $((d * per_day * targets)) -m "$work/day.manifest" \
		"$dd" $((start0 + d * per_day * step_s)) "$step_s" "$per_day" "${src[@]}" ||
		die "pd_testtool retime failed (day $((d + 1)))"
	gen_s=$(add "$gen_s" "$(since "$t0")")
	gz_bytes=$((gz_bytes + $(find "$dd" -name '*.pb.gz' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')))
	t0=$EPOCHREALTIME
	for ((i = 0; i < targets; i++)); do
		nn=$(printf %02d "$i") # as retime names the files
		out=$(timeout -k 5 600 "$pprofd" import -c "$cfg" --type cpu --job bench \
			--label "instance=host-$nn:6060" "$dd/$nn"-*.pb.gz) || die "pprofd import failed (day $((d + 1)), host-$nn)"
		n=$(sed -n 's/^imported \([0-9]*\) of .*/\1/p' <<<"$out")
		((n == per_day)) || die "pprofd import: $out"
		imported=$((imported + n))
	done
	imp_s=$(add "$imp_s" "$(since "$t0")")
	if ((d == days - 1)); then
		mv "$dd" "$work/lastday"
		mv "$work/day.manifest" "$work/lastday.manifest"
	else
		rm -rf "$dd"
	fi
	echo "  day $((d + 1))/$days: $imported profiles, import $imp_s s, files $gen_s s" >&2
done
fill_s=$(since "$fill_t0")
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null || die "sqlite3 checkpoint failed"
rows=$(sqlite3 "$db" 'SELECT count(*) FROM profiles;')
db_bytes=$(stat -c %s "$db")
wal_bytes=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
((rows == total)) || die "the database holds $rows profiles, not $total"

# --- 2. the queries ------------------------------------------------------------
pd_log="$work/pprofd.log"
PPROFD_LOG_LEVEL=info "$pprofd" run -c "$cfg" >"$work/pprofd.out" 2>"$pd_log" &
pd_pid=$!
PD_TARGET_PIDS+=("$pd_pid")
pd_port=""
for ((i = 0; i < 300; i++)); do
	pd_port=$(sed -n 's/.* msg="listening" .* port=\([0-9][0-9]*\).*/\1/p' "$pd_log" 2>/dev/null | head -n 1 || true)
	[[ -n "$pd_port" ]] && break
	_pd_is_our_child "$pd_pid" || break
	sleep 0.1
done
[[ -n "$pd_port" ]] || {
	tail -n 20 "$pd_log" >&2
	die "pprofd did not start listening"
}
api="http://127.0.0.1:$pd_port"
sel='{job="bench"}'

# Rollups: a build that keeps them (schema 5) builds them in the background
# once it runs (`pprofd import` stores raw profiles only). The queries are
# timed once that is over: when the compaction steps counter of /metrics has
# not moved for 3 s (at most ROLLUP_WAIT s, default 1800). A build without
# rollups has no such counter and goes on at once.
metric() {
	curl -sf --noproxy '*' --max-time 10 "$api/metrics" | awk -v m="$1" '$1 == m { print $2 }' || true
}
roll_note="" roll_rows=""
steps=$(metric pprofd_storage_compaction_steps_total)
if [[ -n "$steps" ]]; then
	echo "waiting for the daemon to roll up the profiles ..." >&2
	echo 5 >"/proc/$pd_pid/clear_refs" 2>/dev/null || true
	roll_t0=$EPOCHREALTIME
	roll_c0=$(bench_proc_ticks "$pd_pid")
	roll_t1=$roll_t0 last=-1 same=0
	for ((i = 0; i < ${ROLLUP_WAIT:-1800}; i++)); do
		steps=$(metric pprofd_storage_compaction_steps_total)
		_pd_is_our_child "$pd_pid" || {
			tail -n 20 "$pd_log" >&2
			die "pprofd exited while rolling up"
		}
		if [[ -n "$steps" && "$steps" == "$last" && "$steps" != 0 ]]; then
			same=$((same + 1))
		else
			same=0 roll_t1=$EPOCHREALTIME
		fi
		last=$steps
		((same < 3)) || break
		sleep 1
	done
	((same >= 3)) || die "the rollups were still being built after ${ROLLUP_WAIT:-1800} s"
	roll_s=$(awk -v a="$roll_t0" -v b="$roll_t1" 'BEGIN { printf "%.0f", b - a }')
	roll_cpu=$(bench_secs_of_ticks $(($(bench_proc_ticks "$pd_pid") - roll_c0)))
	roll_hwm=$(bench_proc_kb "$pd_pid" VmHWM)
	ages=""
	for r in 5m 1h 1d; do
		t=$(metric "pprofd_storage_rollup_done_timestamp_seconds{resolution=\"$r\"}")
		ages="$ages${ages:+, }$r up to $(if [[ -n "$t" && "$t" != 0 ]]; then date -u -d "@$t" +%FT%TZ; else echo -; fi)"
	done
	roll_rows=$(sqlite3 "$db" 'SELECT level || ": " || count(*) || " rows of " || sum(count) FROM rollups GROUP BY level ORDER BY level;' |
		paste -sd ';' | sed 's/;/; /g' || true)
	roll_note="built in about $roll_s s after the start ($steps steps), daemon CPU $roll_cpu s, peak RSS $(kb "$roll_hwm") KB"
	roll_note="$roll_note"$'\n'"            done: $ages"
fi
rss_start=$(bench_proc_kb "$pd_pid" VmRSS)

# query_runs NAME CURL-ARGS...: RUNS runs of one query. Sets codes (the
# HTTP status of each run), best_wall, best_cpu (daemon CPU s of the best
# run), rss0 (daemon VmRSS before the first run), peak (highest VmHWM of the
# runs), bytes, msg (the start of a non-200 answer); the first answer is kept
# in $work/NAME.out.
query_runs() {
	local name="$1" i res code t c0 c1 h b
	shift
	best_wall="" best_cpu="" peak=0 bytes=0 codes="" msg=""
	rss0=$(bench_proc_kb "$pd_pid" VmRSS)
	for ((i = 0; i < runs; i++)); do
		echo 5 >"/proc/$pd_pid/clear_refs" 2>/dev/null || true
		c0=$(bench_proc_ticks "$pd_pid")
		res=$(curl -sS --noproxy '*' --max-time 120 -G -o "$work/$name.$i" \
			-w '%{http_code} %{time_total} %{size_download}' "$@") || res="000 0 0"
		c1=$(bench_proc_ticks "$pd_pid")
		h=$(bench_proc_kb "$pd_pid" VmHWM)
		_pd_is_our_child "$pd_pid" || {
			tail -n 20 "$pd_log" >&2
			die "pprofd exited during $name"
		}
		read -r code t b <<<"$res"
		t=$(awk -v t="$t" 'BEGIN { printf "%.4f", t }')
		codes="$codes${codes:+ }$code"
		[[ "$code" == 200 || -n "$msg" ]] || msg=$(head -c 200 "$work/$name.$i" 2>/dev/null | tr -d '\n' || true)
		if ((h > peak)); then peak=$h; fi
		if [[ -z "$best_wall" ]] || bench_lt "$t" "$best_wall"; then
			best_wall=$t
			best_cpu=$(bench_secs_of_ticks $((c1 - c0)))
			bytes=$b
		fi
		if ((i == 0)); then
			mv "$work/$name.$i" "$work/$name.out"
		else
			rm -f "$work/$name.$i"
		fi
	done
}

# The windows: (end - span, end]; a window longer than the data holds it all.
spans=(1 7 "$days")
names=(merge_24h merge_7d "merge_${days}d")
labels=("merge, last 24 h" "merge, last 7 d" "merge, last $days d")
limits=(0.3 1 2)
declare -A q_codes q_wall q_cpu q_peak q_rss0 q_bytes q_msg q_n
for j in 0 1 2; do
	span_d=${spans[$j]}
	n_d=$span_d
	((n_d > days)) && n_d=$days
	q_n[${names[$j]}]=$((n_d * per_day * targets))
	echo "pprofd: ${labels[$j]} (${q_n[${names[$j]}]} profiles), $runs runs ..." >&2
	query_runs "${names[$j]}" "$api/api/v1/merge" -d type=cpu --data-urlencode "query=$sel" \
		-d "from=$((end - span_d * 86400 + 1))" -d "to=$end"
	q_codes[${names[$j]}]=$codes q_wall[${names[$j]}]=$best_wall q_cpu[${names[$j]}]=$best_cpu
	q_peak[${names[$j]}]=$peak q_rss0[${names[$j]}]=$rss0 q_bytes[${names[$j]}]=$bytes q_msg[${names[$j]}]=$msg
done
sname="series_${days}d"
q_n[$sname]=$total
echo "pprofd: series over $days d, step 1h, by instance ($total profiles), $runs runs ..." >&2
query_runs "$sname" "$api/api/v1/series" -d type=cpu --data-urlencode "query=$sel" \
	-d "from=$((end - days * 86400 + 1))" -d "to=$end" -d step=1h -d group_by=instance
q_codes[$sname]=$codes q_wall[$sname]=$best_wall q_cpu[$sname]=$best_cpu
q_peak[$sname]=$peak q_rss0[$sname]=$rss0 q_bytes[$sname]=$bytes q_msg[$sname]=$msg
points=""
if [[ "$codes" == 200* ]]; then
	points=$(grep -o '\][[:space:]]*,[[:space:]]*\[' "$work/$sname.out" | wc -l || true)
	nser=$(grep -o '"labels"' "$work/$sname.out" | wc -l || true)
	points="$nser series, $((points + nser)) points"
fi

# The profiles of the last 24 h that the reference merges (the oldest
# REF_MAX of them at most), and pprofd's answer for exactly those.
day_n=$((per_day * targets))
ref_n=$day_n
((ref_n > ref_max)) && ref_n=$ref_max
head -n "$ref_n" "$work/lastday.manifest" | awk '{ n = split($2, p, "/"); print p[n] }' >"$work/ref_files.txt"
mapfile -t ref_files <"$work/ref_files.txt"
cmp_pd="$work/merge_24h.out"
if ((ref_n < day_n)); then
	last_ns=$(sed -n "${ref_n}p" "$work/lastday.manifest" | awk '{ print $1 }')
	curl -sS --noproxy '*' --max-time 120 -G -o "$work/merge_subset.out" "$api/api/v1/merge" \
		-d type=cpu --data-urlencode "query=$sel" -d "from=$((end - 86400 + 1))" \
		-d "to=$(((last_ns + 999999) / 1000000))" || die "subset query failed"
	cmp_pd="$work/merge_subset.out"
fi
warns=$(awk '/ level=(warn|error) /' "$pd_log" | sed -n 's/.* msg="\([^"]*\)".*/\1/p' | sort | uniq -c |
	awk '{ c = $1; $1 = ""; printf "%s%s x%d", (NR > 1 ? ";" : ""), $0, c }')
bench_stop_pid "$pd_pid" 15
pd_status=$stop_status
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null || die "sqlite3 checkpoint failed"
db_bytes2=$(stat -c %s "$db")

# --- 3. the reference ----------------------------------------------------------
echo "go tool pprof -proto over $ref_n files, $ref_runs runs ..." >&2
r_wall="" r_cpu="" r_rss=""
for ((i = 0; i < ref_runs; i++)); do
	t0=$EPOCHREALTIME
	(cd "$work/lastday" && /usr/bin/time -o "$work/time.out" -f "%M %U %S" timeout -k 5 900 \
		go tool pprof -proto -symbolize=none "${ref_files[@]}" >"$work/pprof.pb.gz" 2>"$work/ref.err") ||
		die "go tool pprof failed: $(tail -n 2 "$work/ref.err")"
	t=$(since "$t0")
	read -r m u s <"$work/time.out"
	if [[ -z "$r_wall" ]] || bench_lt "$t" "$r_wall"; then
		r_wall=$t
		r_cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
		r_rss=$m
	fi
done
# Same samples: pd_traces (tests/integration/lib.sh: go tool pprof -traces,
# samples sorted), which holds whatever the order of samples and locations,
# as in a merge read from rollups; and, stricter, the sorted sample lines of
# go tool pprof -raw, whose location ids follow the merge order.
same_samples=no same_raw=no nsamples=0
if [[ -s "$cmp_pd" && "${q_codes[merge_24h]}" == 200* ]]; then
	pd_traces "$cmp_pd" >"$work/pprofd.traces"
	pd_traces "$work/pprof.pb.gz" >"$work/pprof.traces"
	grep -q '^#' "$work/pprof.traces" && cmp -s "$work/pprofd.traces" "$work/pprof.traces" && same_samples=yes
	go tool pprof -raw -symbolize=none "$cmp_pd" >"$work/pprofd.raw" 2>/dev/null || true
	go tool pprof -raw -symbolize=none "$work/pprof.pb.gz" >"$work/pprof.raw" 2>/dev/null || true
	cmp -s <(samples "$work/pprofd.raw") <(samples "$work/pprof.raw") && same_raw=yes
	nsamples=$(samples "$work/pprofd.raw" | wc -l)
fi
rm -rf "$work/lastday"
scale=$(awk -v a="$day_n" -v b="$ref_n" 'BEGIN { printf "%.6f", a / b }')
g_wall=$(awk -v v="$r_wall" -v s="$scale" 'BEGIN { printf "%.2f", v * s }')
g_cpu=$(awk -v v="$r_cpu" -v s="$scale" 'BEGIN { printf "%.2f", v * s }')

# --- report ------------------------------------------------------------------
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
printf '\n'
printf 'data        %d CPU profiles = 1 job x %d targets x %d days x %d (every %d s) up to %s\n' "$total" \
	"$targets" "$days" "$per_day" "$step_s" "$(date -u -d "@$end" +%FT%TZ)"
printf '            from %d real Go CPU profiles (build/bench/cpu-1000) taken in turn, retimed: %s MB gzip in all\n' \
	"${#src[@]}" "$(awk -v b="$gz_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')"
printf 'fill        pprofd import: %d profiles in %s s = %s profiles/s (%d imports of %d files);\n' "$imported" \
	"$imp_s" "$(awk -v n="$imported" -v s="$imp_s" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')" \
	$((days * targets)) "$per_day"
printf '            writing the files (pd_testtool retime) %s s; whole fill %s s\n' "$gen_s" "$fill_s"
printf 'database    %s MiB (%s bytes, %.0f bytes per profile) after PRAGMA wal_checkpoint(TRUNCATE), WAL %s bytes\n' \
	"$(mib "$db_bytes")" "$db_bytes" "$(awk -v a="$db_bytes" -v b="$total" 'BEGIN { print a / b }')" "$wal_bytes"
printf '            limits.max_query_profiles: %s (the default, 100000, refuses more with 422)\n' "$max_q"
if [[ -n "$roll_note" ]]; then
	printf 'rollups     %s\n' "$roll_note"
	printf '            rows per level (level: rows of profiles): %s\n' "${roll_rows:-none}"
	printf '            database after the daemon stopped: %s MiB (checkpointed)\n' "$(mib "$db_bytes2")"
else
	printf 'rollups     none (this build keeps raw profiles only)\n'
fi
printf '\n%-34s %8s %-11s %9s %8s %24s %s\n' "pprofd, {job=\"bench\"}" profiles "HTTP" "wall (s)" "CPU (s)" \
	"peak RSS (KB, before)" "target"
verdict() { if bench_lt "$1" "$2"; then echo "met"; else echo "MISSED"; fi; }
row() { # NAME LABEL LIMIT_S
	local n="$1" v
	v=$(verdict "${q_wall[$n]}" "$3")
	[[ "${q_codes[$n]}" == 200* ]] || v="MISSED (not 200)"
	printf '%-34s %8d %-11s %9s %8s %24s wall < %s s: %s\n' "$2" "${q_n[$n]}" "${q_codes[$n]// /,}" "${q_wall[$n]}" \
		"${q_cpu[$n]}" "$(kb "${q_peak[$n]}") ($(kb "${q_rss0[$n]}"))" "$3" "$v"
	[[ -z "${q_msg[$n]}" ]] || printf '%-34s %s\n' "" "answer: ${q_msg[$n]}"
}
for j in 0 1 2; do row "${names[$j]}" "${labels[$j]} (${q_bytes[${names[$j]}]} B)" "${limits[$j]}"; done
row "$sname" "series, $days d, step 1h, by instance" 0.5
[[ -z "$points" ]] || printf '%-34s %s\n' "" "($points)"
peak_all=0
for n in "${names[@]}" "$sname"; do ((${q_peak[$n]} > peak_all)) && peak_all=${q_peak[$n]}; done
printf 'best of %d runs each; CPU is the daemon'"'"'s in the best run; peak RSS is VmHWM, reset before each run\n' "$runs"
printf '(to the RSS then: memory the allocator kept from the query before stays counted); before: VmRSS before the first run\n'
printf 'peak RSS    %s KB over all queries (RSS at start %s KB); target < 256 MiB (262,144 KB): %s\n' \
	"$(kb "$peak_all")" "$(kb "$rss_start")" "$(if ((peak_all < 262144)); then echo met; else echo MISSED; fi)"
ref_note=""
((ref_n < day_n)) && ref_note=" (first $ref_n files, time scaled by $scale)"
printf '\nreference   go tool pprof -proto -symbolize=none over the last 24 h of files (%d)%s\n' "$day_n" "$ref_note"
printf '            wall %s s, CPU %s s, peak RSS %s KB (best of %d)\n' "$g_wall" "$g_cpu" "$(kb "$r_rss")" "$ref_runs"
if [[ "${q_codes[merge_24h]}" == 200* ]]; then
	printf 'pprofd / go tool pprof, 24 h merge: wall %s, CPU %s (go tool pprof takes %s and %s as long)\n' \
		"$(awk -v a="${q_wall[merge_24h]}" -v b="$g_wall" 'BEGIN { printf "%.4f", a / b }')" \
		"$(awk -v a="${q_cpu[merge_24h]}" -v b="$g_cpu" 'BEGIN { printf "%.4f", a / b }')" \
		"$(awk -v a="${q_wall[merge_24h]}" -v b="$g_wall" 'BEGIN { printf "%.1fx", (a > 0 ? b / a : 0) }')" \
		"$(awk -v a="${q_cpu[merge_24h]}" -v b="$g_cpu" 'BEGIN { printf "%.1fx", (a > 0 ? b / a : 0) }')"
	for j in 1 2; do
		n=${names[$j]}
		k=$((q_n[$n] / day_n))
		[[ "${q_codes[$n]}" == 200* && $k -gt 1 ]] || continue
		printf '%-20s pprofd %s s; go tool pprof scaled linearly to %d profiles: %s s (not run); pprofd / that %s\n' \
			"  ${labels[$j]}:" "${q_wall[$n]}" "${q_n[$n]}" \
			"$(awk -v b="$g_wall" -v k="$k" 'BEGIN { printf "%.1f", b * k }')" \
			"$(awk -v a="${q_wall[$n]}" -v b="$g_wall" -v k="$k" 'BEGIN { printf "%.4f", a / (b * k) }')"
	done
fi
printf 'same samples as go tool pprof (-traces, samples sorted): %s; same -raw sample lines, ids too: %s (%d lines)\n' \
	"$same_samples" "$same_raw" "$nsamples"
printf 'pprofd log  warnings/errors: %s; exit status %s\n' "${warns:-none}" "$pd_status"
printf 'files       %s/\n' "$work"
[[ $same_samples == yes ]] || die "pprofd's 24 h merge and go tool pprof's differ (or the merge failed): see $work/"
