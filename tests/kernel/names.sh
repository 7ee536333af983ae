#!/bin/bash
# como.ko's registry holds instance names by the rule comod follows
# (include/como/name.h): REGISTER_MODULE with a name that is a path, empty,
# too long or full of escapes is refused with EINVAL and an extack that
# says what a name is, before anything else of the request is looked at.
. "$(dirname "$0")/lib.sh"
need_guest
como_load || skip_all "insmod como.ko failed"

# reg NAME: error=... and extack=... of a REGISTER_MODULE named NAME
reg() { "$NLFUZZ" -p register-module -N "$1" > "$TMP/out" 2>&1; }
long=$(printf 'n%.0s' $(seq 64))
for n in "../escaped" "." "" "a/b" "$(printf 'a\033[31m')" "$long" ".hidden" "-x" "trail "; do
	reg "$n"
	ok "$(grep -qx 'error=EINVAL' "$TMP/out" &&
		grep -q '^extack=not an instance name' "$TMP/out"; echo $?)" \
		"REGISTER_MODULE $(printf '%q' "${n:0:20}") refused: $(tail -n 1 "$TMP/out")"
done
# a good name goes on to the objects: fd 0 is no BPF program
for n in nlprobe "top destinations" "${long%n}"; do
	reg "$n"
	grep -q '^error=' "$TMP/out" && ! grep -q 'not an instance name' "$TMP/out"
	ok $? "REGISTER_MODULE '$n' passes the name check: $(tr '\n' ' ' < "$TMP/out")"
done
"$NLFUZZ" -p get-modules > "$TMP/out"
ok "$(grep -qx 'modules=0' "$TMP/out"; echo $?)" "nothing was registered"
rmmod como
ok $? "rmmod como"
ok_kmsg "names"
done_testing
