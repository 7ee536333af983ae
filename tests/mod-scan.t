#!/bin/bash
# scan: the sources that contacted at least a threshold of distinct
# destinations or destination ports, per interval, equal the libpcap
# oracle's; past the kernel map's 262144 (source, destination, port) keys
# per interval, the packets left out are counted exactly and the records
# are the oracle's with the same bound.
. "$(dirname "$0")/mod-lib.sh"
need_root

for f in $(mixed_traces); do
	check_oracle scan "$f" 10s "dsts=3,ports=3" "-D 3 -P 3"
	check_oracle scan "$f" 1s "dsts=2,ports=1000" "-D 2 -P 1000"
	check_oracle scan "$f" 60s "dsts=1000,ports=2" "-D 1000 -P 2"
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_oracle scan "$TMP/gen$seed.pcap" 5s "" ""
	check_oracle scan "$TMP/gen$seed.pcap" 1s "dsts=5,ports=4" "-D 5 -P 4"
done
check_formats scan "$TMP/data"

"$GENTRACE" -n 1000000 -f 400000 -H 200000 -d 50 -s 5 -o "$TMP/many.pcap"
check_oracle scan "$TMP/many.pcap" 60s "dsts=20,ports=20" "-D 20 -P 20 -E 262144"
sed -n 's/^errors //p' "$TMP/oracle.err" > "$TMP/want"
mod_errors > "$TMP/got"; echo >> "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "past the map's bound the packets left out are the errors: $(cat "$TMP/want")"

for bad in dsts=0 ports=0 ports=x; do
	mod_run "$TMP/gen1.pcap" "$TMP/bad" scan $bad
	ok $([ $? -ne 0 ] && grep -q scan "$TMP/err"; echo $?) "$bad is refused: $(head -n 1 "$TMP/err")"
done
done_testing
