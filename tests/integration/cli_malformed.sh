#!/usr/bin/env bash
# A corpus of malformed inputs: each must make `pprofd merge` exit 1 with one
# line on stderr naming the file and what is wrong, write no output, and
# never crash (the sanitizer build runs this too). Then random single-byte
# corruptions of a real profile: exit 0 or 1, never a signal.
. "$(dirname "$0")/oracle_lib.sh"

C="$W/corpus"
mkdir -p "$C"
S='\x32\x00'                                   # string_table: ""
ST='\x0a\x04\x08\x01\x10\x02\x32\x00\x32\x07samples\x32\x05count' # sample_type samples/count

printf '' >"$C/empty"
printf '<!DOCTYPE html>\n<html><body>404 page not found</body></html>\n' >"$C/html"
printf '<!DOCTYPE html>\n<html><body>oops</body></html>\n' | gzip >"$C/html.gz"
printf 'goroutine profile: total 4\n2 @ 0x43a1b6 0x4077ac\n' >"$C/debug1-text"
printf '\x10\x01' >"$C/wrong-wire-sample"
printf "$S"'\x4a\x01\x00' >"$C/wrong-wire-time"
printf '\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' >"$C/bad-varint"
printf '\x0b\x00' >"$C/wire-type-3"
printf '\x48\x01' >"$C/no-string-table"
printf '\x32\x01x' >"$C/string0-not-empty"
printf "$S"'\x2a\x04\x08\x01\x10\x63' >"$C/string-index-range"
printf "$S"'\x2a\x0d\x08\x01\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01' >"$C/string-index-negative"
printf "$S"'\x2a\x02\x08\x01\x2a\x02\x08\x01' >"$C/duplicate-function-id"
printf "$S"'\x1a\x02\x10\x01' >"$C/zero-mapping-id"
printf "$ST"'\x12\x04\x12\x02\x01\x02' >"$C/value-count"
printf "$ST"'\x12\x06\x0a\x01\x05\x12\x01\x01' >"$C/unknown-location"
printf "$S"'\x22\x06\x08\x01\x22\x02\x08\x07' >"$C/unknown-function"
printf "$S"'\x12\x00' >"$C/samples-without-types"
printf "$S"'\x2a\x08\x08\x01\x10' >"$C/truncated-message"
gzip -dc "$FX/cpu-1.pb.gz" >"$W/cpu-1.pb"
gzip -dc "$FX/cpu-2.pb.gz" >"$W/cpu-2.pb"
cat "$W/cpu-1.pb" "$W/cpu-2.pb" >"$C/concatenated"
size=$(stat -c %s "$W/cpu-1.pb")
head -c $((size / 2)) "$W/cpu-1.pb" >"$C/truncated-raw"
gsize=$(stat -c %s "$FX/cpu-1.pb.gz")
head -c $((gsize / 2)) "$FX/cpu-1.pb.gz" >"$C/truncated-gzip"
cp "$FX/cpu-1.pb.gz" "$C/bitflip-gzip"
printf '\xa5' | dd of="$C/bitflip-gzip" bs=1 seek=$((gsize / 2)) conv=notrunc status=none
cat "$FX/cpu-1.pb.gz" >"$C/gzip-trailing-garbage"
printf 'garbage' >>"$C/gzip-trailing-garbage"
# 300 MiB of zeros in a few hundred KiB: over the 64 MiB decompressed cap.
head -c $((300 * 1024 * 1024)) /dev/zero | gzip -1 >"$C/gzip-bomb"

# name → what the one-line error must mention
declare -A want=(
	[empty]="empty profile"
	[html]="text starting with"
	[html.gz]="text starting with"
	[debug1-text]="text starting with"
	[wrong-wire-sample]="wire type varint, want length-delimited"
	[wrong-wire-time]="wire type length-delimited, want varint"
	[bad-varint]="bad varint"
	[wire-type-3]="unknown wire type 3"
	[no-string-table]="no string table"
	[string0-not-empty]='string_table[0] must be ""'
	[string-index-range]="string index 99 out of range"
	[string-index-negative]="string index -1 out of range"
	[duplicate-function-id]="duplicate function id 1"
	[zero-mapping-id]="reserved id 0"
	[value-count]="2 values but the profile has 1 sample types"
	[unknown-location]="unknown location id 5"
	[unknown-function]="unknown function id 7"
	[samples-without-types]="no sample_type"
	[truncated-message]="truncated"
	[concatenated]="concatenated profiles"
	[truncated-raw]="truncated"
	[truncated-gzip]="truncated"
	[bitflip-gzip]="gzip:"
	[gzip-trailing-garbage]="trailing garbage"
	[gzip-bomb]="exceeds the limit"
)
for name in "${!want[@]}"; do
	f="$C/$name"
	rm -f "$W/out.pb.gz"
	set +e
	"$PPROFD" merge -o "$W/out.pb.gz" "$FX/cpu-1.pb.gz" "$f" 2>"$W/err"
	rc=$?
	set -e
	[[ $rc == 1 ]] || pd_die "$name: exit $rc, want 1 ($(cat "$W/err"))"
	lines=$(wc -l <"$W/err")
	[[ $lines == 1 ]] || pd_die "$name: $lines lines on stderr, want 1: $(cat "$W/err")"
	grep -qF -- "$f" "$W/err" || pd_die "$name: error does not name the file: $(cat "$W/err")"
	grep -qF -- "${want[$name]}" "$W/err" || pd_die "$name: error lacks '${want[$name]}': $(cat "$W/err")"
	[[ ! -e "$W/out.pb.gz" ]] || pd_die "$name: an output file was written"
	PD_CHECKS=$((PD_CHECKS + 1))
	echo "ok: $name -> $(cat "$W/err")"
done

set +e
"$PPROFD" merge -o "$W/out.pb.gz" "$W/does-not-exist" 2>"$W/err"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q "No such file" "$W/err" || pd_die "missing file: exit $rc: $(cat "$W/err")"
"$PPROFD" merge 2>/dev/null && pd_die "merge without files succeeded"
PD_CHECKS=$((PD_CHECKS + 1))

# Random corruption: one byte overwritten at a random offset, 300 times, on
# the raw protobuf. Whatever the result, pprofd must exit 0 or 1.
RANDOM=20261121
crashes=0
for ((i = 0; i < 300; i++)); do
	cp "$W/cpu-1.pb" "$W/mut.pb"
	off=$(((RANDOM * 32768 + RANDOM) % size))
	printf "\\x$(printf %02x $((RANDOM % 256)))" | dd of="$W/mut.pb" bs=1 seek="$off" conv=notrunc status=none
	set +e
	"$PPROFD" merge -o "$W/mut-out.pb.gz" "$W/mut.pb" 2>"$W/mut.err"
	rc=$?
	set -e
	if [[ $rc != 0 && $rc != 1 ]]; then
		crashes=$((crashes + 1))
		cp "$W/mut.pb" "$W/crash-$i.pb"
		echo "crash: offset $off exit $rc: $(head -c 300 "$W/mut.err")" >&2
	fi
done
((crashes == 0)) || pd_die "$crashes of 300 corrupted inputs crashed pprofd (kept in $W)"
PD_CHECKS=$((PD_CHECKS + 1))
pd_done
