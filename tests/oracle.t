#!/bin/bash
# Each module's results equal an independent libpcap computation of the
# same figures (tests/oracle/como-oracle.c), per interval, on real traces,
# generated ones and the parts of the bad corpus that libpcap can read.
. "$(dirname "$0")/lib.sh"
need_root

# topdest's records past the oracle's columns, only while they say exact
# (no error, no threshold): one that does not is left out, and differs
exact_only() {
	awk -F, -v OFS=, 'NR == 1 || $6 "," $7 "," $8 "," $9 == "1,0,0,0" {
		print $1, $2, $3, $4, $5 }'
}

check_trace() {	# FILE INTERVAL_S K
	local f=$1 ivl=$2 k=$3 d="$TMP/data" name m
	name="$(basename "$f") interval=${ivl}s"
	rm -rf "$d"
	if ! "$COMO" run -q --trace "$f" -d "$d" -m "counter:interval=${ivl}s" \
		-m "protocol:interval=${ivl}s" \
		-m "topdest:k=$k,interval=${ivl}s" 2> "$TMP/err"; then
		ok 1 "$name: como run"; sed 's/^/# /' "$TMP/err"
		return
	fi
	for m in counter protocol topdest; do
		"$COMO" query -d "$d" -m $m -f csv > "$TMP/como.csv"
		[ $m = topdest ] && exact_only < "$TMP/como.csv" > "$TMP/c5.csv" &&
			mv "$TMP/c5.csv" "$TMP/como.csv"
		"$ORACLE" -m $m -i "$ivl" -k "$k" "$f" > "$TMP/oracle.csv"
		same "$TMP/como.csv" "$TMP/oracle.csv"
		ok $? "$name: $m equals the libpcap oracle ($(($(wc -l < "$TMP/oracle.csv") - 1)) rows)"
	done
}

for f in $(mixed_traces); do
	check_trace "$f" 1 10
	check_trace "$f" 0.01 5
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_trace "$TMP/gen$seed.pcap" 1 10
	check_trace "$TMP/gen$seed.pcap" 0.25 20
done

# pcapng, which como reads in place as it does classic pcap: real traces
# and a generated one converted by editcap; and two files end to end (a
# second section, which the in-place reader leaves to libpcap from there,
# after the packets it read: none lost, none twice)
for f in "$TRACES/mixed/mercury_emix.pcap" "$TRACES/mixed/libtrace_fragtest.pcap" \
	 "$TMP/gen7.pcap"; do
	[ -f "$f" ] || continue
	ng="$TMP/$(basename "$f" .pcap).pcapng"
	editcap -F pcapng "$f" "$ng"
	check_trace "$ng" 1 10
	rm -f "$ng"
done
"$GENTRACE" -n 20000 -d 10 -s 4 -o "$TMP/a.pcap"
editcap -F pcapng "$TMP/a.pcap" "$TMP/a.pcapng"
editcap -F pcapng -t 30 "$TMP/a.pcap" "$TMP/b.pcapng"
cat "$TMP/a.pcapng" "$TMP/b.pcapng" > "$TMP/two-sections.pcapng"
check_trace "$TMP/two-sections.pcapng" 1 10

# bad corpus: wherever both como and libpcap read a file to its end
n=0
for f in "$TRACES"/bad/*; do
	[ -f "$f" ] || continue
	"$ORACLE" -m totals "$f" > /dev/null 2>&1 || continue
	rm -rf "$TMP/bad"
	"$COMO" run -q --trace "$f" -d "$TMP/bad" > /dev/null 2>&1 || {
		ok 1 "bad/$(basename "$f"): como refused a file libpcap reads"
		continue
	}
	bad=0
	for m in counter protocol; do
		"$COMO" query -d "$TMP/bad" -m $m -f csv > "$TMP/c.csv"
		"$ORACLE" -m $m "$f" > "$TMP/o.csv"
		same "$TMP/c.csv" "$TMP/o.csv" || bad=1
	done
	"$COMO" query -d "$TMP/bad" -m topdest -f csv | exact_only > "$TMP/c.csv"
	"$ORACLE" -m topdest -i 5 "$f" > "$TMP/o.csv"
	same "$TMP/c.csv" "$TMP/o.csv" || bad=1
	[ $bad -eq 0 ] || ok 1 "bad/$(basename "$f"): results differ from the oracle"
	n=$((n + 1))
done
[ -d "$TRACES/bad" ] && ok $([ $n -gt 0 ]; echo $?) "bad corpus: $n readable files equal the oracle"
done_testing
