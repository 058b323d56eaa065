#!/usr/bin/env bash
# Runs the fuzz targets built by `make fuzz` (libFuzzer, ASan+UBSan), one
# after the other on one core, each for SECONDS or until it has run MAX_RUNS
# inputs, whichever comes first:
#   tests/fuzz/run.sh BUILD_DIR SECONDS [MAX_RUNS] [TARGET...]
# New inputs go to BUILD_DIR/fuzz/corpus/<target> (kept between runs), the
# seeds are read from tests/fuzz/corpus/<target>. A crash, leak, sanitizer
# report, timeout (10 s for one input) or allocation over 256 MiB stops that
# target and fails the run; the input is left in BUILD_DIR/fuzz/artifacts:
# add it to tests/fuzz/regress/<target>/ once fixed. One line per target
# reports executions, speed and coverage.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: run.sh BUILD_DIR SECONDS [MAX_RUNS] [TARGET...]}"
seconds="${2:?usage: run.sh BUILD_DIR SECONDS [MAX_RUNS] [TARGET...]}"
max_runs="${3:-0}"
shift $(($# >= 3 ? 3 : $#))
targets=("$@")
((${#targets[@]})) || targets=(decode render ingest selector time config file_sd api_body api_query stored)

dict_of() {
	case $1 in
	decode | render | ingest | stored) echo pprof ;;
	selector) echo selector ;;
	time) echo time ;;
	config | file_sd) echo config ;;
	api_body) echo json ;;
	api_query) echo query ;;
	esac
}
max_len_of() {
	case $1 in
	decode | render | ingest | stored) echo 65536 ;;
	config | file_sd | api_body) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

failed=0
for t in "${targets[@]}"; do
	bin="$build/tests/fuzz/fuzz_$t"
	[[ -x $bin ]] || { echo "fuzz: $bin missing (make fuzz builds it)" >&2; exit 2; }
	work="$build/fuzz/corpus/$t"
	arts="$build/fuzz/artifacts"
	mkdir -p "$work" "$arts"
	log="$build/fuzz/$t.log"
	"$bin" -max_total_time="$seconds" -runs="$((max_runs > 0 ? max_runs : -1))" \
		-timeout=10 -malloc_limit_mb=256 -rss_limit_mb=2048 -max_len="$(max_len_of "$t")" \
		-dict="$here/dict/$(dict_of "$t").dict" -artifact_prefix="$arts/$t-" \
		-print_final_stats=1 "$work" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	runs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log")
	secs=$(awk '/stat::number_of_executed_units:/ { n = $2 } /stat::average_exec_per_sec:/ { s = $2 } END { if (s > 0) printf "%d", n / s }' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{ print $2 }')
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{ print $2 }')
	rate=$(awk '/stat::average_exec_per_sec:/ { print $2 }' "$log")
	if ((rc == 0)); then
		printf 'fuzz %-9s ok    %10s runs in %4s s (%s/s), coverage %s edges, %s features\n' \
			"$t" "${runs:-?}" "${secs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}"
	else
		failed=$((failed + 1))
		printf 'fuzz %-9s FAIL  exit %d after %s runs; see %s\n' "$t" "$rc" "${runs:-?}" "$log"
		grep -m1 -E 'ERROR: |runtime error|SUMMARY' "$log" | sed 's/^/    /'
		ls -t "$arts" | grep "^$t-" | head -3 | sed "s|^|    artifact: $arts/|"
	fi
done
echo "$((${#targets[@]} - failed)) passed, $failed failed"
((failed == 0))
