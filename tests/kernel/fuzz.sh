#!/bin/bash
# como.ko against malformed and random requests (tests/kernel/nlfuzz.c):
# every one answered with an errno, no write that needs state or carries a
# defect a strict policy refuses taken, as root and as nobody; the kernel
# log clean; the module unloads after it. NLFUZZ_SEED repeats a run.
. "$(dirname "$0")/lib.sh"
need_guest

N=${NLFUZZ_N:-10000}
seed=${NLFUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

como_load
ok $? "insmod $KO"
family_resolves
ok $? "the family como resolves"

# fuzz WHO: nlfuzz's TAP lines, numbered as ours
fuzz() {
	local who=$1 rc verdicts=0 line

	as "$who" "$NLFUZZ" -n "$N" -s "$seed" > "$TMP/fuzz" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok 0 "$who: ${line#ok - }"; verdicts=$((verdicts + 1)) ;;
		"not ok - "*) ok 1 "$who: ${line#not ok - }"; verdicts=$((verdicts + 1)) ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done < "$TMP/fuzz"
	ok "$([ $verdicts -eq 3 ]; echo $?)" \
		"$who: nlfuzz -n $N -s $seed ran to its end (exit $rc)"
}
fuzz root
fuzz nobody

[ "$(probe root get-status)" = 0 ]
ok $? "GET_STATUS still answers after the fuzzing"
ok_kmsg "after $((2 * N)) requests"
rmmod como
ok $? "rmmod como"
! family_resolves
ok $? "the family is gone with the module"
ok_kmsg "after rmmod"
done_testing
