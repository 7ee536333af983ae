#!/bin/bash
# On-demand queries (como query --replay, and unasked as root or over
# HTTP when the data directory holds the module and trace): a module that
# did not run over part of a window is run over the packets the trace
# module stored there; --no-replay and replay=0 answer what is stored.
# On every real trace of mixed/ and a generated one, trace:payload=1,
# snap=240 is the only module run; the replayed records of counter,
# protocol, topports and topdest equal a live run of the same module over
# the original trace interval by interval, and counter's, protocol's and
# topports' equal the libpcap oracles' (como-oracle, std-oracle). Then: a
# window the module covers in part (stored records up to a time, replayed
# after it), a trace that lost packets (max=) marks its replayed part
# approximate and exits 1, the refusals, and over HTTP format=pcap
# (tshark reads it; it equals como query -f pcap) and its errors.
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"

STD_ORACLE=$BIN/std-oracle
TRACE=trace:payload=1,snap=240
# the replay's private directories go here: none may be left
export TMPDIR=$TMP/tmpdir
mkdir -p "$TMPDIR"
PIDS=
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2> /dev/null; done
	for p in $PIDS; do wait "$p" 2> /dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# replay DIR MODULE[:ARGS] ARGS...: the on-demand answer as CSV in
# $TMP/replay.csv, stderr in $TMP/replay.err; its exit status
replay() {
	local d=$1 m=$2
	shift 2
	"$COMO" query -d "$d" -m "$m" -f csv --replay "$@" > "$TMP/replay.csv" \
		2> "$TMP/replay.err"
}

# check_trace FILE: the trace alone stored, four modules replayed
check_trace() {
	local f=$1 name d=$TMP/t-$2 live=$TMP/l-$2 m bad=0 why=""

	name=$(basename "$f")
	if ! "$COMO" run -q --trace "$f" -d "$d" -m $TRACE 2> "$TMP/err" ||
	   ! "$COMO" run -q --trace "$f" -d "$live" -m counter -m protocol \
		-m topports:k=5 -m topdest:k=5 2>> "$TMP/err"; then
		ok 1 "$name: como run"
		sed 's/^/# /' "$TMP/err"
		return
	fi
	for m in counter protocol topports:k=5 topdest:k=5; do
		if ! replay "$d" $m; then
			bad=1
			why="$why ${m%%:*}: exit $?;"
			continue
		fi
		grep -q "replayed from the packets stored by 'trace'" \
			"$TMP/replay.err" || { bad=1; why="$why ${m%%:*}: not said;"; }
		"$COMO" query -d "$live" -m "${m%%:*}" -f csv > "$TMP/live.csv"
		same "$TMP/live.csv" "$TMP/replay.csv" || {
			bad=1; why="$why ${m%%:*} differs;"; }
		cp "$TMP/replay.csv" "$TMP/replay-${m%%:*}.csv"
	done
	ok $bad "$name: counter, protocol, topports, topdest replayed equal a live run ($(($(wc -l < "$TMP/replay-counter.csv") - 1)) counter intervals)${why:+:$why}"
	"$ORACLE" -m counter -i 1 "$f" > "$TMP/o-counter.csv"
	"$ORACLE" -m protocol -i 1 "$f" > "$TMP/o-protocol.csv"
	"$STD_ORACLE" -m topports -i 1000000000 -k 5 "$f" > "$TMP/o-topports.csv"
	same "$TMP/o-counter.csv" "$TMP/replay-counter.csv" &&
		same "$TMP/o-protocol.csv" "$TMP/replay-protocol.csv" &&
		same "$TMP/o-topports.csv" "$TMP/replay-topports.csv"
	ok $? "$name: replayed counter, protocol and topports equal libpcap's, interval by interval ($("$ORACLE" -m totals "$f" | tail -n 1))"
}

i=0
while read -r f; do
	i=$((i + 1))
	check_trace "$f" $i
done < <(mixed_traces)
[ $i -gt 0 ] || skip "real traces" "no $TRACES/mixed"
"$GENTRACE" -n 20000 -d 10 -s 41 -o "$TMP/gen.pcap"
check_trace "$TMP/gen.pcap" gen

# ---- a window the module covers in part ----
F=$TRACES/mixed/ndpi_gnutella.pcap
[ -f "$F" ] || F=$TMP/gen.pcap
D=$TMP/part
"$COMO" run -q --trace "$F" -d "$D" -m $TRACE
# the module ran over the packets before the trace's middle second only
# (an interval the module ran for in part is answered by its own record)
mid=$(tshark -r "$F" -T fields -e frame.time_epoch 2> /dev/null |
	sort -g | sed -n '1p;$p' | perl -e 'my @t = <STDIN>; print int(($t[0] + $t[1]) / 2)')
editcap -B "$mid" "$F" "$TMP/half.pcap"
"$COMO" run -q --trace "$TMP/half.pcap" -d "$D" -m counter
"$COMO" run -q --trace "$F" -d "$TMP/full" -m counter
last=$(tshark -r "$TMP/half.pcap" -T fields -e frame.time_epoch 2> /dev/null | sort -g | tail -n 1)
from=$(perl -e 'printf "%d", (int($ARGV[0]) + 1) * 1e9' "$last")
replay "$D" counter
rc=$?
"$COMO" query -d "$TMP/full" -m counter -f csv > "$TMP/live.csv"
[ $rc -eq 0 ] && same "$TMP/live.csv" "$TMP/replay.csv"
ok $? "stored records up to $last, replayed after: the whole run's answer (exit $rc)"
"$COMO" query -d "$D" -m counter -f json --replay > "$TMP/a.json" 2> /dev/null
perl -MJSON::PP -e 'local $/; my $a = decode_json(<STDIN>); my $m = $a->[-1];
	my $r = $m->{replayed} or exit 1;
	exit(@$r == 1 && $r->[0]{from} == $ARGV[0] && !$r->[0]{approximate} ? 0 : 1)' \
	"$from" < "$TMP/a.json"
ok $? "JSON says the one part replayed: from $from ns, the interval after the module's last packet"
sec=$(perl -e 'print int($ARGV[0])' "$last")
"$COMO" query -d "$D" -m counter -f csv --replay -t "1:$((sec - 1))" \
	> "$TMP/in.csv" 2> "$TMP/in.err"
rc=$?
[ $rc -eq 0 ] && ! grep -q replayed "$TMP/in.err" && [ "$(wc -l < "$TMP/in.csv")" -gt 1 ]
ok $? "a window the module covers whole replays nothing and says nothing of it"
lo=$((sec - 20)) hi=$((sec + 20))
"$COMO" query -d "$D" -m counter -f csv --replay -t "$lo:$hi" > "$TMP/w.csv" 2> "$TMP/w.err"
# the live run's records whose interval overlaps [lo, hi]
awk -F, -v a=$lo -v b=$hi 'NR == 1 || ($1 + 1 > a && $1 <= b)' "$TMP/live.csv" > "$TMP/live-w.csv"
same "$TMP/live-w.csv" "$TMP/w.csv" && grep -q "replayed" "$TMP/w.err"
ok $? "a window across the module's end: stored then replayed, as the live run ($(($(wc -l < "$TMP/w.csv") - 1)) intervals)"

# ---- an interval the module ran for in part is replayed whole ----
# cut between two packets of one second: the module stopped (or started)
# inside that second, and the trace holds the rest of it
cut=$(tshark -r "$F" -T fields -e frame.time_epoch 2> /dev/null | sort -g |
	perl -e 'my @t = map { $_ + 0 } <STDIN>;
	for my $i (int($#t / 2) .. $#t - 1) {
		next unless int($t[$i]) == int($t[$i + 1]) && $t[$i + 1] > $t[$i];
		printf "%.6f\n", ($t[$i] + $t[$i + 1]) / 2; last }')
csec=${cut%.*}
editcap -B "$cut" "$F" "$TMP/before.pcap"
editcap -A "$cut" "$F" "$TMP/after.pcap"
for half in before after; do
	P=$TMP/part-$half
	"$COMO" run -q --trace "$F" -d "$P" -m $TRACE
	"$COMO" run -q --trace "$TMP/$half.pcap" -d "$P" -m counter
	"$COMO" query -d "$P" -m counter -f csv --no-replay > "$TMP/stored.csv"
	replay "$P" counter
	rc=$?
	[ $rc -eq 0 ] && same "$TMP/live.csv" "$TMP/replay.csv" &&
		! cmp -s "$TMP/stored.csv" <(grep -v "^$csec\." "$TMP/stored.csv")
	ok $? "the module ran $half $cut only: its interval $csec is replayed whole, the whole run's answer (exit $rc)"
	"$COMO" query -d "$P" -m counter -f json --replay > "$TMP/p.json" 2> /dev/null
	perl -MJSON::PP -e 'local $/; my $a = decode_json(<STDIN>); my $r = $a->[-1]{replayed} or exit 1;
		my $s = $ARGV[0] * 1e9; my $want = $ARGV[1] eq "before" ? $s : $s + 1e9;
		exit(@$r == 1 && $r->[0]{($ARGV[1] eq "before" ? "from" : "to")} == $want ? 0 : 1)' \
		"$csec" "$half" < "$TMP/p.json"
	ok $? "... and JSON's replayed part $([ $half = before ] && echo starts || echo ends) at second $csec$([ $half = after ] && echo "'s end")"
done

# ---- unasked: on demand all the same ----
# (D, the module stored up to the middle, trace all of it; as root)
"$COMO" query -d "$D" -m counter -f csv > "$TMP/auto.csv" 2> "$TMP/auto.err"
rc=$?
[ $rc -eq 0 ] && same "$TMP/live.csv" "$TMP/auto.csv" && grep -q "replayed" "$TMP/auto.err"
ok $? "no --replay, the directory holds counter and trace: replayed all the same, the whole run's answer, and said (exit $rc)"
"$COMO" query -d "$D" -m counter -f csv --no-replay > "$TMP/stored.csv" 2> "$TMP/stored.err"
rc=$?
"$ORACLE" -m counter -i 1 "$TMP/half.pcap" > "$TMP/o-half.csv"
[ $rc -eq 0 ] && same "$TMP/o-half.csv" "$TMP/stored.csv" && ! grep -q "replayed" "$TMP/stored.err"
ok $? "--no-replay: what counter stored, libpcap's counts of the first half ($(($(wc -l < "$TMP/stored.csv") - 1)) intervals)"
"$COMO" query -d "$TMP/full" -m counter -f csv > "$TMP/notrace.csv" 2> "$TMP/notrace.err"
[ $? -eq 0 ] && same "$TMP/live.csv" "$TMP/notrace.csv" && [ ! -s "$TMP/notrace.err" ]
ok $? "without a trace stream, nothing is replayed and nothing said of it"

# ---- a trace that lost packets ----
D=$TMP/lost
taskset -c 0 "$COMO" run -q --trace "$F" -d "$D" -m trace:payload=1,snap=240,max=20 2> /dev/null
"$COMO" query -d "$D" -m counter -f json --replay > "$TMP/lost.json" 2> "$TMP/lost.err"
rc=$?
total=$("$ORACLE" -m totals "$F" | tail -n 1 | cut -d, -f1)
perl -MJSON::PP -e 'local $/; my $a = decode_json(<STDIN>); my $m = pop @$a;
	my $r = $m->{replayed}[0] or exit 1; my $n = 0; $n += $_->{pkts} for @$a;
	print "# replayed $n, not counted $r->{packets_not_counted}\n";
	exit($r->{approximate} && $n + $r->{packets_not_counted} == $ARGV[0] ? 0 : 1)' \
	"$total" < "$TMP/lost.json"
ok $? "max=20: the replayed part is approximate, and its packets plus those not counted are libpcap's $total"
[ $rc -eq 1 ] && grep -q "replayed.*approximate" "$TMP/lost.err"
ok $? "... said on stderr, and como query exits 1 ($rc)"

# ---- refusals ----
D=$TMP/t-gen
refused() {	# refused WANT-EXIT REGEX ARGS...: one line, that exit
	local want=$1 re=$2
	shift 2
	"$COMO" query "$@" > /dev/null 2> "$TMP/r.err"
	local rc=$?
	[ $rc -eq "$want" ] && [ "$(wc -l < "$TMP/r.err")" -eq 1 ] &&
		grep -Eq "$re" "$TMP/r.err" && return 0
	diag "exit $rc: $(head -c 300 "$TMP/r.err")"
	return 1
}
refused 1 "unknown argument 'bogus'" -d "$D" -m counter:bogus=1 --replay
ok $? "a bad module argument: one line, exit 1"
refused 2 "arguments are for --replay" -d "$D" -m counter:k=1
ok $? "module arguments without --replay: exit 2"
refused 2 "answers with records" -d "$D" -m counter --replay -f pcap -o "$TMP/x.pcap"
ok $? "--replay -f pcap: exit 2"
refused 1 "query it without --replay" -d "$D" -m trace --replay
ok $? "--replay of trace itself: one line"
"$COMO" run -q --trace "$TMP/gen.pcap" -d "$TMP/notrace" -m protocol
refused 1 "nothing to replay" -d "$TMP/notrace" -m counter --replay
ok $? "no trace stream: one line, exit 1"
refused 1 "is stored with arguments" -d "$TMP/part" -m counter:interval=2s --replay
ok $? "other arguments than the stored ones: one line, exit 1"
refused 1 "no packets of 'trace' in this window" -d "$D" -m counter --replay -t 100:200
ok $? "neither the module nor trace in the window: one line, exit 1"

# ---- HTTP ----
get() {	# get URL: the body in $TMP/body, status in $code, type in $ctype
	local out
	out=$(curl -s -o "$TMP/body" -w '%{http_code} %{content_type}' "$@")
	code=${out%% *}
	ctype=${out#* }
}
hrefused() {	# hrefused CODE REGEX URL
	get "$3"
	[ "$code" = "$1" ] && [ "$(wc -l < "$TMP/body")" -eq 1 ] &&
		grep -Eq "$2" "$TMP/body" && return 0
	diag "status $code: $(head -c 300 "$TMP/body")"
	return 1
}
D=$TMP/part
if serve "$TMP/s.log" "$BIN/comod" -d "$D" --http 0; then
	U=http://127.0.0.1:$PORT
	"$COMO" query -d "$D" -m trace -f pcap -o "$TMP/cli.pcap"
	get "$U/?module=trace&format=pcap&time=100:200"
	mv "$TMP/body" "$TMP/http.pcap"
	"$COMO" query -d "$D" -m trace -f pcap -t 100:200 -o "$TMP/cli-w.pcap"
	[ "$code" = 200 ] && [ "$ctype" = application/vnd.tcpdump.pcap ] &&
		cmp -s "$TMP/http.pcap" "$TMP/cli-w.pcap"
	ok $? "format=pcap&time=100:200: 200, application/vnd.tcpdump.pcap, the bytes of como query -f pcap -t 100:200"
	get "$U/?module=trace&format=pcap"
	mv "$TMP/body" "$TMP/http.pcap"
	for p in http cli; do
		tshark -r "$TMP/$p.pcap" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
			-T fields -e frame.time_epoch -e frame.len -e frame.cap_len \
			-e ip.src -e ip.dst -e tcp.srcport -e udp.srcport \
			> "$TMP/$p.tsv" 2> /dev/null
	done
	tshark -r "$F" -T fields -e frame.len 2> /dev/null | wc -l > "$TMP/want"
	wc -l < "$TMP/http.tsv" > "$TMP/got"
	same "$TMP/cli.tsv" "$TMP/http.tsv" && same "$TMP/want" "$TMP/got"
	ok $? "tshark reads the HTTP pcap as como query -f pcap's: $(cat "$TMP/got") packets, those of the trace"
	hrefused 400 "has no replay\(\)" "$U/?module=counter&format=pcap"
	ok $? "format=pcap of a module without replay(): 400, one line"
	hrefused 400 "parameter 'replay': 'yes' is neither 0 nor 1" "$U/?module=counter&replay=yes"
	ok $? "replay=yes: 400, one line"
	hrefused 400 "format=pcap is for the trace module" "$U/?module=counter&format=pcap&replay=1"
	ok $? "replay=1 with format=pcap: 400, one line"
	get "$U/?module=counter&replay=1&format=csv"
	"$COMO" query -d "$D" -m counter -f csv --replay > "$TMP/cli.csv" 2> /dev/null
	[ "$code" = 200 ] && same <(grep -v '^#' "$TMP/body") "$TMP/cli.csv" &&
		grep -q "^# replayed from the packets stored by 'trace': $(perl -e 'printf "%.9f", $ARGV[0] / 1e9' "$from"):" "$TMP/body"
	ok $? "replay=1&format=csv: como query --replay's records, and a last line that says what was replayed"
	get "$U/?module=counter&format=csv"
	[ "$code" = 200 ] && same <(grep -v '^#' "$TMP/body") "$TMP/cli.csv" &&
		grep -q "^# replayed from the packets stored by 'trace'" "$TMP/body"
	ok $? "no replay= given: on demand all the same, replay=1's answer"
	get "$U/?module=counter&format=csv&replay=0"
	[ "$code" = 200 ] && same "$TMP/body" "$TMP/o-half.csv"
	ok $? "replay=0: what counter stored only, libpcap's counts of the first half"
	"$COMO" query --server "$U" -m counter -f csv --no-replay > "$TMP/srv.csv" 2> /dev/null
	same "$TMP/srv.csv" "$TMP/o-half.csv"
	ok $? "como query --server --no-replay asks replay=0"
	get "$U/api/v1/query?module=counter&replay=1"
	perl -MJSON::PP -e 'local $/; my $a = decode_json(<STDIN>); my $r = $a->{records};
		my $m = pop @$r; my $n = 0; $n += $_->{pkts} for @$r;
		exit($a->{complete} && $m->{replayed}[0]{from} == $ARGV[0] && $n == $ARGV[1] ? 0 : 1)' \
		"$from" "$("$ORACLE" -m totals "$F" | tail -n 1 | cut -d, -f1)" < "$TMP/body"
	ok $? "/api/v1/query&replay=1: complete, the part replayed, libpcap's packet total"
	hrefused 400 "unknown module 'nosuch'" "$U/?module=nosuch&replay=1"
	ok $? "replay=1 of a module not installed: 4xx, one line"
	hrefused 400 "unknown format 'pcapng'" "$U/?module=trace&format=pcapng"
	ok $? "format=pcapng: 400, one line"
else
	ok 1 "comod --http serves"
	sed 's/^/# /' "$TMP/s.log"
fi

[ -z "$(ls -A "$TMPDIR")" ]
ok $? "every replay removed its private directory, over HTTP too"

# ---- a replay killed outright: the next one removes what it left ----
"$COMO" query -d "$TMP/part" -m counter -f csv --replay > /dev/null 2>&1 &
kpid=$!
for i in $(seq 1 400); do
	[ -n "$(ls -A "$TMPDIR")" ] && break
	sleep 0.01
done
kill -9 $kpid 2> /dev/null
wait $kpid 2> /dev/null
killed=$(ls -A "$TMPDIR")
# one a live replay holds: locked, and older than a minute all the same
mkdir "$TMPDIR/como-replay.HELD01"
flock "$TMPDIR/como-replay.HELD01" sleep 60 &
PIDS="$PIDS $!"
sleep 0.2
touch -d '-2 minutes' "$TMPDIR"/como-replay.*
replay "$TMP/part" counter
rc=$?
left=$(ls -A "$TMPDIR")
[ -n "$killed" ] && [ $rc -eq 0 ] && [ "$left" = como-replay.HELD01 ]
ok $? "a replay killed with -9 left ${killed:-nothing}; the next replay removed it, not the one a live replay holds (left: $left)"

done_testing
