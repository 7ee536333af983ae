#!/bin/bash
# The overload guard works while comod cannot: comod runs live with a
# cheap module and a costly one, the CPU budget is set below what the
# costly one spends, comod is stopped with SIGSTOP and traffic flows. The
# guard samples the costly module (never below the rate it accepts), and
# leaves the one that cannot be sampled alone; the events say so.
. "$(dirname "$0")/lib.sh"
need_guest
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"
como_load || skip_all "insmod como.ko failed"
modprobe veth

COSTLY=$TOP/.output/test-modules/costly.so
veth_pair como-guard
ctl() { "$BIN/comoctl" -T kernel "$@"; }
"$GENTRACE" -n 8000 -d 4 -c 1600 -s 47 -o "$TMP/t.pcap"

ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/d" -s "$TMP/sock" \
	-m counter:interval=1s -m "$COSTLY":interval=1s 2> "$TMP/comod.err" &
pid=$!
for _ in $(seq 100); do
	[ -S "$TMP/sock" ] && break
	sleep 0.1
done
# 4%: the costly module alone spends about a CPU; the counter, under TCG on
# a loaded machine, up to 1.2% (at 1% it was stopped once as the last one)
ctl config set cpu-budget 4% && ctl -j config get | grep -q '"cpu_budget_pm":40'
ok $? "the CPU budget is set through como.ko (4% of a CPU)"
ctl -j monitor > "$TMP/events" 2> "$TMP/monitor.err" &
monitor=$!
sleep 0.5
kill -STOP $pid
ip netns exec "$NS" tcpreplay -q -i vb --pps=2000 "$TMP/t.pcap" > /dev/null 2>&1
sleep 1
ctl -j module show counter > "$TMP/counter"
kill -CONT $pid
kill -INT $pid
wait $pid
rc=$?
# what the sampling left out is counted and said: the exit is 1
[ $rc -eq 1 ] && grep -q "module costly: [0-9]* packets not counted in [0-9]* intervals (sampled or stopped by the overload guard" "$TMP/comod.err"
ok $? "comod, stopped with SIGSTOP meanwhile, goes on and stops: exit $rc, costly's sampled intervals said to be approximate"
kill -TERM $monitor
wait $monitor

grep -v epoch-closed "$TMP/events" | sed "s/^/# /"
grep -q '"event":"overload-begun"' "$TMP/events"
ok $? "an overload-begun event"
grep '"event":"module-sampled"' "$TMP/events" | grep -q '"module":"costly"'
ok $? "module-sampled events for the costly module"
# the guard gives packets back as soon as the load falls: read the rates
# it set from its events, not from the module afterwards
s=$(grep '"event":"module-sampled"' "$TMP/events" | grep '"module":"costly"' |
	grep -o '"sampling":[0-9]*' | cut -d: -f2 | sort -n | tail -n 1)
[ "${s:-0}" -gt 1 ] && [ "$s" -le 64 ]
ok $? "the costly module was sampled down to 1 in $s, within the 1 in 64 it accepts"
grep '"event":"module-sampled"' "$TMP/events" | grep -q '"module":"counter"'
ok $([ $? -ne 0 ]; echo $?) "the module that cannot be sampled is not"
grep -q '"sampling":1\b' "$TMP/counter" && grep -q '"enabled":true' "$TMP/counter" &&
	! grep '"event":"module-stopped"' "$TMP/events" | grep -q '"module":"counter"'
ok $? "and it still takes every packet"
# what the counter stored is every packet sent: the guard did not touch it
"$ORACLE" -m totals "$TMP/t.pcap" | tail -n 1 > "$TMP/want"
stored_totals "$TMP/d" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "the counter's totals equal the trace's: $(cat "$TMP/want")"
ctl config set cpu-budget none
rmmod como
ok $? "rmmod como"
ok_kmsg "the overload guard"
done_testing
