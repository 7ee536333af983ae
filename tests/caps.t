#!/bin/bash
# comod without full root (issue 15; README "Running without root"): a
# user of the test's own, with only CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN
# as ambient capabilities, runs a trace and a live capture whose totals
# equal libpcap's; without them, or without CAP_PERFMON, it is refused
# with one line; -K pins its state in a bpffs directory that user owns.
# CAP_SYS_RESOURCE is not needed: BPF memory is charged to the memory
# cgroup, not RLIMIT_MEMLOCK, since Linux 5.11.
. "$(dirname "$0")/lib.sh"
need_root
command -v setpriv > /dev/null && command -v useradd > /dev/null ||
	skip_all "needs setpriv and useradd"
setpriv --help 2>&1 | grep -q -- --ambient-caps ||
	skip_all "setpriv without --ambient-caps"

U=como-caps-$$
useradd --system --no-create-home --shell /usr/sbin/nologin "$U" ||
	skip_all "cannot add a user"
cleanup() {
	[ -n "${NS:-}" ] && ip netns del "$NS" 2> /dev/null
	mountpoint -q "$TMP/bpffs" && umount "$TMP/bpffs"
	userdel "$U"
	rm -rf "$TMP"
}
trap cleanup EXIT
diag "kernel $(uname -r), kernel.unprivileged_bpf_disabled=$(sysctl -n kernel.unprivileged_bpf_disabled 2> /dev/null)"

CAPS=+bpf,+perfmon,+net_admin
# as_user CAPS CMD...: CMD as $U, with CAPS (inheritable and ambient, so
# they survive the exec) and nothing else; "" for none at all
as_user() {
	local caps=$1
	shift
	if [ -n "$caps" ]; then
		setpriv --reuid="$U" --regid="$U" --init-groups --inh-caps="$caps" \
			--ambient-caps="$caps" "$@"
	else
		setpriv --reuid="$U" --regid="$U" --init-groups \
			--inh-caps=-all "$@"
	fi
}

# the user's own directory; everything of root's stays closed to it
chmod 0711 "$TMP"
W=$TMP/w
mkdir "$W" && chown "$U:" "$W"
"$GENTRACE" -n 20000 -d 5 -s 17 -o "$W/t.pcap"
chmod 0644 "$W/t.pcap"

as_user "$CAPS" "$BIN/comod" -q --trace "$W/t.pcap" -d "$W/d" -m counter \
	-m protocol -F tcp 2> "$TMP/err"
ok $? "a trace run as $U with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN"
[ -s "$TMP/err" ] && sed 's/^/# /' "$TMP/err"
ok_totals "$W/t.pcap" "$W/d" "the trace run as $U"
[ -z "$(find "$W/d" ! -user "$U")" ]
ok $? "what it stored is its user's"

# refused: one line, and nothing counted
for caps in "" +bpf,+net_admin +bpf,+perfmon; do
	as_user "$caps" "$BIN/comod" -q --trace "$W/t.pcap" -d "$W/no" \
		-m counter > /dev/null 2> "$TMP/err"
	rc=$?
	ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
		grep -q "refused the dispatcher" "$TMP/err"; echo $?) \
		"with ${caps:-no capabilities}: refused, $(cat "$TMP/err")"
done

command -v tcpreplay > /dev/null || {
	skip "a live run as $U" "tcpreplay is not installed"
	done_testing
	exit
}
# live: XDP on an interface of the test's namespace (CAP_NET_ADMIN in the
# initial user namespace, which owns it); -K's pins go to a bpffs whose
# como/ directory the user owns
veth_pair como-caps
trap cleanup EXIT	# veth_pair's own trap knows nothing of the user
mkdir -p "$TMP/bpffs"
if mount -t bpf bpf "$TMP/bpffs"; then
	mkdir -m 0700 "$TMP/bpffs/como" && chown "$U:" "$TMP/bpffs/como"
	export COMO_BPFFS=$TMP/bpffs
fi

start() {	# comod ARGS... as $U in the namespace, in the background
	ip netns exec "$NS" setpriv --reuid="$U" --regid="$U" --init-groups \
		--inh-caps="$CAPS" --ambient-caps="$CAPS" \
		"$BIN/comod" -q -i va -d "$W/live" -s "$W/sock" "$@" \
		2>> "$TMP/comod.err" &
	pid=$!
	wait_socket "$W/sock"
}

"$GENTRACE" -n 30000 -d 5 -c 1600 -s 23 -o "$TMP/l.pcap"
start ${COMO_BPFFS:+-K} -m counter:interval=1s -m protocol:interval=1s -F tcp
as_user "" "$COMO" status -s "$W/sock" > /dev/null
ok $? "a live monitor as $U answers its user on its socket"
ip netns exec "$NS" tcpreplay -q -i vb --pps=20000 "$TMP/l.pcap" \
	> /dev/null 2>&1
sleep 1.2
if [ -n "${COMO_BPFFS:-}" ]; then
	kill -TERM $pid
	wait $pid
	ok $? "comod -K as $U stops"
	[ -n "$(find "$TMP/bpffs/como" -mindepth 2 -user "$U")" ] &&
		ip -n "$NS" link show va | grep -q xdp
	ok $? "its state is pinned in the bpffs directory it owns, XDP stays"
	start	# the kept modules come back
	as_user "" "$COMO" module list -s "$W/sock" | grep -q '^protocol '
	ok $? "the next comod as $U picks the kept capture up"
	sleep 1.2
else
	skip "-K as $U" "cannot mount a bpffs"
fi
kill -INT $pid
wait $pid
ok $? "the live monitor as $U stops cleanly"
ok_totals "$TMP/l.pcap" "$W/live" "live as $U"
ip -n "$NS" link show va | grep -q xdp
ok $([ $? -ne 0 ]; echo $?) "nothing of como's left on the interface"
done_testing
