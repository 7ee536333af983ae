#!/bin/bash
# como.ko loads and unloads cleanly, 50 times over: the family comes and
# goes with it and the kernel log stays clean. Then with comod live on a
# veth pair this script creates, modules registered and traffic flowing:
# stopped cleanly, and killed (como.ko keeps the capture) then unloaded.
. "$(dirname "$0")/lib.sh"
need_guest

ROUNDS=50
fails_load=0 fails_family=0 fails_unload=0 fails_gone=0
if como_loaded; then
	diag "como.ko was loaded already: unloading it first"
	rmmod como
fi
for _ in $(seq $ROUNDS); do
	insmod "$KO" || { fails_load=$((fails_load + 1)); continue; }
	family_resolves || fails_family=$((fails_family + 1))
	rmmod como || fails_unload=$((fails_unload + 1))
	! family_resolves || fails_gone=$((fails_gone + 1))
done
ok $fails_load "insmod $ROUNDS times ($fails_load failed)"
ok $fails_family "the family resolves after each insmod ($fails_family times not)"
ok $fails_unload "rmmod $ROUNDS times ($fails_unload failed)"
ok $fails_gone "the family is gone after each rmmod ($fails_gone times not)"
! como_loaded
ok $? "como is not in /proc/modules at the end"
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	grep -c 'unreferenced object' /sys/kernel/debug/kmemleak > "$TMP/leaks"
	ok "$(cat "$TMP/leaks")" "kmemleak finds no unreferenced object"
else
	skip "kmemleak finds no unreferenced object" "this kernel has no kmemleak"
fi
ok_kmsg "after $ROUNDS rounds"

# ---- live: comod registers its modules with como.ko --------------------
LIVE_CHECKS=20
live_skip() {
	local i

	for i in $(seq $LIVE_CHECKS); do
		skip "live check $i" "$1"
	done
	done_testing
	exit
}
TRACE=$TRACES/mixed/tcpreplay_test.pcap
[ -x "$BIN/comod" ] || live_skip "no $BIN/comod (make)"
command -v tcpreplay > /dev/null || live_skip "tcpreplay is not installed"
[ -f "$TRACE" ] || live_skip "no trace $TRACE"
modprobe veth || live_skip "no veth"

# va here (comod talks to como.ko from where it is loaded), vb in a netns
NS=como-kmod-$$-$RANDOM
VA=kva$$
VA=${VA:0:15}
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
	ip link del "$VA" 2> /dev/null
	ip netns del "$NS" 2> /dev/null
	como_loaded && rmmod como
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS" || live_skip "cannot create a network namespace"
ip link add "$VA" type veth peer name vb netns "$NS" ||
	live_skip "cannot create a veth pair"
sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
ip link set "$VA" mtu 1600 up
ip -n "$NS" link set vb mtu 1600 up

xdp_on() { ip link show "$VA" | grep -q xdp; }

# start_comod ROUND: comod live on va; true once como.ko lists its module
start_comod() {
	"$BIN/comod" -q -i "$VA" -d "$TMP/d$1" -s "$TMP/comod$1.sock" \
		-m counter:interval=1s > "$TMP/comod$1.out" 2> "$TMP/comod$1.err" &
	pid=$!
	for _ in $(seq 300); do	# the attach, at most 30 s under TCG
		xdp_on && break
		kill -0 $pid 2> /dev/null || break
		sleep 0.1
	done
	for _ in $(seq 50); do	# and its modules registered, 5 s more
		[ "$(probe root get-modules)" = 0 ] &&
			grep -qx module=counter "$TMP/probe" && return 0
		kill -0 $pid 2> /dev/null || break
		sleep 0.1
	done
	return 1
}

replay() { ip netns exec "$NS" tcpreplay -q -i vb --pps=2000 "$TRACE" > /dev/null 2>&1; }

como_load
if ! start_comod 1; then
	xdp_on && what="attached XDP but" || what="did not attach XDP and"
	diag "comod $what registered no module with como.ko:"
	sed 's/^/#   /' "$TMP/comod1.err" | head -n 5
	live_skip "comod does not register with como.ko (GET_MODULES lists no module)"
fi
ok 0 "comod live on $VA registered counter with como.ko"
replay
ok $? "tcpreplay sent $(basename "$TRACE") onto vb"
kill -INT $pid
wait $pid
ok $? "comod stops cleanly on SIGINT"
pid=
! xdp_on
ok $? "after comod stopped, $VA has no XDP program"
rmmod como
ok $? "rmmod como after comod stopped"

fails_start=0 fails_held=0 fails_xdp=0 fails_rmmod=0 fails_gone=0
for round in 2 3 4; do
	como_load
	start_comod $round || fails_start=$((fails_start + 1))
	replay &
	replaying=$!
	kill -KILL $pid
	wait $pid 2> /dev/null
	pid=
	# como.ko holds the capture: comod's death stops nothing
	[ "$(probe root get-modules)" = 0 ] && grep -qx module=counter "$TMP/probe" ||
		fails_held=$((fails_held + 1))
	xdp_on || fails_xdp=$((fails_xdp + 1))
	rmmod como || fails_rmmod=$((fails_rmmod + 1))
	wait $replaying
	! xdp_on || fails_gone=$((fails_gone + 1))
done
ok $fails_start "3 more times comod registered with como.ko ($fails_start times not)"
ok $fails_held "after kill -9, como.ko still lists counter ($fails_held times not)"
ok $fails_xdp "after kill -9, XDP stays on $VA: como.ko holds the link ($fails_xdp times not)"
ok $fails_rmmod "rmmod como with the capture held and traffic flowing ($fails_rmmod failed)"
ok $fails_gone "after rmmod, $VA has no XDP program ($fails_gone times it had)"

# fuzzed while the capture of a killed comod is held: the requests that
# name its module reach its handlers; the DEL_CAPTURE nlfuzz ends with
# releases it all
como_load
start_comod 5
replay &
replaying=$!
kill -KILL $pid
wait $pid 2> /dev/null
pid=
[ "$(probe root get-capture)" = 0 ]
held=$?
[ "$(probe root get-modules)" = 0 ] && grep -qx module=counter "$TMP/probe"
ok $((held || $?)) "before the fuzzing, como.ko holds the killed comod's capture and counter"
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
nlfuzz_tap root -H -n 3000 -s "$seed"
[ "$(probe root get-capture)" = ENOENT ]
ok $? "after nlfuzz's DEL_CAPTURE, como.ko holds no capture"
wait $replaying
! xdp_on
ok $? "and $VA has no XDP program"
rmmod como
ok $? "rmmod como after the fuzzing"
! bpftool prog show 2> /dev/null | grep -q ' xdp '
ok $? "no XDP program is left loaded in the kernel"
ok_kmsg "after the live rounds"
done_testing
