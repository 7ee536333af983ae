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

mixed_traces() { ls "$TRACES"/mixed/*.pcap 2>/dev/null; }
