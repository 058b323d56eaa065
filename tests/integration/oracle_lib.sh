# shellcheck shell=bash
# Shared by the oracle tests: compare pprofd's output with go tool pprof's.
# Needs PPROFD, PD_FIXTURES and PD_WORK from ctest (tests/CMakeLists.txt).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

: "${PPROFD:?}" "${PD_FIXTURES:?}" "${PD_WORK:?}"
pd_go_env || pd_die "cannot set up the Go environment"
W="$PD_WORK/$(basename "$0" .sh)"
rm -rf "$W"
mkdir -p "$W"
FX="$PD_FIXTURES"
PD_CHECKS=0

# pd_raw FILE: go tool pprof's complete text dump of a profile (every sample
# with its values, labels and location ids, every location and mapping).
pd_raw() {
	go tool pprof -raw -symbolize=none "$1" 2>"$W/pprof.err" ||
		pd_die "go tool pprof cannot read $1: $(cat "$W/pprof.err")"
}

# pd_expect_same_raw LABEL OURS THEIRS: both profiles dump identically.
pd_expect_same_raw() {
	local label="$1" ours="$2" theirs="$3"
	pd_raw "$ours" >"$W/ours.raw"
	pd_raw "$theirs" >"$W/theirs.raw"
	grep -q '^Samples:' "$W/theirs.raw" || pd_die "$label: pprof dump has no samples section"
	if ! cmp -s "$W/ours.raw" "$W/theirs.raw"; then
		diff "$W/ours.raw" "$W/theirs.raw" | head -20 >&2
		pd_die "$label: pprofd and go tool pprof differ"
	fi
	PD_CHECKS=$((PD_CHECKS + 1))
	echo "ok: $label ($(grep -c . "$W/theirs.raw") lines identical)"
}

# pd_totals FILE: "type/unit=total ..." for every sample type (-raw values).
pd_totals() {
	pd_raw "$1" | awk '
		/^Samples:/ { getline; n = split($0, names, " "); s = 1; next }
		/^Locations/ { s = 0 }
		s && /^ *-?[0-9]+( +-?[0-9]+)*: / {
			sub(/:.*/, ""); k = split($0, v, " ")
			for (i = 1; i <= k; i++) tot[i] += v[i]
		}
		END { for (i = 1; i <= n; i++) printf "%s=%d ", names[i], tot[i]; print "" }'
}

pd_done() {
	((PD_CHECKS > 0)) || pd_die "no check ran"
	echo "$PD_CHECKS passed, 0 failed"
}
