#!/bin/bash
# The flush invariant: every packet lands in exactly one epoch, so the sum
# over all epochs equals the trace's totals as libpcap counts them, at any
# flush interval, in order or not.
. "$(dirname "$0")/lib.sh"
need_root

"$GENTRACE" -n 200000 -d 30 -s 3 -o "$TMP/gen.pcap"
traces="$TMP/gen.pcap"
for t in mercury_capture2 libtrace_fragtest ndpi_gnutella; do
	[ -f "$TRACES/mixed/$t.pcap" ] && traces="$traces $TRACES/mixed/$t.pcap"
done

sum_cols() {	# CSV -> "pkts,bytes" summed over all rows
	awk -F, -v p="$2" -v b="$3" 'NR > 1 { P += $p; B += $b }
		END { printf "%d,%d\n", P, B }' "$1"
}

for f in $traces; do
	"$ORACLE" -m totals "$f" | tail -n 1 > "$TMP/total"
	for ivl in 1ms 10ms 1s 1h; do
		d="$TMP/d-$ivl"
		rm -rf "$d"
		"$COMO" run -q --trace "$f" -d "$d" -j -m "counter:interval=$ivl" \
			> "$TMP/run.json"
		"$COMO" query -d "$d" -m counter -f csv > "$TMP/c.csv"
		sum_cols "$TMP/c.csv" 2 3 > "$TMP/sum"
		epochs=$(($(wc -l < "$TMP/c.csv") - 1))
		same "$TMP/sum" "$TMP/total"
		ok $? "$(basename "$f") interval=$ivl: $epochs epochs sum to $(cat "$TMP/total")"
	done
done

# the epoch count is what the oracle's clock says, not just the sum
f="$TMP/gen.pcap"
rm -rf "$TMP/e"
"$COMO" run -q --trace "$f" -d "$TMP/e" -m counter:interval=5ms
"$COMO" query -d "$TMP/e" -m counter -f csv | wc -l > "$TMP/a"
"$ORACLE" -m counter -i 0.005 "$f" | wc -l > "$TMP/b"
same "$TMP/a" "$TMP/b"
ok $? "gen.pcap interval=5ms: $(cat "$TMP/b") epoch records, as the oracle's clock says"
done_testing
