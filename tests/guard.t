#!/bin/bash
# comod's own overload guard (no como.ko on this host): comod runs live
# with a cheap module and a costly one (tests/modules/costly), the CPU
# budget is set below what the costly one spends while traffic flows; the
# guard samples the costly module, never below the rate it accepts, and
# leaves the one that cannot be sampled alone, which counts every packet
# sent. The events say so; the packets sampling (or a stop) left out are
# counted (kept + left out = libpcap's), the intervals marked approximate
# where they are read, and the exit status is 1. tests/kernel/guard.sh does the same with
# como.ko's guard, in the guest, while comod is stopped.
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"
COSTLY=$TOP/.output/test-modules/costly.so
CTL=$BIN/comoctl

veth_pair como-guard
ip -n "$NS" link set lo up	# for /metrics
"$GENTRACE" -n 12000 -d 4 -c 1600 -s 53 -o "$TMP/t.pcap"
ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/d" -s "$TMP/sock" \
	--http 127.0.0.1:8321 -m counter:interval=1s -m "$COSTLY":interval=1s \
	2> "$TMP/comod.err" &
pid=$!
for _ in $(seq 50); do
	[ -S "$TMP/sock" ] && break
	sleep 0.1
done
"$CTL" -s "$TMP/sock" config set cpu-budget 1%
ok $? "the CPU budget is set on comod (1% of a CPU)"
"$CTL" -s "$TMP/sock" -j monitor > "$TMP/events" 2> "$TMP/monitor.err" &
monitor=$!
sleep 0.3
ip netns exec "$NS" tcpreplay -q -i vb --pps=3000 "$TMP/t.pcap" > /dev/null 2>&1
sleep 1.2
# the namespace's own loopback: its port is no one else's
ip netns exec "$NS" curl -s http://127.0.0.1:8321/metrics > "$TMP/metrics"
kill -INT $pid
wait $pid
rc=$?
# what the sampling left out is not counted: said, and the exit is 1
[ $rc -eq 1 ] && grep -q "module costly: [0-9]* packets not counted in [0-9]* intervals (sampled or stopped by the overload guard" "$TMP/comod.err" &&
	! grep -q "module counter:.*not counted" "$TMP/comod.err"
ok $? "comod stops, exit $rc: costly's sampled intervals are approximate, and it says so$(grep -m1 'module costly: ' "$TMP/comod.err" | sed 's/^/: /')"
kill -TERM $monitor 2> /dev/null
wait $monitor
grep -v epoch-closed "$TMP/events" | head -n 12 | sed 's/^/# /'

grep -q '"event":"overload-begun"' "$TMP/events"
ok $? "an overload-begun event"
s=$(grep '"event":"module-sampled"' "$TMP/events" | grep '"module":"costly"' |
	grep -o '"sampling":[0-9]*' | cut -d: -f2 | sort -n | tail -n 1)
[ "${s:-0}" -gt 1 ] && [ "$s" -le 64 ]
ok $? "the costly module was sampled down to 1 in ${s:-?}, within the 1 in 64 it accepts"
grep -E '"event":"module-(sampled|stopped)"' "$TMP/events" | grep -q '"module":"counter"'
ok $([ $? -ne 0 ]; echo $?) "the module that cannot be sampled is neither sampled nor stopped"
"$ORACLE" -m totals "$TMP/t.pcap" | tail -n 1 > "$TMP/want"
stored_totals "$TMP/d" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "and it counted every packet: $(cat "$TMP/want")"
# the sampled module kept whole flows: what it counted is less than all
"$COMO" query -d "$TMP/d" -m costly -f csv |
	awk -F, 'NR > 1 { p += $2 } END { print p + 0 }' > "$TMP/kept"
[ "$(cat "$TMP/kept")" -gt 0 ] && [ "$(cat "$TMP/kept")" -lt 12000 ]
ok $? "the costly module saw a sample: $(cat "$TMP/kept") of 12000 packets"
# and what it left out is counted, sampled or after the guard stopped it:
# kept + left out = libpcap's packets
left=$(perl -MJSON::PP -e 'local $/; my $m = decode_json(<STDIN>);
	print $m->{overflow}{sampled} // 0' < "$TMP/d/costly/meta.json")
stopped=$(grep '"event":"module-stopped"' "$TMP/events" | grep -c '"module":"costly"')
[ $(($(cat "$TMP/kept") + left)) -eq "$(cut -d, -f1 "$TMP/want")" ]
ok $? "the packets it left out are counted: $(cat "$TMP/kept") kept + $left left out = $(cut -d, -f1 "$TMP/want"), libpcap's (stopped by the guard: $stopped)"
# each record of a sampled interval says so, with meta.json's figures for
# it; those of the others say nothing; and what the records say sampling
# left out is some of what libpcap counts and the module did not keep
"$COMO" query -d "$TMP/d" -m costly -f json 2> /dev/null > "$TMP/costly.json"
marked=$(perl -MJSON::PP -e 'local $/;
	open(my $f, "<", $ARGV[0]) or die; my $m = decode_json(<$f>)->{overflow};
	my %l = map { int($_->[0] / 1e9) => $_ } @{$m->{listed}};
	my ($n, $out, $bad) = (0, 0, 0);
	for my $r (@{decode_json(<STDIN>)}) {
		next unless exists $r->{ts};
		my $i = $l{int($r->{ts})};
		if (!$i) {
			$bad++ if exists $r->{approximate};
			next;
		}
		$n++;
		$out += $i->[3];
		$bad++ unless $r->{approximate} && $r->{packets_uncounted} == $i->[2] &&
			($r->{sampled_out} // 0) == $i->[3];
	}
	print "$n $out\n"; exit $bad' "$TMP/d/costly/meta.json" < "$TMP/costly.json")
mrc=$?
set -- $marked
[ $mrc -eq 0 ] && [ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt 0 ] &&
	[ "$2" -le $(($(cut -d, -f1 "$TMP/want") - $(cat "$TMP/kept"))) ]
ok $? "json: ${1:-no} records of sampled intervals carry approximate, packets_uncounted and sampled_out as meta.json lists them (${2:-0} sampled out, of the $(($(cut -d, -f1 "$TMP/want") - $(cat "$TMP/kept"))) libpcap's count less those kept), the others none"
# /metrics said the same while it ran, once the traffic had been counted
m_out=$(sed -n 's/^como_module_sampled_out_packets_total{module="costly"} //p' "$TMP/metrics")
m_unc=$(sed -n 's/^como_module_uncounted_packets_total{module="costly"} //p' "$TMP/metrics")
m_cnt=$(sed -n 's/^como_module_sampled_out_packets_total{module="counter"} //p' "$TMP/metrics")
[ -n "$m_out" ] && [ $(($(cut -d, -f1 "$TMP/want") - $(cat "$TMP/kept"))) -eq "$m_out" ] &&
	[ "$m_cnt" = 0 ] && [ -n "$m_unc" ] && [ "$m_unc" -le "$m_out" ]
ok $? "/metrics: costly left out ${m_out:-nothing} = libpcap's less what it kept; counter 0 (${m_cnt:-nothing}); intervals stored so far mark ${m_unc:-nothing}"
"$COMO" query -d "$TMP/d" -m costly -f csv > /dev/null 2> "$TMP/q.err"
rc=$?
[ $rc -eq 1 ] && grep -q "'costly' is approximate: .* left out by sampling" "$TMP/q.err"
ok $? "como query of costly warns that its intervals are approximate, and exits 1 ($rc)"
"$COMO" query -d "$TMP/d" -m counter -f csv > /dev/null 2> "$TMP/q.err"
[ $? -eq 0 ] && [ ! -s "$TMP/q.err" ]
ok $? "como query of counter, never sampled, says nothing and exits 0"
done_testing
