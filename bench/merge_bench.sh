#!/usr/bin/env bash
# Merge benchmark: pprofd merge vs go tool pprof -proto on the same N real
# Go CPU profiles, in the same run. Prints wall time and peak RSS of each and
# their ratios, and checks that both outputs are identical.
#
#   bench/merge_bench.sh [N] [RUNS]      (defaults: 1000 profiles, 3 runs)
#
# The profiles are written by the Go test target (tests/target, mode
# -cpu-profiles: 100 ms each at 1000 Hz, while its workload runs) and kept
# under build/bench/ for later runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-1000}"
runs="${2:-3}"
build="${BUILD:-$root/build}"
pprofd="$build/pprofd"
target="$build/pprofd-testtarget"
# shellcheck source=lib.sh
. "$root/bench/lib.sh"
bench_require "$pprofd" "$target" /usr/bin/time
bench_cpu_profiles "$n"
files=("${bench_files[@]}")
raw_bytes=$(for f in "${files[@]}"; do gzip -dc "$f"; done | wc -c)
samples=$(go tool pprof -raw -symbolize=none "${files[0]}" 2>/dev/null |
	awk '/^Samples:/{s=1;getline;next} /^Locations/{s=0} s&&/^ *[0-9]/{k++} END{print k+0}')

# measure CMD...: prints "wall_s peak_kb" of the best of $runs runs (lowest
# wall time, measured in microseconds by the shell; peak RSS from GNU time).
measure() {
	local best_t="" best_m="" t m i t0 t1 tf="$build/bench/time.out"
	for ((i = 0; i < runs; i++)); do
		t0=$EPOCHREALTIME
		/usr/bin/time -o "$tf" -f "%M" "$@" >/dev/null 2>/dev/null || { echo "failed: $1" >&2; exit 1; }
		t1=$EPOCHREALTIME
		read -r m <"$tf"
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
		if [[ -z $best_t ]] || awk -v a="$t" -v b="$best_t" 'BEGIN{exit !(a < b)}'; then
			best_t=$t
			best_m=$m
		fi
	done
	echo "$best_t $best_m"
}

out="$build/bench/out"
mkdir -p "$out"
read -r pd_t pd_m < <(measure "$pprofd" merge -o "$out/pprofd.pb.gz" "${files[@]}")
read -r go_t go_m < <(measure sh -c 'exec go tool pprof -proto -symbolize=none "$@" >"'"$out"'/pprof.pb.gz" 2>/dev/null' sh "${files[@]}")

go tool pprof -raw -symbolize=none "$out/pprofd.pb.gz" >"$out/pprofd.raw" 2>/dev/null
go tool pprof -raw -symbolize=none "$out/pprof.pb.gz" >"$out/pprof.raw" 2>/dev/null
same=no
cmp -s "$out/pprofd.raw" "$out/pprof.raw" && same=yes

printf 'profiles: %d real Go CPU profiles, %d bytes decompressed in all, %s samples in the first\n' \
	"$n" "$raw_bytes" "$samples"
printf '%-28s %10s %12s\n' "" "wall (s)" "peak RSS"
printf '%-28s %10s %9s KB\n' "pprofd merge" "$pd_t" "$pd_m"
printf '%-28s %10s %9s KB\n' "go tool pprof -proto" "$go_t" "$go_m"
awk -v a="$go_t" -v b="$pd_t" -v c="$go_m" -v d="$pd_m" 'BEGIN {
	printf "speed-up: %.1fx faster; memory: %.1fx less peak RSS\n", (b > 0 ? a / b : 0), (d > 0 ? c / d : 0) }'
echo "outputs identical (go tool pprof -raw): $same"
[[ $same == yes ]]
