#!/bin/bash
# synflood: the hosts that received SYNs without SYN-ACKs over a threshold,
# per interval, equal the libpcap oracle's; past the kernel map's 65536
# hosts per interval, the packets left out are counted exactly and the
# records are the oracle's with the same bound.
. "$(dirname "$0")/mod-lib.sh"
need_root

for f in $(mixed_traces); do
	check_oracle synflood "$f" 10s "min=2" "-t 2"
	check_oracle synflood "$f" 1s "min=1" "-t 1"
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

for seed in 1 7; do
	"$GENTRACE" -n 60000 -d 20 -s $seed -o "$TMP/gen$seed.pcap"
	check_oracle synflood "$TMP/gen$seed.pcap" 5s "" ""
	check_oracle synflood "$TMP/gen$seed.pcap" 1s "min=3" "-t 3"
done
check_formats synflood "$TMP/data"

# a second oracle, tshark (outer headers only, no reassembly, not the
# headers quoted in ICMP errors): SYNs without ACK per destination and
# SYN-ACKs per source, per day
for f in $(mixed_traces); do
	mod_run "$f" "$TMP/ts" synflood interval=1d,min=1 || { ok 1 "$f: como run"; continue; }
	"$COMO" query -d "$TMP/ts" -m synflood -f csv | tail -n +2 | sort > "$TMP/como.txt"
	tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-Y 'tcp.flags.syn == 1 && !icmp && !icmpv6' -T fields -E separator=, \
		-E occurrence=f -e frame.time_epoch -e ip.src -e ipv6.src -e ip.dst \
		-e ipv6.dst -e tcp.flags.ack -e frame.protocols 2> /dev/null | awk -F, '{
			# the outer IP header: the first frame.protocols names
			pr = ":" $7 ":"; i4 = index(pr, ":ip:"); i6 = index(pr, ":ipv6:")
			v6 = i6 && (!i4 || i6 < i4)
			if (v6 ? substr(pr, i6, 10) != ":ipv6:tcp:" : substr(pr, i4, 8) != ":ip:tcp:") next
			day = int($1 / 86400) * 86400 ".000000000"
			if ($6 == "1" || $6 == "True") sa[day "," (v6 ? $3 : $2)]++
			else sy[day "," (v6 ? $5 : $4)]++ }
		END { for (h in sy) if (sy[h] >= sa[h] + 1) print h "," sy[h] "," sa[h] + 0 }' |
		sort > "$TMP/tshark.txt"
	same "$TMP/como.txt" "$TMP/tshark.txt"
	ok $? "$(basename "$f") interval=1d min=1: synflood equals tshark's reading ($(wc -l < "$TMP/tshark.txt") rows)"
done

"$GENTRACE" -n 1500000 -f 1000000 -H 3000000 -d 50 -s 9 -o "$TMP/hosts.pcap"
# past the table's bound, which is per CPU: on one CPU, as the oracle's
MOD_CPUS=1
check_oracle synflood "$TMP/hosts.pcap" 60s "min=1" "-t 1 -E 65536"
sed -n 's/^errors //p' "$TMP/oracle.err" > "$TMP/want"
mod_errors > "$TMP/got"; echo >> "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "past the map's bound the packets left out are the errors: $(cat "$TMP/want")"

mod_run "$TMP/gen1.pcap" "$TMP/bad" synflood min=0
ok $([ $? -ne 0 ] && grep -q synflood "$TMP/err"; echo $?) "min=0 is refused: $(head -n 1 "$TMP/err")"
done_testing
