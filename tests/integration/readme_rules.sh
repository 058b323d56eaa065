#!/usr/bin/env bash
# The alerting rule in README.md, checked and unit-tested with promtool
# (Debian's prometheus package, which scripts/deps.sh installs):
# a target whose cpu profiles stop arriving fires after 10 minutes of more
# than 10 minutes' silence, one that keeps arriving never does.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
pd_test_dir readme_rules
command -v promtool >/dev/null || pd_die "promtool is not installed (make deps installs prometheus)"
awk '/^An alerting rule for profiles that stopped arriving:/ { on = 1; next }
	on && /^```yaml$/ { take = 1; next } take && /^```$/ { exit } take' \
	"$here/../../README.md" >"$W/rules.yaml"
[[ -s $W/rules.yaml ]] || pd_die "no alerting rule found in README.md"
promtool check rules "$W/rules.yaml" >"$W/check.out" 2>&1 || pd_die "promtool check rules: $(cat "$W/check.out")"
labels='job="pprofd",instance="p:7070",scrape_job="api",scrape_instance="a:6060"'
cat >"$W/test.yaml" <<EOF2
rule_files: [$W/rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'pprofd_target_last_success_timestamp_seconds{$labels,profile="cpu"}'
        values: '0+60x5 300x30'
      - series: 'pprofd_target_up{$labels,profile="cpu"}'
        values: '1x35'
      - series: 'pprofd_target_last_success_timestamp_seconds{$labels,profile="heap"}'
        values: '0+60x35'
      - series: 'pprofd_target_up{$labels,profile="heap"}'
        values: '1x35'
    alert_rule_test:
      - eval_time: 14m
        alertname: PprofdProfilesStopped
        exp_alerts: []
      - eval_time: 27m
        alertname: PprofdProfilesStopped
        exp_alerts:
          - exp_labels: {job: pprofd, instance: "p:7070", scrape_job: api, scrape_instance: "a:6060", profile: cpu}
            exp_annotations:
              summary: "no cpu profile from a:6060 (api) for 10 minutes"
EOF2
promtool test rules "$W/test.yaml" >"$W/test.out" 2>&1 || pd_die "promtool test rules: $(cat "$W/test.out")"
pd_ok "README's PprofdProfilesStopped: fires for cpu stopped 10+ min, not for heap still arriving"
pd_passed
