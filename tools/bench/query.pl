#!/usr/bin/perl
# query.pl -- the latency of como's queries over random windows of a stored
# stream, on the command line and over HTTP.
#
#   query.pl COMO DATADIR MODULE SECONDS N SEED [URL]
#
# N windows of SECONDS each, their starts drawn (srand SEED) uniformly so
# that the window lies within the stream's data (meta.json's first_ns and
# last_ns). For each: `COMO query -d DATADIR -m MODULE -t A:B -f json`,
# its wall time from fork to exit; with URL also `curl URL/?module=MODULE&
# time=A:B&format=json`, its time_total (connect to the last byte: curl's
# own start is not the server's). Every answer must be whole and exit 0,
# and the HTTP answer the same bytes as the command line's for the same
# window. Prints one JSON object: the latencies' p50, p99 (nearest rank:
# of 50, the 50th), max, the records per answer and any failure.
use strict;
use warnings;
use JSON::PP;
use POSIX qw(ceil);
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

my ($como, $dir, $mod, $secs, $n, $seed, $url) = @ARGV;
die "usage: $0 COMO DATADIR MODULE SECONDS N SEED [URL]\n" unless defined $seed;

sub slurp { open my $fh, '<', $_[0] or return undef; local $/; return scalar <$fh> }

my $meta = decode_json(slurp("$dir/$mod/meta.json") // die "no meta.json for $mod\n");
my $first = int($meta->{first_ns} / 1e9);
my $last = int($meta->{last_ns} / 1e9);
die "$mod: its data spans less than $secs s\n" if $last - $first <= $secs;

my $tmp = "$dir/../query-$$.out";
sub rank {    # nearest rank of the sorted values
    my ($p, @v) = @_;
    return undef unless @v;
    return $v[ceil($p / 100 * @v) - 1];
}

srand($seed);
my (@cli, @http, @recs, @fail);
for my $i (1 .. $n) {
    my $a = $first + int(rand($last - $first - $secs));
    my $b = $a + $secs;
    my $t0 = clock_gettime(CLOCK_MONOTONIC);
    my $rc = system($como, 'query', '-d', $dir, '-m', $mod, '-t', "$a:$b", '-f', 'json',
                    '-o', $tmp);
    my $dt = clock_gettime(CLOCK_MONOTONIC) - $t0;
    my $out = slurp($tmp) // '';
    # an array of records, one a line, and a last object when the answer
    # is not whole (JSON::PP would take seconds to decode a day's answer)
    if ($rc != 0 || $out !~ /\A\[/ || $out !~ /\]\n\z/) {
        push @fail, "como query -t $a:$b: " . ($rc ? "exit $rc" : 'not a JSON array');
        next;
    }
    push @cli, $dt * 1000;
    push @recs, scalar(() = $out =~ /^,?\{"ts":/mg);
    next unless defined $url;
    my $q = "$url/?module=$mod&time=$a:$b&format=json";
    my $tt = `curl -s -o '$tmp.http' -w '%{http_code} %{time_total}' '$q'`;
    my ($code, $total) = split ' ', $tt // '';
    my $body = slurp("$tmp.http") // '';
    if (($code // '') ne '200' || $body ne $out) {
        push @fail, "GET time=$a:$b: " . (($code // '') ne '200' ? "status " . ($code // 'none')
                                          : 'not the same answer as como query');
        next;
    }
    push @http, $total * 1000;
}
unlink $tmp, "$tmp.http";

sub figures {
    my @v = sort { $a <=> $b } @_;
    return undef unless @v;
    return { n => scalar @v, p50_ms => 0 + sprintf('%.2f', rank(50, @v)),
             p99_ms => 0 + sprintf('%.2f', rank(99, @v)), max_ms => 0 + sprintf('%.2f', $v[-1]) };
}
my @r = sort { $a <=> $b } @recs;
print JSON::PP->new->canonical->encode({
    module => $mod, window_s => 0 + $secs, windows => 0 + $n, seed => 0 + $seed,
    cli => figures(@cli), (defined $url ? (http => figures(@http)) : ()),
    records_p50 => rank(50, @r), records_max => $r[-1],
    (@fail ? (failures => \@fail) : ()),
}), "\n";
