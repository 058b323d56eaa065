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
