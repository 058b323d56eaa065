#!/usr/bin/env bash
# One rule for profile type names: a custom profile named "Custom" (upper
# case) configured for a job is scraped, can be registered, pushed, queried
# and captured alike. Registration and push used to allow only [a-z0-9_].
# Wall time: about 15 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
: "${PD_FIXTURES:?}"
pd_test_dir api_custom_profile

pd_target_start "$PD_TARGET_BIN" -idle -duration 2m || pd_die "target A"
ta=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -idle -duration 2m || pd_die "target B"
tb=$PD_TARGET_ADDR
api_start "scrape_configs:
  - job_name: c
    scrape_interval: 2s
    static_configs:
      - targets: [\"$ta\"]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: false}
      goroutine: {enabled: false}
      Custom: {enabled: true, path: /debug/pprof/goroutine}"

stored() { daemon_alive && (($(db_profiles "$@") > 0)); }
wait_for 20 "a scraped Custom profile of A" stored instance="$ta" type=Custom
pd_ok "configured: A's Custom profile is scraped"

api_want 201 POST /api/v1/targets "{\"job\":\"c\",\"address\":\"$tb\",\"profiles\":[\"Custom\"]}"
wait_for 20 "a scraped Custom profile of the registered B" stored instance="$tb" type=Custom
pd_ok "registered: B with profiles [\"Custom\"] is scraped"

api_send POST "/api/v1/ingest?type=Custom&job=pushed" --data-binary "@$PD_FIXTURES/goroutine-1.pb.gz"
[[ $STATUS == 2* ]] || pd_die "push type=Custom: $STATUS $(cat "$W/body")"
wait_for 10 "the pushed Custom profile" stored job=pushed type=Custom
pd_ok "pushed: type=Custom is stored"

api_expect 200 "/api/v1/merge?type=Custom&query=$(sel_url job=c)&from=now-5m&format=top"
grep -q '"total":[1-9]' "$W/body" || pd_die "merge type=Custom: $(head -c 300 "$W/body")"
api_expect 200 "/api/v1/profiles?type=Custom&from=now-5m"
(($(jlen '$.profiles') >= 3)) || pd_die "list type=Custom: $(head -c 300 "$W/body")"
pd_ok "queried: merge and list of type=Custom"

api_want 202 POST /api/v1/capture "{\"query\":\"{instance=\\\"$ta\\\"}\",\"profiles\":[\"Custom\"]}"
pd_ok "captured: profiles [\"Custom\"] accepted"
pd_daemon_stop
pd_passed
