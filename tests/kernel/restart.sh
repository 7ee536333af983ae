#!/bin/bash
# como.ko keeps the capture when comod dies: comod runs live on a veth pair
# with como.ko loaded, is killed with -9 while traffic flows, and a new
# comod on the same data directory takes the capture back. Every packet
# sent is counted exactly once over all epochs, by a module with a filter
# too; the epochs that closed while no comod ran are stored; after the
# final stop nothing of como's is left.
. "$(dirname "$0")/lib.sh"
need_guest
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"
como_load || skip_all "insmod como.ko failed"
modprobe veth

veth_pair como-kr
start() {	# comod ARGS... in the namespace, in the background
	rm -f "$TMP/sock"
	ip netns exec "$NS" "$BIN/comod" "$(if [ -n "${KR_DEBUG:-}" ]; then echo -v; else echo -q; fi)" -i va -d "$TMP/d" -s "$TMP/sock" "$@" \
		2>> "$TMP/comod.err" &
	pid=$!
	for _ in $(seq 100); do
		[ -S "$TMP/sock" ] && break
		sleep 0.1
	done
}
ctl() { "$BIN/comoctl" -T kernel "$@"; }

"$GENTRACE" -n 12000 -d 6 -c 1600 -s 43 -o "$TMP/t.pcap"
start -m counter:interval=1s -m protocol:interval=1s -F tcp
ctl -j module list > "$TMP/list"
grep -q '"counter"' "$TMP/list" && grep -q '"protocol"' "$TMP/list"
ok $? "comod registers its modules with como.ko"
"$NLFUZZ" -p dump-modules > "$TMP/dump" 2>&1
grep -qx 'error=0' "$TMP/dump" && grep -qx 'modules=2' "$TMP/dump" &&
	grep -qx 'module=counter' "$TMP/dump" && grep -qx 'module=protocol' "$TMP/dump"
ok $? "a dump of the modules (NLM_F_DUMP) lists the same two"
ip netns exec "$NS" tcpreplay -q -i vb --pps=2000 "$TMP/t.pcap" > /dev/null 2>&1 &
replay=$!
sleep 2
kill -KILL $pid
wait $pid 2> /dev/null
ip -n "$NS" link show va | grep -q xdp
ok $? "comod killed with -9: XDP stays on va, como.ko holds it"
sleep 2.5
ctl -j module list > "$TMP/list"
epochs=$(grep -o '"epoch":[0-9]*' "$TMP/list" | head -n 1 | cut -d: -f2)
diag "while no comod runs: $(tr -d '\n' < "$TMP/list" | cut -c1-300)"
start	# no modules: como.ko's come back
"$COMO" module list -s "$TMP/sock" > "$TMP/mods"
grep -q '^counter ' "$TMP/mods" && grep -q '^protocol .* tcp$' "$TMP/mods"
ok $? "the next comod takes the capture back from como.ko"
wait $replay
sleep 1.5
kill -INT $pid
wait $pid
ok $? "and stops cleanly"

ok_totals "$TMP/t.pcap" "$TMP/d" "across kill -9"
# every closed epoch stored once, in order; while no comod ran the clock
# closed one and let the open one last until the next comod drained it
ok_epochs_once "$TMP/d" "; the clock was at epoch $epochs while no comod ran"
ip -n "$NS" link show va | grep -q xdp
ok $([ $? -ne 0 ]; echo $?) "after the final stop, va has no XDP program"
"$NLFUZZ" -p get-capture > "$TMP/cap" 2>&1
grep -q "^error=ENOENT$" "$TMP/cap"
ok $? "and como.ko holds no capture"
if [ -n "${KR_DEBUG:-}" ]; then
	sed 's/^/# cap: /' "$TMP/cap"
	sed 's/^/# err: /' "$TMP/comod.err"
	"$COMO" query -d "$TMP/d" -m counter -f csv | sed 's/^/# q: /'
fi
rmmod como
ok $? "rmmod como"
ok_kmsg "kill -9 and restart"
done_testing
