#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# The receiver of tests/push.t: push-listen.pl MODE PORT PORTFILE OUT
# listens on 127.0.0.1:PORT (0: any free port), writes the port to
# PORTFILE once it listens, then takes one connection at a time:
# - read: appends each whole line to OUT (a line a connection lost half
#   of is not one); a connection whose first line is STOP ends it;
# - stall: accepts and never reads, with a receive buffer made small,
#   until killed.
use strict;
use warnings;
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF);

my ($mode, $port, $portfile, $out) = @ARGV;
die "usage: push-listen.pl read|stall PORT PORTFILE OUT\n" unless defined $out;
my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
			      Listen => 4, ReuseAddr => 1, Proto => 'tcp')
	or die "push-listen: cannot listen on 127.0.0.1:$port: $!\n";
# set before accept, so that the connection's window starts small
setsockopt($l, SOL_SOCKET, SO_RCVBUF, pack('i', 2048)) if $mode eq 'stall';
open(my $pf, '>', "$portfile.tmp") or die "push-listen: $portfile: $!\n";
print $pf $l->sockport, "\n";
close $pf;
rename "$portfile.tmp", $portfile or die "push-listen: $portfile: $!\n";

open(my $o, '>>', $out) or die "push-listen: $out: $!\n";
$o->autoflush(1);
my $conns = 0;
while (my $c = $l->accept) {
	$conns++;
	if ($mode eq 'stall') {
		my @held = ($c);	# held open, never read
		sleep 1 while 1;
	}
	my ($buf, $first) = ('', 1);
	while (1) {
		my $n = sysread($c, $buf, 65536, length $buf);
		last unless $n;
		while ($buf =~ s/^([^\n]*\n)//) {
			my $line = $1;
			if ($first && $line eq "STOP\n") {
				print STDERR "push-listen: $conns connections\n";
				exit 0;
			}
			$first = 0;
			print $o $line;
		}
	}
	close $c;
}
