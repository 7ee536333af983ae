#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# topdest-check.pl K COMO.csv ORACLE.csv: topdest's records against the
# exact bytes and packets per destination of tests/oracle/hh-oracle.c -d,
# interval by interval. An exact record equals the truth; an estimate is
# at least the truth and at most its error above it; every destination
# of the oracle's top K above its interval's threshold is reported,
# unless K records have bytes at least its own. Prints one line (records,
# estimates, oracle top-K destinations above the threshold) and the
# first violations; exits with the number of violations (at most 100).
use strict;
use warnings;

my ($k, $como, $oracle) = @ARGV;
my (%true, %rec, %n, %last, %thr, @bad);
my ($nrec, $nest, $nabove) = (0, 0, 0);

sub bad { push @bad, "# $_[0]" }

open(my $o, '<', $oracle) or die "$oracle: $!";
<$o>;
while (<$o>) {
	my ($ts, $a, $b, $p) = split /,/;
	$true{$ts}{$a} = [$b, $p];
}
open(my $c, '<', $como) or die "$como: $!";
<$c>;
while (<$c>) {
	chomp;
	my ($ts, $rank, $a, $p, $b, $exact, $pe, $be, $t) = split /,/;
	my $tr = $true{$ts}{$a} // [0, 0];
	$nrec++;
	$nest++ unless $exact;
	$rec{$ts}{$a} = 1;
	$n{$ts}++;
	$last{$ts} = $b;
	$thr{$ts} = $t;
	if ($exact) {
		bad("$ts $a: exact $b bytes $p packets, true $tr->[0] $tr->[1]")
			if $b != $tr->[0] || $p != $tr->[1] || $be || $pe;
		next;
	}
	bad("$ts $a: bytes $b below the true $tr->[0], or more than $be above")
		if $b < $tr->[0] || $b - $tr->[0] > $be;
	bad("$ts $a: packets $p below the true $tr->[1], or more than $pe above")
		if $p < $tr->[1] || $p - $tr->[1] > $pe;
}
for my $ts (sort keys %true) {
	my $d = $true{$ts};
	my @top = (sort { $d->{$b}[0] <=> $d->{$a}[0] || $a cmp $b } keys %$d)[0 .. $k - 1];
	bad("$ts: no records of an interval with IP packets") unless $n{$ts};
	for my $a (grep { defined } @top) {
		my $v = $d->{$a}[0];
		next if $v <= ($thr{$ts} // 0);
		$nabove++;
		next if $rec{$ts}{$a} || ($n{$ts} // 0) == $k && $last{$ts} >= $v;
		bad("$ts $a: $v bytes, above the threshold $thr{$ts}, not reported");
	}
}
print "$nrec records, $nest estimates, $nabove top-$k destinations above the threshold\n";
print "$_\n" for @bad[0 .. ($#bad < 9 ? $#bad : 9)];
exit(@bad > 100 ? 100 : scalar @bad);
