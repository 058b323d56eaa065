#!/usr/bin/env bash
# Cumulative profiles are stored as deltas that add up to what happened:
# the stored allocs deltas over a window match the target's own
# /debug/pprof/allocs?seconds=N delta over the same time, within sampling
# noise. And a target restart is detected: the next profile is the new
# process's own counts, not a negative or a bogus difference.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
: "${PPROFD:?}" "${PD_TARGET_BIN:?}" "${PD_WORK:?}"
pd_test_dir daemon_delta
pd_go_env
pd_target_start "$PD_TARGET_BIN" -load 0.2 -duration 2m || pd_die "target"
addr=$PD_TARGET_ADDR
tpid=$PD_TARGET_PID
cat >"$W/pprofd.yaml" <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $W/data/pprofd.db
global:
  scrape_interval: 2s
scrape_configs:
  - job_name: delta
    static_configs: [{targets: ["$addr"]}]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: false}
      goroutine: {enabled: false}
      allocs: {enabled: true}
YAML
pd_daemon_start "$W/pprofd.yaml"
q() { pd_db_query "$@"; }
# stored_after NS: pprofd is alive and has stored a profile whose window
# ends after NS.
stored_after() { daemon_alive && (($(q "SELECT count(*) FROM profiles WHERE time_ns + duration_ns > $1") > 0)); }
# The first delta stored: the baseline before it was taken, the chain runs.
wait_for 15 "a first stored allocs delta" daemon_log_has 'msg="stored"'
# The target's own delta over 8 s, while pprofd scrapes every 2 s.
t0=$(date +%s%N)
pd_fetch "http://$addr/debug/pprof/allocs?seconds=8" "$W/own.pb.gz" || pd_die "own delta"
t1=$(date +%s%N)
# One slot's deltas are stored in order: once one ending after t1 is in, so
# is every delta inside [t0, t1].
wait_for 15 "a stored delta that ends after the target's own window" stored_after "$t1"

# Stored deltas whose window lies inside [t0, t1].
ids=$(q "SELECT id FROM profiles WHERE time_ns >= $t0 AND time_ns + duration_ns <= $t1 ORDER BY id")
[[ -n $ids ]] || pd_die "no stored delta inside the window"
files=()
covered=0
for id in $ids; do
	pd_stored_profile "$id" "$W/d-$id.pb.gz" || pd_die "profile $id"
	files+=("$W/d-$id.pb.gz")
	covered=$((covered + $(q "SELECT duration_ns FROM profiles WHERE id = $id")))
done
"$PPROFD" merge -o "$W/sum.pb.gz" "${files[@]}" || pd_die "merge of deltas"
# alloc_space total of a profile, from go tool pprof's own dump.
space() {
	go tool pprof -raw -symbolize=none "$1" 2>/dev/null | awk '
		/^Samples:/ { getline; for (i = 1; i <= NF; i++) if ($i ~ /^alloc_space/) col = i; s = 1; next }
		/^Locations/ { s = 0 }
		s && /^ *-?[0-9]+( +-?[0-9]+)*: / { sub(/:.*/, ""); split($0, v, " "); t += v[col] }
		END { printf "%d\n", t }'
}
ours=$(space "$W/sum.pb.gz")
own=$(space "$W/own.pb.gz")
# Compare rates: bytes per second over the time each covers.
ratio=$(awk -v a="$ours" -v ca="$covered" -v b="$own" -v cb="$((t1 - t0))" 'BEGIN { printf "%.2f", (a / ca) / (b / cb) }')
echo "stored deltas: $ours bytes over $((covered / 1000000)) ms; target's own: $own bytes over $(((t1 - t0) / 1000000)) ms; rate ratio $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r > 0.6 && r < 1.6) }' || pd_die "delta rate ratio $ratio is outside sampling noise"
pd_ok "stored deltas match the target's own delta (rate ratio $ratio)"

# Restart the target on the same port: pprofd notices.
port=${addr##*:}
down_fails() { grep -c "msg=\"scrape failed\" job=delta instance=$addr type=allocs" "$W/pprofd.log" || true; }
fails0=$(down_fails)
more_fails() { daemon_alive && (($(down_fails) > fails0)); }
kill "$tpid"
wait "$tpid" 2>/dev/null || true
# The target stays down until pprofd has seen it so (a failed scrape): a
# restart across a missed tick, not a blip between two scrapes.
wait_for 15 "a failed scrape of the stopped target" more_fails
restart_ns=$(date +%s%N)
pd_target_start "$PD_TARGET_BIN" -load 0.2 -duration 2m -listen "127.0.0.1:$port" || pd_die "target restart"
wait_for 15 "pprofd to detect the restart (msg=\"target restarted\" type=allocs)" \
	daemon_log_has 'msg="target restarted".*type=allocs'
# Everything the restart produced is stored: a window ending after the new
# process began (its time is the new process's) is in.
wait_for 15 "a profile of the restarted target to be stored" stored_after "$restart_ns"
neg=$(q "SELECT count(*) FROM profiles WHERE duration_ns < 0")
[[ $neg == 0 ]] || pd_die "$neg profiles with negative windows"
pd_ok "restart detected"
pd_daemon_stop
pd_passed
