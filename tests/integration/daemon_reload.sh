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
# more_than N LIKE: pprofd is alive and more than N profiles have series
# labels LIKE %LIKE%.
more_than() { daemon_alive && (($(count "$2") > $1)); }
wait_for 10 "pprofd to be ready" daemon_log_has 'msg="ready"'
wait_for 10 "a first profile of $t1" more_than 0 "instance=\"$t1\""
printf 'scrape_configs:\n  - job_name: reload\n    scrape_interval: soon\n' >"$W/pprofd.yaml"
kill -HUP "$PD_DAEMON_PID"
wait_for 10 "the invalid config to be reported (reload failed ... scrape_interval)" \
	daemon_log_has 'msg="reload failed, keeping the running config".*scrape_interval'
before=$(count "instance=\"$t1\"")
wait_for 10 "$t1 to be scraped again after the refused reload ($before profiles before)" \
	more_than "$before" "instance=\"$t1\""
after=$(count "instance=\"$t1\"")
pd_ok "invalid config refused, old config still scraping ($before -> $after)"
config "\"$t1\", \"$t2\"" two >"$W/pprofd.yaml"
kill -HUP "$PD_DAEMON_PID"
wait_for 10 "the valid reload to be logged" daemon_log_has 'msg="reloaded"'
wait_for 10 "the new target $t2 to be scraped after the reload" more_than 0 "instance=\"$t2\""
wait_for 10 "2 profiles with the new labels (phase=two) after the reload" more_than 1 'phase="two"'
pd_ok "valid reload: new target and labels in effect"
kill -0 "$PD_DAEMON_PID" || pd_die "daemon gone"
pd_daemon_stop
pd_ok "clean stop"
pd_passed
