#!/bin/bash
# Static queries: send-to HOST:PORT pushes each stored record as a JSON
# line over TCP. A listener this test runs on 127.0.0.1 (tests/push-listen.pl)
# receives a trace run's records: they are 'como query -f json''s, record
# for record, and their totals are libpcap's (como-oracle, std-oracle). A
# receiver that comes late gets them all; one away too long costs counted
# drops (the oldest); one that never reads does not stall the run. Last, a
# live run on a veth pair in a namespace pushes to a listener in it, and
# so does a module loaded into it while it runs (como module load).
. "$(dirname "$0")/lib.sh"
need_root
perl -MIO::Socket::INET -e 1 2> /dev/null || skip_all "perl has no IO::Socket::INET"

LISTEN=$TOP/tests/push-listen.pl
LPIDS=
trap 'for p in $LPIDS; do kill "$p" 2> /dev/null; done; ip netns del "${NS:-none}" 2> /dev/null; rm -rf "$TMP"' EXIT

# listen NAME MODE [PORT]: a listener in the background; its port in
# $LPORT (and $TMP/NAME.port) once it listens, its lines in $TMP/NAME.out
listen() {
	rm -f "$TMP/$1.port" "$TMP/$1.out"
	${NSX:-} perl "$LISTEN" "$2" "${3:-0}" "$TMP/$1.port" "$TMP/$1.out" 2> "$TMP/$1.err" &
	LPIDS="$LPIDS $!"
	eval "LPID_$1=$!"
	while [ ! -s "$TMP/$1.port" ] && kill -0 $! 2> /dev/null; do sleep 0.05; done
	touch "$TMP/$1.out"
	LPORT=$(cat "$TMP/$1.port")
}
# unlisten NAME: the listener ends after the connections before it
unlisten() {
	local pid

	eval "pid=\$LPID_$1"
	${NSX:-} perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]")
			or die "cannot reach the listener: $!\n";
		print $s "STOP\n"; close $s' "$(cat "$TMP/$1.port")"
	wait "$pid"
}
# a free port nobody listens on: one the kernel gave, closed again
free_port() {
	perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(
		LocalAddr => "127.0.0.1", Listen => 1)->sockport, "\n"'
}
# stored DIR MODULE: como query's JSON records, one a line
stored() {
	"$COMO" query -d "$1" -m "$2" -f json | grep '^{"ts"' | sed 's/,$//'
}
# pushed FILE MODULE: the lines received for MODULE, as como query prints them
pushed() {
	grep "\"module\":\"$2\",\"interval_ns\":[0-9]*}$" "$1" |
		sed 's/,"module":"[^"]*","interval_ns":[0-9]*}$/}/'
}
# to_csv: JSON lines of flat records to como query's csv (ts kept as text)
to_csv() {
	perl -ne 'my @v; push @v, $1 while /"[^"]+":("[^"]*"|[^,}]+)/g;
		s/^"|"$//g for @v; print join(",", @v), "\n"'
}
# push_figure SUMMARY MODULE KEY: the module's push figure in the summary
push_figure() {
	perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
		for my $m (@{$j->{modules}}) {
			next unless $m->{name} eq $ARGV[0];
			print $m->{push}[0]{$ARGV[1]} // "none", "\n";
		}' "$2" "$3" < "$1"
}
# wait_stored DIR MODULE: the run stored all of MODULE's (it then drains)
wait_stored() {
	while ! grep -q '"state":"complete"' "$1/$2/meta.json" 2> /dev/null &&
	      ! grep -q '"state": "complete"' "$1/$2/meta.json" 2> /dev/null; do
		kill -0 "$3" 2> /dev/null || return 1
		sleep 0.05
	done
}

# ---- bad receivers: one line each, nothing run ----
T1=$(mixed_traces | head -n 1)
[ -n "$T1" ] || { "$GENTRACE" -n 2000 -d 5 -s 7 -o "$TMP/t1.pcap"; T1=$TMP/t1.pcap; }
for bad in "127.0.0.1" "127.0.0.1:0" "127.0.0.1:65536" "127.0.0.1:http" \
	   "::1:80" "[::1:80" ":80" "127.0.0.1:-1"; do
	"$COMO" run -q -r "$T1" -d "$TMP/bad" -m "counter:send-to=$bad" 2> "$TMP/err"
	rc=$?
	ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	     grep -q "send-to" "$TMP/err"; echo $?) \
		"send-to=$bad refused in one line: $(head -c 100 "$TMP/err")"
done
"$COMO" run -q -r "$T1" -d "$TMP/bad" -m counter --send-to nosuch=127.0.0.1:9 2> "$TMP/err"
ok $([ $? -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "no module nosuch" "$TMP/err"; echo $?) \
	"--send-to of a module not in the run refused: $(cat "$TMP/err")"
"$COMO" run -q -r "$T1" -d "$TMP/bad" -m counter --send-to counter 2> "$TMP/err"
ok $([ $? -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ]; echo $?) \
	"--send-to without =HOST:PORT refused: $(cat "$TMP/err")"
"$COMO" run -q -r "$T1" -d "$TMP/bad" -m counter:send-queue=0,send-to=127.0.0.1:9 2> "$TMP/err"
ok $([ $? -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ]; echo $?) \
	"send-queue=0 refused: $(cat "$TMP/err")"
"$COMO" run -q -r "$T1" -d "$TMP/bad" -m trace:send-to=127.0.0.1:9 2> "$TMP/err"
ok $([ $? -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "own format" "$TMP/err"; echo $?) \
	"a module that stores its own format refuses send-to: $(cat "$TMP/err")"
printf 'module "counter"\n  send-to "localhost"\nend\n' > "$TMP/bad.conf"
"$COMO" run -q -r "$T1" -d "$TMP/bad" -c "$TMP/bad.conf" 2> "$TMP/err"
ok $([ $? -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "bad.conf:2:" "$TMP/err"; echo $?) \
	"a config's bad send-to names its line: $(cat "$TMP/err")"

# ---- every record of a trace run, pushed: query's, and libpcap's ----
# check_trace TRACE INTERVAL K: counter and topports pushed to two listeners
check_trace() {
	local f=$1 ivl=$2 k=$3 d="$TMP/data" name pc pt n

	name="$(basename "$f") interval=$ivl"
	rm -rf "$d"
	listen c read
	pc=$LPORT
	listen t read
	pt=$LPORT
	"$COMO" run -q -j -r "$f" -d "$d" -m "counter:interval=$ivl" \
		-m "topports:k=$k,interval=$ivl,send-to=127.0.0.1:$pt" \
		--send-to "counter=127.0.0.1:$pc" > "$TMP/sum.json" 2> "$TMP/err"
	ok $? "$name: the run pushing to two listeners succeeds"
	unlisten c
	unlisten t
	for m in counter topports; do
		[ $m = counter ] && out=$TMP/c.out || out=$TMP/t.out
		stored "$d" $m > "$TMP/q.$m"
		pushed "$out" $m > "$TMP/p.$m"
		n=$(wc -l < "$TMP/q.$m")
		same "$TMP/q.$m" "$TMP/p.$m"
		ok $([ $? -eq 0 ] && [ "$n" -gt 0 ] && [ "$(wc -l < "$out")" -eq "$n" ]; echo $?) \
			"$name: $m's pushed records are como query -f json's ($n records)"
		ok $([ "$(push_figure "$TMP/sum.json" $m sent)" = "$n" ] &&
		     [ "$(push_figure "$TMP/sum.json" $m dropped)" = 0 ] &&
		     [ "$(push_figure "$TMP/sum.json" $m unsent)" = 0 ]; echo $?) \
			"$name: $m's summary says $n sent, none dropped"
	done
	"$ORACLE" -m totals "$f" | tail -n 1 > "$TMP/want"
	to_csv < "$TMP/p.counter" | awk -F, '{ p += $2; b += $3 }
		END { printf "%d,%d\n", p, b }' > "$TMP/got"
	same "$TMP/want" "$TMP/got"
	ok $? "$name: the pushed counter totals are libpcap's ($(cat "$TMP/want"))"
	"$BIN/std-oracle" -m topports -i "$((${ivl%s} * 1000000000))" -k "$k" "$f" |
		tail -n +2 > "$TMP/want.csv"
	to_csv < "$TMP/p.topports" > "$TMP/got.csv"
	same "$TMP/want.csv" "$TMP/got.csv"
	ok $? "$name: the pushed topports records are libpcap's ($(wc -l < "$TMP/want.csv") rows)"
}

for f in $(mixed_traces); do
	check_trace "$f" 1s 5
done
"$GENTRACE" -n 30000 -d 20 -s 41 -o "$TMP/gen.pcap"
check_trace "$TMP/gen.pcap" 1s 20
[ -n "$(mixed_traces)" ] || skip "the real traces" "$TRACES/mixed is absent"

# ---- a config block's send-to, and --send-to naming a block ----
listen cf read
pc=$LPORT
listen cf2 read
pp=$LPORT
D=$TMP/conf
printf 'sniffer pcap "%s"\ndatadir "%s"\nmodule "counter"\n  args "interval=1s"\n  send-to "127.0.0.1:%s"\n  send-queue 100000\nend\nmodule "protocol"\n  args "interval=1s"\nend\n' \
	"$TMP/gen.pcap" "$D" "$pc" > "$TMP/push.conf"
"$COMO" run -q -j -c "$TMP/push.conf" --send-to "protocol=127.0.0.1:$pp" > "$TMP/sum.json" 2> "$TMP/err"
ok $? "a config run with send-to in a block, and --send-to naming another block"
unlisten cf
unlisten cf2
stored "$D" counter > "$TMP/q"
pushed "$TMP/cf.out" counter > "$TMP/p"
same "$TMP/q" "$TMP/p"
ok $([ $? -eq 0 ] && [ -s "$TMP/q" ]; echo $?) "the block's receiver got counter's $(wc -l < "$TMP/q") records"
stored "$D" protocol > "$TMP/q"
pushed "$TMP/cf2.out" protocol > "$TMP/p"
same "$TMP/q" "$TMP/p"
ok $([ $? -eq 0 ] && [ -s "$TMP/q" ]; echo $?) "--send-to's receiver got protocol's $(wc -l < "$TMP/q") records"

# ---- a receiver absent at the start, there later: every record ----
G=$TMP/gen.pcap
D=$TMP/late
port=$(free_port)
rm -rf "$D"
"$COMO" run -j -r "$G" -d "$D" -m "topports:k=20,interval=1s,send-to=127.0.0.1:$port,send-drain=60s" \
	> "$TMP/sum.json" 2> "$TMP/err" &
cpid=$!
wait_stored "$D" topports $cpid
ok $? "with no receiver, the run stores its records and waits to send them"
listen late read "$port"
wait $cpid
ok $? "the run ends once the late receiver has them, exit 0"
unlisten late
stored "$D" topports > "$TMP/q"
pushed "$TMP/late.out" topports > "$TMP/p"
n=$(wc -l < "$TMP/q")
same "$TMP/q" "$TMP/p"
ok $([ $? -eq 0 ] && [ "$n" -gt 0 ]; echo $?) "the late receiver got every record, in order ($n)"
ok $([ "$(push_figure "$TMP/sum.json" topports sent)" = "$n" ] &&
     [ "$(push_figure "$TMP/sum.json" topports connects)" = 1 ] &&
     grep -q "send-to 127.0.0.1:$port: Connection refused; retrying" "$TMP/err"; echo $?) \
	"it was refused first, said so once, then sent all $n on one connection"

# ---- away too long: the queue keeps the newest, drops counted ----
D=$TMP/away
port=$(free_port)
rm -rf "$D"
"$COMO" run -j -r "$G" -d "$D" -m "topports:k=20,interval=1s,send-to=127.0.0.1:$port,send-queue=7,send-drain=60s" \
	> "$TMP/sum.json" 2> "$TMP/err" &
cpid=$!
wait_stored "$D" topports $cpid
listen away read "$port"
wait $cpid
ok $? "a run whose pushes dropped records exits 0: what it stored is whole"
unlisten away
stored "$D" topports > "$TMP/q"
n=$(wc -l < "$TMP/q")
tail -n 7 "$TMP/q" > "$TMP/q7"
pushed "$TMP/away.out" topports > "$TMP/p"
same "$TMP/q7" "$TMP/p"
ok $? "a queue of 7 kept the newest 7 of $n records, and they were sent"
sent=$(push_figure "$TMP/sum.json" topports sent)
dropped=$(push_figure "$TMP/sum.json" topports dropped)
unsent=$(push_figure "$TMP/sum.json" topports unsent)
ok $([ "$sent" = 7 ] && [ "$((sent + dropped + unsent))" = "$n" ] &&
     [ "$(push_figure "$TMP/sum.json" topports records)" = "$n" ]; echo $?) \
	"sent $sent + dropped $dropped + unsent $unsent = $n stored"
ok $(grep -q "$((n - 7)) of $n records not sent ($((n - 7)) dropped from a full queue, 0 left" "$TMP/err"; echo $?) \
	"the run warns: $(grep "not sent" "$TMP/err" | head -c 160)"

# never there: nothing sent, all counted, exit 0
D=$TMP/never
port=$(free_port)
"$COMO" run -j -r "$G" -d "$D" -m "counter:interval=1s,send-to=127.0.0.1:$port,send-queue=5,send-drain=0" \
	> "$TMP/sum.json" 2> "$TMP/err"
rc=$?
n=$(stored "$D" counter | wc -l)
ok $([ $rc -eq 0 ] && [ "$(push_figure "$TMP/sum.json" counter sent)" = 0 ] &&
     [ "$(push_figure "$TMP/sum.json" counter dropped)" = "$((n - 5))" ] &&
     [ "$(push_figure "$TMP/sum.json" counter unsent)" = 5 ]; echo $?) \
	"a receiver never there: 0 sent, $((n - 5)) dropped, 5 unsent of $n, exit $rc"

# ---- a receiver that accepts and never reads does not stall the run ----
D=$TMP/stall
listen stall stall
port=$LPORT
timeout 300 "$COMO" run -j -r "$G" -d "$D" \
	-m "topports:k=1000,interval=100ms,send-to=127.0.0.1:$port,send-queue=1000000,send-drain=1s" \
	-m counter:interval=1s > "$TMP/sum.json" 2> "$TMP/err"
rc=$?
ok $rc "the run ends though its receiver never reads"
kill "$LPID_stall"
n=$(stored "$D" topports | wc -l)
sent=$(push_figure "$TMP/sum.json" topports sent)
dropped=$(push_figure "$TMP/sum.json" topports dropped)
unsent=$(push_figure "$TMP/sum.json" topports unsent)
ok $([ "$unsent" -gt 0 ] && [ "$((sent + dropped + unsent))" = "$n" ] &&
     [ "$(push_figure "$TMP/sum.json" topports connects)" = 1 ]; echo $?) \
	"a receiver that never reads: sent $sent + dropped $dropped + unsent $unsent = $n stored"
ok $(grep -q "$unsent left at the end" "$TMP/err"; echo $?) \
	"the run says what its drain could not send: $(grep "not sent" "$TMP/err" | head -c 160)"
"$ORACLE" -m totals "$G" | tail -n 1 > "$TMP/want"
stored_totals "$D" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "and the run stored every packet: $(cat "$TMP/want")"

# ---- a receiver killed while lines wait unacknowledged, then back on its
# port: what its TCP had not acknowledged goes again, in order; lost are at
# most the lines its kernel took and it never read (its 2 KB buffer) ----
D=$TMP/back
listen gone stall
port=$LPORT
timeout 300 "$COMO" run -j -r "$G" -d "$D" \
	-m "topports:k=1000,interval=100ms,send-to=127.0.0.1:$port,send-queue=1000000,send-drain=30s" \
	-m counter:interval=1s > "$TMP/sum.json" 2> "$TMP/err" &
run=$!
wait_stored "$D" topports $run
sleep 0.5	# the run drains to a receiver that does not read
kill "$LPID_gone"
wait "$LPID_gone" 2> /dev/null
listen back read "$port"
wait $run
rc=$?
unlisten back
stored "$D" topports > "$TMP/all"
n=$(wc -l < "$TMP/all")
pushed "$TMP/back.out" topports > "$TMP/got"
got=$(wc -l < "$TMP/got")
lost_bytes=$(head -n $((n - got)) "$TMP/all" | wc -c)
tail -n "$got" "$TMP/all" | cmp -s - "$TMP/got"
ok $([ $? -eq 0 ] && [ "$rc" -eq 0 ] && [ "$got" -gt 0 ]; echo $?) \
	"the receiver back on its port got the stored records from where the first one's TCP stopped acknowledging, in order ($got of $n)"
sent=$(push_figure "$TMP/sum.json" topports sent)
conns=$(push_figure "$TMP/sum.json" topports connects)
ok $([ "$sent" = "$n" ] && [ "$lost_bytes" -le 8192 ] && [ "$conns" -ge 2 ]; echo $?) \
	"$sent of $n sent over $conns connections; the $((n - got)) the killed receiver took unread are ${lost_bytes} bytes (its buffer)"

# ---- live: a veth pair in a namespace, the receiver on its loopback ----
if ! command -v tcpreplay > /dev/null; then
	skip "a live run pushing to a receiver" "tcpreplay is not installed"
	done_testing
	exit
fi
NS=como-push-$$-$RANDOM
if ! ip netns add "$NS"; then
	skip "a live run pushing to a receiver" "cannot create a network namespace"
	done_testing
	exit
fi
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
ip -n "$NS" link set lo up
ip -n "$NS" link add va type veth peer name vb
ip -n "$NS" link set va mtu 1600 up
ip -n "$NS" link set vb mtu 1600 up
NSX="ip netns exec $NS"
"$GENTRACE" -n 5000 -d 2 -c 1600 -s 43 -o "$TMP/live.pcap"
listen live read
port=$LPORT
listen loaded read
lport=$LPORT
D=$TMP/live
hport=$(free_port)
ip netns exec "$NS" "$BIN/comod" -q -j -i va -d "$D" --http "127.0.0.1:$hport" \
	-s "$TMP/ctl.sock" -m "counter:interval=1s,send-to=127.0.0.1:$port" > "$TMP/sum.json" &
cpid=$!
while ! ip -n "$NS" link show va | grep -q xdp && kill -0 $cpid 2> /dev/null; do
	sleep 0.05
done
wait_socket "$TMP/ctl.sock"
# a module loaded into the running monitor pushes too (send-to among its
# arguments, as -m's)
"$COMO" module load protocol --name lproto -s "$TMP/ctl.sock" \
	--args "interval=1s send-to=127.0.0.1:$lport" 2> "$TMP/load.err"
ok $? "como module load protocol --args 'interval=1s send-to=...' on the running monitor$(sed 's/^/: /' "$TMP/load.err")"
$NSX tcpreplay -q -i vb --pps=10000 "$TMP/live.pcap" > "$TMP/replay" 2>&1
ok $? "tcpreplay sent the trace onto vb"
if command -v curl > /dev/null; then
	$NSX curl -s "http://127.0.0.1:$hport/api/v1/status" > "$TMP/status.json"
	ok $(perl -MJSON::PP -e 'local $/; my $m = decode_json(<STDIN>)->{modules}[0];
		my $p = $m->{push}[0];
		exit !($p->{to} eq $ARGV[0] && $p->{records} ==
		       $p->{sent} + $p->{dropped} + $p->{unsent} + $p->{queued} &&
		       $m->{push_sent} == $p->{sent})' "127.0.0.1:$port" \
		< "$TMP/status.json"; echo $?) "/api/v1/status gives the module's push figures"
	$NSX curl -s "http://127.0.0.1:$hport/metrics" > "$TMP/metrics"
	ok $(grep -q '^como_module_push_sent_total{module="counter"} [0-9]' "$TMP/metrics" &&
	     grep -q '^como_module_push_dropped_total{module="counter"} 0$' "$TMP/metrics" &&
	     grep -q '^como_module_push_unsent_total{module="counter"} 0$' "$TMP/metrics" &&
	     grep -q '^como_module_push_queued{module="counter"} [0-9]' "$TMP/metrics"; echo $?) \
		"/metrics has como_module_push_{sent,dropped,unsent}_total and _queued"
else
	skip "push figures over HTTP" "curl is not installed"
fi
kill -INT $cpid
wait $cpid
ok $? "the live run stopped cleanly on SIGINT"
unlisten live
stored "$D" counter > "$TMP/q"
pushed "$TMP/live.out" counter > "$TMP/p"
same "$TMP/q" "$TMP/p"
ok $([ $? -eq 0 ] && [ -s "$TMP/q" ]; echo $?) \
	"the live run pushed its stored records ($(wc -l < "$TMP/q")) to the namespace's loopback"
"$ORACLE" -m totals "$TMP/live.pcap" | tail -n 1 > "$TMP/want"
to_csv < "$TMP/p" | awk -F, '{ p += $2; b += $3 } END { printf "%d,%d\n", p, b }' > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "the live pushes' totals are libpcap's ($(cat "$TMP/want"))"
unlisten loaded
stored "$D" lproto > "$TMP/q"
pushed "$TMP/loaded.out" lproto > "$TMP/p"
same "$TMP/q" "$TMP/p"
ok $([ $? -eq 0 ] && [ -s "$TMP/q" ]; echo $?) \
	"the module loaded at run time pushed its stored records ($(wc -l < "$TMP/q"))"
"$ORACLE" -m protocol -i 1 "$TMP/live.pcap" |
	awk -F, 'NR > 1 { p += $3; b += $4 } END { printf "%d,%d\n", p, b }' > "$TMP/want"
to_csv < "$TMP/p" | awk -F, '{ p += $3; b += $4 } END { printf "%d,%d\n", p, b }' > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "... and its pushes add up to libpcap's packets and bytes by protocol ($(cat "$TMP/want"))"
perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
		my ($m) = grep { $_->{name} eq "lproto" } @{$j->{modules}};
		exit !($m && $m->{push}[0]{to} eq $ARGV[0] && $m->{push}[0]{sent} > 0)' \
		"127.0.0.1:$lport" < "$TMP/sum.json"
ok $? "the run's summary gives its push figures"
done_testing
