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

# a second oracle, tshark (the outer IP header only: the first of each
# field, the protocol after IPv6 extension headers, no reassembly), per day
cat > "$TMP/scan.awk" <<'AWK'
# per day: distinct destinations and destination (protocol, port) per source
{
	if ($15 ~ /pweth/) next		# not IP to como
	# the outer IP header: whichever of ip and ipv6 frame.protocols names first
	pr = ":" $15 ":"; i4 = index(pr, ":ip:"); i6 = index(pr, ":ipv6:")
	if (!i4 && !i6) next
	v6 = i6 && (!i4 || i6 < i4)
	src = v6 ? $3 : $2; dst = v6 ? $5 : $4
	day = int($1 / 86400) * 86400 ".000000000"
	proto = v6 ? "" : $6
	if (v6) {
		k = split($7 ";" $11 ";" $12 ";" $13 ";" $14, nx, ";")
		for (i = 1; i <= k; i++) if (nx[i] != "" && nx[i] != 0 && nx[i] != 43 && nx[i] != 60 && nx[i] != 44) { proto = nx[i]; break }
	}
	port = proto == 6 ? $8 : proto == 17 ? $9 : proto == 132 ? $10 : ""
	s = day "," src
	pk[s]++
	if (!((s, dst) in sd)) { sd[s, dst] = 1; nd[s]++ }
	if (port != "" && !((s, proto, port) in spt)) { spt[s, proto, port] = 1; npt[s]++ }
}
END { for (s in pk) if (nd[s] >= D || npt[s] >= P) print s "," nd[s] "," npt[s] + 0 "," pk[s] }
AWK
for f in $(mixed_traces); do
	mod_run "$f" "$TMP/ts" scan interval=1d,dsts=3,ports=3 || { ok 1 "$f: como run"; continue; }
	"$COMO" query -d "$TMP/ts" -m scan -f csv | tail -n +2 | sort > "$TMP/como.txt"
	tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields \
		-E separator=, -E occurrence=f -e frame.time_epoch -e ip.src \
		-e ipv6.src -e ip.dst -e ipv6.dst -e ip.proto -e ipv6.nxt -e tcp.dstport \
		-e udp.dstport -e sctp.dstport -e ipv6.hopopts.nxt -e ipv6.dstopts.nxt \
		-e ipv6.routing.nxt -e ipv6.fraghdr.nxt -e frame.protocols 2> /dev/null |
		awk -F, -v D=3 -v P=3 -f "$TMP/scan.awk" | sort > "$TMP/tshark.txt"
	same "$TMP/como.txt" "$TMP/tshark.txt"
	ok $? "$(basename "$f") interval=1d dsts=3 ports=3: equals tshark's reading ($(wc -l < "$TMP/tshark.txt") rows)"
done

"$GENTRACE" -n 1000000 -f 400000 -H 200000 -d 50 -s 5 -o "$TMP/many.pcap"
# past the table's bound, which is per CPU: on one CPU, as the oracle's
MOD_CPUS=1
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
