#!/bin/bash
# Bounded, escaped input (issue 15): a string beyond the uapi's limit
# (include/uapi/linux/como.h) is refused with one line naming the option or
# attribute and the limit, by como before it sends and by comod when a
# client sends it anyway, and the running monitor is left as it was; a
# config larger than 1 MiB is refused; text from outside reaches stderr and
# comod's log escaped (no raw control byte), valid UTF-8 kept.
. "$(dirname "$0")/lib.sh"
need_root

# expect_error NAME REGEX CMD...: exit 1, one stderr line matching REGEX
expect_error() {
	local name=$1 re=$2 rc lines
	shift 2
	"$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	lines=$(wc -l < "$TMP/err")
	if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && grep -Eq -- "$re" "$TMP/err"; then
		ok 0 "$name: $(cut -c1-120 "$TMP/err")"
	else
		ok 1 "$name: exit $rc, $lines lines on stderr"
		cut -c1-200 "$TMP/err" | sed 's/^/# /'
	fi
}

# a_s N: N times 'a'
a_s() { head -c "$1" /dev/zero | tr '\0' a; }

# no_raw_controls FILE: no byte below 0x20 but newlines, no DEL
no_raw_controls() { ! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$1"; }

# nlsend SOCKET ATTR=LEN|ATTR:TEXT...: a LOAD_MODULE request sent raw, as
# a client that does not check would send it, whose module strings are
# LEN times 'a' or TEXT (pad=N: and N bytes of attributes of no known
# type beside them); prints the reply's errno and message
nlsend() {
	perl -MSocket -e '
	my %type = (name => 2, source => 3, args => 4, filter => 5);
	sub attr {
		my $a = pack("SS", 4 + length($_[1]), $_[0]) . $_[1];
		return $a . "\0" x ((4 - length($a) % 4) % 4);
	}
	my $sock = shift;
	my ($in, $pad) = ("", "");
	for (@ARGV) {
		my ($k, $sep, $v) = /^(\w+)([=:])(.*)$/s or die "bad $_";
		if ($k eq "pad") {	# attributes of no known type, V bytes
			$pad .= attr(100, "p" x 60000) for 1 .. $v / 60000;
			next;
		}
		$in .= attr($type{$k}, ($sep eq "=" ? "a" x $v : $v) . "\0");
	}
	my $body = pack("CCS", 3, 1, 0) . attr(2 | 0x8000, $in) . $pad;
	my $msg = pack("LSSLL", 16 + length($body), 0x20, 1, 1, 0) . $body;
	socket(my $s, AF_UNIX, SOCK_SEQPACKET, 0) or die "socket: $!";
	connect($s, pack_sockaddr_un($sock)) or die "connect: $!";
	send($s, $msg, 0) or die "send: $!";
	defined(recv($s, my $r, 65536, 0)) or die "recv: $!";
	my ($len, $t) = unpack("LS", $r);
	die "not an error reply ($t)\n" if $t != 2;
	my $err = unpack("l", substr($r, 16, 4));
	my ($off, $why) = (36, "");
	while ($off + 4 <= $len) {
		my ($alen, $at) = unpack("SS", substr($r, $off, 4));
		last if $alen < 4;
		$why = unpack("Z*", substr($r, $off + 4, $alen - 4)) if $at == 1;
		$off += ($alen + 3) & ~3;
	}
	print "$err $why\n";' "$@"
}

# the modules of the running monitor, by name
mod_names() {
	"$COMO" module list -j | perl -MJSON::PP -e '
		my @a = map { $_->{name} } @{decode_json(join "", <STDIN>)};
		print "@a\n"'
}

# --- escaping, and the config's bound: a trace run is enough ---
"$GENTRACE" -n 2000 -d 2 -s 7 -o "$TMP/t.pcap"
"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/esc" \
	-m "$(printf 'evil\033]0;owned\007\033[2J\r\x7f\xff\xe2\x80\xae')" \
	> /dev/null 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	no_raw_controls "$TMP/err"; echo $?) \
	"-m with escape bytes: one error line, no raw control byte"
grep -qF 'evil\x1b]0;owned\x07\x1b[2J\x0d\x7f\xff\xe2\x80\xae' "$TMP/err"
ok $? "each byte shown as \\xNN: $(cat "$TMP/err")"
"$COMO" run -q --trace "$(printf '%s/caf\xc3\xa9 \xe2\x82\xac.pcap' "$TMP")" \
	-d "$TMP/esc" -m counter 2> "$TMP/err"
grep -q "$(printf 'caf\xc3\xa9 \xe2\x82\xac.pcap')" "$TMP/err"
ok $? "valid UTF-8 is kept as it is: $(cat "$TMP/err")"

head -c $((2 << 20)) /dev/zero | tr '\0' '#' | fold -w 80 > "$TMP/big.conf"
expect_error "a config of 2 MiB" "big.conf: larger than 1048576 bytes" \
	"$COMO" run -q -c "$TMP/big.conf" --trace "$TMP/t.pcap" -d "$TMP/cfg"
expect_error "a config of 2 MiB from a pipe" "larger than 1048576 bytes" \
	"$COMO" run -q -c /dev/stdin --trace "$TMP/t.pcap" -d "$TMP/cfg" \
	< "$TMP/big.conf"
ok $([ ! -e "$TMP/cfg" ]; echo $?) "nothing stored for a refused config"

# -vv shows libbpf's verifier log: still one line per line, readable
"$COMO" run -vv --trace "$TMP/t.pcap" -d "$TMP/vv" -m counter \
	> /dev/null 2> "$TMP/vv.err"
ok $([ $? -eq 0 ] && no_raw_controls "$TMP/vv.err" &&
	! grep -q '\\x0a' "$TMP/vv.err" &&
	[ "$(grep -c '^comod: libbpf: ' "$TMP/vv.err")" -gt 1 ]; echo $?) \
	"-vv: libbpf's messages keep their lines ($(wc -l < "$TMP/vv.err") lines)"

# --- on a live monitor ---
command -v tcpreplay > /dev/null || {
	skip "live refusals" "tcpreplay is not installed"
	done_testing
	exit
}
veth_pair como-sec
export COMO_SOCKET=$TMP/comod.sock
ip netns exec "$NS" "$BIN/comod" -i va -d "$TMP/d" -s "$COMO_SOCKET" \
	-m counter:interval=1s > /dev/null 2> "$TMP/comod.err" &
pid=$!
wait_socket "$COMO_SOCKET"
"$COMO" status > /dev/null
ok $? "a live monitor answers"

expect_error "--filter of 70000 characters" \
	"^como: --filter: 70000 characters, at most 4095$" \
	"$COMO" module load protocol --filter "$(a_s 70000)"
expect_error "--filter of 5000 characters" \
	"^como: --filter: 5000 characters, at most 4095$" \
	"$COMO" module load protocol --filter "$(a_s 5000)"
expect_error "--args of 70000 characters" \
	"^como: --args: 70000 characters, at most 1023$" \
	"$COMO" module load protocol --args "$(a_s 70000)"
expect_error "--args of 1024 characters" \
	"^como: --args: 1024 characters, at most 1023$" \
	"$COMO" module load protocol --args "$(a_s 1024)"
expect_error "--name of 128 characters" \
	"^como: --name: 128 characters, at most 127$" \
	"$COMO" module load protocol --name "$(a_s 128)"
expect_error "a module path of 4096 characters" \
	"^como: module: 4096 characters, at most 4095$" \
	"$COMO" module load "/$(a_s 4095)"
expect_error "unload of a name of 300 characters" \
	"^como: name: 300 characters, at most 127$" \
	"$COMO" module unload "$(a_s 300)"

# what como would not send, sent raw: comod names the attribute
for spec in "filter=5000 COMO_MOD_A_FILTER.: 5000 characters, at most 4095" \
	    "filter=60000 COMO_MOD_A_FILTER.: 60000 characters, at most 4095" \
	    "args=1024 COMO_MOD_A_ARGS.: 1024 characters, at most 1023" \
	    "name=128 COMO_MOD_A_NAME.: 128 characters, at most 127" \
	    "source=4096 COMO_MOD_A_SOURCE.: 4096 characters, at most 4095"; do
	attr=${spec%% *}
	nlsend "$COMO_SOCKET" source:protocol "$attr" > "$TMP/reply" 2>&1
	grep -Eq "^-34 .*${spec#* }$" "$TMP/reply"
	ok $? "comod refuses $attr sent raw: $(cat "$TMP/reply")"
done

nlsend "$COMO_SOCKET" source:protocol pad=120000 > "$TMP/reply" 2>&1
grep -Eq "^-90 a request of 120[0-9]{3} bytes, at most 65536$" "$TMP/reply"
ok $? "comod refuses a request longer than its buffer whole: $(cat "$TMP/reply")"

"$COMO" module load "$(printf 'x\033[31m\033]2;t\007')" 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	no_raw_controls "$TMP/err" && grep -qF 'x\x1b[31m\x1b]2;t\x07' "$TMP/err"
	echo $?) "comod's refusal of a name with escape bytes reaches como escaped: $(cat "$TMP/err")"
ok $([ "$(mod_names)" = counter ]; echo $?) \
	"the monitor is unchanged: modules '$(mod_names)'"

# and it still counts every packet
"$GENTRACE" -n 3000 -d 2 -c 1600 -s 11 -o "$TMP/live.pcap"
ip netns exec "$NS" tcpreplay -q -i vb --pps=5000 "$TMP/live.pcap" \
	> /dev/null 2>&1
sleep 1.2
kill -INT $pid
wait $pid
ok $? "comod stopped cleanly"
no_raw_controls "$TMP/comod.err"
ok $? "comod's own log has no raw control byte ($(wc -l < "$TMP/comod.err") lines)"
"$ORACLE" -m totals "$TMP/live.pcap" | tail -n 1 > "$TMP/want"
stored_totals "$TMP/d" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "the counter loaded before the refusals counted every packet: $(cat "$TMP/want")"
done_testing
