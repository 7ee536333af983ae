#!/bin/bash
# connections: active, opened and closed TCP connections per interval equal
# the libpcap oracle's on the real traces and generated ones; past the
# kernel map's 131072 connections per interval, the packets left out are
# counted exactly and the records are the oracle's with the same bound.
. "$(dirname "$0")/mod-lib.sh"
need_root

for f in $(mixed_traces); do
	check_oracle connections "$f" 1s "" ""
	check_oracle connections "$f" 100ms "idle=1" "-I 1"
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_oracle connections "$TMP/gen$seed.pcap" 1s "idle=2" "-I 2"
	check_oracle connections "$TMP/gen$seed.pcap" 250ms "" ""
done
check_formats connections "$TMP/data"

"$GENTRACE" -n 1000000 -f 400000 -H 200000 -d 50 -s 5 -o "$TMP/many.pcap"
check_oracle connections "$TMP/many.pcap" 60s "" "-E 131072"
"$STD_ORACLE" -m connections -i 60000000000 -E 131072 "$TMP/many.pcap" 2>&1 >/dev/null |
	sed -n 's/^errors //p' > "$TMP/want"
mod_errors > "$TMP/got"; echo >> "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "past the map's bound the packets left out are the errors: $(cat "$TMP/want")"

mod_run "$TMP/gen1.pcap" "$TMP/bad" connections idle=0
ok $([ $? -ne 0 ] && grep -q connections "$TMP/err"; echo $?) "idle=0 is refused: $(head -n 1 "$TMP/err")"
done_testing
