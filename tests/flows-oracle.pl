#!/usr/bin/perl
# flows-oracle.pl IVL_NS IDLE_S ACTIVE_S < tshark fields: the flow records
# tests/mod-flows.t expects, from tshark's reading of a trace, with the
# timeouts applied as the flows module documents: at the end of each
# interval (every one, from the first packet's to the last's; a packet in
# the interval open when it arrives), a flow idle for IDLE_S or open for
# ACTIVE_S is emitted; at the end of the run, the rest. Prints CSV lines
# src,dst,sport,dport,proto,vlan,flags,pkts,bytes,first,last,end,closed,
# sorted.
use strict;
use warnings;

my ($ivl, $idle, $active) = @ARGV;
$idle *= 1e9;
$active *= 1e9;
my (%fl, @out, $cur);

sub ns { my ($s, $f) = split /\./, $_[0]; $f = substr(($f // '') . '0' x 9, 0, 9); return $s * 1e9 + $f }
sub emit {	# KEY WHY CLOSED: the interval end where it was ended
	my ($k, $why, $closed) = @_;
	my $f = $fl{$k};
	push @out, join(',', $k, $f->{flags}, $f->{pkts}, $f->{bytes},
		sprintf('%d.%09d', $f->{first} / 1e9, $f->{first} % 1e9),
		sprintf('%d.%09d', $f->{last} / 1e9, $f->{last} % 1e9), $why,
		sprintf('%d.%09d', $closed / 1e9, $closed % 1e9));
	delete $fl{$k};
}
sub fires { my $t = shift; return int(($t + $ivl - 1) / $ivl) * $ivl }
# the first interval end where a flow times out, or undef
sub next_end {
	my $n;
	for my $f (values %fl) {
		for my $e (fires($f->{last} + $idle), fires($f->{first} + $active)) {
			$n = $e if !defined $n || $e < $n;
		}
	}
	return $n;
}
sub expire {
	my ($end) = @_;
	for my $k (sort keys %fl) {
		my $f = $fl{$k};
		if ($end - $f->{last} >= $idle) { emit($k, 'idle', $end) }
		elsif ($end - $f->{first} >= $active) { emit($k, 'active', $end) }
	}
}

while (<STDIN>) {
	chomp;
	my ($t, $key, $len, $flags) = split /\t/;
	my $ts = ns($t);
	my $i = int($ts / $ivl);
	$cur = $i unless defined $cur;
	# interval ends up to this packet's interval: only the ones where a
	# flow times out matter (a trace's silence may be years)
	while ($i > $cur) {
		my $next = next_end();
		if (!defined $next || $next > $i * $ivl) { $cur = $i; last }
		$cur = $next / $ivl - 1 if $next / $ivl - 1 > $cur;
		expire(($cur + 1) * $ivl);
		$cur++;
	}
	next if $key eq '';
	my $f = $fl{$key} //= { pkts => 0, bytes => 0, flags => 0, first => $ts, last => $ts };
	$f->{pkts}++;
	$f->{bytes} += $len;
	$f->{flags} |= $flags;
	$f->{first} = $ts if $ts < $f->{first};
	$f->{last} = $ts if $ts > $f->{last};
}
expire(($cur + 1) * $ivl) if defined $cur;
emit($_, 'end', ($cur + 1) * $ivl) for sort keys %fl;
print "$_\n" for sort @out;
