#!/usr/bin/env bash
# POST /api/v1/capture and GET /api/v1/captures/{id} against real Go
# targets (job cap: one target, cpu 3 s every 5 s; job side: another one;
# job dup: the same process as cap's, goroutine only),
# with limits.capture_budget {count: 2, per: 20s} (a token every 10 s):
#  - 400 naming the field for bad bodies, 404 when nothing matches, 404 for
#    unknown capture ids; none of them spends a token;
#  - a cpu capture (seconds 2) posted while a scheduled cpu scrape of the
#    same target is in flight: pending at first, then done; the cpu
#    profiles of that target (scheduled and captured) never overlap in
#    time, the captured one starts after the scheduled one it waited for
#    and lasts 2 s, and the log has no reason=cpu_in_use;
#  - a manual capture with a reason: done, its profiles exist and their
#    series are exactly the target's labels + trigger="manual",
#    reason=<reason>, type;
#  - the third capture within the window: 429, Retry-After (integer,
#    1..10 s) equal to retry_after_seconds in the body; a selector that
#    also matches a target with tokens left is 202 with the spent one under
#    `skipped`; still 429 shortly before Retry-After; accepted once it has
#    passed, and then 429 again (one token came back, not two);
#  - job dup scrapes A's process too: a cpu capture through it during a
#    scheduled cpu scrape of job cap must wait as well (one CPU profile per
#    process);
#  - a restart on the same database: every finished capture answered byte
#    for byte as before, one running at the stop answered failed ("daemon
#    stopping"), new ids past the kept ones; the list newest first, with
#    limit, state and trigger filters.
# Wall time: about 40 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
pd_test_dir api_capture

pd_target_start "$PD_TARGET_BIN" -load 0.2 -duration 2m || pd_die "target A"
ta=$PD_TARGET_ADDR
pd_target_start "$PD_TARGET_BIN" -load 0.1 -duration 2m || pd_die "target B"
tb=$PD_TARGET_ADDR

CONFIG="scrape_configs:
  - job_name: cap
    scrape_interval: 5s
    static_configs:
      - targets: [\"$ta\"]
    profiles:
      cpu: {enabled: true, seconds: 3}
      heap: {enabled: true}
      goroutine: {enabled: true}
  - job_name: side
    scrape_interval: 5s
    static_configs:
      - targets: [\"$tb\"]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: true}
      goroutine: {enabled: false}
  - job_name: dup
    scrape_interval: 5s
    static_configs:
      - targets: [\"$ta\"]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: false}
      goroutine: {enabled: true}"
api_start "limits:
  capture_budget: {count: 2, per: 20s}
$CONFIG"

api_expect 200 /api/v1/targets
ida=$(jsql "SELECT json_extract(value, '\$.id') FROM json_each(json_extract((SELECT j FROM doc), '\$.targets'))
	WHERE json_extract(value, '\$.job') = 'cap'")
idb=$(jsql "SELECT json_extract(value, '\$.id') FROM json_each(json_extract((SELECT j FROM doc), '\$.targets'))
	WHERE json_extract(value, '\$.job') = 'side'")
[[ $ida =~ ^c[0-9a-f]{16}$ && $idb =~ ^c[0-9a-f]{16}$ ]] || pd_die "target ids '$ida' '$idb'"

# --- refused requests (they must not spend tokens: the budget checks below
# count on A's two) ------------------------------------------------------------
selA='{job=\"cap\"}'
nbad=0
bad() {
	api_want_error 400 POST /api/v1/capture "$1" "$2"
	nbad=$((nbad + 1))
}
bad '{"query":"{job=\"cap\"}"' body
bad '["{job=\"cap\"}"]' body
bad '{}' query
bad '{"query":5}' query
bad '{"query":"{job=\"cap\""}' query
bad '{"query":"job=cap"}' query
bad "{\"query\":\"$selA\",\"profiles\":\"cpu\"}" profiles
bad "{\"query\":\"$selA\",\"profiles\":[]}" profiles
bad "{\"query\":\"$selA\",\"profiles\":[3]}" 'profiles[0]'
bad "{\"query\":\"$selA\",\"profiles\":[\"nope\"]}" 'profiles[0]'
bad "{\"query\":\"$selA\",\"profiles\":[\"heap\",\"heap\"]}" 'profiles[1]'
bad "{\"query\":\"$selA\",\"seconds\":0}" seconds
bad "{\"query\":\"$selA\",\"seconds\":-3}" seconds
bad "{\"query\":\"$selA\",\"seconds\":\"2\"}" seconds
bad "{\"query\":\"$selA\",\"seconds\":2.5}" seconds
bad "{\"query\":\"$selA\",\"reason\":\"\"}" reason
bad "{\"query\":\"$selA\",\"reason\":7}" reason
api_want_error 404 POST /api/v1/capture '{"query":"{job=\"nope\"}"}' query
api_want_error 404 POST /api/v1/capture '{"query":"{job=\"cap\",instance=\"127.0.0.1:1\"}","profiles":["heap"]}' query
api_want 404 GET /api/v1/captures/12345 ''
grep -q '"error"' "$W/body" || pd_die "404 capture body: $(cat "$W/body")"
api_want 404 GET /api/v1/captures/abc ''
api_want 405 GET /api/v1/capture ''
! grep -q 'msg="capture"' "$W/pprofd.log" || pd_die "a refused request started a capture"
pd_ok "400 naming the field for $nbad bad captures; 404 for no match and unknown ids; 405"

# --- a cpu capture while a scheduled cpu scrape is in flight --------------------
# cpu_state: "IN_FLIGHT AGE_MS" of A's scheduled cpu slot (AGE_MS: since its
# last scrape started).
cpu_fresh() {
	api_get /api/v1/targets
	local r
	r=$(jsql "SELECT json_extract(value, '\$.profiles.cpu.in_flight') || ' ' ||
		CAST((julianday('now') - julianday(json_extract(value, '\$.profiles.cpu.last_scrape'))) * 86400000 AS INTEGER)
		FROM json_each(json_extract((SELECT j FROM doc), '\$.targets')) WHERE json_extract(value, '\$.job') = 'cap'")
	local inflight=${r% *} age=${r#* }
	# In flight, started less than 1 s ago: 2 s of it are left at least.
	[[ $inflight == 1 ]] && ((age >= 0 && age < 1000))
}
# Wait for the start of a fresh scheduled scrape (one every 5 s).
wait_for 15 "a scheduled cpu scrape of A to start" cpu_fresh
post_ns=$(now_ns)
api_want 202 POST /api/v1/capture "{\"query\":\"$selA\",\"profiles\":[\"cpu\"],\"seconds\":2}"
cp "$W/body" "$W/cap1.json"
c1=$(jget '$.captures[0].id')
[[ $(jlen '$.captures') == 1 && $(jlen '$.skipped') == 0 && $c1 =~ ^[0-9]+$ &&
	$(jget '$.captures[0].target') == "$ida" && $(jget '$.captures[0].labels') == "{\"instance\":\"$ta\",\"job\":\"cap\"}" &&
	$(jget '$.captures[0].profiles') == '["cpu"]' ]] || pd_die "cpu capture 202 body: $(cat "$W/body")"
api_want 200 GET "/api/v1/captures/$c1" ''
[[ $(jget '$.id') == "$c1" && $(jget '$.state') == pending && $(jget '$.profiles[0].type') == cpu &&
	$(jget '$.profiles[0].state') == pending && $(jget '$.profile_ids') == '[]' ]] ||
	pd_die "capture during a scheduled cpu scrape is not pending: $(cat "$W/body")"
pd_ok "cpu capture $c1 posted during A's scheduled cpu scrape: 202, pending behind it"

# --- a manual capture with a reason, then the budget ----------------------------
reason='latency spike #42'
api_want 202 POST /api/v1/capture "{\"query\":\"$selA\",\"profiles\":[\"heap\",\"goroutine\"],\"reason\":\"$reason\"}"
c2=$(jget '$.captures[0].id')
[[ $(jlen '$.captures') == 1 && $c2 != "$c1" && $(jget '$.captures[0].profiles') == '["heap","goroutine"]' ]] ||
	pd_die "manual capture 202 body: $(cat "$W/body")"
# A's two tokens are spent: the third capture is refused.
api_want 429 POST /api/v1/capture "{\"query\":\"$selA\",\"profiles\":[\"heap\"]}"
t429=$SECONDS
ra=$(grep -i '^retry-after:' "$W/headers" | tr -d '\r' | awk '{print $2}')
[[ $ra =~ ^[0-9]+$ ]] && ((ra >= 1 && ra <= 10)) || pd_die "Retry-After '$ra' (want 1..10 s): $(cat "$W/headers")"
[[ $(jget '$.retry_after_seconds') == "$ra" ]] || pd_die "retry_after_seconds != Retry-After $ra: $(cat "$W/body")"
[[ -n $(jget '$.error') && $(jget '$.skipped[0].target') == "$ida" && $(jget '$.skipped[0].reason') == budget ]] ||
	pd_die "429 body: $(cat "$W/body")"
# B still has its tokens: a selector over both starts B's and skips A.
api_want 202 POST /api/v1/capture '{"query":"{job=~\"cap|side\"}","profiles":["heap"]}'
[[ $(jlen '$.captures') == 1 && $(jget '$.captures[0].target') == "$idb" && $(jlen '$.skipped') == 1 &&
	$(jget '$.skipped[0].target') == "$ida" && $(jget '$.skipped[0].reason') == budget ]] ||
	pd_die "capture over A (spent) and B: $(cat "$W/body")"
c3=$(jget '$.captures[0].id')
pd_ok "third capture of A: 429, Retry-After $ra s; A and B together: 202 for B, A skipped (budget)"

# --- the captures end done -------------------------------------------------------
# done_or_die ID: true once capture ID is done; dies if it failed.
done_or_die() {
	api_get "/api/v1/captures/$1"
	[[ $STATUS == 200 ]] || pd_die "GET /api/v1/captures/$1: $STATUS"
	local st
	st=$(jget '$.state')
	[[ $st != failed ]] || pd_die "capture $1 failed: $(cat "$W/body")"
	[[ $st == "done" ]]
}
wait_for 20 "capture $c1 (cpu) to be done" done_or_die "$c1"
cp "$W/body" "$W/c1.json"
pid1=$(jget '$.profiles[0].profile_id')
[[ $(jlen '$.profiles') == 1 && $(jget '$.profiles[0].state') == "done" && $(jget '$.profile_ids') == "[$pid1]" &&
	$(jget '$.target') == "$ida" && $(jget '$.trigger') == manual ]] || pd_die "done cpu capture: $(cat "$W/body")"
wait_for 10 "capture $c2 to be done" done_or_die "$c2"
cp "$W/body" "$W/c2.json"
[[ $(jget '$.reason') == "$reason" && $(jlen '$.profile_ids') == 2 ]] || pd_die "done manual capture: $(cat "$W/body")"
wait_for 10 "capture $c3 (B) to be done" done_or_die "$c3"
pd_ok "captures $c1, $c2, $c3 done"

# The cpu profiles of A never overlap: the captured one waited for the
# scheduled one that was in flight at the POST.
api_expect 200 "/api/v1/profiles/$pid1"
[[ -s $W/body ]] || pd_die "captured cpu profile $pid1 is empty"
cpuA="SELECT id, time_ns, duration_ns FROM profiles WHERE series_id IN ($(_series_sql instance="$ta" type=cpu))"
read -r ctime cdur < <(pd_db_query "SELECT time_ns || ' ' || duration_ns FROM profiles WHERE id = $pid1")
[[ $(pd_db_query "SELECT labels FROM series WHERE id = (SELECT series_id FROM profiles WHERE id = $pid1)") == \
	"{instance=\"$ta\",job=\"cap\",trigger=\"manual\",type=\"cpu\"}" ]] || pd_die "captured cpu series labels"
((cdur >= 1900000000 && cdur < 3500000000)) || pd_die "captured cpu profile lasts $cdur ns, want about 2 s"
# The scheduled profile that was running at the POST (Go starts profiling
# a little after the daemon starts the request, which is what the
# targets list shows: up to 1 s of slack on a busy machine).
sched=$(pd_db_query "SELECT id || ' ' || (time_ns + duration_ns) FROM ($cpuA) WHERE id != $pid1
	AND time_ns <= $post_ns + 1000000000 AND time_ns + duration_ns >= $post_ns")
[[ -n $sched ]] || pd_die "no stored scheduled cpu profile was in flight at the POST ($post_ns): $(pd_db_query "$cpuA")"
read -r sid send <<<"$sched"
((ctime >= send)) || pd_die "captured cpu profile starts at $ctime, before scheduled $sid ends at $send"
((ctime - post_ns >= 1000000000)) || pd_die "captured cpu profile starts $(((ctime - post_ns) / 1000000)) ms after the POST: it did not wait"
overlaps=$(pd_db_query "SELECT a.id || '/' || b.id FROM ($cpuA) a, ($cpuA) b WHERE a.id < b.id
	AND a.time_ns < b.time_ns + b.duration_ns AND b.time_ns < a.time_ns + a.duration_ns")
[[ -z $overlaps ]] || pd_die "overlapping cpu profiles of A: $overlaps: $(pd_db_query "$cpuA")"
ncpu=$(pd_db_query "SELECT count(*) FROM ($cpuA)")
! grep -q 'cpu_in_use' "$W/pprofd.log" || pd_die "cpu_in_use in the log: $(grep cpu_in_use "$W/pprofd.log" | head -2)"
! grep -q 'level=warn msg="capture failed"' "$W/pprofd.log" || pd_die "a capture failed: $(grep 'capture failed' "$W/pprofd.log")"
pd_ok "cpu capture waited for scheduled profile $sid; $ncpu cpu profiles of A, none overlapping; no cpu_in_use"

# The manual capture's profiles carry trigger and reason, nothing else new.
for ty in heap goroutine; do
	id=$(jget "\$.profile_ids[$([[ $ty == heap ]] && echo 0 || echo 1)]" "$W/c2.json")
	[[ $(jget "\$.profiles[$([[ $ty == heap ]] && echo 0 || echo 1)].type" "$W/c2.json") == "$ty" ]] || pd_die "c2 order"
	got=$(pd_db_query "SELECT s.labels FROM profiles p JOIN series s ON s.id = p.series_id WHERE p.id = $id")
	[[ $got == "{instance=\"$ta\",job=\"cap\",reason=\"$reason\",trigger=\"manual\",type=\"$ty\"}" ]] ||
		pd_die "$ty profile $id of the manual capture: $got"
	api_expect 200 "/api/v1/profiles/$id"
done
api_expect 200 "/api/v1/profiles?type=heap&query=$(sel_url trigger=manual reason="$reason")&from=now-5m"
[[ $(jlen '$.profiles') == 1 && $(jget '$.profiles[0].id') == "$(jget '$.profile_ids[0]' "$W/c2.json")" ]] ||
	pd_die "profiles?query={trigger=manual,reason=...}: $(head -c 400 "$W/body")"
[[ $(db_profiles trigger=manual) == 4 ]] || pd_die "$(db_profiles trigger=manual) profiles with trigger=manual, want 4"
[[ $(db_profiles job=cap trigger=manual) == 3 && $(db_profiles job=side trigger=manual) == 1 ]] ||
	pd_die "trigger=manual per job: cap $(db_profiles job=cap trigger=manual), side $(db_profiles job=side trigger=manual)"
pd_ok "manual capture profiles: labels {instance, job, reason=\"$reason\", trigger=\"manual\", type}"

# --- the budget refills ------------------------------------------------------------
# Shortly before Retry-After is up, A still has no token. The budget
# refills with time alone: there is nothing to poll, only time to let pass.
early=$((t429 + ra - 3))
((SECONDS >= early)) || sleep "$((early - SECONDS))" # deliberate: until 3 s before Retry-After is up
if ((ra >= 4)); then
	api_want 429 POST /api/v1/capture "{\"query\":\"$selA\",\"profiles\":[\"heap\"]}"
	ra2=$(grep -i '^retry-after:' "$W/headers" | tr -d '\r' | awk '{print $2}')
	((ra2 >= 1 && ra2 <= 4)) || pd_die "Retry-After $ra2 s, $((SECONDS - t429)) s after one of $ra s"
fi
((SECONDS >= t429 + ra + 1)) || sleep "$((t429 + ra + 1 - SECONDS))" # deliberate: until Retry-After is up
api_want 202 POST /api/v1/capture "{\"query\":\"$selA\",\"profiles\":[\"goroutine\"],\"reason\":\"after the window\"}"
c4=$(jget '$.captures[0].id')
api_want 429 POST /api/v1/capture "{\"query\":\"$selA\",\"profiles\":[\"goroutine\"]}"
wait_for 10 "capture $c4 to be done" done_or_die "$c4"
pd_ok "still 429 before Retry-After; accepted after it ($c4 done), then 429 again"

# --- the same process in another job ------------------------------------------------
# Job dup scrapes A's process too (goroutine only). Go allows one CPU
# profile per process, whatever job asks (SPEC §3: "never two CPU profiles
# in flight for the same target process").
# CPU requests are kept apart by address, not by target: a cpu capture
# of {job="dup"} posted during job cap's scheduled cpu scrape of the same
# address waits for it like the capture above and ends done, with no
# cpu_in_use from Go.
bugs=()
# The budget is the process's too: spent through job cap, it is spent for
# job dup; its Retry-After says when a token is back.
api_json POST /api/v1/capture '{"query":"{job=\"dup\"}","profiles":["cpu"],"seconds":2}'
[[ $STATUS == 429 ]] || pd_die "dup capture with A's budget spent: status $STATUS, want 429: $(head -c 300 "$W/body")"
ra3=$(grep -i '^retry-after:' "$W/headers" | tr -d '\r' | awk '{print $2}')
[[ $ra3 =~ ^[0-9]+$ ]] && ((ra3 >= 1 && ra3 <= 10)) || pd_die "dup Retry-After '$ra3'"
pd_ok "the budget is per process: job dup of A's address gets 429 (Retry-After $ra3 s)"
sleep "$ra3" # deliberate: the budget refills with time alone (Retry-After), nothing to poll
wait_for 15 "a scheduled cpu scrape of A (job cap) to start" cpu_fresh
api_want 202 POST /api/v1/capture '{"query":"{job=\"dup\"}","profiles":["cpu"],"seconds":2}'
c5=$(jget '$.captures[0].id')
[[ $(jget '$.captures[0].labels') == "{\"instance\":\"$ta\",\"job\":\"dup\"}" ]] || pd_die "dup capture: $(cat "$W/body")"
c5_over() {
	api_get "/api/v1/captures/$c5"
	[[ $(jget '$.state') == "done" || $(jget '$.state') == failed ]]
}
wait_for 20 "capture $c5 to end" c5_over
[[ $(jget '$.state') == "done" ]] ||
	bugs+=("cpu capture of job dup (same process as job cap) during cap's cpu scrape: $(jget '$.state'): $(jget '$.profiles[0].error')")
! grep -q 'cpu_in_use' "$W/pprofd.log" ||
	bugs+=("cpu_in_use in the log: $(grep -c cpu_in_use "$W/pprofd.log") line(s): $(grep cpu_in_use "$W/pprofd.log" | head -1 | sed 's/.*msg=//')")
overlaps=$(pd_db_query "SELECT a.id || '/' || b.id FROM ($cpuA) a, ($cpuA) b WHERE a.id < b.id
	AND a.time_ns < b.time_ns + b.duration_ns AND b.time_ns < a.time_ns + a.duration_ns")
[[ -z $overlaps ]] || bugs+=("overlapping cpu profiles of A's process: $overlaps")
if ((${#bugs[@]} == 0)); then
	pd_ok "cpu capture through another job of the same process: waited, done, no cpu_in_use"
else
	printf 'FAIL: %s\n' "${bugs[@]}" >&2
fi
((${#bugs[@]} == 0)) || pd_die "one CPU profile per process: ${bugs[*]}"

# --- a restart: finished captures are answered as before ---------------------------
# A 10 s cpu capture is still running when the daemon stops: it ends failed
# (the stop does not wait 10 s for it) and is answered so after the restart.
for id in "$c3" "$c4" "$c5"; do
	api_expect 200 "/api/v1/captures/$id"
	cp "$W/body" "$W/$id.json"
done
cp "$W/c1.json" "$W/$c1.json"
cp "$W/c2.json" "$W/$c2.json"
pd_daemon_stop
api_start "limits:
  capture_budget: {count: 20, per: 20s}
$CONFIG"
api_want 202 POST /api/v1/capture "{\"query\":\"$selA\",\"profiles\":[\"cpu\"],\"seconds\":10}"
c6=$(jget '$.captures[0].id')
c6_running() {
	api_get "/api/v1/captures/$c6"
	[[ $STATUS == 200 ]] || pd_die "GET /api/v1/captures/$c6: $STATUS"
	[[ $(jget '$.state') != failed ]] || pd_die "capture $c6 failed before the stop: $(cat "$W/body")"
	[[ $(jget '$.state') == running ]]
}
wait_for 10 "capture $c6 to be running (its 10 s cpu profile under way)" c6_running
pd_daemon_stop
grep -q "msg=\"capture failed\" id=$c6 .*error=\"daemon stopping" "$W/pprofd.log" ||
	pd_die "capture $c6 at the stop: $(grep "id=$c6" "$W/pprofd.log" | tail -2)"
api_start "$CONFIG"
grep -q 'msg="captures loaded" captures=6' "$W/pprofd.log" || pd_die "captures loaded: $(grep -i 'captures' "$W/pprofd.log" | head -3)"
for id in "$c1" "$c2" "$c3" "$c4" "$c5"; do
	api_expect 200 "/api/v1/captures/$id"
	cmp -s "$W/body" "$W/$id.json" || pd_die "capture $id after the restart: $(cat "$W/body"), before: $(cat "$W/$id.json")"
done
api_expect 200 "/api/v1/captures/$c6"
[[ $(jget '$.state') == failed && $(jget '$.profiles[0].error') == "daemon stopping"* && $(jlen '$.profile_ids') == 0 ]] ||
	pd_die "capture $c6 after the restart: $(cat "$W/body")"
api_get "/api/v1/captures/$((c6 + 1000))"
[[ $STATUS == 404 ]] || pd_die "GET of an unknown capture after the restart: $STATUS"
# New ids follow the kept ones whatever the clock says.
api_want 202 POST /api/v1/capture "{\"query\":\"$selA\",\"profiles\":[\"goroutine\"]}"
c7=$(jget '$.captures[0].id')
((c7 > c6)) || pd_die "capture id $c7 after the restart is not past $c6"
wait_for 10 "capture $c7 to be done" done_or_die "$c7"
[[ $(pd_db_query "SELECT count(*) FROM captures") == 7 ]] || pd_die "captures table: $(pd_db_query "SELECT id FROM captures")"
pd_ok "restart: captures $c1..$c5 answered byte for byte, $c6 (running at the stop) failed: daemon stopping; next id $c7"

# --- the list: newest first, filtered ------------------------------------------------
list_ids() { # QUERY: the ids GET /api/v1/captures?QUERY lists, one line
	api_expect 200 "/api/v1/captures$1"
	jsql "SELECT group_concat(json_extract(value, '\$.id'), ' ') FROM json_each(json_extract((SELECT j FROM doc), '\$.captures'))"
}
all="$c7 $c6 $c5 $c4 $c3 $c2 $c1"
[[ $(list_ids "") == "$all" ]] || pd_die "GET /api/v1/captures: $(list_ids ""), want $all"
cmp -s <(jsql "SELECT json_extract(j, '\$.captures[6]') FROM doc") "$W/$c1.json" ||
	pd_die "the listed $c1 differs from its GET: $(jsql "SELECT json_extract(j, '\$.captures[6]') FROM doc")"
[[ $(list_ids "?limit=2") == "$c7 $c6" ]] || pd_die "limit=2: $(list_ids "?limit=2")"
[[ $(list_ids "?state=failed") == "$c6" ]] || pd_die "state=failed: $(list_ids "?state=failed")"
[[ $(list_ids "?state=done&trigger=manual&limit=3") == "$c7 $c5 $c4" ]] ||
	pd_die "state=done&trigger=manual&limit=3: $(list_ids "?state=done&trigger=manual&limit=3")"
[[ $(list_ids "?trigger=alert") == "" ]] || pd_die "trigger=alert: $(list_ids "?trigger=alert")"
for bad in "limit=0" "limit=4097" "limit=x" "limit=" "state=nope" "trigger=cron"; do
	api_expect_error 400 "/api/v1/captures?$bad" "${bad%%=*}"
done
api_json POST /api/v1/captures '{}'
[[ $STATUS == 405 ]] || pd_die "POST /api/v1/captures: $STATUS, want 405"
pd_ok "GET /api/v1/captures: newest first, limit, state and trigger filters, 400 naming bad ones, 405 for POST"
daemon_alive
pd_daemon_stop
pd_passed
