#!/bin/bash
# A trace run into a data directory that already holds results for a
# module is refused in one line, and nothing stored changes, unless the
# user says --append (add this run's records; those at or before the last
# stored interval are not stored twice) or --replace (start over).
# Figures from como-oracle (libpcap).
. "$(dirname "$0")/lib.sh"
need_root

"$GENTRACE" -n 20000 -d 10 -s 31 -o "$TMP/a.pcap"
"$GENTRACE" -n 20000 -d 10 -s 32 -S 1700000100 -o "$TMP/b.pcap"
"$ORACLE" -m counter "$TMP/a.pcap" > "$TMP/a.csv"
"$ORACLE" -m counter "$TMP/b.pcap" > "$TMP/b.csv"
D=$TMP/d
"$COMO" run -q --trace "$TMP/a.pcap" -d "$D" -m counter
cp -r "$D/counter" "$TMP/before"

"$COMO" run -q --trace "$TMP/b.pcap" -d "$D" -m counter > "$TMP/out" 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	grep -q "counter already holds results of module counter (10 records): give --append .* or --replace" "$TMP/err"; echo $?) \
	"a second trace run is refused in one line (exit $rc): $(cat "$TMP/err")"
diff -r "$TMP/before" "$D/counter" > /dev/null
ok $? "and the stream is as it was"

"$COMO" run -q --append --trace "$TMP/b.pcap" -d "$D" -m counter 2> "$TMP/err"
ok $? "--append: the run goes ahead"
"$COMO" query -d "$D" -m counter -f csv > "$TMP/got.csv"
tail -n +2 "$TMP/b.csv" | cat "$TMP/a.csv" - > "$TMP/want.csv"
same "$TMP/want.csv" "$TMP/got.csv"
ok $? "--append: both runs' records, in order"

"$COMO" run -q --append --trace "$TMP/b.pcap" -d "$D" -m counter 2> "$TMP/err"
"$COMO" query -d "$D" -m counter -f csv > "$TMP/got.csv"
same "$TMP/want.csv" "$TMP/got.csv"
ok $? "--append of the same trace again: nothing stored twice"
grep -q "10 records at or before its last stored interval were not stored again" "$TMP/err"
ok $? "and it says so: $(cat "$TMP/err")"

# a crash just after a new segment was made: it holds nothing yet, and
# the last interval stored is in the segment before
head -c 16 "$D/counter/00000000.seg" > "$D/counter/00000001.seg"
"$COMO" run -q --append --trace "$TMP/b.pcap" -d "$D" -m counter 2> "$TMP/err"
"$COMO" query -d "$D" -m counter -f csv > "$TMP/got.csv"
same "$TMP/want.csv" "$TMP/got.csv"
ok $? "--append after a crash that left an empty newest segment: nothing stored twice"

"$COMO" run -q --replace --trace "$TMP/b.pcap" -d "$D" -m counter 2> "$TMP/err"
ok $? "--replace: the run goes ahead"
"$COMO" query -d "$D" -m counter -f csv > "$TMP/got.csv"
same "$TMP/b.csv" "$TMP/got.csv"
ok $? "--replace: only the new run's records"

# refused at its start for one module: the other's new, empty stream
# does not count as results
"$COMO" run -q --trace "$TMP/a.pcap" -d "$D" -m protocol -m counter 2> /dev/null
"$COMO" run -q --trace "$TMP/a.pcap" -d "$D" -m protocol 2> "$TMP/err"
ok $? "a stream left empty by a refused run takes a run without --append: $(head -n 1 "$TMP/err")"

"$COMO" run -q --replace --append --trace "$TMP/b.pcap" -d "$D" -m counter 2> "$TMP/err"
ok $([ $? -eq 2 ]; echo $?) "--append with --replace is a usage error: $(head -n 1 "$TMP/err")"
"$COMO" run --help | grep -q -- "--append" && "$COMO" run --help | grep -q -- "--replace"
ok $? "--help tells of --append and --replace"
man -l "$TOP/man/comod.8" 2> /dev/null | grep -q -- "--replace"
ok $? "so does comod(8)"
done_testing
