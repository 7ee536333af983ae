#!/bin/bash
# connections: active, opened and closed TCP connections per interval equal
# the libpcap oracle's on the real traces and generated ones; past the
# kernel's 131072 tracked connections per interval, the packets of the
# others are counted exactly, not tracked, in the records' untracked
# columns, and the records are the oracle's with the same bound.
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

# a second oracle, tshark (TCP right after the outer IP header only, no
# reassembly) and the definition in docs/modules/connections.md, per day
cat > "$TMP/conn.awk" <<'AWK'
# per day: connections active, opened, closed (docs/modules/connections.md)
function flush(   c, was, act, opened, closed) {
	if (cur == "") return
	start = cur * 86400
	for (c in open) if (open[c] && start - last[c] > IDLE) open[c] = 0
	act = opened = closed = 0
	for (c in seen) {
		was = (c in open) && open[c]
		if (!was && !syn[c]) continue
		act++; opened += !was
		open[c] = !end[c]; last[c] = start; closed += !open[c]
	}
	for (c in open) act += open[c] && last[c] != start
	if (act) printf "%d.000000000,%d,%d,%d\n", start, act, opened, closed
	split("", seen); split("", syn); split("", end)
}
function t(v) { return v == "1" || v == "True" }
{
	day = int($1 / 86400)
	if (cur == "" || day > cur) { flush(); cur = day }
	pr = ":" $12 ":"; i4 = index(pr, ":ip:"); i6 = index(pr, ":ipv6:")
	v6 = i6 && (!i4 || i6 < i4)
	# TCP right after the outer IP header: not tunnelled, not quoted
	if (v6 ? substr(pr, i6, 10) != ":ipv6:tcp:" : substr(pr, i4, 8) != ":ip:tcp:") next
	if ($8 == "") next		# flags not captured
	a = (v6 ? $3 : $2) "/" $6; b = (v6 ? $5 : $4) "/" $7
	c = a < b ? a "," b : b "," a
	seen[c] = 1
	if (t($8) && !t($9)) syn[c] = 1
	if (t($10) || t($11)) end[c] = 1
}
END { flush() }
AWK
for f in $(mixed_traces); do
	tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields \
		-E separator=, -E occurrence=f -e frame.time_epoch -e ip.src \
		-e ipv6.src -e ip.dst -e ipv6.dst -e tcp.srcport -e tcp.dstport \
		-e tcp.flags.syn -e tcp.flags.ack -e tcp.flags.fin -e tcp.flags.reset \
		-e frame.protocols 2> /dev/null > "$TMP/fields"
	for idle in 300 172800; do
		mod_run "$f" "$TMP/ts" connections interval=1d,idle=$idle || { ok 1 "$f: como run"; continue; }
		"$COMO" query -d "$TMP/ts" -m connections -f csv | tail -n +2 |
			cut -d, -f1-4 > "$TMP/como.txt"
		awk -F, -v IDLE=$idle -f "$TMP/conn.awk" "$TMP/fields" > "$TMP/tshark.txt"
		same "$TMP/como.txt" "$TMP/tshark.txt"
		ok $? "$(basename "$f") interval=1d idle=$idle: equals tshark's reading ($(wc -l < "$TMP/tshark.txt") rows)"
	done
done

"$GENTRACE" -n 1000000 -f 400000 -H 200000 -d 50 -s 5 -o "$TMP/many.pcap"
# past the table's bound, which is per CPU: on one CPU, as the oracle's
MOD_CPUS=1
check_oracle connections "$TMP/many.pcap" 60s "" "-E 131072"
"$STD_ORACLE" -m connections -i 60000000000 -E 131072 "$TMP/many.pcap" 2>&1 >/dev/null |
	sed -n 's/^errors //p' > "$TMP/want"
perl -MJSON::PP -e 'local $/; print decode_json(<STDIN>)->{modules}[0]{packets_uncounted}, "\n"' \
	< "$TMP/sum.json" > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "past the table the packets not tracked are those the oracle leaves out, counted not counted: $(cat "$TMP/want")"
# (check_oracle above held the records' untracked columns, interval by
# interval, to the oracle's)
awk -F, 'NR > 1 { n += $5 } END { print n + 0 }' "$TMP/como.csv" > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "... and the records' untracked packets add up to them ($(cat "$TMP/got"))"

mod_run "$TMP/gen1.pcap" "$TMP/bad" connections idle=0
ok $([ $? -ne 0 ] && grep -q connections "$TMP/err"; echo $?) "idle=0 is refused: $(head -n 1 "$TMP/err")"
done_testing
