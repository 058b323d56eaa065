#!/usr/bin/env bash
# pprofd import: pprof files stored at their own time under the labels
# given (and the config's external labels), read back by the daemon: the
# API lists them at the files' times, and the merge over them equals
# `go tool pprof -proto` of the same files. Importing beside a running
# daemon is safe (the two writers share partitions). Bad input: usage
# errors exit 2, an unreadable or undecodable file exits 1 and stores
# nothing of its batch, an invalid label exits 1 and stores nothing.
# Wall time: about 5 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/api_write_lib.sh"
: "${PD_FIXTURES:?}"
pd_test_dir cli_import
pd_go_env
FX=$PD_FIXTURES
raw() { go tool pprof -raw -symbolize=none "$1" 2>/dev/null; }

cat >"$W/import.yaml" <<YAML
storage:
  path: $W/data/pprofd.db
global:
  external_labels: {region: eu}
YAML
imp() { "$PPROFD" import -c "$W/import.yaml" "$@"; }

# --- usage and bad input ------------------------------------------------------
rc=0
imp --type cpu "$FX/cpu-1.pb.gz" 2>"$W/err" || rc=$?
((rc == 2)) && grep -q usage "$W/err" || pd_die "no --job: rc $rc"
rc=0
imp --type cpu --job hist 2>"$W/err" || rc=$?
((rc == 2)) || pd_die "no files: rc $rc"
rc=0
imp --type cpu --job hist --label 1bad=x "$FX/cpu-1.pb.gz" 2>"$W/err" || rc=$?
((rc == 1)) && grep -q '1bad' "$W/err" || pd_die "bad label: rc $rc $(cat "$W/err")"
printf 'not a profile' >"$W/junk.pb.gz"
rc=0
imp --type cpu --job hist "$FX/cpu-1.pb.gz" "$W/junk.pb.gz" 2>"$W/err" || rc=$?
((rc == 1)) && grep -q 'junk.pb.gz' "$W/err" || pd_die "junk: rc $rc $(cat "$W/err")"
rc=0
imp --type cpu --job hist "$W/missing.pb.gz" 2>"$W/err" || rc=$?
((rc == 1)) || pd_die "missing file: rc $rc"
n=$(pd_db_query "SELECT count(*) FROM profiles" 2>/dev/null || echo 0)
((n == 0)) || pd_die "$n profiles stored by failed imports"
pd_ok "usage errors exit 2; bad labels, junk and missing files exit 1 and store nothing"

# --- an import, then the daemon reads it ---------------------------------------
imp --type cpu --job hist --label instance=h1 "$FX"/cpu-{1,2,3}.pb.gz >"$W/out" || pd_die "import"
grep -q '^imported 3 of 3 profiles .*{instance="h1", job="hist", region="eu", type="cpu"}' "$W/out" ||
	pd_die "import said: $(cat "$W/out")"
api_start ""
api_expect 200 "/api/v1/profiles?type=cpu&query=%7Bjob%3D%22hist%22%7D&from=0&to=4102444800"
[[ $(jlen '$.profiles') == 3 ]] || pd_die "listed: $(head -c 300 "$W/body")"
# each at the time its file says
for f in "$FX"/cpu-{1,2,3}.pb.gz; do
	want=$(date -u -d "$(raw "$f" | sed -n 's/^Time: \(.*\) +0000 UTC$/\1/p')" +%s%N)
	((want > 0)) || pd_die "no time in $f"
	n=$(pd_db_query "SELECT count(*) FROM profiles WHERE time_ns = $want")
	((n == 1)) || pd_die "$f: no profile stored at $want"
done
pd_ok "3 profiles imported, each at its own time, labels and external label on the series"

from=$(pd_db_query "SELECT min(time_ns) / 1000000000 FROM profiles")
to=$(($(pd_db_query "SELECT max(time_ns) / 1000000000 FROM profiles") + 1))
api_expect 200 "/api/v1/merge?type=cpu&query=%7Bjob%3D%22hist%22%7D&from=$from&to=$to"
mv "$W/body" "$W/ours.pb.gz"
go tool pprof -proto -symbolize=none "$FX"/cpu-{1,2,3}.pb.gz >"$W/theirs.pb.gz" 2>/dev/null
# (the files may be old enough that their buckets are rolled up: samples)
pd_same_samples "$W/theirs.pb.gz" "$W/ours.pb.gz" "merge of the imported profiles differs from go tool pprof"
pd_ok "their merge equals go tool pprof -proto of the files"

# --- beside the running daemon --------------------------------------------------
imp --type cpu --job hist --label instance=h2 "$FX"/cpu-v2-{1,2}.pb.gz "$FX"/cpu-1.pb.gz >/dev/null ||
	pd_die "import beside the daemon"
api_send POST "/api/v1/ingest?type=cpu&job=hist&instance=h3" \
	-H 'Content-Type: application/octet-stream' --data-binary "@$FX/cpu-2.pb.gz"
[[ $STATUS == 200 ]] || pd_die "push after import: $STATUS"
for id in $(pd_db_query "SELECT id FROM profiles ORDER BY id"); do
	api_expect 200 "/api/v1/profiles/$id"
	raw "$W/body" >/dev/null || pd_die "profile $id unreadable"
done
pd_ok "import beside the daemon, then a push: all $(pd_db_query "SELECT count(*) FROM profiles") profiles read back"
pd_daemon_stop
pd_passed
