#!/bin/bash
# The VM harness (tools/vmtest) that como.ko's tests stand on: the guest
# runs Debian's kernel, sees the host's tree, loads modules, has bpffs,
# keeps boot noise out of the command's output and hands back its exit
# status; and a /dev/kvm that cannot run the guest costs a fallback to
# TCG, never a failed test. Five boots of a few seconds each, and a few
# qemu runs that stop at once.
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
diag "$(grep -m 1 '^vmtest: accelerator ' "$TMP/err")"

# A qemu as on a host whose /dev/kvm cannot run the guest (issue 11): it
# aborts as soon as it is asked for KVM and is the real one otherwise.
# FAKE_QEMU_LOG lists its runs; FAKE_QEMU_STOP stops a boot at once (exit
# 1), for the checks that only look at what vmtest asked of qemu.
real_qemu=$(command -v qemu-system-x86_64)
mkdir -p "$TMP/bin"
cat >"$TMP/bin/qemu-system-x86_64" <<EOF
#!/bin/bash
[ -n "\${FAKE_QEMU_LOG:-}" ] && echo "\$*" >>"\$FAKE_QEMU_LOG"
case " \$* " in
*" -accel kvm "* | *accel=kvm*)
	echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' >&2
	echo "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion \\\`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
	kill -ABRT \$\$ ;;
*" -kernel "*) [ -n "\${FAKE_QEMU_STOP:-}" ] && exit 1 ;;
esac
exec "$real_qemu" "\$@"
EOF
chmod +x "$TMP/bin/qemu-system-x86_64"
# A writable "device", so that the probe runs on any host, with a
# /dev/kvm or without; the verdicts go to a cache of this test's own.
: >"$TMP/kvm"
fake() {
	rm -f "$TMP/qemu.log"
	PATH=$TMP/bin:$PATH VMTEST_ACCEL_CACHE=$TMP/accel FAKE_QEMU_LOG=$TMP/qemu.log \
		"$@" >"$TMP/out" 2>"$TMP/err"
}
# boots ACCEL: how many of the fake's runs booted a kernel under ACCEL
boots() {
	grep -e ' -kernel ' "$TMP/qemu.log" 2>/dev/null | grep -c -e "-accel $1"
}
msr='qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69'

fake env VMTEST_KVM_DEV="$TMP/kvm" "$VMTEST" -t $BOOTS_T -- sh -c 'exit 3'
rc=$?
ok "$([ $rc -eq 3 ] && [ "$(boots kvm)" -eq 1 ] && [ "$(boots tcg)" -eq 1 ]; echo $?)" \
	"KVM aborts qemu: its probe fails, the command runs under TCG and exits 3 (exit $rc)"
[ $rc -eq 3 ] || sed 's/^/# /' "$TMP/err"
grep -qxF "vmtest: accelerator tcg (kvm failed its probe boot: $msr)" "$TMP/err"
ok $? "stderr names tcg and qemu's error: $(grep '^vmtest: accelerator' "$TMP/err")"
entry=$(find "$TMP/accel" -type f ! -name '*.log' 2>/dev/null)
[ "$(echo "$entry" | grep -c .)" -eq 1 ] &&
	grep -qxF "tcg kvm failed its probe boot: $msr" "$entry"
ok $? "the probe's verdict is kept for this host, kernel and qemu"

# a verdict that says kvm, as on a host whose KVM broke after its probe
[ -n "$entry" ] && sed -i '1s/.*/kvm its probe boot ran true in 1.0s/' "$entry"
fake env VMTEST_KVM_DEV="$TMP/kvm" "$VMTEST" -t $BOOTS_T -- sh -c 'exit 3'
rc=$?
ok "$([ $rc -eq 3 ] && [ "$(boots kvm)" -eq 1 ] && [ "$(boots tcg)" -eq 1 ] &&
	grep -q '^vmtest: accelerator tcg after all (kvm failed before the command ran: ' "$TMP/err" &&
	[ -n "$entry" ] && ! [ -e "$entry" ]; echo $?)" \
	"a kvm verdict gone stale: the run falls back to TCG, exits 3, the verdict is dropped (exit $rc)"
[ $rc -eq 3 ] || sed 's/^/# /' "$TMP/err"

fake env VMTEST_KVM_DEV="$TMP/none" FAKE_QEMU_STOP=1 "$VMTEST" -- true
ok "$([ "$(boots kvm)" -eq 0 ] && [ "$(boots tcg)" -eq 1 ] &&
	grep -qxF "vmtest: accelerator tcg (no $TMP/none)" "$TMP/err"; echo $?)" \
	"no /dev/kvm: TCG, no probe"
fake env VMTEST_KVM_DEV="$TMP/kvm" VMTEST_ACCEL=tcg FAKE_QEMU_STOP=1 "$VMTEST" -- true
ok "$([ "$(boots kvm)" -eq 0 ] && [ "$(boots tcg)" -eq 1 ] &&
	grep -qx 'vmtest: accelerator tcg (forced by VMTEST_ACCEL)' "$TMP/err"; echo $?)" \
	"VMTEST_ACCEL=tcg: TCG, no probe"
fake env VMTEST_KVM_DEV="$TMP/kvm" VMTEST_ACCEL=kvm "$VMTEST" -- true
rc=$?
ok "$([ $rc -eq 125 ] && [ "$(boots kvm)" -eq 1 ] && [ "$(boots tcg)" -eq 0 ] &&
	grep -qx 'vmtest: accelerator kvm (forced by VMTEST_ACCEL)' "$TMP/err"; echo $?)" \
	"VMTEST_ACCEL=kvm: KVM, no probe and no fallback (exit $rc)"
fake env VMTEST_ACCEL=KVM "$VMTEST" -- true
rc=$?
ok "$([ $rc -eq 2 ] && ! [ -e "$TMP/qemu.log" ]; echo $?)" \
	"VMTEST_ACCEL=KVM is a usage error (exit $rc): $(cat "$TMP/err")"

done_testing
