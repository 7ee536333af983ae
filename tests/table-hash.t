#!/bin/bash
# A table's hash is keyed with a secret drawn at each load: 300
# destinations that all fall in one row under the old, unkeyed hash
# (tests/table-hash-keys.pl, its own reading of that hash: 128 of them
# would have filled the probe chain and the rest been refused, the
# interval approximate) go through topdest, whose 65536-key table then
# holds them all: the run and the stream are complete and every
# destination's packets and bytes equal tshark's. Two runs are keyed
# differently: -vv names each key by a digest.
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is needed"
N=300
ROWS=131072	# como_table_rows(65536, 0): topdest's rows per CPU

perl "$TOP/tests/table-hash-keys.pl" $N $ROWS "$TMP/c.pcap" > "$TMP/keys"
ok $? "the trace of $N colliding destinations is written"
row=$(head -n 1 "$TMP/keys")
awk -v r="$row" -v rows=$ROWS 'NR > 1 { n++; if ($2 % rows != r) bad++; a[$1] = 1 }
	END { exit !(n == '$N' && !bad && length(a) == n) }' "$TMP/keys"
ok $? "under the old hash all $N distinct destinations fall in row $row (more than 128: full)"

tshark -o ip.defragment:FALSE -n -r "$TMP/c.pcap" -T fields -e ip.dst -e frame.len 2> /dev/null |
	awk '{ p[$1]++; b[$1] += $2 } END { for (a in p) print a "," p[a] "," b[a] }' |
	sort > "$TMP/want"

for i in 1 2; do
	"$COMO" run -vv -j --trace "$TMP/c.pcap" -d "$TMP/d$i" \
		-m topdest:k=1000,interval=10s > "$TMP/sum$i.json" 2> "$TMP/err$i"
	rc=$?
	[ $rc -eq 0 ] && ! grep -q "not counted" "$TMP/err$i" &&
		grep -q '"complete":true' "$TMP/sum$i.json" &&
		grep -q '"state":"complete"' "$TMP/d$i/topdest/meta.json"
	ok $? "run $i: exit $rc, complete, nothing counted as lost"
	"$COMO" query -d "$TMP/d$i" -m topdest -f csv > "$TMP/q$i.csv" 2> "$TMP/qerr$i"
	ok $? "run $i: como query answers without the approximate mark"
	awk -F, 'NR > 1 { print $3 "," $4 "," $5 }' "$TMP/q$i.csv" | sort > "$TMP/got$i"
	same "$TMP/want" "$TMP/got$i"
	ok $? "run $i: every destination's packets and bytes equal tshark's ($(wc -l < "$TMP/want") destinations)"
	sed -n 's/.*module topdest: table hash keyed, key digest \([0-9a-f]\{8\}\)$/\1/p' \
		"$TMP/err$i" > "$TMP/digest$i"
	[ "$(wc -l < "$TMP/digest$i")" -eq 1 ]
	ok $? "run $i: -vv names the key by its digest $(cat "$TMP/digest$i")"
done
! cmp -s "$TMP/digest1" "$TMP/digest2"
ok $? "the two runs' keys differ"
done_testing
