#!/usr/bin/env bash
# Bytes benchmark: what the database keeps per byte fetched, scraping real
# Go programs with every profile type.
#
#   bench/bytes_bench.sh MODE [SECONDS] [INTERVAL]   (defaults: 3600 s, 10s)
#
# MODE versions: two builds of the test service (v1 and v2, distinct binaries
#   as two deployments are), two instances of each, one job.
# MODE binaries: three different Go programs (the test service, the fault
#   server, bench/manyports), one job each.
# pprofd scrapes cpu (5 s), heap, allocs, goroutine, block, mutex and
# threadcreate where the program serves them, every INTERVAL, for SECONDS.
#
# Printed: gzip bytes fetched, database bytes (page_count x page_size: the
# file after a checkpoint, indexes and free pages included) and their ratio,
# over the whole run and over its second half (the steady state: symbols
# are mostly known by then); and where the bytes are (profile columns,
# symbol chunks, the rest). Files in build/bench/bytes-MODE/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD:-$root/build}"
mode="${1:-}"
secs="${2:-3600}"
interval="${3:-10s}"
# shellcheck source=lib.sh
. "$root/bench/lib.sh"
die() { bench_die "$@"; }
[[ $mode == versions || $mode == binaries ]] || die "usage: $0 versions|binaries [SECONDS] [INTERVAL]"
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer"
bench_require "$build/pprofd" "$build/pprofd-testtarget" "$build/pprofd-faultserver" sqlite3 curl
work="$build/bench/bytes-$mode"
rm -rf "$work"
mkdir -p "$work"
W=$work
life="$((secs + 120))s"

job() { # NAME TYPES ADDR...
	local name=$1 types=$2 t
	shift 2
	echo "  - job_name: $name"
	echo "    static_configs: [{targets: [$(printf '"%s",' "$@" | sed 's/,$//')]}]"
	echo "    profiles:"
	for t in cpu heap allocs goroutine block mutex threadcreate; do
		if [[ ",$types," == *",$t,"* ]]; then
			[[ $t == cpu ]] && echo "      cpu: {enabled: true, seconds: 5}" || echo "      $t: {enabled: true}"
		else
			echo "      $t: {enabled: false}"
		fi
	done
}
all=cpu,heap,allocs,goroutine,block,mutex,threadcreate
jobs_yaml=""
if [[ $mode == versions ]]; then
	# a second build of the same sources is another binary (build id)
	v2bin="$work/pprofd-testtarget-v2"
	(cd "$root/tests/target" && go build -ldflags "-X main.buildLabel=v2" -o "$v2bin" .) ||
		die "cannot build the v2 test service"
	addrs=()
	for v in v1 v1 v2 v2; do
		bin="$build/pprofd-testtarget"
		[[ $v == v2 ]] && bin=$v2bin
		pd_target_start "$bin" -variant "$v" -load 0.1 -duration "$life" || die "target $v"
		addrs+=("$PD_TARGET_ADDR")
	done
	jobs_yaml=$(job svc "$all" "${addrs[@]}")
else
	pd_target_start "$build/pprofd-testtarget" -load 0.1 -duration "$life" || die "target"
	a1=$PD_TARGET_ADDR
	pd_target_start "$build/pprofd-faultserver" -duration "$life" || die "fault server"
	a2=$PD_TARGET_ADDR
	(cd "$root/bench/manyports" && go build -o "$work/manyports" .) || die "build manyports"
	"$work/manyports" -ports 1 -out "$work/mp.addr" -duration "$life" -workers 2 >/dev/null 2>&1 &
	PD_TARGET_PIDS+=("$!")
	wait_for 30 "manyports to listen" test -s "$work/mp.addr"
	jobs_yaml="$(job svc "$all" "$a1")
$(job fault heap "$a2")
$(job many heap,allocs,goroutine,mutex "$(cat "$work/mp.addr")")"
fi

cat >"$work/pprofd.yaml" <<EOF
server:
  listen: 127.0.0.1:0
storage:
  path: $work/pprofd.db
global:
  scrape_interval: $interval
scrape_configs:
$jobs_yaml
EOF
PPROFD="$build/pprofd" pd_daemon_start "$work/pprofd.yaml"
port() { grep -m1 'msg="listening"' "$work/pprofd.log" | grep -o 'port=[0-9]*' | cut -d= -f2; }
listening() { [[ -n $(port) ]]; }
wait_for 10 "pprofd to listen" listening
metric() { curl -sf "http://127.0.0.1:$(port)/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
db_bytes() { sqlite3 "$work/pprofd.db" "PRAGMA page_count" "PRAGMA page_size" | paste -sd'*' | bc; }

echo "bytes_bench $mode: ${secs}s every $interval ..." >&2
sleep $((secs / 2)) # deliberate: the run's length is what is measured
f1=$(metric pprofd_scraped_bytes_total)
d1=$(db_bytes)
sleep $((secs - secs / 2))
f2=$(metric pprofd_scraped_bytes_total)
stored=$(metric pprofd_profiles_stored_total)
pd_daemon_stop
sqlite3 "$work/pprofd.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
d2=$(db_bytes)
read -r rows symbols nprof nparts < <(sqlite3 -separator ' ' "$work/pprofd.db" \
	"SELECT (SELECT sum(size) FROM profiles), (SELECT sum(length(data)) FROM symbols),
	        (SELECT count(*) FROM profiles), (SELECT count(*) FROM partitions)")
awk -v f1="$f1" -v f2="$f2" -v d1="$d1" -v d2="$d2" -v rows="$rows" -v sym="$symbols" \
	-v n="$nprof" -v parts="$nparts" -v stored="$stored" -v mode="$mode" 'BEGIN {
	printf "mode %s: %d profiles stored (%d in the file), %d partitions\n", mode, stored, n, parts
	printf "fetched (gzip)   %12d bytes\n", f2
	printf "database         %12d bytes   ratio %.4f x\n", d2, d2 / f2
	printf "second half      %12d bytes of %d fetched: ratio %.4f x (steady state)\n", d2 - d1, f2 - f1, (d2 - d1) / (f2 - f1)
	printf "  profile columns %11d bytes (%.0f per profile)\n", rows, rows / n
	printf "  symbol chunks   %11d bytes\n", sym
	printf "  the rest        %11d bytes (rows, indexes, series, free pages)\n", d2 - rows - sym
}'
