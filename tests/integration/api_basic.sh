#!/usr/bin/env bash
# The HTTP API without targets: health and readiness, 404s, a 400 naming
# every bad parameter, 405, oversized headers, gzip, /metrics, the request
# log line, bearer auth on and off, and a clean SIGTERM.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
. "$here/api_lib.sh"
: "${PPROFD:?}" "${PD_WORK:?}"
pd_test_dir api_basic

api_start ""
api_expect 200 /-/healthy
[[ $(cat "$W/body") == ok ]] || pd_die "healthy body: $(cat "$W/body")"
api_expect 200 /-/ready
pd_ok "healthy and ready on $API"

api_expect 200 "/api/v1/profiles?type=cpu"
[[ $(cat "$W/body") == '{"profiles":[],"truncated":false}' ]] || pd_die "empty list: $(cat "$W/body")"
api_expect 200 "/api/v1/labels"
[[ $(cat "$W/body") == '{"data":[]}' ]] || pd_die "empty labels: $(cat "$W/body")"
pd_ok "empty database: empty list and labels"

api_expect 404 /nope
api_expect 404 /api/v1/nope
api_expect 404 /api/v1/profiles/12345
grep -q '"error"' "$W/body" || pd_die "404 is not a JSON error"
api_expect 404 "/api/v1/merge?type=cpu"
pd_ok "404 for unknown paths, profile ids and empty merges"

q='%7Bjob%3D%22a%22'                  # {job="a"   (unterminated)
api_expect_error 400 "/api/v1/profiles?type=cpu&query=$q" query
api_expect_error 400 "/api/v1/merge?type=cpu&query=$q" query
api_expect_error 400 "/api/v1/profiles?type=cpu&from=yesterday" from
api_expect_error 400 "/api/v1/profiles?type=cpu&to=2026-13-01T00:00:00Z" to
api_expect_error 400 "/api/v1/profiles?type=c%20p%20u" type
api_expect_error 400 "/api/v1/merge?query=%7B%7D" type
api_expect_error 400 "/api/v1/merge?type=cpu&format=png" format
api_expect_error 400 "/api/v1/series?type=cpu&step=fast" step
api_expect_error 400 "/api/v1/series?type=cpu&step=1ms" step
api_expect_error 400 "/api/v1/profiles?type=cpu&limit=-1" limit
api_expect_error 400 "/api/v1/merge?type=cpu&aggregation=max" aggregation
api_expect_error 400 "/api/v1/merge?type=cpu&sample_type=a/b" sample_type
api_expect_error 400 "/api/v1/series?type=cpu&group_by=job,1x" group_by
api_expect_error 400 "/api/v1/diff?type=cpu&target=%7B%7D" base
api_expect_error 400 "/api/v1/diff?type=cpu&base=%7B%7D&target=%7Bx" target
api_expect_error 400 "/api/v1/diff?type=cpu&base=%7B%7D&target=%7B%7D&normalize=maybe" normalize
api_expect_error 400 "/api/v1/diff?type=cpu&base=%7B%7D&target=%7B%7D&base_from=x" base_from
api_expect_error 400 "/api/v1/labels?from=now-1x" from
pd_ok "400 with a JSON error naming each bad parameter"

# Regexes that took glibc's regcomp minutes and gigabytes (the first, 35
# bytes, drove a daemon to 12.5 GB): each is a 400 naming the matcher or a
# correct answer, and the daemon's peak memory grows by less than 64 MiB.
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$PD_DAEMON_PID/status"; }
hwm0=$(hwm_kb)
bombs=(
	'%7Bx%3D~%22a%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%2B%C9%2B%7D%22%7D' # {x=~"a++...\xc9+}"}
	'%7Bx%3D~%22a%7B%2C1000%7D%7B%2C1000%7D%22%7D'                                                    # {x=~"a{,1000}{,1000}"}
	'%7Bx%3D~%60%5B%5C%5D%28%28a%7B1000%7D%29%7B1000%7D%29%7B1000%7D%60%7D'                           # {x=~`[\]((a{1000}){1000}){1000}`}
	'%7Bx%21~%22%28%28a%7B1000%7D%29%7B1000%7D%29%7B1000%7D%22%7D'                                    # {x!~"((a{1000}){1000}){1000}"}
	"%7Bx%3D~%22$(printf 'a%%2A%.0s' {1..150})%22%7D"                                                # {x=~"a*a*...a*"}
	"%7Bx%3D~%22$(printf '%%28%.0s' {1..112})a%2A$(printf '%%29%%2A%.0s' {1..112})%22%7D"            # {x=~"((..(a*)*..)*"}
	'%7Bx%3D~%60%5CpL%7B1000%7D%60%7D'                                                                # {x=~`\pL{1000}`}
)
for q in "${bombs[@]}"; do
	api_get "/api/v1/merge?type=cpu&query=$q"
	case $STATUS in
	400) grep -q '^{"error":"query: invalid regex for x at position 4: ' "$W/body" ||
		pd_die "regex bomb $q: 400 without naming the matcher: $(head -c 300 "$W/body")" ;;
	404) ;; # compiled, and matched no profile
	*) pd_die "regex bomb $q: status $STATUS: $(head -c 300 "$W/body")" ;;
	esac
done
api_expect 200 /-/healthy
hwm1=$(hwm_kb)
((hwm1 - hwm0 < 64 * 1024)) || pd_die "peak RSS grew from $hwm0 to $hwm1 KiB on regex bombs"
pd_ok "regex bombs: a 400 naming the matcher or an answer; peak RSS $hwm0 -> $hwm1 KiB"

# An error that quotes a long pattern of two-byte characters is cut in the
# middle of one: still a JSON 400 (it was a 500: JSON takes only UTF-8).
api_expect_error 400 "/api/v1/merge?type=cpu&query=%7Bx%3D~%22%28a$(printf '%%C3%%A9%.0s' {1..120})%22%7D" query
pd_ok "a 400 whose message cuts a character in two is still JSON"

api_expect 405 /api/v1/profiles -X POST -d x
api_expect 413 /api/v1/profiles -X POST -H 'Content-Length: 2000000000' -H 'Expect:'
pd_ok "405 for POST, 413 for a huge body"

seen=""
for kib in 20 64; do
	printf 'X-Big: %s\r\n' "$(head -c $((kib * 1024)) /dev/zero | tr '\0' a)" >"$W/hdr"
	api_get /-/healthy -H "@$W/hdr"
	[[ $STATUS == 431 || $STATUS == 000 ]] || pd_die "$kib KiB header: status $STATUS"
	seen+=" $kib KiB: $STATUS"
done
api_expect 200 /-/healthy -H "X-Ok: $(head -c 8000 /dev/zero | tr '\0' a)"
pd_ok "oversized headers refused ($seen), 8 KiB ones fine"

hdr=$(curl -sS --noproxy '*' -D - -o "$W/gz" -H 'Accept-Encoding: gzip' "$API/api/v1/labels")
grep -qi '^content-encoding: gzip' <<<"$hdr" || pd_die "no gzip: $hdr"
[[ $(gzip -dc "$W/gz") == '{"data":[]}' ]] || pd_die "gzip body"
pd_ok "gzip when asked"

# Keep-alive: two requests on one connection.
out=$(curl -sS --noproxy '*' -v "$API/-/healthy" "$API/-/ready" 2>&1)
grep -q 'Re-using existing connection' <<<"$out" || pd_die "no keep-alive"
pd_ok "HTTP/1.1 keep-alive"

api_expect 200 /metrics
grep -q '^pprofd_http_requests_total{code="400"} [1-9]' "$W/body" || pd_die "metrics: $(head "$W/body")"
grep -q '^pprofd_query_duration_seconds_count [1-9]' "$W/body" || pd_die "no query histogram"
grep -q 'msg="request" method=GET path=/api/v1/profiles status=200 bytes=[0-9]* duration_ms=[0-9]*' \
	"$W/pprofd.log" || pd_die "no request log line"
! grep -E 'msg="request" method=GET path=(/metrics|/-/healthy|/-/ready) ' "$W/pprofd.log" ||
	pd_die "health probes and /metrics are logged at info (above)"
grep -q '^pprofd_profiles_stored_total 0$' "$W/body" || pd_die "no collector metrics: $(head "$W/body")"
grep -q '^pprofd_database_bytes [1-9]' "$W/body" || pd_die "no database size metric"
api_expect 200 /api/v1/targets
[[ $(cat "$W/body") == '{"targets":[]}' ]] || pd_die "targets without a config: $(head -c 200 "$W/body")"
pd_ok "/metrics (API and collector), /api/v1/targets and the request log"

pd_daemon_stop
grep -q 'msg="http server stopped"' "$W/pprofd.log" || pd_die "no server stopped line"
pd_ok "SIGTERM: exit 0"

# Auth on: /api/ needs the token, the rest stays open.
echo "s3cret-token" >"$W/token"
API_TOKEN_FILE="$W/token" api_start ""
hdr=$(curl -sS --noproxy '*' -D - -o /dev/null "$API/api/v1/labels")
grep -q '^HTTP/1.1 401' <<<"$hdr" || pd_die "no 401: $hdr"
grep -qi '^WWW-Authenticate: Bearer' <<<"$hdr" || pd_die "no WWW-Authenticate: $hdr"
api_expect 401 /api/v1/labels -H 'Authorization: Bearer s3cret-tokeX'
api_expect 401 /api/v1/labels -H 'Authorization: Bearer s3cret-token-longer'
api_expect 401 /api/v1/labels -H 'Authorization: Basic czNjcmV0LXRva2Vu'
api_expect 200 /api/v1/labels -H 'Authorization: Bearer s3cret-token'
api_expect 200 /-/healthy
api_expect 200 /-/ready
api_expect 200 /metrics
# An upload without the token is answered 401 before its body: the client
# still finishes sending and reads it (the daemon drains, no reset).
out=$("$PD_TESTTOOL" upload "${API##*:}" /api/v1/ingest?type=cpu\&job=x $((2 << 20))) ||
	pd_die "an unauthorized upload still sending when the 401 came: $out"
[[ $out == "status=401 sent=2097152/2097152 error=none" ]] || pd_die "unauthorized upload: $out"
pd_ok "auth: 401 without or with a wrong token, 200 with it; health and metrics open; an upload reads its 401"

# SIGTERM while kept-alive clients keep asking (8 connections, each asking
# again as soon as an answer is in): requests that arrive while stopping
# get 503 and Connection: close, and the daemon exits 0 within 5 s. Before
# that, it aborted in MHD_stop_daemon with suspended connections (2 runs
# in 4) or waited for as long as the clients went on.
labels_ok() { grep -c 'path=/api/v1/labels status=200' "$W/pprofd.log" || true; }
n0=$(labels_ok)
under_load() { daemon_alive && (($(labels_ok) >= n0 + 100)); }
"$PD_TESTTOOL" hammer "${API##*:}" /api/v1/labels 8 20 'Authorization: Bearer s3cret-token' \
	>"$W/hammer.out" &
hammer=$!
wait_for 15 "the clients to get 100 answers (load to stop under)" under_load
pd_daemon_stop
kill "$hammer" 2>/dev/null || true
wait "$hammer" 2>/dev/null || true
grep -q 'msg="stopped"' "$W/pprofd.log" || pd_die "no stopped line: $(tail -3 "$W/pprofd.log")"
n=$(labels_ok)
((n >= 100)) || pd_die "the clients got only $n answers before the stop: no load to stop under"
pd_ok "SIGTERM under keep-alive load: exit 0 within 5 s"
pd_passed
