#!/usr/bin/env bash
# Profiles recorded in different units of one kind merge as go tool pprof
# merges them: every input scaled to the finest unit first.
. "$(dirname "$0")/oracle_lib.sh"
: "${PD_TESTTOOL:?}"

# setunit IN OUT IDX UNIT DIVISOR (IDX -1 = period type)
setunit() { "$PD_TESTTOOL" setunit "$@" || pd_die "pd_testtool setunit $*"; }

# CPU: one profile in microseconds (values and period), one in nanoseconds.
setunit "$FX/cpu-2.pb.gz" "$W/cpu-us-a.pb.gz" 1 microseconds 1000
setunit "$W/cpu-us-a.pb.gz" "$W/cpu-us.pb.gz" -1 microseconds 1000
# Heap: alloc_space and inuse_space in kilobytes.
setunit "$FX/heap-2.pb.gz" "$W/heap-kb-a.pb.gz" 1 kilobytes 1024
setunit "$W/heap-kb-a.pb.gz" "$W/heap-kb.pb.gz" 3 kilobytes 1024
# Block: delay in milliseconds.
setunit "$FX/block-2.pb.gz" "$W/block-ms.pb.gz" 1 milliseconds 1000000

check() {
	local label="$1"
	shift
	"$PPROFD" merge -o "$W/ours.pb.gz" "$@" || pd_die "$label: pprofd merge failed"
	go tool pprof -proto -symbolize=none "$@" >"$W/theirs.pb.gz" 2>/dev/null ||
		pd_die "$label: go tool pprof failed"
	pd_expect_same_raw "$label" "$W/ours.pb.gz" "$W/theirs.pb.gz"
}

check "cpu ns + us" "$FX/cpu-1.pb.gz" "$W/cpu-us.pb.gz"
check "cpu us + ns (finest unit wins whatever the order)" "$W/cpu-us.pb.gz" "$FX/cpu-1.pb.gz" "$FX/cpu-3.pb.gz"
check "heap bytes + kilobytes" "$W/heap-kb.pb.gz" "$FX/heap-1.pb.gz"
check "block ns + ms" "$FX/block-1.pb.gz" "$W/block-ms.pb.gz"
check "cpu us alone" "$W/cpu-us.pb.gz" "$W/cpu-us.pb.gz"

# The merged CPU profile is in nanoseconds.
"$PPROFD" merge -o "$W/m.pb.gz" "$W/cpu-us.pb.gz" "$FX/cpu-1.pb.gz"
pd_raw "$W/m.pb.gz" | grep -q '^PeriodType: cpu nanoseconds' || pd_die "merged period type is not nanoseconds"
pd_raw "$W/m.pb.gz" | grep -q '^samples/count cpu/nanoseconds' || pd_die "merged sample types are not nanoseconds"
PD_CHECKS=$((PD_CHECKS + 1))

# Units of different kinds cannot be reconciled.
setunit "$FX/cpu-2.pb.gz" "$W/cpu-bytes.pb.gz" 1 bytes 1
if "$PPROFD" merge -o "$W/bad.pb.gz" "$FX/cpu-1.pb.gz" "$W/cpu-bytes.pb.gz" 2>"$W/err"; then
	pd_die "merging nanoseconds with bytes succeeded"
fi
grep -q "incompatible" "$W/err" || pd_die "unit error does not say incompatible: $(cat "$W/err")"
PD_CHECKS=$((PD_CHECKS + 1))
pd_done
