#!/bin/bash
# como.ko can go while comod runs: comod captures live with como.ko's clock,
# a capture release (comoctl) and then rmmod happen while traffic flows,
# and comod's own clock takes the modules over. Every packet sent is
# counted once, by a filtered module too, and each epoch stored once.
. "$(dirname "$0")/lib.sh"
need_guest
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"
como_load || skip_all "insmod como.ko failed"
modprobe veth

veth_pair como-ul
ctl() { "$BIN/comoctl" -T kernel "$@"; }
"$GENTRACE" -n 12000 -d 6 -c 1600 -s 59 -o "$TMP/t.pcap"

ip netns exec "$NS" "$BIN/comod" -v -i va -d "$TMP/d" -s "$TMP/sock" \
	-m counter:interval=1s -m protocol:interval=1s -F tcp 2> "$TMP/comod.err" &
pid=$!
for _ in $(seq 100); do
	[ -S "$TMP/sock" ] && break
	sleep 0.1
done
ctl -j module list | grep -q '"counter"'
ok $? "comod registers its modules with como.ko"
ip netns exec "$NS" tcpreplay -q -i vb --pps=2000 "$TMP/t.pcap" > /dev/null 2>&1 &
replay=$!
sleep 2
ctl capture release
ok $? "comoctl capture release while comod runs"
sleep 1.5
grep -q "como.ko no longer runs it" "$TMP/comod.err"
ok $? "comod notices and runs the modules on its own clock"
rmmod como
ok $? "rmmod como while comod runs and traffic flows"
ip -n "$NS" link show va | grep -q xdp
ok $? "the capture goes on: comod's own link keeps XDP on va"
wait $replay
sleep 1.5
kill -INT $pid
wait $pid
ok $? "comod stops cleanly"

ok_totals "$TMP/t.pcap" "$TMP/d" "como.ko gone mid-run"
ok_epochs_once "$TMP/d" ""
grep -v -e 'capturing with XDP' -e 'holds the capture' "$TMP/comod.err" | sed 's/^/# /'
ok_kmsg "como.ko unloaded under a running comod"
done_testing
