#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# distinct-within.pl COMO_CSV EXACT_CSV P ZFILE: distinct's records (como
# query -f csv: ts,srcs,dsts,rse,pkts) against the exact counts of
# tests/oracle/distinct-oracle.c (ts,pkts,srcs,dsts), interval by interval.
# Exit 0 when both have the same intervals and packets, rse is 1.04/sqrt(2^P),
# and every estimate is within its bound of the exact count. In the small
# range (exact <= 2.5 * 2^P: linear counting), 3 standard errors (3 * rse *
# exact), or 1: the record is a whole number, and two addresses that share
# a register count once. In HyperLogLog's own range, 4 standard errors: 3
# are passed by 0.3% of estimates, so some of hundreds would; mod-distinct.t
# holds the share within 3 and within 1 from ZFILE, where each of these
# estimates' error is appended, in standard errors. Prints the worst error.
use strict;
use warnings;

my ($como, $exact, $p, $zfile) = @ARGV;
my (%want, $bad, $worst, $n);
my $rse = 1.04 / sqrt(2**$p);

open my $e, '<', $exact or die "$exact: $!";
while (<$e>) {
	chomp;
	my ($t, $pkts, $s, $d) = split /,/;
	$want{$t} = [$pkts, $s, $d];
}
open my $c, '<', $como or die "$como: $!";
open my $z, '>>', $zfile or die "$zfile: $!";
<$c>;
$worst = 0;
while (<$c>) {
	chomp;
	my ($t, $s, $d, $r, $pkts) = split /,/;
	my $w = delete $want{$t};

	$n++;
	if (!$w || $pkts != $w->[0] || abs($r - $rse) > 1e-12) {
		printf "# %s: como %s packets, rse %s; oracle %s packets, rse %.6f\n",
			$t, $pkts, $r, $w ? $w->[0] : 'no', $rse;
		$bad = 1;
		next;
	}
	for ([$s, $w->[1], 'sources'], [$d, $w->[2], 'destinations']) {
		my ($est, $x, $what) = @$_;
		my $err = abs($est - $x);
		my $zz = $err / ($rse * $x);
		my $k = $x > 2.5 * 2**$p ? 4 : 3;

		$worst = $zz if $zz > $worst;
		print $z "$zz\n" if $k == 4;
		next if $err <= $k * $rse * $x || $err <= 1;
		printf "# %s: %d %s estimated, %d exact: %.2f standard errors off\n",
			$t, $est, $what, $x, $zz;
		$bad = 1;
	}
}
for (sort keys %want) {
	print "# $_: the oracle has an interval como has not\n";
	$bad = 1;
}
printf "%d intervals, worst %.2f standard errors\n", $n // 0, $worst;
exit($bad ? 1 : 0);
