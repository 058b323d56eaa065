#!/usr/bin/env bash
# go tool pprof merges its inputs in chunks of 64 and then merges the chunk
# results; pprofd reproduces that, so many inputs (with a unit change in a
# later chunk) still give the identical profile.
. "$(dirname "$0")/oracle_lib.sh"
: "${PD_TESTTOOL:?}"

"$PD_TESTTOOL" setunit "$FX/cpu-3.pb.gz" "$W/cpu-us-a.pb.gz" 1 microseconds 1000
"$PD_TESTTOOL" setunit "$W/cpu-us-a.pb.gz" "$W/cpu-us.pb.gz" -1 microseconds 1000
pool=("$FX/cpu-1.pb.gz" "$FX/cpu-2.pb.gz" "$FX/cpu-3.pb.gz" "$FX/cpu-v2-1.pb.gz" "$FX/cpu-v2-2.pb.gz")
files=()
for ((i = 0; i < 150; i++)); do
	if ((i == 100)); then
		files+=("$W/cpu-us.pb.gz")
	else
		files+=("${pool[i % ${#pool[@]}]}")
	fi
done
"$PPROFD" merge -o "$W/ours.pb.gz" "${files[@]}" || pd_die "pprofd merge of 150 failed"
go tool pprof -proto -symbolize=none "${files[@]}" >"$W/theirs.pb.gz" 2>/dev/null || pd_die "pprof failed"
pd_expect_same_raw "merge of 150 cpu profiles (3 chunks, one in microseconds)" "$W/ours.pb.gz" "$W/theirs.pb.gz"

# Exactly 64 and 65 inputs: the chunk boundary.
for n in 64 65; do
	"$PPROFD" merge -o "$W/ours.pb.gz" "${files[@]:0:n}"
	go tool pprof -proto -symbolize=none "${files[@]:0:n}" >"$W/theirs.pb.gz" 2>/dev/null
	pd_expect_same_raw "merge of $n cpu profiles" "$W/ours.pb.gz" "$W/theirs.pb.gz"
done
pd_done
