#!/bin/bash
# update() reads the packet's captured bytes through como_pkt_bytes(), up
# to min(caplen, COMO_SNAP) and never past: the module tests/modules/dnsid
# sums the DNS IDs it reads from UDP port 53 payloads (at pkt->l7_off),
# per second, and equals tshark's dns.id on every real trace; cut to 42
# bytes a packet (no payload captured), it reads nothing.
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is needed"
command -v editcap > /dev/null || skip_all "editcap is needed"
DNSID=$TOP/.output/test-modules/dnsid.so

oracle() {	# TRACE: second,packets,id sum
	tshark -n -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-Y 'udp.port == 53 && !icmp && !icmpv6 && dns.id' -T fields \
		-E occurrence=f -e frame.time_epoch -e dns.id 2> /dev/null |
	perl -ane '($s) = split /\./, $F[0]; $n{$s}++; $i{$s} += hex $F[1];
		END { printf "%s,%d,%d\n", $_, $n{$_}, $i{$_} for sort keys %n }'
}

stored() {	# DIR
	"$COMO" query -d "$1" -m dnsid -f csv |
		awk -F, 'NR > 1 { split($1, t, "."); printf "%s,%s,%s\n", t[1], $2, $3 }' | sort
}

for f in $(mixed_traces); do
	rm -rf "$TMP/d"
	"$COMO" run -q --trace "$f" -d "$TMP/d" -m "$DNSID" 2> "$TMP/err"
	stored "$TMP/d" > "$TMP/got"
	oracle "$f" | sort > "$TMP/want"
	same "$TMP/want" "$TMP/got"
	ok $? "$(basename "$f"): DNS IDs read from the payload equal tshark's, per second ($(awk -F, '{ n += $2 } END { print n + 0 }' "$TMP/want") packets)"
done

f=$(mixed_traces | grep mercury_capture2 || mixed_traces | head -n 1)
editcap -s 42 "$f" "$TMP/cut.pcap" > /dev/null 2>&1
rm -rf "$TMP/d"
"$COMO" run -q --trace "$TMP/cut.pcap" -d "$TMP/d" -m "$DNSID" 2> "$TMP/err"
[ "$(stored "$TMP/d" | wc -l)" -eq 0 ]
ok $? "cut to 42 bytes a packet: no payload byte is read ($(stored "$TMP/d" | head -n 2 | tr '\n' ' '))"
done_testing
