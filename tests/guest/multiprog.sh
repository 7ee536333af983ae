#!/bin/bash
# como beside another XDP program (issue 3), inside tools/vmtest's guest,
# whose Debian 6.1 kernel lets libxdp build its multi-program dispatcher;
# tests/multiprog.t boots it. xdp-filter holds a veth first; comod joins
# libxdp's dispatcher beside it; both see every packet of a trace; when
# comod stops, only its program goes. TAP; run as: multiprog.sh TOP
top=${1:?usage: multiprog.sh TOP}
. "$top/tests/lib.sh"
# lib.sh finds the tree from $0, one folder up; this script is two deep
TOP=$top
BIN=$TOP/.output/bin
COMO=$BIN/como
ORACLE=$BIN/como-oracle
TRACES=${COMO_TRACES:-$TOP/../shared/traces}
TRACE=$TRACES/mixed/pcapplusplus_many-protocols.pcap
SMALL=$TRACES/mixed/tcpreplay_test.pcap
STATS=/sys/fs/bpf/xdp-filter/xdp_stats_map

[ "${VMTEST:-}" = 1 ] ||
	skip_all "runs as root in tools/vmtest's guest (tests/multiprog.t)"
need_root
for c in xdp-loader xdp-filter tcpreplay bpftool unshare; do
	command -v $c > /dev/null || skip_all "no $c"
done
[ -f "$TRACE" ] && [ -f "$SMALL" ] || skip_all "no traces in $TRACES/mixed"
modprobe veth || skip_all "no veth"

# a veth pair in the root namespace, where the guest's bpffs is: libxdp
# keeps its dispatcher's programs there (under 'ip netns exec' it is not)
A=mpa$$
B=mpb$$
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2> /dev/null
	xdp-loader unload --all "$A" 2> /dev/null
	ip link del "$A" 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ip link add "$A" type veth peer name "$B" || skip_all "cannot create a veth pair"
for i in "$A" "$B"; do
	# no IPv6: its neighbour discovery would be traffic of its own
	sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"
	ip link set "$i" mtu 1600 up
done

# prog_id NAME: the id of NAME in libxdp's dispatcher on $A, if there
prog_id() {
	xdp-loader status "$A" | awk -v n="$1" '$1 == "=>" && $3 == n { print $4 }'
}
dispatcher_id() {
	xdp-loader status "$A" | awk -v i="$A" '$1 == i && $2 == "xdp_dispatcher" { print $4 }'
}
# what xdp-filter counted as XDP_PASS (key 2), over every CPU
filter_passed() {
	bpftool -j map lookup pinned "$STATS" key 2 0 0 0 |
		grep -o '"rx_packets":[0-9]*' | awk -F: '{ n += $2 } END { print n + 0 }'
}

xdp-filter load -m native "$A"
ok $? "xdp-filter loads its allow-all program on $A"
filter=$(prog_id xdpfilt_alw_all)
disp=$(dispatcher_id)
ok "$([ -n "$filter" ] && [ -n "$disp" ]; echo $?)" \
	"it runs in libxdp's dispatcher (id ${disp:-?}) as id ${filter:-?}"

"$BIN/comod" -j -i "$A" -d "$TMP/d" -s "$TMP/sock" -m counter:interval=1s \
	> "$TMP/run.json" 2> "$TMP/err" &
pid=$!
for _ in $(seq 600); do	# the verifier is slow under TCG: at most 60 s
	grep -q "capturing" "$TMP/err" && break
	kill -0 "$pid" 2> /dev/null || break
	sleep 0.1
done
grep -q "$A: capturing in libxdp's dispatcher (native mode), beside xdpfilt_alw_all (id $filter)" "$TMP/err"
ok $? "comod joins libxdp's dispatcher: $(grep -m 1 . "$TMP/err")"
como=$(prog_id como_dispatch)
xdp-loader status "$A" | sed 's/^/#   /'
ok "$([ -n "$como" ] && [ "$(prog_id xdpfilt_alw_all)" = "$filter" ]; echo $?)" \
	"xdp-loader status lists como_dispatch (id ${como:-?}) beside xdpfilt_alw_all (id $filter)"

before=$(filter_passed)
tcpreplay -q -i "$B" --pps=2000 "$TRACE" > "$TMP/replay" 2>&1
ok $? "tcpreplay sent $(basename "$TRACE") onto $B"
kill -INT "$pid"
wait "$pid"
ok $? "comod stopped cleanly on SIGINT"
pid=

"$ORACLE" -m totals "$TRACE" | tail -n 1 > "$TMP/want"
"$COMO" query -d "$TMP/d" -m counter -f csv |
	awk -F, 'NR > 1 { p += $2; b += $3 } END { printf "%d,%d\n", p, b }' > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "como's totals beside xdp-filter equal libpcap's: $(cat "$TMP/want")"
after=$(filter_passed)
want=$(cut -d, -f1 "$TMP/want")
ok "$([ $((after - before)) -eq "$want" ]; echo $?)" \
	"xdp-filter passed every packet meanwhile ($((after - before)) of $want)"

ok "$([ -z "$(prog_id como_dispatch)" ] &&
	[ "$(prog_id xdpfilt_alw_all)" = "$filter" ]; echo $?)" \
	"after stop, xdpfilt_alw_all (id $filter) is in the dispatcher, como_dispatch is not"
bpftool prog show id "${como:-0}" > /dev/null 2>&1
ok "$([ $? -ne 0 ] && [ -n "$como" ]; echo $?)" \
	"after stop, como's program (id ${como:-?}) is unloaded"
before=$(filter_passed)
tcpreplay -q -i "$B" --pps=2000 "$SMALL" > /dev/null 2>&1
sent=$("$ORACLE" -m totals "$SMALL" | tail -n 1 | cut -d, -f1)
after=$(filter_passed)
ok "$([ $((after - before)) -eq "$sent" ]; echo $?)" \
	"after stop, xdp-filter still passes traffic ($((after - before)) of $sent)"

# where libxdp's pins are out of sight, comod says so and touches nothing
disp=$(dispatcher_id)
unshare -m sh -c 'umount /sys/fs/bpf && exec "$@"' sh "$BIN/comod" -i "$A" \
	-d "$TMP/x" -s "$TMP/x.sock" -m counter > /dev/null 2> "$TMP/err"
rc=$?
ok "$([ $rc -eq 1 ] && grep -q "no bpffs at /sys/fs/bpf" "$TMP/err" &&
	[ "$(dispatcher_id)" = "$disp" ] &&
	[ "$(prog_id xdpfilt_alw_all)" = "$filter" ]; echo $?)" \
	"without bpffs comod refuses $A, which keeps its dispatcher: $(grep -m 1 . "$TMP/err")"

# kill -9: libxdp pinned como's copy, which stays and passes packets on;
# the next comod says so; xdp-loader removes it
"$BIN/comod" -q -i "$A" -d "$TMP/k" -s "$TMP/k.sock" -m counter 2> /dev/null &
pid=$!
for _ in $(seq 600); do
	[ -n "$(prog_id como_dispatch)" ] && break
	sleep 0.1
done
stale=$(prog_id como_dispatch)
kill -KILL "$pid"
wait "$pid" 2> /dev/null
pid=
before=$(filter_passed)
tcpreplay -q -i "$B" --pps=2000 "$SMALL" > /dev/null 2>&1
after=$(filter_passed)
ok "$([ -n "$stale" ] && [ "$(prog_id como_dispatch)" = "$stale" ] &&
	[ $((after - before)) -eq "$sent" ]; echo $?)" \
	"after kill -9, como's copy (id ${stale:-?}) stays, xdp-filter passes every packet ($((after - before)) of $sent)"
"$BIN/comod" -i "$A" -d "$TMP/k2" -s "$TMP/k2.sock" -m counter 2> "$TMP/err" &
pid=$!
for _ in $(seq 600); do
	grep -q "capturing" "$TMP/err" && break
	kill -0 "$pid" 2> /dev/null || break
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"
rc=$?
pid=
ok "$([ $rc -eq 0 ] && grep -q "another como_dispatch (id $stale)" "$TMP/err" &&
	[ "$(prog_id como_dispatch)" = "$stale" ]; echo $?)" \
	"the next comod warns of it and, stopped, leaves it: $(grep -m 1 "another" "$TMP/err")"
xdp-loader unload "$A" -i "${stale:-0}" > /dev/null 2>&1
ok "$([ -z "$(prog_id como_dispatch)" ] &&
	[ "$(prog_id xdpfilt_alw_all)" = "$filter" ]; echo $?)" \
	"xdp-loader unload -i $stale removes it; xdpfilt_alw_all stays"
done_testing
