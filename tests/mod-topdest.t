#!/bin/bash
# topdest past its exact table: destinations that came once the table
# was full count in the sketch beside it, and the top k of each interval
# is checked against the exact bytes and packets per destination of
# tests/oracle/hh-oracle.c -d (libpcap, its own parser) with
# tests/topdest-check.pl: exact records equal the truth, estimates are
# at least the truth and at most their error above it, every oracle
# top-k destination above the interval's threshold is reported, and the
# interval is marked approximate. Below the table's size, topdest equals
# tests/oracle/como-oracle.c and every record says it is exact.
. "$(dirname "$0")/mod-lib.sh"
need_root
HH_ORACLE=$BIN/hh-oracle
# the exact table's bound is per CPU: one CPU, so that it is passed
MOD_CPUS=1
EXACT=$(awk '$2 == "TD_EXACT" { print $3 }' "$TOP/modules/topdest/topdest.h")

# check_td TRACE INTERVAL K WHAT: como's records against the oracle's
check_td() {
	local f=$1 ivl=$2 k=$3 name="$(basename "$1") k=$3 interval=$2"

	mod_run "$f" "$TMP/data" topdest "k=$k,interval=$ivl"
	"$COMO" query -d "$TMP/data" -m topdest -f csv > "$TMP/como.csv" 2> "$TMP/qerr"
	"$HH_ORACLE" -d -i "$(ivl_ns "$ivl")" "$f" > "$TMP/oracle.csv"
	perl "$TOP/tests/topdest-check.pl" "$k" "$TMP/como.csv" "$TMP/oracle.csv" > "$TMP/check"
	ok $? "$name: $(head -n 1 "$TMP/check")"
	tail -n +2 "$TMP/check"
}

# below the bound: the first columns equal the oracle's, all exact
"$GENTRACE" -n 60000 -d 20 -s 3 -o "$TMP/small.pcap"
mod_run "$TMP/small.pcap" "$TMP/data" topdest "k=50,interval=1s"
rc=$?
"$COMO" query -d "$TMP/data" -m topdest -f csv > "$TMP/como.csv"
cut -d, -f1-5 "$TMP/como.csv" > "$TMP/c5.csv"
"$ORACLE" -m topdest -i 1 -k 50 "$TMP/small.pcap" > "$TMP/oracle.csv"
same "$TMP/c5.csv" "$TMP/oracle.csv"
ok $([ $? -eq 0 ] && [ $rc -eq 0 ] && [ ! -e "$TMP/overflowed" ]; echo $?) \
	"small.pcap: equals the libpcap oracle ($(($(wc -l < "$TMP/oracle.csv") - 1)) rows)"
bad=$(awk -F, 'NR > 1 && $6 "," $7 "," $8 "," $9 != "1,0,0,0"' "$TMP/como.csv" | wc -l)
ok $([ "$bad" -eq 0 ]; echo $?) "small.pcap: every record exact, no error, no threshold ($bad not)"
check_formats topdest "$TMP/data"

# 600,000 packets over a million hosts: some 76,000 destinations in each
# 2 s interval, more than the table's $EXACT
"$GENTRACE" -n 600000 -H 1000000 -f 600000 -d 4 -s 5 -o "$TMP/many.pcap"
n=$("$HH_ORACLE" -d -i 2000000000 "$TMP/many.pcap" |
	awk -F, 'NR > 1 { n[$1]++ } END { for (t in n) if (n[t] > m) m = n[t]; print m + 0 }')
ok $([ "$n" -gt "$EXACT" ]; echo $?) "many.pcap: $n destinations in an interval, more than $EXACT"
check_td "$TMP/many.pcap" 2s 2000
est=$(awk -F, 'NR > 1 && !$6' "$TMP/como.csv" | wc -l)
ok $([ -e "$TMP/overflowed" ] && [ "$est" -gt 0 ] && grep -q approximate "$TMP/qerr"; echo $?) \
	"many.pcap: the run says its state was full, $est of the top 2000 are estimates, the query says approximate"
check_td "$TMP/many.pcap" 1s 10

# The issue's case: the table fills with $((EXACT + 4464)) one-packet
# destinations (198.18.0.0/15) before a generated trace's traffic, so
# every one of its destinations is sketched, its top ones too
perl -e '
	my ($fill, $in) = @ARGV;
	open(my $f, "<:raw", $in) or die "$in: $!";
	read($f, my $hdr, 24) == 24 or die "$in: short";
	binmode(STDOUT);
	print $hdr;
	for my $i (0 .. $fill - 1) {
		my $ip = pack("CCnnnCCnNN", 0x45, 0, 46, 0, 0, 64, 17, 0,
			      0x0a000001, 0xc6120000 + $i);
		my $fr = "\x02" x 6 . "\x04" x 6 . "\x08\x00" . $ip .
			pack("nnnn", 1024, 53, 26, 0) . "\0" x 18;
		print pack("LLLL", 1700000000, 0, 60, 60), $fr;
	}
	local $/;
	print <$f>;' $((EXACT + 4464)) "$TMP/small.pcap" > "$TMP/filled.pcap"
check_td "$TMP/filled.pcap" 5s 10
est=$(awk -F, 'NR > 1 && !$6' "$TMP/como.csv" | wc -l)
top=$(awk -F, 'NR > 1 && $1 ~ /^1700000000\./' "$TMP/oracle.csv" | sort -t, -k3,3nr | head -n 10 |
	cut -d, -f2 | sort)
got=$(awk -F, 'NR > 1 && $1 ~ /^1700000000\./ { print $3 }' "$TMP/como.csv" | sort)
ok $([ "$top" = "$got" ] && [ "$est" -ge 10 ] && grep -q approximate "$TMP/qerr"; echo $?) \
	"filled.pcap: the first interval's top 10 are the oracle's, as estimates ($est estimates), marked approximate"

# a multi-CPU run cannot be made from a trace; the bounds are the same
for a in k=0 k=ten; do
	mod_run "$TMP/small.pcap" "$TMP/bad" topdest "$a"
	ok $([ $? -ne 0 ] && [ ! -e "$TMP/overflowed" ]; echo $?) "$a is refused"
done
done_testing
