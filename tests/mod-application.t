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

# a second oracle, tshark (outer headers only: the first of each field, the
# outer IP header's protocol after IPv6 extension headers; no reassembly)
# and the default table as docs/modules/application.md gives it, per day
cat > "$TMP/classes.awk" <<'AWK'
BEGIN {
	n = split("web:tcp/80+tcp/443+tcp/8080+udp/443;dns:udp/53+tcp/53+udp/5353;mail:tcp/25+tcp/110+tcp/143+tcp/465+tcp/587+tcp/993+tcp/995;ssh:tcp/22;file:tcp/20-21+tcp/139+tcp/445+udp/69+udp/137-138;p2p:tcp/6346-6347+udp/6346-6347+tcp/6881-6889+udp/6881-6889;ntp:udp/123;icmp:icmp+icmp6", cls, ";")
	pn["tcp"] = 6; pn["udp"] = 17; pn["icmp"] = 1; pn["icmp6"] = 58
	nr = 0
	for (c = 1; c <= n; c++) {
		split(cls[c], a, ":"); m = split(a[2], rl, "+")
		for (i = 1; i <= m; i++) {
			nr++; rc[nr] = c; split(rl[i], pp, "/"); rp[nr] = pn[pp[1]]
			if (pp[2] == "") { rlo[nr] = -1 } else { split(pp[2], lh, "-"); rlo[nr] = lh[1]; rhi[nr] = lh[2] == "" ? lh[1] : lh[2] }
		}
	}
}
{
	day = int($1 / 86400) * 86400 ".000000000"
	# the outer IP header: whichever of ip and ipv6 frame.protocols names first
	pr = ":" $15 ":"; i4 = index(pr, ":ip:"); i6 = index(pr, ":ipv6:")
	v6 = i6 && (!i4 || i6 < i4)
	proto = v6 ? "" : $3
	if (v6) {
		# the upper-layer protocol after IPv6 extension headers
		k = split($4 ";" $11 ";" $12 ";" $13 ";" $14, nx, ";"); proto = nx[1]
		for (i = 1; i <= k; i++) if (nx[i] != "" && nx[i] != 0 && nx[i] != 43 && nx[i] != 60 && nx[i] != 44) { proto = nx[i]; break }
	}
	c = 0
	# an Ethernet pseudowire (MPLS, control word) is not IP to como: other
	if ($15 ~ /pweth/) proto = ""
	if (proto != "") {
		sp = ""; dp = ""
		if (proto == 6) { sp = $5; dp = $6 } else if (proto == 17) { sp = $7; dp = $8 } else if (proto == 132) { sp = $9; dp = $10 }
		split(sp, s1, ";"); split(dp, d1, ";"); sp = s1[1]; dp = d1[1]
		port = (sp != "" && dp != "") ? (sp + 0 < dp + 0 ? sp + 0 : dp + 0) : -1
		for (i = 1; i <= nr; i++) {
			if (rp[i] != proto) continue
			if (rlo[i] < 0 || (port >= 0 && port >= rlo[i] && port <= rhi[i])) { c = rc[i]; break }
		}
	}
	key = day "," c; np[key]++; nb[key] += $2
}
END { for (k in np) print k "," np[k] "," nb[k] }
AWK
for f in $(mixed_traces); do
	mod_run "$f" "$TMP/ts" application interval=1d || { ok 1 "$f: como run"; continue; }
	"$COMO" query -d "$TMP/ts" -m application -f csv | tail -n +2 | sort > "$TMP/como.txt"
	tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields \
		-E separator=, -E occurrence=f -e frame.time_epoch -e frame.len \
		-e ip.proto -e ipv6.nxt -e tcp.srcport -e tcp.dstport -e udp.srcport \
		-e udp.dstport -e sctp.srcport -e sctp.dstport -e ipv6.hopopts.nxt \
		-e ipv6.dstopts.nxt -e ipv6.routing.nxt -e ipv6.fraghdr.nxt \
		-e frame.protocols 2> /dev/null | awk -F, -f "$TMP/classes.awk" |
		sort > "$TMP/tshark.txt"
	same "$TMP/como.txt" "$TMP/tshark.txt"
	ok $? "$(basename "$f") interval=1d: the default classes equal tshark's reading ($(wc -l < "$TMP/tshark.txt") rows)"
done

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
