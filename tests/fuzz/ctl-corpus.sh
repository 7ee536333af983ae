#!/bin/bash
# Writes the seeds of fuzz_ctl into tests/fuzz/corpus/ctl/: the requests
# como and comoctl really send to comod, each caught on a socket that
# answers them all with an ack. Run it again when a request changes:
#   tests/fuzz/ctl-corpus.sh [OUTDIR]
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/.output/bin
OUT=${1:-$TOP/tests/fuzz/corpus/ctl}
TMP=$(mktemp -d /tmp/ctl-corpus.XXXXXX)
trap 'kill $catcher 2> /dev/null; rm -rf "$TMP"' EXIT
export COMO_SOCKET=$TMP/sock

# each request into $TMP/req.N, answered with NLMSG_ERROR 0 (an ack)
perl -MSocket -e '
	my ($path, $dir) = @ARGV;
	socket(my $l, AF_UNIX, SOCK_SEQPACKET, 0) or die "socket: $!";
	bind($l, pack_sockaddr_un($path)) or die "bind: $!";
	listen($l, 8) or die "listen: $!";
	for (my $n = 0; accept(my $c, $l); $n++) {
		defined(recv($c, my $req, 65536, 0)) or next;
		open(my $f, ">", "$dir/req.$n") or die "$dir/req.$n: $!";
		print $f $req;
		close($f);
		my $hdr = substr($req, 0, 16);
		my $ack = pack("LSSLL", 36, 2, 0, unpack("x8L", $req), 0) .
			  pack("l", 0) . $hdr;
		send($c, $ack, 0);
		close($c);
	}' "$COMO_SOCKET" "$TMP" &
catcher=$!
for _ in $(seq 50); do
	[ -S "$COMO_SOCKET" ] && break
	sleep 0.1
done

# as the tools send them; their replies (empty acks) do not matter
{
	"$BIN/como" status
	"$BIN/como" module list
	"$BIN/como" module load protocol --name p2 --args "k=5 interval=1s" \
		--filter "tcp or udp"
	"$BIN/como" module load "$TOP/.output/modules/topdest.so"
	"$BIN/como" module unload p2
	"$BIN/comoctl" -T comod module set counter sampling 4 priority 7 disable
	"$BIN/comoctl" -T comod config set tick 100ms
	"$BIN/comoctl" -T comod config set cpu-budget 50
	"$BIN/comoctl" -T comod config get
	"$BIN/comoctl" -T comod monitor --count 1 --timeout 1
} > /dev/null 2>&1 || true

mkdir -p "$OUT"
for f in "$TMP"/req.*; do
	cp "$f" "$OUT/$(sha1sum < "$f" | cut -c1-40)"
done
ls "$OUT" | wc -l
