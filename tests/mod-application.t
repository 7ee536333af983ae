#!/bin/bash
# application: packets and bytes per application class, per interval, equal
# the libpcap oracle's for the default table, a table given as an argument
# and one read from a file; a bad table is refused with the module's name.
. "$(dirname "$0")/mod-lib.sh"
need_root

APPS='web:tcp/80+tcp/443;dns:udp/53+tcp/53;low:tcp/1-1023+udp/1-1023;esp:50;icmp:1+58'
printf '# classes of my own\nbulk:tcp/1024-65535\nudp:udp\n' > "$TMP/apps"

for f in $(mixed_traces); do
	check_oracle application "$f" 1s "" ""
	check_oracle application "$f" 10ms "app=$APPS" "-a $APPS"
	check_oracle application "$f" 1s "file=$TMP/apps" "-a bulk:tcp/1024-65535;udp:udp"
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_oracle application "$TMP/gen$seed.pcap" 1s "" ""
	check_oracle application "$TMP/gen$seed.pcap" 250ms "app=$APPS" "-a $APPS"
done
check_formats application "$TMP/data"

# every packet is in one class: the classes add up to the trace's totals
"$ORACLE" -m totals "$TMP/gen1.pcap" | tail -n 1 > "$TMP/want"
mod_run "$TMP/gen1.pcap" "$TMP/d2" application ""
"$COMO" query -d "$TMP/d2" -m application -f csv |
	awk -F, 'NR > 1 { p += $3; b += $4 } END { printf "%d,%d\n", p, b }' > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "the classes add up to the trace's totals: $(cat "$TMP/want")"

for bad in 'app=web' 'app=web:tcp/99999' 'app=web:icmp/3' 'app=:tcp' \
	   'app=web:bogus' "file=$TMP/absent"; do
	mod_run "$TMP/gen1.pcap" "$TMP/bad" application "$bad"
	ok $([ $? -ne 0 ] && grep -q application "$TMP/err" &&
	     [ "$(wc -l < "$TMP/err")" -eq 1 ]; echo $?) "$bad is refused: $(head -n 1 "$TMP/err")"
done
done_testing
