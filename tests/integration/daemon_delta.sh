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
sleep 3
# The target's own delta over 8 s, while pprofd scrapes every 2 s.
t0=$(date +%s%N)
pd_fetch "http://$addr/debug/pprof/allocs?seconds=8" "$W/own.pb.gz" || pd_die "own delta"
t1=$(date +%s%N)
sleep 3

q() { pd_db_query "$@"; }
# Stored deltas whose window lies inside [t0, t1].
ids=$(q "SELECT id FROM profiles WHERE time_ns >= $t0 AND time_ns + duration_ns <= $t1 ORDER BY id")
[[ -n $ids ]] || pd_die "no stored delta inside the window"
files=()
covered=0
for id in $ids; do
	q "SELECT writefile('$W/d-$id.pb.gz', data) FROM profiles WHERE id = $id" >/dev/null
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
kill "$tpid"
wait "$tpid" 2>/dev/null || true
sleep 2.5
pd_target_start "$PD_TARGET_BIN" -load 0.2 -duration 2m -listen "127.0.0.1:$port" || pd_die "target restart"
sleep 6
grep -q 'msg="target restarted".*type=allocs' "$W/pprofd.log" || pd_die "restart not detected"
neg=$(q "SELECT count(*) FROM profiles WHERE duration_ns < 0")
[[ $neg == 0 ]] || pd_die "$neg profiles with negative windows"
pd_ok "restart detected"
pd_daemon_stop
pd_passed
