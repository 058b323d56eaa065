#!/usr/bin/env bash
# systemd/pprofd.service: valid, Type=notify with a watchdog, and hardened to
# an exposure level of "OK" (below 2.0) in systemd-analyze security.
set -euo pipefail
unit="$(cd "$(dirname "$0")/../.." && pwd)/systemd/pprofd.service"
if ! command -v systemd-analyze >/dev/null; then
	echo "systemd-analyze not installed: skipped"
	exit 77
fi
for want in Type=notify WatchdogSec= DynamicUser=yes StateDirectory=pprofd; do
	grep -q "^$want" "$unit" || { echo "FAIL: $unit lacks $want" >&2; exit 1; }
done
out=$(systemd-analyze security --offline=true --threshold=20 "$unit" 2>&1) || {
	echo "$out" | tail -3 >&2
	echo "FAIL: exposure above 2.0" >&2
	exit 1
}
echo "$out" | tail -1
echo "1 passed, 0 failed"
