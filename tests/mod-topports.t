#!/bin/bash
# topports: the top k destination ports by bytes and by packets, per
# interval, equal the libpcap oracle's on the real traces and generated ones.
. "$(dirname "$0")/mod-lib.sh"
need_root

for f in $(mixed_traces); do
	check_oracle topports "$f" 1s "k=5" "-k 5"
	check_oracle topports "$f" 10ms "k=3" "-k 3"
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_oracle topports "$TMP/gen$seed.pcap" 1s "k=20" "-k 20"
	check_oracle topports "$TMP/gen$seed.pcap" 250ms "" "-k 10"
done
check_formats topports "$TMP/data"

# k out of range is refused with the module's name, nothing stored
mod_run "$TMP/gen1.pcap" "$TMP/bad" topports k=0
ok $([ $? -ne 0 ] && grep -q topports "$TMP/err"; echo $?) "k=0 is refused: $(head -n 1 "$TMP/err")"
done_testing
