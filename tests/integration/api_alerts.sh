#!/usr/bin/env bash
# POST /api/v1/alerts (Alertmanager webhook, version 4) against real Go
# targets: A and B in job web, C in job db; default alerting (profiles cpu,
# goroutine, heap; match_labels instance, job); no scheduled cpu scrapes.
#  - one payload with six alerts: firing for A (instance+job), firing for B
#    (instance only), resolved for A, firing for an unknown instance,
#    firing without instance/job labels, firing for job db: exactly A, B
#    and C are captured, each once, with the right outcome per alert; the
#    stored profiles (cpu, goroutine, heap of each) carry trigger="alert"
#    and the alertname of the alert that selected that target, and
#    nothing else got those labels;
#  - the same payload again: every firing alert is a repeat, nothing new
#    is captured or stored; a new fingerprint for A is captured again;
#  - malformed JSON, wrong types, unsupported version, more than 1000
#    alerts: 400 naming the field, nothing captured or stored, and no
#    fingerprint remembered (a valid alert sent with an invalid one is
#    captured when sent alone afterwards); a body over 1 MiB: 413;
#  - alerts and manual captures share the budget: past it, outcome budget;
#  - after a restart with alerting {profiles: [goroutine], match_labels:
#    [service]}: the service label selects, instance/job no longer do.
# Wall time: about 30 s (two rounds of 10 s cpu captures).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
pd_test_dir api_alerts

pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target A"
ta=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target B"
tb=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target C"
tc=$PD_TARGET_ADDR

api_start "scrape_configs:
  - job_name: web
    scrape_interval: 5s
    static_configs:
      - targets: [\"$ta\", \"$tb\"]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: true}
      goroutine: {enabled: false}
  - job_name: db
    scrape_interval: 5s
    static_configs:
      - targets: [\"$tc\"]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: true}
      goroutine: {enabled: false}"

api_expect 200 /api/v1/targets
tid() {
	jsql "SELECT json_extract(value, '\$.id') FROM json_each(json_extract((SELECT j FROM doc), '\$.targets'))
		WHERE json_extract(value, '\$.address') = '$1'"
}
ida=$(tid "$ta") idb=$(tid "$tb") idc=$(tid "$tc")
[[ -n $ida && -n $idb && -n $idc ]] || pd_die "target ids: $(head -c 300 "$W/body")"

# alert STATUS FINGERPRINT LABELS_JSON: one alert as Alertmanager sends it.
alert() {
	local ends='0001-01-01T00:00:00Z'
	[[ $1 == resolved ]] && ends='2030-01-01T00:05:00Z'
	printf '{"status":"%s","labels":%s,"annotations":{"summary":"test"},"startsAt":"2030-01-01T00:00:00Z","endsAt":"%s","generatorURL":"http://prometheus/graph","fingerprint":"%s"}' \
		"$1" "$3" "$ends" "$2"
}
# payload ALERT...: the webhook body around them.
payload() {
	local IFS=,
	printf '{"version":"4","groupKey":"{}:{alertname=\\"x\\"}","truncatedAlerts":0,"status":"firing","receiver":"pprofd","groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","alerts":[%s]}' "$*"
}
alerts_of() { db_profiles trigger=alert; }
ncaptures() { grep -c 'msg="capture" ' "$W/pprofd.log" || true; }

P1=$(payload \
	"$(alert firing fpA "{\"alertname\":\"HighLatency\",\"instance\":\"$ta\",\"job\":\"web\",\"severity\":\"page\"}")" \
	"$(alert firing fpB "{\"alertname\":\"HighMemory\",\"instance\":\"$tb\"}")" \
	"$(alert resolved fpR "{\"alertname\":\"HighLatency\",\"instance\":\"$ta\",\"job\":\"web\"}")" \
	"$(alert firing fpU '{"alertname":"Ghost","instance":"10.9.9.9:9999","job":"web"}')" \
	"$(alert firing fpN '{"alertname":"NoTarget","severity":"page","env":"prod"}')" \
	"$(alert firing fpC '{"alertname":"DbDown","job":"db"}')")

# --- bad payloads first: nothing captured, no fingerprint remembered ----------
nbad=0
bad() {
	api_want_error 400 POST /api/v1/alerts "$1" "$2"
	nbad=$((nbad + 1))
}
good=$(alert firing fpA "{\"alertname\":\"HighLatency\",\"instance\":\"$ta\",\"job\":\"web\"}")
bad "${P1%?}" body
bad "[$good]" body
bad "${P1/\"version\":\"4\"/\"version\":\"3\"}" version
bad "${P1/\"version\":\"4\"/\"version\":4}" version
bad '{"version":"4","status":"firing"}' alerts
bad '{"version":"4","alerts":"none"}' alerts
bad '{"version":"4","alerts":{"0":{}}}' alerts
bad "{\"version\":\"4\",\"alerts\":[5]}" 'alerts[0]'
bad "$(payload "$good" '{"labels":{"alertname":"x","instance":"a:1"},"fingerprint":"z"}')" 'alerts[1].status'
bad "$(payload "$good" "$(alert pending fpP '{"alertname":"x","instance":"a:1"}')")" 'alerts[1].status'
bad "$(payload "$(alert FIRING fpP '{"alertname":"x","instance":"a:1"}')")" 'alerts[0].status'
bad "$(payload '{"status":1,"labels":{"alertname":"x"}}')" 'alerts[0].status'
bad "$(payload '{"status":"firing","fingerprint":"q"}')" 'alerts[0].labels'
bad "$(payload "$(alert firing fpL '"instance=a:1"')")" 'alerts[0].labels'
bad "$(payload "$(alert firing fpL '["a:1"]')")" 'alerts[0].labels'
bad "$(payload "$(alert firing fpL '{"alertname":"x","instance":5}')")" 'alerts[0].labels.instance'
bad "$(payload '{"status":"firing","labels":{"alertname":"x","instance":"a:1"},"fingerprint":42}')" 'alerts[0].fingerprint'
many=()
for ((i = 0; i < 1001; i++)); do many+=("{\"status\":\"resolved\",\"labels\":{},\"fingerprint\":\"m$i\"}"); done
bad "$(payload "${many[@]}")" alerts
[[ $(alerts_of) == 0 && $(ncaptures) == 0 ]] || pd_die "a refused payload captured: $(alerts_of) profiles"
# Over 1 MiB (JSON bodies are capped at 1 MiB): 413, whole or announced.
big=$(head -c $((1100 * 1024)) /dev/zero | tr '\0' a)
printf '%s' "$(payload "$(alert firing fpBig "{\"alertname\":\"Big\",\"instance\":\"$ta\",\"job\":\"web\",\"blob\":\"$big\"}")")" >"$W/big.json"
(($(stat -c %s "$W/big.json") > 1048576)) || pd_die "big payload too small"
api_send POST /api/v1/alerts -H 'Content-Type: application/json' --data-binary "@$W/big.json"
[[ $STATUS == 413 ]] || pd_die "1.1 MiB payload: status $STATUS, want 413: $(head -c 200 "$W/body")"
api_send POST /api/v1/alerts -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$W/big.json"
[[ $STATUS == 413 ]] || pd_die "1.1 MiB chunked payload: status $STATUS, want 413"
[[ $(alerts_of) == 0 && $(ncaptures) == 0 ]] || pd_die "a refused payload captured"
pd_ok "400 naming the field for $nbad bad payloads (version 3, wrong types, 1001 alerts); 413 over 1 MiB; nothing captured"

# A large batch (over 16 KiB: parsed on the thread pool, not the loop):
# 1000 resolved alerts and one firing for an unknown instance, all answered.
many=()
for ((i = 0; i < 999; i++)); do many+=("{\"status\":\"resolved\",\"labels\":{\"alertname\":\"r$i\"},\"fingerprint\":\"r$i\"}"); done
many+=("$(alert firing fpLarge '{"alertname":"Large","instance":"10.9.9.9:1"}')")
printf '%s' "$(payload "${many[@]}")" >"$W/large.json"
(($(stat -c %s "$W/large.json") > 16384)) || pd_die "large payload too small"
api_send POST /api/v1/alerts -H 'Content-Type: application/json' --data-binary "@$W/large.json"
[[ $STATUS == 200 ]] || pd_die "large batch: status $STATUS: $(head -c 300 "$W/body")"
[[ $(jget '$.alerts[998].outcome') == resolved && $(jget '$.alerts[999].outcome') == no_target ]] ||
	pd_die "large batch outcomes: $(jget '$.alerts[998].outcome') $(jget '$.alerts[999].outcome')"
[[ $(alerts_of) == 0 && $(ncaptures) == 0 ]] || pd_die "the large batch captured"
pd_ok "a 1000-alert batch parsed aside: every alert answered"

# --- the payload --------------------------------------------------------------
api_want 200 POST /api/v1/alerts "$P1"
cp "$W/body" "$W/r1.json"
outcomes=$(jsql "SELECT group_concat(json_extract(value, '\$.fingerprint') || '=' || json_extract(value, '\$.outcome')
	|| ':' || json_array_length(coalesce(json_extract(value, '\$.captures'), '[]')), ' ')
	FROM json_each(json_extract((SELECT j FROM doc), '\$.alerts'))")
[[ $outcomes == "fpA=captured:1 fpB=captured:1 fpR=resolved:0 fpU=no_target:0 fpN=no_target:0 fpC=captured:1" ]] ||
	pd_die "outcomes: $outcomes: $(head -c 800 "$W/body")"
[[ $(jget '$.alerts[0].alertname') == HighLatency && $(jget '$.alerts[2].status') == resolved &&
	$(jget '$.alerts[5].alertname') == DbDown ]] || pd_die "alert fields: $(head -c 600 "$W/body")"
capA=$(jget '$.alerts[0].captures[0]') capB=$(jget '$.alerts[1].captures[0]') capC=$(jget '$.alerts[5].captures[0]')
[[ $(jget '$.captures') == "[$capA,$capB,$capC]" ]] || pd_die "captures $(jget '$.captures'), want [$capA,$capB,$capC]"
[[ $(ncaptures) == 3 ]] || pd_die "$(ncaptures) captures started, want 3"
pd_ok "six alerts: A, B, C captured ($capA $capB $capC); resolved, unknown instance and no labels: nothing"

# Each capture is of the right target, with the alert's labels, and ends done.
check_capture() { # ID TARGET_ID ADDRESS JOB ALERTNAME
	api_get "/api/v1/captures/$1"
	[[ $STATUS == 200 && $(jget '$.target') == "$2" && $(jget '$.trigger') == alert && $(jget '$.alertname') == "$5" &&
		$(jget '$.labels') == "{\"instance\":\"$3\",\"job\":\"$4\"}" ]] || pd_die "capture $1: $(cat "$W/body")"
	[[ $(jsql "SELECT group_concat(json_extract(value, '\$.type'), ',') FROM json_each(json_extract((SELECT j FROM doc), '\$.profiles'))") == \
		cpu,goroutine,heap ]] || pd_die "capture $1 profiles: $(cat "$W/body")"
}
check_capture "$capA" "$ida" "$ta" web HighLatency
check_capture "$capB" "$idb" "$tb" web HighMemory
check_capture "$capC" "$idc" "$tc" db DbDown
done_or_die() {
	api_get "/api/v1/captures/$1"
	local st
	st=$(jget '$.state')
	[[ $st != failed ]] || pd_die "capture $1 failed: $(cat "$W/body")"
	[[ $st == "done" ]] || return 1
	[[ $(jlen '$.profile_ids') == 3 ]] || pd_die "capture $1 done without 3 profiles: $(cat "$W/body")"
}
# done_or_die1 ID: true once capture ID is done (any number of profiles).
done_or_die1() {
	api_get "/api/v1/captures/$1"
	[[ $(jget '$.state') != failed ]] || pd_die "capture $1 failed: $(cat "$W/body")"
	[[ $(jget '$.state') == "done" ]]
}
for c in "$capA" "$capB" "$capC"; do wait_for 30 "capture $c to be done" done_or_die "$c"; done
for want in "$ta web HighLatency" "$tb web HighMemory" "$tc db DbDown"; do
	read -r addr job name <<<"$want"
	got=$(pd_db_query "SELECT group_concat(labels, ' ') FROM (SELECT s.labels FROM profiles p JOIN series s ON s.id = p.series_id
		WHERE p.series_id IN ($(_series_sql trigger=alert instance="$addr")) ORDER BY s.labels)")
	exp="{alertname=\"$name\",instance=\"$addr\",job=\"$job\",trigger=\"alert\",type=\"cpu\"}"
	exp+=" {alertname=\"$name\",instance=\"$addr\",job=\"$job\",trigger=\"alert\",type=\"goroutine\"}"
	exp+=" {alertname=\"$name\",instance=\"$addr\",job=\"$job\",trigger=\"alert\",type=\"heap\"}"
	[[ $got == "$exp" ]] || pd_die "alert profiles of $addr:
$got
want:
$exp"
done
[[ $(alerts_of) == 9 ]] || pd_die "$(alerts_of) profiles with trigger=alert, want 9"
[[ $(db_profiles alertname=Ghost) == 0 && $(db_profiles alertname=NoTarget) == 0 ]] || pd_die "unmatched alerts stored"
api_expect 200 "/api/v1/profiles?type=cpu&query=$(sel_url trigger=alert alertname=HighLatency)&from=now-5m"
[[ $(jlen '$.profiles') == 1 && $(jget '$.profiles[0].labels.instance') == "$ta" ]] ||
	pd_die "profiles?query={trigger=alert,alertname=HighLatency}: $(head -c 300 "$W/body")"
pd_ok "9 profiles stored: cpu, goroutine, heap of A, B, C with trigger=\"alert\" and their alertname"

# --- the same payload again: repeats --------------------------------------------
api_want 200 POST /api/v1/alerts "$P1"
outcomes=$(jsql "SELECT group_concat(json_extract(value, '\$.fingerprint') || '=' || json_extract(value, '\$.outcome'), ' ')
	FROM json_each(json_extract((SELECT j FROM doc), '\$.alerts'))")
# The unmatched alerts may be reported as repeats or again as no_target:
# either way nothing is captured for them.
[[ $outcomes =~ ^fpA=repeat\ fpB=repeat\ fpR=resolved\ fpU=(repeat|no_target)\ fpN=(repeat|no_target)\ fpC=repeat$ ]] ||
	pd_die "second delivery outcomes: $outcomes"
[[ $(jget '$.captures') == '[]' ]] || pd_die "second delivery captured: $(jget '$.captures')"
# Nothing to wait for: a capture started anyway would show within 2 s.
sleep 2 # deliberate: a span in which nothing must happen, not a condition
[[ $(ncaptures) == 3 && $(alerts_of) == 9 ]] || pd_die "second delivery stored: $(ncaptures) captures, $(alerts_of) profiles"
pd_ok "same payload again: every firing alert a repeat, nothing captured or stored"

# A new fingerprint for A fires (A has budget left: 3 per 10m), and so does
# the valid alert that came with an invalid one earlier (never remembered).
P2=$(payload \
	"$(alert firing fpA2 "{\"alertname\":\"ErrorRate\",\"instance\":\"$ta\",\"job\":\"web\"}")" \
	"$(alert firing fpBig "{\"alertname\":\"Big\",\"instance\":\"$tb\",\"job\":\"web\"}")")
api_want 200 POST /api/v1/alerts "$P2"
outcomes=$(jsql "SELECT group_concat(json_extract(value, '\$.fingerprint') || '=' || json_extract(value, '\$.outcome'), ' ')
	FROM json_each(json_extract((SELECT j FROM doc), '\$.alerts'))")
[[ $outcomes == "fpA2=captured fpBig=captured" ]] || pd_die "new fingerprints: $outcomes"
capA2=$(jget '$.alerts[0].captures[0]') capB2=$(jget '$.alerts[1].captures[0]')
wait_for 30 "capture $capA2 to be done" done_or_die "$capA2"
wait_for 10 "capture $capB2 to be done" done_or_die "$capB2"
[[ $(db_profiles trigger=alert alertname=ErrorRate instance="$ta") == 3 && $(db_profiles trigger=alert alertname=Big instance="$tb") == 3 &&
	$(alerts_of) == 15 ]] || pd_die "after new fingerprints: $(alerts_of) alert profiles"
! grep -q 'level=warn msg="capture failed"' "$W/pprofd.log" || pd_die "a capture failed: $(grep 'capture failed' "$W/pprofd.log")"
pd_ok "new fingerprints for A and B: captured again (3 profiles each, 15 in all)"

# Alerts and manual captures share A's budget (3 per 10m): one manual
# capture spends A's last token, so a new alert for A is "budget".
api_want 202 POST /api/v1/capture "{\"query\":\"{instance=\\\"$ta\\\"}\",\"profiles\":[\"goroutine\"]}"
capM=$(jget '$.captures[0].id')
wait_for 10 "manual capture $capM" done_or_die1 "$capM"
api_want 200 POST /api/v1/alerts "$(payload "$(alert firing fpA3 "{\"alertname\":\"Saturation\",\"instance\":\"$ta\"}")")"
[[ $(jget '$.alerts[0].outcome') == budget && $(jget '$.captures') == '[]' && $(jget '$.alerts[0].captures') == '[]' &&
	$(jget '$.alerts[0].skipped[0].target') == "$ida" && $(jget '$.alerts[0].skipped[0].reason') == budget ]] ||
	pd_die "alert past A's budget: $(cat "$W/body")"
# Nothing to wait for: profiles captured anyway would be stored within 1 s.
sleep 1 # deliberate: a span in which nothing must happen, not a condition
[[ $(db_profiles alertname=Saturation) == 0 ]] || pd_die "an alert past the budget stored profiles"
pd_ok "A's budget spent (2 alerts + 1 manual capture): a new alert for A → outcome budget, nothing stored"
daemon_alive
pd_daemon_stop

# --- alerting.profiles and match_labels from the config -------------------------------
api_start "alerting:
  profiles: [goroutine]
  match_labels: [service]
scrape_configs:
  - job_name: web
    scrape_interval: 5s
    static_configs:
      - targets: [\"$ta\"]
        labels: {service: checkout}
      - targets: [\"$tb\"]
        labels: {service: search}
    profiles:
      cpu: {enabled: false}
      heap: {enabled: true}
      goroutine: {enabled: false}"
# instance and job are no match labels now: only service selects (B's).
api_want 200 POST /api/v1/alerts "$(payload \
	"$(alert firing fpS "{\"alertname\":\"SearchSlow\",\"service\":\"search\",\"instance\":\"$ta\",\"job\":\"web\"}")" \
	"$(alert firing fpI "{\"alertname\":\"ByInstance\",\"instance\":\"$ta\",\"job\":\"web\"}")")"
[[ $(jget '$.alerts[0].outcome') == captured && $(jlen '$.alerts[0].captures') == 1 &&
	$(jget '$.alerts[1].outcome') == no_target ]] || pd_die "match_labels [service]: $(cat "$W/body")"
capS=$(jget '$.alerts[0].captures[0]')
api_get "/api/v1/captures/$capS"
[[ $(jget '$.labels.instance') == "$tb" && $(jget '$.profiles[0].type') == goroutine && $(jlen '$.profiles') == 1 ]] ||
	pd_die "capture $capS: $(cat "$W/body")"
wait_for 10 "capture $capS" done_or_die1 "$capS"
[[ $(pd_db_query "SELECT s.labels FROM profiles p JOIN series s ON s.id = p.series_id WHERE p.id = $(jget '$.profile_ids[0]')") == \
	"{alertname=\"SearchSlow\",instance=\"$tb\",job=\"web\",service=\"search\",trigger=\"alert\",type=\"goroutine\"}" ]] ||
	pd_die "SearchSlow profile labels"
[[ $(db_profiles alertname=SearchSlow) == 1 && $(db_profiles alertname=ByInstance) == 0 ]] || pd_die "match_labels: wrong profiles stored"
pd_daemon_stop
pd_ok "alerting {profiles: [goroutine], match_labels: [service]}: the service label selects, instance alone does not"
pd_passed
