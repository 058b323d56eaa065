#!/usr/bin/env bash
# The daemon never asks a process for a second CPU profile while one may
# still run there, and it fits its fleet to the open-file limit:
#  - a target too busy to notice its client went away (the fault server's
#    /slowcpu answers 2 s after its seconds, whatever the client does; a
#    window profile of its own, like fgprof) is scraped every 2 s with a
#    1.5 s timeout: every scrape times out, and
#    the next one waits until the profile must have ended, so the target
#    never sees a second profile while one runs (it counts them);
#    (the ticks that fall into a hold-back are skipped and counted per
#    target in /metrics);
#  - the soft open-file limit is raised to the hard one at start;
#  - a fleet whose CPU scrapes cannot all hold a connection under the hard
#    limit is refused with what to raise, at start and on reload (the
#    running config is kept).
# Wall time: about 20 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
: "${PPROFD:?}" "${PD_FAULTSERVER_BIN:?}" "${PD_WORK:?}"
pd_test_dir daemon_cpu_safety

pd_target_start "$PD_FAULTSERVER_BIN" -duration 2m || pd_die "fault server"
busy=$PD_TARGET_ADDR

# fleet N: a job of N cpu targets on ports nothing listens on (only their
# number matters), then the busy target's job.
config() {
	local n=$1 i
	cat <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $W/data/pprofd.db
scrape_configs:
  - job_name: busy
    scrape_interval: 2s
    scrape_timeout: 1500ms
    static_configs: [{targets: ["$busy"]}]
    profiles:
      cpu: {enabled: false}
      slowcpu: {enabled: true, seconds: 1, path: /slowcpu}
      heap: {enabled: false}
      goroutine: {enabled: false}
YAML
	((n > 0)) || return 0
	echo "  - job_name: fleet"
	echo "    scrape_interval: 1h"
	echo "    static_configs:"
	echo "      - targets:"
	for ((i = 0; i < n; i++)); do echo "        - 127.0.0.1:$((20000 + i))"; done
}

# Under a hard limit of 600 open files, 600 - 256 reserved - 64 downloads
# leave 280 waiting CPU profiles.
config 300 >"$W/big.yaml"
if (ulimit -n 600 && exec "$PPROFD" run -c "$W/big.yaml") 2>"$W/refused.log"; then
	pd_die "a fleet of 301 cpu targets started under 600 open files"
fi
grep -q 'open-file limit of 600 leaves room for 280: raise it to at least 621' "$W/refused.log" ||
	pd_die "refusal does not say what to raise: $(tail -3 "$W/refused.log")"
pd_ok "301 cpu targets under a hard limit of 600 open files: refused, 'raise it to at least 621'"

config 0 >"$W/pprofd.yaml"
# soft 600, hard 4096: the daemon raises its own soft limit
(ulimit -Sn 600 && ulimit -Hn 4096 && exec "$PPROFD" run -c "$W/pprofd.yaml") 2>"$W/pprofd.log" &
PD_DAEMON_PID=$!
pd_on_exit "kill -9 $PD_DAEMON_PID 2>/dev/null || true"
soft() { awk '/^Max open files/ { print $4 }' "/proc/$PD_DAEMON_PID/limits"; }
wait_for 10 "pprofd to start its collector" daemon_log_has 'msg="collector started"'
[[ $(soft) == 4096 ]] || pd_die "soft open-file limit $(soft), want 4096 (the hard limit)"
pd_ok "the soft open-file limit raised from 600 to the hard 4096"

# Five failed scrapes of the busy target, each held back past its profile.
timeouts() { grep -c 'msg="scrape failed".*type=slowcpu reason=timeout' "$W/pprofd.log" || true; }
five() { daemon_alive && (($(timeouts) >= 5)); }
wait_for 40 "five timed-out cpu scrapes of the busy target" five
pd_fetch "http://$busy/cpu-overlaps" "$W/overlaps"
[[ $(cat "$W/overlaps") == 0 ]] || pd_die "the target saw $(cat "$W/overlaps") cpu profiles while one ran"
! grep -q 'reason=cpu_in_use' "$W/pprofd.log" || pd_die "a scrape met 'cpu profiling already in use'"
held=$(grep -c 'msg="holding back requests to a target".*type=slowcpu reason=timeout ms=3000' "$W/pprofd.log" || true)
((held >= 5)) || pd_die "$held hold-backs logged for $(timeouts) timeouts"
pd_ok "$(timeouts) cpu scrapes timed out, each held the next back 3 s: 0 overlaps on the target"
# The ticks that fell into a hold-back are skipped, and counted for that target.
wait_for 10 "pprofd to listen" _pd_listening
pd_fetch "http://127.0.0.1:$(_pd_port)/metrics" "$W/metrics"
skipped=$(sed -n "s/^pprofd_target_skipped_ticks_total{scrape_job=\"busy\",scrape_instance=\"$busy\",profile=\"slowcpu\"} //p" "$W/metrics")
((${skipped:-0} > 0)) || pd_die "no skipped ticks for the busy target: $(grep skipped "$W/metrics")"
pd_ok "/metrics: $skipped skipped ticks counted for the busy target's slowcpu"

# A reload to a fleet the limit cannot hold is refused; the daemon goes on.
config 4000 >"$W/pprofd.yaml"
kill -HUP "$PD_DAEMON_PID"
refused() { daemon_log_has 'msg="reload failed, keeping the running config".*open-file limit of 4096'; }
wait_for 10 "the reload to be refused" refused
daemon_alive
pd_ok "a reload to 4001 cpu targets under 4096 open files: refused, the running config kept"
pd_daemon_stop
pd_passed
