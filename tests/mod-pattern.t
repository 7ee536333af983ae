#!/bin/bash
# pattern: for each rule, the TCP and UDP packets whose payload holds its
# bytes, per interval, equal tests/oracle/pattern-oracle.c's (memmem over
# the transport payload within the first 240 bytes of the capture) on the
# real traces and generated ones, for rules of plain text, hex bytes, one
# that matches nothing and ones at the payload's start and end; bad rules
# are refused with the problem named.
. "$(dirname "$0")/mod-lib.sh"
need_root
ORACLE=$BIN/pattern-oracle

# hex TEXT: the rule's bytes, read here on their own (|hex|, \| and \\)
hex() {
	perl -e '$_ = $ARGV[0]; my $o = "";
		while (length) {
			if (s/^\|([0-9a-fA-F]+)\|//) { $o .= lc $1 }
			elsif (s/^\\(.)//s) { $o .= unpack "H*", $1 }
			else { s/^(.)//s; $o .= unpack "H*", $1 }
		}
		print $o' "$1"
}

# check TRACE INTERVAL RULE...: the module's csv equals the oracle's
check() {
	local f=$1 ivl=$2 args= oargs=() r
	shift 2
	for r in "$@"; do
		args="${args}rule=$r,"
		oargs+=(-r "$r=$(hex "$r")")
	done
	if ! mod_run "$f" "$TMP/data" pattern "${args}interval=$ivl"; then
		ok 1 "$(basename "$f") $*: como run"; sed 's/^/# /' "$TMP/err"
		return
	fi
	"$COMO" query -d "$TMP/data" -m pattern -f csv > "$TMP/como.csv"
	"$ORACLE" -i "$(ivl_ns "$ivl")" "${oargs[@]}" "$f" > "$TMP/oracle.csv" 2> "$TMP/oracle.err"
	same "$TMP/como.csv" "$TMP/oracle.csv"
	ok $? "$(basename "$f") interval=$ivl $*: equal to the libpcap oracle ($(($(wc -l < "$TMP/oracle.csv") - 1)) rows, $(awk -F, 'NR > 1 { n += $4 } END { print n + 0 }' "$TMP/oracle.csv") matches, $(mod_errors) errors)"
}

"$GENTRACE" -n 60000 -d 20 -s 3 -o "$TMP/gen.pcap"
"$GENTRACE" -n 30000 -d 10 -s 5 -c 1500 -o "$TMP/full.pcap"
LONG='Accept:|20|*/*|0d0a|User-Agent:|20|Debian|20|APT-HTTP/1.3|20|(2.6.1)|0d0a|'
for f in $(mixed_traces) "$TMP/gen.pcap" "$TMP/full.pcap"; do
	for ivl in 1s 250ms; do
		check "$f" $ivl 'HTTP/1.1' 'GET|20|' '|0d0a|' 'no|20|such|00|thing'
		check "$f" $ivl '|1603|' '|0000|' '|ff|' '|0d0a0d0a|' 'Host:|20|' "$LONG"
	done
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"
check "$TMP/gen.pcap" 1s 'a' 'b' 'c' 'd' 'e' 'f' 'g' 'h' 'i' 'j' 'k' 'l' 'm' 'n' 'o' 'HTTP'
check_formats pattern "$TMP/data"

# bad rules: refused, the problem named in one line, nothing stored
bad() {	# ARGS WANT
	mod_run "$TMP/gen.pcap" "$TMP/bad" pattern "$1"
	local rc=$?
	[ $rc -ne 0 ] && grep -q "pattern.*$2" "$TMP/err" && [ ! -s "$TMP/bad/pattern/00000000.seg" ]
	ok $? "'$1' is refused: $(grep -m1 pattern "$TMP/err")"
}
bad 'rule=GET,rule=ab|0d' 'rule 2: unterminated |hex| escape'
bad 'rule=|0g|' "rule 1: 'g' is not a hex digit"
bad 'rule=|0d0|' 'rule 1: odd number of hex digits'
bad 'rule=||' 'rule 1: empty |hex| escape'
bad 'rule=a\b' 'rule 1: a backslash escapes'
bad "rule=$(printf 'x%.0s' $(seq 65))" 'rule 1: longer than 64 bytes'
bad "$(for i in $(seq 17); do printf 'rule=r%d,' $i; done)interval=1s" 'more than 16 rules'
bad 'interval=1s' 'no rule given'
bad 'rule=' 'rule 1: empty'
done_testing
