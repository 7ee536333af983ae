#!/bin/bash
# run.sh TOP SCRIPT...: the guest side of tests/kmod.t. Runs each script of
# tests/kernel/ in turn, its output (stderr too) between two marker lines
# that tests/kmod.t reads on the host: "kmod-begin NAME" and
# "kmod-end NAME STATUS". A script the guest never reached has no block.
top=$1
shift
cd "$top" || exit 1
for name in "$@"; do
	echo "kmod-begin $name"
	bash "$top/tests/kernel/$name" 2>&1
	echo "kmod-end $name $?"
done
