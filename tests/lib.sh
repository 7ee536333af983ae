# SPDX-License-Identifier: BSD-3-Clause
# TAP helpers for como's tests (kselftest conventions: no retries, each
# test cleans up what it made, a missing feature is a skip, not a pass).
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/.output/bin
COMO=$BIN/como
ORACLE=$BIN/como-oracle
GENTRACE=$BIN/gentrace
TRACES=${COMO_TRACES:-$TOP/../shared/traces}
TMP=$(mktemp -d /tmp/como-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

_n=0
_fail=0

plan() { echo "1..$1"; }
ok() {	# ok COND-EXIT-STATUS DESCRIPTION
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_fail=$((_fail + 1))
	fi
}
skip() { _n=$((_n + 1)); echo "ok $_n - $1 # SKIP $2"; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
diag() { echo "# $*"; }
done_testing() { echo "1..$_n"; [ "$_fail" -eq 0 ]; }

need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF_PROG_RUN)"; }

# same CSV from como and the oracle? prints the first lines of a difference
same() {
	if diff -u "$1" "$2" > "$TMP/diff" 2>&1; then
		return 0
	fi
	head -n 12 "$TMP/diff" | sed 's/^/# /'
	return 1
}

# stored_totals DIR MODULE: "packets,bytes" over every record como stored
# for counter (its two columns) or protocol (summed over protocols)
stored_totals() {
	local pc=2

	[ "$2" = protocol ] && pc=3
	"$COMO" query -d "$1" -m "$2" -f csv |
		awk -F, -v pc=$pc 'NR > 1 { p += $pc; b += $(pc + 1) }
			END { printf "%d,%d\n", p, b }'
}

# ok_totals TRACE DIR WHAT: the counter module's stored totals equal
# como-oracle's for TRACE, and a protocol module filtered with tcp equals
# libpcap's count of TRACE's tcp packets: every packet counted once
ok_totals() {
	"$ORACLE" -m totals "$1" | tail -n 1 > "$TMP/want"
	stored_totals "$2" counter > "$TMP/got"
	same "$TMP/want" "$TMP/got"
	ok $? "$3, every packet counted once: $(cat "$TMP/want")"
	"$BIN/pcap-filter-count" "$1" tcp > "$TMP/want"
	stored_totals "$2" protocol > "$TMP/got"
	same "$TMP/want" "$TMP/got"
	ok $? "the filtered module too: $(cat "$TMP/want")"
}

# ok_epochs_once DIR WHAT: the counter's records, one per epoch, in time
# order, none twice
ok_epochs_once() {
	"$COMO" query -d "$1" -m counter -f csv | awk -F, 'NR > 1 { print $1 }' > "$TMP/ts"
	sort -c -u -g "$TMP/ts" 2> /dev/null && [ -s "$TMP/ts" ]
	ok $? "each epoch is stored once, in time order ($(wc -l < "$TMP/ts") records$2)"
}

# wait_socket PATH: until a comod answers there, at most 5 s
wait_socket() {
	for _ in $(seq 50); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# serve LOG ARGS...: ARGS (a comod with --http) in the background, its
# stderr in LOG; $PORT once it says where it serves, $LAST its pid (also
# added to $PIDS for the cleanup). Fails if it exits first or after 10 s.
serve() {
	local log=$1 i
	shift
	: > "$log"	# it exists before the first read, whoever runs first
	"$@" 2> "$log" &
	LAST=$!
	PIDS="${PIDS:-} $LAST"
	PORT=
	for i in $(seq 100); do
		PORT=$(sed -n 's/.*serving HTTP on .*:\([0-9]*\).*/\1/p' "$log" | head -n 1)
		[ -n "$PORT" ] && return 0
		kill -0 $LAST 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

mixed_traces() { ls "$TRACES"/mixed/*.pcap 2>/dev/null; }

# veth_pair PREFIX: a network namespace of this test's own, $NS, with the
# pair va <-> vb up in it; removed on exit. Skips when namespaces are not
# available. No IPv6 on the pair (its neighbour discovery would be traffic
# of its own), MTU 1600 (QinQ-tagged full-size frames are 1522 bytes).
veth_pair() {
	NS=$1-$$-$RANDOM
	trap 'ip netns del "$NS" 2> /dev/null; rm -rf "$TMP"' EXIT
	ip netns add "$NS" || skip_all "cannot create a network namespace"
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$NS" link add va type veth peer name vb
	ip -n "$NS" link set va mtu 1600 up
	ip -n "$NS" link set vb mtu 1600 up
}
