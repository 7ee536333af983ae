#!/bin/bash
# dns: packets per question name, type, direction, opcode and response
# code, per interval, equal tshark's reading of the same DNS messages
# (first question only, outer headers only) on every real trace and on a
# generated one, at 1 s and 1 d; a trace written here, packet by packet,
# holds the questions it cannot read, each counted as the trace says.
. "$(dirname "$0")/mod-lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is needed"

# como_rows DIR INTERVAL_S: start,name,qtype,qr,opcode,rcode,malformed,pkts
como_rows() {
	"$COMO" query -d "$1" -m dns -f json | perl -MJSON::PP -e '
		local $/; my $j = decode_json(<STDIN>);
		printf "%d,%s,%d,%d,%d,%d,%d,%d\n", int($_->{ts} / $ARGV[0]) * $ARGV[0],
			@$_{qw(name qtype qr opcode rcode malformed pkts)} for @$j' "$2" |
		sort
}

# tshark_rows TRACE INTERVAL_S: the same rows from tshark's fields. The
# module reads what the kernel's window holds, the first 240 bytes of a
# frame: a header or a question past it (or past the capture) is cut.
tshark_rows() {
	tshark -n -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-Y 'udp.port == 53 && dns && !icmp && !icmpv6' -T fields \
		-E occurrence=f -e frame.time_epoch -e frame.cap_len \
		-e frame.protocols -e ip.hdr_len -e dns.flags -e dns.count.queries -e dns.count.zones \
		-e dns.qry.name -e dns.qry.name.len -e dns.qry.type 2> /dev/null |
	IVL=$2 perl -F'\t' -lane '
		my ($t, $cap, $protos, $ihl, $flags, $qd, $zo, $name, $nlen, $qt) = @F;
		# tunnels: the module reads the outer header only
		next if ($protos =~ s/:ip(v6)?(?=:)//g) != 1;
		my $l7 = 14 + 4 * (() = $protos =~ /:vlan/g) + ($ihl ne "" ? $ihl : 40) + 8;
		my $win = $cap < 240 ? $cap : 240;
		my ($qr, $op, $rc, $mal) = (0, 0, 0, 0);
		if ($l7 + 12 > $win) {
			($name, $qt, $mal) = ("", 0, 1);
		} else {
			$flags = hex $flags;
			($qr, $op, $rc) = ($flags >> 15, $flags >> 11 & 15, $flags & 15);
			# an UPDATE (opcode 5) names its zone where a question is
			$qd = $zo if $op == 5;
			$name = "." if $name eq "<Root>";
			my $wire = $name eq "." ? 1 : $nlen + 2;
			if ($qd == 0 || $name =~ /^</) {
				$mal = 2;
			} elsif ($name eq "" || $l7 + 12 + $wire + 2 > $win) {
				$mal = 1;
			} elsif (length($name) > 127) {
				$mal = 3;
			}
			($name, $qt) = ("", 0) if $mal;
		}
		$n{join ",", int($t / $ENV{IVL}) * $ENV{IVL}, lc $name, $qt, $qr, $op, $rc, $mal}++;
		END { print "$_,$n{$_}" for keys %n }' |
		sort
}

# check TRACE INTERVAL SECONDS
check() {
	local name="$(basename "$1") interval=$2"

	if ! mod_run "$1" "$TMP/data" dns "interval=$2"; then
		ok 1 "$name: como run"; sed 's/^/# /' "$TMP/err"
		return
	fi
	como_rows "$TMP/data" "$3" > "$TMP/como.txt"
	tshark_rows "$1" "$3" > "$TMP/tshark.txt"
	same "$TMP/tshark.txt" "$TMP/como.txt"
	ok $? "$name: dns equals tshark ($(wc -l < "$TMP/tshark.txt") rows, $(awk -F, '{ n += $8 } END { print n + 0 }' "$TMP/tshark.txt") packets, $(mod_errors) errors)"
}

for f in $(mixed_traces); do
	check "$f" 1s 1
	check "$f" 1d 86400
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

"$GENTRACE" -n 60000 -d 20 -s 5 -o "$TMP/gen.pcap"
check "$TMP/gen.pcap" 1s 1
check "$TMP/gen.pcap" 1d 86400
check_formats dns "$TMP/data"

# A trace of questions, each with what the module must make of it: the
# name, type, direction and code (opcode 0), why it is malformed
perl -e '
	sub name { join("", map { chr(length) . $_ } @_) . "\0" }
	sub ip_frame {	# SNAP PROTO L4-BYTES
		my ($snap, $proto, $l4) = @_;
		my $ip = pack("CCnnnCCnNN", 0x45, 0, 20 + length $l4, 1, 0, 64,
			      $proto, 0, 0x0a000001, 0x0a000002) . $l4;
		my $f = "\0\0\0\0\0\2\0\0\0\0\0\1\x08\x00" . $ip;
		my $cut = $snap && $snap < length $f ? $snap : length $f;
		$n++;
		print pack("VVVV", 1700000000 + $n, 0, $cut, length $f), substr($f, 0, $cut);
	}
	sub frame {	# SNAP QUESTION-BYTES SPORT DPORT FLAGS QDCOUNT
		my ($snap, $q, $sp, $dp, $fl, $qd) = @_;
		my $dns = pack("nnnnnn", 0x1234, $fl, $qd, 0, 0, 0) . $q;
		ip_frame($snap, 17, pack("nnnn", $sp, $dp, 8 + length $dns, 0) . $dns);
	}
	open(my $e, ">", $ARGV[0]) or die;
	print pack("VvvVVVV", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1);
	my $q = name("WWW", "Example", "COM") . pack("nn", 1, 1);
	frame(0, $q, 40000, 53, 0x0100, 1);
	print $e "www.example.com,1,0,0,0\n";
	frame(0, $q, 53, 40000, 0x8183, 1);
	print $e "www.example.com,1,1,3,0\n";
	frame(0, $q, 53, 53, 0x0100, 1);	# both ports 53: once
	print $e "www.example.com,1,0,0,0\n";
	frame(0, $q, 40000, 5353, 0x0100, 1);	# not port 53: not counted
	frame(0, "\0" . pack("nn", 2, 1), 40000, 53, 0x0100, 1);
	print $e ".,2,0,0,0\n";
	frame(0, name("a_b", "c,d", "e\"f") . pack("nn", 16, 1), 40000, 53, 0x0100, 1);
	print $e "a_b.c,d.e\"f,16,0,0,0\n";
	my $l127 = name("a" x 63, "b" x 63);
	frame(0, $l127 . pack("nn", 28, 1), 40000, 53, 0x0100, 1);
	print $e "" . ("a" x 63) . "." . ("b" x 63) . ",28,0,0,0\n";
	frame(0, name("a" x 63, "b" x 63, "c") . pack("nn", 1, 1), 40000, 53, 0x0100, 1);
	print $e ",0,0,0,3\n";
	frame(0, "\3www\xc0\x0c" . pack("nn", 1, 1), 40000, 53, 0x0100, 1);
	print $e ",0,0,0,2\n";	# a compression pointer
	frame(0, "\3www\x40" . pack("nn", 1, 1), 40000, 53, 0x0100, 1);
	print $e ",0,0,0,2\n";	# a reserved label type
	frame(0, name("a.b", "c") . pack("nn", 1, 1), 40000, 53, 0x0100, 1);
	print $e ",0,0,0,2\n";	# a dot inside a label
	frame(0, name("a\0b") . pack("nn", 1, 1), 40000, 53, 0x0100, 1);
	print $e ",0,0,0,2\n";	# a NUL inside a label
	frame(0, "", 40000, 53, 0x8180, 0);
	print $e ",0,1,0,2\n";	# no question
	frame(46, $q, 40000, 53, 0x0100, 1);
	print $e ",0,0,0,1\n";	# the header cut
	frame(60, $q, 40000, 53, 0x8182, 1);
	print $e ",0,1,2,1\n";	# the name cut
	frame(71, $q, 40000, 53, 0x0100, 1);
	print $e ",0,0,0,1\n";	# the type cut
	# ICMP port unreachable quoting a query: not a DNS packet
	ip_frame(0, 1, "\3\3\0\0\0\0\0\0" . pack("CCnnnCCnNN", 0x45, 0, 28, 1, 0,
		 64, 17, 0, 0x0a000002, 0x0a000001) . pack("nnnn", 40000, 53, 8, 0));
' "$TMP/expect" > "$TMP/odd.pcap"
sort "$TMP/expect" | uniq -c | awk '{ c = $1; $1 = ""; sub(/^ /, ""); print $0 "," c }' | sort > "$TMP/want"
if mod_run "$TMP/odd.pcap" "$TMP/odd" dns interval=1d; then
	"$COMO" query -d "$TMP/odd" -m dns -f json | perl -MJSON::PP -e '
		local $/; my $j = decode_json(<STDIN>);
		print join(",", @$_{qw(name qtype qr rcode malformed pkts)}), "\n" for @$j' |
		sort > "$TMP/got"
	same "$TMP/want" "$TMP/got"
	ok $? "a written trace: $(wc -l < "$TMP/want") rows, odd names kept, each question it cannot read counted malformed, why"
else
	ok 1 "a written trace: como run"; sed 's/^/# /' "$TMP/err"
fi

# bad arguments are refused in one line that names dns, nothing stored
for a in k=5 interval=0 interval=soon; do
	mod_run "$TMP/gen.pcap" "$TMP/bad" dns "$a"
	rc=$?
	[ $rc -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "dns" "$TMP/err"
	ok $? "dns:$a is refused: $(head -n 1 "$TMP/err")"
done
done_testing
