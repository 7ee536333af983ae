#!/bin/bash
# Live equals offline: a trace replayed onto a veth pair inside a network
# namespace this test creates, captured with XDP, gives the totals, the
# per-protocol figures and the per-destination bytes that libpcap reads
# from the same file. Then nothing of como's is left on the interface.
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"

veth_pair como-live
nsx() { ip netns exec "$NS" "$@"; }

# full frames: the wire sees what the file captured
"$GENTRACE" -n 20000 -d 5 -c 1600 -s 21 -o "$TMP/t.pcap"
D="$TMP/live"
# not through a shell function: $! must be comod itself (ip netns exec execs)
ip netns exec "$NS" "$BIN/comod" -q -j -i va -d "$D" -m counter:interval=1s \
	-m protocol:interval=1s -m topdest:k=100000,interval=1s > "$TMP/run.json" &
pid=$!
for _ in $(seq 50); do	# wait for the attach, at most 5 s
	ip -n "$NS" link show va | grep -q xdp && break
	sleep 0.1
done
ip -n "$NS" link show va | grep -q xdp
ok $? "comod attached XDP to va"
prog_id=$(ip -n "$NS" link show va | grep -Eo 'prog/xdp id [0-9]+' | grep -Eo '[0-9]+$')
nsx tcpreplay -q -i vb --pps=20000 "$TMP/t.pcap" > "$TMP/replay" 2>&1
ok $? "tcpreplay sent the trace onto vb"
sleep 1.2	# one 1 s epoch closes and is stored
"$COMO" query -d "$D" -m counter -t -1m:0 -f csv > "$TMP/running.csv" 2> "$TMP/qerr"
ok $([ "$(wc -l < "$TMP/running.csv")" -ge 2 ] && [ ! -s "$TMP/qerr" ]; echo $?) \
	"the running monitor answers -t -1m:0 ($(($(wc -l < "$TMP/running.csv") - 1)) records)"
kill -INT $pid
wait $pid
ok $? "comod stopped cleanly on SIGINT"

"$ORACLE" -m totals "$TMP/t.pcap" | tail -n 1 > "$TMP/want"
stored_totals "$D" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "live totals equal the trace's: $(cat "$TMP/want")"

sum_by() {	# CSV KEYCOL: sum pkts and bytes (the last two columns) per key
	awk -F, -v k="$2" 'NR > 1 { p[$k] += $(NF - 1); b[$k] += $NF }
		END { for (x in p) printf "%s,%d,%d\n", x, p[x], b[x] }' "$1" | sort
}
"$COMO" query -d "$D" -m protocol -f csv > "$TMP/p.csv"
"$ORACLE" -m protocol -i 100000000 "$TMP/t.pcap" > "$TMP/op.csv"
sum_by "$TMP/p.csv" 2 > "$TMP/a"
sum_by "$TMP/op.csv" 2 > "$TMP/b"
same "$TMP/b" "$TMP/a"
ok $? "live per-protocol totals equal libpcap's"
# topdest's exact records (1,0,0,0: no error, no threshold), as the oracle's columns
"$COMO" query -d "$D" -m topdest -f csv |
	awk -F, -v OFS=, 'NR == 1 || $6 "," $7 "," $8 "," $9 == "1,0,0,0" {
		print $1, $2, $3, $4, $5 }' > "$TMP/t.csv"
"$ORACLE" -m topdest -k 1000000 -i 100000000 "$TMP/t.pcap" > "$TMP/ot.csv"
sum_by "$TMP/t.csv" 3 > "$TMP/a"
sum_by "$TMP/ot.csv" 3 > "$TMP/b"
same "$TMP/b" "$TMP/a"
ok $? "live bytes per destination equal libpcap's ($(wc -l < "$TMP/b") destinations)"

ip -n "$NS" link show va | grep -q xdp
ok $([ $? -ne 0 ]; echo $?) "after stop, va has no XDP program"
bpftool prog show id "${prog_id:-0}" > /dev/null 2>&1
ok $([ $? -ne 0 ] && [ -n "$prog_id" ]; echo $?) \
	"after stop, the dispatcher (prog id ${prog_id:-?}) is unloaded"
pinned=$(find /sys/fs/bpf -name '*como*' 2> /dev/null | wc -l)
ok $([ "$pinned" -eq 0 ]; echo $?) "after stop, bpffs holds nothing of como's"
grep -q '"interfaces":"va"' "$TMP/run.json"
ok $? "the JSON summary names the interface"

# an interface with someone else's XDP program is refused, not replaced
ip -n "$NS" link set vb xdpgeneric obj "$TOP/.output/bpf/dispatch.bpf.o" sec xdp 2> /dev/null ||
	nsx bpftool prog load "$TOP/.output/bpf/counter.bpf.o" /dev/null 2> /dev/null
if ip -n "$NS" link show vb | grep -q xdp; then
	nsx "$COMO" run -q -i vb -d "$TMP/x" -m counter 2> "$TMP/err"
	rc=$?
	ok $([ $rc -eq 1 ] && grep -q "already has an XDP program" "$TMP/err"; echo $?) \
		"an interface with another XDP program is refused: $(cat "$TMP/err")"
	ip -n "$NS" link set vb xdpgeneric off
else
	skip "foreign XDP program" "could not attach one with ip link"
fi
# a killed comod leaves no program behind: its XDP link goes with its fds
ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/k" -s "$TMP/k.sock" -m counter &
pid=$!
for _ in $(seq 50); do
	ip -n "$NS" link show va | grep -q xdp && break
	sleep 0.1
done
for _ in $(seq 50); do
	[ -s "$TMP/k/counter/meta.json" ] && break
	sleep 0.1
done
# its stream says "running" while it runs, and after it was killed: the
# query tells the two apart by the data directory's lock
"$COMO" query -d "$TMP/k" -m counter > /dev/null 2> "$TMP/qerr"
ok $([ $? -eq 0 ] && ! grep -q "without closing" "$TMP/qerr"; echo $?) \
	"while comod runs, its live stream's query exits 0 without a warning"
kill -KILL $pid
wait $pid 2> /dev/null
ip -n "$NS" link show va | grep -q xdp
ok $([ $? -ne 0 ]; echo $?) "after kill -9, va has no XDP program"
grep -q '"state":"running"' "$TMP/k/counter/meta.json"
ok $? "after kill -9, the stream's meta.json still says running"
"$COMO" query -d "$TMP/k" -m counter > /dev/null 2> "$TMP/qerr"
ok $([ $? -eq 1 ] && grep -q "comod ended without closing it" "$TMP/qerr"; echo $?) \
	"after kill -9, its query warns and exits 1: $(head -n 1 "$TMP/qerr")"
# the same stream served over HTTP by a comod with no capture: the
# answer says it, in every form, and como query --server exits 1 too
if serve "$TMP/ks.log" "$BIN/comod" -d "$TMP/k" --http 127.0.0.1:0; then
	U=http://127.0.0.1:$PORT
	curl -s "$U/?module=counter&format=csv" > "$TMP/kb.csv"
	tail -n 1 "$TMP/kb.csv" | grep -q "^# not exact: partial (its comod ended without closing it"
	ok $? "over HTTP, csv: its last line says so: $(tail -n 1 "$TMP/kb.csv")"
	curl -s "$U/?module=counter&format=json" |
		perl -MJSON::PP -e 'local $/; my $a = decode_json(<STDIN>);
		exit($a->[-1]{partial}{reason} =~ /without closing/ ? 0 : 1)'
	ok $? "over HTTP, json: its last element is {\"partial\":{\"reason\":...}}"
	curl -s "$U/api/v1/query?module=counter" |
		perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>); exit($j->{partial} ? 0 : 1)'
	ok $? "over HTTP, /api/v1/query: \"partial\":true"
	for f in csv json plain; do
		"$COMO" query --server "$U" -m counter -f $f > "$TMP/ks.out" 2> "$TMP/qerr"
		rc=$?
		"$COMO" query -d "$TMP/k" -m counter -f $f 2> /dev/null |
			grep -v "^# not exact" > "$TMP/kl.out"
		grep -v "^# not exact" "$TMP/ks.out" | diff -q - "$TMP/kl.out" > /dev/null
		ok $([ $? -eq 0 ] && [ $rc -eq 1 ] && grep -q "not exact\|partial" "$TMP/qerr"; echo $?) \
			"como query --server -f $f: the local answer, a warning and exit 1 ($rc): $(head -n 1 "$TMP/qerr")"
	done
	kill $LAST
	wait $LAST 2> /dev/null
else
	ok 1 "comod -d DIR --http serves the killed comod's directory"
	sed 's/^/# /' "$TMP/ks.log"
fi
# the config says where to capture, in CoMo's syntax
printf 'sniffer xdp "va"\nmodule "counter"\nend\n' > "$TMP/live.conf"
ip netns exec "$NS" "$BIN/comod" -q -c "$TMP/live.conf" -d "$TMP/c" -s "$TMP/c.sock" &
pid=$!
for _ in $(seq 50); do
	ip -n "$NS" link show va | grep -q xdp && break
	sleep 0.1
done
ip -n "$NS" link show va | grep -q xdp
ok $? "sniffer xdp \"va\" in the config captures on va"
kill -INT $pid
wait $pid
nsx "$COMO" run -q -i nosuch0 -d "$TMP/x" -m counter 2> "$TMP/err"
ok $([ $? -eq 1 ] && grep -q "no interface 'nosuch0'" "$TMP/err"; echo $?) "an unknown interface is refused"
done_testing
