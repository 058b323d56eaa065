#!/usr/bin/env bash
# The web UI in Chromium (ui.test.mjs says what is checked), against a
# daemon scraping a live test target (job demo) and holding flat-out CPU
# profiles of two deployments of the test target (jobs deploy-v1 and
# deploy-v2; v2 adds main.hotPathV2Only, 2 of its 9 hot paths' weight,
# whatever else the machine runs: see api_deploy_diff.sh). Screenshots of
# each view are kept in $PD_WORK/ui_browser/artifacts. Then the same store
# behind a daemon that asks for a token (ui_auth.test.mjs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../integration/lib.sh"
. "$here/../integration/api_lib.sh"
. "$here/../integration/api_write_lib.sh"
: "${PPROFD:?}" "${PD_TARGET_BIN:?}" "${PD_WORK:?}" "${PD_TESTTOOL:?}"
pd_test_dir ui_browser
pd_go_env
export GODEBUG=asyncpreemptoff=1
command -v node >/dev/null || pd_die "node is missing: run make deps"
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || pd_die "chromium is missing: run make deps"

FLAT_FILES=6
api_fill_deployments "$FLAT_FILES"

pd_target_start "$PD_TARGET_BIN" -load 0.5 -duration 150s || pd_die "test target"
api_start "global:
  scrape_interval: 3s
scrape_configs:
  - job_name: demo
    static_configs:
      - targets: [\"$PD_TARGET_ADDR\"]
    profiles:
      cpu: {enabled: true, seconds: 2}
      goroutine: {enabled: true}
      heap: {enabled: false}"

demo='%7Bjob%3D%22demo%22%7D'
cpu_stored() {
	daemon_alive
	api_get "/api/v1/profiles?type=cpu&query=$demo&from=now-15m"
	[[ $STATUS == 200 ]] && grep -q '"id":' "$W/body"
}
# A target registered with a label value that is markup: the page must
# show it as text (targets, completion) and run none of it.
export PD_HOSTILE='<img src=x onerror="window.__pwned=1">"><script>window.__pwned=2</script>'
api_want 201 POST /api/v1/targets "{\"job\":\"hostile\",\"address\":\"$PD_TARGET_ADDR\",\"labels\":{\"team\":\"${PD_HOSTILE//\"/\\\"}\"},\"profiles\":[\"goroutine\"]}"
hostile_stored() {
	api_get "/api/v1/labels/team/values?from=now-15m"
	[[ $STATUS == 200 ]] && grep -q 'onerror' "$W/body"
}
wait_for -r 30 "a cpu profile of the demo target" cpu_stored || pd_die "no cpu profile stored: $(tail -3 "$W/pprofd.log")"

wait_for -r 30 "a profile of the hostile target" hostile_stored || pd_die "no profile of the registered target"

node "$here/ui.test.mjs" "$API" "$W/artifacts" | tee "$W/browser.out" || pd_die "browser checks failed (screenshots in $W/artifacts)"
pd_ok "browser: $(grep -c '^ok' "$W/browser.out") checks; screenshots in $W/artifacts"
pd_daemon_stop

# The same store behind a daemon that asks for a token.
printf 'ui-test-token-%s\n' "$RANDOM$RANDOM" >"$W/token"
chmod 600 "$W/token"
API_TOKEN_FILE="$W/token"
api_start ""
node "$here/ui_auth.test.mjs" "$API" "$(head -1 "$W/token")" "$W/artifacts" | tee "$W/browser-auth.out" ||
	pd_die "browser checks with a token failed (screenshots in $W/artifacts)"
pd_ok "browser with a token: $(grep -c '^ok' "$W/browser-auth.out") checks"
pd_daemon_stop
pd_passed
