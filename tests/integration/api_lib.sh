# shellcheck shell=bash
# Shared by the api_* tests (sourced after lib.sh): start pprofd with its
# HTTP API and talk to it.
#
# The config validator refuses `listen: 127.0.0.1:0` today, so api_start
# picks a free port itself; either way the port is read back from the
# daemon's `msg="listening" ... port=N` line, so the tests do not depend on
# how it was chosen.

# api_free_port: a loopback port nobody listens on (random, checked).
api_free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# api_start CONFIG_BODY: write $W/pprofd.yaml = server section (listen, and
# auth_token_file if API_TOKEN_FILE is set) + storage + CONFIG_BODY, start
# the daemon and wait (10 s) for its listening line. Sets API (base URL).
api_start() {
	local body="$1" try port line
	for ((try = 0; try < 3; try++)); do
		port=$(api_free_port) || pd_die "no free port"
		{
			echo "server:"
			echo "  listen: 127.0.0.1:$port"
			[[ -z "${API_TOKEN_FILE:-}" ]] || echo "  auth_token_file: $API_TOKEN_FILE"
			echo "storage:"
			echo "  path: $W/data/pprofd.db"
			echo "$body"
		} >"$W/pprofd.yaml"
		: >"$W/pprofd.log"
		pd_daemon_start "$W/pprofd.yaml"
		_api_listening_line=""
		wait_for -r 10 "pprofd to listen" _api_listening || true
		line=$_api_listening_line
		if [[ -n "$line" ]]; then
			port=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' <<<"$line")
			API="http://127.0.0.1:$port"
			return 0
		fi
		wait "$PD_DAEMON_PID" 2>/dev/null || true
		grep -q 'cannot bind' "$W/pprofd.log" || break
	done
	pd_die "pprofd did not listen: $(tail -3 "$W/pprofd.log")"
}

# _api_listening: true once pprofd has logged its listening line (then in
# _api_listening_line) or has exited (_api_listening_line empty).
_api_listening() {
	local gone=0
	kill -0 "$PD_DAEMON_PID" 2>/dev/null || gone=1
	_api_listening_line=$(grep -m1 'msg="listening"' "$W/pprofd.log" || true)
	[[ -n "$_api_listening_line" || $gone == 1 ]]
}

# api_get PATH [CURL_ARGS...]: body in $W/body, status in $STATUS.
api_get() {
	local path="$1"
	shift
	STATUS=$(curl --max-time 30 -sS --noproxy '*' -o "$W/body" -w '%{http_code}' "$@" "$API$path") ||
		STATUS=000
}

# api_expect STATUS PATH [CURL_ARGS...]: the answer has that status.
api_expect() {
	local want="$1" path="$2"
	shift 2
	api_get "$path" "$@"
	[[ "$STATUS" == "$want" ]] || pd_die "GET $path: status $STATUS, want $want: $(head -c 300 "$W/body")"
}

# api_expect_error STATUS PATH PARAM: status and {"error":"PARAM: ..."}.
api_expect_error() {
	api_expect "$1" "$2"
	grep -q "^{\"error\":\"$3: " "$W/body" ||
		pd_die "GET $2: error does not name $3: $(head -c 300 "$W/body")"
}

# api_fill_deployments N: N flat-out CPU profiles of each variant of the
# test target (v2 adds main.hotPathV2Only), stored in $W/data/pprofd.db as
# jobs deploy-v1 and deploy-v2, ending now, before the daemon starts.
api_fill_deployments() {
	local n="$1" v
	mkdir -p "$W/data"
	for v in v1 v2; do
		"$PD_TARGET_BIN" -variant "$v" -cpu-profiles "$n" -out "$W/flat-$v" -each 100ms -hz 1000 -jobs 2 \
			>"$W/flat-$v.log" 2>&1 || pd_die "target -cpu-profiles -variant $v: $(tail -3 "$W/flat-$v.log")"
		"$PD_TESTTOOL" fill -n 1 -i 1 -d "$n" -j "deploy-$v" -t cpu "$W/data/pprofd.db" "$W/flat-$v"/*.pb.gz \
			>"$W/fill-$v.out" || pd_die "pd_testtool fill $v"
	done
}

# api_start_deployments LOAD DURATION INTERVAL PROFILES: two Go targets
# running -variant v1 and v2 ($t1, $t2), scraped every INTERVAL by job demo
# with deployment="v1" / "v2"; PROFILES is the job's indented profiles map.
api_start_deployments() {
	pd_target_start "$PD_TARGET_BIN" -load "$1" -duration "$2" -variant v1 || pd_die "target v1"
	t1=$PD_TARGET_ADDR
	pd_target_start "$PD_TARGET_BIN" -load "$1" -duration "$2" -variant v2 || pd_die "target v2"
	t2=$PD_TARGET_ADDR
	api_start "global:
  scrape_interval: $3
scrape_configs:
  - job_name: demo
    static_configs:
      - targets: [\"$t1\"]
        labels: {deployment: v1}
      - targets: [\"$t2\"]
        labels: {deployment: v2}
    profiles:
$4"
}
