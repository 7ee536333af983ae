#!/bin/bash
# utilization: bits and packets per second per interval and the peak over
# sub-intervals equal the libpcap oracle's; past its millisecond buckets the
# module counts the packets it could not place, exactly, and its totals
# stay right.
. "$(dirname "$0")/mod-lib.sh"
need_root

for f in $(mixed_traces); do
	check_oracle utilization "$f" 1s "" ""
	check_oracle utilization "$f" 100ms "peak=7" "-p 7"
	check_oracle utilization "$f" 10ms "peak=1" "-p 1"
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_oracle utilization "$TMP/gen$seed.pcap" 1s "peak=10" "-p 10"
	check_oracle utilization "$TMP/gen$seed.pcap" 5s "peak=1000" "-p 1000"
done
check_formats utilization "$TMP/data"

# a second oracle, tshark's timestamps and lengths: 1 s intervals and
# 100 ms sub-intervals, read from the timestamps' digits
cat > "$TMP/util.awk" <<'AWK'
# per 1 s interval, with 100 ms sub-intervals: the first digit of the
# fraction; epochs only move forward, an older packet joins the open one
# in its first sub-interval
function flush(   i, pb, pp) {
	if (cur == "") return
	pb = 0; pp = 0
	for (i = 0; i < 10; i++) {
		if (sb[i] * 80 > pb) pb = sb[i] * 80
		if (sp[i] * 10 > pp) pp = sp[i] * 10
	}
	printf "%s.000000000,%d,%d,%d,%d,%d,%d\n", cur, n, b, b * 8, n, pb, pp
	n = b = 0; split("", sb); split("", sp)
}
{
	split($1, t, "."); sec = t[1] + 0; j = substr(t[2], 1, 1) + 0
	if (cur == "" || sec > cur) { flush(); cur = sec }
	else if (sec < cur) j = 0
	n++; b += $2; sb[j] += $2; sp[j]++
}
END { flush() }
AWK
for f in $(mixed_traces); do
	mod_run "$f" "$TMP/ts" utilization interval=1s,peak=100 || { ok 1 "$f: como run"; continue; }
	"$COMO" query -d "$TMP/ts" -m utilization -f csv | tail -n +2 > "$TMP/como.txt"
	tshark -r "$f" -T fields -E separator=, -e frame.time_epoch -e frame.len 2> /dev/null |
		awk -F, -f "$TMP/util.awk" > "$TMP/tshark.txt"
	same "$TMP/como.txt" "$TMP/tshark.txt"
	ok $? "$(basename "$f") interval=1s peak=100: equals tshark's reading ($(wc -l < "$TMP/tshark.txt") rows)"
done

# 99 s of traffic in one 100 s interval: more milliseconds with packets
# than the 65536 buckets; the packets of the later ones are the errors
# (the buckets are per CPU: on one CPU, as the oracle counts them)
"$GENTRACE" -n 300000 -d 99 -S 1700000000 -s 3 -o "$TMP/big.pcap"
MOD_CPUS=1
mod_run "$TMP/big.pcap" "$TMP/big" utilization interval=100s
ok $? "a run past the buckets completes: $(grep -o 'warning.*' "$TMP/err")"
"$ORACLE" -m packets "$TMP/big.pcap" | awk -F, 'NR > 1 {
	split($2, t, "."); ms = t[1] substr(t[2], 1, 3)
	if (!(ms in seen)) { seen[ms] = 1; if (++n > 65536) over[ms] = 1 }
	if (ms in over) e++ } END { print e + 0 }' > "$TMP/want"
mod_errors > "$TMP/got"; echo >> "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "the packets past the buckets are counted as errors: $(cat "$TMP/want")"
"$COMO" query -d "$TMP/big" -m utilization -f csv | cut -d, -f1-5 > "$TMP/como.csv"
"$STD_ORACLE" -m utilization -i 100000000000 "$TMP/big.pcap" | cut -d, -f1-5 > "$TMP/oracle.csv"
same "$TMP/como.csv" "$TMP/oracle.csv"
ok $? "its packets, bytes and rates are exact all the same"

mod_run "$TMP/gen1.pcap" "$TMP/bad" utilization peak=0
ok $([ $? -ne 0 ] && grep -q utilization "$TMP/err"; echo $?) "peak=0 is refused: $(head -n 1 "$TMP/err")"
done_testing
