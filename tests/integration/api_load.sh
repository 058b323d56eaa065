#!/usr/bin/env bash
# SPEC §7: "Queries and merges never run on the event-loop thread: scraping
# stays on schedule while the API is busy." A bounded loopback load test:
# pprofd scrapes 4 real Go targets (heap, goroutine and allocs every 1 s,
# cpu for 1 s every 2 s) for IDLE_S seconds with no queries, then for LOAD_S
# seconds while NCLIENTS clients run queries in a loop, PACE_S apart (merge
# in every format, diff, series, profile lists). Half of them are heavy: the
# database is seeded first (pd_testtool fill, as bench/query_bench.sh does)
# with BULK_N real CPU profiles of the test target under {job="bulk"}, and
# a heavy query merges as many of them as cost about HEAVY_MS of CPU (up to
# all): were it run on the event loop, the scrapes would start that late.
#
# Checked, per round (idle phase, then loaded phase):
#  - the queries kept the thread pool busy at least 30 % of the loaded phase
#    (pprofd_query_duration_seconds_sum), or the test proves nothing and is
#    skipped (77);
#  - the event loop's thread (the daemon's main thread) used hardly more CPU
#    under load: its CPU time grows by less than a tenth of the query work
#    (/proc/PID/task/PID/schedstat);
#  - from the daemon's debug log (msg="scrape" ... lag_ms=N: how late each
#    scrape started after its tick): the loaded max lag stays within
#    LAG_SLACK_MS of the idle max, the loaded p99 within LAG_SLACK_MS of the
#    idle p99; no more "tick skipped" or "scrape failed" lines than idle;
#    about as many scrapes started and profiles stored;
# and over all rounds: every query answered 200, or 503/422 (counted and
# printed: the API's documented answers to an overloaded or too large query).
#
# A machine busy with other work can stall the whole daemon for a moment
# in either phase: a round whose schedule does not hold is run once more,
# and only the second decides. If that one does not hold either, the test
# is skipped (77) when the machine explains it: the idle phase was already
# slow, or the loop thread spent far longer waiting on a run queue (for a
# CPU; work of its own is the CPU check) than its worst lag: at least 4
# times (measured on a busy 2-core machine: 5 to 8 times when the lag came
# from CPU contention; 1 to 1.6 times when the loop slept in a blocking
# call for each query, which must fail). Otherwise: a failure.
# Wall time: about 30 s (50 s with the second round).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
. "$here/api_lib.sh"
: "${PPROFD:?}" "${PD_TARGET_BIN:?}" "${PD_WORK:?}" "${PD_TESTTOOL:?}"
pd_test_dir api_load
pd_go_env

NTARGETS=4
NCLIENTS=8
WARM_S=4
IDLE_S=10
LOAD_S=10
LAG_SLACK_MS=100
# Each client waits this long between its queries: together they keep the
# pool busy (about one of its two query slots on average) yet leave the
# 2-core machine room for the loop and the targets, which share it.
PACE_S=1.5
BULK_SERIES=100 # x one profile every 5 s over 10 minutes = BULK_N profiles
BULK_N=$((BULK_SERIES * 120))

# The heavy data: real CPU profiles of the target (1000 Hz, flat out),
# stored BULK_N times over the last 10 minutes before the daemon starts.
mkdir -p "$W/cpu" "$W/data"
"$PD_TARGET_BIN" -cpu-profiles 8 -out "$W/cpu" -each 100ms -hz 1000 -jobs 2 >"$W/cpu.log" 2>&1 ||
	pd_die "target -cpu-profiles: $(tail -3 "$W/cpu.log")"
"$PD_TESTTOOL" fill -n "$BULK_SERIES" -i 5 -d 600 -j bulk -t cpu "$W/data/pprofd.db" "$W"/cpu/*.pb.gz \
	>"$W/fill.out" || pd_die "pd_testtool fill"
grep -q "^stored $BULK_N profiles" "$W/fill.out" || pd_die "pd_testtool fill: $(cat "$W/fill.out")"

tl=()
for ((i = 0; i < NTARGETS; i++)); do
	pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m -variant "v$((i % 2 + 1))" ||
		pd_die "target $i"
	tl+=("$PD_TARGET_ADDR")
done
targets() { # the YAML static_configs of the targets, deployment v1 or v2
	local i
	for ((i = 0; i < NTARGETS; i++)); do
		echo "      - targets: [\"${tl[$i]}\"]"
		echo "        labels: {deployment: v$((i % 2 + 1))}"
	done
}

PPROFD_LOG_LEVEL=debug api_start "global:
  scrape_interval: 1s
scrape_configs:
  - job_name: load
    static_configs:
$(targets)
    profiles:
      cpu: {enabled: false}
      heap: {enabled: true}
      goroutine: {enabled: true}
      allocs: {enabled: true}
  - job_name: loadcpu
    scrape_interval: 2s
    static_configs:
$(targets)
    profiles:
      cpu: {enabled: true, seconds: 1}
      heap: {enabled: false}
      goroutine: {enabled: false}"
log="$W/pprofd.log"
# A warm-up of fixed length: the measured phases start from a schedule that
# has run a while, not from the daemon's first ticks.
sleep "$WARM_S" # deliberate: a warm-up before measuring, not a condition
kill -0 "$PD_DAEMON_PID" 2>/dev/null || pd_die "pprofd died: $(tail -5 "$log")"

# urlenc S: S percent-encoded for a query string.
urlenc() {
	local s=$1 out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[a-zA-Z0-9._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}
# hosts FIRST LAST: the regex host-(FIRST|...|LAST) of the seeded instances.
hosts() {
	local i alt=""
	for ((i = $1; i <= $2; i++)); do
		alt+="${alt:+|}$(printf '%02d' "$i")"
	done
	printf 'host-(%s):6060' "$alt"
}

# The heavy queries are sized to this machine and build (a sanitizer build
# merges many times slower): as many seeded series as a merge costing about
# HEAVY_MS of CPU needs, measured as the daemon's CPU time (all its threads,
# so other load on the machine does not count) over 3 merges of all of them.
HEAVY_MS=250
proc_cpu_ms() { # CPU time of all the daemon's threads so far, in ms
	local f run total=0
	for f in "/proc/$PD_DAEMON_PID"/task/*/schedstat; do
		read -r run _ <"$f" 2>/dev/null && total=$((total + run))
	done
	echo $((total / 1000000))
}
c0=$(proc_cpu_ms)
for i in 1 2 3; do
	t=$(curl --max-time 60 -sS --noproxy '*' -o /dev/null -w '%{http_code}' \
		"$API/api/v1/merge?type=cpu&query=$(urlenc '{job="bulk"}')&from=now-15m")
	[[ $t == 200 ]] || pd_die "merge of the seeded profiles: status $t"
done
per=$((($(proc_cpu_ms) - c0) / 3))
nser=$(awk -v c="$per" -v n="$BULK_SERIES" -v h="$HEAVY_MS" 'BEGIN {
	k = c > 0 ? int(n * h / c) : n; if (k < 2) k = 2; if (k > n) k = n; print k}')
echo "figures: a merge of all $BULK_N seeded profiles costs $per ms of CPU: heavy queries use $nser of the $BULK_SERIES series ($((nser * 120)) profiles)"

# --- what the clients ask: heavy (seeded, 10 minutes) and light queries, in turn
all=$(urlenc '{job=~"load.*"}')
cpu=$(urlenc '{job="loadcpu"}')
mem=$(urlenc '{job="load"}')
v1=$(urlenc '{job="loadcpu",deployment="v1"}')
v2=$(urlenc '{job="loadcpu",deployment="v2"}')
bulk=$(urlenc "{job=\"bulk\",instance=~\"$(hosts 0 $((nser - 1)))\"}")
b1=$(urlenc "{job=\"bulk\",instance=~\"$(hosts 0 $((nser / 2 - 1)))\"}")
b2=$(urlenc "{job=\"bulk\",instance=~\"$(hosts $((nser / 2)) $((nser - 1)))\"}")
r='from=now-2m'
rb='from=now-15m'
queries=(
	"/api/v1/merge?type=cpu&query=$bulk&$rb"
	"/api/v1/merge?type=cpu&query=$cpu&$r"
	"/api/v1/merge?type=cpu&query=$bulk&$rb&format=json"
	"/api/v1/merge?type=cpu&query=$cpu&$r&format=json"
	"/api/v1/merge?type=cpu&query=$bulk&$rb&format=folded"
	"/api/v1/merge?type=cpu&query=$cpu&$r&format=folded"
	"/api/v1/merge?type=cpu&query=$bulk&$rb&format=top"
	"/api/v1/merge?type=cpu&query=$cpu&$r&format=top"
	"/api/v1/merge?type=cpu&query=$bulk&$rb&format=svg"
	"/api/v1/merge?type=cpu&query=$cpu&$r&format=svg"
	"/api/v1/diff?type=cpu&base=$b1&target=$b2&$rb"
	"/api/v1/merge?type=heap&query=$mem&$r"
	"/api/v1/diff?type=cpu&base=$b1&target=$b2&$rb&format=top"
	"/api/v1/merge?type=allocs&query=$mem&$r&format=svg"
	"/api/v1/diff?type=cpu&base=$b1&target=$b2&$rb&format=svg"
	"/api/v1/merge?type=goroutine&query=$mem&$r&format=json&aggregation=sum"
	"/api/v1/series?type=cpu&query=$bulk&$rb&step=10s&group_by=instance"
	"/api/v1/diff?type=cpu&base=$v1&target=$v2&$r"
	"/api/v1/profiles?type=cpu&query=$bulk&$rb&limit=100"
	"/api/v1/diff?type=cpu&base=$v1&target=$v2&$r&format=top"
	"/api/v1/merge?type=cpu&query=$bulk&$rb"
	"/api/v1/diff?type=cpu&base=$v1&target=$v2&$r&format=svg"
	"/api/v1/merge?type=cpu&query=$bulk&$rb&format=top"
	"/api/v1/series?type=heap&query=$mem&$r&group_by=instance,deployment"
	"/api/v1/merge?type=cpu&query=$bulk&$rb&format=svg"
	"/api/v1/series?type=cpu&query=$all&$r&step=1s"
	"/api/v1/merge?type=cpu&query=$bulk&$rb&format=json"
	"/api/v1/profiles?type=heap&query=$all&$r"
	"/api/v1/merge?type=cpu&query=$bulk&$rb&format=folded"
	"/api/v1/profiles?type=cpu&query=$all&$r&limit=10"
	"/api/v1/diff?type=cpu&base=$b1&target=$b2&$rb&format=top"
	"/api/v1/labels?query=$all&$r"
)
client() { # client N END: queries until SECONDS >= END, "status seconds path" per line
	local n=$1 end=$2 q out
	local k=$((n * ${#queries[@]} / NCLIENTS)) # spread over the list
	out="$W/client$n.txt"
	while ((SECONDS < end)); do
		q=${queries[$((k % ${#queries[@]}))]}
		k=$((k + 1))
		nice -n 10 curl --max-time 30 -sS --noproxy '*' -o /dev/null -w "%{http_code} %{time_total} $q\n" \
			-H 'Accept-Encoding: gzip' "$API$q" >>"$out" 2>/dev/null || echo "000 0 $q" >>"$out"
		sleep "$PACE_S" # deliberate: the pace of the load (see PACE_S), not a condition
	done
}

# work_sum: WORK = pprofd_query_duration_seconds_sum (s on the pool so far).
work_sum() {
	api_expect 200 /metrics
	WORK=$(sed -n 's/^pprofd_query_duration_seconds_sum //p' "$W/body")
	[[ -n "$WORK" ]] || pd_die "no pprofd_query_duration_seconds_sum"
}
# loop_stat: LOOP_RUN, LOOP_WAIT = ms the daemon's main thread (the event
# loop's) has run on a CPU and waited on a run queue so far.
loop_stat() {
	local run wait _
	read -r run wait _ <"/proc/$PD_DAEMON_PID/task/$PD_DAEMON_PID/schedstat" ||
		pd_die "no schedstat for pprofd"
	LOOP_RUN=$((run / 1000000)) LOOP_WAIT=$((wait / 1000000))
}
# phase FIRST LAST: LAGS (sorted lag_ms of the scrapes started), SKIPPED,
# FAILED, STORED (profiles) in log lines FIRST+1..LAST (copied to $W/phase.log).
phase() {
	sed -n "$(($1 + 1)),$2p" "$log" >"$W/phase.log"
	LAGS=$(grep 'msg="scrape" ' "$W/phase.log" | sed -n 's/.* lag_ms=\(-\?[0-9]*\).*/\1/p' | sort -n)
	SKIPPED=$(grep -c 'msg="tick skipped"' "$W/phase.log" || true)
	FAILED=$(grep -c 'msg="scrape failed"' "$W/phase.log" || true)
	STORED=$(sed -n 's/.*msg="stored" profiles=\([0-9]*\).*/\1/p' "$W/phase.log" | awk '{s += $1} END {print s + 0}')
}
# pct P: the P-th percentile of LAGS (nearest rank).
pct() {
	awk -v p="$1" '{v[NR] = $1} END {i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] + 0}' <<<"$LAGS"
}

# round N: IDLE_S s idle, then LOAD_S s with NCLIENTS clients; prints the
# figures of both phases, dies if the queries were too light or ran on the
# loop thread, and sets WHY to what of the schedule does not hold ("" if
# all does).
round() {
	local l0 l1 l2 end c p r0 r1 r2 q0 q1 q2 w0 busy_ms cpids=()
	l0=$(wc -l <"$log")
	loop_stat
	r0=$LOOP_RUN q0=$LOOP_WAIT
	sleep "$IDLE_S" # deliberate: the idle phase lasts IDLE_S, it is what is measured
	l1=$(wc -l <"$log")
	loop_stat
	r1=$LOOP_RUN q1=$LOOP_WAIT
	work_sum
	w0=$WORK
	end=$((SECONDS + LOAD_S))
	for ((c = 0; c < NCLIENTS; c++)); do
		client "$c" "$end" &
		cpids+=($!)
		pd_on_exit "_pd_is_our_child ${cpids[-1]} && kill ${cpids[-1]} 2>/dev/null"
	done
	sleep "$LOAD_S" # deliberate: the loaded phase lasts LOAD_S, it is what is measured
	l2=$(wc -l <"$log")
	loop_stat
	r2=$LOOP_RUN q2=$LOOP_WAIT
	for p in "${cpids[@]}"; do
		wait "$p" || true
	done
	kill -0 "$PD_DAEMON_PID" 2>/dev/null || pd_die "pprofd died under load: $(tail -5 "$log")"
	work_sum
	busy=$(awk -v a="$w0" -v b="$WORK" 'BEGIN {printf "%.1f", b - a}')

	phase "$l0" "$l1"
	ni=$(grep -c . <<<"$LAGS" || true)
	ip50=$(pct 50) ip99=$(pct 99) imax=$(pct 100)
	iskip=$SKIPPED ifail=$FAILED istored=$STORED
	phase "$l1" "$l2"
	cp "$W/phase.log" "$W/loaded$1.log"
	nl=$(grep -c . <<<"$LAGS" || true)
	lp50=$(pct 50) lp99=$(pct 99) lmax=$(pct 100)
	lskip=$SKIPPED lfail=$FAILED lstored=$STORED
	irun=$((r1 - r0)) iwait=$((q1 - q0)) lrun=$((r2 - r1)) lwait=$((q2 - q1))
	echo "figures: round $1 idle:   $ni scrapes, lag p50 $ip50 ms, p99 $ip99 ms, max $imax ms;" \
		"$iskip ticks skipped, $ifail failed, $istored profiles stored;" \
		"loop thread ran $irun ms, waited for a CPU $iwait ms"
	echo "figures: round $1 loaded: $nl scrapes, lag p50 $lp50 ms, p99 $lp99 ms, max $lmax ms;" \
		"$lskip ticks skipped, $lfail failed, $lstored profiles stored;" \
		"loop thread ran $lrun ms, waited for a CPU $lwait ms; $busy s of query work on the pool"

	# Without enough work the lag proves nothing: not a failure of pprofd.
	if ! awk -v b="$busy" -v t="$LOAD_S" 'BEGIN {exit !(b >= t * 0.3)}'; then
		echo "SKIP: the queries kept the pool busy only $busy s of $LOAD_S s: too light to show a blocked loop"
		exit 77
	fi
	# Were the queries on the loop thread, its CPU time would grow by their work.
	busy_ms=$(awk -v b="$busy" 'BEGIN {printf "%d", b * 1000}')
	((lrun - irun <= busy_ms / 10)) ||
		pd_die "the event-loop thread ran $lrun ms under load (idle $irun ms) for $busy_ms ms of query work: queries run on it"

	# Per phase: NTARGETS x (3 types x 1/s + cpu 1/2 s) = 14 scrapes/s.
	local want=$((NTARGETS * 7 * IDLE_S / 2))
	WHY=""
	((ni >= want * 85 / 100)) || WHY+="; idle phase: only $ni scrapes started, want about $want"
	((nl >= ni * 90 / 100)) || WHY+="; loaded phase: $nl scrapes started, idle $ni: the schedule fell behind"
	((lmax <= imax + LAG_SLACK_MS)) || WHY+="; loaded max lag $lmax ms > idle max $imax ms + $LAG_SLACK_MS ms"
	((lp99 <= ip99 + LAG_SLACK_MS)) || WHY+="; loaded p99 lag $lp99 ms > idle p99 $ip99 ms + $LAG_SLACK_MS ms"
	((lskip <= iskip)) || WHY+="; $lskip ticks skipped under load, $iskip idle"
	((lfail <= ifail)) ||
		WHY+="; $lfail scrapes failed under load, $ifail idle: $(grep -m2 'scrape failed' "$W/loaded$1.log" | tr '\n' ' ')"
	((lstored >= istored * 80 / 100)) || WHY+="; only $lstored profiles stored under load, $istored idle"
	WHY=${WHY#; }
}

round 1
if [[ -n "$WHY" ]]; then
	echo "note: round 1 does not hold ($WHY); once more"
	round 2
fi
if [[ -n "$WHY" ]] && ((ip99 > LAG_SLACK_MS || ifail > 0 || lwait >= 4 * lmax)); then
	echo "SKIP: the machine is too busy to measure the schedule (idle p99 lag $ip99 ms," \
		"$ifail failed scrapes idle; under load the loop thread waited $lwait ms for a CPU," \
		"worst lag $lmax ms): $WHY"
	exit 77
fi
[[ -z "$WHY" ]] || pd_die "$WHY"
pd_ok "queries off the loop: its thread ran $lrun ms under load (idle $irun ms) while the pool worked $busy s"
pd_ok "scrape lag under load: p99 $lp99 ms, max $lmax ms (idle: p99 $ip99 ms, max $imax ms); $nl scrapes vs $ni idle"
pd_ok "under load: $lskip ticks skipped (idle $iskip), $lfail failed scrapes (idle $ifail), $lstored profiles stored (idle $istored)"

# --- the queries, over all rounds --------------------------------------------------
cat "$W"/client*.txt >"$W/queries.txt"
nq=$(wc -l <"$W/queries.txt")
n200=$(grep -c '^200 ' "$W/queries.txt" || true)
n503=$(grep -c '^503 ' "$W/queries.txt" || true)
n422=$(grep -c '^422 ' "$W/queries.txt" || true)
bad=$(grep -v '^\(200\|503\|422\) ' "$W/queries.txt" || true)
[[ -z "$bad" ]] || pd_die "queries answered otherwise: $(sed -n 1,5p <<<"$bad")"
for ((c = 0; c < NCLIENTS; c++)); do
	[[ -s "$W/client$c.txt" ]] || pd_die "client $c got no answer"
done
((n200 * 2 >= nq)) || pd_die "only $n200 of $nq queries answered 200 ($n503 x 503, $n422 x 422)"
qstats=$(awk '{print $2}' "$W/queries.txt" | sort -n | awk '{v[NR] = $1} END {
	i = int(NR * 0.99 + 0.999); if (i < 1) i = 1
	printf "p50 %.3f s, p99 %.3f s, max %.3f s", v[int((NR + 1) / 2)], v[i], v[NR]}')
kinds=$(sed 's/^[0-9]* [0-9.]* \/api\/v1\/\([a-z]*\).*/\1/' "$W/queries.txt" | sort | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}')
pd_ok "$nq queries from $NCLIENTS clients ($kinds): $n200 x 200, $n503 x 503, $n422 x 422; latency $qstats"

api_expect 200 /metrics
grep -q '^pprofd_skipped_ticks_total [0-9]' "$W/body" || pd_die "no skipped ticks metric"
pd_daemon_stop
pd_passed
