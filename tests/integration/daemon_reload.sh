#!/usr/bin/env bash
# SIGHUP reloads the config: an invalid file is refused with a logged
# reason and the running config goes on; a valid one takes effect (a new
# target is scraped, its labels applied) without a restart.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
: "${PPROFD:?}" "${PD_TARGET_BIN:?}" "${PD_WORK:?}"
pd_test_dir daemon_reload
pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target 1"
t1=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target 2"
t2=$PD_TARGET_ADDR
config() { # config TARGETS-YAML-LIST
	cat <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $W/data/pprofd.db
global:
  scrape_interval: 2s
scrape_configs:
  - job_name: reload
    static_configs: [{targets: [$1], labels: {phase: "${2:-one}"}}]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: false}
      goroutine: {enabled: true}
YAML
}
config "\"$t1\"" >"$W/pprofd.yaml"
pd_daemon_start "$W/pprofd.yaml"
q() { pd_db_query "$@"; }
count() { q "SELECT count(*) FROM profiles p JOIN series s ON s.id = p.series_id WHERE s.labels LIKE '%$1%'"; }
sleep 4
printf 'scrape_configs:\n  - job_name: reload\n    scrape_interval: soon\n' >"$W/pprofd.yaml"
kill -HUP "$PD_DAEMON_PID"
sleep 1
grep -q 'msg="reload failed, keeping the running config".*scrape_interval' "$W/pprofd.log" ||
	pd_die "invalid config not reported: $(tail -2 "$W/pprofd.log")"
before=$(count "instance=\"$t1\"")
sleep 4
after=$(count "instance=\"$t1\"")
((after > before)) || pd_die "scraping stopped after a refused reload ($before -> $after)"
pd_ok "invalid config refused, old config still scraping ($before -> $after)"
config "\"$t1\", \"$t2\"" two >"$W/pprofd.yaml"
kill -HUP "$PD_DAEMON_PID"
sleep 5
grep -q 'msg="reloaded"' "$W/pprofd.log" || pd_die "valid reload not logged"
n=$(count "instance=\"$t2\"")
((n >= 1)) || pd_die "new target not scraped after reload"
n=$(count 'phase="two"')
((n >= 2)) || pd_die "new labels not applied after reload"
pd_ok "valid reload: new target and labels in effect"
kill -0 "$PD_DAEMON_PID" || pd_die "daemon gone"
pd_daemon_stop
pd_ok "clean stop"
pd_passed
