#!/bin/bash
# The module API beyond counting: state kept across intervals and emitted
# by flush() when the run ends, per-field folds, every interval exported
# (empty ones too), string, time, duration and double fields in every
# format, init()'s own reason. The module is tests/modules/lastseen; the
# oracle is tshark's reading of the same traces (outer headers only).
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark > /dev/null || skip_all "tshark is needed"
LASTSEEN=$TOP/.output/test-modules/lastseen.so

# tshark: per outer destination, packets, first and last time, tcp or not;
# then the 1-second intervals from the first packet's to the latest one's
oracle() {	# TRACE
	tshark -n -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-T fields -E occurrence=f -e frame.time_epoch -e ip.dst \
		-e ipv6.dst -e tcp.srcport -e icmp.type -e icmpv6.type \
		-e frame.protocols 2> /dev/null |
	awk -F'\t' '
		NR == 1 { split($1, a, "."); first = a[1] }
		{ split($1, a, "."); if (a[1] > last) last = a[1] }
		$2 == "" && $3 == "" { next }
		# Ethernet inside an MPLS pseudowire: como reads only IP there
		$7 ~ /pweth/ { next }
		{
			d = $2 != "" ? $2 : $3
			n[d]++
			if (!(d in lo) || $1 < lo[d]) lo[d] = $1
			if ($1 > hi[d]) hi[d] = $1
			# TCP, outside any ICMP error that quotes it
			if ($4 != "" && $5 == "" && $6 == "") tcp[d] = 1
		}
		END {
			for (d in n)
				printf "%s,%d,%s,%s,%s\n", d, n[d], lo[d], hi[d],
					d in tcp ? "tcp" : "other"
			printf "intervals,%d\n", last - first + 1
		}' | sort
}

for f in $(mixed_traces) "$TMP/gen.pcap"; do
	[ "$f" = "$TMP/gen.pcap" ] && "$GENTRACE" -n 20000 -d 30 -o "$f" > /dev/null
	name=$(basename "$f")
	rm -rf "$TMP/d"
	"$COMO" run -q --trace "$f" -d "$TMP/d" -m "$LASTSEEN" 2> "$TMP/err"
	rc=$?
	"$COMO" query -d "$TMP/d" -m lastseen -f csv > "$TMP/all.csv"
	awk -F, 'NR > 1 && $8 != "intervals" {
			printf "%s,%s,%s,%s,%s\n", $2, $3, $4, $5, $8 }
		 NR > 1 && $8 == "intervals" { printf "intervals,%s\n", $3 }' \
		"$TMP/all.csv" | sort > "$TMP/got"
	oracle "$f" > "$TMP/want"
	same "$TMP/want" "$TMP/got"
	ok $? "$name: flush() emitted every destination, as tshark counts them ($(($(wc -l < "$TMP/want") - 1)) destinations, $(grep intervals "$TMP/want" | cut -d, -f2) intervals exported) (run exit $rc)"
	# span and rate: computed by the module, checked here from its own times
	awk -F, 'NR > 1 && $8 != "intervals" {
			split($4, a, "."); split($5, b, "."); split($6, s, ".")
			ns = (b[1] - a[1]) * 1e9 + (b[2] - a[2])
			if (ns != s[1] * 1e9 + s[2]) { print "span " $0; exit 1 }
			r = ns ? $3 / (ns / 1e9) : 0
			if (r - $7 > 1e-6 * r || $7 - r > 1e-6 * r) { print "rate " $0; exit 1 }
		}' "$TMP/all.csv" > "$TMP/bad"
	ok $? "$name: duration and double fields hold what they say $(head -c 200 "$TMP/bad")"
done

# every format prints the new field types
f=$(mixed_traces | head -n 1)
rm -rf "$TMP/d"
"$COMO" run -q --trace "$f" -d "$TMP/d" -m "$LASTSEEN" 2> /dev/null
"$COMO" query -d "$TMP/d" -m lastseen -f json | python3 -c '
import json, sys
recs = json.load(sys.stdin)
assert recs and all(isinstance(r["rate"], float) for r in recs)
assert all(isinstance(r["what"], str) for r in recs)
assert all(r["span"] == 0 or r["span"] > 0 for r in recs)' 2> "$TMP/err"
ok $? "json: doubles are numbers, strings are strings $(head -c 200 "$TMP/err")"
"$COMO" query -d "$TMP/d" -m lastseen | awk 'NR == 2 { exit !($5 ~ /^[0-9][0-9][0-9][0-9]-/ && $0 ~ /[0-9]s /) }'
ok $? "plain: times are dates, durations end in s"
"$COMO" query -d "$TMP/d" -m lastseen -f gnuplot > "$TMP/g.gp"
awk '/^EOD$/ { d = 0 } d && !/^#/ && $NF !~ /^".*"$/ { exit 1 } /^\$como << EOD$/ { d = 1 }' "$TMP/g.gp" &&
	gnuplot -e 'set terminal dumb' "$TMP/g.gp" > /dev/null
ok $? "gnuplot: strings are quoted, and gnuplot plots the numbers beside them"

# init()'s reason is the refusal's
rm -rf "$TMP/d"
"$COMO" run -q --trace "$f" -d "$TMP/d" -m "$LASTSEEN:max=0" 2> "$TMP/err"
rc=$?
[ $rc -ne 0 ] && grep -q "init refused arguments 'max=0': max must be a count of 1 or more" "$TMP/err"
ok $? "init()'s refusal says the module's reason: $(head -n 1 "$TMP/err")"
# and so does every standard module's: one line, its reason, no "Invalid argument"
while read -r spec reason; do
	"$COMO" run -q --trace "$f" -d "$TMP/r" -m "$spec" 2> "$TMP/err"
	rc=$?
	[ $rc -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -qF "$reason" "$TMP/err" &&
		! grep -q "Invalid argument" "$TMP/err" && [ ! -e "$TMP/r/${spec%%:*}" ]
	ok $? "$spec is refused with its reason: $(head -n 1 "$TMP/err")"
done << 'EOF'
topports:k=0 k=N is the number of ports kept
topdest:n=100001 k=N (or n=N) is the number of destinations kept
connections:idle=0 idle=S is whole seconds
scan:ports=0 dsts=N and ports=N are thresholds
synflood:min=x min=N is a number of SYNs
utilization:peak=0 peak=MS is the sub-interval
application:app=web:tcp/99999 the application table is not NAME:RULE
application:file=/nonexistent file=/nonexistent: No such file or directory
EOF

done_testing
