#!/usr/bin/env bash
# `pprofd check-config` on the shipped configs (exit 0, one "ok" line) and on
# broken ones (exit 1, "FILE:LINE:COL: field: ..." on stderr), and its usage
# errors (exit 2).
# usage: check_config.sh PPROFD REPO_ROOT WORKDIR
set -euo pipefail
pprofd=$1
root=$2
work=$3/check_config
rm -rf "$work"
mkdir -p "$work"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# The shipped configs pass, run from the repo root as `make run` does.
cd "$root"
out=$("$pprofd" check-config pprofd.yaml)
[ "$out" = "pprofd.yaml: ok: 1 job, 1 target" ] || fail "pprofd.yaml: got '$out'"
out=$("$pprofd" check-config systemd/pprofd.example.yaml)
[ "$out" = "systemd/pprofd.example.yaml: ok: 3 jobs, 4 targets" ] ||
  fail "pprofd.example.yaml: got '$out'"

# A broken config: exit 1, every error with its position, nothing on stdout.
cat >"$work/broken.yaml" <<'YAML'
server:
  listen: 127.0.0.1:7070
scrape_configs:
  - job_name: api
    scrape_interval: 5x
    static_configs:
      - targets: ["10.0.0.7"]
YAML
set +e
"$pprofd" check-config "$work/broken.yaml" >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "broken.yaml: exit $rc, want 1"
[ ! -s "$work/out" ] || fail "broken.yaml: stdout not empty"
grep -qx "$work/broken.yaml:5:22: scrape_configs\[0\].scrape_interval: invalid duration \"5x\": unknown unit \"x\"" "$work/err" ||
  fail "broken.yaml: stderr: $(cat "$work/err")"
grep -qx "$work/broken.yaml:7:19: scrape_configs\[0\].static_configs\[0\].targets\[0\]: invalid target \"10.0.0.7\": want host:port" "$work/err" ||
  fail "broken.yaml: second error missing: $(cat "$work/err")"
while read -r line; do
  [[ "$line" =~ ^"$work/broken.yaml":[0-9]+:[0-9]+:\  ]] || fail "line without FILE:LINE:COL: $line"
done <"$work/err"

# YAML syntax errors carry the position too.
printf 'server:\n  listen: [x\n' >"$work/syntax.yaml"
set +e
err=$("$pprofd" check-config "$work/syntax.yaml" 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "syntax.yaml: exit $rc"
[[ "$err" == "$work/syntax.yaml:3:1: yaml: "* ]] || fail "syntax.yaml: $err"

# A broken file_sd file the config points at is reported with its position.
cat >"$work/sd.yaml" <<'YAML'
scrape_configs:
  - job_name: w
    file_sd_configs:
      - files: ["targets/*.yml"]
YAML
mkdir -p "$work/targets"
printf -- '- targets: ["a:1"]\n- targets: ["bad"]\n' >"$work/targets/w.yml"
set +e
err=$("$pprofd" check-config "$work/sd.yaml" 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "sd.yaml: exit $rc"
[ "$err" = "$work/targets/w.yml:2:13: [1].targets[0]: invalid target \"bad\": want host:port" ] ||
  fail "sd.yaml: $err"
printf -- '- targets: ["a:1"]\n' >"$work/targets/w.yml"
out=$("$pprofd" check-config "$work/sd.yaml")
[ "$out" = "$work/sd.yaml: ok: 1 job, 0 targets" ] || fail "sd.yaml fixed: $out"

# A target that relabeling leaves without a valid address: named with the
# position of its static_configs entry.
cat >"$work/relabel.yaml" <<'YAML'
scrape_configs:
  - job_name: api
    static_configs:
      - targets: ["a:1"]
    relabel_configs:
      - {target_label: __address__, replacement: "no-port"}
YAML
set +e
err=$("$pprofd" check-config "$work/relabel.yaml" 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "relabel.yaml: exit $rc"
[ "$err" = "$work/relabel.yaml:4:9: scrape_configs[0].static_configs[0]: target \"a:1\": invalid __address__ \"no-port\" after relabeling: want host:port" ] ||
  fail "relabel.yaml: $err"

# Missing file: exit 1 with the file named; usage errors: exit 2.
set +e
err=$("$pprofd" check-config "$work/nope.yaml" 2>&1)
rc=$?
[ "$rc" -eq 1 ] && [[ "$err" == "$work/nope.yaml: No such file or directory" ]] ||
  fail "missing file: $rc $err"
"$pprofd" check-config >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "no argument: exit $rc"
"$pprofd" check-config a.yaml b.yaml >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "two arguments: exit $rc"
set -e
echo "check-config: ok"
