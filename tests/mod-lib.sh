# SPDX-License-Identifier: BSD-3-Clause
# Helpers for the standard modules' tests (tests/mod-*.t): a module's
# records, interval by interval, against tests/oracle/std-oracle.c, an
# independent libpcap reading of the same trace.
. "$(dirname "$0")/lib.sh"
STD_ORACLE=$BIN/std-oracle

# ivl_ns DURATION: 1s, 10ms, 250ms -> ns (the oracle takes ns)
ivl_ns() {
	case $1 in
	*ms) echo $((${1%ms} * 1000000)) ;;
	*s) echo $((${1%s} * 1000000000)) ;;
	esac
}

# mod_run TRACE DIR MODULE ARGS: como run, the JSON summary in $TMP/sum.json,
# on $MOD_CPUS CPUs if set (a bound is per CPU: a test that drives a module
# past it says on how many).
# A run whose module's state was full fails, saying so (what was not
# counted is marked where it is read): past a bound that is the outcome
# sought, and $TMP/overflowed says it happened.
mod_run() {
	local rc

	rm -rf "$2" "$TMP/overflowed"
	"$COMO" run -q -j --trace "$1" -d "$2" ${MOD_CPUS:+--cpus $MOD_CPUS} \
		-m "$3:$4" > "$TMP/sum.json" 2> "$TMP/err"
	rc=$?
	[ $rc -eq 0 ] && return 0
	[ $rc -eq 1 ] && grep -q "(its state was full)" "$TMP/err" &&
		! grep -v "packets not counted" "$TMP/err" |
		grep -qi "error\|stopped\|could not\|cannot" || return $rc
	touch "$TMP/overflowed"
}

# mod_errors: the module's update errors in the last run's summary
mod_errors() {
	perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
		print $j->{modules}[0]{errors}' < "$TMP/sum.json"
}

# check_oracle MODULE TRACE INTERVAL "ARGS" "ORACLE OPTIONS": the module's
# csv equals the oracle's, interval by interval. Past a bound (the
# oracle's -E) the records of the intervals that overflowed end with the
# packets not counted (packets_uncounted): over the intervals, the
# oracle's errors; the columns before it equal the oracle's.
check_oracle() {
	local m=$1 f=$2 ivl=$3 args=$4 oopts=$5 d="$TMP/data" unc=0 want=0
	local name="$(basename "$f") $args interval=$ivl"

	if ! mod_run "$f" "$d" "$m" "${args:+$args,}interval=$ivl"; then
		ok 1 "$name: como run"; sed 's/^/# /' "$TMP/err"
		return
	fi
	"$COMO" query -d "$d" -m "$m" -f csv > "$TMP/como.csv"
	# shellcheck disable=SC2086
	"$STD_ORACLE" -m "$m" -i "$(ivl_ns "$ivl")" $oopts "$f" > "$TMP/oracle.csv" 2> "$TMP/oracle.err"
	want=$(sed -n 's/^errors //p' "$TMP/oracle.err")
	if head -n 1 "$TMP/como.csv" | grep -q ',packets_uncounted$'; then
		unc=$(awk -F, 'NR > 1 && !($1 in t) { t[$1] = 1; n += $NF } END { print n + 0 }' \
			"$TMP/como.csv")
		sed -i 's/,[^,]*$//' "$TMP/como.csv"
	fi
	same "$TMP/como.csv" "$TMP/oracle.csv" && [ "$unc" = "${want:-0}" ]
	ok $? "$name: $m equals the libpcap oracle ($(($(wc -l < "$TMP/oracle.csv") - 1)) rows, $(mod_errors) errors, $unc marked not counted)"
}

# check_formats MODULE DIR: plain, json and gnuplot print every record, and
# gnuplot runs the script
check_formats() {
	local n fmt bad=0

	n=$(($("$COMO" query -d "$2" -m "$1" -f csv | wc -l) - 1))
	for fmt in plain json gnuplot; do
		"$COMO" query -d "$2" -m "$1" -f $fmt > "$TMP/out.$fmt" || bad=1
	done
	perl -MJSON::PP -e 'local $/; my $t = <STDIN>; my $n = 0;
		for (split /\n/, $t) { $n++ if /^\s*\{/ }
		exit(($n == $ARGV[0] || scalar(@{decode_json($t)}) == $ARGV[0]) ? 0 : 1)' \
		"$n" < "$TMP/out.json" 2> /dev/null || bad=1
	[ "$n" -gt 0 ] && [ -s "$TMP/out.plain" ] && [ -s "$TMP/out.gnuplot" ] || bad=1
	gnuplot -e 'set terminal dumb' "$TMP/out.gnuplot" > /dev/null 2>&1 || bad=1
	ok $bad "$1: plain, json and gnuplot output of $n records"
}
