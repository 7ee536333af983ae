# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034 # what the scripts that source it use
# What the guest scripts in tests/kernel/ share. They run as root inside
# tools/vmtest's guest (tests/kmod.t boots it once for all of them), each on
# its own: it loads como.ko, checks, unloads it, and says so in TAP.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# tests/lib.sh finds the tree from $0, one folder up; ours are two deep
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$TOP/.output/bin
COMO=$BIN/como
ORACLE=$BIN/como-oracle
GENTRACE=$BIN/gentrace
TRACES=${COMO_TRACES:-$TOP/../shared/traces}
NLFUZZ=$BIN/nlfuzz
# the module 'make kmod' built: its copy in .output, else the Kbuild one
KO=${KO:-}
if [ -z "$KO" ]; then
	KO=$TOP/.output/kernel/como.ko
	[ -f "$KO" ] || KO=$TOP/kernel/como.ko
fi

# what the kernel log must never say (lines after this script's mark)
BAD_KMSG='\bBUG\b|\bWARNING\b|Oops|general protection|KASAN|refcount_t|UBSAN|leak'

need_guest() {
	[ "${VMTEST:-}" = 1 ] ||
		skip_all "runs as root in tools/vmtest's guest (tests/kmod.t)"
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
	[ -f "$KO" ] || skip_all "no como.ko (make kmod)"
	[ -x "$NLFUZZ" ] || skip_all "no $NLFUZZ (make)"
	MARK="como-test: $(basename "$0") $$ $RANDOM"
	echo "$MARK" > /dev/kmsg
}

# the kernel's lines since need_guest(), those it must never say on stdout
kmsg_bad() {
	dmesg | sed -n "\\|$MARK\$|,\$p" | grep -E "$BAD_KMSG"
}

# ok_kmsg WHAT: no bad line in the kernel log since the mark
ok_kmsg() {
	kmsg_bad > "$TMP/bad"
	ok "$([ ! -s "$TMP/bad" ]; echo $?)" "$1: the kernel log has no BUG, WARNING, Oops, KASAN, refcount_t or leak line"
	head -n 20 "$TMP/bad" | sed 's/^/#   /'
}

como_loaded() { grep -q '^como ' /proc/modules; }

# insmod, after unloading what an earlier script may have left
como_load() {
	if como_loaded; then
		diag "como.ko was loaded already: unloading it first"
		rmmod como
	fi
	insmod "$KO"
}

family_resolves() { "$NLFUZZ" -p family > /dev/null 2>&1; }

# who a request comes from: root; nobody, with no capability at all; root
# without CAP_NET_ADMIN alone (a check on the capability, not on the uid)
AS_root=()
AS_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups
	--inh-caps=-all --ambient-caps=-all --bounding-set=-all --)
AS_noadmin=(setpriv --inh-caps=-net_admin --ambient-caps=-net_admin
	--bounding-set=-net_admin --)

# as WHO COMMAND...: run it as WHO
as() {
	local -n _wrap=AS_$1

	shift
	"${_wrap[@]}" "$@"
}

# probe WHO NAME [ARGS]: the error a request of WHO gets, 0 when it
# succeeded, "none" when nlfuzz got no answer; the reply is in $TMP/probe
probe() {
	local who=$1

	shift
	as "$who" "$NLFUZZ" -p "$@" > "$TMP/probe" 2>&1 || { echo none; return; }
	sed -n 's/^error=//p' "$TMP/probe"
}

# a value from the last probe's reply: probe_value KEY
probe_value() { sed -n "s/^$1=//p" "$TMP/probe" | head -n 1; }

# nlfuzz_tap WHO ARGS...: nlfuzz as WHO, its TAP lines numbered as ours
nlfuzz_tap() {
	local who=$1 rc verdicts=0 line

	shift
	as "$who" "$NLFUZZ" "$@" > "$TMP/fuzz" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*)
			ok 0 "$who: ${line#ok - }"
			verdicts=$((verdicts + 1))
			;;
		"not ok - "*)
			ok 1 "$who: ${line#not ok - }"
			verdicts=$((verdicts + 1))
			;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done < "$TMP/fuzz"
	ok "$([ $verdicts -eq 3 ]; echo $?)" \
		"$who: nlfuzz $* ran to its end (exit $rc)"
}
