#!/usr/bin/env bash
# Daemon benchmark: `pprofd run` scraping many Go targets, against curl
# fetching the same URLs, in the same run.
#
#   bench/daemon_bench.sh [TARGETS] [SECONDS] [INTERVAL]
#                          (defaults: 1000 targets, 60 s, 10s)
#   FLEET=1 bench/daemon_bench.sh 10000 300 60s
#
# One Go process (bench/manyports, built into build/bench/) serves
# net/http/pprof on TARGETS loopback ports. pprofd scrapes heap, allocs,
# goroutine and mutex from every port every INTERVAL (CPU is off: Go allows
# one CPU profile per process, and all the targets are one process) with
# limits.max_concurrent_scrapes 64, for SECONDS, logging at debug level.
#
# FLEET=1: the fleet instead. Every port is a service of its own serving
# the real profiles of build/fixtures (manyports -profiles), whose CPU
# endpoint waits its ?seconds= and refuses a second profile like Go's.
# pprofd runs at its default config (limits, timeouts, cpu for 10 s at 60 s)
# scraping cpu, heap, goroutine and mutex; the CPU overlaps the targets saw
# are reported. curl fetches the CPU URLs without ?seconds= (a wait costs a
# client nothing).
# Then, as the reference, one curl process (--parallel --parallel-max 64)
# fetches exactly the URLs pprofd fetched (same addresses, same types, same
# count, in the same order) and throws the bodies away.
#
# Printed: targets x types, scrapes per second sustained, failures by
# reason, CPU seconds per 1000 scrapes of pprofd and of curl and their ratio,
# pprofd's peak RSS, schedule lag p50/p99/max, profiles stored.
#
# Everything is on 127.0.0.1, every process started here is stopped on exit
# (also on Ctrl-C), and each step is bounded in time. The daemon's files
# (config, log, database, the address list) are left in build/bench/daemon/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
targets="${1:-1000}"
secs="${2:-60}"
interval="${3:-10s}"
build="${BUILD:-$root/build}"
pprofd="$build/pprofd"
concurrency=64 # pprofd's default max_concurrent_scrapes, and curl's --parallel-max
types=(heap allocs goroutine mutex)
fleet="${FLEET:-}"
[[ -n $fleet ]] && types=(cpu heap goroutine mutex)

# shellcheck source=lib.sh
. "$root/bench/lib.sh"
die() { bench_die "$@"; }
[[ "$targets" =~ ^[1-9][0-9]*$ ]] || die "TARGETS must be a positive integer, not '$targets'"
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, not '$secs'"
# INTERVAL as pprofd reads it (500ms, 10s, 1m); a bare number means seconds.
[[ "$interval" =~ ^[0-9]+$ ]] && interval="${interval}s"
case "$interval" in
*ms) interval_s=$(awk -v v="${interval%ms}" 'BEGIN { print v / 1000 }') ;;
*s) interval_s="${interval%s}" ;;
*m) interval_s=$((${interval%m} * 60)) ;;
*) die "INTERVAL must look like 500ms, 10s or 1m, not '$interval'" ;;
esac
if ! [[ "$interval_s" =~ ^[0-9.]+$ ]] || ! awk -v v="$interval_s" 'BEGIN { exit !(v > 0) }'; then
	die "INTERVAL must look like 500ms, 10s or 1m, not '$interval'"
fi
bench_require "$pprofd" curl timeout ss go
# Every target holds connections on both sides (the fleet's listener and
# accepted connections, pprofd's waits and idle connections): open files as
# the systemd unit allows them (LimitNOFILE=65536), where this shell may.
hard=$(ulimit -Hn)
if [[ $hard != unlimited ]] && ((hard < 65536)); then ulimit -Hn 65536 2>/dev/null || true; fi
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
# lib.sh's EXIT trap stops every pid in PD_TARGET_PIDS that is still our
# child (SIGTERM, SIGKILL after 3 s): manyports, pprofd and curl go in there.

work="$build/bench/daemon${fleet:+-fleet}"
rm -rf "$work"
mkdir -p "$work"
mp_bin="$build/bench/manyports"
cfg="$work/pprofd.yaml"
log="$work/pprofd.log"
addrs="$work/addrs.txt"
hz=$(getconf CLK_TCK)

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# proc_cpu PID: utime+stime of a live process, in seconds.
proc_cpu() {
	local stat rest
	stat="$(cat "/proc/$1/stat" 2>/dev/null)" || {
		echo 0
		return
	}
	rest="${stat##*) }" # fields from 3 (state) on; utime and stime are 14 and 15
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $rest
	awk -v u="${12}" -v s="${13}" -v hz="$hz" 'BEGIN { printf "%.2f", (u + s) / hz }'
}
# times_to FILE: the `times` builtin, run in this shell (in a subshell it
# would see that subshell's children only). Its second line is user and sys
# time of every child this shell has reaped so far.
times_to() { times >"$1"; }
# times_delta FILE0 FILE1: children's user+sys seconds between two snapshots.
times_delta() {
	awk 'FNR == 2 {
		t = 0
		for (i = 1; i <= 2; i++) { split($i, p, "m"); sub(/s$/, "", p[2]); t += p[1] * 60 + p[2] }
		v[++n] = t }
	END { printf "%.2f", v[2] - v[1] }' "$1" "$2"
}

# --- the targets -------------------------------------------------------------
# An earlier run leaves tens of thousands of loopback sockets in TIME-WAIT
# for 60 s; start from a clean slate (waiting at most 70 s).
for ((i = 0; i < 70; i++)); do
	tw=$(ss -Htan state time-wait 2>/dev/null | wc -l)
	((tw < 1000)) && break
	((i == 0)) && echo "waiting for $tw sockets in TIME-WAIT to expire ..." >&2
	sleep 1
done
echo "building bench/manyports ..." >&2
(cd "$root/bench/manyports" && timeout 600 go build -o "$mp_bin" .) || die "cannot build bench/manyports"
# It exits by itself after the daemon run, the reference and some slack.
fleet_args=()
if [[ -n $fleet ]]; then
	[[ -s "$build/fixtures/heap-1.pb.gz" ]] || die "no profiles in $build/fixtures: run ctest -R fixtures first"
	fleet_args=(-profiles "$build/fixtures")
fi
"$mp_bin" -ports "$targets" -out "$addrs" -duration "$((secs * 3 + 300))s" "${fleet_args[@]}" \
	>"$work/manyports.out" 2>"$work/manyports.err" &
mp_pid=$!
PD_TARGET_PIDS+=("$mp_pid")
for ((i = 0; i < 300; i++)); do # 30 s
	[[ -s "$addrs" ]] && break
	_pd_is_our_child "$mp_pid" || die "manyports exited: $(head -n 3 "$work/manyports.err" | tr '\n' ' ')"
	sleep 0.1
done
[[ -s "$addrs" ]] || die "manyports did not bind $targets ports within 30 s"
(($(wc -l <"$addrs") == targets)) || die "manyports wrote $(wc -l <"$addrs") addresses, want $targets"

# --- the config --------------------------------------------------------------
# pprofd run does not serve its API yet, but server.listen must be a real
# port: take one nothing listens on.
api_port=""
for ((p = 17070; p < 17170; p++)); do
	if [[ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ]] && ! grep -qx "127.0.0.1:$p" "$addrs"; then
		api_port=$p
		break
	fi
done
[[ -n "$api_port" ]] || die "no free port in 17070-17169 for server.listen"
{
	cat <<EOF
# Written by bench/daemon_bench.sh: $targets targets x ${#types[@]} types every $interval.
server:
  listen: 127.0.0.1:$api_port
storage:
  path: $work/pprofd.db
  retention: 1d
$([[ -n $fleet ]] || printf 'limits:\n  max_concurrent_scrapes: %s' "$concurrency")
global:
  scrape_interval: $interval
scrape_configs:
  - job_name: bench
    scrape_interval: $interval
    static_configs:
      - targets:
EOF
	sed 's/.*/          - "&"/' "$addrs"
	cat <<EOF
    profiles:
EOF
	if [[ -n $fleet ]]; then
		echo "      mutex: {enabled: true} # and the defaults: cpu, heap, goroutine"
	else
		cat <<EOF
      cpu: {enabled: false}
      heap: {enabled: true}
      allocs: {enabled: true}
      goroutine: {enabled: true}
      mutex: {enabled: true}
      block: {enabled: false}
      threadcreate: {enabled: false}
EOF
	fi
} >"$cfg"
"$pprofd" check-config "$cfg" >/dev/null || die "pprofd check-config $cfg failed"

# --- pprofd ------------------------------------------------------------------
echo "pprofd: $targets targets x ${#types[@]} types every $interval for $secs s ..." >&2
mp_cpu0=$(proc_cpu "$mp_pid")
PPROFD_LOG_LEVEL=debug "$pprofd" run -c "$cfg" >"$work/pprofd.out" 2>"$log" &
pd_pid=$!
PD_TARGET_PIDS+=("$pd_pid")
t0=$EPOCHREALTIME
crashed=""
: >"$work/rss.txt" # every 5 s, see below
probe_addr=$(tail -n 1 "$addrs")
# Until SECONDS have passed by the clock; every 5 s a line of rss.txt:
# seconds, pprofd's VmRSS kB and open fds, TCP sockets in TIME-WAIT on this
# host, the targets' CPU seconds so far, and how long one goroutine profile
# takes to come back from the targets right now (ms).
t0us=${EPOCHREALTIME/./}
next=5
while :; do
	el_us=$((${EPOCHREALTIME/./} - t0us))
	((el_us >= secs * 1000000)) && break
	if ! _pd_is_our_child "$pd_pid"; then
		crashed=yes
		break
	fi
	if ((el_us >= next * 1000000)); then
		probe=$(curl -sS --noproxy '*' --max-time 3 -o /dev/null -w '%{time_total}' \
			"http://$probe_addr/debug/pprof/goroutine" 2>/dev/null || echo 3)
		echo "$(awk -v u="$el_us" 'BEGIN { printf "%.1f", u / 1e6 }') $(bench_proc_kb "$pd_pid" VmRSS)" \
			"$(find "/proc/$pd_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" \
			"$(ss -Htan state time-wait 2>/dev/null | wc -l) $(proc_cpu "$mp_pid")" \
			"$(awk -v t="$probe" 'BEGIN { printf "%d", t * 1000 }')" >>"$work/rss.txt"
		next=$((next + 5))
	fi
	sleep 0.1
done
pd_hwm=- pd_rss=- pd_cpu=""
if [[ -z "$crashed" ]]; then
	pd_rss=$(bench_proc_kb "$pd_pid" VmRSS)
	pd_hwm=$(bench_proc_kb "$pd_pid" VmHWM)
	pd_cpu=$(proc_cpu "$pd_pid")
	pd_anon=$(bench_proc_kb "$pd_pid" RssAnon)
	pd_file=$(bench_proc_kb "$pd_pid" RssFile)
	pd_threads=$(bench_proc_kb "$pd_pid" Threads)
	pd_fds=$(find "/proc/$pd_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
fi
t1=$EPOCHREALTIME
# What the daemon had logged when its CPU time was read: the counts below
# come from this, so scrapes and CPU seconds cover the same span.
head -c "$(stat -c %s "$log")" "$log" >"$work/pprofd.sample.log"
run_s=$(elapsed "$t0" "$t1")
mp_cpu1=$(proc_cpu "$mp_pid")
# What the fleet's services saw (before curl's fetches add to it).
fleet_stats=""
if [[ -n $fleet ]]; then
	fleet_stats=$(curl -sS --noproxy '*' --max-time 5 "http://$probe_addr/fleet/stats" 2>/dev/null |
		awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
fi
# How big the targets' answers are by now (gzip bytes as served).
sizes=""
for ty in "${types[@]}"; do
	[[ $ty == cpu ]] && continue
	sizes+="${sizes:+ }$ty=$(curl -sS --noproxy '*' --max-time 5 -o /dev/null -w '%{size_download}' \
		"http://$probe_addr/debug/pprof/$ty" 2>/dev/null || echo "?")"
done
if [[ -z "$crashed" ]]; then
	bench_stop_pid "$pd_pid" 15
	pd_status=$stop_status pd_stop_s=$stop_s
else
	pd_status=0
	wait "$pd_pid" 2>/dev/null || pd_status=$?
	pd_stop_s=-
fi
PD_TARGET_PIDS=("$mp_pid")

sample="$work/pprofd.sample.log"
grep ' msg="scrape" ' "$sample" >"$work/scrapes.txt" || true
scrapes=$(wc -l <"$work/scrapes.txt")
sed -n 's/.* lag_ms=\(-\{0,1\}[0-9]*\).*/\1/p' "$work/scrapes.txt" >"$work/lag_ms.txt"
read -r lag50 lag99 lagmax _ < <(bench_percentiles "$work/lag_ms.txt")
# Lag once the first interval is over (the start spreads the first ticks).
awk -v t0="$(date -u -d "@${t0%.*}" +%H:%M:%S)" -v skip="$interval_s" '
	{ split($1, a, "T"); split(a[2], h, ":"); s = h[1] * 3600 + h[2] * 60 + h[3] + 0
	  split(t0, b, ":"); s0 = b[1] * 3600 + b[2] * 60 + b[3]
	  d = s - s0; if (d < 0) d += 86400
	  if (d >= skip) { sub(/.* lag_ms=/, ""); print $0 + 0 } }' "$work/scrapes.txt" >"$work/lag_ms_steady.txt"
read -r slag50 slag99 slagmax slagn < <(bench_percentiles "$work/lag_ms_steady.txt")
skipped=$(grep -c ' msg="tick skipped" ' "$sample" || true)
failures=$(awk '/ msg="scrape failed" /' "$sample" | sed -n 's/.* reason=\([^ ]*\).*/\1/p' |
	sort | uniq -c | awk '{ printf "%s%s=%d", (NR > 1 ? " " : ""), $2, $1 }')
nfail=$(grep -c ' msg="scrape failed" ' "$sample" || true)
# Scrapes cut off by the stop (SIGTERM gives those in flight 4 s).
nfail_stop=$(($(grep -c ' msg="scrape failed" ' "$log" || true) - nfail))
others=$(awk '/ level=(warn|error) / && !/ msg="scrape failed" /' "$log" |
	sed -n 's/.* msg="\([^"]*\)".*/\1/p' | sort | uniq -c | awk '{ c = $1; $1 = ""; printf "%s%s x%d", (NR > 1 ? ";" : ""), $0, c }')
stored=$(awk '/ msg="stored" /{ for (i = 1; i <= NF; i++) if ($i ~ /^profiles=/) { sub(/profiles=/, "", $i); n += $i; b++ } }
	END { printf "%d %d", n, b }' "$log")
read -r stored_n stored_batches <<<"$stored"
last_id=$(awk '/ msg="stored" /' "$log" | tail -n 1 | sed -n 's/.* last_id=\([0-9]*\).*/\1/p')
db_rows=$(sqlite3 -readonly "$work/pprofd.db" 'SELECT count(*) FROM profiles' 2>/dev/null || echo "?")
db_mb=$(awk -v b="$(stat -c %s "$work/pprofd.db" 2>/dev/null || echo 0)" 'BEGIN { printf "%.1f", b / 1048576 }')
by_type=$(sed -n 's/.* type=\([^ ]*\) .*/\1/p' "$work/scrapes.txt" | sort | uniq -c |
	awk '{ printf "%s%s=%d", (NR > 1 ? " " : ""), $2, $1 }')

# --- the reference: curl fetching the same URLs ------------------------------
curlcfg="$work/curl.conf"
awk '{ inst = ""; ty = ""
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^instance=/) inst = substr($i, 10)
		else if ($i ~ /^type=/) ty = substr($i, 6)
	}
	if (ty == "cpu") ty = "profile"
	printf "url = \"http://%s/debug/pprof/%s\"\noutput = \"/dev/null\"\n", inst, ty }' \
	"$work/scrapes.txt" >"$curlcfg"
curl_n=$(grep -c '^url = ' "$curlcfg" || true)
curl_cpu="" curl_wall="" curl_bad="" curl_status=""
if ((curl_n > 0)); then
	echo "curl: the same $curl_n fetches, --parallel-max $concurrency ..." >&2
	mp_cpu2=$(proc_cpu "$mp_pid")
	# Between the two snapshots this shell reaps nothing but timeout (and,
	# through it, curl): no $(...) in between.
	times_to "$work/times.0"
	ct0=$EPOCHREALTIME
	# timeout passes a SIGTERM from the EXIT trap on to curl.
	timeout -k 5 "$((secs * 2 + 120))" curl --parallel --parallel-max "$concurrency" -sS \
		--no-progress-meter --noproxy '*' \
		--max-time 30 -H 'Accept-Encoding: gzip' -w '%{http_code}\n' -K "$curlcfg" \
		>"$work/curl.codes" 2>"$work/curl.err" &
	c_pid=$!
	PD_TARGET_PIDS+=("$c_pid")
	curl_status=0
	wait "$c_pid" || curl_status=$?
	ct1=$EPOCHREALTIME
	times_to "$work/times.1"
	PD_TARGET_PIDS=("$mp_pid")
	mp_cpu3=$(proc_cpu "$mp_pid")
	curl_cpu=$(times_delta "$work/times.0" "$work/times.1")
	curl_wall=$(elapsed "$ct0" "$ct1")
	curl_bad=$(grep -vc '^200$' "$work/curl.codes" || true)
fi

# --- report ------------------------------------------------------------------
per1k() { awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0 && c != "") printf "%.3f", c * 1000 / n; else printf "-" }'; }
pd_k=$(per1k "$pd_cpu" "$scrapes")
curl_k=$(per1k "$curl_cpu" "$curl_n")
expected=$(awk -v t="$targets" -v k="${#types[@]}" -v s="$run_s" -v i="$interval_s" 'BEGIN { printf "%.0f", t * k * s / i }')
printf '\n'
printf 'targets x types       %d x %d (%s), every %s, max_concurrent_scrapes %d\n' \
	"$targets" "${#types[@]}" "${types[*]}" "$interval" "$concurrency"
printf 'pprofd run            %s s%s, exit status %s, stop took %s s\n' "$run_s" \
	"${crashed:+ (EXITED EARLY)}" "$pd_status" "$pd_stop_s"
printf 'scrapes started       %d (%s); schedule asks for about %s\n' "$scrapes" "$by_type" "$expected"
printf 'scrapes per second    %s sustained (schedule: %s)\n' \
	"$(awk -v n="$scrapes" -v s="$run_s" 'BEGIN { printf "%.1f", n / s }')" \
	"$(awk -v t="$targets" -v k="${#types[@]}" -v i="$interval_s" 'BEGIN { printf "%.1f", t * k / i }')"
printf 'ticks skipped         %d\n' "$skipped"
printf 'failures              %d%s; %d more during the stop\n' "$nfail" "${failures:+ ($failures)}" "$nfail_stop"
printf 'other warnings/errors %s\n' "${others:-none}"
printf 'schedule lag (ms)     p50 %s  p99 %s  max %s  (all %d scrapes)\n' "$lag50" "$lag99" "$lagmax" "$scrapes"
printf '                      p50 %s  p99 %s  max %s  (%d after the first interval)\n' "$slag50" "$slag99" "$slagmax" "$slagn"
printf 'CPU pprofd            %s s for %d scrapes = %s s per 1000 scrapes (threads %s, fds %s)\n' \
	"${pd_cpu:--}" "$scrapes" "$pd_k" "${pd_threads:--}" "${pd_fds:--}"
if [[ -n "$curl_cpu" ]]; then
	printf 'CPU curl              %s s for %d fetches = %s s per 1000 (wall %s s, non-200 %s, exit %s)\n' \
		"$curl_cpu" "$curl_n" "$curl_k" "$curl_wall" "$curl_bad" "$curl_status"
	cap_rate=$(awk -v n="$curl_n" -v w="$curl_wall" 'BEGIN { printf "%.1f", (w > 0 ? n / w : 0) }')
	printf 'targets flat out      %s fetches/s (curl, %d in parallel); the schedule asks for %s/s\n' "$cap_rate" \
		"$concurrency" "$(awk -v t="$targets" -v k="${#types[@]}" -v i="$interval_s" 'BEGIN { printf "%.1f", t * k / i }')"
	printf 'ratio pprofd / curl   %s\n' "$(awk -v a="$pd_k" -v b="$curl_k" 'BEGIN { if (b > 0 && a != "-") printf "%.2fx", a / b; else print "-" }')"
	printf 'CPU of the targets    %s s while pprofd ran, %s s while curl ran\n' \
		"$(awk -v a="$mp_cpu0" -v b="$mp_cpu1" 'BEGIN { printf "%.2f", b - a }')" \
		"$(awk -v a="$mp_cpu2" -v b="$mp_cpu3" 'BEGIN { printf "%.2f", b - a }')"
fi
printf 'peak RSS pprofd       %s KB (VmHWM; VmRSS at the end %s KB: anon %s, file %s)\n' "$pd_hwm" "$pd_rss" \
	"${pd_anon:--}" "${pd_file:--}"
printf 'profile sizes         %s (bytes, one target, at the end)\n' "$sizes"
[[ -z $fleet ]] || printf 'what the targets saw  %s\n' "$fleet_stats"
printf 'every 5 s             VmRSS KB: %s\n' "$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 }' "$work/rss.txt")"
printf '                      pprofd fds: %s\n' "$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $3 }' "$work/rss.txt")"
printf '                      TCP TIME-WAIT: %s\n' "$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $4 }' "$work/rss.txt")"
printf '                      targets CPU (cores): %s\n' "$(awk -v c0="$mp_cpu0" '{ printf "%s%.2f", (NR > 1 ? " " : ""), ($5 - c0) / ($1 - t); c0 = $5; t = $1 }' "$work/rss.txt")"
printf '                      one goroutine fetch (ms): %s\n' "$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $6 }' "$work/rss.txt")"
# Lag second by second would be too long: per 5 s of the run, the worst.
printf 'lag max per 5 s (ms)  %s\n' "$(awk -v t0="$(date -u -d "@${t0%.*}" +%H:%M:%S)" '
	{ split($1, a, "T"); split(a[2], h, ":"); s = h[1] * 3600 + h[2] * 60 + h[3]
	  split(t0, b, ":"); d = s - (b[1] * 3600 + b[2] * 60 + b[3]); if (d < 0) d += 86400
	  k = int(d / 5); v = $0; sub(/.* lag_ms=/, "", v); v += 0
	  if (!(k in m) || v > m[k]) m[k] = v; if (k > last) last = k }
	END { for (k = 0; k <= last; k++) printf "%s%d", (k ? " " : ""), m[k] }' "$work/scrapes.txt")"
printf 'profiles stored       %d in %d batches (last_id %s; rows in the database: %s, %s MiB)\n' \
	"$stored_n" "$stored_batches" "${last_id:--}" "$db_rows" "$db_mb"
printf 'files                 %s/{pprofd.yaml,pprofd.log,pprofd.db,curl.conf}\n' "$work"
if [[ -n "$crashed" ]]; then
	echo "pprofd exited before the end (status $pd_status); last lines of its log:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
