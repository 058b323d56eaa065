#!/usr/bin/env bash
# A config written from Prometheus habits: only scrape_configs and a global
# scrape_interval of 5s, no profiles section. It must pass check-config and
# scrape CPU with seconds derived from the interval (4 s, not the 10 s
# default that used to refuse it); a target registered for a job the config
# does not name must be accepted under the same interval; a manual cpu
# capture without `seconds` takes the target's own 4 s, not a fixed 10.
# Wall time: about 20 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
pd_test_dir daemon_short_interval

pd_target_start "$PD_TARGET_BIN" -load 0.2 -duration 2m || pd_die "target A"
ta=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target B"
tb=$PD_TARGET_ADDR

CONFIG="global:
  scrape_interval: 5s
scrape_configs:
  - job_name: short
    static_configs:
      - targets: [\"$ta\"]"
printf 'storage:\n  path: %s/check.db\n%s\n' "$W" "$CONFIG" >"$W/check.yaml"
"$PPROFD" check-config "$W/check.yaml" >"$W/check.out" 2>&1 || pd_die "check-config: $(cat "$W/check.out")"
pd_ok "check-config accepts scrape_interval 5s with the default profiles"

api_start "$CONFIG"
cpu_sql="SELECT duration_ns FROM profiles WHERE series_id IN ($(_series_sql job=short type=cpu))"
have_cpu() { daemon_alive && [[ -n $(pd_db_query "$cpu_sql LIMIT 1") ]]; }
wait_for 30 "a stored cpu profile of job short" have_cpu
dur=$(pd_db_query "$cpu_sql LIMIT 1")
((dur >= 3500000000 && dur < 5000000000)) || pd_die "scheduled cpu profile lasts $dur ns, want about 4 s"
pd_ok "job short scrapes cpu every 5 s for about 4 s ($dur ns)"

api_want 201 POST /api/v1/targets "{\"job\":\"unconfigured\",\"address\":\"$tb\",\"profiles\":[\"cpu\"]}"
rid=$(jget '$.id')
api_want 200 GET /api/v1/targets ''
[[ $(jsql "SELECT json_extract(t.value, '$.profiles.cpu.url') FROM doc, json_each(json_extract(j, '$.targets')) t
	WHERE json_extract(t.value, '$.id') = '$rid'") == "http://$tb/debug/pprof/profile?seconds=4" ]] ||
	pd_die "registered target $rid: $(head -c 600 "$W/body")"
pd_ok "a target registered for a job not in the config: 201 under the 5 s global interval, cpu for 4 s"

selA=$(printf '{job=\\"short\\"}')
api_want 202 POST /api/v1/capture "{\"query\":\"$selA\",\"profiles\":[\"cpu\"]}"
cid=$(jget '$.captures[0].id')
capture_done() {
	api_get "/api/v1/captures/$cid"
	[[ $(jget '$.state') != failed ]] || pd_die "capture $cid failed: $(cat "$W/body")"
	[[ $(jget '$.state') == "done" ]]
}
wait_for 30 "capture $cid to be done" capture_done
pid=$(jget '$.profile_ids[0]')
cdur=$(pd_db_query "SELECT duration_ns FROM profiles WHERE id = $pid")
((cdur >= 3500000000 && cdur < 5000000000)) || pd_die "captured cpu profile lasts $cdur ns, want the target's 4 s"
pd_ok "a cpu capture without seconds takes the target's 4 s ($cdur ns)"
pd_daemon_stop
pd_passed
