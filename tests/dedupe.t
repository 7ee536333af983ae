#!/bin/bash
# The same module with the same filter and arguments asked for twice runs
# once (CoMo white paper, II.A), and both names read its records: in a
# config, and with 'como module load' on a running monitor, where
# unloading one name leaves the other counting. Totals against libpcap.
. "$(dirname "$0")/lib.sh"
need_root

# total DIR NAME COL: packets,bytes summed over the stored records, the
# packets in column COL and the bytes after it
total() {
	"$COMO" query -d "$1" -m "$2" -f csv |
		awk -F, -v c="$3" 'NR > 1 { p += $c; b += $(c + 1) }
			END { printf "%d,%d\n", p, b }'
}

"$GENTRACE" -n 20000 -d 5 -s 7 -o "$TMP/t.pcap"
cat > "$TMP/como.conf" <<CONF
sniffer pcap "$TMP/t.pcap"
module "a"
  source "counter"
  args "interval=1s"
end
module "b"
  source "counter"
  args "interval=1s"
end
module "c"
  source "counter"
  args "interval=2s"
end
module "tcp1"
  source "protocol"
  filter "tcp"
end
module "tcp2"
  source "protocol"
  filter "tcp"
end
module "udp"
  source "protocol"
  filter "udp"
end
CONF
"$COMO" run -j -c "$TMP/como.conf" -d "$TMP/d" > "$TMP/run.json" 2> "$TMP/err"
ok $? "a config that asks for two modules twice runs"
perl -MJSON::PP -e '
	my $j = decode_json(join "", <STDIN>);
	my %as = map { $_->{name} => ($_->{runs_as} // "") } @{$j->{modules}};
	exit !($as{a} eq "" && $as{b} eq "a" && $as{c} eq "" &&
	       $as{tcp2} eq "tcp1" && $as{udp} eq "" && keys(%as) == 6)' \
	< "$TMP/run.json"
ok $? "b runs as a, tcp2 as tcp1; c and udp (other arguments, other filter) on their own"
grep -q "module b runs with the same filter and arguments as a" "$TMP/err"
ok $? "and it says so: $(grep -m1 'module b' "$TMP/err")"

"$ORACLE" -m totals "$TMP/t.pcap" | tail -n 1 > "$TMP/want"
for m in a b c; do
	total "$TMP/d" $m 2 > "$TMP/got"
	same "$TMP/want" "$TMP/got"
	ok $? "$m's records add up to libpcap's totals: $(cat "$TMP/want")"
done
"$COMO" query -d "$TMP/d" -m a -f csv > "$TMP/a.csv"
"$COMO" query -d "$TMP/d" -m b -f csv > "$TMP/b.csv"
same "$TMP/a.csv" "$TMP/b.csv"
ok $? "a and b hold the same records ($(($(wc -l < "$TMP/a.csv") - 1)))"
for f in tcp udp; do
	"$BIN/pcap-filter-count" "$TMP/t.pcap" $f > "$TMP/want.$f"
done
for m in tcp1:tcp tcp2:tcp udp:udp; do
	total "$TMP/d" "${m%%:*}" 3 > "$TMP/got"
	same "$TMP/want.${m#*:}" "$TMP/got"
	ok $? "${m%%:*} equals libpcap's count of '${m#*:}': $(cat "$TMP/want.${m#*:}")"
done

# live: a second name for the running counter, then the first unloaded
command -v tcpreplay > /dev/null || { skip "live" "tcpreplay is not installed"; done_testing; exit; }
veth_pair como-dedupe
export COMO_SOCKET=$TMP/comod.sock
"$GENTRACE" -n 8000 -d 2 -c 1600 -s 11 -o "$TMP/t1.pcap"
"$GENTRACE" -n 6000 -d 2 -c 1600 -s 12 -o "$TMP/t2.pcap"
ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/live" -s "$COMO_SOCKET" \
	-m counter:interval=1s -m protocol -F tcp 2> "$TMP/comod.err" &
pid=$!
wait_socket "$COMO_SOCKET"
"$COMO" module load counter --name again --args "interval=1s" 2> "$TMP/err"
ok $? "a second name for the running counter loads: $(cat "$TMP/err")"
"$COMO" module list -j > "$TMP/list.json"
perl -MJSON::PP -e '
	my %s = map { $_->{name} => $_->{slot} } @{decode_json(join "", <STDIN>)};
	exit !(defined $s{counter} && defined $s{again} && $s{counter} == $s{again})' \
	< "$TMP/list.json"
ok $? "como module list shows both names in one slot"
# the kernel's view: programs named NAME that share the maps of the
# dispatcher attached to va
progs() {
	ip netns exec "$NS" bpftool -j net show dev va | perl -MJSON::PP -e '
	my ($x) = @{decode_json(join "", <STDIN>)};
	my ($id) = map { $_->{id} } @{$x->{xdp}};
	my @p = @{decode_json(`bpftool -j prog show`)};
	my ($d) = grep { $_->{id} == $id } @p;
	my %m = map { $_ => 1 } @{$d->{map_ids}};
	print scalar grep { $_->{name} eq $ARGV[0] &&
			    grep { $m{$_} } @{$_->{map_ids}} } @p' "$1"
}
n=$(progs como_module)
ok $([ "$n" = 2 ]; echo $?) "the kernel runs one module program for both, beside protocol's ($n)"
# another module with protocol's filter joins its stage
"$COMO" module load counter --name tcpc --args "interval=1s" --filter tcp 2> "$TMP/err"
ok $? "a counter filtered with tcp loads"
n=$(progs como_filter)
ok $([ "$n" = 1 ]; echo $?) "and shares protocol's filter stage: one stage for both ($n)"
ip netns exec "$NS" tcpreplay -q -i vb --pps=20000 "$TMP/t1.pcap" > /dev/null 2>&1
sleep 1.2
"$COMO" module unload counter 2> "$TMP/err"
ok $? "unloading the first name: $(cat "$TMP/err")"
"$COMO" module list > "$TMP/list"
grep -q "^again " "$TMP/list" && ! grep -q "^counter " "$TMP/list"
ok $? "the other name goes on"
ip netns exec "$NS" tcpreplay -q -i vb --pps=20000 "$TMP/t2.pcap" > /dev/null 2>&1
sleep 1.2
kill -INT $pid
wait $pid
ok $? "comod stopped cleanly"
"$ORACLE" -m totals "$TMP/t1.pcap" | tail -n 1 > "$TMP/want1"
"$ORACLE" -m totals "$TMP/t2.pcap" | tail -n 1 > "$TMP/want2"
total "$TMP/live" counter 2 > "$TMP/got"
same "$TMP/want1" "$TMP/got"
ok $? "counter, unloaded after the first trace, counted it: $(cat "$TMP/want1")"
IFS=, read -r p1 b1 < "$TMP/want1"
IFS=, read -r p2 b2 < "$TMP/want2"
echo "$((p1 + p2)),$((b1 + b2))" > "$TMP/want"
total "$TMP/live" again 2 > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "again counted both traces: $(cat "$TMP/want")"
"$BIN/pcap-filter-count" "$TMP/t1.pcap" tcp > "$TMP/tcp1"
"$BIN/pcap-filter-count" "$TMP/t2.pcap" tcp > "$TMP/tcp2"
IFS=, read -r p1 b1 < "$TMP/tcp1"
IFS=, read -r p2 b2 < "$TMP/tcp2"
echo "$((p1 + p2)),$((b1 + b2))" > "$TMP/want"
for m in tcpc:2 protocol:3; do
	total "$TMP/live" "${m%%:*}" "${m#*:}" > "$TMP/got"
	same "$TMP/want" "$TMP/got"
	ok $? "${m%%:*}, on the shared stage, equals libpcap's count of tcp: $(cat "$TMP/want")"
done
done_testing
