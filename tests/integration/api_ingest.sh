#!/usr/bin/env bash
# POST /api/v1/ingest (push) with real Go profiles, the daemon scraping
# nothing (limits.max_profile_bytes 2MiB, external label region=eu):
#  - a cpu profile gzip-compressed as Go serves it, and a heap profile
#    gunzipped (raw protobuf): 200 {"id":N}; GET /api/v1/profiles/N gives
#    back a profile whose `go tool pprof -raw -symbolize=none` dump equals
#    the original's (pd_raw_same: samples in any order); time and duration stored as the profile says; the
#    series carries exactly job, the query-string labels, the external
#    label and type (a pushed label wins over the external one);
#  - malformed bodies (truncated gzip, random bytes, HTML, gzip of HTML,
#    a protobuf cut short, empty) → 400, and a gzip that inflates past
#    max_profile_bytes → 400/413; missing or invalid type/job, invalid or
#    empty or repeated labels → 400 naming the parameter; a body over
#    max_profile_bytes → 413 (sent, chunked or only announced), one over
#    the 1 MiB JSON cap but under it is read; GET → 405; none stores
#    anything;
#  - with server.auth_token_file: no token or a wrong one → 401, nothing
#    stored; the right one → 200;
#  - labels: a series of 64 labels (external one included) is stored, one
#    of 65 is refused with 400.
# Wall time: about 10 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
pd_test_dir api_ingest
pd_go_env

pd_target_start "$PD_TARGET_BIN" -load 0.3 -duration 1m || pd_die "target"
pd_fetch "http://$PD_TARGET_ADDR/debug/pprof/profile?seconds=1" "$W/cpu.pb.gz" || pd_die "fetch cpu"
pd_fetch "http://$PD_TARGET_ADDR/debug/pprof/heap" "$W/heap.pb.gz" || pd_die "fetch heap"
pd_targets_stop
gzip -t "$W/cpu.pb.gz" || pd_die "Go's cpu profile is not gzip"
gzip -dc "$W/heap.pb.gz" >"$W/heap.pb"
[[ $(head -c 2 "$W/heap.pb" | od -An -tx1 | tr -d ' ') != 1f8b ]] || pd_die "heap.pb still gzip"

CONFIG="limits:
  max_profile_bytes: 2MiB
global:
  external_labels: {region: eu}"
api_start "$CONFIG"

nprof() { pd_db_query "SELECT count(*) FROM profiles"; }
# push QUERY FILE [CURL_ARGS...]: POST FILE to /api/v1/ingest?QUERY.
push() {
	local q="$1" f="$2"
	shift 2
	api_send POST "/api/v1/ingest?$q" -H 'Content-Type: application/octet-stream' --data-binary "@$f" "$@"
}
# series_of ID: the label string of stored profile ID's series.
series_of() { pd_db_query "SELECT s.labels FROM profiles p JOIN series s ON s.id = p.series_id WHERE p.id = $1"; }

# --- good pushes --------------------------------------------------------------
push "type=cpu&job=batch&env=ci&run=42" "$W/cpu.pb.gz"
[[ $STATUS == 200 ]] || pd_die "push cpu: $STATUS: $(cat "$W/body")"
grep -qx '{"id":[1-9][0-9]*}' "$W/body" || pd_die "push cpu body: $(cat "$W/body")"
idc=$(jget '$.id')
api_expect 200 "/api/v1/profiles/$idc"
mv "$W/body" "$W/cpu.back.pb.gz"
pd_raw_same "$W/cpu.pb.gz" >"$W/cpu.raw"
pd_raw_same "$W/cpu.back.pb.gz" >"$W/cpu.back.raw"
grep -q '^Samples:' "$W/cpu.raw" && (($(grep -c '^S ' "$W/cpu.raw") > 1)) ||
	pd_die "the original cpu profile has no samples"
cmp -s "$W/cpu.raw" "$W/cpu.back.raw" || {
	diff "$W/cpu.raw" "$W/cpu.back.raw" | head -20 >&2
	pd_die "pushed cpu profile $idc differs from the original (go tool pprof -raw)"
}
[[ $(series_of "$idc") == '{env="ci",job="batch",region="eu",run="42",type="cpu"}' ]] ||
	pd_die "cpu series: $(series_of "$idc")"
# Time and duration as the profile says (pprof -raw: "Time: ... UTC", "Duration: 1.10").
read -r tns dns < <(pd_db_query "SELECT time_ns || ' ' || duration_ns FROM profiles WHERE id = $idc")
want_t=$(date -u -d "$(sed -n 's/^Time: \(.*\) +0000 UTC$/\1/p' "$W/cpu.raw")" +%s%N)
((tns == want_t)) || pd_die "stored time_ns $tns, profile says $want_t"
want_d=$(sed -n 's/^Duration: \([0-9.]*\).*/\1/p' "$W/cpu.raw")
awk -v d="$dns" -v w="$want_d" 'BEGIN {exit !(d / 1e9 >= w - 0.01 && d / 1e9 <= w + 0.01)}' ||
	pd_die "stored duration_ns $dns, profile says $want_d s"
pd_ok "gzip cpu profile pushed as $idc: same pprof -raw dump back, series $(series_of "$idc")"

push "type=heap&job=batch&region=us&host=build-7" "$W/heap.pb"
[[ $STATUS == 200 ]] || pd_die "push raw heap: $STATUS: $(cat "$W/body")"
idh=$(jget '$.id')
((idh > idc)) || pd_die "heap id $idh"
api_expect 200 "/api/v1/profiles/$idh"
mv "$W/body" "$W/heap.back.pb.gz"
pd_raw_same "$W/heap.pb.gz" >"$W/heap.raw"
pd_raw_same "$W/heap.back.pb.gz" >"$W/heap.back.raw"
cmp -s "$W/heap.raw" "$W/heap.back.raw" || {
	diff "$W/heap.raw" "$W/heap.back.raw" | head -20 >&2
	pd_die "pushed raw heap profile $idh differs from the original (go tool pprof -raw)"
}
[[ $(series_of "$idh") == '{host="build-7",job="batch",region="us",type="heap"}' ]] ||
	pd_die "heap series: $(series_of "$idh")"
api_expect 200 "/api/v1/profiles?type=heap&query=$(sel_url job=batch host=build-7)&from=now-1h"
[[ $(jlen '$.profiles') == 1 && $(jget '$.profiles[0].id') == "$idh" &&
	$(jget '$.profiles[0].labels') == '{"host":"build-7","job":"batch","region":"us","type":"heap"}' ]] ||
	pd_die "profiles list of the pushed heap: $(head -c 400 "$W/body")"
api_expect 200 "/api/v1/merge?type=cpu&query=$(sel_url job=batch)&from=now-1h"
mv "$W/body" "$W/merge.pb.gz"
pd_same_samples "$W/merge.pb.gz" "$W/cpu.pb.gz" "merge of the one pushed cpu profile differs from it"
[[ $(nprof) == 2 ]] || pd_die "$(nprof) profiles stored, want 2"
grep -q "msg=\"profile pushed\" id=$idh" "$W/pprofd.log" || pd_die "no 'profile pushed' log line"
pd_ok "raw heap profile pushed as $idh: same dump back; listed and merged with its labels"

# --- bad bodies: 400, nothing stored ---------------------------------------------
head -c $(($(stat -c %s "$W/cpu.pb.gz") / 2)) "$W/cpu.pb.gz" >"$W/trunc.gz"
head -c 4096 /dev/urandom >"$W/random.bin" # kept in $W to reproduce a failure
printf '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>not found</body></html>\n' >"$W/page.html"
gzip -c "$W/page.html" >"$W/page.html.gz"
head -c $(($(stat -c %s "$W/heap.pb") * 2 / 3)) "$W/heap.pb" >"$W/trunc.pb"
: >"$W/empty"
for f in trunc.gz random.bin page.html page.html.gz trunc.pb empty; do
	push "type=cpu&job=batch&bad=$f" "$W/$f"
	[[ $STATUS == 400 ]] || pd_die "push $f: status $STATUS, want 400: $(head -c 200 "$W/body")"
	grep -q '^{"error":"body: ' "$W/body" || pd_die "push $f: error does not name the body: $(cat "$W/body")"
done
# Inflates to 4 MiB, past max_profile_bytes (2 MiB): refused, never stored.
head -c $((4 << 20)) /dev/zero | gzip -c >"$W/bomb.gz"
push "type=cpu&job=batch" "$W/bomb.gz"
[[ $STATUS == 400 || $STATUS == 413 ]] || pd_die "gzip of 4 MiB: status $STATUS: $(head -c 200 "$W/body")"
[[ $(nprof) == 2 && $(db_profiles job=batch type=cpu) == 1 ]] || pd_die "a bad body was stored: $(nprof) profiles"
! pd_db_query "SELECT value FROM series_labels WHERE name = 'bad'" | grep -q . || pd_die "a series for a bad body"
daemon_alive
pd_ok "400 for truncated gzip, random bytes, HTML, gzipped HTML, cut protobuf, empty; $STATUS for a gzip bomb; nothing stored"

# --- bad parameters -----------------------------------------------------------------
bad_q() { # QUERY PARAM
	push "$1" "$W/cpu.pb.gz"
	[[ $STATUS == 400 ]] || pd_die "push ?$1: status $STATUS, want 400: $(head -c 200 "$W/body")"
	grep -qF "{\"error\":\"$2: " "$W/body" || pd_die "push ?$1: error does not name $2: $(cat "$W/body")"
}
bad_q "job=batch" type
bad_q "type=&job=batch" type
bad_q "type=c-p-u&job=batch" type # profile names are label names (CPU is one)
bad_q "type=cpu&job=batch&env=%FF" env # label values are UTF-8
bad_q "type=c%20p%20u&job=batch" type
bad_q "type=cpu" job
bad_q "type=cpu&job=" job
bad_q "type=cpu&job=batch&1x=a" 1x
bad_q "type=cpu&job=batch&a-b=a" a-b
bad_q "type=cpu&job=batch&__name__=a" __name__
bad_q "type=cpu&job=batch&env=" env
bad_q "type=cpu&job=batch&env" env
bad_q "type=cpu&job=batch&env=a&env=b" env
bad_q "type=cpu&job=a&job=b" job
api_send GET "/api/v1/ingest?type=cpu&job=batch"
[[ $STATUS == 405 ]] || pd_die "GET ingest: $STATUS"
[[ $(nprof) == 2 ]] || pd_die "a bad parameter stored a profile: $(nprof)"
pd_ok "400 naming type, job or the label for bad parameters; 405 for GET; nothing stored"

# --- size: max_profile_bytes (2 MiB here) is the body limit, not the 1 MiB
# cap of JSON bodies ------------------------------------------------------------------
head -c $((2560 * 1024)) /dev/urandom >"$W/big.bin"
push "type=cpu&job=batch" "$W/big.bin"
[[ $STATUS == 413 ]] || pd_die "2.5 MiB body: status $STATUS, want 413: $(head -c 200 "$W/body")"
grep -q '"error":"' "$W/body" || pd_die "413 body: $(cat "$W/body")"
push "type=cpu&job=batch" "$W/big.bin" -H 'Transfer-Encoding: chunked'
[[ $STATUS == 413 ]] || pd_die "2.5 MiB chunked body: status $STATUS, want 413"
api_send POST "/api/v1/ingest?type=cpu&job=batch" -H 'Content-Length: 2200000' -H 'Expect:' --data-binary @"$W/cpu.pb.gz"
[[ $STATUS == 413 || $STATUS == 000 ]] || pd_die "announced 2.2 MB: status $STATUS, want 413"
[[ $(nprof) == 2 ]] || pd_die "an oversized body stored a profile: $(nprof)"
# 1.5 MiB, over the JSON cap but under max_profile_bytes (inflating under
# it too): read and judged on its content, 400 invalid, not 413.
head -c $((1536 * 1024)) /dev/urandom | gzip -1 -c >"$W/mid.gz"
s=$(stat -c %s "$W/mid.gz")
((s > 1048576 && s < 2097152)) || pd_die "mid.gz is $s bytes"
push "type=cpu&job=batch" "$W/mid.gz"
[[ $STATUS == 400 ]] || pd_die "1.5 MiB body: status $STATUS, want 400 (read, then refused as invalid): $(head -c 200 "$W/body")"
[[ $(nprof) == 2 ]] || pd_die "stored: $(nprof)"
daemon_alive
pd_ok "413 for a 2.5 MiB body (sent whole, chunked or announced); a 1.5 MiB one is read (400 invalid)"
pd_daemon_stop

# --- auth ------------------------------------------------------------------------
echo "push-token-123" >"$W/token"
API_TOKEN_FILE="$W/token" api_start "$CONFIG"
push "type=cpu&job=authed" "$W/cpu.pb.gz"
[[ $STATUS == 401 ]] || pd_die "push without a token: $STATUS, want 401"
grep -qi '^WWW-Authenticate: Bearer' "$W/headers" || pd_die "401 without WWW-Authenticate"
push "type=cpu&job=authed" "$W/cpu.pb.gz" -H 'Authorization: Bearer push-token-124'
[[ $STATUS == 401 ]] || pd_die "push with a wrong token: $STATUS, want 401"
push "type=cpu&job=authed" "$W/big.bin"
[[ $STATUS == 401 || $STATUS == 413 ]] || pd_die "oversized push without a token: $STATUS"
[[ $(nprof) == 2 && $(db_profiles job=authed) == 0 ]] || pd_die "an unauthorized push was stored"
push "type=cpu&job=authed" "$W/cpu.pb.gz" -H 'Authorization: Bearer push-token-123'
[[ $STATUS == 200 ]] || pd_die "push with the token: $STATUS: $(cat "$W/body")"
ida=$(jget '$.id')
[[ $(series_of "$ida") == '{job="authed",region="eu",type="cpu"}' && $(nprof) == 3 ]] ||
	pd_die "authorized push: $(series_of "$ida"), $(nprof) profiles"
pd_ok "auth: 401 without or with a wrong token, nothing stored; 200 with it"

# --- too many labels ------------------------------------------------------------------
# A series holds at most 64 labels, type included. job + 61 labels + the
# external region + type = 64: stored.
q="type=heap&job=wide"
for ((i = 1; i <= 61; i++)); do q+="&l$i=v"; done
push "$q" "$W/heap.pb" -H 'Authorization: Bearer push-token-123'
[[ $STATUS == 200 ]] || pd_die "push with 64 labels in all: $STATUS: $(cat "$W/body")"
[[ $(pd_db_query "SELECT count(*) FROM series_labels WHERE series_id = (SELECT series_id FROM profiles WHERE id = $(jget '$.id'))") == 64 ]] ||
	pd_die "64-label series not stored whole"
n=$(nprof)
# The count includes the external labels and type: job + 62 labels +
# region=eu + type = 65 is refused with 400 before anything is queued (a
# bad item must never reach the writer).
q+="&l62=v"
push "$q" "$W/heap.pb" -H 'Authorization: Bearer push-token-123'
[[ $STATUS == 400 && $(nprof) == "$n" ]] && ! grep -q 'msg="store failed"' "$W/pprofd.log" ||
	pd_die "push with 65 labels in all (job + 62 + external region + type): status $STATUS, want 400: $(head -c 200 "$W/body"); $(grep -c 'msg="store failed"' "$W/pprofd.log") store failure(s) in the log"
pd_daemon_stop
pd_ok "64 labels stored; 65 (with the external label) refused with 400"
pd_passed
