#!/bin/bash
# live.sh -- live capture under load (como's XDP against tcpdump's AF_PACKET)
# and the in-kernel cost of a module filter.
#
#   tools/bench/live.sh [-o OUTDIR]
#
# Environment: COMO (default .output/bin/como), COMOD (default: comod next to
# COMO), GENTRACE (default .output/bin/gentrace), and, to shorten or widen a
# run:
#   LIVE_RATES        target rates in packets/s, or "topspeed" (one tcpreplay
#                     --topspeed), or "topspeed2" (two at once); default
#                     "50000 100000 200000 400000 topspeed topspeed2"
#   LIVE_SECONDS      seconds of traffic per run at the target rate (default 2)
#   LIVE_MODES        "none xdppass como tcpdump both" (default): nothing
#                     attached (the sender's own rate), an XDP program that
#                     only passes (what XDP on veth costs by itself), each
#                     capturing alone, then both at once on the same traffic
#   LIVE_BPF_STATS    1 (default): comod runs with --bpf-stats (adds ~20 ns
#                     to each XDP run; gives the live ns per packet)
#   LIVE_FILTER_REPS  rounds of the offline filter runs (default 5)
#   LIVE_TIMEOUT      seconds allowed for one traffic run (default 120)
#
# 1. Live: a network namespace of its own with one veth pair (va, vb), no
#    addresses, IPv6 off, MTU 1600.  tcpreplay replays a full-size gentrace
#    trace from vb; como (comod -i va, counter + protocol + topdest) and/or
#    tcpdump (-i va -w /dev/null) capture on va.  For each run: packets sent
#    (tcpreplay's count), counted by each tool, loss, CPU time of each tool
#    (/proc/PID/stat, from ready to just before SIGINT), system-wide softirq
#    time (/proc/stat: veth's XDP runs in softirq, not in comod), the
#    sender's CPU (measure.pl), the achieved rate, veth and backlog drops;
#    at each rate, the achieved rate with a capture attached as a ratio of
#    the rate with nothing attached (mode none, run just before).
# 2. Offline: como run --trace on one trace (OUTDIR/bench.pcap, gentrace
#    -n 1000000, shared with bench.sh) with --bpf-stats, -m counter alone and
#    with two filters; bpf.ns_per_pkt of each (median of LIVE_FILTER_REPS
#    interleaved rounds) and the difference.
#
# Measures, never asserts.  Prints a table, writes OUTDIR/live.json and the
# small raw outputs under OUTDIR/raw-live/.  Needs root, ip netns, tcpreplay
# and tcpdump (installed with apt-get when missing).  Test traffic never
# leaves the namespace, which is deleted at exit with everything in it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

COMO=${COMO:-$root/.output/bin/como}
COMOD=${COMOD:-$(dirname "$COMO")/comod}
GENTRACE=${GENTRACE:-$root/.output/bin/gentrace}
LIVE_RATES=${LIVE_RATES:-50000 100000 200000 400000 topspeed topspeed2}
LIVE_SECONDS=${LIVE_SECONDS:-2}
LIVE_MODES=${LIVE_MODES:-none xdppass como tcpdump both}
LIVE_BPF_STATS=${LIVE_BPF_STATS:-1}
LIVE_FILTER_REPS=${LIVE_FILTER_REPS:-5}
LIVE_TIMEOUT=${LIVE_TIMEOUT:-120}
outdir=$root/.output/bench

# topspeed runs send this many packets per second of LIVE_SECONDS (per sender)
TOP_PPS_GUESS=300000
# tcpdump's TPACKET_V3 ring hands a block to user space when it is full or
# after its timeout (1 s by default): wait that long after the traffic before
# SIGINT, or the last packets are still in the kernel's ring.
SETTLE_S=1.5

usage() {
	echo "usage: $0 [-o OUTDIR]" >&2
	echo "  env: COMO=$COMO COMOD=$COMOD GENTRACE=$GENTRACE" >&2
	echo "       LIVE_RATES='$LIVE_RATES' LIVE_SECONDS=$LIVE_SECONDS LIVE_MODES='$LIVE_MODES'" >&2
	exit 2
}

while getopts o:h opt; do
	case $opt in
	o) outdir=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

log() { echo "live: $*" >&2; }
die() { log "$*"; exit 1; }

NS=como-bench-live-$$
ns_made=0
work=
pids=    # every capture process we started and have not reaped yet
cleanup() {
	local p
	for p in $pids; do
		kill -INT "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait_gone "$p" 5 || kill -KILL "$p" 2>/dev/null || true
	done
	if [ $ns_made -eq 1 ]; then
		ip netns del "$NS" 2>/dev/null || log "could not delete namespace $NS"
	fi
	if [ -n "$work" ] && [ -d "$work" ]; then
		rm -rf -- "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_gone() { # PID SECONDS: poll until PID is gone; 1 if it is still there
	local i n=$(($2 * 20))
	for ((i = 0; i < n; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# --- tools -------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP)"
[ -x "$COMO" ] || die "como binary not found at $COMO (build it first, or set COMO)"
[ -x "$COMOD" ] || die "comod binary not found at $COMOD (set COMOD)"
[ -x "$GENTRACE" ] || die "gentrace not found at $GENTRACE (set GENTRACE)"
command -v ip >/dev/null || die "ip (iproute2) is needed"
perl -MJSON::PP -e 1 2>/dev/null || die "perl with JSON::PP is needed"

missing=
command -v tcpreplay >/dev/null || missing="$missing tcpreplay"
command -v tcpdump >/dev/null || missing="$missing tcpdump"
if [ -n "$missing" ] && command -v apt-get >/dev/null; then
	log "installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2 ||
		{ apt-get update -qq >&2 || true
		  apt-get install -y -qq --no-install-recommends $missing >&2; } ||
		log "could not install$missing"
fi
command -v tcpreplay >/dev/null || die "tcpreplay is needed"
have_tcpdump=1
command -v tcpdump >/dev/null || { have_tcpdump=0; log "no tcpdump: its runs are skipped"; }

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/como-live.XXXXXX")
rm -rf "$outdir/raw-live"

{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc=$(nproc)"
	echo "kernel=$(uname -r)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n1)"
	echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "clk_tck=$(getconf CLK_TCK)"
	echo "tcpreplay=$(tcpreplay --version 2>&1 | head -n1)"
	if [ $have_tcpdump -eq 1 ]; then echo "tcpdump=$(tcpdump --version 2>&1 | head -n1)"; fi
	echo "rates=$LIVE_RATES"
	echo "seconds=$LIVE_SECONDS"
	echo "modes=$LIVE_MODES"
	echo "bpf_stats=$LIVE_BPF_STATS"
	echo "settle_s=$SETTLE_S"
} >"$work/host.env"

# --- part 1: live ------------------------------------------------------------

ip netns add "$NS" || die "cannot create network namespace $NS"
ns_made=1
nsx() { ip netns exec "$NS" "$@"; }
# nothing of the namespace's own on the wire: no IPv6 (neighbour discovery),
# no addresses (no ARP, no replies); frames for other MACs are dropped by the
# stack after capture.
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$NS" link add va type veth peer name vb
# QinQ-tagged full-size frames are 1522 bytes
ip -n "$NS" link set va mtu 1600
ip -n "$NS" link set vb mtu 1600
ip -n "$NS" link set va up
ip -n "$NS" link set vb up

# Full-size frames (mean about 735 bytes); tcpreplay loops over it.
trace=$work/live.pcap
log "generating the live trace (gentrace -n 100000 -c 1600)"
"$GENTRACE" -n 100000 -d 1 -c 1600 -s 7 -o "$trace" || die "gentrace failed"

snap() { # FILE [PID...]: counters before/after a run, as key=value lines
	local f=$1
	shift
	{
		# shellcheck disable=SC2016 # expanded by the inner sh
		nsx sh -c 'for d in va vb; do for s in rx_packets rx_dropped tx_packets tx_dropped; do
			echo "${d}_$s=$(cat /sys/class/net/$d/statistics/$s)"; done; done'
		perl -MTime::HiRes=time -e '
			printf "t=%.6f\n", time;
			open my $s, "<", "/proc/stat" or die;
			while (<$s>) {
				next unless /^cpu\s/;
				my @c = split;    # cpu user nice system idle iowait irq softirq steal
				my $tot = 0; $tot += $c[$_] for 1 .. $#c;
				print "cpu_softirq=$c[7]\ncpu_irq=$c[6]\ncpu_idle=", $c[4] + $c[5], "\ncpu_total=$tot\n";
			}
			my ($d, $q) = (0, 0);
			open my $n, "<", "/proc/net/softnet_stat" or die;
			while (<$n>) { my @f = split; $d += hex $f[1]; $q += hex $f[2]; }
			print "softnet_dropped=$d\nsoftnet_squeezed=$q\n";
			for my $p (@ARGV) {
				my ($pid, $name) = split /:/, $p;
				open my $f, "<", "/proc/$pid/stat" or next;
				my $l = <$f>; $l =~ s/^.*\) //;
				my @f = split " ", $l;    # $f[0] is field 3 (state)
				print "${name}_ticks=", $f[11] + $f[12], "\n";
			}' "$@"
	} >"$f"
}

stop() { # PID NAME DIR: SIGINT, wait (at most 20 s, then KILL), record rc
	local pid=$1 name=$2 d=$3 rc=0
	kill -INT "$pid" 2>/dev/null || true
	if ! wait_gone "$pid" 20; then
		log "  $name did not stop on SIGINT within 20 s: killed"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	echo "$rc" >"$d/$name.rc"
	pids=$(echo " $pids " | sed "s/ $pid / /; s/^ *//; s/ *$//")
}

replay_cmd() { # TARGET LIMIT OUT: one tcpreplay
	local rate_opt
	case $1 in
	topspeed*) rate_opt=--topspeed ;;
	*) rate_opt=--pps=$1 ;;
	esac
	echo "ip netns exec $NS tcpreplay -i vb -K --loop=0 --limit=$2 $rate_opt $trace >$3 2>&1"
}

run_one() { # ID TARGET MODE
	local id=$1 target=$2 mode=$3 d=$work/live/$1 senders=1 limit i
	local como_pid='' td_pid='' ready=1 procs=''
	mkdir -p "$d"
	case $target in
	topspeed) limit=$((TOP_PPS_GUESS * LIVE_SECONDS)) ;;
	topspeed2) senders=2 limit=$((TOP_PPS_GUESS * LIVE_SECONDS * 2 / 3)) ;;
	*[!0-9]* | '') log "bad rate '$target' in LIVE_RATES"; return 0 ;;
	*) limit=$((target * LIVE_SECONDS)) ;;
	esac
	printf 'id=%s\ntarget=%s\nmode=%s\nsenders=%s\nlimit=%s\n' \
		"$id" "$target" "$mode" "$senders" "$limit" >"$d/run.env"
	log "  $target: $mode ($senders x $limit packets)"

	if [ "$mode" = como ] || [ "$mode" = both ]; then
		local stats=
		[ "$LIVE_BPF_STATS" = 1 ] && stats=--bpf-stats
		mkdir -p "$d/como.dir"
		# not through a function: $! must be comod itself (ip netns exec execs)
		ip netns exec "$NS" "$COMOD" -q -j -i va -d "$d/como.dir" \
			-m counter -m protocol -m topdest $stats \
			</dev/null >"$d/como.out" 2>"$d/como.err" &
		como_pid=$!
		pids="$pids $como_pid"
		procs="$procs $como_pid:comod"
		for ((i = 0; i < 200; i++)); do
			ip -n "$NS" link show va | grep -q ' xdp' && break
			kill -0 "$como_pid" 2>/dev/null || break
			sleep 0.05
		done
		if ! ip -n "$NS" link show va | grep -q ' xdp'; then
			log "  comod did not attach XDP to va: $(head -n3 "$d/como.err")"
			ready=0
		fi
	fi
	if [ "$mode" = xdppass ]; then
		ip -n "$NS" link set va xdpdrv obj "$xdp_pass" sec xdp ||
			{ log "  could not attach $xdp_pass to va"; ready=0; }
	fi
	if { [ "$mode" = tcpdump ] || [ "$mode" = both ]; } && [ $ready -eq 1 ]; then
		ip netns exec "$NS" tcpdump -i va -w /dev/null \
			</dev/null >/dev/null 2>"$d/tcpdump.err" &
		td_pid=$!
		pids="$pids $td_pid"
		procs="$procs $td_pid:tcpdump"
		for ((i = 0; i < 200; i++)); do
			grep -qs 'listening on' "$d/tcpdump.err" && break
			kill -0 "$td_pid" 2>/dev/null || break
			sleep 0.05
		done
		grep -qs 'listening on' "$d/tcpdump.err" ||
			{ log "  tcpdump did not start: $(head -n3 "$d/tcpdump.err")"; ready=0; }
	fi

	if [ $ready -eq 1 ]; then
		# shellcheck disable=SC2086
		snap "$d/before.env" $procs
		local cmd
		cmd=$(replay_cmd "$target" "$limit" "$d/replay1.out")
		if [ $senders -eq 2 ]; then
			cmd="$cmd & $(replay_cmd "$target" "$limit" "$d/replay2.out") & wait"
		fi
		"$here/measure.pl" -t "$LIVE_TIMEOUT" "$d/sender.time" -- sh -c "$cmd" </dev/null || true
		sleep "$SETTLE_S"
		# shellcheck disable=SC2086
		snap "$d/after.env" $procs
	fi
	if [ -n "$td_pid" ]; then stop "$td_pid" tcpdump "$d"; fi
	if [ -n "$como_pid" ]; then stop "$como_pid" como "$d"; fi
	rm -rf "$d/como.dir"
	if [ "$mode" = xdppass ]; then
		ip -n "$NS" link set va xdpdrv off || true
	elif ip -n "$NS" link show va | grep -q ' xdp'; then
		log "  an XDP program is still on va after comod stopped: removing it"
		ip -n "$NS" link set va xdp off 2>/dev/null || true
	fi
}

modes=
for m in $LIVE_MODES; do
	case $m in
	none | como) modes="$modes $m" ;;
	xdppass)
		# the include path of Debian's multiarch UAPI headers (asm/types.h)
		xdp_pass=$work/xdp_pass.bpf.o
		if clang -O2 -target bpf -I"/usr/include/$(uname -m)-linux-gnu" \
			-c "$here/xdp_pass.bpf.c" -o "$xdp_pass" 2>"$work/xdp_pass.err"; then
			modes="$modes $m"
		else
			log "cannot build xdp_pass.bpf.c: its runs are skipped ($(head -n1 "$work/xdp_pass.err"))"
		fi ;;
	tcpdump | both) if [ $have_tcpdump -eq 1 ]; then modes="$modes $m"; fi ;;
	*) die "unknown mode '$m' in LIVE_MODES (none, xdppass, como, tcpdump, both)" ;;
	esac
done

log "live capture on a veth pair in namespace $NS"
n=0
for target in $LIVE_RATES; do
	for mode in $modes; do
		n=$((n + 1))
		run_one "$(printf '%02d' $n)" "$target" "$mode"
	done
done
# shellcheck disable=SC2016 # expanded by the inner sh
nsx sh -c 'for d in va vb; do for s in rx_packets tx_packets; do
	echo "${d}_$s=$(cat /sys/class/net/$d/statistics/$s)"; done; done' >"$work/veth-end.env"
ip netns del "$NS" && ns_made=0
rm -f "$trace"

# --- part 2: the in-kernel cost of a filter, offline --------------------------

ftrace=$outdir/bench.pcap
if [ -s "$ftrace" ] && [ "$ftrace" -nt "$GENTRACE" ]; then
	log "filter cost: reusing $ftrace"
else
	log "filter cost: generating $ftrace (gentrace -n 1000000)"
	rm -f "$outdir/bench.tmp.pcap"
	"$GENTRACE" -n 1000000 -o "$outdir/bench.tmp.pcap" || die "gentrace failed"
	mv -f "$outdir/bench.tmp.pcap" "$ftrace"
fi
echo "file=$ftrace" >"$work/filter.env"

filters=("" "tcp port 443" "(tcp or udp) and not port 53 and greater 100")
mkdir -p "$work/filter"
cat -- "$ftrace" >/dev/null # page cache
for ((r = 1; r <= LIVE_FILTER_REPS; r++)); do
	log "filter cost: round $r of $LIVE_FILTER_REPS"
	for k in "${!filters[@]}"; do
		f=${filters[$k]}
		args=(-m counter)
		[ -z "$f" ] || args+=(-F "$f")
		printf '%s\n' "$f" >"$work/filter/$k.filter"
		for try in 1 2; do # a second try: a failed run is left out, not retried forever
			rm -rf "$work/filter/dir"
			"$COMO" run --trace "$ftrace" -d "$work/filter/dir" --bpf-stats -j -q "${args[@]}" \
				</dev/null >"$work/filter/$k-$r.out" 2>"$work/filter/$k-$r.err" && break
			log "  como run failed (filter '$f', try $try): $(head -n2 "$work/filter/$k-$r.err")"
			rm -f "$work/filter/$k-$r.out"
			sleep 1
		done
	done
done
rm -rf "$work/filter/dir"

# --- report ------------------------------------------------------------------

mkdir -p "$outdir/raw-live"
cp "$work/host.env" "$work/veth-end.env" "$work/filter.env" "$outdir/raw-live/"
cp -r "$work/live" "$work/filter" "$outdir/raw-live/" 2>/dev/null || true
perl "$here/live-report.pl" "$work" "$outdir/live.json"
log "wrote $outdir/live.json"
