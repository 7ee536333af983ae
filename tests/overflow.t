#!/bin/bash
# A module whose state overflows says so where its results are read: the
# packets its full table could not take are counted per interval, the run
# exits non-zero and says it, meta.json marks the stream approximate and
# lists the intervals with their counts, como query warns, exits 1, and
# every record of an overflowed interval carries the mark, in csv, json,
# plain and gnuplot, from como query and over HTTP alike, while the
# records of the exact intervals carry none. The count is checked against
# tshark's per-second IP packet count: what the records hold plus what
# was not counted is every packet, interval by interval, so what tshark
# counts less what the records hold is what each interval's mark must
# say. The module is tests/modules/smalltable (64 destinations): 5 s of
# many destinations, then 3 s of 20 hosts, which fit.
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is needed"
command -v mergecap > /dev/null || skip_all "mergecap is needed"
command -v curl > /dev/null || skip_all "curl is needed"
SMALL=$TOP/.output/test-modules/smalltable.so
CHECK=$TOP/tests/marks-check.pl
PIDS=
trap 'for p in $PIDS; do kill "$p" 2> /dev/null; wait "$p" 2> /dev/null; done; rm -rf "$TMP"' EXIT

"$GENTRACE" -n 100000 -d 5 -o "$TMP/many.pcap" > /dev/null
"$GENTRACE" -n 3000 -d 3 -H 20 -s 2 -S 1700000005 -o "$TMP/few.pcap" > /dev/null
mergecap -F nsecpcap -a -w "$TMP/t.pcap" "$TMP/many.pcap" "$TMP/few.pcap"
"$COMO" run --trace "$TMP/t.pcap" -d "$TMP/d" -m "$SMALL" -m counter -j \
	> "$TMP/sum.json" 2> "$TMP/err"
rc=$?
[ $rc -ne 0 ] && grep -q "module smalltable: [0-9]* packets not counted in [0-9]* intervals" "$TMP/err"
ok $? "the run exits $rc and says so: $(grep 'intervals (its' "$TMP/err" | head -c 160)"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d["complete"])' "$TMP/sum.json"
ok $? "its JSON summary is not complete"
grep -q '"state":"approximate"' "$TMP/d/smalltable/meta.json" &&
	grep -q '"state":"complete"' "$TMP/d/counter/meta.json"
ok $? "meta.json: smalltable approximate, counter complete"

# per second: stored packets + not counted = tshark's IP packets
tshark -n -r "$TMP/t.pcap" -Y "ip or ipv6" -T fields -e frame.time_epoch 2> /dev/null |
	awk -F. '{ n[$1]++ } END { for (s in n) print s "," n[s] }' | sort > "$TMP/want"
"$COMO" query -d "$TMP/d" -m smalltable -f csv > "$TMP/q.csv" 2> "$TMP/qerr"
qrc=$?
awk -F, 'NR > 1 { split($1, t, "."); p[t[1]] += $3; l[t[1]] = $4 }
	 END { for (s in p) print s "," p[s] + l[s] }' "$TMP/q.csv" | sort > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "every interval: records + packets not counted = tshark's count ($(wc -l < "$TMP/want") intervals)"
# the oracle of the marks: per second, tshark's packets less the records'
awk -F, 'NR == FNR { n[$1] = $2; next } FNR > 1 { split($1, t, "."); p[t[1]] += $3 }
	 END { for (s in n) print s "," n[s] - p[s] }' "$TMP/want" "$TMP/q.csv" |
	sort > "$TMP/unc"
a=$(awk -F, '$2 > 0' "$TMP/unc" | wc -l)
e=$(awk -F, '$2 == 0' "$TMP/unc" | wc -l)
[ "$a" -gt 0 ] && [ "$e" -gt 0 ] && awk -F, '$2 < 0 { bad = 1 } END { exit bad }' "$TMP/unc" &&
python3 -c 'import json, sys
want = dict(l.strip().split(",") for l in open(sys.argv[2]))
listed = {str(i[0] // 10**9): i for i in json.load(open(sys.argv[1]))["overflow"]["listed"]}
sys.exit(not all((s in listed and listed[s][1] - listed[s][0] == 10**9 and
		  listed[s][2:] == [int(n), 0]) or (n == "0" and s not in listed)
		 for s, n in want.items()))' "$TMP/d/smalltable/meta.json" "$TMP/unc"
ok $? "meta.json lists each of the $a intervals the table could not hold with its packets not counted, as tshark says, and none of the $e it held"
lost=$(awk -F, 'NR > 1 { split($1, t, "."); l[t[1]] = $4 } END { for (s in l) n += l[s]; print n + 0 }' "$TMP/q.csv")
python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))["overflow"]
sys.exit(not (m["packets"] == int(sys.argv[2]) > 0 and m["intervals"] == len(m["listed"]) > 0))' \
	"$TMP/d/smalltable/meta.json" "$lost"
ok $? "meta.json counts the $lost packets not counted and lists every interval"
[ $qrc -eq 1 ] && grep -q "'smalltable' is approximate" "$TMP/qerr"
ok $? "como query exits $qrc and warns: $(head -c 160 "$TMP/qerr")"
"$COMO" query -d "$TMP/d" -m smalltable -f json 2> /dev/null | python3 -c '
import json, sys
recs = json.load(sys.stdin)
sys.exit(not recs[-1]["approximate"]["packets_not_counted"] > 0)'
ok $? "its JSON answer ends with the mark"
# every record of an overflowed interval says by how much, in every format
# (a window of exact intervals only has no such column, and exits 0)
"$COMO" query -d "$TMP/d" -m smalltable -t 1700000006:1700000007 -f csv > "$TMP/w.csv" 2> "$TMP/werr"
wrc=$?
perl "$CHECK" csv "$TMP/unc" "$TMP/q.csv" > "$TMP/check" &&
	[ $wrc -eq 0 ] && [ "$(head -n 1 "$TMP/w.csv")" = "ts,addr,pkts,lost" ] &&
	[ ! -s "$TMP/werr" ] && [ "$(wc -l < "$TMP/w.csv")" -gt 1 ]
ok $? "csv: $(head -n 1 "$TMP/check") (its last column, packets_uncounted; none in a window of exact intervals, exit $wrc)"
tail -n +2 "$TMP/check"
for f in json plain gnuplot; do
	"$COMO" query -d "$TMP/d" -m smalltable -f $f > "$TMP/q.$f" 2> /dev/null
	perl "$CHECK" $f "$TMP/unc" "$TMP/q.$f" "$TMP/q.csv" > "$TMP/check" &&
		{ [ $f != gnuplot ] || gnuplot -e 'set terminal dumb' "$TMP/q.$f" > /dev/null 2>&1; }
	ok $? "$f: $(head -n 1 "$TMP/check")$([ $f = gnuplot ] && echo ', and gnuplot runs the script')"
	tail -n +2 "$TMP/check"
done

# the same over HTTP: comod serving the data directory
serve "$TMP/s.log" "$BIN/comod" -d "$TMP/d" --http 0 ||
	{ ok 1 "comod -d DIR --http 0 serves the data directory"; sed 's/^/# /' "$TMP/s.log"; }
U=http://127.0.0.1:${PORT:-0}
for f in csv json; do
	curl -s -o "$TMP/h.$f" "$U/?module=smalltable&format=$f"
	perl "$CHECK" $([ $f = csv ] && echo http-csv || echo $f) "$TMP/unc" "$TMP/h.$f" > "$TMP/check"
	ok $? "HTTP format=$f: $(head -n 1 "$TMP/check")"
	tail -n +2 "$TMP/check"
done
curl -s -o "$TMP/h.api" "$U/api/v1/query?module=smalltable"
perl "$CHECK" api "$TMP/unc" "$TMP/h.api" > "$TMP/check"
ok $? "HTTP /api/v1/query: $(head -n 1 "$TMP/check")"
tail -n +2 "$TMP/check"
for f in csv json; do
	"$COMO" query --server "$U" -m smalltable -f $f > /dev/null 2> "$TMP/serr"
	rc=$?
	"$COMO" query --server "$U" -m counter -f $f > "$TMP/c.$f" 2> "$TMP/cerr"
	crc=$?
	[ $rc -eq 1 ] && grep -q "approximate" "$TMP/serr" && [ $crc -eq 0 ] &&
		[ ! -s "$TMP/cerr" ] && ! grep -q "not exact" "$TMP/c.$f"
	ok $? "como query --server -f $f: the overflowed module warns and exits 1 ($rc: $(head -n 1 "$TMP/serr")), counter exits 0 unmarked"
done

# pushed as stored: a receiver gets each record with its mark, as como
# query -f json prints it (tests/push-listen.pl takes the lines)
perl "$TOP/tests/push-listen.pl" read 0 "$TMP/l.port" "$TMP/l.out" 2> /dev/null &
lpid=$!
PIDS="$PIDS $lpid"
while [ ! -s "$TMP/l.port" ] && kill -0 $lpid 2> /dev/null; do sleep 0.05; done
"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/p" \
	-m "$SMALL:send-to=127.0.0.1:$(cat "$TMP/l.port")" 2> /dev/null
perl -MIO::Socket::INET -e 'print { IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") } "STOP\n"' \
	"$(cat "$TMP/l.port")"
wait $lpid
sed 's/,"module":"[^"]*","interval_ns":[0-9]*}$/}/' "$TMP/l.out" > "$TMP/pushed"
"$COMO" query -d "$TMP/p" -m smalltable -f json 2> /dev/null | grep '^{"ts"' | sed 's/,$//' > "$TMP/stored"
marked=$(grep -c '"approximate":true,"packets_uncounted":[1-9]' "$TMP/pushed")
same "$TMP/stored" "$TMP/pushed" && [ "$marked" -gt 0 ] &&
	[ "$marked" -eq "$(grep -c '"approximate":true' "$TMP/stored")" ]
ok $? "pushed records carry the marks como query puts on them ($marked of $(wc -l < "$TMP/pushed") marked)"

"$COMO" query -d "$TMP/d" -m counter -f csv > /dev/null 2> "$TMP/cerr"
ok $? "counter, which did not overflow, answers with exit 0"
"$ORACLE" -m totals "$TMP/t.pcap" | tail -n 1 > "$TMP/want"
stored_totals "$TMP/d" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "beside it, counter counted every packet: $(cat "$TMP/want")"
done_testing
