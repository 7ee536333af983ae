#!/bin/bash
# flows against a NetFlow exporter: nfpcapd (nfdump's pcap-to-flow
# daemon) reads the same trace with the same idle and active timeouts,
# nfdump prints its records, and on every real trace and a generated one
# the set of flows (5-tuple, packets, bytes, first and last packet to the
# millisecond) equals como's. Where the two differ by design, one side is
# put in the other's terms (tests/flows-netflow.pl says each why):
#   - frames neither is given: IP fragments (nfpcapd reassembles them),
#     802.1ad-tagged frames (nfpcapd 1.7 skips them as not IP), frames
#     whose capture ends inside the transport header (nfpcapd drops them);
#   - bytes: NetFlow's are the IP datagram's, como's the frame's: each
#     packet's link-layer length (tshark's frame and IP lengths) is taken
#     from como's records;
#   - the key: nfpcapd has no VLAN in it, keys IPv6 by the fixed header's
#     next header, and puts PPTP's GRE call id in the port;
#   - where a record is cut: nfpcapd ends a TCP record at FIN or RST, one
#     UDP record per DNS packet, and expires on its own clock; records of
#     one key less than the idle timeout apart are one run of packets, on
#     both sides, so what is compared is each run and where the idle
#     timeout ended it.
# With timeouts that never fire within a stretch of a trace (idle and
# active 3600 s, nfpcapd's most; mercury's captures are years apart, so
# there the idle timeout ends flows on both sides) the runs are equal.
# With short ones (idle 2 s, active 10 s) nfpcapd looks at its timeouts
# only when a packet arrives, at most once per 10 s of packet time, and
# after counting it: a flow whose next packet comes before such a look
# goes on in the same record, however long its silence; como looks at
# every interval end, packets or not. So nfpcapd cuts where como does or
# not at all: each como run lies inside one nfpcapd run, and each nfpcapd
# run is the sum of the como runs in it (runs merged below idle + 1 s:
# como's timeout fires at the next interval end, 1 s, and nfpcapd counts
# a flow's last packet in whole seconds).
. "$(dirname "$0")/lib.sh"
need_root
for t in nfpcapd nfdump tshark editcap; do
	command -v $t > /dev/null || skip_all "$t is needed (tools/deps.sh)"
done
HERE=$(dirname "$0")
NORM=$HERE/flows-netflow.pl

# prepare TRACE: $TMP/t.pcap, TRACE without the frames flows-netflow.pl
# drops; $TMP/len, its frames' times, keys and lengths
prepare() {
	tshark -n -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields \
		-E occurrence=f -e frame.number -e frame.len -e frame.cap_len \
		-e ip.flags.mf -e ip.frag_offset -e ipv6.fraghdr.nxt -e ip.hdr_len \
		-e ip.proto -e tcp.hdr_len -e frame.protocols 2> /dev/null |
		perl "$NORM" drop > "$TMP/drop"
	# shellcheck disable=SC2046
	editcap -F nsecpcap "$1" "$TMP/t.pcap" $(cat "$TMP/drop") || return 1
	bash "$HERE/flows-fields.sh" "$TMP/t.pcap" | cut -f 1-3 > "$TMP/key"
	tshark -n -r "$TMP/t.pcap" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-T fields -E occurrence=f -e ip.len -e ipv6.plen -e ipv6.nxt 2> /dev/null |
		awk -F '\t' '{ print ($1 != "" ? $1 : $2 + 40) "\t" $3 }' > "$TMP/iplen"
	paste "$TMP/key" "$TMP/iplen" > "$TMP/len"
	[ "$(wc -l < "$TMP/key")" -eq "$(wc -l < "$TMP/iplen")" ]
}

# compare NAME IDLE ACTIVE [within]: nfpcapd's flows and como's of
# $TMP/t.pcap, equal runs of packets, or como's within nfpcapd's
compare() {
	local name=$1 idle=$2 active=$3 how=${4:-equal} gap=$2 rc

	rm -rf "$TMP/nf" "$TMP/d"
	mkdir "$TMP/nf"
	# -t: one file per hour of packet time (files are rotated on the
	# packets' clock, a record open across a rotation is not cut)
	nfpcapd -r "$TMP/t.pcap" -w "$TMP/nf" -e "$active,$idle" -t 3600 > "$TMP/nf.log" 2>&1
	[ "$how" = within ] && gap=$((idle + 1))
	TZ=UTC nfdump -q -N -R "$TMP/nf" -o raw | perl "$NORM" nfdump "$gap" > "$TMP/want"
	"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/d" -m "flows:idle=$idle,active=$active" 2> "$TMP/err"
	rc=$?
	"$COMO" query -d "$TMP/d" -m flows -f csv 2> /dev/null |
		perl "$NORM" como "$gap" "$TMP/len" > "$TMP/got"
	nrec=$(TZ=UTC nfdump -q -N -R "$TMP/nf" -o raw | grep -c '^Flow Record')
	if [ "$how" = within ]; then
		[ -s "$TMP/want" ] && perl "$NORM" within "$TMP/want" "$TMP/got" > "$TMP/diff"
		rc2=$?
		head -n 12 "$TMP/diff" | sed 's/^/# /'
		ok $rc2 "$name idle=$idle active=$active: each of como's $(wc -l < "$TMP/got") runs of packets lies in one of nfpcapd's $(wc -l < "$TMP/want") ($nrec records), which they add up to (run exit $rc)"
		return
	fi
	[ -s "$TMP/want" ] && same "$TMP/want" "$TMP/got"
	ok $? "$name idle=$idle active=$active: como's flows equal nfpcapd's ($(wc -l < "$TMP/want") runs of packets of $nrec nfpcapd records, $(wc -l < "$TMP/drop") frames left out) (run exit $rc)"
}

"$GENTRACE" -n 30000 -d 40 -o "$TMP/gen.pcap" > /dev/null
for f in "$TMP/gen.pcap" $(mixed_traces); do
	name=$(basename "$f")
	if ! prepare "$f"; then
		ok 1 "$name: the trace without the frames left out"
		continue
	fi
	compare "$name" 3600 3600
	compare "$name" 2 10 within
done
done_testing
