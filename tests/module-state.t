#!/bin/bash
# State a module keeps its own way. A plain hash, one entry shared by every
# CPU (tests/modules/plainhash, atomic adds, entries made with
# como_state_get()): its per-protocol records equal the libpcap oracle's on
# the mixed traces and on a generated one run by two CPUs. State kept across
# intervals on a live monitor: a module unloaded while comod goes on has
# its flush() run first, and what it emitted is stored before its stream
# closes (tests/modules/lastseen: every destination, as tshark counts them).
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is needed"
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"
PLAINHASH=$TOP/.output/test-modules/plainhash.so
LASTSEEN=$TOP/.output/test-modules/lastseen.so

"$GENTRACE" -n 200000 -d 20 -s 7 -o "$TMP/gen.pcap" > /dev/null
for f in $(mixed_traces) "$TMP/gen.pcap"; do
	name=$(basename "$f")
	rm -rf "$TMP/d"
	"$COMO" run -q -j --trace "$f" -d "$TMP/d" -m "$PLAINHASH" \
		> "$TMP/run.json" 2> "$TMP/err"
	rc=$?
	"$COMO" query -d "$TMP/d" -m plainhash -f csv | sort > "$TMP/got"
	"$ORACLE" -m protocol -i 1 "$f" | sort > "$TMP/want"
	[ $rc -eq 0 ] && same "$TMP/want" "$TMP/got"
	ok $? "$name: a plain hash's records equal libpcap's per protocol and second ($(($(wc -l < "$TMP/want") - 1)) records, run exit $rc) $(head -c 200 "$TMP/err")"
done
# the generated trace ran on both CPUs: each one's runner added to the map
cpus=$(perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
	print scalar grep { $_ > 0 } @{$j->{cpu_packets} // []}' < "$TMP/run.json" 2> /dev/null)
[ "$(nproc)" -lt 2 ] || [ "${cpus:-0}" -ge 2 ]
ok $? "the generated trace was run by ${cpus:-?} CPUs (of $(nproc))"

# live: lastseen keeps every destination until flush(); unloaded, not stopped
veth_pair como-state
export COMO_SOCKET=$TMP/comod.sock
"$GENTRACE" -n 6000 -d 1.5 -c 1500 -s 11 -o "$TMP/live.pcap" > /dev/null
ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/ld" -s "$COMO_SOCKET" \
	-m counter 2> "$TMP/comod.err" &
pid=$!
wait_socket "$COMO_SOCKET"
"$COMO" module load "$LASTSEEN" 2> "$TMP/err"
ok $? "lastseen loaded on the live monitor $(head -c 200 "$TMP/err")"
ip netns exec "$NS" tcpreplay -q -i vb --pps=4000 "$TMP/live.pcap" > /dev/null 2>&1
sleep 1.2
"$COMO" module unload lastseen 2> "$TMP/err"
ok $? "lastseen unloaded while comod runs $(head -c 200 "$TMP/err")"
"$COMO" query -d "$TMP/ld" -m lastseen -f csv > "$TMP/ls.csv" 2> "$TMP/err"
qrc=$?
kill -0 $pid 2> /dev/null
ok $? "comod still runs after the unload"
tshark -n -r "$TMP/live.pcap" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
	-T fields -E occurrence=f -e ip.dst -e ipv6.dst 2> /dev/null |
	awk -F'\t' '$1 != "" || $2 != "" { n[$1 != "" ? $1 : $2]++ }
		END { for (d in n) printf "%s,%d\n", d, n[d] }' | sort > "$TMP/want"
awk -F, 'NR > 1 && $8 != "intervals" { printf "%s,%s\n", $2, $3 }' "$TMP/ls.csv" |
	sort > "$TMP/got"
[ $qrc -eq 0 ] && [ -s "$TMP/want" ] && same "$TMP/want" "$TMP/got"
ok $? "flush() at unload: every destination stored before the stream closed, as tshark counts them ($(wc -l < "$TMP/want") destinations; query exit $qrc) $(head -c 200 "$TMP/err")"
awk -F, 'NR > 1 && $8 == "intervals" { f = 1 } END { exit !f }' "$TMP/ls.csv"
ok $? "flush()'s last record, the intervals export() was told of, is stored"
kill -INT $pid
wait $pid
ok $? "comod stopped cleanly $(head -c 200 "$TMP/comod.err")"
done_testing
