#!/bin/bash
# The VM harness (tools/vmtest) that como.ko's tests stand on: the guest
# runs Debian's kernel, sees the host's tree, loads modules, has bpffs,
# keeps boot noise out of the command's output and hands back its exit
# status. Three boots of a few seconds each.
. "$(dirname "$0")/lib.sh"

VMTEST=$TOP/tools/vmtest/vmtest
BOOTS_T=120	# seconds a boot may take before it counts as hung

# Run inside the guest: one "vmtest-check KEY STATUS" line per check,
# judged on the host, so a check the guest never reached is a failure.
read -r -d '' guest <<'EOF'
top=$1 host_kernel=$2 self_sum=$3 cwd=$4
check() {
	key=$1
	shift
	"$@" >/dev/null 2>&1
	echo "vmtest-check $key $?"
}
read -r up _ </proc/uptime
echo "vmtest-uptime $up"
kver=$(uname -r)
check kernel sh -c "echo '$kver' | grep -Eq '^6\.1\.[0-9]+-[0-9]+-amd64$' &&
	[ '$kver' != '$host_kernel' ] && grep -q Debian /proc/version"
check root test "$(id -u)" -eq 0
check cwd test "$(pwd)" = "$cwd"
check files sh -c "[ -f '$top/README.md' ] &&
	[ \"\$(sha256sum < '$top/tests/vmtest.t')\" = '$self_sum' ]"
check readonly sh -c "! touch '$top/.vmtest-probe'"
check scratch sh -c 'echo x > /tmp/probe && [ "$(cat /tmp/probe)" = x ]'
ns=vmtest-$$-$RANDOM
check veth sh -c "modprobe veth && grep -q '^veth ' /proc/modules &&
	ip netns add $ns &&
	ip -n $ns link add v0 type veth peer name v1 &&
	ip -n $ns link set v0 up && ip -n $ns link set v1 up &&
	ip -n $ns -o link show type veth | grep -c . | grep -qx 2"
ip netns del "$ns" 2>/dev/null
check bpffs sh -c "grep -q ' /sys/fs/bpf bpf ' /proc/mounts &&
	[ \"\$(stat -f -c %T /sys/fs/bpf)\" = bpf_fs ]"
echo "vmtest-to-stderr" >&2
EOF

# this file, as no one edits it while it runs (README.md may change)
sum=$(sha256sum <"$TOP/tests/vmtest.t")
cd "$TOP/tests" || exit 1
t0=$(date +%s.%N)
"$VMTEST" -t $BOOTS_T -- bash -c "$guest" guest "$TOP" "$(uname -r)" "$sum" \
	"$TOP/tests" >"$TMP/out" 2>"$TMP/err"
rc=$?
t1=$(date +%s.%N)
[ $rc -eq 4 ] && skip_all "$(tail -n 1 "$TMP/err")"

diag "boot and checks: $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")s on the host," \
	"the command started at $(sed -n 's/^vmtest-uptime //p' "$TMP/out")s of guest uptime"
ok $rc "the guest ran the checks and exited 0 (exit $rc)"
if [ $rc -ne 0 ]; then
	sed 's/^/# /' "$TMP/err"
fi

for key in kernel root cwd files readonly scratch veth bpffs; do
	case $key in
	kernel) what="uname -r is Debian's 6.1 kernel, not the host's" ;;
	root) what="the command runs as root" ;;
	cwd) what="the command runs in the host's working directory" ;;
	files) what="the host's files are visible, same bytes" ;;
	readonly) what="the host's root is read-only" ;;
	scratch) what="/tmp is a writable scratch" ;;
	veth) what="modprobe veth; a veth pair in a netns" ;;
	bpffs) what="bpffs is mounted at /sys/fs/bpf" ;;
	esac
	grep -qx "vmtest-check $key 0" "$TMP/out"
	ok $? "$what"
done

# every stdout line is the command's: no kernel or init messages
! grep -qv -e '^vmtest-check ' -e '^vmtest-uptime ' "$TMP/out"
ok $? "stdout carries the command's output only"
grep -qx vmtest-to-stderr "$TMP/err" && ! grep -q vmtest-to-stderr "$TMP/out"
ok $? "stderr comes back apart from stdout"

"$VMTEST" -t $BOOTS_T -- true >"$TMP/out" 2>"$TMP/err"
rc=$?
ok "$([ $rc -eq 0 ]; echo $?)" "-- true exits 0 (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/err"

"$VMTEST" -t $BOOTS_T -- sh -c 'exit 3' >"$TMP/out" 2>"$TMP/err"
rc=$?
ok "$([ $rc -eq 3 ]; echo $?)" "-- sh -c 'exit 3' exits 3 (exit $rc)"
[ $rc -eq 3 ] || sed 's/^/# /' "$TMP/err"

done_testing
