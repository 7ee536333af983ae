#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# hh-check.pl K COMO.csv ORACLE.csv: heavyhitters' records against the
# exact counts of tests/oracle/hh-oracle.c, interval by interval. Every
# record's estimate is at least the true count and at most its error
# above it; its totals are the interval's; every source whose bytes (or
# packets) are at least 1/2^10 of the interval's is in the ranking by
# bytes (packets), unless k records rank at least as high; a source
# left out otherwise is one that found no slot, so there are no more of
# them than the interval's missed packets. Prints one line and the first violations;
# exits with the number of violations (at most 100).
use strict;
use warnings;

my ($k, $como, $oracle) = @ARGV;
my (%true, %tot, %rec, %nrank, %last, %missed, %absent, @bad);
my ($nrec, $nheavy, $nmissed, $nleft) = (0, 0, 0, 0);

sub bad { push @bad, "# $_[0]" }

open(my $o, '<', $oracle) or die "$oracle: $!";
<$o>;
while (<$o>) {
	chomp;
	my ($ts, $a, $b, $p, $tb, $tp) = split /,/;
	$true{"$ts,$a"} = [$b, $p];
	$tot{$ts} = [$tb, $tp];
}
open(my $c, '<', $como) or die "$como: $!";
<$c>;
while (<$c>) {
	chomp;
	my ($ts, $by, $rank, $a, $b, $p, $be, $pe, $tb, $tp, $m) = split /,/;
	my $t = $true{"$ts,$a"} // [0, 0];
	$nrec++;
	$rec{"$ts,$by,$a"} = 1;
	$nrank{"$ts,$by"}++;
	$last{"$ts,$by"} = $by == 1 ? $b : $p;
	$missed{$ts} = $m;
	bad("$ts $a: bytes $b below the true $t->[0], or more than $be above")
		if $b < $t->[0] || $b - $t->[0] > $be;
	bad("$ts $a: packets $p below the true $t->[1], or more than $pe above")
		if $p < $t->[1] || $p - $t->[1] > $pe;
	bad("$ts: totals $tb,$tp, not the interval's " . join(',', @{$tot{$ts} // []}))
		if !$tot{$ts} || $tb != $tot{$ts}[0] || $tp != $tot{$ts}[1];
}
for my $ts (sort keys %tot) {
	bad("$ts: no records of an interval with IP packets")
		if $tot{$ts}[1] && !$nrank{"$ts,1"};
	$nmissed++ if $missed{$ts};
}
for my $key (sort keys %true) {
	my ($ts, $a) = split /,/, $key;
	for my $by (1, 2) {
		my $v = $true{$key}[$by - 1];
		next if $v << 10 < $tot{$ts}[$by - 1];
		$nheavy++;
		next if $rec{"$ts,$by,$a"};
		next if ($nrank{"$ts,$by"} // 0) == $k && $last{"$ts,$by"} >= $v;
		$absent{$ts}{$a} = "$a, heavy in ranking $by ($v of " .
			$tot{$ts}[$by - 1] . ")";
	}
}
for my $ts (sort keys %absent) {
	my @a = sort values %{$absent{$ts}};
	bad("$ts: " . scalar(@a) . " heavy sources left out, more than the " .
	    ($missed{$ts} // 0) . " missed packets: $a[0]")
		if @a > ($missed{$ts} // 0);
	$nleft += @a;
}
printf "%d records, %d intervals (%d with missed packets), %d heavy sources checked (%d left out for want of a slot), %d violations\n",
	$nrec, scalar(keys %tot), $nmissed, $nheavy, $nleft, scalar(@bad);
print "$_\n" for @bad[0 .. ($#bad < 9 ? $#bad : 9)];
exit(@bad > 100 ? 100 : scalar(@bad));
