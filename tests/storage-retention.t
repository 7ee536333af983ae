#!/bin/bash
# Retention: a disk budget for the whole data directory (the oldest
# segments of all its streams go first, never one being written) and
# retention by age per module. What is kept equals como-oracle's (libpcap)
# reading of the same trace over the same time; a window that reaches
# before the data left says it was removed and exits 1. The directory's
# size is read with du and stat, the segments' times by perl, here.
. "$(dirname "$0")/lib.sh"
need_root

"$GENTRACE" -n 100000 -d 60 -s 4 -o "$TMP/long.pcap"

# seg_times DIR: one line a segment: its name, first and last record's ts
# (ns), read from the file's record headers (24 bytes: magic, len, ts,
# crc, flags) after its 16-byte header
seg_times() {
	perl -e '
		for my $f (sort glob("$ARGV[0]/*.seg")) {
			open(my $h, "<:raw", $f) or die "$f: $!";
			local $/; my $d = <$h>; close $h;
			my ($off, $first, $last) = (16, 0, 0);
			while ($off + 24 <= length $d) {
				my ($m, $len, $ts) = unpack("V V Q<", substr($d, $off, 16));
				last if $m != 0x43455243;
				$first ||= $ts; $last = $ts;
				$off += 24 + $len;
			}
			(my $n = $f) =~ s{.*/}{};
			print "$n $first $last\n";
		}' "$1"
}

# ns_csv NS: a timestamp as como and the oracle print it in csv
ns_csv() { printf '%d.%09d' $(($1 / 1000000000)) $(($1 % 1000000000)); }

# oracle_from MODULE TS: como-oracle's 1 ms records from TS on
oracle_from() {
	"$ORACLE" -m "$1" -i 0.001 "$TMP/long.pcap" | tail -n +2 |
		awk -F, -v t="$2" '$1 >= t'
}

# ---- the disk budget ----
BUDGET=$((1024 * 1024))
D="$TMP/d"
mkdir -p "$D" "$TMP/outside/old"
# what the budget must never touch: a link out of the directory to a
# stream-like one, and a directory that is no stream
printf '{}\n' > "$TMP/outside/old/meta.json"
head -c 70000 /dev/zero > "$TMP/outside/old/00000000.seg"
head -c 70000 /dev/zero > "$TMP/outside/old/00000001.seg"
ln -s "$TMP/outside/old" "$D/link"
mkdir "$D/notastream"
head -c 70000 /dev/zero > "$D/notastream/00000000.seg"
head -c 70000 /dev/zero > "$D/notastream/00000001.seg"

"$COMO" run -q --budget 1M --trace "$TMP/long.pcap" -d "$D" \
	-m counter:interval=1ms -m protocol:interval=1ms
ok $? "a trace run with --budget 1M"
du_bytes=$(du -sB1 "$D" | cut -f1)
st_bytes=$(find "$D" -mindepth 1 -printf '%s\n' | awk '{ s += $1 } END { print s }')
ok $([ "$du_bytes" -le $BUDGET ] && [ "$st_bytes" -le $BUDGET ]; echo $?) \
	"the data directory is within its budget of $BUDGET: du $du_bytes bytes on disk, $st_bytes bytes in its files"
ok $([ -f "$TMP/outside/old/00000000.seg" ] && [ -f "$TMP/outside/old/00000001.seg" ] &&
     [ -f "$D/notastream/00000000.seg" ] && [ -f "$D/notastream/00000001.seg" ]; echo $?) \
	"nothing outside the streams is removed (a link out of the directory, a directory that is no stream)"

declare -A T
for m in counter protocol; do
	seg_times "$D/$m" > "$TMP/$m.segs"
	first_seg=$(head -n 1 "$TMP/$m.segs" | cut -d' ' -f1)
	ok $([ "$first_seg" != 00000000.seg ]; echo $?) "$m: its oldest segments went (it starts at $first_seg)"
	T[$m]=$(head -n 1 "$TMP/$m.segs" | cut -d' ' -f2)
	"$COMO" query -d "$D" -m $m -f csv | tail -n +2 > "$TMP/got"
	oracle_from $m "$(ns_csv ${T[$m]})" > "$TMP/want"
	same "$TMP/want" "$TMP/got"
	ok $? "$m: what is kept is the oracle's records from $(ns_csv ${T[$m]}) to the end ($(wc -l < "$TMP/want") records)"
	# a window over the kept data: its records, exit 0
	from=$(( ${T[$m]} / 1000000000 + 2 ))
	"$COMO" query -d "$D" -m $m -t $from:1700000058 -f csv > "$TMP/w" 2> "$TMP/err"
	rc=$?
	tail -n +2 "$TMP/w" > "$TMP/got"
	oracle_from $m $from | awk -F, '$1 < 1700000058.001' > "$TMP/want"
	same "$TMP/want" "$TMP/got"
	ok $(( $? + rc )) "$m: a window over the kept data ($from:1700000058) equals the oracle's, exit 0"
	# a window that reaches before: said, exit 1
	"$COMO" query -d "$D" -m $m -t 1700000000:1700000010 -f csv > "$TMP/w" 2> "$TMP/err"
	rc=$?
	ok $([ $rc -eq 1 ] && grep -q "removed by retention (budget)" "$TMP/err" &&
	     [ "$(wc -l < "$TMP/w")" -eq 1 ]; echo $?) \
		"$m: a window over the removed data says so and exits $rc: $(head -n 1 "$TMP/err")"
	"$COMO" query -d "$D" -m $m -t 1700000000:$from -f json > "$TMP/w.json" 2> /dev/null
	rc=$?
	perl -MJSON::PP -e 'local $/; my $a = decode_json(<STDIN>);
		my $r = $a->[-1]{incomplete}{removed} or exit 1;
		exit !($r->{by} eq "budget" && $r->{to} == $ARGV[0])' ${T[$m]} < "$TMP/w.json"
	ok $(( $? + (rc != 1) )) "$m: in JSON, the answer's last element says the data before ${T[$m]} was removed by the budget"
done

# oldest first across streams: the streams' kept data starts within one
# segment's time of each other (a segment of the one that starts later,
# older than the other's first kept one, went before it)
span=$(for m in counter protocol; do
	awk 'NR > 1 { d = $2 - p; if (d > s) s = d } { p = $2 } END { printf "%.0f\n", s }' "$TMP/$m.segs"
done | sort -n | tail -n 1)
diff_t=$(( ${T[counter]} - ${T[protocol]} ))
diff_t=${diff_t#-}
ok $([ "$diff_t" -le "$span" ]; echo $?) \
	"oldest first across streams: their kept data starts $diff_t ns apart, within a segment's $span ns"

# the budget of a config, and a directory already over it at the start
cat > "$TMP/budget.conf" <<EOC
budget 600k
module "counter"
  args "interval=1ms"
end
EOC
"$GENTRACE" -n 2000 -d 2 -s 5 -S 1700000100 -o "$TMP/later.pcap"
"$COMO" run -q --append -c "$TMP/budget.conf" --trace "$TMP/later.pcap" -d "$D"
ok $? "a config's budget 600k on the same directory, --append"
du_bytes=$(du -sB1 "$D" | cut -f1)
ok $([ "$du_bytes" -le $((600 * 1024)) ]; echo $?) "the directory is down to $du_bytes bytes, within 600k"
t2=$(seg_times "$D/protocol" | head -n 1 | cut -d' ' -f2)
ok $([ "$t2" -gt "${T[protocol]}" ] && perl -MJSON::PP -e 'local $/; open(my $f, "<", $ARGV[0]);
	my $m = decode_json(<$f>); exit !($m->{removed}{to} == $ARGV[1] && $m->{first_ns} == $ARGV[1])' \
	"$D/protocol/meta.json" "$t2"; echo $?) \
	"protocol, not written by that run, lost its oldest segments too: its meta.json says its data starts at $t2"
"$COMO" query -d "$D" -m protocol -f csv | tail -n +2 > "$TMP/got"
oracle_from protocol "$(ns_csv $t2)" > "$TMP/want"
same "$TMP/want" "$TMP/got"
ok $? "protocol: what is kept is still the oracle's records from $(ns_csv $t2)"

# ---- retention by age ----
# the same segments with and without retain: only the age differs
"$COMO" run -q --budget 8M --trace "$TMP/long.pcap" -d "$TMP/ref" -m counter:interval=1ms
seg_times "$TMP/ref/counter" > "$TMP/ref.segs"
ok $([ "$(wc -l < "$TMP/ref.segs")" -ge 5 ] && ! grep -q removed "$TMP/ref/counter/meta.json"; echo $?) \
	"without retain: $(wc -l < "$TMP/ref.segs") segments, nothing removed"
newest=$(tail -n 1 "$TMP/ref.segs" | cut -d' ' -f3)
age=$((20 * 1000000000))
# kept: a segment whose newest record is at most 20 s older than the
# stream's newest; the last always
awk -v n="$newest" -v a="$age" '{ l[NR] = $0 } END {
	for (i = 1; i <= NR; i++) { split(l[i], f, " ");
		if (i == NR || n - f[3] <= a) print f[1] } }' "$TMP/ref.segs" > "$TMP/want.segs"
cat > "$TMP/age.conf" <<EOC
budget 8M
module "counter"
  args "interval=1ms"
  retain 20s
end
EOC
for how in "--budget 8M -m counter:interval=1ms,retain=20s" "-c $TMP/age.conf"; do
	rm -rf "$TMP/age"
	"$COMO" run -q --trace "$TMP/long.pcap" -d "$TMP/age" $how
	seg_times "$TMP/age/counter" | cut -d' ' -f1 > "$TMP/got.segs"
	same "$TMP/want.segs" "$TMP/got.segs"
	ok $? "$how: exactly the segments older than 20 s (of the trace's time) went: $(wc -l < "$TMP/got.segs") of $(wc -l < "$TMP/ref.segs") kept"
	ta=$(seg_times "$TMP/age/counter" | head -n 1 | cut -d' ' -f2)
	"$COMO" query -d "$TMP/age" -m counter -t "$(( ta / 1000000000 + 1 )):1700000060" -f csv 2> "$TMP/err" |
		tail -n +2 > "$TMP/got"
	oracle_from counter $(( ta / 1000000000 + 1 )) > "$TMP/want"
	same "$TMP/want" "$TMP/got"
	ok $? "$how: a window over the kept records equals the oracle's"
	"$COMO" query -d "$TMP/age" -m counter -f csv | tail -n +2 > "$TMP/got"
	oracle_from counter "$(ns_csv $ta)" > "$TMP/want"
	same "$TMP/want" "$TMP/got"
	ok $? "$how: what is kept is the oracle's records from $(ns_csv $ta) on"
	"$COMO" query -d "$TMP/age" -m counter -t -60s:-50s -f csv > /dev/null 2> "$TMP/err"
	rc=$?
	ok $([ $rc -eq 1 ] && grep -q "removed by retention (retain)" "$TMP/err"; echo $?) \
		"$how: a window 60 s to 50 s before the end says it was removed, exit $rc"
done

# ---- bad values: one line, a non-zero exit, nothing run ----
bad() {	# bad DESCRIPTION COMMAND...
	local what=$1
	shift
	"$@" > /dev/null 2> "$TMP/err"
	rc=$?
	ok $([ $rc -ne 0 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && [ ! -e "$TMP/bad/counter" ]; echo $?) \
		"$what refused, exit $rc: $(cat "$TMP/err")"
}
for v in 0 abc -1M; do
	bad "--budget $v" "$COMO" run -q --budget "$v" --trace "$TMP/later.pcap" -d "$TMP/bad" -m counter
done
for v in 0 abc -5s ""; do
	bad "retain=$v" "$COMO" run -q --trace "$TMP/later.pcap" -d "$TMP/bad" -m "counter:retain=$v"
done
for line in "budget 0" "budget ten" "budget 1M 2M"; do
	printf '%s\nmodule "counter"\nend\n' "$line" > "$TMP/bad.conf"
	bad "config '$line'" "$COMO" run -q -c "$TMP/bad.conf" --trace "$TMP/later.pcap" -d "$TMP/bad"
done
for line in "retain 0" "retain week" "retain 1d 2d"; do
	printf 'module "counter"\n  %s\nend\n' "$line" > "$TMP/bad.conf"
	bad "config '$line'" "$COMO" run -q -c "$TMP/bad.conf" --trace "$TMP/later.pcap" -d "$TMP/bad"
done
done_testing
