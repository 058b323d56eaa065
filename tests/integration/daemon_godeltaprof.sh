#!/usr/bin/env bash
# A target whose endpoints subtract themselves, as a service importing
# Grafana's godeltaprof does: with `godeltaprof: true`, heap and mutex are
# scraped from /debug/pprof/delta_heap and delta_mutex and stored as they
# come, no baseline taken: each stored profile reads back equal to the
# answer the target gave (it keeps them all), from the previous answer's
# time over the time between; the first answer, whose window is unknown,
# only starts the series. A config naming godeltaprof on a profile that
# has no delta endpoint is refused. Wall time: about 15 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
: "${PPROFD:?}" "${PD_DELTATARGET_BIN:?}" "${PD_WORK:?}"
pd_test_dir daemon_godeltaprof
pd_go_env
pd_target_start "$PD_DELTATARGET_BIN" -duration 2m || pd_die "delta target"
addr=$PD_TARGET_ADDR

cat >"$W/bad.yaml" <<YAML
storage: {path: $W/bad.db}
scrape_configs:
  - job_name: d
    static_configs: [{targets: ["$addr"]}]
    profiles: {goroutine: {enabled: true, godeltaprof: true}}
YAML
if "$PPROFD" check-config "$W/bad.yaml" >"$W/bad.out" 2>&1; then pd_die "godeltaprof on goroutine accepted"; fi
grep -q 'goroutine.godeltaprof: unknown field "godeltaprof"' "$W/bad.out" || pd_die "refusal: $(cat "$W/bad.out")"
pd_ok "godeltaprof on goroutine (no delta endpoint): refused by check-config"

{
	pd_config_head 2s
	cat <<YAML
scrape_configs:
  - job_name: delta
    static_configs: [{targets: ["$addr"]}]
    profiles:
      cpu: {enabled: false}
      goroutine: {enabled: false}
      heap: {enabled: true, godeltaprof: true}
      mutex: {enabled: true, godeltaprof: true}
YAML
} >"$W/pprofd.yaml"
pd_daemon_start "$W/pprofd.yaml"
q() { pd_db_query "$@"; }
served() { curl -sf "http://$addr/served/$1"; }
stored() { q "SELECT count(*) FROM profiles p JOIN series s ON s.id = p.series_id WHERE s.type = '$1'"; }
three() { daemon_alive && (($(stored heap) >= 3 && $(stored mutex) >= 3)); }
wait_for 30 "three stored heap and mutex deltas" three

for type in heap mutex; do
	ids=$(q "SELECT p.id FROM profiles p JOIN series s ON s.id = p.series_id
		WHERE s.type = '$type' ORDER BY p.id LIMIT 3")
	n=1
	prev_end=""
	for id in $ids; do
		n=$((n + 1)) # answer 1 only started the series
		pd_stored_profile "$id" "$W/got.pb.gz" || pd_die "profile $id"
		pd_fetch "http://$addr/served/$type/$n" "$W/want.pb.gz" || pd_die "answer $n of $type"
		pd_raw_same "$W/want.pb.gz" | grep -v '^Time:\|^Duration:' >"$W/want.raw"
		pd_raw_same "$W/got.pb.gz" | grep -v '^Time:\|^Duration:' >"$W/got.raw"
		grep -q '^S ' "$W/want.raw" || pd_die "$type answer $n is empty"
		cmp -s "$W/want.raw" "$W/got.raw" || {
			diff "$W/want.raw" "$W/got.raw" | head -20 >&2
			pd_die "stored $type $id differs from the target's answer $n"
		}
		# from the previous answer's time, to this one's
		read -r t d < <(q "SELECT time_ns, duration_ns FROM profiles WHERE id = $id" | tr '|' ' ')
		((d > 1000000000 && d < 4000000000)) || pd_die "$type $id lasts $d ns, want about 2 s"
		[[ -z $prev_end || $prev_end == "$t" ]] || pd_die "$type $id starts at $t, the previous ended at $prev_end"
		prev_end=$((t + d))
	done
	pd_ok "$type: 3 stored profiles equal the target's answers 2..4, windows back to back"
done
((tr = $(served heap))) && ((tr >= 4)) || pd_die "the target answered delta_heap $tr times"
! grep -q 'msg="scrape failed"' "$W/pprofd.log" || pd_die "$(grep -m1 'scrape failed' "$W/pprofd.log")"
pd_daemon_stop
pd_passed
