#!/bin/bash
# Modules' user side is isolated (comod's export.c): a module whose
# export() crashes (tests/modules/crashy), loops (loopy) or leaks (leaky)
# is stopped and says why, in the run's summary, its meta.json, 'como
# module list' and an event; its epochs from then on are counted as lost
# and the one it failed on is not stored at all; every other module goes
# on and still equals libpcap, per interval on a trace and in total live.
. "$(dirname "$0")/lib.sh"
need_root
MODS=$TOP/.output/test-modules
CTL=$BIN/comoctl
for m in crashy loopy leaky; do
	[ -r "$MODS/$m.so" ] || skip_all "$MODS/$m.so is not built"
done

# jget FILE PERL-EXPR: a value of the JSON document $j in FILE
jget() {
	perl -MJSON::PP -e 'open my $f, "<", $ARGV[0] or exit 1; local $/;
		my $j = decode_json(<$f>); my $v = eval $ARGV[1];
		print defined $v ? $v : ""' "$1" "$2"
}
# the module NAME of a -j summary or of 'module list -j', as $m
mget() {
	jget "$1" 'my @a = ref $j eq "HASH" ? @{$j->{modules}} : @$j;
		my ($m) = grep { $_->{name} eq "'"$2"'" } @a; '"$3"
}

# 4 s of packets in 250 ms intervals: 16 epochs, none empty
IVL=0.25
"$GENTRACE" -n 40000 -d 4 -s 61 -o "$TMP/t.pcap" 2> /dev/null

# run_with MODULE[:ARGS]: counter, protocol and MODULE over the trace, in D
run_with() {
	D=$TMP/d-${1%%:*}
	rm -rf "$D"
	timeout 120 "$BIN/comod" -j --trace "$TMP/t.pcap" -d "$D" \
		-m counter:interval=250ms -m protocol:interval=250ms \
		-m "$MODS/$1${2:+,$2}" > "$TMP/run.json" 2> "$TMP/run.err"
	RC=$?
}

# the others equal the libpcap oracle, interval by interval
ok_others() {
	local m bad=0

	for m in counter protocol; do
		"$COMO" query -d "$D" -m $m -f csv > "$TMP/como.csv"
		"$ORACLE" -m $m -i $IVL "$TMP/t.pcap" > "$TMP/oracle.csv"
		same "$TMP/como.csv" "$TMP/oracle.csv" || bad=1
	done
	ok $bad "$1: counter and protocol equal libpcap, per interval ($(($(wc -l < "$TMP/oracle.csv") - 1)) protocol rows)"
}

# ok_stopped NAME REASON-RE KEPT: exit 1, the summary and meta.json say
# why, its records are the counter's first KEPT, the rest counted lost
ok_stopped() {
	local n=$1 re=$2 kept=$3 lost epochs said

	grep -Eq "module $n stopped: $re; [0-9]+ epochs lost" "$TMP/run.err"
	said=$?
	ok $([ $RC -eq 1 ] && [ $said -eq 0 ]; echo $?) \
		"$n: the run exits 1 ($RC) and says why: $(grep "module $n stopped" "$TMP/run.err" | tail -n 1)"
	[ "$(jget "$D/$n/meta.json" '$j->{state}')" = stopped ] &&
		jget "$D/$n/meta.json" '$j->{stopped}' | grep -Eq "^$re$"
	ok $? "$n: its meta.json says stopped: $(jget "$D/$n/meta.json" '$j->{stopped}')"
	"$COMO" query -d "$D" -m counter -f csv | head -n $((kept + 1)) > "$TMP/want.csv"
	"$COMO" query -d "$D" -m "$n" -f csv > "$TMP/got.csv" 2> "$TMP/qerr"
	same "$TMP/want.csv" "$TMP/got.csv"
	ok $? "$n: its records are exactly its first $kept epochs, the failed one not at all"
	epochs=$(($("$COMO" query -d "$D" -m counter -f csv | wc -l) - 1))
	lost=$(mget "$TMP/run.json" $n '$m->{lost_epochs}')
	ok $([ "${lost:-0}" -eq $((epochs - kept)) ]; echo $?) \
		"$n: the other $((epochs - kept)) of $epochs epochs are counted as lost (${lost:-none})"
}

# (a) a crash
run_with crashy.so:interval=250ms
ok_stopped crashy 'export\(\) crashed \(SIGSEGV\) at epoch [0-9]+' 2
ok_others "crashy"

# (b) a loop, under a short time limit; the run does not wait longer
t0=$(date +%s)
COMOD_EXPORT_TIMEOUT=300ms run_with loopy.so:interval=250ms
t1=$(date +%s)
ok_stopped loopy 'export\(\) ran over 300 ms at epoch [0-9]+' 1
ok_others "loopy"
ok $([ $((t1 - t0)) -lt 20 ]; echo $?) "loopy: the run took $((t1 - t0)) s, not for ever"

# (c) a leak, under a small memory limit: 64 MiB an epoch, 200 MiB allowed
COMOD_EXPORT_MEMORY=200M run_with leaky.so:interval=250ms mb=64
ok_stopped leaky 'export\(\) ran out of memory \(limit 200 MiB\) at epoch [0-9]+' 3
ok_others "leaky"

# (d) an epoch's records in many chunks are stored whole and in order
rm -rf "$TMP/chunks"
COMOD_EXPORT_BUFFER=4096 "$BIN/comod" -q --trace "$TMP/t.pcap" -d "$TMP/chunks" \
	-m topdest:k=1000,interval=250ms 2> "$TMP/run.err"
rc=$?
# its exact records (1,0,0,0: no error, no threshold) in the oracle's columns
"$COMO" query -d "$TMP/chunks" -m topdest -f csv |
	awk -F, -v OFS=, 'NR == 1 || $6 "," $7 "," $8 "," $9 == "1,0,0,0" {
		print $1, $2, $3, $4, $5 }' > "$TMP/como.csv"
"$ORACLE" -m topdest -k 1000 -i $IVL "$TMP/t.pcap" > "$TMP/oracle.csv"
same "$TMP/como.csv" "$TMP/oracle.csv"
equal=$?
ok $([ $rc -eq 0 ] && [ $equal -eq 0 ]; echo $?) \
	"records through a 4 KiB area, in chunks: topdest equals libpcap ($(($(wc -l < "$TMP/oracle.csv") - 1)) rows)"

# (e) live on a veth pair: crashy and loopy stop, the capture goes on
if ! command -v tcpreplay > /dev/null; then
	skip "live" "tcpreplay is not installed"
	done_testing
	exit
fi
veth_pair como-iso
"$GENTRACE" -n 20000 -d 5 -c 1600 -s 62 -o "$TMP/live.pcap" 2> /dev/null
SOCK=$TMP/comod.sock
D=$TMP/live
COMOD_EXPORT_TIMEOUT=500ms ip netns exec "$NS" "$BIN/comod" -j -i va -d "$D" \
	-s "$SOCK" -m counter:interval=500ms -m "$MODS/crashy.so:interval=500ms" \
	-m "$MODS/loopy.so:interval=500ms" > "$TMP/run.json" 2> "$TMP/run.err" &
pid=$!
wait_socket "$SOCK"
"$CTL" -s "$SOCK" -j monitor > "$TMP/events" 2> /dev/null &
monitor=$!
sleep 0.2
ip netns exec "$NS" tcpreplay -q -i vb --pps=10000 "$TMP/live.pcap" > /dev/null 2>&1
ok $? "tcpreplay sent the trace onto vb"
sleep 1	# crashy's third and loopy's second epoch have closed
COMO_SOCKET=$SOCK "$COMO" module list > "$TMP/list"
COMO_SOCKET=$SOCK "$COMO" module list -j > "$TMP/list.json"
sed 's/^/# /' "$TMP/list"
[ "$(mget "$TMP/list.json" crashy '$m->{state}')" = stopped ] &&
	mget "$TMP/list.json" crashy '$m->{reason}' |
	grep -Eq '^export\(\) crashed \(SIGSEGV\) at epoch [0-9]+$' &&
	grep -Eq 'stopped: export\(\) crashed \(SIGSEGV\) at epoch [0-9]+; [0-9]+ epochs lost' "$TMP/list"
ok $? "como module list: crashy stopped, with why: $(mget "$TMP/list.json" crashy '$m->{reason}')"
[ "$(mget "$TMP/list.json" loopy '$m->{state}')" = stopped ] &&
	mget "$TMP/list.json" loopy '$m->{reason}' | grep -Eq '^export\(\) ran over 500 ms at epoch [0-9]+$'
ok $? "como module list: loopy stopped, with why: $(mget "$TMP/list.json" loopy '$m->{reason}')"
[ "$(mget "$TMP/list.json" counter '$m->{state}')" = running ]
ok $? "como module list: counter goes on running"
"$CTL" -s "$SOCK" module list > "$TMP/ctl.list"
"$CTL" -s "$SOCK" module show crashy > "$TMP/ctl.show"
grep -Eq '^crashy +[0-9]+ +stopped' "$TMP/ctl.list" &&
	grep -Eq '^counter +[0-9]+ +running' "$TMP/ctl.list" &&
	grep -Eq 'reason.*export\(\) crashed \(SIGSEGV\)' "$TMP/ctl.show"
ok $? "comoctl module list: crashy stopped, counter running; module show says why"
workers=$(pgrep -P $pid)
kill -INT $pid
wait $pid
rc=$?
kill -TERM $monitor 2> /dev/null
wait $monitor 2> /dev/null
ok $([ $rc -eq 1 ] && grep -q "module crashy stopped: export() crashed" "$TMP/run.err" &&
	grep -q "module loopy stopped: export() ran over" "$TMP/run.err"; echo $?) \
	"comod exits 1 ($rc) and its summary names both stopped modules"
grep '"event":"module-stopped"' "$TMP/events" | grep '"module":"crashy"' |
	grep -q '"reason":"export() crashed (SIGSEGV) at epoch'
ok $? "comoctl monitor saw crashy's module-stopped event, with why"
grep '"event":"module-stopped"' "$TMP/events" | grep -q '"module":"loopy"'
ok $? "comoctl monitor saw loopy's module-stopped event"
"$ORACLE" -m totals "$TMP/live.pcap" | tail -n 1 > "$TMP/want"
stored_totals "$D" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "live: the counter counted every packet sent: $(cat "$TMP/want")"
[ "$(jget "$D/crashy/meta.json" '$j->{state}')" = stopped ] &&
	[ "$(jget "$D/loopy/meta.json" '$j->{state}')" = stopped ]
ok $? "live: crashy's and loopy's meta.json say stopped"
left=0
for w in $workers; do
	kill -0 "$w" 2> /dev/null && left=$((left + 1))
done
ok $([ -n "$workers" ] && [ $left -eq 0 ]; echo $?) \
	"no export worker is left after stop ($(echo $workers | wc -w) were running, $left left)"
done_testing
