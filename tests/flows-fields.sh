# flows-fields.sh TRACE: tshark's reading of each frame for flows-oracle.pl:
# time, then the flow key as the flows module keys it (outer headers; an
# ICMP error's quoted header is not the key; IPv6's protocol after its
# extension headers; a later fragment has no ports; the VLAN is the outer
# tag's), length, TCP flags.
tshark -n -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields \
	-E occurrence=f -E separator=/t -e frame.time_epoch -e ip.src -e ipv6.src \
	-e ip.dst -e ipv6.dst -e ip.proto -e ipv6.nxt -e ipv6.hopopts.nxt \
	-e ipv6.routing.nxt -e ipv6.fraghdr.nxt -e ipv6.dstopts.nxt \
	-e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport \
	-e sctp.srcport -e sctp.dstport -e icmp.type -e icmp.code \
	-e icmpv6.type -e icmpv6.code -e ieee8021ad.id -e vlan.id -e tcp.flags -e frame.len \
	-e ip.frag_offset -e ipv6.fraghdr.offset -e frame.protocols 2> /dev/null |
perl -F'\t' -lane '
	my ($t, $s4, $s6, $d4, $d6, $p4, @r) = @F;
	my @nx = @r[0 .. 4];
	my ($ts, $td, $us, $ud, $ss, $sd, $it, $ic, $i6t, $i6c, $sv, $vl, $tf, $len, $fo4, $fo6, $prot) = @r[5 .. 21];
	$vl = $sv if $sv ne "";		# the outer tag is an 802.1ad one
	my ($src, $dst) = ($s4 ne "" ? $s4 : $s6, $d4 ne "" ? $d4 : $d6);
	if ($src eq "" || ($prot // "") =~ /pweth/) { print "$t\t\t$len\t0"; next }
	my $proto = $p4;
	if ($s4 eq "") {
		$proto = "";
		for (@nx) { $proto = $_ if $_ ne "" }
	}
	my ($sp, $dp) = (0, 0);
	my $later = ($fo4 ne "" && $fo4 > 0) || ($fo6 ne "" && $fo6 > 0);
	if ($later) { }
	elsif ($proto == 1 && $it ne "") { $dp = $it * 256 + $ic }
	elsif ($proto == 58 && $i6t ne "") { $dp = $i6t * 256 + $i6c }
	elsif ($proto == 6 && $ts ne "") { ($sp, $dp) = ($ts, $td) }
	elsif ($proto == 17 && $us ne "") { ($sp, $dp) = ($us, $ud) }
	elsif ($proto == 132 && $ss ne "") { ($sp, $dp) = ($ss, $sd) }
	my $flags = ($proto == 6 && $tf ne "" && !$later) ? hex($tf) : 0;
	print join("\t", $t, join(",", $src, $dst, $sp, $dp, $proto, $vl || 0), $len, $flags)'
