#!/bin/bash
# scan: the sources that contacted at least a threshold of distinct
# destinations or destination ports, per interval, equal the libpcap
# oracle's; past the kernel map's 262144 (source, destination, port) keys
# per interval, the packets left out are counted exactly and the records
# are the oracle's with the same bound.
. "$(dirname "$0")/mod-lib.sh"
need_root

for f in $(mixed_traces); do
	check_oracle scan "$f" 10s "dsts=3,ports=3" "-D 3 -P 3"
	check_oracle scan "$f" 1s "dsts=2,ports=1000" "-D 2 -P 1000"
	check_oracle scan "$f" 60s "dsts=1000,ports=2" "-D 1000 -P 2"
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_oracle scan "$TMP/gen$seed.pcap" 5s "" ""
	check_oracle scan "$TMP/gen$seed.pcap" 1s "dsts=5,ports=4" "-D 5 -P 4"
done
check_formats scan "$TMP/data"

# a second oracle, tshark (the outer IP header only: the first of each
# field, the protocol after IPv6 extension headers, no reassembly), per day
cat > "$TMP/scan.awk" <<'AWK'
# per day: distinct destinations and destination (protocol, port) per source
{
	if ($15 ~ /pweth/) next		# not IP to como
	# the outer IP header: whichever of ip and ipv6 frame.protocols names first
	pr = ":" $15 ":"; i4 = index(pr, ":ip:"); i6 = index(pr, ":ipv6:")
	if (!i4 && !i6) next
	v6 = i6 && (!i4 || i6 < i4)
	src = v6 ? $3 : $2; dst = v6 ? $5 : $4
	day = int($1 / 86400) * 86400 ".000000000"
	proto = v6 ? "" : $6
	if (v6) {
		k = split($7 ";" $11 ";" $12 ";" $13 ";" $14, nx, ";")
		for (i = 1; i <= k; i++) if (nx[i] != "" && nx[i] != 0 && nx[i] != 43 && nx[i] != 60 && nx[i] != 44) { proto = nx[i]; break }
	}
	port = proto == 6 ? $8 : proto == 17 ? $9 : proto == 132 ? $10 : ""
	s = day "," src
	pk[s]++
	if (!((s, dst) in sd)) { sd[s, dst] = 1; nd[s]++ }
	if (port != "" && !((s, proto, port) in spt)) { spt[s, proto, port] = 1; npt[s]++ }
}
END { for (s in pk) if (nd[s] >= D || npt[s] >= P) print s "," nd[s] "," npt[s] + 0 "," pk[s] }
AWK
for f in $(mixed_traces); do
	mod_run "$f" "$TMP/ts" scan interval=1d,dsts=3,ports=3 || { ok 1 "$f: como run"; continue; }
	"$COMO" query -d "$TMP/ts" -m scan -f csv | tail -n +2 | cut -d, -f1-5 |
		sort > "$TMP/como.txt"
	tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields \
		-E separator=, -E occurrence=f -e frame.time_epoch -e ip.src \
		-e ipv6.src -e ip.dst -e ipv6.dst -e ip.proto -e ipv6.nxt -e tcp.dstport \
		-e udp.dstport -e sctp.dstport -e ipv6.hopopts.nxt -e ipv6.dstopts.nxt \
		-e ipv6.routing.nxt -e ipv6.fraghdr.nxt -e frame.protocols 2> /dev/null |
		awk -F, -v D=3 -v P=3 -f "$TMP/scan.awk" | sort > "$TMP/tshark.txt"
	same "$TMP/como.txt" "$TMP/tshark.txt"
	ok $? "$(basename "$f") interval=1d dsts=3 ports=3: equals tshark's reading ($(wc -l < "$TMP/tshark.txt") rows)"
done

"$GENTRACE" -n 1000000 -f 400000 -H 200000 -d 50 -s 5 -o "$TMP/many.pcap"
# past the table's exact part, which is per CPU: on one CPU, as the
# oracle's bound. A source all of whose keys fit is exact and is the
# bounded oracle's; one with keys past it is an estimate whose bounds
# hold the unbounded oracle's counts (bounds_hold, below)
MOD_CPUS=1
mod_run "$TMP/many.pcap" "$TMP/data" scan dsts=20,ports=20,interval=60s
rc=$?
"$COMO" query -d "$TMP/data" -m scan -f csv 2> /dev/null > "$TMP/como.csv"
"$STD_ORACLE" -m scan -i 60000000000 -D 20 -P 20 -E 262144 "$TMP/many.pcap" \
	> "$TMP/oracle.csv" 2> "$TMP/oracle.err"
"$STD_ORACLE" -m scan -i 60000000000 -D 20 -P 20 "$TMP/many.pcap" > "$TMP/truth.csv"
awk -F, 'NR > 1 && $6 == 1 { print $1 "," $2 "," $3 "," $4 "," $5 }' "$TMP/como.csv" |
	sort > "$TMP/got"
tail -n +2 "$TMP/oracle.csv" | cut -d, -f1-5 | sort | comm -13 - "$TMP/got" > "$TMP/extra"
[ $rc -eq 0 ] && [ -f "$TMP/overflowed" ] && [ -s "$TMP/got" ] && [ ! -s "$TMP/extra" ]
ok $? "past the table's exact part, the $(wc -l < "$TMP/got") sources counted exactly are the bounded oracle's $(head -c 200 "$TMP/extra")"
sed -n 's/^errors //p' "$TMP/oracle.err" > "$TMP/want"
awk -F, 'NR > 1 && !($1 in t) { t[$1] = 1; n += $NF } END { print n + 0 }' "$TMP/como.csv" > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "... and the packets it could not take are marked not counted: $(cat "$TMP/want")"

# bounds_hold CSV TRUTH [SCANNERS...]: an exact record is the truth; an
# estimate's counts lie within its bounds (dsts and ports at least, at
# most their errors above, pkts exact; with no upper bound when some
# packet found no bitmap, pkts at least); every record's source crossed a
# threshold (20) in truth; each of SCANNERS is reported
bounds_hold() {
	perl -e '
	my ($csv, $truth, @want) = @ARGV;
	my (%t, %got, @bad, $est, $unknown);
	open my $f, "<", $truth or die;
	<$f>;
	while (<$f>) { chomp; my @a = split /,/; $t{"$a[0],$a[1]"} = [@a[2 .. 4]] }
	open $f, "<", $csv or die;
	<$f>;
	while (<$f>) {
		chomp;
		my ($ts, $s, $d, $p, $n, $ex, $de, $pe) = split /,/;
		$got{$s} = 1;
		my $x = $t{"$ts,$s"} or do { push @bad, "$s: not over a threshold"; next };
		if ($ex) {
			push @bad, "$s: exact $d,$p,$n, not @$x"
				if "$d,$p,$n" ne join ",", @$x;
			next;
		}
		$est++;
		# an unknown error (2^32 - 1): a packet no bitmap took
		my $unk = $de == 4294967295;
		$unknown++ if $unk;
		push @bad, "$s: dsts $x->[0] not in [$d," . ($d + $de) . "]"
			if $x->[0] < $d || $x->[0] > $d + $de;
		push @bad, "$s: ports $x->[1] not in [$p," . ($p + $pe) . "]"
			if $x->[1] < $p || $x->[1] > $p + $pe;
		push @bad, "$s: pkts $n, not $x->[2]"
			if $unk ? $n > $x->[2] : $n != $x->[2];
	}
	$got{$_} or push @bad, "scanner $_ not reported" for @want;
	print STDERR join("; ", @bad[0 .. ($#bad < 4 ? $#bad : 4)]), "\n" if @bad;
	print scalar(keys %got), " sources reported, ", $est // 0, " estimates (",
		$unknown // 0, " with no upper bound)\n";
	exit !!@bad' "$@" > "$TMP/b.out" 2> "$TMP/b.bad"
}
sed -i 's/,[^,]*$//' "$TMP/como.csv"	# the mark's column: approximate
bounds_hold "$TMP/como.csv" "$TMP/truth.csv"
ok $? "... every estimate's bounds hold the oracle's counts, and no source is reported under both thresholds ($(cat "$TMP/b.out")) $(head -c 300 "$TMP/b.bad")"

# scanners past the table, written here: 270,000 keys of 90,000 sources
# (three destinations each) fill the exact part of one CPU; then, among
# 8,000 more of 4,000 sources, one source probes 1,000 hosts, one 300
# ports of a host, one 60 hosts and 30 ports, and one sends 5,000 packets
# to one port of one host (not a scan). The bitmaps hold them all: each
# estimate has both bounds (the run above, on generated traffic, filled
# them: lower bounds only there)
perl - << 'EOF' > "$TMP/scan.pcap"
use strict;
my $n = 0;
sub frame {	# TIME_US SRC DST DPORT
	my ($us, $src, $dst, $dp) = @_;
	my $udp = pack("nnnn", 40000, $dp, 8, 0);
	my $ip = pack("CCnnnCCnNN", 0x45, 0, 28, $n++ & 0xffff, 0, 64, 17, 0,
		      $src, $dst) . $udp;
	my $f = "\0\0\0\0\0\2\0\0\0\0\0\1\x08\x00" . $ip;
	print pack("VVVV", 1700000040 + int($us / 1e6), $us % 1e6, length $f,
		   length $f), $f;
}
srand(3);
print pack("VvvVVVV", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1);
my $us = 0;
for my $i (0 .. 89999) {
	frame($us += 20, 0x0a000000 + $i, 0x0b000000 + $i * 3 + $_, 53) for 0 .. 2;
}
my @ev = map { [0x0c000000 + int($_ / 2), 0x0d000000 + $_, 80] } 0 .. 7999;
push @ev, [0xc0000201, 0x0e000000 + $_, 22] for 0 .. 999;
push @ev, [0xc0000202, 0x0f000001, 1 + $_] for 0 .. 299;
push @ev, [0xc0000203, 0x10000000 + $_, 1 + $_ % 30] for 0 .. 59;
push @ev, [0xc0000204, 0x11000001, 443] for 1 .. 5000;
for my $i (reverse 1 .. $#ev) {
	my $j = int(rand($i + 1));
	@ev[$i, $j] = @ev[$j, $i];
}
frame($us += 20, @$_) for @ev;
EOF
# tshark: per source, distinct destinations, distinct (protocol, port),
# packets, over the one interval
tshark -n -r "$TMP/scan.pcap" -T fields -E separator=, -e ip.src -e ip.dst \
	-e udp.dstport 2> /dev/null | awk -F, '{
		pk[$1]++
		if (!(($1, $2) in sd)) { sd[$1, $2] = 1; nd[$1]++ }
		if (!(($1, $3) in sp)) { sp[$1, $3] = 1; np[$1]++ } }
	END { print "ts,src,dsts,ports,pkts"
	      for (s in pk) if (nd[s] >= 20 || np[s] >= 20)
		print "1700000040.000000000," s "," nd[s] "," np[s] "," pk[s] }' \
	> "$TMP/scan.truth"
for cpus in 1 2; do
	MOD_CPUS=$cpus
	mod_run "$TMP/scan.pcap" "$TMP/sc" scan interval=60s,dsts=20,ports=20
	rc=$?
	"$COMO" query -d "$TMP/sc" -m scan -f csv 2> /dev/null > "$TMP/sc.csv"
	sed -i 's/,[^,]*$//' "$TMP/sc.csv"
	bounds_hold "$TMP/sc.csv" "$TMP/scan.truth" 192.0.2.1 192.0.2.2 192.0.2.3
	res=$?
	# on two CPUs each table holds its half: exact, and the truth
	[ $rc -eq 0 ] && [ $res -eq 0 ] &&
		{ [ $cpus -eq 2 ] || [ -f "$TMP/overflowed" ]; } &&
		! grep -q '^[^,]*,192\.0\.2\.4,' "$TMP/sc.csv"
	ok $? "scanners past the table ($cpus CPU(s)$([ $cpus = 2 ] && echo ": a table each, which holds its half")): the three are reported, every record holds tshark's counts within its bounds, the heavy sender to one port is not ($(cat "$TMP/b.out"); run exit $rc) $(head -c 300 "$TMP/b.bad")"
done
unset MOD_CPUS

for bad in dsts=0 ports=0 ports=x; do
	mod_run "$TMP/gen1.pcap" "$TMP/bad" scan $bad
	ok $([ $? -ne 0 ] && grep -q scan "$TMP/err"; echo $?) "$bad is refused: $(head -n 1 "$TMP/err")"
done
done_testing
