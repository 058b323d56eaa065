#!/usr/bin/env bash
# pprofd diff equals go tool pprof -proto with -diff_base / -base, with and
# without -normalize (Go 1.19's pprof: the target is scaled to the base's
# total), on real profiles of several types.
. "$(dirname "$0")/oracle_lib.sh"

pairs=("cpu-1 cpu-v2-1" "heap-1 heap-3" "allocs-1 allocs-2" "goroutine-1 goroutine-3"
	"block-1 block-3" "mutex-1 mutex-2" "cpu-2 cpu-2")
for pair in "${pairs[@]}"; do
	read -r base target <<<"$pair"
	for mode in diff_base base; do
		for norm in "" normalize; do
			ours_flags=()
			theirs_flags=("-$mode" "$FX/$base.pb.gz")
			[[ $mode == base ]] && ours_flags+=(--base)
			if [[ -n $norm ]]; then
				ours_flags+=(--normalize)
				theirs_flags=(-normalize "${theirs_flags[@]}")
			fi
			label="diff -$mode${norm:+ -normalize} $base -> $target"
			"$PPROFD" diff "${ours_flags[@]}" -o "$W/ours.pb.gz" "$FX/$base.pb.gz" "$FX/$target.pb.gz" ||
				pd_die "$label: pprofd diff failed"
			go tool pprof -symbolize=none "${theirs_flags[@]}" -proto "$FX/$target.pb.gz" \
				>"$W/theirs.pb.gz" 2>"$W/theirs.err" || pd_die "$label: go tool pprof failed: $(cat "$W/theirs.err")"
			pd_expect_same_raw "$label" "$W/ours.pb.gz" "$W/theirs.pb.gz"
		done
	done
done

# -diff_base marks the base's samples; a profile diffed with itself under
# -base cancels to no samples at all.
pd_raw "$W/ours.pb.gz" >/dev/null
"$PPROFD" diff -o "$W/self.pb.gz" "$FX/cpu-1.pb.gz" "$FX/cpu-2.pb.gz"
pd_raw "$W/self.pb.gz" | grep -q 'pprof::base:\[true\]' || pd_die "-diff_base output lacks pprof::base labels"
"$PPROFD" diff --base -o "$W/zero.pb.gz" "$FX/cpu-1.pb.gz" "$FX/cpu-1.pb.gz"
n=$(pd_raw "$W/zero.pb.gz" | awk '/^Samples:/{s=1;getline;next} /^Locations/{s=0} s&&NF{n++} END{print n+0}')
[[ $n == 0 ]] || pd_die "a profile minus itself kept $n samples"
PD_CHECKS=$((PD_CHECKS + 2))

# Usage errors exit 2.
set +e
"$PPROFD" diff "$FX/cpu-1.pb.gz" 2>/dev/null
rc=$?
set -e
[[ $rc == 2 ]] || pd_die "diff with one file exited $rc, want 2"
pd_done
