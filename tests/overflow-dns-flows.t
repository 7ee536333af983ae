#!/bin/bash
# dns and flows driven past their kernel tables (DNS_ENTRIES keys and
# FLOWS_ENTRIES flows an interval and CPU) on traces written here: three
# 60 s intervals, the first and the third with more keys than the table
# holds, the second with few. On one CPU what is not counted is exact:
# the table takes an interval's keys in the order they first come, so a
# packet is lost when its key is new and the interval already holds the
# table's worth (bpf/module.bpf.h, como_table_claim: count >= entries);
# every packet of a key that fit counts. The oracle applies that rule to
# tshark's reading of the same packets. Checked: the run exits 1, says
# how many packets were not counted, and its summary is not complete;
# meta.json lists exactly the intervals that overflowed, with the count;
# como query warns and exits 1 where its window touches one, and not
# elsewhere; the records are those of the keys that fit, with their
# counts. On two CPUs each has a table, and which packets it sees depends
# on which CPU ran which batch, so the count cannot be predicted: there it
# is held to bounds (below, before that run).
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is needed"

DNS_KEYS=$(awk '$2 == "DNS_NAMES" { print $3 }' "$TOP/modules/dns/dns.h")
FLOW_KEYS=$(awk '$2 == "FLOWS_ENTRIES" { print $3 }' "$TOP/modules/flows/flows.h")
T0=1700000040		# a multiple of the interval
IVL=60
A=$T0 B=$((T0 + IVL)) C=$((T0 + 2 * IVL))

# write_pcap MODULE: a trace of that module's keys on stdout. The first
# interval has more keys than two CPUs' tables hold, the third more than
# one CPU's by a few hundred. dns: 40,000 names asked in the first
# interval (a third asked again, a fifth answered NXDOMAIN: 48,000 keys),
# 5,000 twice in the second, 17,000 of the first's names in reverse order
# in the third. flows: 140,000 UDP flows, then 2,000 twice, then 66,000 of
# the first's in reverse order.
write_pcap() {
	perl - "$1" "$T0" <<'EOF'
use strict;
my ($what, $t0) = @ARGV;
my $n = 0;
sub qname { join("", map { chr(length) . $_ } split /\./, $_[0]) . "\0" }
sub frame {	# TIME_US SRC-ADDR SPORT DPORT PAYLOAD
	my ($us, $src, $sp, $dp, $pl) = @_;
	my $udp = pack("nnnn", $sp, $dp, 8 + length $pl, 0) . $pl;
	my $ip = pack("CCnnnCCnNN", 0x45, 0, 20 + length $udp, $n++ & 0xffff,
		      0, 64, 17, 0, $src, 0xc0a80001) . $udp;
	my $f = "\0\0\0\0\0\2\0\0\0\0\0\1\x08\x00" . $ip;
	print pack("VVVV", $t0 + int($us / 1e6), $us % 1e6, length $f,
		   length $f), $f;
}
sub ask {	# TIME_US NAME QTYPE FLAGS
	my ($us, $name, $qt, $fl) = @_;
	my $dns = pack("nnnnnn", $n & 0xffff, $fl, 1, 0, 0, 0) .
		  qname($name) . pack("nn", $qt, 1);
	my $port = 1024 + $n % 60000;
	frame($us, 0x0a000001, $fl & 0x8000 ? (53, $port) : ($port, 53), $dns);
}
sub flow { frame($_[0], 0x0a000000 + $_[1], 40000, 9, "x" x ($_[1] % 7)) }
srand(13);
print pack("VvvVVVV", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1);
my $us = 0;
if ($what eq "dns") {
	for my $i (0 .. 39999) {
		ask($us += 1000, "a$i.example.com", 1, 0x0100);
		ask($us += 100, "a" . int(rand($i + 1)) . ".example.com", 1,
		    0x0100) if $i % 3 == 0;
		ask($us += 100, "a" . int($i / 2) . ".Example.com", 1, 0x8183)
			if $i % 5 == 0;
	}
	$us = 60e6;
	for my $r (0, 1) {
		ask($us += 1000, "b$_.example.com", 28, 0x0100) for 0 .. 4999;
	}
	$us = 120e6;
	for my $i (reverse 0 .. 16999) {
		ask($us += 2000, "a$i.example.com", 1, 0x0100);
		ask($us += 100, "a" . (16999 - int(rand(17000 - $i))) .
		    ".example.com", 1, 0x0100) if $i % 2 == 0;
	}
} else {
	for my $i (0 .. 139999) {
		flow($us += 300, $i);
		flow($us += 50, int(rand($i + 1))) if $i % 3 == 0;
	}
	$us = 60e6;
	for my $r (0, 1) { flow($us += 1000, 100000 + $_) for 0 .. 1999 }
	$us = 120e6;
	for my $i (reverse 0 .. 65999) {
		flow($us += 500, $i);
		flow($us += 50, 65999 - int(rand(66000 - $i))) if $i % 2 == 0;
	}
}
EOF
}

# oracle MODULE KEYS < tshark's fields: "rec,..." rows for what a table
# of KEYS keys an interval stores, "all,START,N" for every interval and
# "lost,START,N" for those past it, "keys,START,N" the distinct keys of
# each interval. A dns row is START,name,qtype,qr,opcode,rcode,malformed,
# pkts per interval; a flows row, what was counted of a flow over the
# whole run (its one record, emitted by flush(): no timeout fires).
oracle() {
	perl -e '
use strict;
$\ = "\n";
my ($what, $max, $ivl) = @ARGV;
my (%fit, %rec, %all, %lost, %keys);
while (<STDIN>) {
	chomp;
	my @f = split /\t/;
	my $s = int($f[0] / $ivl) * $ivl;
	my ($k, $id);
	if ($what eq "dns") {	# time name qtype response opcode rcode
		$f[3] = $f[3] eq "True" || $f[3] eq "1" ? 1 : 0;
		$f[5] = 0 if $f[5] eq "";
		$id = $k = join ",", $s, lc $f[1], @f[2 .. 5], 0;
	} else {		# time src dst sport dport proto len
		$id = join ",", @f[1 .. 5], 0, 0;	# no VLAN, no TCP flags
		$k = "$s,$id";
	}
	$all{$s}++;
	$keys{$s}{$k} = 1;
	$fit{$s} //= {};
	if (!exists $fit{$s}{$k}) {
		if (keys %{$fit{$s}} == $max) {
			$lost{$s}++;
			# dns: counted together per (qr, opcode, rcode)
			$rec{join ",", $s, "", 0, @f[3 .. 5], 4}[0]++
				if $what eq "dns";
			next;
		}
		$fit{$s}{$k} = 1;
	}
	my $r = $rec{$id} //= [0, 0, $f[0]];
	$r->[0]++;
	$r->[1] += $f[6] if $what ne "dns";
	$r->[3] = $f[0];
}
# flush() ends every flow at the end of the last interval of the run
my ($last) = sort { $b <=> $a } keys %all;
for (sort keys %rec) {
	my $r = $rec{$_};
	print $what eq "dns" ? "rec,$_,$r->[0]" :
		"rec,$_," . join(",", @$r) . ",end," . ($last + $ivl) . ".000000000";
}
print "all,$_,$all{$_}" for sort keys %all;
print "lost,$_,$lost{$_}" for sort keys %lost;
print "keys,$_,", scalar keys %{$keys{$_}} for sort keys %keys;' "$@"
}

# tshark_fields MODULE TRACE: what the oracle reads, in trace order
tshark_fields() {
	if [ "$1" = dns ]; then
		tshark -n -r "$2" -Y dns -T fields -E occurrence=f \
			-e frame.time_epoch -e dns.qry.name -e dns.qry.type \
			-e dns.flags.response -e dns.flags.opcode \
			-e dns.flags.rcode
	else
		tshark -n -r "$2" -Y ip -T fields -E occurrence=f \
			-e frame.time_epoch -e ip.src -e ip.dst -e udp.srcport \
			-e udp.dstport -e ip.proto -e frame.len
	fi 2> /dev/null
}

# stored MODULE DIR: the records as the oracle writes its rows (CSV: the
# times as como prints them, to the ns)
stored() {
	"$COMO" query -d "$2" -m "$1" -f csv 2> /dev/null |
		awk -F, -v OFS=, -v m="$1" 'NR == 1 { cut = $NF == "packets_uncounted" }
		NR > 1 {
			if (cut)	# the mark of an approximate interval
				NF--
			if (m == "dns") { sub(/\..*/, "", $1); print "rec", $0 }
			else { $1 = "rec"; print } }' | LC_ALL=C sort
}

# run MODULE TRACE DIR CPUS: como run, the summary in $TMP/sum.json, its
# stderr in $TMP/err; the exit status in $rc
run() {
	rm -rf "$3"
	"$COMO" run -j --cpus "$4" --trace "$2" -d "$3" \
		-m "$1:interval=${IVL}s$([ "$1" = flows ] &&
			echo ,idle=1000000,active=1000000)" \
		> "$TMP/sum.json" 2> "$TMP/err"
	rc=$?
}

# json FILE EXPR: a Perl expression over the JSON document $j
json() {
	perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>); print eval $ARGV[0]' \
		"$2" < "$1"
}

# listed LOST-ROWS: the overflowed intervals as meta.json lists them
listed() {
	awk -F, -v ivl=$IVL '$1 == "lost" {
		printf "%s%s000000000,%d000000000", n++ ? ";" : "", $2, $2 + ivl }'
}

check_module() {	# MODULE KEYS
	local m=$1 keys=$2 d="$TMP/$1" lost intervals want_ivl qrc errors floor

	write_pcap "$m" > "$TMP/$m.pcap"
	tshark_fields "$m" "$TMP/$m.pcap" > "$TMP/$m.fields"
	oracle "$m" "$keys" $IVL < "$TMP/$m.fields" > "$TMP/$m.oracle"
	lost=$(awk -F, '$1 == "lost" { n += $3 } END { print n + 0 }' "$TMP/$m.oracle")
	intervals=$(grep -c '^lost,' "$TMP/$m.oracle")
	want_ivl=$(listed < "$TMP/$m.oracle")
	# with each interval's own packets not counted
	want_lost=$(awk -F, -v ivl=$IVL '$1 == "lost" {
		printf "%s%s000000000,%d000000000,%s", n++ ? ";" : "", $2, $2 + ivl, $3 }' "$TMP/$m.oracle")
	diag "$m: $(grep -c '^rec,' "$TMP/$m.oracle") records and $lost packets not counted in $intervals intervals by the oracle (table of $keys keys), of $(awk -F, '$1 == "all" { n += $3 } END { print n }' "$TMP/$m.oracle") packets"
	[ "$intervals" -eq 2 ] && [ "$want_ivl" = "${A}000000000,${B}000000000;${C}000000000,$((C + IVL))000000000" ]
	ok $? "$m: the trace overflows the first and third intervals, not the second"

	# one CPU: the count is exact
	run "$m" "$TMP/$m.pcap" "$d" 1
	[ $rc -eq 1 ] &&
		grep -q "module $m: $lost packets not counted in $intervals intervals (its state was full)" "$TMP/err" &&
		! grep -v "packets not counted" "$TMP/err" |
			grep -qi "error\|stopped\|could not\|cannot\|killed" &&
		[ "$(json "$TMP/sum.json" '($j->{complete} ? 1 : 0) . "," . $j->{modules}[0]{packets_uncounted} . "," . $j->{cpus}')" = "0,$lost,1" ]
	ok $? "$m on one CPU: the run exits $rc, says $lost packets were not counted, as the oracle counts, and its summary is not complete: $(grep 'not counted in' "$TMP/err" | head -c 120)"

	[ "$(json "$d/$m/meta.json" '$j->{state} . "," . $j->{overflow}{packets} . "," . $j->{overflow}{intervals} . "," .
		join(";", map { join ",", @{$_}[0, 1, 2] } @{$j->{overflow}{listed}})')" = "approximate,$lost,$intervals,$want_lost" ]
	ok $? "$m: meta.json is approximate, counts the $lost packets and lists the $intervals intervals, each with its own count ($want_lost)"

	"$COMO" query -d "$d" -m "$m" -f json > "$TMP/q.json" 2> "$TMP/qerr"
	qrc=$?
	[ $qrc -eq 1 ] &&
		grep -q "'$m' is approximate: its state was full and $lost packets were not counted in $intervals intervals; 2 of them are in this window" "$TMP/qerr" &&
		[ "$(json "$TMP/q.json" 'my $a = $j->[-1]{approximate}; $a->{packets_not_counted} . "," .
			join(";", map { join ",", @{$_}[0, 1] } @{$a->{intervals}})')" = "$lost,$want_ivl" ]
	ok $? "$m: como query exits $qrc, warns, and its JSON answer ends with the $lost packets and the intervals: $(head -c 120 "$TMP/qerr")"

	grep '^rec,' "$TMP/$m.oracle" | LC_ALL=C sort > "$TMP/want"
	stored "$m" "$d" > "$TMP/got"
	same "$TMP/want" "$TMP/got"
	ok $? "$m: the $(wc -l < "$TMP/got") records stored are the oracle's, key by key, for the keys that fit$([ "$m" = dns ] && echo ", and the others' rows count the rest per direction, opcode and code")"

	# a flow record stands for its flow from its first packet until
	# flush() ended it, at the run's end: every overflowed interval from
	# its first on marks it, with their packets not counted added up
	if [ "$m" = flows ]; then
		"$COMO" query -d "$d" -m flows -f json 2> /dev/null | perl -MJSON::PP -e '
			my ($a, $b, $la, $lc) = @ARGV;
			my $j = decode_json(join "", <STDIN>);
			my (%n, $bad);
			for my $r (grep { exists $_->{first} } @$j) {
				my $f = $r->{first} < $b ? "a" : "b";
				my $want = $f eq "a" ? $la + $lc : $lc;
				$n{$f}++;
				$bad++ unless $r->{approximate} && $r->{packets_uncounted} == $want;
			}
			print "$n{a} records from the first interval, $n{b} from later\n";
			exit !(!$bad && $n{a} && $n{b})' $A $B \
			"$(awk -F, -v a=$A '$1 == "lost" && $2 == a { print $3 }' "$TMP/$m.oracle")" \
			"$(awk -F, -v c=$C '$1 == "lost" && $2 == c { print $3 }' "$TMP/$m.oracle")" > "$TMP/spans"
		ok $? "flows: each record is marked by every overflowed interval from its first packet to its end, the third's count added ($(cat "$TMP/spans"))"
	fi

	# a window on the second interval alone touches no overflow; one on
	# the third does. But a flow of the second interval stands for its
	# flow until the run's end: its records reach the third, and say so
	"$COMO" query -d "$d" -m "$m" -t "$((B + 1)):$((C - 1))" -f csv > "$TMP/q2.csv" 2> "$TMP/qerr"
	qrc=$?
	"$COMO" query -d "$d" -m "$m" -t "$((C + 1)):$((C + IVL - 1))" -f csv > /dev/null 2> "$TMP/qerr3"
	q3rc=$?
	if [ "$m" = flows ]; then
		[ $q3rc -eq 1 ] && [ $qrc -eq 1 ] &&
			grep -q "records of this window stand for times in [12] intervals outside it whose state was full" "$TMP/qerr" &&
			head -n 1 "$TMP/q2.csv" | grep -q ',packets_uncounted$' &&
			grep -q "1 of them are in this window" "$TMP/qerr3"
		ok $? "flows: a window on the second interval exits $qrc: its records reach the third, and carry its mark ($(head -c 150 "$TMP/qerr")); one on the third warns and exits 1"
	else
		[ $q3rc -eq 1 ] && [ $qrc -eq 0 ] && [ ! -s "$TMP/qerr" ] &&
			grep -q "1 of them are in this window" "$TMP/qerr3"
		ok $? "$m: a window on the second interval answers with exit 0 and no warning, one on the third warns and exits 1"
	fi

	# Two CPUs: a table each. Which packets each sees depends on which
	# CPU ran which batch, so the count is not predicted; bounds that a
	# wrong count fails instead. The first interval has more keys, D,
	# than both tables hold: a CPU stores at most KEYS, so at least
	# D - 2 KEYS keys have no row anywhere and each of their packets is
	# one not counted. Then: the run says so and exits 1, the first
	# interval is listed and not the second, what was stored plus what
	# was not counted is every packet, and no key has more packets
	# stored than the trace has.
	if [ "$(nproc)" -lt 2 ]; then
		skip "$m on two CPUs" "one CPU"
		return
	fi
	run "$m" "$TMP/$m.pcap" "$d" 2
	errors=$(json "$TMP/sum.json" '$j->{modules}[0]{packets_uncounted}')
	floor=$(($(awk -F, -v a=$A '$1 == "keys" && $2 == a { print $3 }' "$TMP/$m.oracle") - 2 * keys))
	# every key of the trace with all its packets: a table without bound
	oracle "$m" 1000000000 $IVL < "$TMP/$m.fields" | grep '^rec,' > "$TMP/truth"
	stored "$m" "$d" | perl -e '
		my ($truth, $lost, $all, $m) = @ARGV;
		my (%t, $stored, $others);
		open(my $t, "<", $truth) or die;
		while (<$t>) {	# rec,KEY (7 fields),pkts,...
			my @f = split /,/;
			$t{join ",", @f[0 .. 7]} = $f[8];
		}
		while (<STDIN>) {
			my @f = split /,/;
			my $k = join ",", @f[0 .. 7];
			if ($m eq "dns" && $f[7] == 4 && $f[2] eq "") {
				$others += $f[8];
				next;
			}
			exit 1 unless exists $t{$k} && $f[8] <= $t{$k};
			$stored += $f[8];
		}
		exit !($stored + $lost == $all &&
		       ($m ne "dns" || $others == $lost));' "$TMP/truth" "$errors" \
		"$(awk -F, '$1 == "all" { n += $3 } END { print n }' "$TMP/$m.oracle")" "$m"
	[ $? -eq 0 ] && [ $rc -eq 1 ] && [ "$floor" -gt 0 ] && [ "$errors" -ge "$floor" ] &&
		[ "$(json "$TMP/sum.json" '$j->{cpus}')" = 2 ] &&
		grep -q "module $m: $errors packets not counted" "$TMP/err" &&
		python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))["overflow"]
starts = [iv[0] // 10**9 for iv in o["listed"]]
sys.exit(not (o["packets"] == int(sys.argv[2]) and int(sys.argv[3]) in starts
	      and int(sys.argv[4]) not in starts))' "$d/$m/meta.json" "$errors" $A $B
	ok $? "$m on two CPUs (packets per CPU $(json "$TMP/sum.json" 'join "/", @{$j->{cpu_packets}}')): the run exits $rc; $errors not counted, at least the $floor packets of keys no table could hold; stored + not counted = every packet; no key above the trace's count$([ "$m" = dns ] && echo "; the others' rows hold what was not counted by name"); meta.json agrees, the first interval listed, not the second"
}

check_module dns "$DNS_KEYS"
check_module flows "$FLOW_KEYS"
done_testing
