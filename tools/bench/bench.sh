#!/bin/bash
# bench.sh -- offline throughput of como against peers on the same trace.
#
#   tools/bench/bench.sh [-o OUTDIR] [TRACE...]
#
# Environment: COMO (default .output/bin/como), GENTRACE (default
# .output/bin/gentrace), BENCH_TIMEOUT (seconds per tool run, default 300).
#
# For each trace it runs, one after the other on the same file:
#   como     $COMO run --trace FILE -d DIR -m counter -m protocol -m topdest --bpf-stats -j
#   pmacctd  per-destination (dst_host) counts with the print plugin
#   tshark   -n -q -z endpoints,ip -z endpoints,ipv6 -z io,stat,0
# then, for como's export (each module's export()/action()/store() in a
# worker process of its own, user/comod/export.c), what an epoch costs:
#   como     the same modules with interval=10ms, so that the trace makes
#            thousands of epochs; the -j summary's export figures per module
# and measures each one's wall time and CPU time (user + sys, the process and
# every process it started: tools/bench/measure.pl).  It measures, never
# asserts: a peer's speed counts only if it counted every packet, checked
# against an independent reading of the trace (capinfos for the frame count,
# a separate tshark pass for the IP frame count); otherwise its ratio is null
# with a note.  Prints a table and writes OUTDIR/bench.json, with the raw
# outputs under OUTDIR/raw/.
#
# Without TRACE it generates one: $GENTRACE -n 1000000 -o OUTDIR/bench.pcap.
# Nothing here touches a network interface: every tool reads a file.  At the
# end it runs tools/bench/live.sh (live capture on a veth pair in a namespace
# of its own; BENCH_LIVE=0 skips it), whose failure never fails this part.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

COMO=${COMO:-$root/.output/bin/como}
GENTRACE=${GENTRACE:-$root/.output/bin/gentrace}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
outdir=$root/.output/bench

usage() {
	echo "usage: $0 [-o OUTDIR] [TRACE...]" >&2
	echo "  env: COMO=$COMO GENTRACE=$GENTRACE BENCH_TIMEOUT=$BENCH_TIMEOUT" >&2
	exit 2
}

while getopts o:h opt; do
	case $opt in
	o) outdir=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

work=
cleanup() {
	if [ -n "$work" ] && [ -d "$work" ]; then
		rm -rf -- "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools -------------------------------------------------------------------

[ -x "$COMO" ] || die "como binary not found at $COMO (build it first, or set COMO)"
command -v perl >/dev/null || die "perl is needed"
perl -MJSON::PP -e 1 2>/dev/null || die "perl's JSON::PP is needed"

# The peers come from Debian; install them if they are missing and we can.
missing=
command -v pmacctd >/dev/null || missing="$missing pmacct"
command -v tshark >/dev/null || missing="$missing tshark"
command -v capinfos >/dev/null || missing="$missing wireshark-common"
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		log "installing$missing"
		export DEBIAN_FRONTEND=noninteractive
		echo "wireshark-common wireshark-common/install-setuid boolean false" |
			debconf-set-selections 2>/dev/null || true
		apt-get update -qq >&2 || true
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >&2 ||
			log "could not install$missing: those tools are skipped"
	else
		log "missing$missing (run as root to install): those tools are skipped"
	fi
fi
if ! command -v capinfos >/dev/null || ! command -v tshark >/dev/null; then
	die "capinfos and tshark are needed to count the trace's packets"
fi
have_pmacctd=0
command -v pmacctd >/dev/null && have_pmacctd=1

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/como-bench.XXXXXX")
rm -rf "$outdir/raw"

# --- traces ------------------------------------------------------------------

if [ $# -eq 0 ]; then
	trace=$outdir/bench.pcap
	if [ -s "$trace" ] && [ -x "$GENTRACE" ] && [ "$trace" -nt "$GENTRACE" ]; then
		log "reusing $trace"
	else
		[ -x "$GENTRACE" ] || die "no TRACE given and gentrace not found at $GENTRACE"
		log "generating $trace"
		# written aside first, so that an interrupted run leaves no half trace
		rm -f "$outdir/bench.tmp.pcap"
		if ! "$GENTRACE" -n 1000000 -o "$outdir/bench.tmp.pcap"; then
			rm -f "$outdir/bench.tmp.pcap"
			die "gentrace failed"
		fi
		mv -f "$outdir/bench.tmp.pcap" "$trace"
	fi
	set -- "$trace"
fi
for t in "$@"; do
	[ -r "$t" ] || die "cannot read trace $t"
done

# --- helpers -----------------------------------------------------------------

measure() { # RESULT_FILE COMMAND...   (stdout/stderr as set by the caller)
	local res=$1
	shift
	"$here/measure.pl" -t "$BENCH_TIMEOUT" "$res" -- "$@" || true
}

warm() { cat -- "$1" >/dev/null; } # same page-cache state for every tool

next_prime() { # smallest prime >= $1
	perl -e 'my $n = shift; $n = 2 if $n < 2;
		for (;; $n++) { my $p = 1;
			for (my $d = 2; $d * $d <= $n; $d++) { if ($n % $d == 0) { $p = 0; last } }
			if ($p) { print "$n\n"; exit } }' "$1"
}

# pmacctd's plugin pipe: 32 MiB ("tens of MB"), buffers a hundredth of it;
# bigger ones only when the first loses data (see pmacctd.conf.in).
pipe_sizes="33554432 268435456 1073741824"

# --- run ---------------------------------------------------------------------

{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc=$(nproc)"
	echo "kernel=$(uname -r)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n1)"
	echo "tshark=$(tshark -v 2>/dev/null | head -n1)"
	if [ $have_pmacctd -eq 1 ]; then echo "pmacctd=$(pmacctd -V 2>&1 | head -n1)"; fi
	echo "timeout_s=$BENCH_TIMEOUT"
} >"$work/host.env"

i=0
for t in "$@"; do
	i=$((i + 1))
	abs=$(cd "$(dirname "$t")" && pwd)/$(basename "$t")
	d=$work/trace$i
	mkdir -p "$d"
	log "[$i/$#] $abs"

	# Independent reading of the trace, not measured: every frame (capinfos);
	# the frames that carry IPv4/IPv6 (tshark), which is what a per-
	# destination peer can count, with their outer destinations; of those,
	# the ones pmacctd cannot decode (an IP header behind anything but
	# Ethernet, 802.1Q tags and MPLS labels: 802.1ad outer tags, pseudowires,
	# tunnels; it reads them but counts nothing); and the frames tshark's
	# frame tap skips (an ICMP error whose quoted packet is cut short leaves
	# tshark "inside an error packet", so io,stat misses it).
	warm "$abs"
	frames=$(capinfos -c -M -T -r "$abs" | awk -F'\t' 'NR == 1 { print $2 }')
	case $frames in '' | *[!0-9]*) die "capinfos could not count $abs" ;; esac
	log "  reference count (tshark pass, not measured)"
	tshark -n -r "$abs" -Y 'ip or ipv6' -T fields -E occurrence=f \
		-e ip.dst -e ipv6.dst -e icmp.type -e icmpv6.type -e _ws.short -e _ws.malformed \
		-e frame.protocols 2>"$d/ref.err" </dev/null |
		perl -F'\t' -lane '
			$n++; $dst{"$F[0]/$F[1]"} = 1;
			$skip++ if ($F[2] ne "" || $F[3] ne "") && ($F[4] ne "" || $F[5] ne "");
			unless ($F[6] =~ /^(?:(?:eth|sll):ethertype(?::(?:vlan|mpls)(?::ethertype)?)*:|raw:)ipv?6?(?::|$)/) {
				my ($enc) = $F[6] =~ /^(.*?)(?::ipv?6?(?::|$)|$)/;
				$undec{$enc}++;
			}
			END {
				printf "ip_packets=%d\ndistinct_dst=%d\ntap_skipped=%d\n",
					$n, scalar(keys %dst), $skip;
				my $u = 0; $u += $_ for values %undec;
				printf "pmacctd_undecoded=%d\n", $u;
				printf "pmacctd_undecoded_by=%s\n", join ";",
					map { "$_=$undec{$_}" } sort { $undec{$b} <=> $undec{$a} } keys %undec;
			}' >"$d/ref.env"
	{
		echo "file=$abs"
		echo "packets=$frames"
		cat "$d/ref.env"
	} >"$d/trace.env"
	distinct=$(sed -n 's/^distinct_dst=//p' "$d/ref.env")
	if grep -v '^Running as user' "$d/ref.err" | grep -q .; then
		log "  tshark said while counting: $(grep -v '^Running as user' "$d/ref.err" | head -n3)"
	fi

	# como
	log "  como"
	mkdir -p "$d/como.dir"
	warm "$abs"
	measure "$d/como.time" "$COMO" run --trace "$abs" -d "$d/como.dir" \
		-m counter -m protocol -m topdest --bpf-stats -j \
		</dev/null >"$d/como.out" 2>"$d/como.err"
	rm -rf "$d/como.dir"

	# como's export per epoch: short intervals make many epochs
	log "  como, export per epoch (10 ms intervals)"
	mkdir -p "$d/export.dir"
	warm "$abs"
	measure "$d/export.time" "$COMO" run --trace "$abs" -d "$d/export.dir" \
		-m counter:interval=10ms -m protocol:interval=10ms \
		-m topdest:interval=10ms -j \
		</dev/null >"$d/export.out" 2>"$d/export.err"
	rm -rf "$d/export.dir"

	# pmacctd
	if [ $have_pmacctd -eq 1 ]; then
		# about 10 entries a bucket; keep chains short and the cache from
		# filling (a full cache purges, and a purge forks).
		entries=$(next_prime $((distinct / 5 > 16411 ? distinct / 5 : 16411)))
		# pmacct's config parser splits on blanks: give it a plain path.
		ln -s "$abs" "$d/trace.pcap"
		: >"$d/pmacctd.attempts"
		for pipe_size in $pipe_sizes; do
			buffer_size=$((pipe_size / 100))
			log "  pmacctd (plugin_pipe_size $pipe_size)"
			rm -f "$d/pmacctd.log" "$d/pmacctd.csv" "$d/pmacctd.time"
			TRACE=$d/trace.pcap LOG=$d/pmacctd.log OUT=$d/pmacctd.csv \
				CACHE_ENTRIES=$entries PIPE_SIZE=$pipe_size BUFFER_SIZE=$buffer_size \
				perl -pe 's/\@(\w+)\@/exists $ENV{$1} ? $ENV{$1} : die "no $1\n"/ge' \
				"$here/pmacctd.conf.in" >"$d/pmacctd.conf"
			warm "$abs"
			(cd "$d" && measure "$d/pmacctd.time" pmacctd -f "$d/pmacctd.conf" \
				</dev/null >"$d/pmacctd.stdout" 2>&1)
			counted=0
			if [ -f "$d/pmacctd.csv" ]; then
				counted=$(awk -F, '$2 ~ /^[0-9]+$/ { s += $2 } END { print s + 0 }' \
					"$d/pmacctd.csv")
			fi
			missing=$(grep -c 'Missing data detected' "$d/pmacctd.log" 2>/dev/null || true)
			echo "plugin_pipe_size=$pipe_size plugin_buffer_size=$buffer_size" \
				"packets=$counted missing_data=${missing:-0} $(cat "$d/pmacctd.time")" \
				>>"$d/pmacctd.attempts"
			# Only the ring overrun is worth another try with a bigger pipe.
			[ "${missing:-0}" -gt 0 ] || break
			log "  pmacctd lost data in its plugin pipe (counted $counted)"
		done
	fi

	# tshark
	log "  tshark"
	warm "$abs"
	measure "$d/tshark.time" tshark -n -q -r "$abs" \
		-z endpoints,ip -z endpoints,ipv6 -z io,stat,0 \
		</dev/null >"$d/tshark.out" 2>"$d/tshark.err"

	# keep the small raw outputs as evidence (not pmacctd's CSV: it can be big)
	raw=$outdir/raw/$i-$(basename "$abs")
	rm -rf "$raw"
	mkdir -p "$raw"
	for f in trace.env como.out como.err como.time export.out export.err \
		export.time pmacctd.conf pmacctd.log \
		pmacctd.time pmacctd.attempts tshark.out tshark.err tshark.time; do
		if [ -f "$d/$f" ]; then cp "$d/$f" "$raw/"; fi
	done
done

perl "$here/report.pl" "$work" "$outdir/bench.json"
log "wrote $outdir/bench.json"

# Live capture and filter cost (tools/bench/live.sh): root, a network namespace
# and tcpreplay; BENCH_LIVE=0 skips it.  Its failure never fails the offline
# part above, whose results are already written.
if [ "${BENCH_LIVE:-1}" != 0 ]; then
	log "live capture (tools/bench/live.sh)"
	COMO=$COMO GENTRACE=$GENTRACE "$here/live.sh" -o "$outdir" </dev/null ||
		log "live part failed or skipped (exit $?); the offline figures above stand"
fi
