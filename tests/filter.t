#!/bin/bash
# Filters in the kernel: tcpdump expressions, compiled by libpcap and
# translated to eBPF by comod, accept exactly the packets that libpcap's
# pcap_offline_filter() accepts, on real traces and a generated one.
. "$(dirname "$0")/lib.sh"
need_root

EXPRS=(
	"tcp" "udp" "icmp" "ip" "ip6" "arp" "not ip" "ip and not tcp"
	"tcp or udp" "(tcp or udp) and not port 53" "tcp port 80" "tcp port 443"
	"udp port 53" "port 53" "src port 443" "dst port 80" "portrange 1-1023"
	"tcp portrange 1024-65535" "net 10.0.0.0/8" "src net 10.0.0.0/8"
	"dst net 192.168.0.0/16" "host 10.0.0.1 or host 192.168.1.1"
	"vlan" "vlan and tcp" "vlan 100" "ip6 and tcp" "ip6 and udp" "icmp6"
	"tcp[tcpflags] & tcp-syn != 0"
	"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn"
	"tcp[tcpflags] & tcp-fin != 0" "tcp[13] & 4 != 0" "ip[8] < 64"
	"ip[6:2] & 0x1fff != 0" "ip[0] & 0xf > 5" "less 100" "greater 1000"
	"len > 500 and len < 1400" "ether broadcast" "ether multicast"
	"udp and greater 500" "ip proto 50" "ip proto 47" "igmp" "mpls"
	"ether[12:2] = 0x0800" "ip[9] = 6 and ip[2:2] > 1000"
	"tcp dst port 80 and tcp[tcpflags] & tcp-push != 0"
	"ip6[6] = 17" "ip6 net 2001:db8::/32"
)
BATCH=14	# filters and modules share the kernel's 33 tail calls in a row

check_trace() {	# FILE
	local f=$1 name start i cfg end
	name=$(basename "$f")
	for ((start = 0; start < ${#EXPRS[@]}; start += BATCH)); do
		end=$((start + BATCH))
		[ $end -gt ${#EXPRS[@]} ] && end=${#EXPRS[@]}
		cfg="$TMP/f.conf"
		: > "$cfg"
		for ((i = start; i < end; i++)); do
			printf 'module "f%d"\n  source "counter"\n  filter "%s"\n  args "interval=1d"\nend\n' \
				$i "${EXPRS[$i]}" >> "$cfg"
		done
		rm -rf "$TMP/d"
		if ! "$COMO" run -q -c "$cfg" --trace "$f" -d "$TMP/d" 2> "$TMP/err"; then
			ok 1 "$name: filters $start-$((end - 1)) load and run"
			sed 's/^/# /' "$TMP/err"
			continue
		fi
		"$BIN/pcap-filter-count" "$f" "${EXPRS[@]:start:end-start}" > "$TMP/want"
		for ((i = start; i < end; i++)); do
			"$COMO" query -d "$TMP/d" -m "f$i" -f csv |
				awk -F, 'NR > 1 { p += $2; b += $3 } END { printf "%d,%d\n", p, b }'
		done > "$TMP/got"
		if same "$TMP/want" "$TMP/got"; then
			ok 0 "$name: filters $start-$((end - 1)) accept what libpcap accepts"
		else
			paste -d' ' "$TMP/want" "$TMP/got" | nl -v $start | awk '$2 != $3' |
				while read -r i w g; do diag "  ${EXPRS[$i]}: libpcap $w, como $g"; done
			ok 1 "$name: filters $start-$((end - 1)) accept what libpcap accepts"
		fi
	done
}

for f in $(mixed_traces); do
	check_trace "$f"
done
"$GENTRACE" -n 50000 -d 10 -s 13 -o "$TMP/gen.pcap"
check_trace "$TMP/gen.pcap"

# two modules with the same filter share one stage; a bad filter is refused
printf 'module "a"\n source "counter"\n filter "tcp"\nend\nmodule "b"\n source "protocol"\n filter "tcp"\nend\n' > "$TMP/same.conf"
rm -rf "$TMP/d"
"$COMO" run -q -c "$TMP/same.conf" --trace "$TMP/gen.pcap" -d "$TMP/d"
a=$("$COMO" query -d "$TMP/d" -m a -f csv | awk -F, 'NR > 1 { p += $2 } END { print p }')
b=$("$COMO" query -d "$TMP/d" -m b -f csv | awk -F, 'NR > 1 { p += $3 } END { print p }')
w=$("$BIN/pcap-filter-count" "$TMP/gen.pcap" tcp | cut -d, -f1)
ok $([ "$a" = "$w" ] && [ "$b" = "$w" ]; echo $?) "two modules with one filter both see its $w packets"
printf 'module "a"\n source "counter"\n filter "tcp port"\nend\n' > "$TMP/bad.conf"
"$COMO" run -q -c "$TMP/bad.conf" --trace "$TMP/gen.pcap" -d "$TMP/d" 2> "$TMP/err"
ok $([ $? -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q 'filter "tcp port": ' "$TMP/err"; echo $?) \
	"a filter libpcap rejects is refused with libpcap's message: $(cat "$TMP/err")"
done_testing
