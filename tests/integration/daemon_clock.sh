#!/usr/bin/env bash
# A target whose clock is an hour behind the daemon's: every profile it
# writes says so. Its scraped profiles are stored at the scrape's time (on
# the daemon's clock, within a minute of now), their windows back to back
# as before, their samples as the target gave them; the log says why once,
# /metrics shows the skew, and no scrape fails. Wall time: about 15 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
: "${PPROFD:?}" "${PD_DELTATARGET_BIN:?}" "${PD_WORK:?}"
pd_test_dir daemon_clock
pd_go_env
pd_target_start "$PD_DELTATARGET_BIN" -duration 2m -skew -1h || pd_die "delta target"
addr=$PD_TARGET_ADDR

{
	pd_config_head 2s
	cat <<YAML
scrape_configs:
  - job_name: behind
    static_configs: [{targets: ["$addr"]}]
    profiles:
      cpu: {enabled: false}
      goroutine: {enabled: false}
      heap: {enabled: true, godeltaprof: true}
YAML
} >"$W/pprofd.yaml"
start_ns=$(date +%s%N)
pd_daemon_start "$W/pprofd.yaml"
q() { pd_db_query "$@"; }
three() { daemon_alive && (($(q "SELECT count(*) FROM profiles") >= 3)); }
wait_for 30 "three stored heap deltas" three
end_ns=$(date +%s%N)

# What the target wrote: an hour behind.
pd_fetch "http://$addr/served/heap/2" "$W/answer.pb.gz" || pd_die "answer 2"
written=$(pd_raw_same "$W/answer.pb.gz" | grep -c '^S ') || true
((written > 0)) || pd_die "the target's answer 2 has no samples"

minute=60000000000
prev_end=""
n=1
for id in $(q "SELECT id FROM profiles ORDER BY id LIMIT 3"); do
	n=$((n + 1))
	read -r t d < <(q "SELECT time_ns, duration_ns FROM profiles WHERE id = $id" | tr '|' ' ')
	((t >= start_ns - minute && t <= end_ns)) ||
		pd_die "profile $id stored at $t, outside the run ($start_ns..$end_ns): the target's clock was kept"
	((d > 1000000000 && d < 4000000000)) || pd_die "profile $id lasts $d ns, want about 2 s"
	[[ -z $prev_end || $prev_end == "$t" ]] || pd_die "profile $id starts at $t, the previous ended at $prev_end"
	prev_end=$((t + d))
	pd_stored_profile "$id" "$W/got.pb.gz" || pd_die "profile $id"
	pd_fetch "http://$addr/served/heap/$n" "$W/want.pb.gz" || pd_die "answer $n"
	pd_raw_same "$W/want.pb.gz" | grep -v '^Time:\|^Duration:' >"$W/want.raw"
	pd_raw_same "$W/got.pb.gz" | grep -v '^Time:\|^Duration:' >"$W/got.raw"
	cmp -s "$W/want.raw" "$W/got.raw" || {
		diff "$W/want.raw" "$W/got.raw" | head -20 >&2
		pd_die "stored profile $id differs from the target's answer $n"
	}
done
pd_ok "3 profiles of a target an hour behind: stored at the daemon's time, windows back to back, samples as given"

said=$(grep -c "profile time far from the daemon's clock" "$W/pprofd.log") || true
((said == 1)) || pd_die "the skew was logged $said times, want once"
grep "profile time far from the daemon's clock" "$W/pprofd.log" | grep -q 'skew_s=-36' ||
	pd_die "the log does not give the skew: $(grep -m1 'far from' "$W/pprofd.log")"
! grep -q 'msg="scrape failed"' "$W/pprofd.log" || pd_die "$(grep -m1 'scrape failed' "$W/pprofd.log")"
pd_ok "the log says so once, with the skew (about -3600 s); no scrape failed"

pd_fetch "http://127.0.0.1:$(_pd_port)/metrics" "$W/metrics" || pd_die "/metrics"
skew=$(sed -n "s/^pprofd_target_clock_skew_seconds{scrape_job=\"behind\",scrape_instance=\"$addr\",profile=\"heap\"} //p" "$W/metrics")
[[ $skew =~ ^-(3599|3600)\.[0-9]{3}$ ]] || pd_die "pprofd_target_clock_skew_seconds is '$skew': $(grep clock_skew "$W/metrics")"
pd_ok "/metrics: pprofd_target_clock_skew_seconds $skew for the target"
pd_daemon_stop
pd_passed
