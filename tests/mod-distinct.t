#!/bin/bash
# distinct: the estimated distinct sources and destinations of every
# interval are within their bound (3 standard errors; 4 in HyperLogLog's
# own range, where 99% must be within 3) of the exact counts that
# tests/oracle/distinct-oracle.c (libpcap, its own parser) reads from the
# same trace, on the real traces and on generated ones with many
# addresses, at several intervals and register counts.
. "$(dirname "$0")/mod-lib.sh"
need_root
DIST_ORACLE=$BIN/distinct-oracle
ZS=$TMP/z

# check_distinct TRACE INTERVAL P: every interval within its bound
check_distinct() {
	local f=$1 ivl=$2 p=$3 name="$(basename "$1") p=$3 interval=$2"

	if ! mod_run "$f" "$TMP/data" distinct "p=$p,interval=$ivl"; then
		ok 1 "$name: como run"; sed 's/^/# /' "$TMP/err"
		return
	fi
	"$COMO" query -d "$TMP/data" -m distinct -f csv > "$TMP/como.csv"
	"$DIST_ORACLE" -i "$(ivl_ns "$ivl")" "$f" > "$TMP/exact.csv"
	perl "$TOP/tests/distinct-within.pl" "$TMP/como.csv" "$TMP/exact.csv" \
		"$p" "$ZS" > "$TMP/within"
	ok $? "$name: packets equal the oracle's, estimates within bounds ($(tail -n 1 "$TMP/within"))"
	grep '^#' "$TMP/within"
}

: > "$ZS"
for f in $(mixed_traces); do
	check_distinct "$f" 1s 12
	check_distinct "$f" 100ms 12
	check_distinct "$f" 1s 6
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

# many distinct addresses: 100,000 hosts, 100,000 flows, some 4,000
# sources a second; p=6 to 16 puts them in each range of the estimator.
for seed in 1 2 3; do
	g=$TMP/gen$seed.pcap
	"$GENTRACE" -n 200000 -H 100000 -f 100000 -d 20 -s $seed -o "$g"
	check_distinct "$g" 1s 12
	check_distinct "$g" 5s 12
	check_distinct "$g" 1s 16
	check_distinct "$g" 2s 8
	check_distinct "$g" 2s 6
done
check_formats distinct "$TMP/data"

# HyperLogLog's own range, where the bound per interval is 4 standard
# errors: at least 99% of the estimates within 3 (0.3% past it is the
# normal share), and half within 1 (68% is), so that an estimator off by a
# constant 2 or 3 standard errors fails; with 100 estimates at least
perl -e 'my ($n, $w1, $w3) = (0, 0, 0);
	while (<STDIN>) { $n++; $w1++ if $_ <= 1; $w3++ if $_ <= 3 }
	printf "%d %d %d\n", $n, $w1, $w3' < "$ZS" > "$TMP/zsum"
read -r zn zw1 zw3 < "$TMP/zsum"
[ "$zn" -ge 100 ] && [ $((100 * zw3)) -ge $((99 * zn)) ]
ok $? "$zw3 of $zn estimates in HyperLogLog's range are within 3 standard errors"
[ "$zn" -ge 100 ] && [ $((2 * zw1)) -ge "$zn" ]
ok $? "$zw1 of $zn estimates in HyperLogLog's range are within 1 standard error"

# p out of range: refused in one line that names the module, nothing stored
for bad in p=5 p=17 p=x; do
	mod_run "$TMP/gen1.pcap" "$TMP/bad" distinct "$bad"
	rc=$?
	[ $rc -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
		grep -q distinct "$TMP/err" && [ ! -e "$TMP/bad/distinct" ]
	ok $? "$bad is refused: $(head -n 1 "$TMP/err")"
done
done_testing
