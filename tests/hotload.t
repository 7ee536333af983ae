#!/bin/bash
# Modules loaded and unloaded on a running monitor while traffic flows:
# the module that stays loaded loses no packet (its totals equal what was
# sent, as libpcap counts the trace), a refused load changes nothing, and
# the loaded ones answer in 'como module list' and 'como status'. The traffic
# lasts 7.5 s, past the three rounds (a load verifies its program first).
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"

veth_pair como-hot

export COMO_SOCKET=$TMP/comod.sock
"$GENTRACE" -n 60000 -d 5 -c 1600 -s 31 -o "$TMP/t.pcap"
ip netns exec "$NS" "$BIN/comod" -q -j -i va -d "$TMP/d" -s "$COMO_SOCKET" \
	-m counter:interval=1s > "$TMP/run.json" 2> "$TMP/comod.err" &
pid=$!
for _ in $(seq 50); do	# wait for the socket, at most 5 s
	[ -S "$COMO_SOCKET" ] && break
	sleep 0.1
done
"$COMO" status > "$TMP/status"
ok $? "como status answers: $(head -n 1 "$TMP/status")"

ip netns exec "$NS" tcpreplay -q -i vb --pps=8000 "$TMP/t.pcap" > /dev/null 2>&1 &
replay=$!
fails=0
for round in 1 2 3; do
	"$COMO" module load protocol --filter "tcp or udp" || fails=$((fails + 1))
	"$COMO" module load topdest --name top$round --args "k=5 interval=1s" ||
		fails=$((fails + 1))
	"$COMO" module list > "$TMP/list"
	grep -q "^protocol " "$TMP/list" && grep -q "^top$round " "$TMP/list" ||
		fails=$((fails + 1))
	sleep 0.3
	"$COMO" module unload protocol || fails=$((fails + 1))
	"$COMO" module unload top$round || fails=$((fails + 1))
	sleep 0.2
done
ok $fails "3 rounds of load and unload while traffic flows"

"$COMO" module list -j > "$TMP/before"
"$COMO" module load protocol --filter "tcp port" 2> "$TMP/err"
rc=$?
"$COMO" module list -j | perl -MJSON::PP -e '
	my @a = map { $_->{name} } @{decode_json(join "", <STDIN>)}; print "@a\n"' > "$TMP/after"
ok $([ $rc -eq 1 ] && grep -q "can't parse filter" "$TMP/err" &&
	[ "$(cat "$TMP/after")" = counter ]; echo $?) \
	"a refused load says why and changes nothing: $(cat "$TMP/err")"
"$COMO" module load "$TOP/.output/test-modules/unbounded.so" 2> "$TMP/err"
rc=$?
"$COMO" module list -j | perl -MJSON::PP -e '
	my @a = map { $_->{name} } @{decode_json(join "", <STDIN>)}; print "@a\n"' > "$TMP/after"
ok $([ $rc -eq 1 ] && grep -q "verifier refused its capture side: .*access" "$TMP/err" &&
	[ "$(cat "$TMP/after")" = counter ]; echo $?) \
	"a module the verifier refuses is refused with its reason, nothing else changes"
"$COMO" module load nosuch 2> "$TMP/err"
ok $([ $? -eq 1 ] && grep -q "unknown module 'nosuch'" "$TMP/err"; echo $?) \
	"an unknown module is refused: $(cat "$TMP/err")"
"$COMO" module unload nosuch 2> "$TMP/err"
ok $([ $? -eq 1 ] && grep -q "no module 'nosuch'" "$TMP/err"; echo $?) \
	"unloading what is not loaded is refused"
"$COMO" module load counter 2> "$TMP/err"
ok $([ $? -eq 1 ] && grep -q "loaded already" "$TMP/err"; echo $?) \
	"the same instance name twice is refused"

wait $replay
sleep 1.2
kill -INT $pid
wait $pid
ok $? "comod stopped cleanly"

"$ORACLE" -m totals "$TMP/t.pcap" | tail -n 1 > "$TMP/want"
stored_totals "$TMP/d" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "the module that stayed loaded counted every packet sent: $(cat "$TMP/want")"
for m in protocol top1 top3; do
	"$COMO" query -d "$TMP/d" -m $m -f csv 2> /dev/null | tail -n +2 | grep -q .
	ok $? "hot-loaded $m stored records"
done
[ ! -e "$COMO_SOCKET" ]
ok $? "the control socket is gone after stop"
done_testing
