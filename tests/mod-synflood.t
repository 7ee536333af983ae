#!/bin/bash
# synflood: the hosts that received SYNs without SYN-ACKs over a threshold,
# per interval, equal the libpcap oracle's; past the kernel map's 65536
# hosts per interval, the packets left out are counted exactly and the
# records are the oracle's with the same bound.
. "$(dirname "$0")/mod-lib.sh"
need_root

for f in $(mixed_traces); do
	check_oracle synflood "$f" 10s "min=2" "-t 2"
	check_oracle synflood "$f" 1s "min=1" "-t 1"
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_oracle synflood "$TMP/gen$seed.pcap" 5s "" ""
	check_oracle synflood "$TMP/gen$seed.pcap" 1s "min=3" "-t 3"
done
check_formats synflood "$TMP/data"

# a second oracle, tshark (outer headers only, no reassembly, not the
# headers quoted in ICMP errors): SYNs without ACK per destination and
# SYN-ACKs per source, per day
for f in $(mixed_traces); do
	mod_run "$f" "$TMP/ts" synflood interval=1d,min=1 || { ok 1 "$f: como run"; continue; }
	"$COMO" query -d "$TMP/ts" -m synflood -f csv | tail -n +2 | cut -d, -f1-4 |
		sort > "$TMP/como.txt"
	tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-Y 'tcp.flags.syn == 1 && !icmp && !icmpv6' -T fields -E separator=, \
		-E occurrence=f -e frame.time_epoch -e ip.src -e ipv6.src -e ip.dst \
		-e ipv6.dst -e tcp.flags.ack -e frame.protocols 2> /dev/null | awk -F, '{
			# the outer IP header: the first frame.protocols names
			pr = ":" $7 ":"; i4 = index(pr, ":ip:"); i6 = index(pr, ":ipv6:")
			v6 = i6 && (!i4 || i6 < i4)
			if (v6 ? substr(pr, i6, 10) != ":ipv6:tcp:" : substr(pr, i4, 8) != ":ip:tcp:") next
			day = int($1 / 86400) * 86400 ".000000000"
			if ($6 == "1" || $6 == "True") sa[day "," (v6 ? $3 : $2)]++
			else sy[day "," (v6 ? $5 : $4)]++ }
		END { for (h in sy) if (sy[h] >= sa[h] + 1) print h "," sy[h] "," sa[h] + 0 }' |
		sort > "$TMP/tshark.txt"
	same "$TMP/como.txt" "$TMP/tshark.txt"
	ok $? "$(basename "$f") interval=1d min=1: synflood equals tshark's reading ($(wc -l < "$TMP/tshark.txt") rows)"
done

"$GENTRACE" -n 1500000 -f 1000000 -H 3000000 -d 50 -s 9 -o "$TMP/hosts.pcap"
# past the table's exact part, which is per CPU: on one CPU, as the
# oracle's bound; the hosts it took are exact, the rest go to the sketch
MOD_CPUS=1
mod_run "$TMP/hosts.pcap" "$TMP/data" synflood min=1,interval=60s
rc=$?
"$COMO" query -d "$TMP/data" -m synflood -f csv 2> /dev/null > "$TMP/como.csv"
"$STD_ORACLE" -m synflood -i 60000000000 -t 1 -E 65536 "$TMP/hosts.pcap" \
	> "$TMP/oracle.csv" 2> "$TMP/oracle.err"
awk -F, 'NR == 1 || $5 == 1 { print $1 "," $2 "," $3 "," $4 }' "$TMP/como.csv" > "$TMP/got"
cut -d, -f1-4 "$TMP/oracle.csv" > "$TMP/want"
[ $rc -eq 0 ] && [ -f "$TMP/overflowed" ] && same "$TMP/want" "$TMP/got"
ok $? "past the table's exact part, the hosts it took are the oracle's with the same bound ($(($(wc -l < "$TMP/want") - 1)) rows)"
sed -n 's/^errors //p' "$TMP/oracle.err" > "$TMP/want"
awk -F, 'NR > 1 && !($1 in t) { t[$1] = 1; n += $NF } END { print n + 0 }' "$TMP/como.csv" > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "... and the packets it could not take are marked not counted: $(cat "$TMP/want")"

# a flood past the table, written here: 140,000 hosts with one SYN each
# (the first 1,000 answer) fill the exact part of two CPUs; then, among 40,000 more
# with one SYN each, six victims get 300 to 40 SYNs (one of them 200 and
# 100 answers), and a busy server 200 SYNs it answers
perl - << 'EOF' > "$TMP/flood.pcap"
use strict;
my $n = 0;
sub frame {	# TIME_US SRC DST FLAGS
	my ($us, $src, $dst, $fl) = @_;
	my $tcp = pack("nnNNCCnnn", 1024 + $n % 60000, 80, $n, 0, 0x50, $fl,
		       1024, 0, 0);
	my $ip = pack("CCnnnCCnNN", 0x45, 0, 40, $n++ & 0xffff, 0, 64, 6, 0,
		      $src, $dst) . $tcp;
	my $f = "\0\0\0\0\0\2\0\0\0\0\0\1\x08\x00" . $ip;
	print pack("VVVV", 1700000040 + int($us / 1e6), $us % 1e6, length $f,
		   length $f), $f;
}
srand(5);
print pack("VvvVVVV", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1);
my $us = 0;
for my $i (0 .. 139999) {
	frame($us += 100, 0x0b000001, 0x0a000000 + $i, 0x02);
	frame($us += 10, 0x0a000000 + $i, 0x0b000001, 0x12) if $i < 1000;
}
my @hot = ((0xc0000201) x 300, (0xc0000202) x 200, (0xc0000203) x 100,
	   (0xc0000204) x 60, (0xc0000205) x 40, (0xc6336401) x 200,
	   (0xc0000206) x 200);
my @ev = ((map { [0x0a100000 + $_, 0x02] } 0 .. 39999),
	  map { [$_, 0x02] } @hot);
push @ev, [0xc6336401, 0x12] for 1 .. 200;
push @ev, [0xc0000206, 0x12] for 1 .. 100;
for my $i (reverse 1 .. $#ev) {
	my $j = int(rand($i + 1));
	@ev[$i, $j] = @ev[$j, $i];
}
for my $e (@ev) {
	my ($h, $fl) = @$e;
	$fl == 0x02 ? frame($us += 100, 0x0b000002 + ($n & 0xff), $h, $fl)
		    : frame($us += 100, $h, 0x0b000002 + ($n & 0xff), $fl);
}
EOF
# tshark: per host, SYNs without ACK received, SYN-ACKs sent, and the
# order in which hosts came (the exact part takes the first 65,536)
tshark -n -r "$TMP/flood.pcap" -T fields -E separator=, -e ip.src -e ip.dst \
	-e tcp.flags.ack 2> /dev/null | awk -F, '{
		h = ($3 == "1" || $3 == "True") ? $1 : $2
		if (!(h in seen)) seen[h] = n++
		if ($3 == "1" || $3 == "True") sa[h]++; else sy[h]++ }
	END { for (h in seen) printf "%s,%d,%d,%d\n", h, sy[h], sa[h], seen[h] }' \
	> "$TMP/fl.truth"

# check_flood CSV CPUS: every record's bounds hold tshark's counts, none
# is reported that is not flooded, the six victims are; on one CPU also:
# exact records are hosts the table took, the rest are under the threshold
check_flood() {
	perl -e '
	my ($truth, $csv, $cpus) = @ARGV;
	my (%t, @bad, %got, $thr);
	open my $f, "<", $truth or die;
	while (<$f>) { chomp; my @a = split /,/; $t{$a[0]} = [@a[1 .. 3]] }
	open $f, "<", $csv or die;
	<$f>;
	while (<$f>) {
		chomp;
		my ($ts, $h, $sy, $sa, $ex, $se, $ae, $th) = split /,/;
		$thr = $th;
		$got{$h} = $ex;
		my $x = $t{$h} or do { push @bad, "$h unknown"; next };
		push @bad, "$h: syns $x->[0] not in [" . ($sy - $se) . ",$sy]"
			if $x->[0] > $sy || $x->[0] < $sy - $se;
		push @bad, "$h: synacks $x->[1] not in [$sa," . ($sa + $ae) . "]"
			if $x->[1] < $sa || $x->[1] > $sa + $ae;
		push @bad, "$h: reported with " . ($x->[0] - $x->[1]) . " unanswered"
			if $x->[0] < $x->[1] + 20;
		push @bad, "$h: exact but past the table"
			if $cpus == 1 && $ex && $x->[2] >= 65536;
	}
	for my $h ($cpus == 1 ? keys %t : ()) {
		next if exists $got{$h} || $t{$h}[2] < 65536 || $t{$h}[0] <= $thr;
		push @bad, "$h: $t{$h}[0] SYNs past the table, over the threshold $thr, not reported";
	}
	for my $v (map { "192.0.2.$_" } 1 .. 6) {
		push @bad, "victim $v not reported as an estimate"
			unless exists $got{$v} && !$got{$v};
	}
	push @bad, "the server that answers is reported" if exists $got{"198.51.100.1"};
	print STDERR join("; ", @bad[0 .. ($#bad < 4 ? $#bad : 4)]), "\n" if @bad;
	print scalar(keys %got), " hosts reported, threshold ", $thr // "none", "\n";
	exit !!@bad' "$TMP/fl.truth" "$1" "$2" > "$TMP/fl.out" 2> "$TMP/fl.bad"
}
for cpus in 1 2; do
	MOD_CPUS=$cpus
	mod_run "$TMP/flood.pcap" "$TMP/fl" synflood min=20,interval=60s
	rc=$?
	"$COMO" query -d "$TMP/fl" -m synflood -f csv 2> /dev/null > "$TMP/fl.csv"
	sed -i 's/,[^,]*$//' "$TMP/fl.csv"	# the mark's column: approximate
	check_flood "$TMP/fl.csv" $cpus
	res=$?
	[ $rc -eq 0 ] && [ -f "$TMP/overflowed" ] && [ $res -eq 0 ]
	ok $? "a flood past the table, $cpus CPU(s): the six victims are estimates, every bound holds tshark's counts, no host is reported that is not flooded$([ $cpus = 1 ] && echo ", every host left out is under the threshold") ($(cat "$TMP/fl.out"); run exit $rc) $(head -c 300 "$TMP/fl.bad")"
done
unset MOD_CPUS

mod_run "$TMP/gen1.pcap" "$TMP/bad" synflood min=0
ok $([ $? -ne 0 ] && grep -q synflood "$TMP/err"; echo $?) "min=0 is refused: $(head -n 1 "$TMP/err")"
done_testing
