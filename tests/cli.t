#!/bin/bash
# The command line: help that tells the truth, exit codes scripts can
# trust, and every output format carrying the same records.
. "$(dirname "$0")/lib.sh"
need_root

for cmd in "" "run" "query" "module"; do
	# shellcheck disable=SC2086
	"$COMO" $cmd --help > "$TMP/help" 2>&1
	rc=$?
	ok $([ $rc -eq 0 ] && grep -q usage "$TMP/help"; echo $?) "como $cmd --help: exit 0 with usage"
done
"$COMO" frobnicate > /dev/null 2>&1
ok $([ $? -eq 2 ]; echo $?) "an unknown command exits 2"
"$COMO" query > /dev/null 2>&1
ok $([ $? -eq 2 ]; echo $?) "query without -m exits 2"
"$BIN/comod" --no-such-option > /dev/null 2>&1
ok $([ $? -eq 2 ]; echo $?) "comod: an unknown option exits 2"

# every option the help of comod names is one it accepts
for opt in $("$BIN/comod" --help | grep -Eo '^ +(-[a-z], )?--[a-z-]+' | grep -Eo -- '--[a-z-]+'); do
	case $opt in --help) continue ;; esac
	"$BIN/comod" $opt x --help > /dev/null 2>&1 || "$BIN/comod" $opt --help > /dev/null 2>&1
	ok $? "comod accepts $opt, as its help says"
done

"$COMO" module avail > "$TMP/list"
for m in counter protocol topdest; do
	grep -q "^$m " "$TMP/list"
	ok $? "module avail shows $m"
done
"$COMO" module avail -j | perl -MJSON::PP -e 'my $j = decode_json(join "", <STDIN>); exit(@$j >= 3 ? 0 : 1)'
ok $? "module avail -j is JSON"

"$GENTRACE" -n 20000 -d 10 -s 9 -o "$TMP/t.pcap"
"$COMO" run -q -j --trace "$TMP/t.pcap" -d "$TMP/d" > "$TMP/run.json"
perl -MJSON::PP -e 'my $j = decode_json(join "", <STDIN>); exit($j->{packets} == 20000 && $j->{complete} ? 0 : 1)' < "$TMP/run.json"
ok $? "run -j prints a JSON summary with the packet count"

for m in counter protocol topdest; do
	"$COMO" query -d "$TMP/d" -m $m -f csv > "$TMP/c"
	rows=$(($(wc -l < "$TMP/c") - 1))
	n=$("$COMO" query -d "$TMP/d" -m $m -f json | perl -MJSON::PP -e 'print scalar @{decode_json(join "", <STDIN>)}')
	ok $([ "$n" = "$rows" ]; echo $?) "$m: json has the $rows records of csv"
	# a script gnuplot runs: it plots, and its own count of the data is csv's
	"$COMO" query -d "$TMP/d" -m $m -f gnuplot > "$TMP/g.gp"
	n=$(gnuplot -e 'set terminal dumb' "$TMP/g.gp" \
		-e 'set xdata; stats $como using 1 nooutput; print STATS_records' 2>&1 > "$TMP/g.txt")
	ok $([ "$n" = "$rows" ] && grep -q "time (UTC)" "$TMP/g.txt"; echo $?) \
		"$m: gnuplot runs the script, plots it and reads its $rows records (${n:0:80})"
	n=$("$COMO" query -d "$TMP/d" -m $m | tail -n +2 | wc -l)
	ok $([ "$n" = "$rows" ]; echo $?) "$m: plain has the $rows records"
done
# json values equal csv values
"$COMO" query -d "$TMP/d" -m topdest -f json | perl -MJSON::PP -e '
	for my $r (@{decode_json(join "", <STDIN>)}) {
		printf "%.3f,%d,%s,%d,%d,%d,%d,%d,%d\n", $r->{ts}, $r->{rank}, $r->{addr},
			$r->{pkts}, $r->{bytes}, $r->{exact}, $r->{pkts_err}, $r->{bytes_err},
			$r->{threshold};
	}' > "$TMP/j.csv"
"$COMO" query -d "$TMP/d" -m topdest -f csv | tail -n +2 |
	awk -F, -v OFS=, '{ $1 = sprintf("%.3f", $1); print }' > "$TMP/c.csv"
same "$TMP/c.csv" "$TMP/j.csv"
ok $? "topdest: json values equal csv values"
# one comod a data directory: while another holds it, a run is refused
# before it touches a stream
if command -v flock > /dev/null; then
	ls -l "$TMP/d" > "$TMP/before"
	flock "$TMP/d/.comod.lock" sleep 3 &
	holder=$!
	sleep 0.3
	"$BIN/comod" -q -r "$TMP/t.pcap" -d "$TMP/d" -m counter 2> "$TMP/err"
	rc=$?
	ls -l "$TMP/d" > "$TMP/after"
	ok $([ $rc -eq 1 ] && grep -q "another comod uses data directory" "$TMP/err" &&
		cmp -s "$TMP/before" "$TMP/after"; echo $?) \
		"a second comod on one data directory is refused: $(cat "$TMP/err")"
	kill $holder 2> /dev/null
	wait $holder 2> /dev/null
else
	skip "a second comod on one data directory is refused" "no flock(1)"
fi
done_testing
