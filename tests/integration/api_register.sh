#!/usr/bin/env bash
# Targets registered over the API (POST/PUT/DELETE /api/v1/targets) against
# real Go targets:
#  - three registrations: A and B under the configured job `demo` (its 2 s
#    schedule, its cpu/heap/goroutine), C under a new job `other` with its
#    own profiles and interval; 201 bodies, the `targets` and
#    `target_labels` tables, GET /api/v1/targets (source api, configured
#    target source config with a "c<16 hex>" id), and profiles stored with
#    the labels job, instance, the given labels;
#  - 409 for the same job+instance (registered or configured), 400 naming
#    the field for every kind of bad input, with nothing added to the
#    database or the target list;
#  - PUT: job/address may not change, bad labels refused, 404/403 for
#    unknown/configured ids; B (the -variant v2 process) relabelled from
#    deployment v1 to v2: its later profiles carry deployment="v2" and the
#    v1-vs-v2 diff over the time after the update has main.hotPathV2Only on
#    the target side only;
#  - a restart on the same database: the registrations (with B's new label)
#    are back with the same ids and scraped again;
#  - DELETE: 200, then 404; the target leaves the list and is not scraped
#    any more; DELETE of a configured target is 403; a second restart shows
#    the deletion persisted;
#  - label limits: a target with 61 labels (64 in its series) is scraped
#    and can be captured; one with 62 is refused or stored.
# Wall time: about 40 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
pd_test_dir api_register

pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "configured target"
tc=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -load 0.2 -duration 2m -variant v1 || pd_die "target v1"
t1=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -load 0.3 -duration 2m -variant v2 || pd_die "target v2"
t2=$PD_TARGET_ADDR t2_pid=$PD_TARGET_PID

CONFIG="scrape_configs:
  - job_name: demo
    scrape_interval: 2s
    static_configs:
      - targets: [\"$tc\"]
    profiles:
      cpu: {enabled: true, seconds: 1}
      heap: {enabled: true}
      goroutine: {enabled: true}
  - job_name: timed
    scrape_interval: 20s
    scrape_timeout: 3s
    profiles:
      cpu: {enabled: false}
      heap: {enabled: true}"
api_start "$CONFIG"

ntargets() { pd_db_query "SELECT count(*) FROM targets"; }
nlabels() { pd_db_query "SELECT count(*) FROM target_labels"; }
# listed_ids: the ids in GET /api/v1/targets with their source, sorted.
listed_ids() {
	api_get /api/v1/targets
	[[ $STATUS == 200 ]] || pd_die "GET /api/v1/targets: $STATUS"
	jsql "SELECT json_extract(value, '\$.id') || ' ' || json_extract(value, '\$.source')
		FROM json_each(json_extract((SELECT j FROM doc), '\$.targets')) ORDER BY 1"
}

# --- registering ------------------------------------------------------------
api_want 201 POST /api/v1/targets "{\"job\":\"demo\",\"address\":\"$t1\",\"labels\":{\"deployment\":\"v1\"}}"
a=$(jget '$.id')
[[ $a =~ ^[1-9][0-9]*$ ]] || pd_die "A: id '$a' is not a positive integer string: $(cat "$W/body")"
jsql "SELECT json_type(j, '\$.id') FROM doc" | grep -qx text || pd_die "A: id is not a JSON string"
[[ $(jget '$.source') == api && $(jget '$.job') == demo && $(jget '$.address') == "$t1" &&
	$(jget '$.labels') == '{"deployment":"v1"}' ]] || pd_die "A: 201 body $(cat "$W/body")"
api_want 201 POST /api/v1/targets "{\"job\":\"demo\",\"address\":\"$t2\",\"labels\":{\"deployment\":\"v1\"}}"
b=$(jget '$.id')
api_want 201 POST /api/v1/targets "{\"job\":\"other\",\"address\":\"$t1\",\"labels\":{\"team\":\"infra\",\"env\":\"test\"},
	\"profiles\":[\"heap\",\"goroutine\"],\"scrape_interval\":\"2s\"}"
c=$(jget '$.id')
[[ $(jget '$.profiles') == '["heap","goroutine"]' && $(jget '$.scrape_interval') == 2s &&
	$(jget '$.job') == other ]] || pd_die "C: 201 body $(cat "$W/body")"
[[ $a != "$b" && $b != "$c" && $a != "$c" ]] || pd_die "ids not distinct: $a $b $c"
rows=$(pd_db_query "SELECT id, job, address, profiles, scrape_interval_ms FROM targets ORDER BY id")
want="$a|demo|$t1||0
$b|demo|$t2||0
$c|other|$t1|heap,goroutine|2000"
[[ $rows == "$want" ]] || pd_die "targets table:
$rows
want:
$want"
rows=$(pd_db_query "SELECT target_id, name, value FROM target_labels ORDER BY target_id, name")
want="$a|deployment|v1
$b|deployment|v1
$c|env|test
$c|team|infra"
[[ $rows == "$want" ]] || pd_die "target_labels table:
$rows
want:
$want"
grep -q "msg=\"target registered\" id=$c job=other address=$t1" "$W/pprofd.log" || pd_die "no 'target registered' log line"
pd_ok "201 for 3 registrations (ids $a $b $c), stored in targets and target_labels"

ids=$(listed_ids)
cid=$(grep ' config$' <<<"$ids" | cut -d' ' -f1)
[[ $cid =~ ^c[0-9a-f]{16}$ ]] || pd_die "configured target id '$cid': $ids"
[[ $ids == "$(printf '%s\n' "$a api" "$b api" "$c api" "$cid config" | sort)" ]] || pd_die "listed: $ids"
jsql "SELECT json_extract(value, '\$.labels') FROM json_each(json_extract((SELECT j FROM doc), '\$.targets'))
	WHERE json_extract(value, '\$.id') = '$c'" >"$W/clabels"
[[ $(cat "$W/clabels") == "{\"env\":\"test\",\"instance\":\"$t1\",\"job\":\"other\",\"team\":\"infra\"}" ]] ||
	pd_die "C's labels in the list: $(cat "$W/clabels")"
cprof=$(jsql "SELECT group_concat(key || '=' || json_extract(value, '\$.interval_ms'), ' ') FROM
	json_each((SELECT json_extract(value, '\$.profiles') FROM json_each(json_extract((SELECT j FROM doc), '\$.targets'))
	WHERE json_extract(value, '\$.id') = '$c'))")
[[ $cprof == "heap=2000 goroutine=2000" || $cprof == "goroutine=2000 heap=2000" ]] ||
	pd_die "C's profiles in the list: $cprof"
aprof=$(jsql "SELECT group_concat(key || '=' || json_extract(value, '\$.interval_ms'), ' ') FROM
	json_each((SELECT json_extract(value, '\$.profiles') FROM json_each(json_extract((SELECT j FROM doc), '\$.targets'))
	WHERE json_extract(value, '\$.id') = '$a'))")
[[ $(tr ' ' '\n' <<<"$aprof" | sort | tr '\n' ' ') == "cpu=2000 goroutine=2000 heap=2000 " ]] ||
	pd_die "A (job demo) does not take the job's profiles and interval: $aprof"
pd_ok "GET /api/v1/targets: $a $b $c source api, $cid source config; C has its own profiles, A the job's"

# --- duplicates and bad input: nothing added --------------------------------
api_want 409 POST /api/v1/targets "{\"job\":\"demo\",\"address\":\"$t1\"}"
[[ $(cat "$W/body") == "{\"error\":\"job demo already has instance $t1 (target $a)\"}" ]] || pd_die "409 body: $(cat "$W/body")"
api_want 409 POST /api/v1/targets "{\"job\":\"demo\",\"address\":\"$t2\",\"labels\":{\"deployment\":\"v9\"}}"
api_want 409 POST /api/v1/targets "{\"job\":\"other\",\"address\":\"$t1\",\"profiles\":[\"heap\"],\"scrape_interval\":\"9s\"}"
api_want 409 POST /api/v1/targets "{\"job\":\"demo\",\"address\":\"$tc\"}"
[[ $(cat "$W/body") == "{\"error\":\"job demo already has instance $tc (target $cid)\"}" ]] || pd_die "409 body: $(cat "$W/body")"
pd_ok "409 for a registered job+address (3 ways) and for the configured one"

nbad=0
bad() {
	api_want_error 400 POST /api/v1/targets "$1" "$2"
	nbad=$((nbad + 1))
}
ok_addr='"job":"demo","address":"127.0.0.1:1"'
bad '{"job":"demo","address":"127.0.0.1:1"' body
bad '[]' body
bad '"demo"' body
bad "{$ok_addr,\"labels\":{\"a\":\"x\"},\"labels\":{\"b\":\"y\"}}" body
bad '{"address":"127.0.0.1:1"}' job
bad '{"job":5,"address":"127.0.0.1:1"}' job
bad '{"job":"","address":"127.0.0.1:1"}' job
bad '{"job":["demo"],"address":"127.0.0.1:1"}' job
bad '{"job":"demo"}' address
bad '{"job":"demo","address":6060}' address
bad '{"job":"demo","address":"127.0.0.1"}' address
bad '{"job":"demo","address":"http://127.0.0.1:1"}' address
bad '{"job":"demo","address":"127.0.0.1:http"}' address
bad '{"job":"demo","address":"127.0.0.1:99999"}' address
bad '{"job":"demo","address":"127.0.0.1:0"}' address
bad '{"job":"demo","address":"::1:80"}' address
bad "{$ok_addr,\"labels\":\"env=x\"}" labels
bad "{$ok_addr,\"labels\":[\"env\"]}" labels
bad "{$ok_addr,\"labels\":{\"env\":1}}" labels.env
bad "{$ok_addr,\"labels\":{\"env\":null}}" labels.env
bad "{$ok_addr,\"labels\":{\"1bad\":\"x\"}}" labels.1bad
bad "{$ok_addr,\"labels\":{\"a-b\":\"x\"}}" labels.a-b
bad "{$ok_addr,\"labels\":{\"job\":\"x\"}}" labels.job
bad "{$ok_addr,\"labels\":{\"type\":\"cpu\"}}" labels.type
bad "{$ok_addr,\"labels\":{\"__address__\":\"x\"}}" labels.__address__
bad "{$ok_addr,\"labels\":{\"ok\":\"1\",\"env\":\"\"}}" labels.env
bad "{$ok_addr,\"profiles\":\"cpu\"}" profiles
bad "{$ok_addr,\"profiles\":[]}" profiles
bad "{$ok_addr,\"profiles\":[1]}" 'profiles[0]'
bad "{$ok_addr,\"profiles\":[\"cpu\",\"he-ap\"]}" 'profiles[1]'
bad "{$ok_addr,\"profiles\":[\"cpu\",\"Heap\"]}" profiles # a valid name the job has not
bad "{$ok_addr,\"profiles\":[\"nope\"]}" profiles
bad "{$ok_addr,\"scrape_interval\":\"fast\"}" scrape_interval
bad "{$ok_addr,\"scrape_interval\":5}" scrape_interval
bad "{$ok_addr,\"scrape_interval\":\"0s\"}" scrape_interval
bad "{$ok_addr,\"scrape_interval\":\"-5s\"}" scrape_interval
bad "{$ok_addr,\"scrape_interval\":\"1s\"}" scrape_interval # demo's cpu takes 1 s
# An unconfigured job's cpu seconds follow the interval (8 s at 10 s: see
# daemon_short_interval); under 2 s none fits, and cpu was asked for.
bad '{"job":"fresh","address":"127.0.0.1:1","scrape_interval":"1500ms","profiles":["cpu"]}' scrape_interval
# JSON bodies are capped at 1 MiB.
printf '{"job":"demo","address":"127.0.0.1:1","labels":{"big":"%s"}}' "$(head -c $((1100 * 1024)) /dev/zero | tr '\0' a)" >"$W/big.json"
api_send POST /api/v1/targets -H 'Content-Type: application/json' --data-binary "@$W/big.json"
[[ $STATUS == 413 ]] || pd_die "1.1 MiB registration: status $STATUS, want 413: $(head -c 200 "$W/body")"
[[ $(ntargets) == 3 && $(nlabels) == 4 ]] || pd_die "bad input changed the database: $(ntargets) targets, $(nlabels) labels"
[[ $(listed_ids) == "$ids" ]] || pd_die "bad input changed the target list: $(listed_ids)"
api_send GET /api/v1/targets
! grep -q '127.0.0.1:1"' "$W/body" || pd_die "a refused target is listed"
pd_ok "400 naming the field for $nbad bad registrations, 413 over 1 MiB; database and target list unchanged"

# --- scraped with the right labels -------------------------------------------
scraped() { (($(db_profiles "$@") >= 1)); }
wait_for 15 "A's cpu profile" scraped job=demo instance="$t1" deployment=v1 type=cpu
wait_for 15 "B's cpu profile" scraped job=demo instance="$t2" deployment=v1 type=cpu
wait_for 15 "C's heap profile" scraped job=other instance="$t1" team=infra env=test type=heap
wait_for 15 "C's goroutine profile" scraped job=other instance="$t1" team=infra env=test type=goroutine
[[ $(db_profiles job=other type=cpu) == 0 ]] || pd_die "C has cpu profiles, but profiles: [heap, goroutine]"
got=$(pd_db_query "SELECT labels FROM series WHERE id IN ($(_series_sql job=other type=heap))")
[[ $got == "{env=\"test\",instance=\"$t1\",job=\"other\",team=\"infra\",type=\"heap\"}" ]] ||
	pd_die "C's heap series labels: $got"
pd_ok "A, B and C scraped; C's series carries exactly env, instance, job, team, type"

# --- PUT ----------------------------------------------------------------------
api_want_error 400 PUT "/api/v1/targets/$b" '{"job":"other"}' job
api_want_error 400 PUT "/api/v1/targets/$b" '{"address":"127.0.0.1:2"}' address
api_want_error 400 PUT "/api/v1/targets/$b" '{"labels":{"job":"x"}}' labels.job
api_want_error 400 PUT "/api/v1/targets/$b" '{"labels":{"deployment":""}}' labels.deployment
api_want_error 400 PUT "/api/v1/targets/$b" '{"scrape_interval":"1s"}' scrape_interval
api_want_error 400 PUT "/api/v1/targets/$b" '{"profiles":["nope"]}' profiles
api_want_error 400 PUT "/api/v1/targets/$b" '{"labels":' body
api_want 404 PUT /api/v1/targets/999999 '{"labels":{"deployment":"v2"}}'
api_want 404 PUT /api/v1/targets/x1 '{"labels":{"deployment":"v2"}}'
api_want 403 PUT "/api/v1/targets/$cid" '{"labels":{"deployment":"v2"}}'
[[ $(pd_db_query "SELECT value FROM target_labels WHERE target_id=$b AND name='deployment'") == v1 ]] ||
	pd_die "a refused PUT changed B's labels"
pd_ok "PUT: 400 for job/address changes and bad fields, 404 unknown, 403 configured; nothing changed"

# Before the update, no v2 profile exists: the diff has no target side.
api_get "/api/v1/diff?type=cpu&base=$(sel_url deployment=v1)&target=$(sel_url deployment=v2)&from=now-5m&format=top"
[[ $STATUS == 404 ]] || pd_die "diff before any deployment=v2 profile: status $STATUS, want 404: $(head -c 300 "$W/body")"
# B (the v2 process) runs hotPathV2Only, stored as deployment=v1 for now.
b_has_v2() {
	api_get "/api/v1/merge?type=cpu&query=$(sel_url deployment=v1 instance="$t2")&from=now-5m&format=top&limit=1000"
	[[ $STATUS == 200 ]] && grep -q '"function":"main.hotPathV2Only"' "$W/body"
}
wait_for 20 "hotPathV2Only in B's cpu profiles" b_has_v2
put_ns=$(now_ns)
put_s=$((put_ns / 1000000000))
api_want 200 PUT "/api/v1/targets/$b" "{\"job\":\"demo\",\"address\":\"$t2\",\"labels\":{\"deployment\":\"v2\"}}"
[[ $(jget '$.id') == "$b" && $(jget '$.source') == api && $(jget '$.labels') == '{"deployment":"v2"}' &&
	$(jget '$.address') == "$t2" ]] || pd_die "PUT body: $(cat "$W/body")"
[[ $(pd_db_query "SELECT name || '=' || value FROM target_labels WHERE target_id=$b") == deployment=v2 ]] ||
	pd_die "PUT not in target_labels"
[[ $(pd_db_query "SELECT updated_ns > created_ns FROM targets WHERE id=$b") == 1 ]] || pd_die "updated_ns not moved"
grep -q "msg=\"target updated\" id=$b" "$W/pprofd.log" || pd_die "no 'target updated' log line"
# Three cpu and heap profiles of B with deployment=v2, all after the update.
v2_scraped() { (($(db_profiles job=demo instance="$t2" deployment=v2 type=cpu) >= 3 &&
	$(db_profiles job=demo instance="$t2" deployment=v2 type=heap) >= 2)); }
wait_for 20 "3 cpu profiles of B labelled deployment=v2" v2_scraped
# (A profile's time is the start of its window: heap's delta window may
# start before the update, but none may end before it.)
[[ $(pd_db_query "SELECT count(*) FROM profiles WHERE series_id IN ($(_series_sql deployment=v2)) AND time_ns + duration_ns < $put_ns") == 0 ]] ||
	pd_die "deployment=v2 profiles that ended before the update"
[[ $(db_profiles -after $((put_ns + 1500000000)) instance="$t2" deployment=v1) == 0 ]] ||
	pd_die "B still stored as deployment=v1 well after the update"
api_expect 200 "/api/v1/profiles?type=heap&query=$(sel_url deployment=v2)&from=now-5m"
n=$(jlen '$.profiles')
((n >= 2)) || pd_die "profiles?query={deployment=\"v2\"}: $n: $(head -c 300 "$W/body")"
[[ $(jsql "SELECT DISTINCT json_extract(value, '\$.labels') FROM json_each(json_extract((SELECT j FROM doc), '\$.profiles'))") == \
	"{\"deployment\":\"v2\",\"instance\":\"$t2\",\"job\":\"demo\",\"type\":\"heap\"}" ]] ||
	pd_die "heap profiles of deployment=v2: $(head -c 400 "$W/body")"
pd_ok "PUT deployment=v2 → 200; $n later heap profiles of B carry it, none before"

# The deployment diff over the time since the update: v1 = A, v2 = B (the
# -variant v2 process), so hotPathV2Only is on the target side only.
from=$((put_s + 1))
# hv2_diff: the diff since the update; true once hotPathV2Only has target
# samples, and dies if it ever shows up on the base side.
hv2_diff() {
	api_expect 200 "/api/v1/diff?type=cpu&base=$(sel_url deployment=v1)&target=$(sel_url deployment=v2)&from=$from&format=top&limit=1000"
	bt=$(jget '$.base_total') tt=$(jget '$.target_total')
	((bt > 0 && tt > 0)) || pd_die "diff totals base $bt target $tt: $(head -c 300 "$W/body")"
	row=$(jsql "SELECT json_extract(value, '\$.base_cum') || ' ' || json_extract(value, '\$.target_cum')
		FROM json_each(json_extract((SELECT j FROM doc), '\$.rows')) WHERE json_extract(value, '\$.function') = 'main.hotPathV2Only'")
	[[ -n $row ]] || return 1
	read -r bcum tcum <<<"$row"
	[[ $bcum == 0 ]] || pd_die "hotPathV2Only in the v1 base since the update: base_cum $bcum"
	((tcum > 0))
}
# B's hot path runs about 0.09 cores, about 8 samples per 1 s profile on an idle
# machine and fewer when the suite shares the cores; on a timeout, say what
# the diff and the database held so a starved target and a lost profile tell
# themselves apart.
hv2_wait=45
wait_for -r "$hv2_wait" "main.hotPathV2Only on the target side of the diff" hv2_diff ||
	pd_die "no main.hotPathV2Only on the target side of the diff after ${hv2_wait} s: \
$(db_profiles -after $((from * 1000000000)) instance="$t2" deployment=v2 type=cpu) cpu profiles of B since $from, \
B (pid $t2_pid) $(kill -0 "$t2_pid" 2>/dev/null && echo alive || echo gone), \
totals base $bt target $tt; first rows: $(jsql "SELECT group_concat(json_extract(value, '\$.function') || ' ' ||
	json_extract(value, '\$.target_cum'), ', ') FROM (SELECT value FROM json_each(json_extract((SELECT j FROM doc), '\$.rows')) LIMIT 8)")"
# The same diff, but with B still in the base (from before the update):
# hotPathV2Only shows up on the base side too.
api_expect 200 "/api/v1/diff?type=cpu&base=$(sel_url deployment=v1)&target=$(sel_url deployment=v2)&from=now-5m&format=top&limit=1000"
row=$(jsql "SELECT json_extract(value, '\$.base_cum') FROM json_each(json_extract((SELECT j FROM doc), '\$.rows'))
	WHERE json_extract(value, '\$.function') = 'main.hotPathV2Only'")
((row > 0)) || pd_die "base side before the update lacks B's hotPathV2Only: base_cum '$row'"
pd_ok "diff v1 vs v2 since the update: hotPathV2Only only in the target (cum $tcum), in the base before it"

# A PUT of one field leaves the others alone.
api_want 200 PUT "/api/v1/targets/$b" '{"scrape_interval":"3s"}'
[[ $(jget '$.labels') == '{"deployment":"v2"}' && $(jget '$.scrape_interval') == 3s ]] || pd_die "PUT interval: $(cat "$W/body")"
[[ $(pd_db_query "SELECT scrape_interval_ms FROM targets WHERE id=$b") == 3000 &&
	$(pd_db_query "SELECT name || '=' || value FROM target_labels WHERE target_id=$b") == deployment=v2 ]] ||
	pd_die "PUT interval in the database: $(pd_db_query "SELECT * FROM targets WHERE id=$b")"
api_get /api/v1/targets
bint=$(jsql "SELECT json_extract(value, '\$.profiles.heap.interval_ms') FROM json_each(json_extract((SELECT j FROM doc), '\$.targets'))
	WHERE json_extract(value, '\$.id') = '$b'")
[[ $bint == 3000 ]] || pd_die "B's heap interval after PUT: $bint"
pd_ok "PUT {scrape_interval} alone: interval 3 s, labels kept"

# --- restart: registrations come back ------------------------------------------
pd_daemon_stop
restart_ns=$(now_ns)
old_api=$API
api_start "$CONFIG"
grep -q 'msg="registered targets loaded" targets=3 left_out=0' "$W/pprofd.log" ||
	pd_die "no 'registered targets loaded targets=3': $(grep -i regist "$W/pprofd.log" | head -3)"
[[ $(listed_ids) == "$ids" ]] || pd_die "after restart (API $old_api -> $API), listed: $(listed_ids)"
api_get /api/v1/targets
blabels=$(jsql "SELECT json_extract(value, '\$.labels') FROM json_each(json_extract((SELECT j FROM doc), '\$.targets'))
	WHERE json_extract(value, '\$.id') = '$b'")
[[ $blabels == "{\"deployment\":\"v2\",\"instance\":\"$t2\",\"job\":\"demo\"}" ]] || pd_die "B after restart: $blabels"
wait_for 15 "A scraped after the restart" scraped -after "$restart_ns" job=demo instance="$t1" deployment=v1 type=heap
wait_for 15 "B scraped after the restart" scraped -after "$restart_ns" job=demo instance="$t2" deployment=v2 type=heap
wait_for 15 "C scraped after the restart" scraped -after "$restart_ns" job=other instance="$t1" team=infra type=goroutine
api_want 409 POST /api/v1/targets "{\"job\":\"other\",\"address\":\"$t1\"}"
pd_ok "restart: $a $b $c listed again (B with deployment=v2), scraped again, still 409 on a duplicate"

# --- DELETE --------------------------------------------------------------------
api_want 403 DELETE "/api/v1/targets/$cid" ''
grep -q '"error":"' "$W/body" || pd_die "403 body: $(cat "$W/body")"
api_want 404 DELETE /api/v1/targets/424242 ''
api_want 404 DELETE /api/v1/targets/abc ''
api_want 200 DELETE "/api/v1/targets/$c" ''
[[ $(cat "$W/body") == "{\"id\":\"$c\",\"deleted\":true}" ]] || pd_die "DELETE body: $(cat "$W/body")"
del_ns=$(now_ns)
api_want 404 DELETE "/api/v1/targets/$c" ''
api_want 404 PUT "/api/v1/targets/$c" '{"labels":{"a":"b"}}'
[[ $(pd_db_query "SELECT count(*) FROM targets WHERE id=$c") == 0 &&
	$(pd_db_query "SELECT count(*) FROM target_labels WHERE target_id=$c") == 0 ]] || pd_die "C still in the database"
[[ $(ntargets) == 2 ]] || pd_die "$(ntargets) targets left, want 2"
[[ $(listed_ids) == "$(printf '%s\n' "$a api" "$b api" "$cid config" | sort)" ]] || pd_die "listed after DELETE: $(listed_ids)"
# C scrapes every 2 s: nothing new for 3 intervals (a scrape in flight at the
# DELETE may still land just after it: 1 s of slack).
sleep 6 # deliberate: a span in which nothing must happen, not a condition
daemon_alive
[[ $(db_profiles -after $((del_ns + 1000000000)) job=other) == 0 ]] || pd_die "C still scraped after DELETE"
(($(db_profiles -after $((del_ns + 1000000000)) job=demo instance="$t1") >= 2)) || pd_die "A stopped being scraped too"
pd_ok "DELETE: 200 {id, deleted}, then 404; 403 for the configured target; C gone and not scraped for 6 s"

pd_daemon_stop
api_start "$CONFIG"
grep -q 'msg="registered targets loaded" targets=2 left_out=0' "$W/pprofd.log" || pd_die "second restart: $(grep -i regist "$W/pprofd.log" | head -3)"
[[ $(listed_ids) == "$(printf '%s\n' "$a api" "$b api" "$cid config" | sort)" ]] || pd_die "listed after 2nd restart: $(listed_ids)"
# The next registration gets a new id: C's is never reused.
api_want 201 POST /api/v1/targets "{\"job\":\"other\",\"address\":\"$t1\",\"profiles\":[\"heap\"],\"scrape_interval\":\"2s\"}"
d=$(jget '$.id')
((d > c)) || pd_die "new id $d reuses or precedes deleted $c"
pd_ok "second restart: the deletion persisted; a new registration gets id $d > $c"

# --- label count: what is accepted must be storable ------------------------------
# A stored series holds at most 64 labels (PD_STORE_MAX_LABELS), type
# included; a registered target's series adds job and instance to its
# labels, a capture of it trigger and reason (or alertname). So a
# registration may carry 59 labels of its own: 59 + job + instance + type +
# trigger + reason = 64, and everything it is accepted for is storable.
wide_labels() { # N: a JSON object of N labels
	local i l=""
	for ((i = 1; i <= $1; i++)); do l+="${l:+,}\"l$i\":\"v\""; done
	echo "{$l}"
}
api_want 201 POST /api/v1/targets "{\"job\":\"wide\",\"address\":\"$t2\",\"labels\":$(wide_labels 59),\"profiles\":[\"heap\"],\"scrape_interval\":\"2s\"}"
[[ $(jget '$.id') =~ ^[0-9]+$ ]] || pd_die "59 labels: $(head -c 200 "$W/body")"
wait_for 15 "a heap profile of the 59-label target" scraped job=wide l59=v type=heap
api_json POST /api/v1/capture '{"query":"{job=\"wide\"}","profiles":["heap"],"reason":"r"}'
[[ $STATUS == 202 ]] || pd_die "capture of the 59-label target: status $STATUS: $(head -c 300 "$W/body")"
wcap=$(jget '$.captures[0].id')
cap_over() {
	api_get "/api/v1/captures/$wcap"
	[[ $(jget '$.state') == "done" || $(jget '$.state') == failed ]]
}
wait_for 15 "capture $wcap of the 59-label target to end" cap_over
[[ $(jget '$.state') == "done" ]] ||
	pd_die "capture of the 59-label target: $(jget '$.state'): $(jget '$.profiles[0].error')"
pd_ok "59 labels: registered, scraped and captured"
# One more is refused up front, naming labels, and costs nobody else.
sf0=$(grep -c 'msg="store failed"' "$W/pprofd.log" || true)
api_json POST /api/v1/targets "{\"job\":\"wide\",\"address\":\"$t1\",\"labels\":$(wide_labels 60),\"profiles\":[\"heap\"],\"scrape_interval\":\"2s\"}"
[[ $STATUS == 400 ]] || pd_die "60 labels: status $STATUS, want 400: $(head -c 300 "$W/body")"
grep -q '^{"error":"labels: ' "$W/body" || pd_die "60 labels: 400 does not name labels: $(cat "$W/body")"
# A registration taken anyway would be scraped every 2 s and fail to store.
sleep 3 # deliberate: a span in which nothing must happen, not a condition
sf=$(grep -c 'msg="store failed"' "$W/pprofd.log" || true)
((sf == sf0)) || pd_die "store failures after the refused registration: $(grep 'msg="store failed"' "$W/pprofd.log" | tail -1)"
pd_ok "60 labels: 400, nothing lost"

# --- scrape timeout ----------------------------------------------------------------
# A registration with its own interval keeps its job's explicit timeout
# (timed: 3 s), capped by its interval; where the job's timeout is derived,
# it is derived again from the registration's interval and profiles.
timeout_of() { # ID: scrape_timeout_ms of that target in GET /api/v1/targets
	api_get /api/v1/targets
	jsql "SELECT json_extract(value, '\$.scrape_timeout_ms') FROM json_each(json_extract((SELECT j FROM doc), '\$.targets'))
		WHERE json_extract(value, '\$.id') = '$1'"
}
api_want 201 POST /api/v1/targets "{\"job\":\"timed\",\"address\":\"$t2\",\"profiles\":[\"heap\"],\"scrape_interval\":\"8s\"}"
e=$(jget '$.id')
api_want 201 POST /api/v1/targets "{\"job\":\"timed\",\"address\":\"$t1\",\"profiles\":[\"heap\"],\"scrape_interval\":\"2s\"}"
f=$(jget '$.id')
[[ $(timeout_of "$e") == 3000 && $(timeout_of "$f") == 2000 && $(timeout_of "$d") == 2000 &&
	$(timeout_of "$a") == 2000 ]] ||
	pd_die "scrape_timeout_ms: timed/8s $(timeout_of "$e") (want 3000), timed/2s $(timeout_of "$f") (want 2000), other/2s $(timeout_of "$d"), demo $(timeout_of "$a") (want 2000)"
# A profile the job leaves off fits in the timeout it keeps: cpu's seconds,
# not written, follow it (2 s in 3 s; a fixed 10 s used to be refused).
n0=$(ntargets)
api_want 201 POST /api/v1/targets "{\"job\":\"timed\",\"address\":\"$tc\",\"profiles\":[\"cpu\"]}"
g=$(jget '$.id')
api_get /api/v1/targets
[[ $(jsql "SELECT json_extract(t.value, '\$.profiles.cpu.url') FROM doc, json_each(json_extract(j, '\$.targets')) t
	WHERE json_extract(t.value, '\$.id') = '$g'") == "http://$tc/debug/pprof/profile?seconds=2" ]] ||
	pd_die "cpu of a registration under timed's 3 s timeout: $(head -c 500 "$W/body")"
api_want 200 DELETE "/api/v1/targets/$g" ''
[[ $(ntargets) == "$n0" ]] || pd_die "the deleted registration is still stored"
pd_ok "scrape timeout: a job's explicit 3 s kept under an 8 s registered interval, capped at 2 s under a 2 s one; cpu's seconds fit in it (2 s)"
daemon_alive
pd_daemon_stop
pd_passed
