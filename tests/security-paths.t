#!/bin/bash
# Issue 15, what comod and 'como query' open: an instance name is a name
# (one path component, documented set and length; config, -m, --name on
# the control socket alike), and everything under the data directory is
# opened relative to it: a symlink, hard link, FIFO or directory planted
# where a stream file should be, by a user of the test's own, is refused
# with one line naming it, and nothing outside is written; nothing hangs;
# modes are 0640 and 0750 whatever the umask. Both ways of opening are
# tried: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) and, with
# COMO_NO_OPENAT2=1, O_NOFOLLOW one component at a time.
. "$(dirname "$0")/lib.sh"
need_root
command -v setpriv > /dev/null && command -v useradd > /dev/null ||
	skip_all "needs setpriv and useradd"

U=como-paths-$$
useradd --system --no-create-home --shell /usr/sbin/nologin "$U" ||
	skip_all "cannot add a user"
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2> /dev/null && wait "$pid"
	[ -n "${NS:-}" ] && ip netns del "$NS" 2> /dev/null
	mountpoint -q "$TMP/bpffs" && umount "$TMP/bpffs"
	userdel "$U"
	rm -rf "$TMP"
}
trap cleanup EXIT
as_user() { setpriv --reuid="$U" --regid="$U" --init-groups "$@"; }

# the user's own directory; the rest of $TMP is root's
chmod 0711 "$TMP"
W=$TMP/w
mkdir "$W" && chown "$U:" "$W"
"$GENTRACE" -n 20000 -d 5 -s 23 -o "$TMP/t.pcap"
T=$TMP/t.pcap
# whole frames for the live run: tcpreplay sends what was captured
"$GENTRACE" -n 20000 -d 5 -c 1600 -s 29 -o "$TMP/l.pcap"
L=$TMP/l.pcap
# root's file that the user would like comod to overwrite
printf 'root was here\n' > "$TMP/victim.txt"
chmod 0600 "$TMP/victim.txt"
mkdir -m 0700 "$TMP/victimdir"
sum_victim() { sha1sum "$TMP/victim.txt"; stat -c %s.%Y "$TMP/victim.txt"; }
sum_victim > "$TMP/victim.sum"
victim_intact() { sum_victim | cmp -s - "$TMP/victim.sum" && [ -z "$(ls -A "$TMP/victimdir")" ]; }

# one_line FILE RE: FILE holds exactly one line, and it matches RE
one_line() { [ "$(wc -l < "$1")" -eq 1 ] && grep -Eq "$2" "$1"; }

# ---- names ----
NAME_RE="bad instance name"
run_conf() {	# run_conf NAME: a config block named NAME, run on $TMP/n
	printf 'module "%s"\n  source "counter"\nend\n' "$1" > "$TMP/n.conf"
	"$COMO" run -q --trace "$T" -d "$TMP/n" -c "$TMP/n.conf" 2> "$TMP/err"
}
run_conf "../escaped"
ok $([ $? -eq 1 ] && one_line "$TMP/err" "n.conf:1: $NAME_RE '\.\./escaped'" &&
	[ ! -e "$TMP/escaped" ] && [ -z "$(ls -A "$TMP/n" 2> /dev/null | grep -v '^\.comod')" ]; echo $?) \
	"config module \"../escaped\" refused, nothing made: $(cat "$TMP/err")"
run_conf ""
ok $([ $? -eq 1 ] && one_line "$TMP/err" "$NAME_RE '': it is empty" &&
	[ ! -e "$TMP/n/00000000.seg" ] && [ ! -e "$TMP/n/meta.json" ]; echo $?) \
	"config module \"\" refused, nothing in the data directory's root"
long=$(printf 'n%.0s' $(seq 63))
run_conf "$long"
ok $([ $? -eq 0 ] && [ -f "$TMP/n/$long/meta.json" ]; echo $?) "a name of 63 characters is a name"
run_conf "${long}x"
ok $([ $? -eq 1 ] && one_line "$TMP/err" "longer than 63" && [ ! -e "$TMP/n/${long}x" ]; echo $?) \
	"a name of 64 characters is refused"
esc=$(printf 'a\033]0;owned\007b')
"$COMO" run -q --trace "$T" -d "$TMP/n" -m "$esc" 2> "$TMP/err"
ok $([ $? -eq 1 ] && one_line "$TMP/err" "$NAME_RE 'a\\\\x1b\]0;owned\\\\x07b'" &&
	! grep -q "$(printf '\033')" "$TMP/err"; echo $?) \
	"-m with terminal escapes refused, the name escaped: $(cat "$TMP/err")"
"$COMO" run -q --trace "$T" -d "$TMP/n" -m -counter 2> /dev/null
ok $([ $? -ne 0 ] && [ ! -e "$TMP/n/-counter" ]; echo $?) "-m -counter is no name"

# --name on a running comod: comod checks what reaches its socket
if ! command -v tcpreplay > /dev/null; then
	skip "--name on a running comod" "tcpreplay is not installed"
else
	veth_pair como-paths
	trap 'cleanup' EXIT
	export COMO_SOCKET=$TMP/comod.sock
	ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/live" -s "$COMO_SOCKET" \
		-m counter:interval=1s -m protocol -F tcp 2> "$TMP/comod.err" &
	pid=$!
	wait_socket "$COMO_SOCKET"
	fails=""
	for n in "" "../escaped_live" "." "a/b" "$esc" "${long}x" " lead" "trail "; do
		"$COMO" module load counter --name "$n" --args interval=2s 2> "$TMP/err"
		rc=$?
		one_line "$TMP/err" "$NAME_RE|not a name|instance name" &&
			! grep -q "$(printf '\033')" "$TMP/err" || rc=0
		[ $rc -eq 1 ] || fails="$fails '$n'"
	done
	"$COMO" module list -j | perl -MJSON::PP -e '
		print join(" ", sort map { $_->{name} } @{decode_json(join "", <STDIN>)}), "\n"' > "$TMP/names"
	ok $([ -z "$fails" ] && [ "$(cat "$TMP/names")" = "counter protocol" ] &&
		[ ! -e "$TMP/escaped_live" ] && [ ! -e "$TMP/live/00000000.seg" ] &&
		[ ! -e "$TMP/live/meta.json" ]; echo $?) \
		"--name '', ../escaped_live, ., a/b, escapes, 64 characters, spaces at the ends: each refused with one line, nothing made${fails:+ (accepted:$fails)}"
	"$COMO" module load counter --name "$long" --args interval=2s 2> "$TMP/err"
	ok $? "--name of 63 characters loads $(cat "$TMP/err")"
	"$COMO" module unload "$long" 2> /dev/null
	ip netns exec "$NS" tcpreplay -q -i vb --pps=20000 "$L" > /dev/null 2>&1
	sleep 1.2
	kill -INT $pid
	wait $pid
	ok $? "comod stopped cleanly after the refusals"
	pid=
	ok_totals "$L" "$TMP/live" "live, the refused loads changed nothing"

	# a kept capture's description is a file in the data directory: the
	# names it gives back are checked like any other
	mkdir -p "$TMP/bpffs"
	if mount -t bpf bpf "$TMP/bpffs"; then
		export COMO_BPFFS=$TMP/bpffs
		ip netns exec "$NS" "$BIN/comod" -q -K -i va -d "$TMP/kept" \
			-s "$COMO_SOCKET" -m counter 2> /dev/null &
		pid=$!
		wait_socket "$COMO_SOCKET"
		kill -TERM $pid
		wait $pid
		pid=
		perl -0pi -e 's/"name":\s*"counter"/"name":"..\/kept_escaped"/' "$TMP/kept/.kept.json"
		timeout 20 ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/kept" \
			-s "$COMO_SOCKET" 2> "$TMP/err"
		ok $([ $? -eq 1 ] && grep -q "kept capture: $NAME_RE '\.\./kept_escaped'" "$TMP/err" &&
			[ ! -e "$TMP/kept_escaped" ]; echo $?) \
			"a kept capture whose description names ../kept_escaped is refused: $(head -n 1 "$TMP/err")"
		ip -n "$NS" link set va xdp off 2> /dev/null
		umount "$TMP/bpffs"
		unset COMO_BPFFS
	else
		skip "a kept capture's names" "cannot mount a bpffs"
	fi
fi

# ---- what is planted in the data directory ----
# plant WHAT FILE: as $U, a fresh data directory $W/pd with counter/FILE
# made WHAT: symlink (to root's victim), fifo, dir, or a symlinked stream
# directory (FILE ignored)
plant() {
	rm -rf "$W/pd"
	as_user mkdir -p "$W/pd/counter"
	case $1 in
	symlink) as_user ln -s "$TMP/victim.txt" "$W/pd/counter/$2" ;;
	fifo) as_user mkfifo "$W/pd/counter/$2" ;;
	dir) as_user mkdir "$W/pd/counter/$2" ;;
	dirlink) as_user rmdir "$W/pd/counter"
		as_user ln -s "$TMP/victimdir" "$W/pd/counter" ;;
	esac
}
# run_pd: root runs the trace on $W/pd, at most 20 s
run_pd() {
	timeout 20 "$COMO" run -q --trace "$T" -d "$W/pd" -m counter 2> "$TMP/err"
}

for mode in openat2 nofollow; do
	if [ $mode = nofollow ]; then
		export COMO_NO_OPENAT2=1
	else
		unset COMO_NO_OPENAT2
	fi
	plant symlink 00000000.seg
	run_pd
	ok $([ $? -eq 1 ] && one_line "$TMP/err" "counter/00000000.seg is a symbolic link .*refused" &&
		victim_intact; echo $?) \
		"$mode: a symlinked segment is refused with one line, the victim untouched: $(cat "$TMP/err")"
	plant symlink meta.json
	run_pd
	ok $([ $? -eq 1 ] && one_line "$TMP/err" "counter/meta.json is a symbolic link" &&
		victim_intact; echo $?) "$mode: a symlinked meta.json is refused"
	plant dirlink
	run_pd
	ok $([ $? -eq 1 ] && one_line "$TMP/err" "pd/counter is a symbolic link where a stream directory" &&
		victim_intact; echo $?) "$mode: a symlinked stream directory is refused"
	plant fifo 00000000.seg
	run_pd
	ok $([ $? -eq 1 ] && one_line "$TMP/err" "00000000.seg is a FIFO"; echo $?) \
		"$mode: a FIFO segment is refused, comod does not hang"
	plant fifo meta.json
	run_pd
	ok $([ $? -eq 1 ] && one_line "$TMP/err" "meta.json is a FIFO"; echo $?) \
		"$mode: a FIFO meta.json is refused, comod does not hang"
	plant dir 00000000.seg
	run_pd
	ok $([ $? -eq 1 ] && one_line "$TMP/err" "00000000.seg is a directory"; echo $?) \
		"$mode: a directory where a segment should be is refused"
	plant dir .meta.json.tmp
	run_pd
	ok $([ $? -eq 1 ] && one_line "$TMP/err" "\.meta\.json\.tmp"; echo $?) \
		"$mode: a directory where meta.json's temporary file goes is refused"
	# a system without protected_hardlinks: root makes the link here
	plant none
	ln "$TMP/victim.txt" "$W/pd/counter/00000000.seg"
	run_pd
	ok $([ $? -eq 1 ] && one_line "$TMP/err" "00000000.seg has 2 hard links" &&
		victim_intact; echo $?) "$mode: a hard link to root's file is refused"
	rm -f "$W/pd/counter/00000000.seg"
done
unset COMO_NO_OPENAT2

# a stale temporary file (a symlink) is only a name: it goes
plant symlink .meta.json.tmp
run_pd
ok $([ $? -eq 0 ] && victim_intact && [ ! -L "$W/pd/counter/.meta.json.tmp" ]; echo $?) \
	"a symlink left as meta.json's temporary file is removed, not followed"

# ---- como query ----
D=$TMP/q
"$COMO" run -q --trace "$T" -d "$D" -m counter -m protocol -F tcp
ok_totals "$T" "$D" "a clean run"
cp -a "$D" "$TMP/q.bak"
seg=$(ls "$D"/counter/*.seg | head -n 1)
rm "$seg" && mkfifo "$seg"
timeout 10 "$COMO" query -d "$D" -m counter -f csv > /dev/null 2> "$TMP/err"
rc=$?
ok $([ $rc -ne 124 ] && one_line "$TMP/err" "$(basename "$seg") is a FIFO .*skipped"; echo $?) \
	"como query with a FIFO for a segment does not hang, names it (exit $rc): $(cat "$TMP/err")"
rm "$seg" && ln -s "$TMP/q.bak/counter/$(basename "$seg")" "$seg"
timeout 10 "$COMO" query -d "$D" -m counter -f csv > "$TMP/out" 2> "$TMP/err"
ok $([ "$(wc -l < "$TMP/out")" -eq 1 ] && one_line "$TMP/err" "is a symbolic link"; echo $?) \
	"como query does not follow a symlinked segment"
rm -rf "$D" && cp -a "$TMP/q.bak" "$D"
rm "$D/protocol/meta.json" && mkfifo "$D/protocol/meta.json"
timeout 10 "$COMO" query -d "$D" -m protocol -f csv > /dev/null 2> "$TMP/err"
rc=$?
ok $([ $rc -ne 124 ] && [ $rc -ne 0 ] && one_line "$TMP/err" "meta.json is a FIFO"; echo $?) \
	"como query with a FIFO for meta.json does not hang, names it (exit $rc)"
"$COMO" query -d "$D/protocol/meta.json" -m protocol > /dev/null 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 1 ] && one_line "$TMP/err" "cannot use data directory .*: Not a directory"; echo $?) \
	"a data directory that is no directory: one line, exit $rc: $(cat "$TMP/err")"
"$COMO" query -d "$TMP/nowhere" -m protocol > /dev/null 2> "$TMP/err"
rc=$?
ok $([ $rc -eq 1 ] && one_line "$TMP/err" "does not exist"; echo $?) \
	"a data directory that does not exist: one line, exit $rc"

# ---- modes, and the admin's symlink ----
rm -rf "$TMP/m"
mkdir "$TMP/m.real" && ln -s "$TMP/m.real" "$TMP/m"
cat > "$TMP/m.conf" <<EOC
module "counter"
end
module "protocol"
  filter "tcp"
end
module "small"
  source "counter"
  args "interval=1ms"
  streamsize 128k
end
EOC
(umask 000; "$COMO" run -q --trace "$T" -d "$TMP/m" -c "$TMP/m.conf")
ok $? "a run under umask 000, on a data directory that is a symlink"
ok_totals "$T" "$TMP/m" "the symlinked data directory"
dirs=$(find "$TMP/m.real" -mindepth 1 -type d ! -perm 0750 | wc -l)
files=$(find "$TMP/m.real" -mindepth 2 -type f ! -perm 0640 | wc -l)
nseg=$(ls "$TMP/m.real/small" | grep -c '\.seg$')
ok $([ "$dirs" -eq 0 ] && [ "$files" -eq 0 ] && [ "$nseg" -gt 1 ] &&
	[ "$(find "$TMP/m.real" -mindepth 2 -type f | wc -l)" -gt 4 ]; echo $?) \
	"under umask 000 streams are 0750, their files 0640 ($nseg segments rotated)"

# the description of a kept capture is read beneath the data directory too
mkdir -p "$TMP/k" && echo precious > "$TMP/victim.json" && chmod 0600 "$TMP/victim.json"
ln -s "$TMP/victim.json" "$TMP/k/.kept.json"
"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/k" -m counter 2> "$TMP/err"
ok $([ "$(cat "$TMP/victim.json")" = precious ] && [ ! -L "$TMP/k/.kept.json" ] &&
	grep -q "symbolic link" "$TMP/err"; echo $?) \
	"a .kept.json planted as a link is refused and removed, never followed: $(head -n 1 "$TMP/err")"
done_testing
