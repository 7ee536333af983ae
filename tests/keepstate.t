#!/bin/bash
# Capture state kept across a restart (comod -K): comod stops while
# traffic flows, the kernel goes on capturing into the open epoch, the next
# comod picks it all up; in the end every packet sent is counted exactly
# once, and nothing of como's is left on the interface or in bpffs.
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"

veth_pair como-keep
# `ip netns exec` mounts a /sys of its own that dies with the command: the
# pins go to a bpffs this test mounts where every comod sees it
mkdir -p "$TMP/bpffs"
mount -t bpf bpf "$TMP/bpffs" || skip_all "cannot mount a bpffs"
trap 'ip netns del "$NS" 2> /dev/null; umount "$TMP/bpffs"; rm -rf "$TMP"' EXIT
export COMO_BPFFS=$TMP/bpffs

start() {	# comod ARGS... in the namespace, in the background
	ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/d" -s "$TMP/sock" "$@" \
		2>> "$TMP/comod.err" &
	pid=$!
	for _ in $(seq 50); do
		[ -S "$TMP/sock" ] && break
		sleep 0.1
	done
}

"$GENTRACE" -n 60000 -d 5 -c 1600 -s 41 -o "$TMP/t.pcap"
start -K -m counter:interval=1s -m protocol:interval=1s -F tcp
ip netns exec "$NS" tcpreplay -q -i vb --pps=20000 "$TMP/t.pcap" > /dev/null 2>&1 &
replay=$!
sleep 1
kill -TERM $pid
wait $pid
ok $? "comod -K stops on SIGTERM"
ip -n "$NS" link show va | grep -q xdp
ok $? "the capture goes on without comod (XDP stays on va)"
[ -f "$TMP/d/.kept.json" ] && [ -n "$(ls "$TMP/bpffs/como/" 2> /dev/null)" ]
ok $? "the state is pinned and described"

"$BIN/comod" -q -r "$TMP/t.pcap" -d "$TMP/d" -m counter 2> "$TMP/trace.err"
ok $([ $? -eq 1 ] && grep -q "belongs to a live capture kept running" "$TMP/trace.err"
	echo $?) "a trace run into the kept capture's data directory is refused"
sleep 0.5
start	# no -K, no modules: the kept ones come back
"$COMO" module list -s "$TMP/sock" > "$TMP/list"
grep -q '^counter ' "$TMP/list" && grep -q '^protocol .* tcp$' "$TMP/list" &&
	[ ! -e "$TMP/d/.kept.json" ]
ok $? "the next comod picks it up: the kept modules run again"
wait $replay
sleep 1.2
kill -INT $pid
wait $pid
ok $? "and stops cleanly"

ok_totals "$TMP/t.pcap" "$TMP/d" "across the restart"
ip -n "$NS" link show va | grep -q xdp
ok $([ $? -ne 0 ]; echo $?) "after the final stop, va has no XDP program"
[ -z "$(ls -A "$TMP/bpffs/como" 2> /dev/null)" ] && [ ! -e "$TMP/d/.kept.json" ]
ok $? "and nothing is left pinned or described"
# a description whose objects are gone (a reboot) is dropped, not obeyed
printf '{ "interfaces": "va", "pins": "%s/gone" }\n' "$TMP/bpffs/como" > "$TMP/d/.kept.json"
start -m counter:interval=1s
kill -INT $pid
wait $pid
rc=$?
ok $([ $rc -eq 0 ] && grep -q "objects are gone" "$TMP/comod.err" &&
	[ ! -e "$TMP/d/.kept.json" ]; echo $?) "a stale kept state is dropped with a warning"
done_testing
