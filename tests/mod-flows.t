#!/bin/bash
# flows: 5-tuple flow records with NetFlow's idle and active timeouts,
# record by record equal to tshark's reading of the same trace with the
# timeouts applied as the module documents (tests/flows-oracle.pl): on
# every real trace and a generated one, with timeouts that never fire
# (every flow emitted by flush() at the end of the run) and with short
# ones (idle 2 s, active 10 s: flows split and emitted on time, across
# the trace's silences too). Bounded (max=50): what did not fit is one
# "untracked" record, and tracked + untracked is every IP packet.
. "$(dirname "$0")/mod-lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is needed"
HERE=$(dirname "$0")

stored() {	# DIR: the records without their ts column, sorted
	"$COMO" query -d "$1" -m flows -f csv 2> /dev/null |
		awk -F, 'NR > 1 { sub(/^[^,]*,/, ""); print }' | sort
}

"$GENTRACE" -n 30000 -d 40 -o "$TMP/gen.pcap" > /dev/null
for f in "$TMP/gen.pcap" $(mixed_traces); do
	bash "$HERE/flows-fields.sh" "$f" > "$TMP/fields"
	for to in "1000000 1000000" "2 10"; do
		set -- $to
		rm -rf "$TMP/d"
		"$COMO" run -q --trace "$f" -d "$TMP/d" -m "flows:idle=$1,active=$2" 2> "$TMP/err"
		rc=$?
		stored "$TMP/d" > "$TMP/got"
		perl "$HERE/flows-oracle.pl" 1000000000 "$1" "$2" < "$TMP/fields" > "$TMP/want"
		same "$TMP/want" "$TMP/got"
		ok $? "$(basename "$f") idle=$1 active=$2: the flows equal tshark's ($(wc -l < "$TMP/want") flows, $(cut -d, -f12 "$TMP/want" | sort | uniq -c | tr -s ' \n' ' ')) (run exit $rc)"
	done
done

f=$TMP/gen.pcap
rm -rf "$TMP/d"
"$COMO" run -q --trace "$f" -d "$TMP/d" -m "flows:max=50,idle=1000000,active=1000000" 2> "$TMP/err"
stored "$TMP/d" > "$TMP/got"
all=$(tshark -n -r "$f" -Y "ip or ipv6" 2> /dev/null | wc -l)
got=$(awk -F, '{ n += $8 } END { print n + 0 }' "$TMP/got")
[ "$got" -eq "$all" ] && grep -q ',untracked,[^,]*$' "$TMP/got" &&
	[ "$(grep -vc ',untracked,[^,]*$' "$TMP/got")" -eq 50 ] &&
	grep -q "were not tracked" "$TMP/err"
ok $? "max=50: $(grep -vc ',untracked,[^,]*$' "$TMP/got") flows kept, the rest in one untracked record, $got packets of tshark's $all, and said"
check_formats flows "$TMP/d"
rm -rf "$TMP/d"
"$COMO" run -q --trace "$f" -d "$TMP/d" -m "flows:idle=0" 2> "$TMP/err"
[ $? -ne 0 ] && grep -q "init refused arguments 'idle=0': idle=S" "$TMP/err"
ok $? "idle=0 is refused with the module's reason: $(head -n 1 "$TMP/err")"
done_testing
