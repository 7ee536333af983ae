#!/bin/bash
# Slow clients (slowloris) against comod's query server, on loopback: 64
# connections that trickle their requests a byte at a time, each byte in
# time for the idle timeout, while a 65th client asks a query and must be
# answered whole (libpcap's figures, como-oracle, and the same bytes as
# `como query` of the data directory); then every trickling connection
# must be closed by the server, which bounds the time a request may take
# to arrive (HTTP_REQUEST_S, 10 s), and the server still answers. The
# outer limits below only keep a broken server from hanging the test.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl > /dev/null || skip_all "curl is not installed"
perl -MIO::Socket::INET -e 1 2> /dev/null || skip_all "perl's IO::Socket::INET is missing"

COMOD=$BIN/comod
PIDS=
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2> /dev/null; done
	for p in $PIDS; do wait "$p" 2> /dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

"$GENTRACE" -n 20000 -d 10 -s 31 -o "$TMP/t.pcap"
D=$TMP/d
"$COMO" run -q --trace "$TMP/t.pcap" -d "$D" -m counter:interval=1s 2> "$TMP/err"
ok $? "a trace run stores counter"
"$ORACLE" -m counter -i 1 "$TMP/t.pcap" > "$TMP/oracle.csv"
"$COMO" query -d "$D" -m counter -f csv > "$TMP/query.csv"

serve "$TMP/s.log" "$COMOD" -d "$D" --http 127.0.0.1:0
SRV=$LAST
[ -n "$PORT" ]
ok $? "comod -d DIR --http 127.0.0.1:0 serves (port $PORT)"

# N connections, each sending a request a byte every 0.5 s (never whole:
# its headers go on). It writes "open N" once all are connected and their
# first bytes sent, then, as the server closes each, counts it; it ends
# when all are closed (exit 0) or after 60 s (exit 1), and writes
# "closed K of N".
N=64
perl -MIO::Socket::INET -MIO::Select -e '
	my ($port, $n, $status) = @ARGV;
	my $req = "GET /?module=counter&format=csv HTTP/1.1\r\nHost: x\r\n" .
		join("", map { "X-Slow-$_: " . ("a" x 20) . "\r\n" } 1 .. 1000);
	$SIG{PIPE} = "IGNORE";
	my (@s, %off);
	for (1 .. $n) {
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or exit 2;
		$s->autoflush(1);
		syswrite($s, substr($req, 0, 1)) == 1 or exit 3;
		$off{$s} = 1;
		push @s, $s;
	}
	open my $st, ">", $status or exit 4;
	$st->autoflush(1);
	print $st "open ", scalar @s, "\n";
	my %closed;
	my $end = time + 60;
	while (keys %closed < $n && time < $end) {
		for my $s (@s) {
			next if $closed{$s};
			# what the server says, or its end: 0 bytes or an error
			my $sel = IO::Select->new($s);
			if ($sel->can_read(0)) {
				my $got = sysread($s, my $buf, 4096);
				if (!$got) { $closed{$s} = 1; close $s; next }
			}
			my $w = syswrite($s, substr($req, $off{$s}++, 1));
			if (!defined $w) { $closed{$s} = 1; close $s }
		}
		select(undef, undef, undef, 0.5);
	}
	print $st "closed ", scalar(keys %closed), " of $n\n";
	exit(keys %closed == $n ? 0 : 1);
' "$PORT" "$N" "$TMP/slow.status" &
SLOW=$!
PIDS="$PIDS $SLOW"
for _ in $(seq 100); do	# at most 10 s to connect
	grep -q '^open' "$TMP/slow.status" 2> /dev/null && break
	sleep 0.1
done
grep -qx "open $N" "$TMP/slow.status"
ok $? "$N slow clients connected, trickling their requests"

code=$(curl -s --max-time 20 -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT/?module=counter&format=csv")
[ "$code" = 200 ] && same "$TMP/oracle.csv" "$TMP/body" && same "$TMP/query.csv" "$TMP/body"
ok $? "while they trickle, a 65th client is answered: libpcap's figures, como query's bytes ($code)"
! grep -q '^closed' "$TMP/slow.status"
ok $? "the slow clients were still open when it was answered"

wait $SLOW
rc=$?
PIDS=${PIDS% $SLOW}
[ $rc -eq 0 ] && grep -qx "closed $N of $N" "$TMP/slow.status"
ok $? "the server closed every slow client ($(tail -n 1 "$TMP/slow.status"))"

code=$(curl -s --max-time 20 -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/status")
[ "$code" = 200 ] && perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
	exit !($j->{http}{slow_cut} == $ARGV[0])' "$N" < "$TMP/body"
ok $? "/api/v1/status counts the $N connections cut for their slow requests"

# a client that sends its request whole, slowly but within the bound, is served
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or exit 2;
	for my $c (split //, "GET /?module=counter&format=csv HTTP/1.0\r\n\r\n") {
		syswrite($s, $c);
		select(undef, undef, undef, 0.05);
	}
	local $/;
	my $r = <$s>;
	$r =~ s/^.*?\r\n\r\n//s;
	print $r;' "$PORT" > "$TMP/body"
same "$TMP/oracle.csv" "$TMP/body"
ok $? "a request sent a byte at a time but whole within the bound is answered"
kill -0 $SRV
ok $? "comod still serves"

done_testing
