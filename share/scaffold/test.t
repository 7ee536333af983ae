#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# ./test.t [TRACE]: runs @NAME@ on TRACE (default: a trace made here with
# text2pcap) with 'como run --trace' and compares the packets and bytes it
# stored, over all its records, with tshark's count of the same trace.
# Prints TAP (prove ./test.t); exits 0 when they agree. Needs root (the
# kernel runs the module), tshark and text2pcap.
#
# Inside como's tree it uses the tree's como and .output/modules/@NAME@.so;
# elsewhere 'como' from $PATH (or $COMO) and ./@NAME@.so, which must not be
# writable by anyone but root, nor its directories (comod refuses it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/@NAME@-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..4"
fail=0

if [ -f "$tree/bpf/module.bpf.h" ] && [ "$here" = "$tree/modules/@NAME@" ]; then
	make -s -C "$tree" .output/bin/como .output/bin/comod \
		.output/modules/@NAME@.so > "$tmp/make.log" 2>&1
	rc=$?
	COMO=$tree/.output/bin/como
	so=$tree/.output/modules/@NAME@.so
else
	make -s -C "$here" > "$tmp/make.log" 2>&1
	rc=$?
	COMO=${COMO:-como}
	so=$here/@NAME@.so
	COMO_MODULE_PATH=$here
	export COMO_MODULE_PATH
fi
if [ $rc -eq 0 ]; then
	echo "ok 1 - @NAME@ builds"
else
	echo "not ok 1 - @NAME@ builds"
	sed 's/^/# /' "$tmp/make.log"
	exit 1
fi

# The default trace: 3000 packets over 10 s, TCP, UDP and ICMP over IPv4,
# of sizes 42 to 1254 bytes, written as hex for text2pcap.
trace=${1:-$tmp/t.pcap}
if [ $# -eq 0 ]; then
	awk -v n=3000 '
	function hex(v, w,   s) {
		for (s = ""; w-- > 0; v = int(v / 256))
			s = sprintf("%02x", v % 256) s
		return s
	}
	BEGIN {
		for (i = 0; i < n; i++) {
			proto = i % 3 == 0 ? 6 : i % 3 == 1 ? 17 : 1
			l4 = proto == 6 ? 20 : 8
			pay = (i * 7919) % 1200
			s = "020000000002020000000001" "0800"
			s = s "4500" hex(20 + l4 + pay, 2) hex(i, 2) "4000" "40"
			s = s hex(proto, 1) "0000" "0a000001" hex(167772162 + i % 50, 4)
			if (proto == 1)
				s = s "08000000" hex(i, 4)
			else if (proto == 17)
				s = s hex(1024 + i % 1000, 2) "0035" hex(8 + pay, 2) "0000"
			else
				s = s hex(1024 + i % 1000, 2) "0050" "0000000000000000" "5010ffff00000000"
			for (j = 0; j < pay; j++)
				s = s "00"
			us = i * 10000000 / n
			printf "%d.%06d %s\n", 1700000000 + int(us / 1000000), us % 1000000, s
		}
	}' > "$tmp/t.txt" &&
	text2pcap -q -F pcap -t '%s.%f' \
		-r '^(?<time>[0-9]+\.[0-9]+) (?<data>[0-9a-f]+)$' \
		"$tmp/t.txt" "$trace" > "$tmp/gen.log" 2>&1 ||
		{ echo "Bail out! cannot make a trace (text2pcap)"; cat "$tmp/gen.log" >&2; exit 1; }
fi

"$COMO" run -q --trace "$trace" -d "$tmp/data" -m "$so" 2> "$tmp/run.err"
rc=$?
if [ $rc -eq 0 ]; then
	echo "ok 2 - como runs @NAME@ on $(basename "$trace")"
else
	echo "not ok 2 - como runs @NAME@ on $(basename "$trace") (exit $rc)"
	fail=1
	sed 's/^/# /' "$tmp/run.err"
fi

# what @NAME@ stored: the pkts and bytes columns summed over every record
"$COMO" query -d "$tmp/data" -m @NAME@ -f csv > "$tmp/got.csv" 2> "$tmp/query.err"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	 { p += $c["pkts"]; b += $c["bytes"] }
	 END { printf "%d packets, %d bytes\n", p, b }' "$tmp/got.csv" > "$tmp/got"
# what tshark reads in the same trace: every frame and its wire length
tshark -r "$trace" -T fields -e frame.len 2> /dev/null |
	awk '{ p++; b += $1 } END { printf "%d packets, %d bytes\n", p, b }' > "$tmp/want"

if [ -s "$tmp/got.csv" ]; then
	echo "ok 3 - @NAME@ stored $(($(wc -l < "$tmp/got.csv") - 1)) records"
else
	echo "not ok 3 - @NAME@ stored records"
	fail=1
	sed 's/^/# /' "$tmp/query.err"
fi
if cmp -s "$tmp/want" "$tmp/got"; then
	echo "ok 4 - @NAME@'s totals equal tshark's: $(cat "$tmp/want")"
else
	echo "not ok 4 - @NAME@: $(cat "$tmp/got"); tshark: $(cat "$tmp/want")"
	fail=1
fi
exit $fail
