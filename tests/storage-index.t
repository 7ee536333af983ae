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
# The index's second level: a window reads the summaries, the entries of
# the blocks that overlap it and the tail not summed up yet, not the whole
# index. Some 1,000 entries (8 blocks of 128): strace counts the bytes the
# query reads of index and index.sum.
"$GENTRACE" -n 3000000 -d 7200 -s 43 -o "$TMP/big.pcap"
"$GENTRACE" -n 200000 -d 600 -s 44 -S 1700007300 -o "$TMP/late.pcap"
"$ORACLE" -m counter -i 0.001 "$TMP/big.pcap" > "$TMP/big.csv"
"$ORACLE" -m counter -i 0.001 "$TMP/late.pcap" | tail -n +2 | cat "$TMP/big.csv" - > "$TMP/biglate.csv"
rm -f "$TMP/d"/*/* 2> /dev/null
D=$TMP/big
"$COMO" run -q --trace "$TMP/big.pcap" -d "$D" -m $M
isize=$(stat -c %s "$D/counter/index")
ssize=$(stat -c %s "$D/counter/index.sum" 2> /dev/null || echo 0)
# a window may touch two blocks, and the tail is read: three blocks at most
bound=$((ssize + 3 * 128 * 40))
ok $([ $((isize / 40)) -ge 1024 ] && [ "$ssize" -eq $((isize / 40 / 128 * 56)) ] &&
	[ "$isize" -gt $((2 * bound)) ]; echo $?) \
	"the stream has $((isize / 40)) index entries and $((ssize / 56)) summaries ($isize and $ssize bytes)"

# index_read START END: the bytes of index and index.sum the query of
# [START, END] reads, in $TMP/ixread; its answer in $TMP/w.got
index_read() {
	strace -f -y -e trace=read,pread64 -o "$TMP/st" \
		"$COMO" query -d "$D" -m counter -t "$1:$2" -f csv > "$TMP/w.got" 2> "$TMP/w.err"
	perl -ne '$n += $1 if m{</[^>]*/counter/index(?:\.sum)?>.*= (\d+)$}; END { print $n + 0, "\n" }' \
		"$TMP/st" > "$TMP/ixread"
}
for w in "1700000100 1700000400" "1700003600 1700003900" "1700006900 1700007200"; do
	set -- $w
	index_read "$1" "$2"
	awk -F, -v s="$1" -v e="$2" 'NR == 1 || ($1 <= e && $1 + 0.001 > s)' "$TMP/big.csv" > "$TMP/w.want"
	same "$TMP/w.want" "$TMP/w.got"
	ok $? "5-minute window $1:$2 equals libpcap's ($(($(wc -l < "$TMP/w.got") - 1)) rows)"
	ok $([ "$(cat "$TMP/ixread")" -le $bound ]; echo $?) \
		"and reads $(cat "$TMP/ixread") bytes of the index's $((isize + ssize)) (at most $bound)"
done

# a damaged summary is none: its block's entries are read instead
index_read 1700000100 1700000400
clean=$(cat "$TMP/ixread")
cp "$D/counter/index.sum" "$TMP/sum.good"
printf '\xff' | dd of="$D/counter/index.sum" bs=1 seek=$((56 + 20)) conv=notrunc status=none
index_read 1700000100 1700000400
awk -F, 'NR == 1 || ($1 <= 1700000400 && $1 + 0.001 > 1700000100)' "$TMP/big.csv" > "$TMP/w.want"
same "$TMP/w.want" "$TMP/w.got"
ok $? "a damaged summary (the second block's): the window still equals libpcap's"
ok $([ "$(cat "$TMP/ixread")" -ge $((clean + 128 * 40)) ]; echo $?) \
	"and the block's entries are read instead ($(cat "$TMP/ixread") bytes, $clean with it)"
cp "$TMP/sum.good" "$D/counter/index.sum"
# summaries without their index: the stream is read whole, and answers
mv "$D/counter/index" "$TMP/index.big"
"$COMO" query -d "$D" -m counter -t 1700003600:1700003900 -f csv > "$TMP/w.got" 2> "$TMP/w.err"
awk -F, 'NR == 1 || ($1 <= 1700003900 && $1 + 0.001 > 1700003600)' "$TMP/big.csv" > "$TMP/w.want"
same "$TMP/w.want" "$TMP/w.got"
ok $? "summaries without the index they sum up are not used: the same answer"
mv "$TMP/index.big" "$D/counter/index"

# appended to by a later run: the summaries go on where they were
"$COMO" run -q --append --trace "$TMP/late.pcap" -d "$D" -m $M
isize=$(stat -c %s "$D/counter/index")
ssize=$(stat -c %s "$D/counter/index.sum")
ok $([ "$ssize" -eq $((isize / 40 / 128 * 56)) ]; echo $?) \
	"after --append, $((ssize / 56)) summaries for $((isize / 40)) entries"
bound=$((ssize + 3 * 128 * 40))
for w in "1700007000 1700007400" "1700007600 1700007900"; do
	set -- $w
	index_read "$1" "$2"
	awk -F, -v s="$1" -v e="$2" 'NR == 1 || ($1 <= e && $1 + 0.001 > s)' "$TMP/biglate.csv" > "$TMP/w.want"
	same "$TMP/w.want" "$TMP/w.got"
	ok $? "after --append, window $1:$2 equals libpcap's ($(($(wc -l < "$TMP/w.got") - 1)) rows)"
	ok $([ "$(cat "$TMP/ixread")" -le $bound ]; echo $?) \
		"and reads $(cat "$TMP/ixread") bytes of the index's $((isize + ssize)) (at most $bound)"
done
done_testing
