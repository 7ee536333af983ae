#!/bin/bash
# comoctl against a live comod (no como.ko on this host: the comod
# transport): modules listed with exact packet counts, sampling, enable
# and priority set and read back, events, the guard's config set and
# read back, and the exit codes scripts rely on (1 refused, 2 usage, 3 no
# transport).
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"
CTL=$BIN/comoctl
TRACE=$TRACES/mixed/tcpreplay_test.pcap
[ -r "$TRACE" ] || skip_all "no $TRACE"

# jget FILE PERL-EXPR: a value of the JSON object $j in FILE (perl's JSON::PP)
jget() {
	perl -MJSON::PP -e 'open my $f, "<", $ARGV[0] or exit 1; local $/;
		my $j = decode_json(<$f>); my $v = eval $ARGV[1];
		print JSON::PP::is_bool($v) ? ($v ? "true" : "false") : $v' "$1" "$2"
}

# no transport at all: neither como.ko's family nor a socket
"$CTL" -s "$TMP/none.sock" module list > /dev/null 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 3 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ]; echo $?) \
	"no como.ko and no comod: exit 3 ($rc), one line: $(cat "$TMP/err")"
"$CTL" module frobnicate > /dev/null 2> "$TMP/err"
ok $([ $? -eq 2 ]; echo $?) "an unknown command is a usage error (2)"
"$CTL" -s "$TMP/none.sock" module set counter sampling many 2> "$TMP/err"
ok $([ $? -eq 2 ]; echo $?) "a bad value is a usage error (2), before any transport"

veth_pair como-ctl
export COMO_SOCKET=$TMP/comod.sock
ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/d" -s "$COMO_SOCKET" \
	-m counter:interval=1s -m topdest:k=100,interval=1s 2> "$TMP/comod.err" &
pid=$!
trap 'kill $pid 2> /dev/null; wait $pid 2> /dev/null; ip netns del "$NS" 2> /dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do	# wait for the socket, at most 5 s
	[ -S "$COMO_SOCKET" ] && break
	sleep 0.1
done

"$CTL" -j module list > "$TMP/list.json"
ok $([ "$(jget "$TMP/list.json" '$j->{transport}')" = comod ] &&
	[ "$(jget "$TMP/list.json" 'join ",", sort map { $_->{name} } @{$j->{modules}}')" = counter,topdest ]
	echo $?) "module list -j: counter and topdest, transport comod"
"$CTL" module list > "$TMP/list"
ok $([ "$(head -n 1 "$TMP/list")" = "transport comod" ] && grep -q '^counter ' "$TMP/list"
	echo $?) "module list: the transport first, then the table"

ip netns exec "$NS" tcpreplay -q -i vb --pps=2000 "$TRACE" > /dev/null 2>&1
ok $? "tcpreplay sent $(basename "$TRACE") onto vb"
want=$("$ORACLE" -m totals "$TRACE" | tail -n 1 | cut -d, -f1)
got=
for _ in $(seq 20); do	# the last frames may still be on their way
	"$CTL" -j module show counter > "$TMP/show.json"
	got=$(jget "$TMP/show.json" '$j->{pkts}')
	[ "$got" = "$want" ] && break
	sleep 0.1
done
ok $([ "$got" = "$want" ]; echo $?) \
	"counter's packets ($got) equal libpcap's count of the trace ($want)"

"$CTL" module set topdest sampling 4
ok $? "module set topdest sampling 4"
"$CTL" -j module show topdest > "$TMP/show.json"
ok $([ "$(jget "$TMP/show.json" '$j->{sampling}')" = 4 ]; echo $?) \
	"module show reflects sampling 1/4"
"$CTL" module set topdest priority 3 disable
ok $? "module set topdest priority 3 disable"
"$CTL" -j module show topdest > "$TMP/show.json"
ok $([ "$(jget "$TMP/show.json" '$j->{enabled}')" = false ] &&
	[ "$(jget "$TMP/show.json" '$j->{state}')" = disabled ] &&
	[ "$(jget "$TMP/show.json" '$j->{priority}')" = 3 ]; echo $?) \
	"module show reflects disabled and priority 3"
"$CTL" module show topdest | grep -q '^state  *disabled$'
ok $? "module show, as text: state disabled"
"$CTL" module set topdest enable
"$CTL" -j module show topdest > "$TMP/show.json"
ok $([ "$(jget "$TMP/show.json" '$j->{enabled}')" = true ]; echo $?) "enable reflected"

"$CTL" module set nosuch sampling 2 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	grep -q "no module 'nosuch'" "$TMP/err"; echo $?) \
	"an unknown module: exit 1 ($rc), one line: $(cat "$TMP/err")"
"$CTL" module set counter sampling 4 2> "$TMP/err"
ok $([ $? -eq 1 ] && grep -q "accepts sampling" "$TMP/err"; echo $?) \
	"sampling below what a module accepts is refused: $(cat "$TMP/err")"
"$CTL" module show nosuch 2> "$TMP/err"
ok $([ $? -eq 1 ]; echo $?) "module show of an unknown module: exit 1"

"$CTL" -j monitor --count 1 --timeout 10 > "$TMP/events"
rc=$?
ok $([ $rc -eq 0 ] && [ "$(wc -l < "$TMP/events")" -eq 1 ] &&
	[ "$(jget "$TMP/events" '$j->{event} eq "epoch-closed" &&
		$j->{transport} eq "comod" && length($j->{module}) &&
		$j->{end_ns} > $j->{start_ns} ? "yes" : "no"')" = yes ]
	echo $?) "monitor --count 1 -j: $(cat "$TMP/events")"
"$CTL" monitor --count 2 --timeout 10 > "$TMP/events"
ok $([ $? -eq 0 ] && [ "$(head -n 1 "$TMP/events")" = "transport comod" ] &&
	[ "$(grep -c '^epoch-closed module ' "$TMP/events")" -eq 2 ]; echo $?) \
	"monitor, as text: one line an event"
"$CTL" monitor > /dev/null &
mon=$!
sleep 0.5
kill -INT $mon
wait $mon
ok $? "monitor exits 0 on SIGINT"

"$CTL" -j config get > "$TMP/cfg.json"
ok $([ "$(jget "$TMP/cfg.json" '$j->{cpu_budget_pm}')" = 0 ] &&
	[ "$(jget "$TMP/cfg.json" '$j->{tick_ns}')" -gt 0 ]; echo $?) \
	"config get: $(cat "$TMP/cfg.json")"
"$CTL" config set cpu-budget 10% && "$CTL" -j config get > "$TMP/cfg.json"
ok $([ "$(jget "$TMP/cfg.json" '$j->{cpu_budget_pm}')" = 100 ]; echo $?) \
	"config set cpu-budget 10% reaches comod's own guard"
"$CTL" config set cpu-budget 2000000% 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 1 ] || [ $rc -eq 2 ]; echo $?) \
	"a budget beyond 1024 CPUs is refused: exit $rc, $(cat "$TMP/err")"
"$CTL" -j status > "$TMP/status.json"
ok $([ "$(jget "$TMP/status.json" '$j->{transport}')" = comod ] &&
	[ "$(jget "$TMP/status.json" '$j->{source}')" = live ]; echo $?) "status -j"
"$CTL" -T kernel status 2> "$TMP/err"
ok $([ $? -eq 3 ] && grep -q "como.ko is not loaded" "$TMP/err"; echo $?) \
	"--transport kernel without como.ko: exit 3"

kill -INT $pid
wait $pid
ok $? "comod stopped cleanly"
done_testing
