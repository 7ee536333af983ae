#!/bin/bash
# como.ko in a Debian 6.1 guest (tools/vmtest): one boot runs every script
# of tests/kernel/ (fuzz.sh, caps.sh, insmod.sh...) as root. Their TAP is
# judged here, on the host: each script's lines come back renumbered into
# this one stream, and a script that never ran, died before its plan or
# lost checks counts as a failure.
. "$(dirname "$0")/lib.sh"

VMTEST=$TOP/tools/vmtest/vmtest
GUEST_T=500	# seconds the guest may take before it counts as hung
KO=$TOP/.output/kernel/como.ko

ls -d /usr/src/linux-headers-*-amd64 > /dev/null 2>&1 ||
	skip_all "no kernel headers to build como.ko (apt-get install linux-headers-amd64)"
# build como.ko when it is missing or older than its sources
stale=$(find "$TOP/kernel" "$TOP/include" "$TOP/Kbuild" -newer "$KO" \
	\( -name '*.[ch]' -o -name Kbuild \) 2> /dev/null | head -n 1)
if [ ! -f "$KO" ] || [ -n "$stale" ]; then
	make -C "$TOP" --no-print-directory kmod > "$TMP/kmod.log" 2>&1
	rc=$?
	ok $rc "make kmod builds como.ko"
	if [ $rc -ne 0 ]; then
		tail -n 20 "$TMP/kmod.log" | sed 's/^/# /'
		done_testing
		exit
	fi
	# make kmod builds with W=1
	grep -E 'warning:' "$TMP/kmod.log" | head -n 10 | sed 's/^/# /'
	ok "$(grep -c 'warning:' "$TMP/kmod.log")" "and without a warning at W=1"
fi
[ -x "$BIN/nlfuzz" ] || skip_all "no $BIN/nlfuzz (make)"

names=
for f in "$TOP"/tests/kernel/*.sh; do
	case ${f##*/} in run.sh | lib.sh) ;; *) names="$names ${f##*/}" ;; esac
done
cd "$TOP" || exit 1
# shellcheck disable=SC2086 # a list of names
"$VMTEST" -t $GUEST_T -- bash tests/kernel/run.sh "$TOP" $names \
	> "$TMP/out" 2> "$TMP/err"
rc=$?
[ $rc -eq 4 ] && skip_all "$(tail -n 1 "$TMP/err")"

# judge NAME: its block of the guest's output, as lines of this stream
judge() {
	local name=$1 line n=0 failed=0 plan='' status='' desc

	if ! grep -qx "kmod-begin $name" "$TMP/out"; then
		ok 1 "$name ran in the guest"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"kmod-begin $name" | "kmod-end $name "*) ;;
		"ok "*)
			n=$((n + 1))
			desc=$(sed -E 's/^ok [0-9]+( -)? ?//' <<< "$line")
			ok 0 "$name: $desc"
			;;
		"not ok "*)
			n=$((n + 1))
			failed=$((failed + 1))
			desc=$(sed -E 's/^not ok [0-9]+( -)? ?//' <<< "$line")
			ok 1 "$name: $desc"
			;;
		"1..0 # SKIP"*) plan=0; skip "$name" "${line#1..0 # SKIP }" ;;
		1..*) plan=${line#1..} ;;
		"#"*) echo "$line" ;;
		*) echo "# $name: $line" ;;
		esac
	done < <(sed -n "/^kmod-begin $name\$/,/^kmod-end $name /p" "$TMP/out")
	status=$(sed -n "s/^kmod-end $name //p" "$TMP/out")
	# it ran to its plan, and exit 1 came only with failed checks
	[ -n "$plan" ] && [ "$plan" = "$n" ] &&
		{ [ "$status" = 0 ] || { [ "$status" = 1 ] && [ $failed -gt 0 ]; }; }
	ok $? "$name ran to its end: plan ${plan:-missing}, $n checks, exit ${status:-none}"
}

for name in $names; do
	judge "$name"
done
ok $rc "the guest ran every script and exited 0 (exit $rc)"
if [ $rc -ne 0 ]; then
	tail -n 60 "$TMP/err" | sed 's/^/# /'
fi
done_testing
