# shellcheck shell=bash
# Shared by the tests of the write side of the API (api_register,
# api_capture, api_alerts, api_ingest); brings lib.sh and api_lib.sh along.
# JSON answers are read with sqlite3's json_extract (sqlite3 is already a
# test dependency; jq is not), label sets of stored profiles straight from
# the database.

_pd_write_lib_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$_pd_write_lib_dir/lib.sh"
. "$_pd_write_lib_dir/api_lib.sh"
: "${PPROFD:?}" "${PD_TARGET_BIN:?}" "${PD_WORK:?}"

# api_send METHOD PATH [CURL_ARGS...]: body in $W/body, response headers in
# $W/headers, status in $STATUS (000 when curl itself failed).
api_send() {
	local method="$1" path="$2"
	shift 2
	STATUS=$(curl --max-time 30 -sS --noproxy '*' -X "$method" -D "$W/headers" -o "$W/body" \
		-w '%{http_code}' "$@" "$API$path") || STATUS=000
}

# api_json METHOD PATH JSON [CURL_ARGS...]: api_send with JSON as the body.
api_json() {
	local method="$1" path="$2" json="$3"
	shift 3
	api_send "$method" "$path" -H 'Content-Type: application/json' --data-binary "$json" "$@"
}

# api_want STATUS METHOD PATH JSON [CURL_ARGS...]: the answer has that status.
api_want() {
	local want="$1" method="$2" path="$3" json="$4"
	shift 4
	api_json "$method" "$path" "$json" "$@"
	[[ "$STATUS" == "$want" ]] ||
		pd_die "$method $path $(head -c 200 <<<"$json"): status $STATUS, want $want: $(head -c 300 "$W/body")"
}

# api_want_error STATUS METHOD PATH JSON FIELD: that status and exactly one
# JSON object {"error":"FIELD: ..."}.
api_want_error() {
	api_want "$1" "$2" "$3" "$4"
	grep -qF "{\"error\":\"$5: " "$W/body" && [[ $(head -c 1 "$W/body") == "{" ]] ||
		pd_die "$2 $3 $(head -c 200 <<<"$4"): error does not name '$5': $(head -c 300 "$W/body")"
	[[ $(jget '$.error' | head -c 1) != "" ]] || pd_die "not a JSON error: $(head -c 300 "$W/body")"
}

# jget PATH [FILE]: json_extract(FILE (default $W/body), PATH); "" for null.
jget() {
	local f="${2:-$W/body}"
	sqlite3 -batch -noheader :memory: "SELECT json_extract(readfile('$f'), '$1')"
}

# jlen PATH [FILE]: the length of the JSON array at PATH (0 if absent).
jlen() {
	local f="${2:-$W/body}"
	sqlite3 -batch -noheader :memory: "SELECT count(*) FROM json_each(readfile('$f'), '$1')"
}

# jsql SQL: a query with the JSON of $W/body bound as table doc(j).
jsql() {
	sqlite3 -batch -noheader :memory: "WITH doc(j) AS (SELECT readfile('$W/body')) $1"
}

# sel_url NAME=VALUE...: the selector {NAME="VALUE",...} URL-encoded.
sel_url() {
	local s="" kv
	for kv in "$@"; do
		s+="${s:+,}${kv%%=*}=\"${kv#*=}\""
	done
	s="{$s}"
	local out="" i c
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case "$c" in
		[a-zA-Z0-9._~-]) out+="$c" ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	echo "$out"
}

# _series_sql NAME=VALUE...: the ids of the series that carry every label.
_series_sql() {
	local q="" kv n v
	for kv in "$@"; do
		n=${kv%%=*} v=${kv#*=}
		q+="${q:+ INTERSECT }SELECT series_id FROM series_labels WHERE name='${n//\'/\'\'}' AND value='${v//\'/\'\'}'"
	done
	echo "$q"
}

# db_profiles [-after NS] NAME=VALUE...: how many stored profiles carry
# every one of these labels (and, with -after, have time_ns > NS).
db_profiles() {
	local after=""
	if [[ "${1:-}" == -after ]]; then
		after=" AND time_ns > $2"
		shift 2
	fi
	pd_db_query "SELECT count(*) FROM profiles WHERE series_id IN ($(_series_sql "$@"))$after"
}

# db_label_values NAME NAME=VALUE...: the distinct values of label NAME on
# the series of the stored profiles that carry every given label, sorted,
# one per line.
db_label_values() {
	local name="$1"
	shift
	pd_db_query "SELECT DISTINCT value FROM series_labels WHERE name='$name' AND series_id IN
		(SELECT series_id FROM profiles WHERE series_id IN ($(_series_sql "$@"))) ORDER BY value"
}

# now_ns: the wall clock in nanoseconds.
now_ns() {
	local t=$EPOCHREALTIME
	echo "${t%.*}${t#*.}000"
}
