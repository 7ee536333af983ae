#!/bin/bash
# Modules are code run as root: one is loaded only from a directory of the
# module path, only if root (or comod's user) owns it and every directory
# above it and no one else can write them, and only the very file that was
# checked. Anything else is refused with one line, before dlopen(): the
# test module ctor, whose constructor creates $COMO_CTOR_MARKER, never
# runs. A second user made here owns the hostile copies.
. "$(dirname "$0")/lib.sh"
need_root
command -v useradd > /dev/null || skip_all "useradd is not installed"

CTOR=$TOP/.output/test-modules/ctor.so
[ -f "$CTOR" ] || skip_all "$CTOR is not built (make)"
TRACE=$TMP/t.pcap
"$GENTRACE" -n 200 -d 1 -s 7 -o "$TRACE"
export COMO_CTOR_MARKER=$TMP/ctor-ran

veth_pair como-sec
# Outside /tmp: a directory above that others can write (/tmp's sticky
# bit or not) is refused on its own, and these cases are about the rest.
BASE=$(mktemp -d /run/como-sec.XXXXXX) || skip_all "cannot make a directory in /run"
chmod 755 "$BASE"
U=como-sec-$$
trap 'ip netns del "$NS" 2> /dev/null; userdel "$U" 2> /dev/null
	rm -rf "$BASE" "$TMP"' EXIT
useradd -M -d /nonexistent -s /usr/sbin/nologin "$U" || skip_all "useradd failed"
uid=$(id -u "$U")

# theirs: the second user's directory, holding their copy of the module
mkdir "$BASE/theirs" "$BASE/mods" "$BASE/open" "$BASE/sticky" "$BASE/race"
cp "$CTOR" "$BASE/theirs/x.so"
chown -R "$U" "$BASE/theirs"
# root's module directory, with a file of theirs and a group-writable one
cp "$CTOR" "$BASE/mods/theirs.so"
chown "$U" "$BASE/mods/theirs.so"
cp "$CTOR" "$BASE/mods/gw.so"
chmod 664 "$BASE/mods/gw.so"
ln -s "$BASE/theirs/x.so" "$BASE/mods/link.so"
# directories anyone can write, sticky or not
cp "$CTOR" "$BASE/open/x.so"
chmod 777 "$BASE/open"
cp "$CTOR" "$BASE/sticky/x.so"
chmod 1777 "$BASE/sticky"
MODPATH=$BASE/mods:$BASE/theirs:$BASE/open:$BASE/sticky

ran() { [ -e "$COMO_CTOR_MARKER" ]; }

# refused WHAT REASON CMD...: exit 1, one line that says REASON, and the
# constructor did not run
refused() {
	local what=$1 reason=$2 rc

	shift 2
	"$@" > /dev/null 2> "$TMP/err"
	rc=$?
	ok $([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
		grep -q -- "$reason" "$TMP/err" && ! ran; echo $?) \
		"$what is refused (exit $rc), constructor not run: $(head -n 1 "$TMP/err")"
}

run_trace() {
	rm -rf "$TMP/d"
	COMO_MODULE_PATH=$MODPATH "$COMO" run -q --trace "$TRACE" -d "$TMP/d" -m "$1"
}

# the marker works: ctor from the build tree loads and its constructor runs
run_trace "$CTOR" > /dev/null 2> "$TMP/err"
ok $([ $? -eq 0 ] && ran; echo $?) "the build tree's ctor.so loads and its constructor runs"
rm -f "$COMO_CTOR_MARKER"

refused "a path outside the module path" "not in a module directory" \
	"$COMO" run -q --trace "$TRACE" -d "$TMP/d" -m "$BASE/theirs/x.so"
refused "another user's directory on the module path" \
	"$BASE/theirs is owned by uid $uid, not root" run_trace "$BASE/theirs/x.so"
refused "their module by name" "$BASE/theirs is owned by uid $uid, not root" \
	env COMO_MODULE_PATH="$BASE/theirs" "$COMO" run -q --trace "$TRACE" \
	-d "$TMP/d" -m x
refused "another user's file in root's directory" \
	"theirs.so: owned by uid $uid, not root" run_trace "$BASE/mods/theirs.so"
refused "a group-writable file" "gw.so: writable by its group" \
	run_trace "$BASE/mods/gw.so"
refused "a symlink to another user's file" "$BASE/theirs is owned by uid" \
	run_trace "$BASE/mods/link.so"
refused "a file in a directory others can write" "$BASE/open is writable by others" \
	run_trace "$BASE/open/x.so"
refused "a file in a sticky directory others can write" \
	"$BASE/sticky is writable by others" run_trace "$BASE/sticky/x.so"

# A name swapped between a module root owns and a symlink to theirs while
# it is loaded, 300 times ('module avail' opens every module on the path):
# each load gets the file it checked, never theirs.
cp "$TOP/.output/modules/counter.so" "$BASE/race/good"
perl -e 'my ($d, $evil) = @ARGV;
	while (1) {
		link "$d/good", "$d/g.tmp"; rename "$d/g.tmp", "$d/race.so";
		symlink $evil, "$d/e.tmp"; rename "$d/e.tmp", "$d/race.so";
	}' "$BASE/race" "$BASE/theirs/x.so" &
swapper=$!
loaded=0
refusals=0
for _ in $(seq 300); do
	COMO_MODULE_PATH=$BASE/race "$COMO" module avail > "$TMP/avail" 2> "$TMP/err"
	grep -q "^counter " "$TMP/avail" && loaded=$((loaded + 1))
	[ -s "$TMP/err" ] && refusals=$((refusals + 1))
done
kill $swapper
wait $swapper 2> /dev/null
ok $(! ran; echo $?) \
	"a symlink swapped in is never loaded ($loaded loads of root's file, $refusals refused)"

# The same swap at the worst moments, made sure of by a preloaded hook:
# just after the name was resolved (the file opened is then a symlink),
# and just before dlopen() (which loads what was checked, not the name).
cat > "$TMP/swap.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* puts $SWAP_FROM in place of $SWAP_TO, at the call named by $SWAP_AT */
static void swap(const char *at)
{
	const char *want = getenv("SWAP_AT");

	if (want && !strcmp(want, at))
		rename(getenv("SWAP_FROM"), getenv("SWAP_TO"));
}

char *realpath(const char *path, char *resolved)
{
	char *(*next)(const char *, char *) = dlsym(RTLD_NEXT, "realpath");
	char *r = next(path, resolved);

	if (r && !strcmp(r, getenv("SWAP_TO")))
		swap("realpath");
	return r;
}

void *dlopen(const char *file, int mode)
{
	void *(*next)(const char *, int) = dlsym(RTLD_NEXT, "dlopen");

	if (file && (!strcmp(file, getenv("SWAP_TO")) ||
		     !strncmp(file, "/proc/self/fd/", 14)))
		swap("dlopen");
	return next(file, mode);
}
EOF
# swap_run AT: como run of race.so (root's file), swapped at AT
swap_run() {
	rm -f "$BASE/race/race.so"
	cp "$TOP/.output/modules/counter.so" "$BASE/race/race.so"
	ln -sf "$BASE/theirs/x.so" "$BASE/race/evil.tmp"
	rm -rf "$TMP/d"
	SWAP_AT=$1 SWAP_FROM=$BASE/race/evil.tmp SWAP_TO=$BASE/race/race.so \
		LD_PRELOAD=$TMP/swap.so COMO_MODULE_PATH=$BASE/race \
		"$COMO" run -q --trace "$TRACE" -d "$TMP/d" -m "$BASE/race/race.so"
}
if ${CC:-cc} -shared -fPIC -o "$TMP/swap.so" "$TMP/swap.c" -ldl 2> "$TMP/cc.err"; then
	refused "a symlink swapped in after the name was resolved" \
		"race.so: a symbolic link now" swap_run realpath
	swap_run dlopen > /dev/null 2> "$TMP/err"
	ok $([ $? -eq 0 ] && [ -L "$BASE/race/race.so" ] && ! ran; echo $?) \
		"a symlink swapped in just before dlopen(): the file checked is what runs"
else
	skip "a symlink swapped in after the name was resolved" "cannot build the hook"
	skip "a symlink swapped in just before dlopen()" "cannot build the hook"
fi

# A build tree cloned under /tmp (CI): the sticky /tmp above the running
# binary's own tree is passed for modules of the binary's owner in that
# tree, and for nothing else.
CI=$TMP/clone/.output
mkdir -p "$CI/bin" "$CI/modules"
cp "$BIN/como" "$BIN/comod" "$CI/bin/"
cp "$TOP/.output/modules/counter.so" "$CI/modules/"
cp "$TOP/.output/modules/counter.so" "$TMP/elsewhere.so"
if [ "$(stat -c %a /tmp)" = 1777 ]; then
	rm -rf "$TMP/d"
	"$CI/bin/como" run -q --trace "$TRACE" -d "$TMP/d" -m counter 2> "$TMP/err"
	ok $? "a tree under /tmp runs its own modules"
	refused "a module under /tmp outside the binary's tree" \
		"/tmp is writable by others" \
		env COMO_MODULE_PATH="$TMP" "$CI/bin/como" run -q --trace "$TRACE" \
		-d "$TMP/d" -m "$TMP/elsewhere.so"
	chown "$U" "$CI/bin/comod"
	refused "a tree under /tmp whose binary another user owns" \
		"/tmp is writable by others (and the module's owner is not" \
		"$CI/bin/como" run -q --trace "$TRACE" -d "$TMP/d" -m counter
else
	for c in "a tree under /tmp" "a module under /tmp" "another user's binary"; do
		skip "$c" "/tmp is not mode 1777 here"
	done
fi

# a live monitor: 'como module load' of the same files changes nothing
cp "$CTOR" "$TMP/x.so"
export COMO_SOCKET=$TMP/comod.sock
COMO_MODULE_PATH=$MODPATH ip netns exec "$NS" "$BIN/comod" -q -i va \
	-d "$TMP/live" -s "$COMO_SOCKET" -m counter 2> "$TMP/comod.err" &
pid=$!
wait_socket "$COMO_SOCKET"
[ -S "$COMO_SOCKET" ] || { cat "$TMP/comod.err" | sed 's/^/# /'; skip_all "comod did not start"; }
modules() {
	"$COMO" module list -j | perl -MJSON::PP -e '
		print join(" ", map { $_->{name} } @{decode_json(join "", <STDIN>)}), "\n"'
}

refused "module load of another user's file" "$BASE/theirs is owned by uid $uid" \
	"$COMO" module load "$BASE/theirs/x.so"
refused "module load by name from their directory" "$BASE/theirs is owned by uid $uid" \
	"$COMO" module load x
refused "module load of a path outside the module path" "not in a module directory" \
	"$COMO" module load "$TMP/x.so"
refused "module load of their file in root's directory" "owned by uid $uid, not root" \
	"$COMO" module load "$BASE/mods/theirs.so"
refused "module load of a group-writable file" "writable by its group" \
	"$COMO" module load "$BASE/mods/gw.so"
refused "module load from a directory others can write" "writable by others" \
	"$COMO" module load "$BASE/open/x.so"
ok $([ "$(modules)" = counter ]; echo $?) "the refusals changed nothing: $(modules)"

"$COMO" module load "$CTOR" 2> "$TMP/err"
ok $([ $? -eq 0 ] && ran && [ "$(modules)" = "counter ctor" ]; echo $?) \
	"module load of the build tree's ctor.so runs it: $(modules)"
"$COMO" module unload ctor

kill -INT $pid
wait $pid
ok $? "comod stopped cleanly"
done_testing
