#!/usr/bin/perl
# table-hash-keys.pl N ROWS FILE: writes to FILE a pcap of IPv4/UDP
# packets to N destinations that all fall in the same row of a ROWS-row
# table under the tables' old, unkeyed hash (bpf/module.bpf.h before it
# was keyed, read again here: murmur3's word step over the 16-byte
# IPv4-mapped address as little-endian 32-bit words, then h ^= h >> 16,
# h *= 0x85ebca6b, h ^= h >> 13). The last word is found by running the
# hash backwards from each wanted result, so no search is needed. Prints
# the row and then, per destination, "address old-hash". Destination i
# gets 1 + i % 3 packets.
use strict;
use warnings;

my ($n, $rows, $file) = @ARGV;
die "usage: $0 N ROWS FILE\n" unless $file && $rows && !($rows & ($rows - 1));

my $M = 0xffffffff;
sub mul { my ($a, $b) = @_; (($a * ($b & 0xffff)) + ((($a * ($b >> 16)) & 0xffff) << 16)) & $M }
sub rotl { my ($x, $r) = @_; (($x << $r) | ($x >> (32 - $r))) & $M }
sub inv { my ($x) = @_; my $y = $x; $y = mul($y, (2 - mul($x, $y)) & $M) for 1 .. 5; $y }

my ($c1, $c2, $c5, $add, $fm) = (0xcc9e2d51, 0x1b873593, 5, 0xe6546b64, 0x85ebca6b);

sub step { my ($h, $w) = @_;
	$h ^= mul(rotl(mul($w, $c1), 15), $c2);
	(mul(rotl($h, 13), $c5) + $add) & $M }
sub fin { my ($h) = @_; $h ^= $h >> 16; $h = mul($h, $fm); $h ^ ($h >> 13) }
sub old_hash { my $h = 0x9747b28c; $h = step($h, $_) for @_; fin($h) }

# the key's first three words: ::ffff: of an IPv4-mapped address
my @pre = (0, 0, 0xffff0000);
my $h3 = 0x9747b28c;
$h3 = step($h3, $_) for @pre;

# the last word that makes the hash F
sub last_word { my ($f) = @_;
	my $x = $f ^ ($f >> 13) ^ ($f >> 26);
	$x = mul($x, inv($fm));
	$x ^= $x >> 16;
	$x = rotl(mul(($x - $add) & $M, inv($c5)), 19) ^ $h3;
	mul(rotl(mul($x, inv($c2)), 17), inv($c1)) }

my $row = 12345 % $rows;
my @dst;
for (my $j = 0; @dst < $n; $j++) {
	my $w = last_word(($row + $j * $rows) & $M);
	my @b = map { ($w >> (8 * $_)) & 0xff } 0 .. 3;
	# unicast, not 0/8, 10/8 (the source), 127/8
	next if $b[0] == 0 || $b[0] == 10 || $b[0] == 127 || $b[0] >= 224;
	my $h = old_hash(@pre, $w);
	die "inverse wrong for $j\n" if $h % $rows != $row;
	push @dst, [join('.', @b), $h, $w];
}

sub csum { my $s = 0; $s += $_ for unpack('n*', $_[0]);
	$s = ($s & 0xffff) + ($s >> 16) while $s >> 16; ~$s & 0xffff }

open(my $fh, '>:raw', $file) or die "$file: $!\n";
print $fh pack('VvvlVVV', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1);
my $us = 0;
for my $i (0 .. $#dst) {
	for my $p (0 .. $i % 3) {
		my $payload = 'x' x (18 + ($i * 7 + $p) % 200);
		my $udp = pack('nnnn', 40000 + $p, 9, 8 + length($payload), 0) . $payload;
		my $ip = pack('CCnnnCCnNN', 0x45, 0, 20 + length($udp), $i, 0, 64, 17, 0,
			      0x0a000001, unpack('N', pack('V', $dst[$i][2])));
		substr($ip, 10, 2) = pack('n', csum($ip));
		my $frame = pack('H12H12n', '020000000002', '020000000001', 0x0800) . $ip . $udp;
		print $fh pack('VVVV', 1700000000, $us++, length($frame), length($frame)), $frame;
	}
}
close($fh) or die "$file: $!\n";
print "$row\n";
print "$_->[0] $_->[1]\n" for @dst;
