#!/bin/bash
# Inputs have bounds, enforced with one line before work starts: a filter
# longer than the control messages carry is refused, and one that libpcap
# compiles slowly is compiled in a child comod can kill. Counts against
# libpcap's.
. "$(dirname "$0")/lib.sh"
need_root

"$GENTRACE" -n 5000 -d 2 -s 3 -o "$TMP/t.pcap"
# 1000 host terms took libpcap 82 s and 9.5 CPU-minutes for 3000
long=$(perl -e 'print join " or ", map { "host 10.0.@{[int($_ / 250)]}.@{[$_ % 250]}" } 0..999')
"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/d" -m counter -F "$long" 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	grep -q "a filter of ${#long} characters: at most 4095" "$TMP/err"; echo $?) \
	"a filter of ${#long} characters is refused in one line: $(cat "$TMP/err")"
[ ! -e "$TMP/d/counter/meta.json" ]
ok $? "and nothing is stored"

# the longest that fits, a few hundred terms, compiles and counts right
fits=$(perl -e 'print join " or ", map { "host 10.0.@{[int($_ / 250)]}.@{[$_ % 250]}" } 0..190')
"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/d2" -m counter -F "$fits" 2> "$TMP/err"
ok $? "a filter of ${#fits} characters runs"
"$BIN/pcap-filter-count" "$TMP/t.pcap" "$fits" > "$TMP/want"
"$COMO" query -d "$TMP/d2" -m counter -f csv |
	awk -F, 'NR > 1 { p += $2; b += $3 } END { printf "%d,%d\n", p, b }' > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "and counts what libpcap's filter accepts: $(cat "$TMP/want")"
done_testing
