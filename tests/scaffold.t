#!/bin/bash
# como module new: the folder it writes builds, loads with como run
# --trace and passes its own test unchanged, outside the tree against the
# installed headers (make install into a prefix of this test's own, found
# with pkg-config) and inside it (modules/NAME, built by the top
# Makefile); make install honours DESTDIR and make uninstall removes what
# it wrote; unknown commands and bad names are named; a module the
# verifier refuses is refused with the source line, found here with grep.
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark > /dev/null && command -v text2pcap > /dev/null ||
	skip_all "needs tshark and text2pcap"

# comod loads modules only from directories no one else can write: not
# under /tmp (sticky, world-writable), so a directory of our own in /run
W=$(mktemp -d /run/como-scaffold.XXXXXX) || skip_all "cannot make a directory in /run"
chmod 0755 "$W"
INTREE=scaffold_$$
trap 'rm -rf "$TMP" "$W" "$TOP/modules/$INTREE" "$TOP/.output/modules/$INTREE.so" \
	"$TOP/.output/bpf/$INTREE.bpf.o" "$TOP/.output/skel/$INTREE.skel.h"' EXIT

# expect_error NAME CODE REGEX CMD...: exit CODE, one stderr line matching
expect_error() {
	local name=$1 code=$2 re=$3 rc lines
	shift 3
	"$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	lines=$(wc -l < "$TMP/err")
	if [ $rc -eq "$code" ] && [ "$lines" -eq 1 ] && grep -Eq "$re" "$TMP/err"; then
		ok 0 "$name: $(cat "$TMP/err")"
	else
		ok 1 "$name: exit $rc, $lines lines on stderr"
		sed 's/^/# /' "$TMP/err"
	fi
}

# TAP of a generated test: all its tests ran and passed
tap_passes() {	# tap_passes LOG RC
	local plan
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$1")
	[ "$2" -eq 0 ] && [ -n "$plan" ] && ! grep -q '^not ok' "$1" &&
		[ "$(grep -c '^ok ' "$1")" -eq "$plan" ]
}

expect_error "an unknown module command is named" 2 "unknown command 'frob'" \
	"$COMO" module frob
"$COMO" module new > /dev/null 2> "$TMP/err"
ok $([ $? -eq 2 ] && head -n 1 "$TMP/err" | grep -q '^usage: ' &&
	grep -q 'como module new NAME \[DIR\]' "$TMP/err"; echo $?) "'new' without a name: the usage, which has new, exit 2"
expect_error "a name outside the name rule" 1 "name '.x' starts with '.'" \
	"$COMO" module new .x "$TMP/x"
expect_error "a name that is no C identifier" 1 "name 'a-b': '-' at 2 cannot be in a C identifier" \
	"$COMO" module new a-b "$TMP/x"
mkdir "$TMP/full" && echo keep > "$TMP/full/README.md"
expect_error "an existing file is not overwritten" 1 "README.md exists; nothing written" \
	"$COMO" module new full "$TMP/full"
ok $([ "$(cat "$TMP/full/README.md")" = keep ] && [ ! -e "$TMP/full/full.c" ]; echo $?) \
	"and nothing of it is written"

# make install, DESTDIR honoured: everything under it, prefix /usr/local
D=$TMP/dest
make -s -C "$TOP" install DESTDIR="$D" > "$TMP/install.log" 2>&1
rc=$?
missing=
for f in bin/como bin/comod bin/comoctl lib/como/modules/counter.so \
	include/como/module.h include/como/pkt.h include/como/module.bpf.h \
	include/como/como.bpf.h include/como/vmlinux/vmlinux.h \
	lib/pkgconfig/como.pc share/como/module.mk share/man/man1/como.1; do
	[ -f "$D/usr/local/$f" ] || missing="$missing $f"
done
ok $([ $rc -eq 0 ] && [ -z "$missing" ]; echo $?) \
	"make install DESTDIR=... puts programs, modules, headers, como.pc, module.mk under DESTDIR/usr/local${missing:+ (missing:$missing)}"
grep -qx 'prefix=/usr/local' "$D/usr/local/lib/pkgconfig/como.pc"
ok $? "como.pc names the prefix, not DESTDIR"
make -s -C "$TOP" uninstall DESTDIR="$D" > /dev/null 2>&1
left=$(find "$D" -type f | wc -l)
ok $([ "$left" -eq 0 ]; echo $?) "make uninstall removes every file it installed ($left left)"

# outside the tree: install into a prefix, write, build, test
P=$W/usr
make -s -C "$TOP" install PREFIX="$P" > "$TMP/install.log" 2>&1
ok $? "make install PREFIX=$P"
export PKG_CONFIG_PATH=$P/lib/pkgconfig
pkg-config --exists como
ok $? "pkg-config finds the installed como.pc"
(cd "$W" && "$P/bin/como" module new oot > "$TMP/new.out" 2> "$TMP/new.err")
ok $([ $? -eq 0 ] && [ -f "$W/oot/oot.bpf.c" ] && [ -f "$W/oot/oot.h" ] &&
	[ -f "$W/oot/oot.c" ] && [ -f "$W/oot/Makefile" ] && [ -x "$W/oot/test.t" ] &&
	[ -f "$W/oot/README.md" ] && [ ! -s "$TMP/new.err" ]; echo $?) \
	"como module new oot writes its folder: $(ls "$W/oot" | tr '\n' ' ')"
make -C "$W/oot" > "$TMP/build.log" 2>&1
rc=$?
ok $([ $rc -eq 0 ] && [ -f "$W/oot/oot.so" ]; echo $?) "it builds outside the tree"
! grep -q "$TOP" "$TMP/build.log"
ok $? "against the installed headers only (the build names nothing of the tree)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/build.log"

COMO="$P/bin/como" "$W/oot/test.t" > "$TMP/gen.tap" 2>&1
rc=$?
tap_passes "$TMP/gen.tap" $rc
ok $? "its generated test passes unchanged: $(grep '^ok 4' "$TMP/gen.tap" | cut -c8-)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/gen.tap"

"$GENTRACE" -n 20000 -d 10 -s 7 -o "$TMP/gen.pcap"
COMO="$P/bin/como" "$W/oot/test.t" "$TMP/gen.pcap" > "$TMP/gen2.tap" 2>&1
rc=$?
tap_passes "$TMP/gen2.tap" $rc
ok $? "and on a generated trace (VLAN, IPv6, fragments, ARP): $(grep '^ok 4' "$TMP/gen2.tap" | cut -c8-)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/gen2.tap"

# installed, it is found by name, and its totals still equal the oracle's
make -s -C "$W/oot" install > /dev/null 2>&1
"$P/bin/como" module avail > "$TMP/avail" 2>&1
grep -q '^oot ' "$TMP/avail"
ok $? "make install in its folder: como module avail lists it"
"$P/bin/como" run -q --trace "$TMP/gen.pcap" -d "$TMP/byname" -m oot 2> "$TMP/run.err"
"$P/bin/como" query -d "$TMP/byname" -m oot -f csv |
	awk -F, 'NR > 1 { p += $4; b += $5 } END { printf "%d,%d\n", p, b }' > "$TMP/got"
"$ORACLE" -m totals "$TMP/gen.pcap" | tail -n 1 > "$TMP/want"
same "$TMP/want" "$TMP/got"
ok $? "como run -m oot, by name: totals equal libpcap's ($(cat "$TMP/want"))"

# inside the tree: modules/NAME, built by the top Makefile's rule
unset PKG_CONFIG_PATH
"$COMO" module new "$INTREE" "$TOP/modules/$INTREE" > /dev/null 2> "$TMP/new.err"
ok $? "como module new $INTREE modules/$INTREE"
"$TOP/modules/$INTREE/test.t" > "$TMP/tree.tap" 2>&1
rc=$?
tap_passes "$TMP/tree.tap" $rc
ok $? "in the tree it builds (.output/modules/$INTREE.so) and its test passes unchanged: $(grep '^ok 4' "$TMP/tree.tap" | cut -c8-)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/tree.tap"
"$COMO" module avail | grep -q "^$INTREE "
ok $? "the tree's como module avail lists it"

# a verifier refusal names the source line; the line is found here by grep
for m in unchecked:'v->pkts += pkt->count;' unbounded:'v\[pkt->len\] += 1;'; do
	name=${m%%:*}
	pat=${m#*:}
	line=$(grep -n "$pat" "$TOP/tests/modules/$name/$name.bpf.c" | cut -d: -f1)
	expect_error "$name: the refusal names $name.bpf.c:$line and -vv" 1 \
		"$name: the kernel verifier refused its capture side: .*, at $name\\.bpf\\.c:$line \`.*\` \\(insn [0-9]+: .*\\); -vv .* prints the whole verifier log" \
		"$COMO" run -q --trace "$TMP/gen.pcap" -d "$TMP/v" -m "$TOP/.output/test-modules/$name.so"
done
"$COMO" run -vv --trace "$TMP/gen.pcap" -d "$TMP/v" -m "$TOP/.output/test-modules/unchecked.so" \
	> /dev/null 2> "$TMP/vv"
line=$(grep -n 'v->pkts += pkt->count;' "$TOP/tests/modules/unchecked/unchecked.bpf.c" | cut -d: -f1)
grep -q "^; v->pkts += pkt->count;.* @ unchecked.bpf.c:$line\$" "$TMP/vv" && grep -q '^processed [0-9]* insns' "$TMP/vv"
ok $? "-vv prints the whole verifier log, its source lines included"

done_testing
