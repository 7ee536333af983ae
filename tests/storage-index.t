#!/bin/bash
# The time index: a window query reads the writes of records that overlap
# its window (and whatever no index entry covers), and answers as reading
# everything would: the records whose interval overlaps the window, as
# como-oracle (libpcap) counts them. A record damaged outside the window
# is then never read; without the index it is read (and skipped).
. "$(dirname "$0")/lib.sh"
need_root

"$GENTRACE" -n 200000 -d 20 -s 41 -o "$TMP/a.pcap"
"$GENTRACE" -n 50000 -d 5 -s 42 -S 1700000030 -o "$TMP/b.pcap"
"$ORACLE" -m counter -i 0.001 "$TMP/a.pcap" > "$TMP/a.csv"
"$ORACLE" -m counter -i 0.001 "$TMP/b.pcap" | tail -n +2 | cat "$TMP/a.csv" - > "$TMP/ab.csv"
D=$TMP/d
M=counter:interval=1ms
"$COMO" run -q --trace "$TMP/a.pcap" -d "$D" -m $M
ok $([ -s "$D/counter/index" ]; echo $?) "the stream has an index ($(stat -c %s "$D/counter/index") bytes)"

# window_ok WANT.csv START END: the query of [START, END] (Unix seconds)
# gives the oracle's rows whose 1 ms interval overlaps it
window_ok() {
	awk -F, -v s="$2" -v e="$3" 'NR == 1 || ($1 <= e && $1 + 0.001 > s)' "$1" > "$TMP/w.want"
	"$COMO" query -d "$D" -m counter -t "$2:$3" -f csv > "$TMP/w.got" 2> "$TMP/w.err"
	same "$TMP/w.want" "$TMP/w.got"
}

for w in "1700000000 1700000000.5" "1700000003.2 1700000003.3" \
	 "1700000009.999 1700000012" "1700000019 1700000030"; do
	set -- $w
	window_ok "$TMP/a.csv" "$1" "$2"
	ok $? "window $1:$2 equals libpcap's ($(($(wc -l < "$TMP/w.got") - 1)) rows)"
done

"$COMO" run -q --append --trace "$TMP/b.pcap" -d "$D" -m $M
window_ok "$TMP/ab.csv" 1700000019.5 1700000031
ok $? "after --append of a later trace, a window over both ($(($(wc -l < "$TMP/w.got") - 1)) rows)"

# a damaged record early in the stream: outside the window, never read
printf '\xff' | dd of="$D/counter/00000000.seg" bs=1 seek=$((16 + 99 * 40 + 30)) conv=notrunc status=none
"$COMO" query -d "$D" -m counter -t -1s:0 -f csv > "$TMP/w1.csv" 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 0 ] && ! grep -q "damaged" "$TMP/err"; echo $?) \
	"a window far from a damaged record does not read it (exit $rc)"
mv "$D/counter/index" "$TMP/index"
"$COMO" query -d "$D" -m counter -t -1s:0 -f csv > "$TMP/w2.csv" 2> "$TMP/err"
grep -q "damaged record at offset $((16 + 99 * 40))" "$TMP/err"
ok $? "without the index the whole stream is read: $(head -n 1 "$TMP/err")"
same "$TMP/w1.csv" "$TMP/w2.csv"
ok $? "and the answer is the same"
mv "$TMP/index" "$D/counter/index"

# retention: the index follows the segments that are kept
cat > "$TMP/small.conf" <<EOC
module "counter"
  args "interval=1ms"
  streamsize 256k
end
EOC
"$COMO" run -q -c "$TMP/small.conf" --trace "$TMP/a.pcap" -d "$TMP/r"
first=$("$COMO" query -d "$TMP/r" -m counter -f csv | sed -n 2p | cut -d, -f1)
D=$TMP/r
window_ok "$TMP/a.csv" "$first" 1700000020
ok $? "after retention, a window from the first record kept ($first) equals libpcap's"
perl -MJSON::PP -e 'local $/; my $m = decode_json(<STDIN>);
	printf "%d.%09d\n", $m->{first_ns} / 1e9, $m->{first_ns} % 1000000000' \
	< "$TMP/r/counter/meta.json" > "$TMP/mfirst"
echo "$first" > "$TMP/qfirst"
same "$TMP/qfirst" "$TMP/mfirst"
ok $? "and meta.json's first timestamp moved with it: $(cat "$TMP/mfirst")"
done_testing
