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
sleep 5
# Add a second target in a YAML file (written by rename, as tools do).
printf -- '- targets: ["%s"]\n  labels: {team: blue}\n' "$t2" >"$W/sd/.two.tmp"
mv "$W/sd/.two.tmp" "$W/sd/two.yaml"
printf '{not json' >"$W/sd/broken.json"
sleep 11
kill -0 "$pid" 2>/dev/null || pd_die "pprofd died: $(tail -3 "$W/pprofd.log")"
n2=$(count "$t2")
((n2 >= 2)) || pd_die "added target scraped $n2 times"
labels=$(q "SELECT labels FROM series WHERE labels LIKE '%instance=\"$t2\"%'")
[[ $labels == *'team="blue"'* && $labels == *'job="discovered"'* ]] || pd_die "labels: $labels"
grep -q 'msg="file_sd failed".*broken.json' "$W/pprofd.log" || pd_die "broken file not logged"
pd_ok "added target scraped $n2 times with $labels; broken file logged"
# Remove the first target: it is not scraped any more.
rm "$W/sd/one.json"
sleep 7
before=$(count "$t1")
sleep 5
after=$(count "$t1")
[[ $before == "$after" ]] || pd_die "removed target still scraped ($before -> $after)"
pd_ok "removed target no longer scraped"
pd_daemon_stop
pd_ok "clean stop"
pd_passed
