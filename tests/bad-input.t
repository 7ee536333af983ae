#!/bin/bash
# Bad input: one line on stderr that names the problem, a non-zero exit,
# and nothing already stored lost.
. "$(dirname "$0")/lib.sh"
need_root

# expect_error NAME REGEX CMD...: exit 1 (2 for usage), one stderr line matching
expect_error() {
	local name=$1 re=$2 rc lines
	shift 2
	"$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	lines=$(wc -l < "$TMP/err")
	if [ $rc -ge 1 ] && [ $rc -le 2 ] && [ "$lines" -eq 1 ] && grep -Eq "$re" "$TMP/err"; then
		ok 0 "$name: $(cat "$TMP/err")"
	else
		ok 1 "$name: exit $rc, $lines lines on stderr"
		sed 's/^/# /' "$TMP/err"
	fi
}

D="$TMP/data"
"$GENTRACE" -n 20000 -d 10 -s 5 -o "$TMP/good.pcap"
"$COMO" run -q --trace "$TMP/good.pcap" -d "$D" -m counter -m protocol
"$COMO" query -d "$D" -m counter -f csv > "$TMP/before.csv"
ok $([ "$(wc -l < "$TMP/before.csv")" -gt 5 ]; echo $?) "a good run stores records"

# a trace cut in the middle of a record
size=$(stat -c %s "$TMP/good.pcap")
head -c $((size / 2 + 7)) "$TMP/good.pcap" > "$TMP/cut.pcap"
expect_error "truncated trace" "cut.pcap stopped after packet [0-9]+: .*stored" \
	"$COMO" run -q --trace "$TMP/cut.pcap" -d "$TMP/cut" -m counter
n=$(grep -Eo 'after packet [0-9]+' "$TMP/err" | grep -Eo '[0-9]+')
read_by_tshark=$(tshark -r "$TMP/cut.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
ok $([ "$n" = "$read_by_tshark" ]; echo $?) "truncated trace: stops after packet $n, as tshark does ($read_by_tshark)"
"$COMO" query -d "$TMP/cut" -m counter -f csv > "$TMP/cut.csv" 2> "$TMP/warn"
stored=$(awk -F, 'NR > 1 { s += $2 } END { print s + 0 }' "$TMP/cut.csv")
ok $([ "$stored" = "$n" ]; echo $?) "truncated trace: the $n packets before the cut are stored"
grep -q "partial" "$TMP/warn"
ok $? "truncated trace: the query says the results are partial"

# a trace another program truncates while como reads it (the file is
# read in place): the run stops where its bytes ended, says so and stores
# what it read. The cut comes once comod has the file mapped, before it
# can have read a tenth of it.
"$GENTRACE" -n 1000000 -d 20 -s 3 -o "$TMP/big.pcap"
cp "$TMP/big.pcap" "$TMP/shrink.pcap"
half=$(( $(stat -c %s "$TMP/big.pcap") / 2 / 4096 * 4096 ))
"$COMO" run -q -j --trace "$TMP/shrink.pcap" -d "$TMP/shrink" -m counter \
	-m protocol:interval=1s > "$TMP/shrink.json" 2> "$TMP/shrink.err" &
runpid=$!
for i in $(seq 500); do
	grep -qs "$TMP/shrink.pcap" /proc/[0-9]*/maps && break
	sleep 0.01
done
truncate -s "$half" "$TMP/shrink.pcap"
wait $runpid
rc=$?
ok $([ $rc -ne 0 ] && grep -q "shrank while it was read" "$TMP/shrink.err"; echo $?) \
	"trace truncated while read: exit $rc, $(head -n 1 "$TMP/shrink.err")"
got=$(grep -Eo '"packets":[0-9]+' "$TMP/shrink.json" | head -n 1 | grep -Eo '[0-9]+')
"$COMO" query -d "$TMP/shrink" -m counter -f csv > "$TMP/shrink.csv" 2> /dev/null
stored=$(awk -F, 'NR > 1 { s += $2 } END { print s + 0 }' "$TMP/shrink.csv")
head -c "$half" "$TMP/big.pcap" > "$TMP/half.pcap"
whole=$(tshark -r "$TMP/half.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
# the packet at the cut counts when the bytes como reads of it (the
# first 240) came before it: one more than tshark's whole packets
ok $([ "$stored" = "$got" ] && [ "$got" -ge "$whole" ] && [ "$got" -le $((whole + 1)) ]; echo $?) \
	"trace truncated while read: the $got packets reported are stored ($stored), as tshark reads $whole before the cut"
# and stored as they are in the file, not as zeros: the libpcap oracle's
# protocols of those packets
editcap -r "$TMP/big.pcap" "$TMP/first.pcap" "1-$got"
"$COMO" query -d "$TMP/shrink" -m protocol -f csv > "$TMP/shrink-proto.csv" 2> /dev/null
"$ORACLE" -m protocol -i 1 "$TMP/first.pcap" > "$TMP/first-proto.csv"
same "$TMP/shrink-proto.csv" "$TMP/first-proto.csv"
ok $? "trace truncated while read: protocol's records of those packets equal the libpcap oracle's"
rm -f "$TMP/big.pcap" "$TMP/shrink.pcap" "$TMP/half.pcap" "$TMP/first.pcap"

# a stamp whose fraction has its top bit set (libpcap gives it as
# negative): a corrupt record, not a date
perl -e 'print pack("LSSlLLL", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1),
	pack("LLLL", 1700000000, 5, 60, 60), "\0" x 60,
	pack("LLLL", 1700000001, 0x80000005, 60, 60), "\0" x 60' > "$TMP/frac.pcap"
expect_error "negative stamp fraction" "frac.pcap stopped at packet 2: corrupt record" \
	"$COMO" run -q --trace "$TMP/frac.pcap" -d "$TMP/frac" -m counter

head -c 4096 /dev/urandom > "$TMP/noise.pcap"
expect_error "corrupt trace" "cannot read trace .*noise.pcap" \
	"$COMO" run -q --trace "$TMP/noise.pcap" -d "$D" -m counter
expect_error "missing trace" "cannot read trace" \
	"$COMO" run -q --trace "$TMP/nonexistent.pcap" -d "$D" -m counter
if [ -f "$TRACES/bad/tcpdump_unsupported-link-type-dbus.pcap" ]; then
	expect_error "unsupported link type" "unsupported link type" \
		"$COMO" run -q --trace "$TRACES/bad/tcpdump_unsupported-link-type-dbus.pcap" \
		-d "$D" -m counter
else
	skip "unsupported link type" "bad corpus absent"
fi
expect_error "unknown module" "unknown module 'nosuch'" \
	"$COMO" run -q --trace "$TMP/good.pcap" -d "$D" -m nosuch
expect_error "a module the verifier refuses" "unbounded: the kernel verifier refused its capture side: .*(access|invalid)" \
	"$COMO" run -q --trace "$TMP/good.pcap" -d "$D" -m "$TOP/.output/test-modules/unbounded.so"
expect_error "unknown module argument" "unknown argument 'kk'" \
	"$COMO" run -q --trace "$TMP/good.pcap" -d "$D" -m topdest:kk=3
expect_error "bad module argument value" "init refused arguments|bad interval" \
	"$COMO" run -q --trace "$TMP/good.pcap" -d "$D" -m topdest:k=0

printf 'sniffer pcap "%s"\nmodule "counter"\n  sauce "counter"\nend\n' \
	"$TMP/good.pcap" > "$TMP/bad.conf"
expect_error "malformed config line" "bad.conf:3: unknown keyword 'sauce'" \
	"$COMO" run -q -c "$TMP/bad.conf" -d "$D"
printf 'sniffer dag "dag0"\n' > "$TMP/sniffer.conf"
expect_error "unsupported sniffer" "sniffer.conf:1: unsupported sniffer type 'dag'" \
	"$COMO" run -q -c "$TMP/sniffer.conf" -d "$D"
printf 'module "counter"\n  args "interval=1s\nend\n' > "$TMP/quote.conf"
expect_error "unterminated quote" "quote.conf:2: unterminated" \
	"$COMO" run -q -c "$TMP/quote.conf" --trace "$TMP/good.pcap" -d "$D"
printf 'module "counter"\n' > "$TMP/noend.conf"
expect_error "module without end" "has no 'end'" \
	"$COMO" run -q -c "$TMP/noend.conf" --trace "$TMP/good.pcap" -d "$D"

for w in "-5m" "5m:0" "-5x:0" "0:-5m" "::" "abc:0"; do
	expect_error "bad time window '$w'" "bad time window" \
		"$COMO" query -d "$D" -m counter -t "$w"
done
expect_error "missing data directory" "data directory .* does not exist" \
	"$COMO" query -d "$TMP/nowhere" -m counter
expect_error "module not in the data directory" "no results of module 'topdest'.*counter" \
	"$COMO" query -d "$D" -m topdest
expect_error "unknown format" "unknown format 'xml'" \
	"$COMO" query -d "$D" -m counter -f xml

# none of the above lost a record stored before it
"$COMO" query -d "$D" -m counter -f csv > "$TMP/after.csv"
same "$TMP/before.csv" "$TMP/after.csv"
ok $? "records stored before the bad input are all still there"

# every file of the bad corpus: an answer or a one-line error, never a crash
crashed=0 n=0
for f in "$TRACES"/bad/*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	"$COMO" run -q --trace "$f" -d "$TMP/corpus" > /dev/null 2> "$TMP/err"
	rc=$?
	if [ $rc -gt 1 ] || { [ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -ne 1 ]; }; then
		crashed=$((crashed + 1))
		diag "$(basename "$f"): exit $rc: $(head -n 3 "$TMP/err")"
	fi
	rm -rf "$TMP/corpus"
done
if [ $n -gt 0 ]; then
	ok $crashed "bad corpus: $n files, each read or refused in one line"
else
	skip "bad corpus" "$TRACES/bad is absent"
fi
done_testing
