#!/bin/bash
# A trace run on 2 CPUs stores what a run on 1 stores: every standard
# module (each folder of modules/) in one run, under taskset -c 0 and under
# taskset -c 0,1, on every real trace and two generated ones; `como query
# -f csv` of each module is the same bytes. The 1-CPU run is como's own,
# so the modules std-oracle knows are also checked against it (libpcap,
# tests/oracle/std-oracle.c), counter against como-oracle's totals, and
# the run's packet count, and the dispatcher's on each CPU added up,
# against capinfos'. On the generated traces both CPUs must have run
# packets, or the comparison would say nothing. heavyhitters promotes a
# source by what one CPU saw so far (COMO_MOD_ONE_CPU): a run with it
# stays on one CPU, which is checked, and its results too.
. "$(dirname "$0")/mod-lib.sh"
need_root
command -v capinfos > /dev/null || skip_all "capinfos (wireshark) is needed"
taskset -c 0,1 true 2> /dev/null || skip_all "needs 2 CPUs and taskset"

# the modules std-oracle reads, at 1 s (topports: k=10 as its default)
ORACLED="topports application utilization connections synflood scan"
ONE_CPU="heavyhitters"
specs=()
for dir in "$TOP"/modules/*/; do
	m=$(basename "$dir")
	case " $ONE_CPU " in *" $m "*) continue ;; esac
	case " $ORACLED " in
	*" $m "*) specs+=(-m "$m:interval=1s") ;;
	*)
		case $m in
		pattern) specs+=(-m "pattern:rule=HTTP,rule=|0001|,rule=GET") ;;
		*) specs+=(-m "$m") ;;
		esac
		;;
	esac
done
mods=$(cd "$TOP/modules" && ls -d */ | tr -d /)

# run CPUS TRACE DIR [-m MODULE...]: the modules (all but ONE_CPU's
# without any), the JSON summary in DIR.json
run() {
	local cpus=$1 f=$2 d=$3

	shift 3
	[ $# -gt 0 ] || set -- "${specs[@]}"
	rm -rf "$d" "$d.json"
	taskset -c "$cpus" "$COMO" run -q -j --trace "$f" -d "$d" "$@" \
		> "$d.json" 2> "$d.err"
}

# json FILE EXPR: a perl expression over the decoded summary $j
json() {
	perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>); print eval $ARGV[0]' \
		"$2" < "$1"
}

# check TRACE NAME GENERATED
check() {
	local f=$1 name=$2 gen=$3 m differ="" want got

	if ! run 0 "$f" "$TMP/one" "${specs[@]}" $(printf -- "-m %s " $ONE_CPU); then
		ok 1 "$name: como run on CPU 0"; sed 's/^/# /' "$TMP/one.err"
		return
	fi
	if ! run 0,1 "$f" "$TMP/two"; then
		ok 1 "$name: como run on CPUs 0,1"; sed 's/^/# /' "$TMP/two.err"
		return
	fi
	want=$(capinfos -M -c -T "$f" | awk -F'\t' 'NR == 2 { print $2 }')
	got=$(json "$TMP/two.json" '$j->{cpus} . " " . $j->{packets} . " " .
		eval { my $s = 0; $s += $_ for @{$j->{cpu_packets}}; $s }')
	[ "$got" = "2 $want $want" ]
	ok $? "$name: 2 CPUs, the summary's packets and the dispatcher's on each CPU added up = capinfos' $want ($got)"
	got=$(json "$TMP/one.json" '$j->{cpus} . " " . $j->{packets}')
	[ "$got" = "1 $want" ]
	ok $? "$name: taskset -c 0 runs on 1 CPU, $want packets ($got)"
	if [ "$gen" = 1 ]; then
		got=$(json "$TMP/two.json" 'join ",", @{$j->{cpu_packets}}[0, 1]')
		[ "${got%,*}" -gt 0 ] && [ "${got#*,}" -gt 0 ]
		ok $? "$name: both CPUs ran packets ($got)"
	fi

	for m in $mods; do
		"$COMO" query -d "$TMP/one" -m "$m" -f csv > "$TMP/one.$m.csv" 2> /dev/null
		case " $ONE_CPU " in *" $m "*) continue ;; esac
		"$COMO" query -d "$TMP/two" -m "$m" -f csv > "$TMP/two.$m.csv" 2> /dev/null
		if ! cmp -s "$TMP/one.$m.csv" "$TMP/two.$m.csv" ||
		   [ ! -s "$TMP/one.$m.csv" ]; then
			differ="$differ $m"
			diff -u "$TMP/one.$m.csv" "$TMP/two.$m.csv" | head -n 8 | sed 's/^/# /'
		fi
	done
	[ -z "$differ" ]
	ok $? "$name: every module's stored results on 2 CPUs are those on 1, byte for byte${differ:+ (not:$differ)}"

	for m in $ONE_CPU; do
		if ! run 0,1 "$f" "$TMP/solo" -m "$m"; then
			ok 1 "$name: $m alone on CPUs 0,1"; sed 's/^/# /' "$TMP/solo.err"
			continue
		fi
		"$COMO" query -d "$TMP/solo" -m "$m" -f csv > "$TMP/solo.csv" 2> /dev/null
		[ "$(json "$TMP/solo.json" '$j->{cpus}')" = 1 ] &&
			cmp -s "$TMP/solo.csv" "$TMP/one.$m.csv" && [ -s "$TMP/solo.csv" ]
		ok $? "$name: $m under taskset -c 0,1 runs on one CPU and stores what it stores on CPU 0"
	done

	for m in $ORACLED; do
		# shellcheck disable=SC2046
		"$STD_ORACLE" -m "$m" -i 1000000000 $([ "$m" = topports ] && echo -k 10) \
			"$f" > "$TMP/oracle.csv" 2> "$TMP/oracle.err"
		same "$TMP/two.$m.csv" "$TMP/oracle.csv"
		ok $? "$name: $m on 2 CPUs equals the libpcap oracle ($(($(wc -l < "$TMP/oracle.csv") - 1)) rows)"
	done
	"$ORACLE" -m totals "$f" | tail -n 1 > "$TMP/want"
	stored_totals "$TMP/two" counter > "$TMP/got"
	same "$TMP/want" "$TMP/got"
	ok $? "$name: counter on 2 CPUs counted what como-oracle counts: $(cat "$TMP/want")"
}

for f in $(mixed_traces); do
	check "$f" "$(basename "$f")" 0
done
[ -n "$(mixed_traces)" ] || skip "real traces" "$TRACES/mixed is absent"

# dense enough for many full batches, under the trace module's 32,768
# packets a CPU an interval (past it 2 CPUs would keep more than 1)
for seed in 1 7; do
	"$GENTRACE" -n 200000 -d 10 -s $seed -o "$TMP/gen$seed.pcap" > /dev/null
	check "$TMP/gen$seed.pcap" "gentrace -s $seed" 1
done

# --cpus chooses, within what the affinity mask allows
taskset -c 0,1 "$COMO" run -q -j --cpus 1 --trace "$TMP/gen1.pcap" -d "$TMP/c1" \
	-m counter > "$TMP/c1.json" 2> "$TMP/c1.err"
[ $? -eq 0 ] && [ "$(json "$TMP/c1.json" '$j->{cpus}')" = 1 ] &&
	[ "$(json "$TMP/c1.json" 'scalar grep { $_ > 0 } @{$j->{cpu_packets}}')" = 1 ]
ok $? "--cpus 1 under taskset -c 0,1: the batches run on one CPU"
taskset -c 0 "$COMO" run -q --cpus 2 --trace "$TMP/gen1.pcap" -d "$TMP/c2" \
	-m counter 2> "$TMP/c2.err"
rc=$?
[ $rc -ne 0 ] && [ "$(wc -l < "$TMP/c2.err")" -eq 1 ] && grep -q -- "--cpus 2" "$TMP/c2.err"
ok $? "--cpus 2 under taskset -c 0 is refused (exit $rc): $(head -c 120 "$TMP/c2.err")"
"$COMO" run -q --cpus 0 --trace "$TMP/gen1.pcap" -d "$TMP/c0" -m counter 2> "$TMP/c0.err"
rc=$?
[ $rc -ne 0 ] && [ "$(wc -l < "$TMP/c0.err")" -eq 1 ]
ok $? "--cpus 0 is refused (exit $rc): $(head -c 120 "$TMP/c0.err")"
done_testing
