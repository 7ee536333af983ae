#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# marks-check.pl FORMAT WANT OUT [CSV]: the marks of a query's records
# (csv, gnuplot: the last column; http-csv: csv that ends with the
# server's '# not exact' line, packets_uncounted; json, api: the
# fields approximate, packets_uncounted, sampled_out; plain: "~ N not
# counted" after the row, in the order of the rows of CSV) against WANT,
# lines "SECOND,PACKETS" of the packets not counted in each 1 s interval
# (0: exact). A row of an exact interval must carry no mark (json, api,
# plain) or 0 (csv, gnuplot). Prints one line, then the first
# violations (20 at most); exits with their number (at most 100).
use strict;
use warnings;
use JSON::PP;

my ($fmt, $wantf, $outf, $csvf) = @ARGV;
my (%want, @bad);
my $nbad = 0;
my ($approx, $exact) = (0, 0);

sub bad { push @bad, "# $_[0]" if $nbad++ < 20 }

sub slurp {
	open(my $f, '<', $_[0]) or die "$_[0]: $!";
	local $/;
	return <$f>;
}

# one row: its interval's second and the mark it carries, undef: none
sub row {
	my ($sec, $mark, $what) = @_;
	my $w = $want{$sec};

	if (!defined $w) {
		bad("$what: second $sec is not in the oracle's");
		return;
	}
	if ($w) {
		$approx++;
		bad("$what: $sec has $w packets not counted, marked " .
		    ($mark // 'nothing')) unless defined $mark && $mark eq $w;
	} else {
		$exact++;
		bad("$what: $sec is exact, marked $mark")
			if defined $mark && $mark ne '0';
	}
}

# a JSON record's mark: its fields, checked whole
sub json_mark {
	my ($r) = @_;

	return undef unless exists $r->{approximate} ||
		exists $r->{packets_uncounted} || exists $r->{sampled_out};
	return 'bad' unless JSON::PP::is_bool($r->{approximate}) &&
		$r->{approximate} && !exists $r->{sampled_out};
	return $r->{packets_uncounted} // 'no count';
}

for (split /\n/, slurp($wantf)) {
	my ($s, $n) = split /,/;
	$want{$s} = $n;
}
if ($fmt eq 'csv' || $fmt eq 'http-csv') {
	my @l = split /\n/, slurp($outf);
	my $h = shift @l;
	bad("header '$h' does not end with packets_uncounted")
		unless $h =~ /,packets_uncounted$/;
	# over HTTP the answer's last line says it is not exact
	bad("its last line is not the server's mark: '$l[-1]'")
		if $fmt eq 'http-csv' && $l[-1] !~ /^# not exact: .*approximate/;
	for (grep { !/^# / } @l) {
		my @f = split /,/, $_, -1;
		row(int($f[0]), $f[-1], "csv");
	}
} elsif ($fmt eq 'gnuplot') {
	my $in = 0;
	for (split /\n/, slurp($outf)) {
		if (/^\$como << EOD$/) { $in = 1; next }
		if (/^EOD$/) { $in = 0; next }
		if ($in && /^# ts /) {
			bad("the comment '$_' does not end with packets_uncounted")
				unless / packets_uncounted$/;
			next;
		}
		next unless $in;
		my @f = split / /;
		row(int($f[0]), $f[-1], "gnuplot");
	}
} elsif ($fmt eq 'json' || $fmt eq 'api') {
	my $j = decode_json(slurp($outf));
	my $recs = $fmt eq 'api' ? $j->{records} : $j;
	for my $r (@$recs) {
		next unless exists $r->{ts};	# the answer's own last element
		row(int($r->{ts}), json_mark($r), $fmt);
	}
} elsif ($fmt eq 'plain') {
	my @c = split /\n/, slurp($csvf);
	my @p = split /\n/, slurp($outf);
	my $legend = grep { /^~ / } @p;
	shift @c;
	shift @p;
	bad("plain: one legend line, not $legend") unless $legend == 1;
	for my $i (0 .. $#c) {
		my $m = ($p[$i] // '') =~ /  ~ (\d+) not counted$/ ? $1 : undef;
		$m = 'a mark' if !defined $m && ($p[$i] // '') =~ /[~?]/;
		row(int((split /,/, $c[$i])[0]), $m, "plain row " . ($i + 1));
	}
} else {
	die "marks-check.pl: unknown format $fmt\n";
}
print "$approx rows of approximate intervals marked, $exact of exact ones not\n";
print "$_\n" for @bad;
exit($nbad > 100 ? 100 : $nbad);
