#!/usr/bin/env bash
# The read side of the API against a daemon scraping two real Go targets
# (deployments v1 and v2): the profile list, one stored profile, merge
# (equal to `pprofd merge` of the listed profiles), every format, gauges,
# series, labels and diff; `go tool pprof URL` opens merge, single profile
# and diff URLs. Series and merge agree: the points of a series (with and
# without group_by) add up to the merge total of the same range, each step
# bucket to the merge over its own range.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
. "$here/api_lib.sh"
: "${PPROFD:?}" "${PD_TARGET_BIN:?}" "${PD_WORK:?}"
pd_test_dir api_merge
pd_go_env

api_start_deployments 0.3 2m 2s "      cpu: {enabled: true, seconds: 1}
      heap: {enabled: true}
      goroutine: {enabled: true}"
# range_filled: each of the 2 targets has, before now - 3 s, at least 3 cpu
# profiles (several series buckets of each), 2 goroutine snapshots and a
# heap delta: what the checks below read from the range.
range_filled() {
	daemon_alive
	local to_ns=$((($(date +%s) - 3) * 1000000000)) n
	n=$(pd_db_query "SELECT count(*) FROM (SELECT s.labels AS l, count(*) AS n FROM profiles p
		JOIN series s ON s.id = p.series_id WHERE p.time_ns <= $to_ns GROUP BY s.id)
		WHERE (l LIKE '%type=\"cpu\"%' AND n >= 3) OR (l LIKE '%type=\"goroutine\"%' AND n >= 2)
		   OR (l LIKE '%type=\"heap\"%' AND n >= 1)") || return 1
	((n >= 6))
}
wait_for 30 "3 cpu, 2 goroutine and 1 heap profile of each target 3 s ago" range_filled

# A closed range: every profile in it is stored by now.
to=$(($(date +%s) - 3))
from=$((to - 60))
rng="from=$from&to=$to"
sel='%7Bjob%3D%22demo%22%7D' # {job="demo"}

# Scrape health: every target up, with URLs and next due times.
api_expect 200 /api/v1/targets
grep -q '"health":"up"' "$W/body" || pd_die "targets: $(head -c 300 "$W/body")"
grep -q '"url":"http://127.0.0.1:[0-9]*/debug/pprof/profile?seconds=' "$W/body" || pd_die "no cpu URL"
grep -q '"next_due":"20' "$W/body" || pd_die "no next_due"
api_expect 200 /metrics
# scrape_job, not job: Prometheus scraping pprofd would rename job/instance
grep -q '^pprofd_target_up{scrape_job="demo",scrape_instance="127.0.0.1:[0-9]*",profile="cpu"} 1$' "$W/body" ||
	pd_die "no pprofd_target_up: $(grep target_up "$W/body" | head -3)"
! grep -E '^pprofd_[a-z_]*\{(job|instance)=' "$W/body" || pd_die "metrics labelled job or instance (above)"
last=$(sed -n 's/^pprofd_target_last_success_timestamp_seconds{scrape_job="demo",[^}]*profile="cpu"} \([0-9.]*\)$/\1/p' "$W/body" | head -1)
[[ -n $last ]] && (($(date +%s) - ${last%.*} < 60)) || pd_die "last success of cpu: '$last': $(grep last_success "$W/body" | head -3)"
grep -q '^pprofd_scrape_duration_seconds_count [1-9]' "$W/body" || pd_die "no scrape histogram"
grep -q '^pprofd_profiles_stored_total [1-9]' "$W/body" || pd_die "no stored counter"
pd_ok "targets health and collector metrics"

api_expect 200 "/api/v1/profiles?type=cpu&query=$sel&$rng"
cp "$W/body" "$W/list.json"
ids=$(grep -o '"id":[0-9]*' "$W/list.json" | cut -d: -f2)
n=$(wc -w <<<"$ids")
((n >= 4)) || pd_die "only $n cpu profiles listed: $(head -c 400 "$W/list.json")"
for want in '"time":"20' '"time_unix_nano":' '"duration_ns":' '"labels":{' '"instance":' \
	'"deployment":"v1"' '"size":' '"sample_types":["samples/count","cpu/nanoseconds"]' \
	'"totals":{"samples":'; do
	grep -qF "$want" "$W/list.json" || pd_die "list lacks $want: $(head -c 400 "$W/list.json")"
done
times=$(grep -o '"time_unix_nano":[0-9]*' "$W/list.json" | cut -d: -f2)
[[ $times == "$(sort -rn <<<"$times")" ]] || pd_die "list not newest first: $times"
grep -qF '"truncated":false' "$W/list.json" || pd_die "an uncut list says truncated: $(tail -c 100 "$W/list.json")"
api_expect 200 "/api/v1/profiles?type=cpu&query=$sel&$rng&limit=2"
[[ $(grep -o '"id":[0-9]*' "$W/body" | cut -d: -f2) == "$(head -2 <<<"$ids")" ]] ||
	pd_die "limit=2 is not the newest two of $ids: $(head -c 300 "$W/body")"
grep -qF '"truncated":true' "$W/body" || pd_die "limit=2 of $n does not say truncated"
api_expect 200 "/api/v1/profiles?query=$sel&$rng"
for ty in cpu heap goroutine; do
	grep -qF "\"type\":\"$ty\"" "$W/body" || pd_die "the list without type lacks $ty: $(head -c 300 "$W/body")"
done
pd_ok "list: $n cpu profiles, newest first, with their metadata; limit keeps the newest and says truncated; no type lists all"

# Each listed profile, then pprofd merge of them (in time order, as the
# merge endpoint takes them: the list is newest first) = the merge endpoint.
files=()
for id in $(tac <<<"$ids"); do
	api_expect 200 "/api/v1/profiles/$id"
	mv "$W/body" "$W/p$id.pb.gz"
	files+=("$W/p$id.pb.gz")
done
hdr=$(curl -sS --noproxy '*' -D - -o /dev/null "$API/api/v1/profiles/$id")
grep -qi '^content-type: application/octet-stream' <<<"$hdr" || pd_die "content type: $hdr"
grep -qi '^content-disposition: attachment' <<<"$hdr" || pd_die "disposition: $hdr"
"$PPROFD" merge -o "$W/offline.pb.gz" "${files[@]}" || pd_die "pprofd merge"
api_expect 200 "/api/v1/merge?type=cpu&query=$sel&$rng"
mv "$W/body" "$W/api.pb.gz"
raw() { go tool pprof -raw -symbolize=none "$1" 2>"$W/pprof.err" || pd_die "pprof $1: $(cat "$W/pprof.err")"; }
raw "$W/api.pb.gz" >"$W/api.raw"
grep -q '^Samples:' "$W/api.raw" || pd_die "merged dump has no samples"
# the samples only: finished 5-minute buckets are read from rollups, which
# keep sums, not pprof's sample order
pd_same_samples "$W/offline.pb.gz" "$W/api.pb.gz" "merge endpoint differs from pprofd merge of the listed profiles"
pd_ok "merge of $n profiles equals pprofd merge ($(wc -l <"$W/api.raw") raw lines)"

# Concurrent queries (more than run on the pool at once) all answer.
pids=()
for i in 1 2 3 4 5 6; do
	curl -sS --noproxy '*' -o "$W/c$i.pb.gz" -w '%{http_code}' \
		"$API/api/v1/merge?type=cpu&query=$sel&$rng" >"$W/c$i.code" &
	pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3 4 5 6; do
	[[ $(cat "$W/c$i.code") == 200 ]] || pd_die "concurrent merge $i: $(cat "$W/c$i.code")"
	cmp -s "$W/c$i.pb.gz" "$W/api.pb.gz" || pd_die "concurrent merge $i differs"
done
pd_ok "6 concurrent merges, identical answers"

# go tool pprof opens the URLs directly.
top() { go tool pprof -top "$1" >"$W/top.txt" 2>"$W/top.err" || pd_die "go tool pprof -top $1: $(tail -3 "$W/top.err")"; }
top "$API/api/v1/merge?type=cpu&query=$sel&$rng"
grep -q 'flat%' "$W/top.txt" || pd_die "no top table"
top "$API/api/v1/profiles/$id"
d1='%7Bdeployment%3D%22v1%22%7D' d2='%7Bdeployment%3D%22v2%22%7D'
top "$API/api/v1/diff?type=cpu&base=$d1&target=$d2&$rng"
grep -q 'flat%' "$W/top.txt" || pd_die "no diff top table"
pd_ok "go tool pprof -top opens merge, profile and diff URLs"

# Every format of merge, and of diff.
for f in json folded top svg; do
	api_expect 200 "/api/v1/merge?type=cpu&query=$sel&$rng&format=$f"
	[[ -s "$W/body" ]] || pd_die "empty $f"
done
grep -q '<svg' "$W/body" || pd_die "not an svg"
api_expect 200 "/api/v1/merge?type=cpu&query=$sel&$rng&format=top&sample_type=samples&limit=3"
grep -q '"sample_type":"samples"' "$W/body" || pd_die "sample_type ignored: $(head -c 200 "$W/body")"
api_expect_error 400 "/api/v1/merge?type=cpu&query=$sel&$rng&format=top&sample_type=nope" sample_type
api_expect 200 "/api/v1/diff?type=cpu&base=$d1&target=$d2&$rng&format=top"
grep -q '"base_total"' "$W/body" || pd_die "diff top: $(head -c 200 "$W/body")"
api_expect 200 "/api/v1/diff?type=cpu&base=$d1&target=$d2&$rng&format=svg&normalize=false"
grep -q '<svg' "$W/body" || pd_die "diff svg"
api_expect 200 "/api/v1/diff?type=cpu&base=$d1&target=$d2&$rng"
raw "$W/body" | grep -q 'pprof::base' || pd_die "diff profile lacks pprof::base labels"
pd_ok "merge formats json, folded, top, svg; diff pprof, top, svg"

# Gauges: goroutine averaged per series (about one target's count each),
# aggregation=sum adds the snapshots up.
api_expect 200 "/api/v1/merge?type=goroutine&query=$sel&$rng&format=top"
avg=$(grep -o '"total":[0-9]*' "$W/body" | head -1 | cut -d: -f2)
api_expect 200 "/api/v1/merge?type=goroutine&query=$sel&$rng&format=top&aggregation=sum"
sum=$(grep -o '"total":[0-9]*' "$W/body" | head -1 | cut -d: -f2)
api_expect 200 "/api/v1/profiles?type=goroutine&query=$sel&$rng"
ng=$(grep -o '"id":' "$W/body" | wc -l)
((ng >= 4 && avg > 0 && sum >= avg * ng / 3)) || pd_die "goroutine avg $avg sum $sum over $ng"
api_expect 200 "/api/v1/merge?type=heap&query=$sel&$rng"
raw "$W/body" >/dev/null
pd_ok "goroutine averaged ($avg) vs summed ($sum) over $ng snapshots; heap merges"

# Series from the stored totals.
api_expect 200 "/api/v1/series?type=cpu&query=$sel&$rng&step=10s&group_by=deployment"
grep -q '"labels":{"deployment":"v1"}' "$W/body" || pd_die "series v1: $(head -c 300 "$W/body")"
grep -q '"labels":{"deployment":"v2"}' "$W/body" || pd_die "series v2"
grep -qE '"points":\[\[[0-9]+,[0-9]+\]' "$W/body" || pd_die "series points"
api_expect 200 "/api/v1/series?type=cpu&query=$sel&$rng&sample_type=samples"
[[ $(grep -o '"labels":{}' "$W/body" | wc -l) == 1 ]] || pd_die "one group without group_by"
pd_ok "series grouped by deployment and as one total"

# Series points add up to the merge total (cpu is a sum type: no averaging).
# top_total: TOTAL = the "total" of the top JSON in $W/body.
top_total() {
	TOTAL=$(grep -o '"total":-\?[0-9]*' "$W/body" | sed -n 1p | cut -d: -f2)
	[[ -n "$TOTAL" ]] || pd_die "no total in top: $(head -c 300 "$W/body")"
}
# series_sum: SUM = the sum of every point of every series in $W/body,
# NPTS = how many points.
series_sum() {
	local v
	SUM=0 NPTS=0
	grep -q '"series":\[' "$W/body" || pd_die "not a series answer: $(head -c 300 "$W/body")"
	while read -r v; do
		SUM=$((SUM + v))
		NPTS=$((NPTS + 1))
	done < <(grep -o '\[[0-9.]*,-\?[0-9]*\]' "$W/body" | sed 's/.*,\(-\?[0-9]*\)\]/\1/')
}
for st in "" samples cpu; do
	sq=${st:+&sample_type=$st}
	api_expect 200 "/api/v1/merge?type=cpu&query=$sel&$rng&format=top$sq"
	top_total
	mt=$TOTAL
	want_type=${st:-cpu}
	grep -q "\"sample_type\":\"$want_type\"" "$W/body" || pd_die "merge top sample type: $(head -c 200 "$W/body")"
	((mt > 0)) || pd_die "merge total $mt"
	api_expect 200 "/api/v1/series?type=cpu&query=$sel&$rng$sq"
	series_sum
	s1=$SUM n1=$NPTS
	api_expect 200 "/api/v1/series?type=cpu&query=$sel&$rng&step=7s&group_by=deployment$sq"
	series_sum
	s2=$SUM n2=$NPTS
	[[ $s1 == "$mt" ]] || pd_die "sample_type=${st:-default}: series sum $s1 ($n1 points) != merge total $mt"
	[[ $s2 == "$mt" ]] || pd_die "sample_type=${st:-default}: series by deployment sum $s2 ($n2 points) != merge total $mt"
	((n1 >= 2 && n2 >= 2)) || pd_die "too few points: $n1, $n2"
done
# The merged profile itself: the sum of the cpu column of go tool pprof -raw.
api_expect 200 "/api/v1/merge?type=cpu&query=$sel&$rng"
raw "$W/body" >"$W/m.raw"
rawsum=$(awk '/^Samples:/ {s = 1; getline; next} /^Locations/ {s = 0}
	s && $2 ~ /^-?[0-9]+:$/ {v = $2; sub(/:$/, "", v); t += v} END {printf "%.0f", t}' "$W/m.raw")
[[ $rawsum == "$mt" ]] || pd_die "go tool pprof -raw cpu sum $rawsum != merge top total $mt"
pd_ok "series points sum to the merge total: $mt ns cpu ($n1 points; $n2 by deployment), = pprof -raw"

# Each step bucket [t, t+step) = a merge over exactly that range (a target is
# scraped every 2 s, so its profiles fall in different 2 s buckets).
api_expect 200 "/api/v1/series?type=cpu&query=$sel&$rng&step=2s"
pts=$(grep -o '\[[0-9]*,[0-9]*\]' "$W/body" | tr -d '[]')
nb=0
for p in $pts; do
	bt=${p%,*} bv=${p#*,}
	(((bt - from) % 2 == 0 && bt >= from && bt <= to)) || pd_die "bucket time $bt not on the 2 s grid from $from"
	bend=$(date -u -d "@$((bt + 1))" +%Y-%m-%dT%H:%M:%S).999999999Z
	api_expect 200 "/api/v1/merge?type=cpu&query=$sel&from=$bt&to=$bend&format=top"
	top_total
	[[ $TOTAL == "$bv" ]] || pd_die "bucket $bt: series point $bv != merge over [$bt, $bend] $TOTAL"
	nb=$((nb + 1))
done
((nb >= 2)) || pd_die "only $nb buckets of 2 s: $(head -c 300 "$W/body")"
pd_ok "each of $nb series buckets of 2 s = the merge over its range"

# Snapshots (goroutine, heap inuse_space): the series sums the stored
# snapshots, as merge does with aggregation=sum.
for ty in goroutine heap; do
	api_expect 200 "/api/v1/merge?type=$ty&query=$sel&$rng&format=top&aggregation=sum"
	top_total
	mt=$TOTAL
	api_expect 200 "/api/v1/series?type=$ty&query=$sel&$rng&group_by=instance"
	series_sum
	s1=$SUM
	[[ $s1 == "$mt" ]] || pd_die "$ty: series sum $s1 != merge aggregation=sum total $mt"
	((mt > 0)) || pd_die "$ty total $mt"
done
pd_ok "goroutine and heap: series sums = merge aggregation=sum totals"

# Labels.
api_expect 200 "/api/v1/labels?$rng"
for l in deployment instance job type; do
	grep -q "\"$l\"" "$W/body" || pd_die "labels lack $l: $(cat "$W/body")"
done
api_expect 200 "/api/v1/labels/deployment/values?$rng"
[[ $(cat "$W/body") == '{"data":["v1","v2"]}' ]] || pd_die "values: $(cat "$W/body")"
api_expect 200 "/api/v1/labels/type/values?query=$d1&$rng"
[[ $(cat "$W/body") == '{"data":["cpu","goroutine","heap"]}' ]] || pd_die "types: $(cat "$W/body")"
pd_ok "label names and values"

api_expect 200 /metrics
grep -q '^pprofd_query_duration_seconds_count [1-9]' "$W/body" || pd_die "no query histogram"
pd_daemon_stop
grep -q 'msg="http server stopped"' "$W/pprofd.log" || pd_die "no server stopped line"
pd_ok "SIGTERM: exit 0"

# The same database behind a low limits.max_query_profiles: 422, not a merge.
api_start "limits:
  max_query_profiles: 2"
api_expect 422 "/api/v1/merge?type=cpu&query=$sel&$rng"
grep -q 'max_query_profiles' "$W/body" || pd_die "422 body: $(cat "$W/body")"
api_expect 422 "/api/v1/series?type=cpu&query=$sel&$rng"
first=$(grep -o '"time_unix_nano":[0-9]*' "$W/list.json" | sed -n '$p' | cut -d: -f2) # the oldest: the list is newest first
api_expect 200 "/api/v1/merge?type=cpu&query=$sel&from=$from&to=$((first / 1000000 + 1))"
pd_daemon_stop
pd_ok "422 past limits.max_query_profiles"
pd_passed
