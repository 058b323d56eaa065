#!/usr/bin/env bash
# Rollups end to end. Two days of real CPU profiles of two builds (two
# instances, one every 10 minutes, retimed copies of the fixtures) are
# stored with `pprofd import` at their own times. The daemon rolls them up
# in the background; killed -9 once it has started (576 profiles take about
# a second, so it has often finished: storage_crash kills compaction
# midway) and restarted, it finishes. Then every resolution sums every profile once, /metrics says
# how far each got, and merges over ranges that read rollups (a whole day,
# hours and minutes at the edges) hold the samples go tool pprof -proto
# finds in the files of the range; a series over two days at step 1h has
# the profiles' totals per hour. Wall time: about 15 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
: "${PD_FIXTURES:?}" "${PD_TESTTOOL:?}"
pd_test_dir storage_rollups
pd_go_env
FX=$PD_FIXTURES

day=86400
start=$((($(date +%s) / day - 3) * day)) # three days ago, at midnight
n=288                                    # two days every 10 minutes
"$PD_TESTTOOL" retime -n 2 -m "$W/manifest" "$W/files" "$start" 600 "$n" \
	"$FX"/cpu-{1,2,3}.pb.gz "$FX"/cpu-v2-{1,2}.pb.gz >/dev/null || pd_die "retime"
cat >"$W/import.yaml" <<YAML
storage:
  path: $W/data/pprofd.db
YAML
for i in 0 1; do
	"$PPROFD" import -c "$W/import.yaml" --type cpu --job hist --label "instance=h$i" \
		"$W/files/0$i-"*.pb.gz >/dev/null || pd_die "import h$i"
done
total=$((2 * n))
[[ $(pd_db_query "SELECT count(*) FROM profiles") == "$total" ]] || pd_die "imported"
pd_ok "$total retimed profiles of two builds imported over two days"

metric() { curl -sf "$API/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
started() { (($(metric pprofd_storage_compaction_steps_total) > 0)); }
api_start ""
wait_for 30 "compaction to start" started
kill -9 "$PD_DAEMON_PID"
wait "$PD_DAEMON_PID" 2>/dev/null || true
[[ $(pd_db_query "PRAGMA integrity_check") == ok ]] || pd_die "integrity after kill -9"
partial=$(pd_db_query "SELECT count(*) FROM rollups")
pd_ok "killed -9 after compaction began ($partial rollup rows by then); the file is intact"

api_start ""
done_1d='pprofd_storage_rollup_done_timestamp_seconds{resolution="1d"}'
rolled() { (($(metric "$done_1d") >= start + 2 * day)); }
wait_for 60 "the days to be rolled up" rolled
for level in 1 2 3; do
	got=$(pd_db_query "SELECT sum(count) FROM rollups WHERE level = $level")
	[[ $got == "$total" ]] || pd_die "level $level sums $got profiles, want $total"
done
rows=$(pd_db_query "SELECT group_concat(c) FROM (SELECT count(*) c FROM rollups GROUP BY level ORDER BY level)")
pd_ok "restarted: every resolution sums all $total profiles once (rows per level: $rows)"

# files_in FROM TO: the retimed files whose time is in [FROM, TO] (seconds)
files_in() {
	awk -v a="$1" -v b="$2" '{ t = int($1 / 1e9); if (t >= a && t <= b) print $2 }' "$W/manifest"
}
check_merge() {
	local from=$1 to=$2 what=$3
	mapfile -t fs < <(files_in "$from" "$to")
	((${#fs[@]} > 0)) || pd_die "$what: no files in the range"
	api_expect 200 "/api/v1/merge?type=cpu&query=%7Bjob%3D%22hist%22%7D&from=$from&to=$to"
	mv "$W/body" "$W/ours.pb.gz"
	go tool pprof -proto -symbolize=none "${fs[@]}" >"$W/theirs.pb.gz" 2>/dev/null
	pd_same_samples "$W/theirs.pb.gz" "$W/ours.pb.gz" "$what: merge differs from go tool pprof"
	pd_ok "$what: ${#fs[@]} profiles merge as go tool pprof merges their files"
}
check_merge "$start" $((start + 2 * day)) "two days"
check_merge $((start + day)) $((start + 2 * day - 1)) "one whole day"
check_merge $((start + 3 * 3600 + 420)) $((start + day + 5 * 3600 + 1100)) "a day and a bit, unaligned"
check_merge $((start + 3 * 3600 + 60)) $((start + 3 * 3600 + 700)) "ten minutes"

# a series at step 1h: per hour, the sum of the stored profiles' cpu totals
to=$((start + 2 * day - 1))
sel="query=%7Bjob%3D%22hist%22%7D&from=$start&to=$to"
api_expect 200 "/api/v1/series?type=cpu&$sel&step=3600"
jsql "SELECT json_extract(value, '\$[0]') || ' ' || json_extract(value, '\$[1]')
	FROM doc, json_each(json_extract(j, '\$.series[0].points'))" | sort -n >"$W/series.got"
api_expect 200 "/api/v1/profiles?type=cpu&$sel&limit=100000"
in_range=$(files_in "$start" "$to" | wc -l)
[[ $(jlen '$.profiles') == "$in_range" ]] || pd_die "profiles listed: $(jlen '$.profiles'), want $in_range"
jsql "SELECT h || ' ' || sum(cpu) FROM (SELECT
	$start + (json_extract(value, '\$.time_unix_nano') / 1000000000 - $start) / 3600 * 3600 AS h,
	json_extract(value, '\$.totals.cpu') AS cpu FROM doc, json_each(json_extract(j, '\$.profiles')))
	GROUP BY h" | sort -n >"$W/series.want"
(($(wc -l <"$W/series.want") == 48)) || pd_die "want 48 hours: $(wc -l <"$W/series.want")"
cmp -s "$W/series.got" "$W/series.want" || {
	diff "$W/series.got" "$W/series.want" | head >&2
	pd_die "series of 48 hours differs from the profiles' totals"
}
pd_ok "a series of two days at step 1h equals the files' totals per hour"
pd_daemon_stop
pd_passed
