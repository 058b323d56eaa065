#!/usr/bin/env bash
# Installs the UI's npm packages (ui/package-lock.json) into ui/node_modules
# when they are missing or older than the lock file. Idempotent and quiet
# when nothing is to do. The packages come from the npm registry; nothing
# is fetched at run time.
set -euo pipefail
ui="$(cd "$(dirname "$0")/../ui" && pwd)"
stamp="$ui/node_modules/.package-lock.json"
if [[ -f $stamp && $stamp -nt $ui/package-lock.json ]]; then
	exit 0
fi
command -v npm >/dev/null || {
	echo "ui_deps: npm is missing: run scripts/deps.sh (make deps)" >&2
	exit 1
}
echo "ui_deps: npm ci in ui/" >&2
cd "$ui"
# One lock at a time: several build directories may build the UI at once.
exec 9>"$ui/.npm-lock"
flock 9
if [[ -f $stamp && $stamp -nt $ui/package-lock.json ]]; then
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >&2
touch "$stamp"
