#!/usr/bin/env bash
# Target-cost benchmark: what being profiled costs a busy Go service.
#
#   bench/target_cost_bench.sh [PHASE_SECONDS] [ROUNDS]   (defaults: 120 s, 2)
#
# The test service runs its hot paths flat out on one core (GOMAXPROCS=1,
# pinned to CPU 0) and counts the calls it completes (/debug/work). pprofd
# runs pinned to CPU 1, so what is measured is the cost inside the service
# (CPU profiling at 100 Hz, writing profiles, their garbage), not two
# programs sharing a core. Each round runs three phases of PHASE_SECONDS:
#   none:       no pprofd;
#   default:    pprofd at its default config (every 60 s: cpu for 10 s,
#               heap, goroutine);
#   aggressive: every 10 s, every type (cpu for 8 s, heap, allocs,
#               goroutine, block, mutex, threadcreate).
# Printed: calls per second in each phase and round, and each config's
# throughput as a share of the unprofiled one (the mean of the rounds).
# Everything runs on 127.0.0.1 and is stopped on exit. Files in
# build/bench/target-cost/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD:-$root/build}"
phase="${1:-120}"
rounds="${2:-2}"
# shellcheck source=lib.sh
. "$root/bench/lib.sh"
die() { bench_die "$@"; }
[[ "$phase" =~ ^[1-9][0-9]*$ ]] || die "PHASE_SECONDS must be a positive integer"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
bench_require "$build/pprofd" "$build/pprofd-testtarget" curl taskset
(($(nproc) >= 2)) || die "needs two CPUs (the service on one, pprofd on the other)"
work="$build/bench/target-cost"
rm -rf "$work"
mkdir -p "$work"

life=$(((phase * 3 * rounds) + 300))
GOMAXPROCS=1 pd_target_start "$build/pprofd-testtarget" -flatout -duration "${life}s" ||
	die "cannot start the service"
svc=$PD_TARGET_ADDR
taskset -a -pc 0 "$PD_TARGET_PID" >/dev/null || die "cannot pin the service to CPU 0"
count() { curl -sS --noproxy '*' --max-time 5 "http://$svc/debug/work"; }

config() { # NAME
	cat <<EOF
server: {listen: "127.0.0.1:0"}
storage: {path: "$work/$1.db"}
scrape_configs:
  - job_name: svc
    static_configs: [{targets: ["$svc"]}]
EOF
	[[ $1 == aggressive ]] && cat <<EOF
    scrape_interval: 10s
    profiles:
      allocs: {enabled: true}
      block: {enabled: true}
      mutex: {enabled: true}
      threadcreate: {enabled: true}
EOF
	return 0
}
config default >"$work/default.yaml"
config aggressive >"$work/aggressive.yaml"
"$build/pprofd" check-config "$work/default.yaml" >/dev/null || die "default config"
"$build/pprofd" check-config "$work/aggressive.yaml" >/dev/null || die "aggressive config"

# run_phase NAME: calls per second over PHASE_SECONDS (after 5 s to settle).
run_phase() {
	local name=$1 pid="" c0 c1 t0 t1
	if [[ $name != none ]]; then
		taskset -c 1 "$build/pprofd" run -c "$work/$name.yaml" 2>>"$work/$name.log" &
		pid=$!
		PD_TARGET_PIDS+=("$pid")
	fi
	sleep 5
	c0=$(count) t0=$EPOCHREALTIME
	sleep "$phase"
	c1=$(count) t1=$EPOCHREALTIME
	if [[ -n $pid ]]; then
		_pd_is_our_child "$pid" || die "pprofd ($name) exited: $(tail -3 "$work/$name.log")"
		bench_stop_pid "$pid" 10
	fi
	awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f", (b - a) / (e - s) }'
}

echo "warming up for 30 s ..." >&2 # heap growth and GC pacing settle
sleep 30
declare -A sum
printf '%-6s %12s %12s %12s\n' round none default aggressive
for ((r = 1; r <= rounds; r++)); do
	line=""
	for name in none default aggressive; do
		echo "round $r: $name for $phase s ..." >&2
		v=$(run_phase "$name")
		sum[$name]=$(awk -v a="${sum[$name]:-0}" -v b="$v" 'BEGIN { print a + b }')
		line+=$(printf ' %12s' "$v")
	done
	printf '%-6s%s\n' "$r" "$line"
done
scrapes() { grep -c 'msg="stored"' "$work/$1.log" 2>/dev/null || echo 0; }
fails() { grep 'msg="scrape failed"' "$work/$1.log" 2>/dev/null | grep -vc 'reason=aborted' || true; }
printf '\ncalls/s, mean         none %.1f, default %.1f, aggressive %.1f\n' \
	"$(awk -v s="${sum[none]}" -v n="$rounds" 'BEGIN { print s / n }')" \
	"$(awk -v s="${sum[default]}" -v n="$rounds" 'BEGIN { print s / n }')" \
	"$(awk -v s="${sum[aggressive]}" -v n="$rounds" 'BEGIN { print s / n }')"
printf 'throughput kept       default %s%%, aggressive %s%% of unprofiled\n' \
	"$(awk -v a="${sum[default]}" -v b="${sum[none]}" 'BEGIN { printf "%.2f", 100 * a / b }')" \
	"$(awk -v a="${sum[aggressive]}" -v b="${sum[none]}" 'BEGIN { printf "%.2f", 100 * a / b }')"
printf 'pprofd                batches stored: default %s, aggressive %s; failed scrapes (but those\n                      the stop aborted): %s, %s\n' \
	"$(scrapes default)" "$(scrapes aggressive)" "$(fails default)" "$(fails aggressive)"
printf 'files                 %s\n' "$work"
