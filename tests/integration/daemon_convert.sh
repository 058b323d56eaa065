#!/usr/bin/env bash
# A database of schema version 3 (each profile its gzip pprof), made here
# with the version-3 schema and real profiles, opens in pprofd at once and
# converts to the stored form in steps while the API answers: the daemon is
# killed with -9 in the middle of it, restarted, and finishes. Then no
# profile is lost: the count is the same, every profile reads back, and the
# merge of every cpu profile equals go tool pprof -proto of the same files.
# Progress shows in the log and in /metrics. Wall time: about 20 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
: "${PD_FIXTURES:?}"
pd_test_dir daemon_convert
pd_go_env
FX=$PD_FIXTURES
N=1500
mkdir -p "$W/data"
DB=$W/data/pprofd.db

# --- a version-3 file: the schema as version 3 wrote it ---------------------
files=("$FX"/cpu-{1,2,3}.pb.gz "$FX"/cpu-v2-{1,2}.pb.gz "$FX"/heap-{1,2}.pb.gz "$FX"/goroutine-1.pb.gz)
types=(cpu cpu cpu cpu cpu heap heap goroutine)
{
	cat <<'SQL'
PRAGMA application_id = 1886417508;
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE series (id INTEGER PRIMARY KEY, type TEXT NOT NULL, labels TEXT NOT NULL UNIQUE);
CREATE TABLE series_labels (series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (series_id, name)) WITHOUT ROWID;
CREATE INDEX series_labels_name_value ON series_labels(name, value);
CREATE TABLE profiles (id INTEGER PRIMARY KEY AUTOINCREMENT, series_id INTEGER NOT NULL REFERENCES series(id),
  time_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL, sample_types TEXT NOT NULL,
  default_sample_type TEXT NOT NULL, totals BLOB NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX profiles_series_time ON profiles(series_id, time_ns);
CREATE INDEX profiles_time ON profiles(time_ns);
CREATE TABLE targets (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, address TEXT NOT NULL,
  profiles TEXT NOT NULL, scrape_interval_ms INTEGER NOT NULL, created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL, UNIQUE (job, address));
CREATE TABLE target_labels (target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
  name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (target_id, name)) WITHOUT ROWID;
CREATE TABLE captures (id INTEGER PRIMARY KEY, created_ns INTEGER NOT NULL, doc TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', 3);
SQL
	for i in "${!types[@]}"; do
		t=${types[$i]}
		echo "INSERT OR IGNORE INTO series(type, labels) VALUES ('$t', '{job=\"old\",type=\"$t\"}');"
	done
	echo "INSERT INTO series_labels SELECT id, 'job', 'old' FROM series;"
	echo "INSERT INTO series_labels SELECT id, 'type', type FROM series;"
	now=$(date +%s)000000000
	for ((i = 0; i < N; i++)); do
		k=$((i % ${#files[@]}))
		echo "INSERT INTO profiles(series_id, time_ns, duration_ns, sample_types, default_sample_type,
		  totals, size, data) SELECT id, $now - ($N - $i) * 1000000000, 0, 'x', '', x'', 0,
		  readfile('${files[$k]}') FROM series WHERE type = '${types[$k]}';"
	done
	echo "UPDATE profiles SET size = length(data);"
	echo "INSERT INTO meta VALUES ('total_bytes', (SELECT sum(size) FROM profiles));"
} | sqlite3 "$DB" || pd_die "cannot make the version-3 file"
[[ $(pd_db_query "SELECT count(*) FROM profiles") == "$N" ]] || pd_die "version-3 file"
pd_ok "a version-3 file of $N gzip profiles"

metric() { curl -sf "$API/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
# converting: the daemon is partway through (some rows converted, some left)
converting() {
	local left
	left=$(pd_db_query "SELECT count(*) FROM profiles WHERE partition_id IS NULL" 2>/dev/null || echo "$N")
	((left > 0 && left < N - 100))
}
api_start ""
wait_for 20 "the conversion to be under way" converting
grep -q 'msg="converting stored profiles" left=' "$W/pprofd.log" || pd_die "no progress line in the log"
# the API reads both kinds of rows meanwhile
api_expect 200 "/api/v1/profiles/1"
api_expect 200 "/api/v1/profiles/$N"
kill -9 "$PD_DAEMON_PID"
wait "$PD_DAEMON_PID" 2>/dev/null || true
left=$(pd_db_query "SELECT count(*) FROM profiles WHERE partition_id IS NULL")
[[ $(pd_db_query "PRAGMA integrity_check") == ok ]] || pd_die "integrity after kill -9"
pd_ok "killed -9 with $left of $N rows left to convert; the file is intact"

api_start ""
done_converting() { [[ $(metric pprofd_storage_convert_left) == 0 ]] && [[ $(pd_db_query "SELECT count(*) FROM profiles WHERE partition_id IS NULL") == 0 ]]; }
wait_for 60 "the conversion to finish" done_converting
grep -q 'msg="converted stored profiles"' "$W/pprofd.log" || pd_die "no end line in the log"
(($(metric pprofd_storage_converted_total) == left)) || pd_die "converted_total $(metric pprofd_storage_converted_total), want $left"
[[ $(pd_db_query "SELECT count(*) FROM profiles") == "$N" ]] || pd_die "profiles lost"
pd_ok "restarted: converted the $left rows left, all $N profiles still there"

# every profile reads back; the cpu merge equals go tool pprof's of the files
for ((id = 1; id <= N; id += 97)); do
	api_expect 200 "/api/v1/profiles/$id"
	go tool pprof -raw -symbolize=none "$W/body" >/dev/null 2>&1 || pd_die "profile $id unreadable"
done
cpu_files=()
for ((i = 0; i < N; i++)); do
	k=$((i % ${#files[@]}))
	[[ ${types[$k]} == cpu ]] && cpu_files+=("${files[$k]}")
done
api_expect 200 "/api/v1/merge?type=cpu&query=%7Bjob%3D%22old%22%7D&from=0&to=4102444800"
mv "$W/body" "$W/ours.pb.gz"
go tool pprof -proto -symbolize=none "${cpu_files[@]}" >"$W/theirs.pb.gz" 2>/dev/null
pd_same_samples "$W/theirs.pb.gz" "$W/ours.pb.gz" "merge of the converted cpu profiles differs from go tool pprof"
pd_ok "the ${#cpu_files[@]} converted cpu profiles merge as go tool pprof merges their files"
pd_daemon_stop
pd_passed
