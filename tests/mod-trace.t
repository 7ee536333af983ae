#!/bin/bash
# trace: the pcap 'como query -f pcap' writes of the stored packets equals,
# packet by packet, the original cut to the same snap length (editcap -s),
# as tests/oracle/trace-oracle.c (libpcap) reads both; payload=0 cuts at
# the transport header's end as the oracle reads it; max= loses what does
# not fit, counted; a window gives its packets to the ns.
. "$(dirname "$0")/mod-lib.sh"
need_root
ORACLE=$BIN/trace-oracle

# same_packets A B NAME: the oracle's lines of two pcaps are equal, in
# order when the original's timestamps are, else as sets (its late
# packets are stored with the interval they came in)
same_packets() {
	local how=

	if ! sort -s -n -k1,1 -c "$2" 2> /dev/null; then
		sort "$1" > "$1.s"; sort "$2" > "$2.s"
		set -- "$1.s" "$2.s" "$3"; how=" (timestamps out of order: as sets)"
	fi
	same "$1" "$2"
	ok $? "$3: $(wc -l < "$2") packets equal the original's$how"
}

# trace_run TRACE ARGS: como run, then the pcap of all it stored
trace_run() {
	mod_run "$1" "$TMP/d" trace "$2" && "$COMO" query -d "$TMP/d" -m trace -f pcap \
		> "$TMP/out.pcap" 2> "$TMP/qerr"
}

"$GENTRACE" -n 20000 -d 10 -s 3 -o "$TMP/gen.pcap"
snap=40
for f in $(mixed_traces) "$TMP/gen.pcap"; do
	snap=$((snap == 40 ? 96 : snap == 96 ? 240 : 40))
	name="$(basename "$f") snap=$snap"
	if ! trace_run "$f" "snap=$snap,payload=1"; then
		ok 1 "$name: como run and query"; sed 's/^/# /' "$TMP/err" "$TMP/qerr"
		continue
	fi
	editcap -s $snap "$f" "$TMP/cut.pcap"
	"$ORACLE" "$TMP/out.pcap" > "$TMP/como.txt"
	"$ORACLE" "$TMP/cut.pcap" > "$TMP/orig.txt"
	same_packets "$TMP/como.txt" "$TMP/orig.txt" "$name payload=1"

	# headers only: where the oracle reads the transport header's end, the
	# bytes stop there; the others still have their times and lengths
	trace_run "$f" "payload=0,snap=240" || { ok 1 "$name payload=0: run"; continue; }
	editcap -s 240 "$f" "$TMP/cut.pcap"
	"$ORACLE" "$TMP/out.pcap" | sort -s -n -k1,1 > "$TMP/como.txt"
	"$ORACLE" -h "$TMP/cut.pcap" | sort -s -n -k1,1 > "$TMP/orig.txt"
	perl -e 'open my $a, "<", $ARGV[0]; open my $b, "<", $ARGV[1];
		my ($n, $cut, $bad) = (0, 0, 0);
		while (defined(my $x = <$a>)) {
			my $y = <$b> // ""; chomp $x; chomp $y; $n++;
			my @x = split / /, $x; my @y = split / /, $y;
			if (@y > 2 && $y[2] ne "?") { $bad++, print "# $x\n# $y\n" if $x ne $y; $cut++; }
			elsif ("$x[0] $x[1]" ne "$y[0] $y[1]") { $bad++ }
		}
		$bad++ if defined <$b>;
		print "$n $cut\n"; exit($bad ? 1 : 0)' "$TMP/como.txt" "$TMP/orig.txt" > "$TMP/cmp.txt"
	ok $? "$(basename "$f") payload=0: cut at the transport header ($(tail -n 1 "$TMP/cmp.txt" | awk '{ print $2 " of " $1 }') packets read by the oracle)"
done

# max= below an interval's packets: what does not fit is lost, counted,
# and the query warns and fails; what it holds is each interval's first
f="$TMP/gen.pcap"
editcap -s 96 "$f" "$TMP/cut.pcap"
"$ORACLE" "$TMP/cut.pcap" > "$TMP/orig.txt"
taskset -c 0 true 2> /dev/null && pin="taskset -c 0" || pin=
# one CPU: the bound is per CPU, and the trace is read by one thread
$pin "$COMO" run -q -j --trace "$f" -d "$TMP/max" -m trace:max=700,snap=96,payload=1,interval=1s \
	> "$TMP/sum.json" 2> "$TMP/err"
rc=$?
lost=$(perl -MJSON::PP -e 'local $/; print decode_json(<STDIN>)->{overflow}{packets} // 0' \
	< "$TMP/max/trace/meta.json")
want=$(perl -ne '@f = split; $n{int($f[0] / 1e9)}++;
	END { $l = 0; $l += $_ > 700 ? $_ - 700 : 0 for values %n; print $l }' "$TMP/orig.txt")
ok $([ $rc -ne 0 ] && [ "$lost" = "$want" ] && [ "$want" -gt 0 ]; echo $?) \
	"max=700: the run fails and counts $lost lost packets, the oracle's overflow $want"
"$COMO" query -d "$TMP/max" -m trace -f pcap -o "$TMP/out.pcap" 2> "$TMP/qerr"
rc=$?
ok $([ $rc -eq 1 ] && grep -q "approximate" "$TMP/qerr"; echo $?) \
	"max=700: the query exits 1 and warns: $(head -n 1 "$TMP/qerr")"
"$ORACLE" "$TMP/out.pcap" > "$TMP/como.txt"
perl -ne '@f = split; print if ++$n{int($f[0] / 1e9)} <= 700' "$TMP/orig.txt" > "$TMP/first.txt"
same "$TMP/como.txt" "$TMP/first.txt"
ok $? "max=700: the pcap holds each interval's first 700 packets ($(wc -l < "$TMP/first.txt"))"

# a window: exactly its packets, to the ns; both ends are in it, as they
# are for records (a window that ends on a packet's stamp holds it)
mod_run "$f" "$TMP/d" trace "snap=96,payload=1" || ok 1 "gen.pcap: como run"
end=$(awk 'NR == 15000 { print $1 }' "$TMP/orig.txt")
end_s=$(echo "$end" | sed 's/\(.........\)$/.\1/')
"$COMO" query -d "$TMP/d" -m trace -t "1700000002.25:$end_s" -f pcap > "$TMP/out.pcap"
ok $? "a window's query succeeds"
"$ORACLE" "$TMP/out.pcap" > "$TMP/como.txt"
awk -v e="$end" '$1 >= 1700000002250000000 && $1 <= e' "$TMP/orig.txt" > "$TMP/win.txt"
same "$TMP/como.txt" "$TMP/win.txt"
ok $? "-t 1700000002.25:$end_s: the window's $(wc -l < "$TMP/win.txt") packets, the one at its end too, no other"

check_formats trace "$TMP/d"
n=$("$COMO" query -d "$TMP/d" -m trace -f csv | awk -F, 'NR > 1 && $4 <= 96 { n++ } END { print n }')
ok $([ "$n" = 20000 ]; echo $?) "csv: $n records of at most 96 bytes"

# refusals, one line each
for a in snap=0 snap=241 payload=2 max=0 max=32769 snap=x; do
	mod_run "$f" "$TMP/bad" trace "$a"
	ok $([ $? -ne 0 ] && grep -q "trace" "$TMP/err" && [ ! -e "$TMP/bad/trace" ]; echo $?) \
		"$a is refused: $(head -n 1 "$TMP/err")"
done
mod_run "$f" "$TMP/cnt" counter "" || ok 1 "counter: como run"
"$COMO" query -d "$TMP/cnt" -m counter -f pcap > "$TMP/out.pcap" 2> "$TMP/qerr"
ok $([ $? -ne 0 ] && [ "$(wc -l < "$TMP/qerr")" -eq 1 ] && grep -q "replay" "$TMP/qerr"; echo $?) \
	"-f pcap of a module without replay() is refused: $(head -n 1 "$TMP/qerr")"
script -qec "$COMO query -d $TMP/d -m trace -f pcap" /dev/null > "$TMP/tty.txt" 2>&1
rc=$?
ok $([ $rc -eq 2 ] && grep -q "binary" "$TMP/tty.txt" && [ "$(wc -l < "$TMP/tty.txt")" -eq 1 ]; echo $?) \
	"a pcap is not written to a terminal: $(head -n 1 "$TMP/tty.txt" | tr -d '\r')"
done_testing
