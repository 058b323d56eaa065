#!/usr/bin/env bash
# pprofd merge equals go tool pprof -proto on the same real profiles, for
# every Go profile type: same samples, values, locations, mappings, headers.
. "$(dirname "$0")/oracle_lib.sh"

for t in cpu heap allocs goroutine block mutex threadcreate; do
	files=("$FX/$t"-[0-9].pb.gz)
	((${#files[@]} >= 2)) || pd_die "fixtures for $t missing"
	"$PPROFD" merge -o "$W/ours-$t.pb.gz" "${files[@]}" || pd_die "pprofd merge failed on $t"
	go tool pprof -proto -symbolize=none "${files[@]}" >"$W/theirs-$t.pb.gz" 2>/dev/null ||
		pd_die "go tool pprof -proto failed on $t"
	pd_expect_same_raw "merge $t x${#files[@]}" "$W/ours-$t.pb.gz" "$W/theirs-$t.pb.gz"
	ours=$(pd_totals "$W/ours-$t.pb.gz")
	theirs=$(pd_totals "$W/theirs-$t.pb.gz")
	[[ "$ours" == "$theirs" ]] || pd_die "merge $t totals differ: $ours vs $theirs"
	# A merge must hold the sum of its inputs.
	sum=$(for f in "${files[@]}"; do pd_totals "$f"; done | awk '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); tot[kv[1]] += kv[2]; order[i] = kv[1] } n = NF }
		END { for (i = 1; i <= n; i++) printf "%s=%d ", order[i], tot[order[i]]; print "" }')
	[[ "$ours" == "$sum" ]] || pd_die "merge $t totals $ours are not the sum of the inputs $sum"
done

# One file: the same as pprof's own re-encoding of it (compaction included).
"$PPROFD" merge -o "$W/one.pb.gz" "$FX/heap-1.pb.gz"
go tool pprof -proto -symbolize=none "$FX/heap-1.pb.gz" >"$W/one-theirs.pb.gz" 2>/dev/null
pd_expect_same_raw "merge of one heap profile" "$W/one.pb.gz" "$W/one-theirs.pb.gz"

# To stdout, raw (uncompressed) input too.
gzip -dc "$FX/cpu-1.pb.gz" >"$W/cpu-1.pb"
"$PPROFD" merge "$W/cpu-1.pb" "$FX/cpu-2.pb.gz" >"$W/stdout.pb.gz" || pd_die "merge to stdout failed"
go tool pprof -proto -symbolize=none "$FX/cpu-1.pb.gz" "$FX/cpu-2.pb.gz" >"$W/stdout-theirs.pb.gz" 2>/dev/null
pd_expect_same_raw "merge raw+gzip to stdout" "$W/stdout.pb.gz" "$W/stdout-theirs.pb.gz"

# Different profile types do not merge.
if "$PPROFD" merge -o "$W/bad.pb.gz" "$FX/cpu-1.pb.gz" "$FX/heap-1.pb.gz" 2>"$W/err"; then
	pd_die "merging cpu with heap succeeded"
fi
grep -q "incompatible" "$W/err" || pd_die "cpu+heap error does not say incompatible: $(cat "$W/err")"
[[ ! -e "$W/bad.pb.gz" ]] || pd_die "a failed merge left an output file"
PD_CHECKS=$((PD_CHECKS + 1))
pd_done
