#!/bin/bash
# Crash safety: comod killed with SIGKILL while it stores at full rate
# (1 ms intervals), at several points of one trace, each time run again
# into the same directory with --append. What a killed run left is whole
# intervals, each equal to libpcap's reading (como-oracle); a torn tail
# is cut and said in bytes; and once a run gets to the end, every packet
# is counted once: the totals equal libpcap's, no interval twice.
. "$(dirname "$0")/lib.sh"
need_root

"$GENTRACE" -n 300000 -d 20 -s 21 -o "$TMP/t.pcap"
"$ORACLE" -m counter -i 0.001 "$TMP/t.pcap" > "$TMP/oracle.csv"
D=$TMP/d
SEG=$D/counter/00000000.seg
MODS=(-m counter:interval=1ms -m protocol:interval=1ms -F tcp)

# seg_size: the counter's segment's bytes so far (0: none yet)
seg_size() { stat -c %s "$SEG" 2> /dev/null || echo 0; }

# crash_at BYTES ARGS...: a run, killed once the counter's segment holds
# BYTES (waiting on the file, not on a clock); $killed says it was
crash_at() {
	local want=$1 pid
	shift
	"$COMO" run -q --trace "$TMP/t.pcap" -d "$D" "${MODS[@]}" "$@" \
		2>> "$TMP/err" &
	pid=$!
	while [ "$(seg_size)" -lt "$want" ] && kill -0 $pid 2> /dev/null; do
		sleep 0.005
	done
	killed=0
	kill -KILL $pid 2> /dev/null && killed=1
	wait $pid 2> /dev/null
}

# whole WHAT: every interval stored equals libpcap's, none twice
whole() {
	"$COMO" query -d "$D" -m counter -f csv > "$TMP/got.csv" 2> "$TMP/qerr"
	tail -n +2 "$TMP/got.csv" | sort | uniq -d > "$TMP/dups"
	tail -n +2 "$TMP/got.csv" | sort > "$TMP/g"
	tail -n +2 "$TMP/oracle.csv" | sort > "$TMP/o"
	comm -23 "$TMP/g" "$TMP/o" > "$TMP/extra"
	ok $([ -s "$TMP/g" ] && [ ! -s "$TMP/dups" ] && [ ! -s "$TMP/extra" ]; echo $?) \
		"$1: $(wc -l < "$TMP/g") intervals stored, each equal to libpcap's, none twice"
}

n=0
for at in 60000 300000 600000; do
	n=$((n + 1))
	if [ $n -eq 1 ]; then
		crash_at $at
	else
		crash_at $at --append
	fi
	ok $([ $killed -eq 1 ]; echo $?) "run $n killed with SIGKILL at $(seg_size) bytes of $at"
	# what a torn write left is cut at the next start, and said in bytes
	printf 'CREC\x28\x00\x00\x00torn' >> "$SEG"
	whole "after kill $n"
	grep -q "partial" "$TMP/qerr"
	ok $? "after kill $n: the query says the results are partial"
done
"$COMO" run -q --append --trace "$TMP/t.pcap" -d "$D" "${MODS[@]}" 2>> "$TMP/err"
ok $? "the last run, with --append, gets to the end"
cut=$(grep -c "cut a torn tail of [0-9]* bytes" "$TMP/err")
ok $([ "$cut" -eq 3 ]; echo $?) "each torn tail was cut, and said in bytes ($cut times): $(grep -m1 'cut a torn tail' "$TMP/err")"
whole "after the last run"
ok_totals "$TMP/t.pcap" "$D" "after 3 kills and reruns with --append"
ok_epochs_once "$D" " after 3 kills"
"$COMO" query -d "$D" -m counter -f csv > /dev/null 2> "$TMP/qerr"
ok $? "the stream is whole: the query exits 0 ($(head -n 1 "$TMP/qerr"))"
grep -q '"state":"complete"' "$D/counter/meta.json"
ok $? "meta.json says complete"
"$COMO" query -d "$D" -m counter -f csv | tail -n +2 | wc -l > "$TMP/nrec"
perl -MJSON::PP -e 'local $/; my $m = decode_json(<STDIN>); print $m->{records}, "\n"' \
	< "$D/counter/meta.json" > "$TMP/mrec"
same "$TMP/nrec" "$TMP/mrec"
ok $? "meta.json counts the records the stream holds ($(cat "$TMP/mrec"))"
done_testing
