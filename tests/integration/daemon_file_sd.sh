#!/usr/bin/env bash
# file_sd: targets come from Prometheus file_sd JSON and YAML files, and the
# daemon follows the files as they change: a target added is scraped with its
# file's labels; a broken file is logged and the daemon keeps running; a
# target removed stops being scraped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
: "${PPROFD:?}" "${PD_TARGET_BIN:?}" "${PD_WORK:?}"
pd_test_dir daemon_file_sd
mkdir -p "$W/sd"
pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target 1"
t1=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target 2"
t2=$PD_TARGET_ADDR
printf '[{"targets": ["%s"], "labels": {"team": "red"}}]\n' "$t1" >"$W/sd/one.json"
cat >"$W/pprofd.yaml" <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $W/data/pprofd.db
global:
  scrape_interval: 2s
scrape_configs:
  - job_name: discovered
    file_sd_configs:
      - files: ["sd/*.json", "sd/*.yaml"]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: false}
      goroutine: {enabled: true}
YAML
pd_daemon_start "$W/pprofd.yaml"
pid=$PD_DAEMON_PID
q() { pd_db_query "$@"; }
count() { q "SELECT count(*) FROM profiles p JOIN series s ON s.id = p.series_id WHERE s.labels LIKE '%instance=\"$1\"%'"; }
# more_than N ADDR: pprofd is alive and has stored more than N profiles of ADDR.
more_than() { daemon_alive && (($(count "$2") > $1)); }
# The files are followed from here: what is written next is a change.
wait_for 10 "pprofd to be ready" daemon_log_has 'msg="ready"'
wait_for 10 "a first profile of $t1" more_than 0 "$t1"
# Add a second target in a YAML file (written by rename, as tools do).
printf -- '- targets: ["%s"]\n  labels: {team: blue}\n' "$t2" >"$W/sd/.two.tmp"
mv "$W/sd/.two.tmp" "$W/sd/two.yaml"
printf '{not json' >"$W/sd/broken.json"
# file_sd is polled every 5 s; then two scrapes 2 s apart.
wait_for 20 "the added target $t2 to be scraped twice" more_than 1 "$t2"
wait_for 10 "the broken file to be logged (file_sd failed ... broken.json)" daemon_log_has 'msg="file_sd failed".*broken.json'
kill -0 "$pid" 2>/dev/null || pd_die "pprofd died: $(tail -3 "$W/pprofd.log")"
n2=$(count "$t2")
labels=$(q "SELECT labels FROM series WHERE labels LIKE '%instance=\"$t2\"%'")
[[ $labels == *'team="blue"'* && $labels == *'job="discovered"'* ]] || pd_die "labels: $labels"
pd_ok "added target scraped $n2 times with $labels; broken file logged"
# Remove the first target: it is not scraped any more.
reloads() { grep -c 'msg="collector reloaded"' "$W/pprofd.log" || true; }
reloads0=$(reloads)
reloaded() { daemon_alive && (($(reloads) > reloads0)); }
# scraped_since NS ADDR: a profile of ADDR taken after NS is stored.
scraped_since() {
	daemon_alive && (($(q "SELECT count(*) FROM profiles p JOIN series s ON s.id = p.series_id
		WHERE s.labels LIKE '%instance=\"$2\"%' AND p.time_ns > $1") > 0))
}
rm "$W/sd/one.json"
wait_for 15 "pprofd to reload its targets after one.json was removed" reloaded
reload_ns=$(date +%s%N)
# A scrape of t1 still in flight at the reload may land: once a profile of
# t2 taken after it is stored, whatever t1 had under way is stored too.
wait_for 10 "a profile of $t2 taken after the reload to be stored" scraped_since "$reload_ns" "$t2"
before=$(count "$t1")
# Nothing may happen to t1 for 2.5 scrape intervals (2 s each).
sleep 5 # deliberate: a span in which nothing must happen, not a condition
after=$(count "$t1")
[[ $before == "$after" ]] || pd_die "removed target still scraped ($before -> $after)"
pd_ok "removed target no longer scraped"
pd_daemon_stop
pd_ok "clean stop"
pd_passed
