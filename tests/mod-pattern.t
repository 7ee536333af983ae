#!/bin/bash
# pattern: for each rule, the TCP and UDP packets whose payload holds its
# bytes, per interval, equal tests/oracle/pattern-oracle.c's (memmem over
# the transport payload within the first 240 bytes of the capture) on the
# real traces and generated ones, for rules of plain text, hex bytes, one
# that matches nothing and ones at the payload's start and end; for the
# packets of at most 240 bytes, equal to tshark's dissection of where each
# payload lies (perl searches the rules in it); bad rules are refused with
# the problem named.
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

# tshark's reading: where each packet's transport payload lies is
# tshark's dissection (no reassembly, no defragmenting), the first TCP or
# UDP right after the first IP header (not a tunnel's inner one, not what
# an ICMP error quotes); perl searches the rules in it. Packets of at
# most 240 bytes on the wire only (como -F "less 240"; tshark frame.len),
# so that the module sees the whole payload; per interval and rule.
TS_RE='^(?:(?!:ipv?6?:).)*:(ip|ipv6)(:ipv6\\.[a-z]+)*:(tcp|udp)'
ts_check() {
	local f=$1 args= r
	shift
	for r in "$@"; do args="${args}rule=$r,"; done
	rm -rf "$TMP/ts"
	if ! "$COMO" run -q --trace "$f" -d "$TMP/ts" -m "pattern:${args}interval=1s" \
		-F "less 240" 2> "$TMP/err"; then
		ok 1 "$(basename "$f"): como run -F 'less 240'"; sed 's/^/# /' "$TMP/err"
		return
	fi
	"$COMO" query -d "$TMP/ts" -m pattern -f csv |
		awk -F, 'NR > 1 && $4 > 0 { printf "%d,%d,%d\n", $1, $2, $4 }' > "$TMP/ts-como"
	tshark -r "$f" -o tcp.desegment_tcp_streams:FALSE -o ip.defragment:FALSE \
		-o ipv6.defragment:FALSE -Y "frame.len <= 240 && frame.protocols matches \"$TS_RE\"" \
		-T fields -E separator=/t -e frame.time_epoch -e frame.protocols \
		-e tcp.payload -e udp.payload 2> /dev/null |
	perl -e 'my @rules = map { my $x = $_; my $o = "";
			while (length $x) {
				if ($x =~ s/^\|([0-9a-fA-F]+)\|//) { $o .= pack "H*", $1 }
				elsif ($x =~ s/^\\(.)//s) { $o .= $1 }
				else { $x =~ s/^(.)//s; $o .= $1 }
			} $o } @ARGV;
		my %n;
		while (<STDIN>) {
			chomp;
			my ($t, $protos, $tcp, $udp) = split /\t/, $_, -1;
			# the outer transport: the first after the first IP
			my ($l4) = $protos =~ /:(?:ip|ipv6)(?::ipv6\.[a-z]+)*:(tcp|udp)/;
			my $hex = (split /,/, ($l4 eq "tcp" ? $tcp : $udp) // "")[0] // "";
			$hex =~ s/://g;
			my $pl = pack "H*", $hex;
			for my $i (0 .. $#rules) {
				$n{int($t) . "," . ($i + 1)}++ if index($pl, $rules[$i]) >= 0;
			}
		}
		for (sort { my @a = split /,/, $a; my @b = split /,/, $b;
			    $a[0] <=> $b[0] || $a[1] <=> $b[1] } keys %n) {
			print "$_,$n{$_}\n";
		}' "$@" > "$TMP/ts-tshark"
	same "$TMP/ts-como" "$TMP/ts-tshark"
	ok $? "$(basename "$f"), packets of at most 240 bytes: equal to tshark's payloads, interval by interval ($(awk -F, '{ n += $3 } END { print n + 0 }' "$TMP/ts-tshark") matches)"
}
if command -v tshark > /dev/null; then
	for f in $(mixed_traces) "$TMP/gen.pcap"; do
		ts_check "$f" 'HTTP/1.1' 'GET' 'Host:' '|0d0a|' '|00|' '|ffff|'
	done
else
	skip "tshark's reading" "tshark is not installed"
fi

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
