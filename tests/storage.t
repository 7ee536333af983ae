#!/bin/bash
# Storage: a torn tail is cut without touching what came before, a damaged
# record is skipped with a warning, retention keeps a stream to its size.
. "$(dirname "$0")/lib.sh"
need_root

"$GENTRACE" -n 20000 -d 20 -s 2 -o "$TMP/a.pcap"
"$GENTRACE" -n 20000 -d 20 -s 3 -S 1700000100 -o "$TMP/b.pcap"
D="$TMP/d"
"$COMO" run -q --trace "$TMP/a.pcap" -d "$D" -m counter
"$COMO" query -d "$D" -m counter -f csv > "$TMP/a.csv"
seg=$(ls "$D"/counter/*.seg | tail -n 1)

# a crash in the middle of a write leaves half a record
printf 'CREC\x30\x00\x00\x00half a record' >> "$seg"
"$COMO" query -d "$D" -m counter -f csv > "$TMP/torn.csv" 2> "$TMP/err"
same "$TMP/a.csv" "$TMP/torn.csv"
ok $? "a torn tail hides no earlier record"
"$COMO" run -q --append --trace "$TMP/b.pcap" -d "$D" -m counter 2> "$TMP/err"
grep -q "cut a torn tail" "$TMP/err"
ok $? "the next run cuts the torn tail: $(cat "$TMP/err")"
"$COMO" query -d "$D" -m counter -f csv > "$TMP/ab.csv"
"$ORACLE" -m counter "$TMP/b.pcap" | tail -n +2 | cat "$TMP/a.csv" - > "$TMP/want.csv"
same "$TMP/want.csv" "$TMP/ab.csv"
ok $? "after the cut, the stream holds both runs' records, in order"

# a flipped byte inside a record: its checksum fails
cp "$seg" "$TMP/seg.bak"
printf '\xff' | dd of="$seg" bs=1 seek=60 conv=notrunc status=none
"$COMO" query -d "$D" -m counter -f csv > "$TMP/dmg.csv" 2> "$TMP/err"
grep -q "damaged record at offset" "$TMP/err"
ok $? "a damaged record is reported: $(head -n 1 "$TMP/err")"
head -n 2 "$TMP/ab.csv" > "$TMP/first.csv"
head -n 2 "$TMP/dmg.csv" > "$TMP/dfirst.csv"
same "$TMP/first.csv" "$TMP/dfirst.csv"
ok $? "records before the damage are still read"
cp "$TMP/seg.bak" "$seg"

# retention: a tiny streamsize keeps only the newest segments
cat > "$TMP/small.conf" <<EOC
module "counter"
  args "interval=1ms"
  streamsize 256k
end
EOC
"$GENTRACE" -n 100000 -d 60 -s 4 -o "$TMP/long.pcap"
"$COMO" run -q -c "$TMP/small.conf" --trace "$TMP/long.pcap" -d "$TMP/r"
size=$(du -sb "$TMP/r/counter" | cut -f1)
ok $([ "$size" -le $((256 * 1024 + 8192)) ]; echo $?) "streamsize 256k keeps the stream at $size bytes"
"$COMO" query -d "$TMP/r" -m counter -f csv | tail -n 1 > "$TMP/last"
"$ORACLE" -m counter -i 0.001 "$TMP/long.pcap" | tail -n 1 > "$TMP/olast"
same "$TMP/last" "$TMP/olast"
ok $? "the newest records are the ones kept"

# a window reads only what overlaps it, relative to the end of the data
"$COMO" query -d "$D" -m counter -t -5s:0 -f csv | tail -n +2 > "$TMP/w.csv"
"$ORACLE" -m counter "$TMP/b.pcap" | tail -n 6 > "$TMP/ow.csv"
same "$TMP/ow.csv" "$TMP/w.csv"
ok $? "-t -5s:0 gives the last 6 one-second intervals"
"$COMO" query -d "$D" -m counter -t 1700000105:1700000107 -f csv | tail -n +2 > "$TMP/w2.csv"
grep -E '^17000001(05|06|07)\.' "$TMP/want.csv" > "$TMP/ow2.csv"
same "$TMP/ow2.csv" "$TMP/w2.csv"
ok $? "an absolute window gives the intervals it overlaps"
done_testing
