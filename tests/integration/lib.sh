# shellcheck shell=bash
# Helpers for pprofd's integration tests and benchmarks. Source this file:
#
#   . "$(dirname "$0")/lib.sh"
#   pd_go_env
#   pd_cleanup_on_exit
#   pd_build_target "$PD_WORK/target" || pd_die "cannot build the target"
#   pd_target_start "$PD_WORK/target" -variant v2 || pd_die "target did not start"
#   pd_fetch "http://$PD_TARGET_ADDR/debug/pprof/heap" "$PD_WORK/heap.pb.gz"
#
# Targets are the Go program in tests/target: it binds 127.0.0.1 only, prints
# "listening on 127.0.0.1:PORT" once bound, and exits by itself after
# -duration (10 minutes unless told otherwise).
#
# Tests wait for what they need with wait_for (a condition polled up to a
# deadline), not with a fixed pause; the few pauses left are ones whose
# length is the point, each saying so on its line.

# Directory of this file (tests/integration).
PD_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Pids of the targets started by pd_target_start, and their stdout/stderr files.
PD_TARGET_PIDS=(${PD_TARGET_PIDS[@]+"${PD_TARGET_PIDS[@]}"})
PD_TARGET_LOGS=(${PD_TARGET_LOGS[@]+"${PD_TARGET_LOGS[@]}"})
# Commands run by the EXIT trap after the targets are stopped (pd_on_exit).
PD_EXIT_HOOKS=(${PD_EXIT_HOOKS[@]+"${PD_EXIT_HOOKS[@]}"})

# pd_die MSG: print "FAIL: MSG" to stderr and exit 1.
pd_die() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_for [-r] SECONDS WHAT CMD [ARGS...]: the one way these tests wait for
# something to happen. Runs CMD ARGS every 0.2 s until it succeeds, at most
# SECONDS (whole seconds, wall clock) after the call: CMD runs at least once,
# and the last try starts before the deadline. Past it, the test fails with
# "FAIL: timed out after SECONDS s waiting for WHAT"; with -r, wait_for
# returns 1 instead, silently, for a caller that reports or cleans up itself.
# CMD runs in this shell (it may set variables for the caller) as a condition,
# so set -e does not apply inside it: its exit status must say whether the
# wait is over. It may call pd_die to fail at once (for instance when the
# daemon died).
wait_for() {
	local ret=0
	if [[ "${1:-}" == -r ]]; then
		ret=1
		shift
	fi
	if (($# < 3)) || [[ ! "$1" =~ ^[0-9]+$ ]]; then
		pd_die "wait_for: usage: wait_for [-r] SECONDS WHAT CMD [ARGS...], not: wait_for $*"
	fi
	local secs="$1" what="$2"
	shift 2
	# EPOCHREALTIME in microseconds, whatever the locale's decimal point.
	local now="${EPOCHREALTIME//[!0-9]/}"
	local deadline=$((now + secs * 1000000))
	until "$@"; do
		now="${EPOCHREALTIME//[!0-9]/}"
		if ((now >= deadline)); then
			((ret == 0)) || return 1
			pd_die "timed out after $secs s waiting for $what"
		fi
		sleep 0.2 # the poll period: the one sleep in these tests that waits for a condition
	done
}

# pd_go_env: make `go build` and `go tool pprof` work offline, with caches in
# writable folders under ${PD_WORK:-/tmp}/go.
pd_go_env() {
	local base="${PD_WORK:-/tmp}/go"
	mkdir -p "$base/path" "$base/cache" "$base/tmp" || return 1
	export GOPATH="$base/path"
	export GOMODCACHE="$base/path/pkg/mod"
	export GOCACHE="$base/cache"
	export GOFLAGS=-mod=mod
	export GO111MODULE=on
	export GOTOOLCHAIN=local
	export GOPROXY=off
	export GOSUMDB=off
	# Where `go tool pprof` would save profiles it fetches over HTTP.
	export PPROF_TMPDIR="$base/tmp"
}

# pd_build_target OUT: build tests/target into OUT (call pd_go_env first).
# The Go module lives in tests/target, so `go build ./tests/target` from the
# repository root does not work: build from inside it.
pd_build_target() {
	local out="${1:-}"
	[[ -n "$out" ]] || {
		echo "pd_build_target: usage: pd_build_target OUT" >&2
		return 2
	}
	[[ "$out" == /* ]] || out="$PWD/$out"
	(cd "$PD_LIB_DIR/../target" && go build -o "$out" .)
}

# pd_target_start BIN [ARGS...]: start BIN -listen 127.0.0.1:0 ARGS... in the
# background and wait (at most 10 s) until it has printed its address. Call it
# directly, not in $(...): the pid must be recorded in this shell. Sets
# PD_TARGET_PID and PD_TARGET_ADDR (host:port) and appends the pid to
# PD_TARGET_PIDS, so several targets can run at once. Returns 1 with a
# message on stderr if the target does not come up.
pd_target_start() {
	local bin="${1:-}"
	shift || true
	# shellcheck disable=SC2034 # both are results for the caller
	PD_TARGET_PID="" PD_TARGET_ADDR=""
	if [[ -z "$bin" || ! -x "$bin" ]]; then
		echo "pd_target_start: not an executable: '$bin'" >&2
		return 1
	fi
	local logdir="${PD_WORK:-/tmp}"
	mkdir -p "$logdir" || return 1
	local out err
	out="$(mktemp "$logdir/pd-target.XXXXXX.out")" || return 1
	err="${out%.out}.err"

	"$bin" -listen 127.0.0.1:0 "$@" >"$out" 2>"$err" &
	local pid=$!
	PD_TARGET_PIDS+=("$pid")
	PD_TARGET_LOGS+=("$out" "$err")

	local why=""
	if wait_for -r 10 "$bin to print its address" _pd_target_up "$out" "$pid"; then
		if [[ -n "$_pd_listen_line" ]]; then
			PD_TARGET_PID="$pid"
			PD_TARGET_ADDR="${_pd_listen_line#listening on }"
			return 0
		fi
		local st=0
		wait "$pid" 2>/dev/null || st=$?
		why="exited (status $st) before listening"
	else
		why="(pid $pid) did not print 'listening on' within 10 s"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	_pd_forget_pid "$pid"
	echo "pd_target_start: $bin $why: $(head -n 3 "$err" | tr '\n' ' ')" >&2
	return 1
}

# _pd_target_up OUT PID: true once the target has printed its "listening on"
# line to OUT (then in _pd_listen_line) or PID has exited (_pd_listen_line
# empty). Checks the pid first: a target that printed and then exited is up.
_pd_target_up() {
	local gone=0
	kill -0 "$2" 2>/dev/null || gone=1
	_pd_listen_line="$(grep -m1 '^listening on ' "$1" 2>/dev/null || true)"
	[[ -n "$_pd_listen_line" || $gone == 1 ]]
}

# _pd_forget_pid PID: drop PID from PD_TARGET_PIDS (it is gone and reaped).
_pd_forget_pid() {
	local p keep=()
	for p in ${PD_TARGET_PIDS[@]+"${PD_TARGET_PIDS[@]}"}; do
		[[ "$p" == "$1" ]] || keep+=("$p")
	done
	PD_TARGET_PIDS=(${keep[@]+"${keep[@]}"})
}

# _pd_is_our_child PID: true if PID is a running (not zombie) child of this
# shell. A target that exited by itself has been reaped by bash, and its pid
# may belong to an unrelated process by now: never signal that one.
_pd_is_our_child() {
	local stat rest state ppid
	stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
	rest="${stat##*) }" # the fields after "(comm)": state ppid ...
	read -r state ppid _ <<<"$rest"
	[[ "$state" != Z && "$ppid" == "$BASHPID" ]]
}

# pd_targets_stop: stop every target started so far: SIGTERM, then SIGKILL
# for any still alive after 3 s. Always returns 0 (safe under set -e).
pd_targets_stop() {
	local pid ours=()
	for pid in ${PD_TARGET_PIDS[@]+"${PD_TARGET_PIDS[@]}"}; do
		if _pd_is_our_child "$pid"; then
			ours+=("$pid")
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	wait_for -r 3 "the targets to exit after SIGTERM" _pd_all_exited ${ours[@]+"${ours[@]}"} || true
	for pid in ${ours[@]+"${ours[@]}"}; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true # reap
	done
	rm -f ${PD_TARGET_LOGS[@]+"${PD_TARGET_LOGS[@]}"}
	PD_TARGET_PIDS=()
	PD_TARGET_LOGS=()
	# shellcheck disable=SC2034 # results of pd_target_start, for the caller
	PD_TARGET_PID="" PD_TARGET_ADDR=""
	return 0
}

# _pd_all_exited PID...: true once none of the PIDs is a running child of ours.
_pd_all_exited() {
	local pid
	for pid in "$@"; do
		! _pd_is_our_child "$pid" || return 1
	done
}

# pd_on_exit CMD: run CMD (with eval) at exit, after the targets are stopped.
pd_on_exit() {
	PD_EXIT_HOOKS+=("$*")
}

# pd_cleanup_on_exit: stop all targets (and run pd_on_exit hooks) whenever the
# script exits, keeping its exit status. INT and TERM exit through the same path.
pd_cleanup_on_exit() {
	trap '_pd_exit_trap' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

_pd_exit_trap() {
	local rc=$? hook
	pd_targets_stop
	for hook in ${PD_EXIT_HOOKS[@]+"${PD_EXIT_HOOKS[@]}"}; do
		eval "$hook" || true
	done
	exit "$rc"
}

# pd_fetch URL OUTFILE: GET a loopback URL into OUTFILE (30 s at most, fails
# on any HTTP error). Refuses URLs that are not on 127.0.0.1/localhost/[::1].
pd_fetch() {
	local url="$1" out="$2"
	if [[ -z "$url" || -z "$out" ]]; then
		echo "pd_fetch: usage: pd_fetch URL OUTFILE" >&2
		return 2
	fi
	case "$url" in
	http://127.0.0.1[:/]* | http://localhost[:/]* | "http://[::1]"[:/]* | https://127.0.0.1[:/]* | https://localhost[:/]* | "https://[::1]"[:/]*) ;;
	*)
		echo "pd_fetch: refusing non-loopback URL: $url" >&2
		return 2
		;;
	esac
	curl --max-time 30 -sS -f --noproxy '*' -o "$out" "$url"
}

# --- shared by the daemon tests --------------------------------------------

# pd_test_dir NAME: a fresh work folder $PD_WORK/NAME, in W; every target
# and daemon started afterwards is stopped when the script exits.
pd_test_dir() {
	W="${PD_WORK:?}/$1"
	rm -rf "$W"
	mkdir -p "$W"
	pd_cleanup_on_exit
}

PD_OK=0
# pd_ok MSG: count a check that held.
pd_ok() {
	PD_OK=$((PD_OK + 1))
	echo "ok: $*"
}

# pd_passed: the closing line ctest's readers expect; fails if nothing ran.
pd_passed() {
	((PD_OK > 0)) || pd_die "no check ran"
	echo "$PD_OK passed, 0 failed"
}

# pd_config_head [INTERVAL]: the start of a daemon config: the API on a
# free port, the database in $W/data, a global scrape interval (default 2s).
pd_config_head() {
	printf 'server:\n  listen: 127.0.0.1:0\nstorage:\n  path: %s/data/pprofd.db\nglobal:\n  scrape_interval: %s\n' \
		"$W" "${1:-2s}"
}

# pd_daemon_start CONFIG [LOG]: pprofd run in the background (PD_DAEMON_PID),
# logging to LOG (default $W/pprofd.log); killed -9 at exit if still alive.
pd_daemon_start() {
	local log="${2:-$W/pprofd.log}"
	PD_DAEMON_LOG=$log
	"${PPROFD:?}" run -c "$1" 2>"$log" &
	PD_DAEMON_PID=$!
	pd_on_exit "kill -9 $PD_DAEMON_PID 2>/dev/null || true"
}

# daemon_alive: die with the log's tail if pprofd exited.
daemon_alive() {
	kill -0 "$PD_DAEMON_PID" 2>/dev/null || pd_die "pprofd died: $(tail -5 "$W/pprofd.log")"
}

# daemon_log_has REGEX: pprofd is alive (else die) and its log has a line
# matching REGEX (a grep basic regular expression).
daemon_log_has() {
	daemon_alive && grep -q -- "$1" "$W/pprofd.log"
}

# pd_daemon_stop: SIGTERM; the daemon must exit 0 within 5 s.
pd_daemon_stop() {
	local start=$SECONDS rc=0
	kill -TERM "$PD_DAEMON_PID"
	wait "$PD_DAEMON_PID" || rc=$?
	[[ $rc == 0 ]] || pd_die "pprofd exited $rc after SIGTERM"
	((SECONDS - start <= 5)) || pd_die "SIGTERM took $((SECONDS - start)) s"
}

# _pd_port: the port the running daemon logged it listens on ("" if none yet).
_pd_port() {
	grep -m1 'msg="listening"' "${PD_DAEMON_LOG:-$W/pprofd.log}" 2>/dev/null | grep -o 'port=[0-9]*' | cut -d= -f2
}
_pd_listening() { daemon_alive && [[ -n $(_pd_port) ]]; }

# pd_stored_profile ID OUT: stored profile ID as gzip pprof, read the way a
# user reads it (GET /api/v1/profiles/ID) from the running daemon: the
# database keeps the stored form, not pprof.
pd_stored_profile() {
	wait_for 10 "pprofd to listen" _pd_listening
	pd_fetch "http://127.0.0.1:$(_pd_port)/api/v1/profiles/$1" "$2"
}

# pd_traces PROFILE: `go tool pprof -traces` of PROFILE with its samples
# sorted (one sample a line) after its header lines: the same text for two
# merges of the same profiles whatever order their samples are in. A merge
# the daemon reads from rollups holds the samples of the raw merge, summed
# the same, in another order (and with other location ids).
pd_traces() {
	go tool pprof -traces -symbolize=none "$1" 2>/dev/null | awk '
		/^-+[+]-+$/ { if (b != "") print b; b = "#"; next }
		b == "" { print " " $0; next }
		{ b = b "\t" $0 }
		END { if (b != "") print b }' | sort
}

# pd_raw_canon RAW: the text of `go tool pprof -raw` (file RAW) with each
# sample's location ids replaced by the locations themselves (address,
# mapping, every inlined line) and the samples sorted: equal for two
# profiles that hold the same samples, whatever their sample order and
# location ids. Everything else (header, sample types, mappings) is kept.
pd_raw_canon() {
	awk '
	function flush() { if (cur != "") print cur | "sort"; cur = "" }
	NR == FNR {
		if ($0 ~ /^Locations/) { inloc = 1; next }
		if ($0 ~ /^Mappings/) inloc = 0
		if (!inloc) next
		line = $0
		if (match(line, /^ *[0-9]+: /)) {
			last = $1; sub(/:$/, "", last)
			loc[last] = substr(line, RLENGTH + 1)
		} else {
			sub(/^ +/, "", line); loc[last] = loc[last] " | " line
		}
		next
	}
	/^Samples:/ { insm = 1; print; getline; print; next }
	/^Locations/ { insm = 0; flush(); close("sort"); skip = 1; next }
	/^Mappings/ { skip = 0 }
	skip { next }
	insm && $0 !~ /:\[/ {
		flush()
		n = index($0, ":"); cur = "S" substr($0, 1, n)
		k = split(substr($0, n + 1), ids, " ")
		for (i = 1; i <= k; i++) cur = cur " <" loc[ids[i]] ">"
		next
	}
	insm { line = $0; sub(/^ +/, "", line); cur = cur " " line; next }
	{ print }' "$1" "$1"
}

# pd_raw_same PROFILE: pd_raw_canon of PROFILE's `go tool pprof -raw`
# (pd_die if pprof cannot read it): what a profile read back from the store
# must print the same as the file that was stored.
pd_raw_same() {
	go tool pprof -raw -symbolize=none "$1" >"$W/pprof.raw" 2>"$W/pprof.err" ||
		pd_die "pprof -raw $1: $(cat "$W/pprof.err")"
	pd_raw_canon "$W/pprof.raw"
}

# pd_same_samples A B WHAT: pd_die WHAT unless profiles A and B have the
# same header and samples (pd_traces), and some samples.
pd_same_samples() {
	pd_traces "$1" >"$W/traces.a"
	pd_traces "$2" >"$W/traces.b"
	grep -q '^#' "$W/traces.a" || pd_die "$3: no samples in $1"
	cmp -s "$W/traces.a" "$W/traces.b" || {
		diff "$W/traces.a" "$W/traces.b" | head -20 >&2
		pd_die "$3"
	}
}

# pd_db_query SQL...: a query on the daemon's database ($W/data/pprofd.db).
pd_db_query() {
	sqlite3 -batch -noheader "$W/data/pprofd.db" "$@"
}
