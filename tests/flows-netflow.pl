#!/usr/bin/perl
# flows-netflow.pl: the two sides of tests/mod-flows-netflow.t, each put
# in the form the other can be held to. Prints sorted lines
# src,dst,sport,dport,proto,pkts,bytes,first_ms,last_ms.
#
#   flows-netflow.pl drop < tshark fields (see tests/mod-flows-netflow.t)
#   flows-netflow.pl nfdump IDLE_S < `nfdump -o raw`
#   flows-netflow.pl como IDLE_S LENGTHS < `como query -m flows -f csv`
#
#   flows-netflow.pl within NFDUMP_RUNS COMO_RUNS
#
# drop prints the numbers of the frames both sides are not given (why:
# below). LENGTHS is one line per frame of the trace: epoch time, the
# flow key as tests/flows-fields.sh prints it, the frame's length on the
# wire, the IP datagram's length and IPv6's first next header (tab
# separated).
use strict;
use warnings;

my ($side, $idle, $lengths) = @ARGV;
my $idle_ms = ($side =~ /^(nfdump|como)$/ ? $idle * 1000 : 0);
my @rec;	# [key, pkts, bytes, first_ms, last_ms]

sub ms { my ($s, $f) = split /\./, $_[0]; return $s * 1000 + substr(($f // '') . '000', 0, 3) }

if ($side eq 'within') {
	# every como run lies inside one nfpcapd run of its key, and each
	# nfpcapd run is the sum of the como runs inside it: nfpcapd cut
	# where como did or not at all. Prints what is not so.
	my (%nf, $bad);
	open(my $nf, '<', $idle) or die "$idle: $!";
	while (<$nf>) {
		chomp;
		my @f = split /,/;
		push @{$nf{join(',', @f[0 .. 4])}}, [@f[5 .. 8], 0, 0];
	}
	open(my $co, '<', $lengths) or die "$lengths: $!";
	while (<$co>) {
		chomp;
		my @f = split /,/;
		my ($in) = grep { $f[7] >= $_->[2] && $f[8] <= $_->[3] }
			@{$nf{join(',', @f[0 .. 4])} // []};
		if (!$in) { print "como run in no nfpcapd run: $_\n"; $bad = 1; next }
		$in->[4] += $f[5];
		$in->[5] += $f[6];
	}
	for my $k (sort keys %nf) {
		for (@{$nf{$k}}) {
			next if $_->[0] == $_->[4] && $_->[1] == $_->[5];
			print "nfpcapd run $k,", join(',', @$_[0 .. 3]),
				" holds como runs of $_->[4] packets, $_->[5] bytes\n";
			$bad = 1;
		}
	}
	exit($bad ? 1 : 0);
} elsif ($side eq 'drop') {
	while (<STDIN>) {
		chomp;
		my ($n, $len, $cap, $mf, $fo, $f6, $ihl, $p, $thl, $prot) = split /\t/;
		$prot //= '';
		# nfpcapd reassembles fragments and counts the datagram once,
		# under its ports; como counts each fragment (a later one with
		# ports 0, as an exporter that does not reassemble)
		if ($mf eq '1' || ($fo ne '' && $fo > 0) || $f6 ne '') { print "$n\n"; next }
		# nfpcapd 1.7 does not know the 802.1ad (QinQ) ethertype: it
		# skips such a frame as not IP
		if ($prot =~ /ieee8021ad/) { print "$n\n"; next }
		# nfpcapd drops a frame whose capture ends inside its transport
		# header ("short caplen"); como counts it with what was captured
		next if $cap >= $len || $prot !~ /^(.*?):ip:/;
		my $l2 = 14 + 4 * (() = $1 =~ /\b(vlan|mpls)\b/g);
		my %thdr = (1 => 8, 6 => $thl || 20, 17 => 8, 47 => 4);
		print "$n\n" if $cap < $l2 + $ihl + ($thdr{$p} // 0);
	}
	exit 0;
} elsif ($side eq 'nfdump') {
	my %r;
	my $flush = sub {
		return unless %r;
		my ($sp, $dp) = ($r{'src port'} // 0, $r{'dst port'} // 0);
		# nfdump shows ICMP's type and code as "T.C"; NetFlow carries
		# them as type << 8 | code in the destination port, as como does
		if (defined $r{ICMP}) {
			my ($t, $c) = $r{ICMP} =~ /^(\d+)\.(\d+)/;
			($sp, $dp) = (0, $t * 256 + $c);
		}
		my ($p) = $r{proto} =~ /^(\d+)/;
		# nfpcapd puts PPTP's call id (enhanced GRE) in the destination
		# port; GRE has no ports, como keeps 0
		($sp, $dp) = (0, 0) if $p == 47;
		my ($f) = $r{first} =~ /^(\d+)/;
		my ($l) = $r{last} =~ /^(\d+)/;
		push @rec, [join(',', $r{'src addr'}, $r{'dst addr'}, $sp, $dp, $p),
			$r{'in packets'}, $r{'in bytes'}, $f, $l];
		%r = ();
	};
	while (<STDIN>) {
		if (/^Flow Record/) { $flush->(); next }
		$r{$1} = $2 if /^\s+(\S.*?)\s+=\s+(.*?)\s*$/;
	}
	$flush->();
} elsif ($side eq 'como') {
	# per key, each frame's time and what its link layer adds to the
	# IP datagram (NetFlow's bytes are the datagram's, como's the frame's)
	my (%pk, %first6);
	open(my $lf, '<', $lengths) or die "$lengths: $!";
	while (<$lf>) {
		chomp;
		my ($t, $key, $len, $iplen, $nxt) = split /\t/;
		next if $key eq '';
		$first6{$key} = $nxt if $key =~ /:/ && $nxt ne '';
		my ($s, $f) = split /\./, $t;
		my $ns = $s * 1e9 + substr(($f // '') . '0' x 9, 0, 9);
		push @{$pk{$key}}, [$ns, $len - $iplen];
	}
	<STDIN>;
	while (<STDIN>) {
		chomp;
		my (undef, $src, $dst, $sp, $dp, $p, $vl, undef, $n, $b, $first, $last) = split /,/;
		my $key = join(',', $src, $dst, $sp, $dp, $p, $vl);
		my ($s, $f) = split /\./, $first;
		my $fns = $s * 1e9 + substr(($f // '') . '0' x 9, 0, 9);
		($s, $f) = split /\./, $last;
		my $lns = $s * 1e9 + substr(($f // '') . '0' x 9, 0, 9);
		for (@{$pk{$key} // []}) {
			$b -= $_->[1] if $_->[0] >= $fns && $_->[0] <= $lns;
		}
		# nfpcapd keys IPv6 by the fixed header's next header and reads
		# no ports past an extension header; como walks the extension
		# headers to the transport one
		my $nxt = $first6{$key};
		($p, $sp, $dp) = ($nxt, 0, 0) if defined $nxt && $nxt != $p;
		push @rec, [join(',', $src, $dst, $sp, $dp, $p), $n, $b, ms($first), ms($last)];
	}
} else {
	die "flows-netflow.pl: side '$side' is neither nfdump nor como\n";
}

# records of one key whose gap is shorter than the idle timeout are one
# run of packets: how the two exporters cut such a run differs (below)
my (%by, @out);
push @{$by{$_->[0]}}, $_ for @rec;
for my $k (keys %by) {
	my @r = sort { $a->[3] <=> $b->[3] } @{$by{$k}};
	my $cur = [@{shift @r}];
	for my $r (@r) {
		if ($r->[3] - $cur->[4] < $idle_ms) {
			$cur->[1] += $r->[1];
			$cur->[2] += $r->[2];
			$cur->[4] = $r->[4] if $r->[4] > $cur->[4];
			next;
		}
		push @out, $cur;
		$cur = [@$r];
	}
	push @out, $cur;
}
print join(',', @$_), "\n" for sort { $a->[0] cmp $b->[0] || $a->[3] <=> $b->[3] } @out;
