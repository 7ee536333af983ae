#!/bin/bash
# como beside another XDP program (issue 3). Here, where the kernel refuses
# the freplace programs libxdp's multi-program dispatcher needs (and 'ip
# netns exec' shows no bpffs), an interface that has one is refused with
# one line saying why, and its program stays. In tools/vmtest's Debian 6.1
# guest, which has both, comod joins libxdp's dispatcher beside xdp-filter
# and neither breaks the other (tests/guest/multiprog.sh; its TAP comes back
# renumbered into this stream).
. "$(dirname "$0")/lib.sh"
need_root
command -v xdp-loader > /dev/null || skip_all "xdp-loader is not installed (xdp-tools)"
[ -x "$BIN/comod" ] || skip_all "no $BIN/comod (make)"
OBJ=$(ls /usr/lib/*/bpf/xdpfilt_alw_all.o /usr/lib/bpf/xdpfilt_alw_all.o 2> /dev/null | head -n 1)
[ -n "$OBJ" ] || skip_all "no xdpfilt_alw_all.o (xdp-tools)"

veth_pair como-mp
nsx() { ip netns exec "$NS" "$@"; }
prog_id() { ip -n "$NS" link show vb | grep -Eo 'prog/xdp id [0-9]+' | grep -Eo '[0-9]+$'; }

nsx xdp-loader load -m native vb "$OBJ" > /dev/null 2>&1
id=$(prog_id)
ok "$([ -n "$id" ]; echo $?)" "xdp-loader puts xdpfilt_alw_all on vb (id ${id:-?})"
refused() {	# refused REASON: comod said why in one line, exit 1, vb kept id
	[ "$1" -eq 1 ] && [ "$(grep -c 'comod:' "$TMP/err")" -eq 1 ] &&
		grep -q "vb already has an XDP program (xdpfilt_alw_all, id $id); como does not replace a program it did not load, and cannot join it: $2" "$TMP/err" &&
		[ "$(prog_id)" = "$id" ]
}
nsx "$BIN/comod" -i vb -d "$TMP/x" -s "$TMP/x.sock" -m counter > /dev/null 2> "$TMP/err"
ok "$(refused $? "no bpffs at /sys/fs/bpf"; echo $?)" \
	"under ip netns exec, no bpffs: refused, program kept: $(grep comod: "$TMP/err")"
nsx sh -c 'mount -t bpf bpf /sys/fs/bpf && exec "$@"' sh "$BIN/comod" -i vb \
	-d "$TMP/x" -s "$TMP/x.sock" -m counter > /dev/null 2> "$TMP/err"
ok "$(refused $? "it is not libxdp's multi-program dispatcher"; echo $?)" \
	"with bpffs, a program outside libxdp's dispatcher: refused, kept: $(grep comod: "$TMP/err")"
nsx xdp-loader unload --all vb > /dev/null 2>&1

# the guest's checks, one line each in this stream
cd "$TOP" || exit 1
"$TOP/tools/vmtest/vmtest" -t 300 -- bash tests/guest/multiprog.sh "$TOP" \
	> "$TMP/out" 2> "$TMP/verr"
rc=$?
if [ $rc -eq 4 ]; then
	skip "the guest's checks" "$(tail -n 1 "$TMP/verr")"
	done_testing
	exit
fi
n=0
plan=
while IFS= read -r line; do
	case $line in
	"ok "*) n=$((n + 1)); ok 0 "guest: $(sed -E 's/^ok [0-9]+ - //' <<< "$line")" ;;
	"not ok "*) n=$((n + 1)); ok 1 "guest: $(sed -E 's/^not ok [0-9]+ - //' <<< "$line")" ;;
	"1..0 # SKIP"*) plan=0; skip "the guest's checks" "${line#1..0 # SKIP }" ;;
	1..*) plan=${line#1..} ;;
	"#"*) echo "$line" ;;
	esac
done < "$TMP/out"
ok "$([ $rc -eq 0 ] && [ "$plan" = "$n" ]; echo $?)" \
	"the guest ran all its checks ($n of ${plan:-?}) and exited 0 (exit $rc)"
[ $rc -eq 0 ] || tail -n 20 "$TMP/verr" | sed 's/^/# /'
done_testing
