#!/bin/bash
# A module whose state overflows says so where its results are read: the
# packets its full table could not take are counted per interval, the run
# exits non-zero and says it, meta.json marks the stream approximate and
# lists the intervals, como query warns, marks its JSON and exits 1. The
# count is checked against tshark's per-second IP packet count: what the
# records hold plus what was not counted is every packet, interval by
# interval. The module is tests/modules/smalltable (64 destinations).
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is needed"
SMALL=$TOP/.output/test-modules/smalltable.so

"$GENTRACE" -n 100000 -d 5 -o "$TMP/t.pcap" > /dev/null
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
"$COMO" query -d "$TMP/d" -m counter -f csv > /dev/null 2> "$TMP/cerr"
ok $? "counter, which did not overflow, answers with exit 0"
"$ORACLE" -m totals "$TMP/t.pcap" | tail -n 1 > "$TMP/want"
stored_totals "$TMP/d" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "beside it, counter counted every packet: $(cat "$TMP/want")"
done_testing
