#!/usr/bin/env bash
# kill -9 of the daemon during ingest, three times, restarting on the same
# database: each time PRAGMA integrity_check is ok and every profile the log
# reported as stored is there; after a restart, storing goes on.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
: "${PPROFD:?}" "${PD_TARGET_BIN:?}" "${PD_WORK:?}"
pd_test_dir daemon_kill9
targets=()
for i in 1 2 3; do
	pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target $i"
	targets+=("\"$PD_TARGET_ADDR\"")
done
list=$(
	IFS=,
	echo "${targets[*]}"
)
cat >"$W/pprofd.yaml" <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $W/data/pprofd.db
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: busy
    static_configs: [{targets: [$list]}]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: true}
      allocs: {enabled: true}
      goroutine: {enabled: true}
      block: {enabled: true}
      mutex: {enabled: true}
      threadcreate: {enabled: true}
YAML
q() { pd_db_query "$@"; }
RANDOM=4242
prev_max=0
for round in 1 2 3; do
	log="$W/pprofd-$round.log"
	pd_daemon_start "$W/pprofd.yaml" "$log"
	pid=$PD_DAEMON_PID
	# kill -9 at an arbitrary moment of the ingest, 3.0 to 5.9 s in (RANDOM
	# is seeded above: each round's moment is the same from run to run).
	sleep "$((3 + RANDOM % 3)).$((RANDOM % 10))" # deliberate: a random moment, not a condition
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	[[ $(q "PRAGMA integrity_check") == ok ]] || pd_die "round $round: integrity_check failed"
	ranges=$(grep -o 'first_id=[0-9]* last_id=[0-9]*' "$log" | tr -dc '0-9 \n' | sed 's/  */ /g') || true
	[[ -n $ranges ]] || pd_die "round $round: nothing was reported stored"
	while read -r first last; do
		n=$(q "SELECT count(*) FROM profiles WHERE id BETWEEN $first AND $last")
		[[ $n == $((last - first + 1)) ]] || pd_die "round $round: ids $first..$last logged, $n stored"
		((first > prev_max)) || pd_die "round $round: id $first reused (previous max $prev_max)"
	done <<<"$ranges"
	prev_max=$(q "SELECT max(id) FROM profiles")
	pd_ok "round $round: killed -9, integrity ok, $(wc -l <<<"$ranges") logged batches all stored, max id $prev_max"
done
pd_passed
