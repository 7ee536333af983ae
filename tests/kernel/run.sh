#!/bin/bash
# run.sh TOP SCRIPT...: the guest side of tests/kmod.t. Runs each script of
# tests/kernel/ in turn, its output (stderr too) between two marker lines
# that tests/kmod.t reads on the host: "kmod-begin NAME" and
# "kmod-end NAME STATUS". A script the guest never reached has no block.
# One that hangs is stopped after KMOD_SCRIPT_T seconds (status 124) with
# what the kernel says about it, and the next one runs.
top=$1
shift
cd "$top" || exit 1
limit=${KMOD_SCRIPT_T:-200}
for name in "$@"; do
	echo "kmod-begin $name"
	timeout -k 10 "$limit" bash "$top/tests/kernel/$name" 2>&1
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "# $name: stopped after ${limit}s; blocked tasks and the kernel's last lines:"
		for s in /proc/[0-9]*/stat; do
			read -r pid comm state _ < "$s" 2> /dev/null || continue
			[ "$state" = D ] || continue
			echo "# task $pid $comm (D):"
			sed 's/^/#   /' "/proc/$pid/stack" 2> /dev/null
		done
		dmesg | tail -n 30 | sed 's/^/#   /'
	fi
	echo "kmod-end $name $rc"
done
