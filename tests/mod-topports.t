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

# a second oracle, tshark (outer headers only: the first transport header,
# and only where the outer IP header names that protocol, so neither the
# headers quoted in ICMP errors nor tunnels' inner ones; no reassembly):
# every port's packets and bytes per day, against the whole ranking
for f in $(mixed_traces); do
	mod_run "$f" "$TMP/ts" topports interval=1d,k=65536 || { ok 1 "$f: como run"; continue; }
	"$COMO" query -d "$TMP/ts" -m topports -f csv |
		awk -F, 'NR > 1 && $2 == 1 { print $1 "," $4 "," $5 "," $6 "," $7 }' |
		sort > "$TMP/como.txt"
	tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-Y 'tcp || udp || sctp' -T fields -E separator=, -E occurrence=f \
		-e frame.time_epoch -e frame.len -e ip.proto -e ipv6.nxt \
		-e tcp.dstport -e udp.dstport -e sctp.dstport 2> /dev/null | awk -F, '{
			day = int($1 / 86400) * 86400 ".000000000"
			p = $5 != "" ? 6 : $6 != "" ? 17 : 132
			if ($3 != "" && $3 != p) next
			if ($3 == "" && $4 != p && $4 != 0 && $4 != 43 && $4 != 60) next
			k = day "," p "," $5 $6 $7; n[k]++; b[k] += $2 }
		END { for (k in n) print k "," n[k] "," b[k] }' | sort > "$TMP/tshark.txt"
	same "$TMP/como.txt" "$TMP/tshark.txt"
	ok $? "$(basename "$f") interval=1d: every port's counts equal tshark's ($(wc -l < "$TMP/tshark.txt") ports)"
done

# k out of range is refused with the module's name, nothing stored
mod_run "$TMP/gen1.pcap" "$TMP/bad" topports k=0
ok $([ $? -ne 0 ] && grep -q topports "$TMP/err"; echo $?) "k=0 is refused: $(head -n 1 "$TMP/err")"
done_testing
