#!/bin/bash
# heavyhitters: the top sources by bytes and by packets, against the exact
# counts of tests/oracle/hh-oracle.c (libpcap, its own parser), interval
# by interval: every estimate at least the true count and at most its
# stated error above it, every source of at least 1/2^10 of an interval's
# bytes or packets reported (tests/hh-check.pl), on the real traces and
# generated ones, one of them with more sources than any exact table
# holds, and one that leaves would-be candidates without a slot.
. "$(dirname "$0")/mod-lib.sh"
need_root
HH_ORACLE=$BIN/hh-oracle
SLOTS=$(awk '$2 == "HH_SLOTS_BITS" { print 2 ^ $3 }' "$TOP/modules/heavyhitters/heavyhitters.h")

# check_hh TRACE INTERVAL K [ARGS]: como's records against the oracle's
# counts (per destination with key=dst)
check_hh() {
	local f=$1 ivl=$2 k=$3 a=${4:+,$4} name="$(basename "$1") k=$3${4:+ $4} interval=$2"

	if ! mod_run "$f" "$TMP/data" heavyhitters "k=$k$a,interval=$ivl"; then
		ok 1 "$name: como run"; sed 's/^/# /' "$TMP/err"
		return
	fi
	"$COMO" query -d "$TMP/data" -m heavyhitters -f csv > "$TMP/como.csv" 2> /dev/null
	# shellcheck disable=SC2046
	"$HH_ORACLE" $(case $a in *key=dst*) echo -d ;; esac) -i "$(ivl_ns "$ivl")" "$f" > "$TMP/oracle.csv"
	perl "$TOP/tests/hh-check.pl" "$k" "$TMP/como.csv" "$TMP/oracle.csv" > "$TMP/check"
	ok $? "$name: $(head -n 1 "$TMP/check")"
	tail -n +2 "$TMP/check"
}

for f in $(mixed_traces); do
	check_hh "$f" 1s 2048
	check_hh "$f" 10ms 3
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7 11; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_hh "$TMP/gen$seed.pcap" 1s 2048
	check_hh "$TMP/gen$seed.pcap" 250ms 10
done
check_formats heavyhitters "$TMP/data"

# 250,000 sources in 400,000 packets: more than any exact table of the
# standard modules holds (topdest's 65,536); the sketch's memory is fixed
"$GENTRACE" -n 400000 -H 250000 -f 200000 -d 4 -s 5 -o "$TMP/many.pcap"
n=$("$HH_ORACLE" -i 4000000000 "$TMP/many.pcap" | wc -l)
ok $([ "$n" -gt 65537 ]; echo $?) "many.pcap: $((n - 1)) sources in its one interval"
check_hh "$TMP/many.pcap" 1s 2048
check_hh "$TMP/many.pcap" 100ms 20

# Each new source sends 1/1000 of what came before it in a burst: every
# one of them is heavy at its last packet, so they all want a slot and
# more than the slots cannot have one. The packets they miss are at
# least that many, the interval is marked approximate, and the estimates
# and bounds of what is reported still hold.
perl -e '
	my ($n, $t) = (0, 0);
	print pack("LSSlLLL", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1);
	for my $i (1 .. $ARGV[0]) {
		my $b = $n < 1000 ? 1 : int(($n + 999) / 1000);
		my $ip = pack("CCnnnCCnNN", 0x45, 0, 46, 0, 0, 64, 17, 0,
			      0x0a000000 + $i, 0xc0000201);
		for (1 .. $b) {
			my $f = "\x02" x 6 . "\x04" x 6 . "\x08\x00" . $ip .
				pack("nnnn", 1024, 53, 26, 0) . "\0" x 18;
			print pack("LLLL", 1700000000, $t++, 60, 60), $f;
			$n++;
		}
	}' 4000 > "$TMP/bursts.pcap"
mod_run "$TMP/bursts.pcap" "$TMP/data" heavyhitters "k=2048,interval=1s"
rc=$?
"$HH_ORACLE" -i 1000000000 "$TMP/bursts.pcap" > "$TMP/oracle.csv"
want=$(awk -F, -v s="$SLOTS" 'NR > 1 && $7 { n++ } END { print n - s }' "$TMP/oracle.csv")
"$COMO" query -d "$TMP/data" -m heavyhitters -f csv > "$TMP/como.csv" 2> "$TMP/qerr"
missed=$(awk -F, 'NR == 2 { print $11 }' "$TMP/como.csv")
ok $([ $rc -eq 0 ] && [ -e "$TMP/overflowed" ] && [ "$want" -gt 0 ] &&
	[ "${missed:-0}" -ge "$want" ] && grep -q approximate "$TMP/qerr"; echo $?) \
	"bursts.pcap: $((want + SLOTS)) sources want one of $SLOTS slots; $missed packets missed (at least $want), marked approximate"
perl "$TOP/tests/hh-check.pl" 2048 "$TMP/como.csv" "$TMP/oracle.csv" > "$TMP/check"
ok $? "bursts.pcap, past its slots: $(head -n 1 "$TMP/check")"
tail -n +2 "$TMP/check"

# bad arguments are refused with one line naming the module, nothing stored
# destinations, the same bounds against the oracle's per-destination counts
for seed in 1 7; do
	check_hh "$TMP/gen$seed.pcap" 1s 2048 key=dst
	check_hh "$TMP/gen$seed.pcap" 250ms 10 key=dst
done
for f in $(mixed_traces); do
	check_hh "$f" 1s 2048 key=dst
done

# A smaller sketch states larger errors, which still hold: the greatest
# and the summed bytes_err of the top 10 by bytes, at each size
errs() {
	awk -F, 'NR > 1 && $2 == 1 { s += $7; if ($7 > m) m = $7 } END { print m + 0, s + 0 }' "$TMP/como.csv"
}
check_hh "$TMP/gen1.pcap" 1s 10
read -r max0 sum0 <<< "$(errs)"
prev="$max0 $sum0"
for a in width=1024 "width=256,depth=2" "width=64,depth=1"; do
	check_hh "$TMP/gen1.pcap" 1s 10 "$a"
	read -r max sum <<< "$(errs)"
	ok $([ "$sum" -gt "${prev#* }" ] && [ "$max" -ge "${prev% *}" ]; echo $?) \
		"gen1.pcap $a: larger stated errors (greatest $max, sum $sum) than the size before ($prev)"
	prev="$max $sum"
done

for a in k=0 k=4096 k=ten key=both width=100 width=8 width=8192 depth=0 depth=5; do
	mod_run "$TMP/gen1.pcap" "$TMP/bad" heavyhitters "$a"
	ok $([ $? -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
		grep -q heavyhitters "$TMP/err" && [ ! -e "$TMP/overflowed" ]; echo $?) \
		"$a is refused: $(head -n 1 "$TMP/err")"
done
done_testing
