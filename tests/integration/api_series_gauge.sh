#!/usr/bin/env bash
# /api/v1/series of a gauge: two Go targets whose goroutine count is fixed
# (tests/target -idle: no workload, only parked goroutines), scraped every
# second. Within a step each series' snapshots are averaged and the series
# summed, so the series equals the two counts' sum at every step size (5 s,
# 1 m, 1 h; it used to add up every snapshot in the step), each instance's
# own count with group_by=instance, and aggregation=sum adds the snapshots
# up as before.
# Wall time: about 25 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
pd_test_dir api_series_gauge

pd_target_start "$PD_TARGET_BIN" -idle -duration 2m || pd_die "target A"
ta=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -idle -duration 2m || pd_die "target B"
tb=$PD_TARGET_ADDR
api_start "scrape_configs:
  - job_name: g
    scrape_interval: 1s
    static_configs:
      - targets: [\"$ta\", \"$tb\"]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: false}
      goroutine: {enabled: true}"

sel=$(sel_url job=g)
# snaps INSTANCE: "time_ns total" of its stored goroutine profiles, oldest first.
snaps() {
	api_get "/api/v1/profiles?type=goroutine&query=$(sel_url job=g instance="$1")&from=now-5m&limit=1000"
	jsql "SELECT json_extract(p.value, '$.time_unix_nano') || ' ' || json_extract(p.value, '$.totals.goroutine')
		FROM doc, json_each(json_extract(j, '$.profiles')) p ORDER BY 1"
}
enough() { daemon_alive && (($(snaps "$ta" | wc -l) >= 22 && $(snaps "$tb" | wc -l) >= 22)); }
wait_for 60 "22 goroutine snapshots of each target" enough
snaps "$ta" >"$W/a"
snaps "$tb" >"$W/b"
count_of() {
	local n
	n=$(awk '{ print $2 }' "$1" | sort -u)
	[[ $(wc -l <<<"$n") == 1 ]] || pd_die "the goroutine count of $2 is not fixed: $(tr '\n' ' ' <"$1")"
	echo "$n"
}
na=$(count_of "$W/a" A)
nb=$(count_of "$W/b" B)
((na > 30 && nb > 30)) || pd_die "goroutine counts $na and $nb: the parked goroutines are missing"
want=$((na + nb))
pd_ok "A and B hold $na and $nb goroutines in every snapshot"

# A window both cover, in whole 5 s steps: every bucket holds several
# snapshots of each target.
first=$(sort -n <(head -1 "$W/a") <(head -1 "$W/b") | tail -1 | cut -d' ' -f1)
from_ns=$((first + 1000000000))
to_ns=$((from_ns + 15000000000 - 1))
t() { printf '%d.%09d' $(($1 / 1000000000)) $(($1 % 1000000000)); }
rng="from=$(t $from_ns)&to=$(t $to_ns)"
# values: every point's value, one per line.
values() { jsql "SELECT json_extract(p.value, '\$[1]') FROM doc, json_each(json_extract(j, '$.series')) s,
	json_each(json_extract(s.value, '$.points')) p"; }
for step in 5s 1m 1h; do
	api_expect 200 "/api/v1/series?type=goroutine&query=$sel&$rng&step=$step"
	v=$(values)
	[[ $(sort -u <<<"$v") == "$want" ]] || pd_die "step=$step: points $(tr '\n' ' ' <<<"$v"), want $want in each: $(head -c 400 "$W/body")"
done
api_expect 200 "/api/v1/series?type=goroutine&query=$sel&$rng&step=5s"
[[ $(values | wc -l) == 3 ]] || pd_die "step=5s over 15 s: $(values | wc -l) points, want 3"
api_expect 200 "/api/v1/series?type=goroutine&query=$sel&$rng&step=1m&aggregation=avg"
[[ $(values) == "$want" ]] || pd_die "aggregation=avg: $(values)"
pd_ok "series = $want (= $na + $nb) at steps 5s, 1m and 1h"

api_expect 200 "/api/v1/series?type=goroutine&query=$sel&$rng&step=1h&group_by=instance"
got=$(jsql "SELECT json_extract(s.value, '$.labels.instance') || ' ' || json_extract(p.value, '\$[1]')
	FROM doc, json_each(json_extract(j, '$.series')) s, json_each(json_extract(s.value, '$.points')) p ORDER BY 1")
[[ $got == "$(printf '%s %s\n%s %s' "$ta" "$na" "$tb" "$nb" | sort)" ]] || pd_die "group_by=instance: $got"
pd_ok "group_by=instance: each instance its own count"

inrange=$(cat "$W/a" "$W/b" | awk -v f="$from_ns" -v t="$to_ns" '$1 >= f && $1 <= t { s += $2 } END { print s }')
api_expect 200 "/api/v1/series?type=goroutine&query=$sel&$rng&step=1h&aggregation=sum"
[[ $(values) == "$inrange" ]] || pd_die "aggregation=sum: $(values), want every snapshot added up: $inrange"
pd_ok "aggregation=sum adds the snapshots up ($inrange)"
pd_daemon_stop
pd_passed
