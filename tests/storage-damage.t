#!/bin/bash
# Damage costs what is damaged only: a flipped byte in one record of 600
# loses that record (the reader finds the next record frame, says how many
# records and bytes it skipped, and exits 1), and a run into the stream
# afterwards keeps every record whose checksum is good. Segments are
# found by their exact names: a stray file is said once and ignored. The
# storage format: an older stream is read (and appended to), a newer one
# refused by name. Figures from como-oracle (libpcap).
. "$(dirname "$0")/lib.sh"
need_root

"$GENTRACE" -n 60000 -d 6 -s 5 -o "$TMP/t.pcap"
"$GENTRACE" -n 20000 -d 2 -s 6 -S 1700000100 -o "$TMP/b.pcap"
"$ORACLE" -m counter -i 0.01 "$TMP/t.pcap" > "$TMP/oracle.csv"
D=$TMP/d
M=counter:interval=10ms
"$COMO" run -q --trace "$TMP/t.pcap" -d "$D" -m $M
seg=$D/counter/00000000.seg
"$COMO" query -d "$D" -m counter -f csv > "$TMP/all.csv"
same "$TMP/oracle.csv" "$TMP/all.csv"
ok $? "600 intervals stored, as libpcap counts them ($(($(wc -l < "$TMP/all.csv") - 1)) rows)"

# q ARGS...: como query on $D; $rc, $TMP/out, $TMP/err
q() {
	"$COMO" query -d "$D" "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
}

# a flipped byte in the payload of record 11 (16-byte header, 40-byte records)
cp "$seg" "$TMP/seg.good"
printf '\xff' | dd of="$seg" bs=1 seek=$((16 + 10 * 40 + 30)) conv=notrunc status=none
q -m counter -f csv
sed 12d "$TMP/oracle.csv" > "$TMP/want.csv"
same "$TMP/want.csv" "$TMP/out"
ok $? "a flipped byte in record 11: the other 599 records are read ($(($(wc -l < "$TMP/out") - 1)) rows)"
ok $([ $rc -eq 1 ] && grep -q "1 damaged records (40 bytes) skipped" "$TMP/err"; echo $?) \
	"the query exits 1 ($rc) and says what it skipped: $(tail -n 1 "$TMP/err")"
q -m counter -f json
perl -MJSON::PP -e 'my $a = decode_json(join "", <STDIN>);
	exit !(@$a == 600 && $a->[-1]{incomplete}{damaged_records} == 1)' < "$TMP/out"
ok $? "a JSON answer has the 599 records, then the damage"
q -m counter -t 1700000005:1700000006 -f csv
ok $rc "a window after the damage reads the same records: exit $rc"

# the next run into the stream keeps every good record
"$COMO" run -q --append --trace "$TMP/t.pcap" -d "$D" -m $M 2> "$TMP/err"
ok $(! grep -q "cut a torn tail" "$TMP/err"; echo $?) "a rerun with --append cuts nothing: $(head -n 1 "$TMP/err")"
q -m counter -f csv
same "$TMP/want.csv" "$TMP/out"
ok $? "after it, the 599 good records are all there, none twice"
"$COMO" run -q --append --trace "$TMP/b.pcap" -d "$D" -m $M 2> "$TMP/err"
q -m counter -f csv
"$ORACLE" -m counter -i 0.01 "$TMP/b.pcap" | tail -n +2 | cat "$TMP/want.csv" - > "$TMP/want2.csv"
same "$TMP/want2.csv" "$TMP/out"
ok $? "a later trace appended goes after them ($(($(wc -l < "$TMP/out") - 1)) rows)"

# segments by their exact names
rm -rf "$D"
"$COMO" run -q --trace "$TMP/t.pcap" -d "$D" -m $M
: > "$D/counter/0.seg"
: > "$D/counter/00000001.seg"
q -m counter -f csv
same "$TMP/oracle.csv" "$TMP/out"
ok $? "a stray 0.seg and an empty 00000001.seg: every record read once"
ok $([ "$(grep -c '0\.seg.*ignored' "$TMP/err")" -eq 1 ] &&
	[ "$(grep -c '00000001\.seg.*empty segment' "$TMP/err")" -eq 1 ]; echo $?) \
	"each is said once: $(tr '\n' ' ' < "$TMP/err")"
ok $rc "and the answer is whole: exit $rc"

# an older format (version 1: no interval marks, flags outside the checksum)
perl -MCompress::Zlib -e '
	local $/; open my $f, "<:raw", $ARGV[0] or die; my $s = <$f>;
	my $out = "COMOSEG1" . ("\0" x 8); my $off = 16;
	while ($off < length $s) {
		my ($magic, $len, $ts, $crc, $flags) = unpack "VVQ<VV", substr($s, $off, 24);
		my $pl = substr($s, $off + 24, $len);
		$out .= pack("VVQ<VV", $magic, $len, $ts,
			     crc32(pack("Q<V", $ts, $len) . $pl), 0) . $pl;
		$off += 24 + $len;
	}
	open my $o, ">:raw", $ARGV[0] or die; print $o $out;' "$D/counter/00000000.seg"
rm -f "$D/counter/0.seg" "$D/counter/00000001.seg"
perl -0pi -e 's/\s*"storage_format":\d+,//' "$D/counter/meta.json"
q -m counter -f csv
same "$TMP/oracle.csv" "$TMP/out"
ok $? "a stream of format version 1 is read whole (exit $rc)"
"$COMO" run -q --append --trace "$TMP/b.pcap" -d "$D" -m $M 2> "$TMP/err"
q -m counter -f csv
"$ORACLE" -m counter -i 0.01 "$TMP/b.pcap" | tail -n +2 | cat "$TMP/oracle.csv" - > "$TMP/want3.csv"
same "$TMP/want3.csv" "$TMP/out"
ok $? "and appended to: its records, then the new run's"

# a newer format is refused by name, in one line
printf '\x03' | dd of="$seg" bs=1 seek=8 conv=notrunc status=none
q -m counter -f csv
ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	grep -q "00000000.seg: written by a newer como (storage format 3" "$TMP/err"; echo $?) \
	"a segment of format 3 is refused in one line: $(cat "$TMP/err")"
"$COMO" run -q --append --trace "$TMP/b.pcap" -d "$D" -m $M 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 1 ] && grep -q "newer como" "$TMP/err"; echo $?) \
	"and a run into it too: $(head -n 1 "$TMP/err")"
printf '\x00' | dd of="$seg" bs=1 seek=8 conv=notrunc status=none
perl -0pi -e 's/"storage_format":\d+/"storage_format":9/' "$D/counter/meta.json"
q -m counter -f csv
ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	grep -q "counter: written by a newer como (storage format 9" "$TMP/err"; echo $?) \
	"a meta.json of format 9 is refused in one line: $(cat "$TMP/err")"
done_testing
