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

nlfuzz_tap root -n "$N" -s "$seed"
nlfuzz_tap nobody -n "$N" -s "$seed"

[ "$(probe root get-status)" = 0 ]
ok $? "GET_STATUS still answers after the fuzzing"
ok_kmsg "after $((2 * N)) requests"
rmmod como
ok $? "rmmod como"
! family_resolves
ok $? "the family is gone with the module"
ok_kmsg "after rmmod"
done_testing
