#!/usr/bin/env bash
# Every way a target can misbehave, at once, beside a healthy target: each
# failure is logged with its reason, nothing of it is stored, memory stays
# bounded, and the healthy target goes on being scraped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
: "${PPROFD:?}" "${PD_TARGET_BIN:?}" "${PD_FAULTSERVER_BIN:?}" "${PD_WORK:?}"
pd_test_dir daemon_faults

pd_target_start "$PD_TARGET_BIN" -load 0.2 -duration 2m || pd_die "healthy target"
healthy=$PD_TARGET_ADDR
pd_target_start "$PD_FAULTSERVER_BIN" -duration 2m || pd_die "fault server"
faulty=$PD_TARGET_ADDR
# A port nothing listens on: bind one with a short-lived target, stop it.
pd_target_start "$PD_FAULTSERVER_BIN" -duration 2m || pd_die "scratch server"
refused=$PD_TARGET_ADDR
kill "$PD_TARGET_PID"
wait "$PD_TARGET_PID" 2>/dev/null || true

cat >"$W/pprofd.yaml" <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $W/data/pprofd.db
limits:
  max_profile_bytes: 4MiB
global:
  scrape_interval: 3s
scrape_configs:
  - job_name: healthy
    static_configs: [{targets: ["$healthy"]}]
    profiles:
      cpu: {enabled: true, seconds: 1}
      heap: {enabled: true}
      goroutine: {enabled: true}
  - job_name: faults
    static_configs: [{targets: ["$faulty"]}]
    profiles:
      cpu: {enabled: false}
      heap: {enabled: false}
      goroutine: {enabled: false}
      notfound: {enabled: true, path: /notfound}
      error500: {enabled: true, path: /error500}
      hang: {enabled: true, path: /hang}
      drip: {enabled: true, path: /drip}
      huge: {enabled: true, path: /huge}
      bomb: {enabled: true, path: /bomb}
      truncated: {enabled: true, path: /truncated}
      html: {enabled: true, path: /html}
      empty: {enabled: true, path: /empty}
      cpuinuse: {enabled: true, path: /cpu-in-use}
      ratelimited: {enabled: true, path: /ratelimited}
  - job_name: refused
    static_configs: [{targets: ["$refused"]}]
    profiles:
      cpu: {enabled: false}
      goroutine: {enabled: false}
YAML
"$PPROFD" check-config "$W/pprofd.yaml" >/dev/null || pd_die "config rejected"

pd_daemon_start "$W/pprofd.yaml"
pid=$PD_DAEMON_PID
peak=0
# The faults run for a fixed 13 s window (the Retry-After and cpu_in_use
# counts below are per 13 s), the daemon's RSS sampled every 0.5 s in it.
for ((i = 0; i < 26; i++)); do
	sleep 0.5 # deliberate: the sampling period of a fixed 13 s window, not a condition
	kill -0 "$pid" 2>/dev/null || pd_die "pprofd died: $(tail -5 "$W/pprofd.log")"
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
	((rss > peak)) && peak=$rss
done
pd_daemon_stop
pd_ok "survived every fault, exit 0 on SIGTERM"

log="$W/pprofd.log"
# The first failure of TYPE with the reason wanted: on a loaded machine
# (the sanitizer build beside other tests) an earlier scrape of the same
# type may fail to connect before the fault server answers.
expect() { # expect TYPE REASON-REGEX [TEXT]
	local line
	line=$(grep 'msg="scrape failed"' "$log" | grep " type=$1 " | grep -E -m1 " reason=($2) ")
	[[ -n $line ]] || pd_die "$1: want reason $2, got: $(grep 'msg="scrape failed"' "$log" | grep " type=$1 " | head -3)"
	[[ $line =~ reason=($2)\  ]] || pd_die "$1: want reason $2, got: $line"
	[[ -z ${3:-} || $line == *"$3"* ]] || pd_die "$1: log lacks '$3': $line"
	pd_ok "$1 -> ${BASH_REMATCH[1]}"
}
expect notfound http_404
expect error500 http_500
expect hang timeout
expect drip 'timeout|slow'
expect huge too_large
expect bomb invalid_profile "exceeds the limit"
expect truncated invalid_profile
expect html invalid_profile "text"
expect empty empty
expect cpuinuse cpu_in_use "cpu profiling already in use"
expect ratelimited retry_later
grep 'msg="scrape failed"' "$log" | grep "job=refused" | grep -q "reason=connect" ||
	pd_die "connection refused not logged as connect"
pd_ok "refused -> connect"

# Retry-After: 7 s is honoured (no back-off retry loop against it).
n=$(grep 'msg="scrape failed"' "$log" | grep -c " type=ratelimited ")
((n <= 2)) || pd_die "ratelimited target was asked $n times in 13 s despite Retry-After: 7"
pd_ok "Retry-After honoured ($n requests)"
# cpu_in_use is a failed capture, not a retry loop: once per 3 s tick at most.
n=$(grep 'msg="scrape failed"' "$log" | grep -c " type=cpuinuse ")
((n <= 5)) || pd_die "cpu-in-use asked $n times in 13 s"
pd_ok "cpu_in_use not retried early ($n requests)"

q() { pd_db_query "$@"; }
bad=$(q "SELECT count(*) FROM series WHERE labels LIKE '%job=\"faults\"%' OR labels LIKE '%job=\"refused\"%'")
[[ $bad == 0 ]] || pd_die "$bad series stored for failing targets"
pd_ok "nothing stored for failing targets"
for type in cpu heap goroutine; do
	n=$(q "SELECT count(*) FROM profiles p JOIN series s ON s.id = p.series_id
	       WHERE s.labels LIKE '%job=\"healthy\"%' AND s.labels LIKE '%type=\"$type\"%'")
	((n >= 3)) || pd_die "healthy $type: only $n profiles"
done
pd_ok "healthy target scraped throughout"
# A 2 GB body, a 1 GB bomb: memory stays bounded by the caps.
((peak < 200000)) || pd_die "peak RSS ${peak} kB"
pd_ok "peak RSS ${peak} kB"
pd_passed
