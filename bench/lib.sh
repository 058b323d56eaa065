# shellcheck shell=bash
# Shared by the benchmarks (sourced after setting `root` and `build`): the
# checks before a run, the test library (Go environment, the exit trap that
# stops every process started), and the cached real CPU profiles.

bench_die() {
	echo "$(basename "$0" .sh): $*" >&2
	exit 1
}

# bench_require THING...: an absolute path must be an executable (built by
# make build), a name a command on PATH (installed by make deps).
bench_require() {
	local t
	for t in "$@"; do
		if [[ $t == /* ]]; then
			[[ -x $t ]] || bench_die "$t missing: make build (or set BUILD)"
		else
			command -v "$t" >/dev/null || bench_die "$t is missing (make deps installs it)"
		fi
	done
}

export PD_WORK="$build/bench"
# shellcheck source=../tests/integration/lib.sh
. "$root/tests/integration/lib.sh"
pd_go_env
pd_cleanup_on_exit

# bench_cpu_profiles N: N real Go CPU profiles (the test target's
# -cpu-profiles mode: 100 ms each at 1000 Hz while its workload runs), made
# once into build/bench/cpu-N and kept; sets bench_files to their paths.
bench_cpu_profiles() {
	local n=$1 dir="$build/bench/cpu-$1"
	if [[ ! -f "$dir/.complete" ]]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		echo "generating $n CPU profiles in $dir ..." >&2
		"$build/pprofd-testtarget" -cpu-profiles "$n" -out "$dir" -each 100ms -hz 1000 -jobs 2 >&2
		touch "$dir/.complete"
	fi
	bench_files=("$dir"/cpu-*.pb.gz)
	((${#bench_files[@]} == n)) || bench_die "expected $n profiles in $dir, found ${#bench_files[@]}"
}

# bench_percentiles FILE: "p50 p99 max n" of the numbers in FILE (nearest
# rank); "- - - 0" for none.
bench_percentiles() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
		i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
		print v[i50], v[i99], v[NR], NR }'
}

# bench_proc_kb PID FIELD: a kB field of /proc/PID/status (VmHWM, VmRSS), or
# another number there (Threads); 0 if the process is gone.
bench_proc_kb() {
	awk -v k="$2:" '$1 == k { v = $2 } END { print v + 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# bench_stop_pid PID LIMIT_S: SIGTERM, wait up to LIMIT_S, then SIGKILL.
# Sets stop_status (exit status) and stop_s (seconds the stop took). Not in
# a subshell: only this shell can wait for its children.
bench_stop_pid() {
	local pid="$1" limit="$2" t0=$EPOCHREALTIME i
	stop_status=0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < limit * 10; i++)); do
		_pd_is_our_child "$pid" || break
		sleep 0.1
	done
	_pd_is_our_child "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || stop_status=$?
	_pd_forget_pid "$pid"
	stop_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
}

# bench_proc_ticks PID: utime+stime of a live process, in clock ticks (0 if
# gone); bench_secs_of_ticks TICKS: those ticks in seconds ("1.23").
bench_proc_ticks() {
	local stat rest
	stat="$(cat "/proc/$1/stat" 2>/dev/null)" || {
		echo 0
		return
	}
	rest="${stat##*) }"
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $rest
	echo $((${12} + ${13}))
}
bench_secs_of_ticks() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }
# bench_lt A B: whether the number A is less than B (decimals too).
bench_lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
