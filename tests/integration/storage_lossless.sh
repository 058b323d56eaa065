#!/usr/bin/env bash
# The stored form is lossless: every real Go profile type (cpu with pprof
# labels, heap, allocs, goroutine, block, mutex, threadcreate), from two
# workload variants and from a second Go program (the fault server), pushed
# to the daemon and read back with GET /api/v1/profiles/{id}, dumps the same
# under `go tool pprof -raw -symbolize=none` as the file pushed: samples,
# values, labels, locations, lines, functions, mappings, period, time,
# duration. The store keeps samples in stack-id order, so the dumps are
# compared with each sample's location ids replaced by the locations
# themselves and the samples sorted (pd_raw_canon). Reading them again after
# a restart (the reader and the writer load the symbols from the file) gives
# the same. Wall time: about 10 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
: "${PD_FIXTURES:?}" "${PD_FAULTSERVER_BIN:?}"
pd_test_dir storage_lossless
pd_go_env

pd_target_start "$PD_FAULTSERVER_BIN" -duration 1m || pd_die "fault server"
pd_fetch "http://$PD_TARGET_ADDR/debug/pprof/heap" "$W/other-heap.pb.gz" || pd_die "fetch heap"
pd_targets_stop

api_start ""

files=("$PD_FIXTURES"/*.pb.gz "$W/other-heap.pb.gz")
declare -A id_of
for f in "${files[@]}"; do
	name=$(basename "$f" .pb.gz)
	type=${name%%-*}
	job=demo
	[[ $name == other-* ]] && type=heap job=other
	api_send POST "/api/v1/ingest?type=$type&job=$job&file=$name" \
		-H 'Content-Type: application/octet-stream' --data-binary "@$f"
	[[ $STATUS == 200 ]] || pd_die "push $name: $STATUS $(cat "$W/body")"
	id_of[$f]=$(jget '$.id')
done
parts=$(pd_db_query "SELECT count(*) FROM partitions")
((parts == 2)) || pd_die "$parts partitions for two programs of two jobs"
pd_ok "${#files[@]} profiles pushed, symbols in $parts partitions"

# check_all WHEN: every profile read back equals its file.
check_all() {
	local f n=0
	for f in "${files[@]}"; do
		api_expect 200 "/api/v1/profiles/${id_of[$f]}"
		mv "$W/body" "$W/back.pb.gz"
		pd_raw_same "$f" >"$W/want.raw"
		pd_raw_same "$W/back.pb.gz" >"$W/got.raw"
		grep -q '^Samples:' "$W/want.raw" || pd_die "$f: no samples section"
		if ! cmp -s "$W/want.raw" "$W/got.raw"; then
			diff "$W/want.raw" "$W/got.raw" | head -20 >&2
			pd_die "$1: $(basename "$f") differs from what was pushed"
		fi
		n=$((n + 1))
	done
	pd_ok "$1: $n profiles read back with the same samples, locations and header under go tool pprof -raw"
}
check_all "as stored"

# The labels the target sets with pprof.Do are in the cpu fixtures and back.
for f in "$PD_FIXTURES"/cpu-1.pb.gz "$PD_FIXTURES"/goroutine-1.pb.gz; do
	pd_raw_same "$f" >"$W/labels.raw"
	grep -q 'path:\[work' "$W/labels.raw" || pd_die "$(basename "$f") has no pprof label path"
done
pd_ok "pprof labels (path=work*) are among what came back"

pd_daemon_stop
api_start ""
check_all "after a restart"
pd_passed
