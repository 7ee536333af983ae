#!/bin/bash
# A module's load() and print() run apart from the query that calls them
# (user/lib/query.c): a module whose print() or load() crashes, exits or
# loops costs its own query only. 'como query' exits 1 with one line that
# names the module, the callback and how it ended, and what was printed
# for the records before stays there; a module beside it answers as
# before, with the same figures as libpcap's reading of the trace.
. "$(dirname "$0")/lib.sh"
need_root

SO=$TOP/.output/test-modules/badprint.so
[ -f "$SO" ] || skip_all "$SO is not built (make)"
# a query runs a module's code only when it is installed on the module
# path, by name: the test modules are, for this test
export COMO_MODULE_PATH=$TOP/.output/test-modules

# q ARGS...: como query on this test's data; $rc, $TMP/out and $TMP/err
q() {
	"$COMO" query -d "$D" "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
}

# failed REGEX: exit 1 and one line on stderr that matches
failed() {
	[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
		grep -Eq "$1" "$TMP/err" && return 0
	diag "exit $rc: $(head -n 3 "$TMP/err")"
	return 1
}

# csv_before N: the output is the oracle's heading and its first N rows
csv_before() {
	head -n $(($1 + 1)) "$TMP/oracle.csv" > "$TMP/want"
	same "$TMP/want" "$TMP/out"
}

"$GENTRACE" -n 30000 -d 10 -s 17 -o "$TMP/t.pcap"
# badprint's records are counter's; each instance fails in its own way
cat > "$TMP/iso.conf" <<EOF
module "counter"
  args "interval=1s"
end
module "badprint"
  source "$SO"
  args "interval=1s"
end
module "badload"
  source "$SO"
  args "interval=1s" "inload=1"
end
module "badexit"
  source "$SO"
  args "interval=1s" "exit=1"
end
module "badfirst"
  source "$SO"
  args "interval=1s" "at=1"
end
module "badloop"
  source "$SO"
  args "interval=1s" "loop=1"
end
EOF
D=$TMP/d
"$COMO" run -q -c "$TMP/iso.conf" --trace "$TMP/t.pcap" -d "$D" 2> "$TMP/err"
ok $? "a run stores counter and five badprint instances beside it"
"$ORACLE" -m counter -i 1 "$TMP/t.pcap" > "$TMP/oracle.csv"

q -m counter -f csv
same "$TMP/oracle.csv" "$TMP/out" && [ $rc -eq 0 ] && [ ! -s "$TMP/err" ]
ok $? "counter answers, equal to the libpcap oracle ($(($(wc -l < "$TMP/oracle.csv") - 1)) intervals)"
"$ORACLE" -m totals "$TMP/t.pcap" | tail -n 1 > "$TMP/want"
stored_totals "$D" counter > "$TMP/got"
same "$TMP/want" "$TMP/got"
ok $? "counter counted every packet once: $(cat "$TMP/want")"

q -m badprint -f csv
failed "^como: module badprint: print\(\) crashed \(SIGSEGV\) after 2 records; results are incomplete$"
ok $? "print() that segfaults on its 3rd record: exit 1, one line: $(cat "$TMP/err")"
csv_before 2
ok $? "the 2 records before the crash are printed, equal to the oracle's"

q -m badprint -f json
failed "module badprint: print\(\) crashed \(SIGSEGV\) after 2 records" &&
	[ "$(grep -c '^{"ts":' "$TMP/out")" -eq 2 ] &&
	! perl -MJSON::PP -e 'decode_json(join "", <STDIN>)' < "$TMP/out" 2> /dev/null
ok $? "in JSON: the 2 records, and no closing bracket: the document is cut, not passed off as whole"

q -m badprint
failed "print\(\) crashed \(SIGSEGV\)" && [ "$(wc -l < "$TMP/out")" -eq 3 ]
ok $? "in plain text: the heading and the 2 records"

q -m badload -f csv
failed "^como: module badload: load\(\) crashed \(SIGSEGV\) after 2 records; results are incomplete$" &&
	csv_before 2
ok $? "load() that segfaults: named, with the 2 records before: $(cat "$TMP/err")"

q -m badexit -f csv
failed "^como: module badexit: print\(\) exited \(status 3\) after 2 records; results are incomplete$" &&
	csv_before 2
ok $? "print() that calls exit(): named, with the 2 records before: $(cat "$TMP/err")"

q -m badfirst -f csv
failed "print\(\) crashed \(SIGSEGV\) after 0 records" && csv_before 0
ok $? "a crash on the first record leaves the heading only"

# the limit is 10 s for one call into the module; allow for a slow machine
t0=$(date +%s)
q -m badloop -f csv
t=$(($(date +%s) - t0))
failed "^como: module badloop: print\(\) ran over 10 s and was killed, after 2 records; results are incomplete$" &&
	csv_before 2 && [ $t -ge 10 ] && [ $t -le 20 ]
ok $? "print() that never returns is killed after ${t}s, with the 2 records before: $(cat "$TMP/err")"

# a window that ends before the bad record never reaches it
q -m badprint -t 1700000000:1700000001 -f csv
[ $rc -eq 0 ] && [ ! -s "$TMP/err" ] && csv_before 2
ok $? "badprint over a window of 2 records answers normally"

q -m counter -f csv
same "$TMP/oracle.csv" "$TMP/out" && [ $rc -eq 0 ] && [ ! -s "$TMP/err" ]
ok $? "counter still answers, unchanged"

# queries never load code that is not installed: without the module path
# badprint's stream is read by the schema in its meta.json, nothing runs
COMO_MODULE_PATH=/nonexistent q -m badprint -f csv
same "$TMP/oracle.csv" "$TMP/out" && [ $rc -eq 0 ] && [ ! -s "$TMP/err" ]
ok $? "badprint not installed: its records are read by their schema, all of them, as the oracle's"

# nor the path a meta.json names, whoever wrote it
CTOR=$TOP/.output/test-modules/ctor.so
if [ -f "$CTOR" ]; then
	export COMO_CTOR_MARKER=$TMP/ctor-ran
	perl -MJSON::PP -0777 -i -pe '
		my $j = decode_json($_);
		$j->{path} = $ENV{CTOR};
		$j->{module} = "no-such-module";
		$_ = encode_json($j);' "$D/badprint/meta.json"
	CTOR=$CTOR q -m badprint -f csv
	[ $rc -eq 0 ] && [ ! -e "$COMO_CTOR_MARKER" ] && same "$TMP/oracle.csv" "$TMP/out"
	ok $? "a meta.json naming another .so: it is never opened, the records read by their schema"
	# the control: that .so's constructor does leave its marker when loaded
	"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/ctl" -m "$CTOR" > /dev/null 2>&1
	[ -e "$COMO_CTOR_MARKER" ]
	ok $? "(control: loading ctor.so on purpose runs its constructor)"
else
	skip "a meta.json naming another .so" "ctor.so is not built"
fi
done_testing
