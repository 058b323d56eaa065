#!/usr/bin/env bash
# make_fixtures.sh TARGET_BIN OUTDIR
#
# Fetches real profiles of every type from running copies of the Go test
# target (tests/target) and saves them as fixtures:
#
#   OUTDIR/cpu-{1,2,3}.pb.gz                       /debug/pprof/profile?seconds=1, variant v1
#   OUTDIR/{heap,allocs,goroutine,block,mutex,threadcreate}-{1,2,3}.pb.gz
#                                                  variant v1, ~0.3 s apart
#   OUTDIR/cpu-v2-{1,2}.pb.gz                      /debug/pprof/profile?seconds=1, variant v2
#
# Every file is checked with `go tool pprof -raw -symbolize=none`. Idempotent:
# exits 0 at once if OUTDIR/.complete names the same target binary (its
# sha256), and writes it only on success: a rebuilt target remakes them.
# Takes about 6-8 s. Exit status: 0 ok, 1 failure, 2 usage.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

if [[ $# -ne 2 ]]; then
	echo "usage: $0 TARGET_BIN OUTDIR" >&2
	exit 2
fi
bin="$1"
out="$2"

want_sum=$(sha256sum "$bin" 2>/dev/null | cut -d' ' -f1)
[[ -f "$out/.complete" && $(cat "$out/.complete") == "$want_sum" ]] && exit 0
rm -f "$out/.complete"
[[ -x "$bin" ]] || pd_die "make_fixtures: target binary '$bin' is not executable"
command -v go >/dev/null || pd_die "make_fixtures: 'go' not found (needed for go tool pprof)"
command -v curl >/dev/null || pd_die "make_fixtures: 'curl' not found"
mkdir -p "$out" || pd_die "make_fixtures: cannot create $out"

pd_go_env || pd_die "make_fixtures: pd_go_env failed"
pd_cleanup_on_exit
start=$SECONDS

# Both targets warm up together. -duration is a safety net only.
pd_target_start "$bin" -variant v1 -duration 2m || pd_die "make_fixtures: v1 target did not start"
v1="$PD_TARGET_ADDR"
pd_target_start "$bin" -variant v2 -duration 2m || pd_die "make_fixtures: v2 target did not start"
v2="$PD_TARGET_ADDR"
# The fixtures are profiles of 2 s of workload (every type has samples by
# then, see below).
sleep 2 # deliberate: the workload runs 2 s before anything is fetched, not a condition

# fetch_cpu ADDR NAME...: one 1 s CPU profile per NAME, one after another
# (Go allows one CPU profile at a time per process).
fetch_cpu() {
	local addr="$1" name
	shift
	for name in "$@"; do
		pd_fetch "http://$addr/debug/pprof/profile?seconds=1" "$out/$name.pb.gz" ||
			pd_die "make_fixtures: fetching $name from $addr failed"
	done
}

# The CPU profiles of v1 and v2 are taken in the background, in parallel with
# the snapshots of the other types (which do not conflict with CPU profiling).
fetch_cpu "$v1" cpu-1 cpu-2 cpu-3 &
cpu_v1_job=$!
fetch_cpu "$v2" cpu-v2-1 cpu-v2-2 &
cpu_v2_job=$!

types=(heap allocs goroutine block mutex threadcreate)
for i in 1 2 3; do
	((i == 1)) || sleep 0.3 # deliberate: the snapshots are ~0.3 s apart (see the top), not a condition
	for t in "${types[@]}"; do
		pd_fetch "http://$v1/debug/pprof/$t" "$out/$t-$i.pb.gz" ||
			pd_die "make_fixtures: fetching $t-$i from $v1 failed"
	done
done

wait "$cpu_v1_job" || pd_die "make_fixtures: v1 CPU profiles failed"
wait "$cpu_v2_job" || pd_die "make_fixtures: v2 CPU profiles failed"
pd_targets_stop

# count_samples FILE: number of samples `go tool pprof -raw` lists (fails if
# pprof cannot read the file).
count_samples() {
	go tool pprof -raw -symbolize=none "$1" 2>"$out/.pprof.err" |
		awk '/^Samples:/ {s = 1; getline; next} /^Locations/ {s = 0} s && /^ *-?[0-9]+( +-?[0-9]+)*: / {n++} END {print n + 0}'
	return "${PIPESTATUS[0]}"
}

files=()
for i in 1 2 3; do
	files+=("cpu-$i")
	for t in "${types[@]}"; do files+=("$t-$i"); done
done
files+=(cpu-v2-1 cpu-v2-2)
for f in "${files[@]}"; do
	path="$out/$f.pb.gz"
	[[ -s "$path" ]] || pd_die "make_fixtures: $path is missing or empty"
	n="$(count_samples "$path")" ||
		pd_die "make_fixtures: go tool pprof cannot read $path: $(tr '\n' ' ' <"$out/.pprof.err")"
	# Every type has samples after 2 s of workload, except that threadcreate
	# may legitimately be empty.
	if [[ "$n" -eq 0 && "$f" != threadcreate-* ]]; then
		pd_die "make_fixtures: $path has no samples"
	fi
done
rm -f "$out/.pprof.err"

echo "$want_sum" >"$out/.complete"
echo "make_fixtures: ${#files[@]} profiles in $out ($((SECONDS - start)) s)"
