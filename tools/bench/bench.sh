#!/bin/bash
# bench.sh -- offline throughput of como against peers on the same trace.
#
#   tools/bench/bench.sh [-o OUTDIR] [TRACE...]
#
# Environment: COMO (default .output/bin/como), GENTRACE (default
# .output/bin/gentrace), BENCH_TIMEOUT (seconds per tool run, default 300),
# and, to skip or shorten parts (tools/bench/README.md):
#   BENCH_PEERS         peers to run (default "pmacctd tshark nfpcapd"; empty: none)
#   BENCH_SPARSE        1 (default): add the sparse real trace, SPARSE_COPIES
#                       time-shifted copies of BENCH_SPARSE_SRC (default
#                       ../shared/traces/mixed/ndpi_gnutella.pcap), 601 s
#                       apart; 0 skips it
#   BENCH_SPARSE_COPIES copies in the sparse trace (default 256)
#   BENCH_CORES         1 (default): como on 1 core and on 2 (taskset) on the
#                       first trace; 0 skips it
#   BENCH_MODULES       1 (default): each module alone and all together,
#                       in-kernel ns per packet, on the first trace; 0 skips
#   BENCH_REPS          rounds of the core and module runs (default 3; the
#                       median is reported, every round is in the JSON)
#   BENCH_LIVE          1 (default): tools/bench/live.sh at the end; 0 skips
#   BENCH_QUERY         1 (default): tools/bench/query.sh, ingest and query
#                       latency over a week of stored records; 0 skips
#
# For each trace it runs, one after the other on the same file:
#   como     $COMO run --trace FILE -d DIR -m counter -m protocol -m topdest --bpf-stats -j
#   pmacctd  per-destination (dst_host) counts with the print plugin
#   tshark   -n -q -z endpoints,ip -z endpoints,ipv6 -z io,stat,0
#   nfpcapd  nfpcapd -r FILE -w DIR (NetFlow records in nfcapd files), then
#            nfdump -6 -R DIR -A dstip (packets per destination): one command,
#            both programs measured together
# on the sparse trace also
#   como     the same modules with interval=1h: the cost of the clock
#            (empty intervals) is the default run's CPU over this one's
# and on the first trace also
#   como     under taskset -c 0 and under taskset -c 0,1 (rate ratio; the
#            stored results, como query -f csv, compared)
#   como     each module of modules/ alone and all of them together, with
#            --bpf-stats (in-kernel ns per packet), and the baseline: the
#            dispatcher with tests/modules/nop, a module that does nothing
#            (como cannot run without a module)
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
BENCH_PEERS=${BENCH_PEERS-pmacctd tshark nfpcapd}
BENCH_SPARSE=${BENCH_SPARSE:-1}
BENCH_SPARSE_SRC=${BENCH_SPARSE_SRC:-$root/../shared/traces/mixed/ndpi_gnutella.pcap}
BENCH_SPARSE_COPIES=${BENCH_SPARSE_COPIES:-256}
BENCH_CORES=${BENCH_CORES:-1}
BENCH_MODULES=${BENCH_MODULES:-1}
BENCH_REPS=${BENCH_REPS:-3}
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
command -v nfpcapd >/dev/null || missing="$missing nfdump"
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
peer_wanted() { case " $BENCH_PEERS " in *" $1 "*) return 0 ;; esac; return 1; }
have_pmacctd=0
command -v pmacctd >/dev/null && peer_wanted pmacctd && have_pmacctd=1
have_tshark=0
peer_wanted tshark && have_tshark=1
have_nfpcapd=0
command -v nfpcapd >/dev/null && command -v nfdump >/dev/null && peer_wanted nfpcapd &&
	have_nfpcapd=1

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
kinds=()
for t in "$@"; do kinds+=(given); done
kinds[0]=first

# The sparse real trace: copies of a short real capture, each shifted by
# 601 s (the source lasts 600.25 s), concatenated in time order: a day and
# more of trace time with most intervals empty.  Cached like bench.pcap.
if [ "$BENCH_SPARSE" != 0 ]; then
	src=$BENCH_SPARSE_SRC
	sparse=$outdir/sparse-$(basename "$src" .pcap)-$BENCH_SPARSE_COPIES.pcap
	if [ ! -r "$src" ]; then
		log "sparse trace skipped: cannot read $src (set BENCH_SPARSE_SRC)"
	elif [ -s "$sparse" ] && [ "$sparse" -nt "$src" ]; then
		log "reusing $sparse"
		set -- "$@" "$sparse"
		kinds+=(sparse)
	else
		log "making $sparse ($BENCH_SPARSE_COPIES copies of $(basename "$src"), 601 s apart)"
		mkdir -p "$work/sparse"
		ok=1
		for ((c = 0; c < BENCH_SPARSE_COPIES; c++)); do
			editcap -t $((601 * c)) "$src" "$(printf '%s/%05d.pcap' "$work/sparse" $c)" ||
				{ ok=0; break; }
		done
		rm -f "$outdir/sparse.tmp.pcap"
		if [ $ok -eq 1 ] && mergecap -a -w "$outdir/sparse.tmp.pcap" "$work/sparse"/*.pcap; then
			mv -f "$outdir/sparse.tmp.pcap" "$sparse"
			set -- "$@" "$sparse"
			kinds+=(sparse)
		else
			rm -f "$outdir/sparse.tmp.pcap"
			log "sparse trace skipped: editcap or mergecap failed"
		fi
		rm -rf "$work/sparse"
	fi
fi

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

# The three modules on 1 core and on 2 (taskset), BENCH_REPS interleaved
# rounds; after each run the stored results of every module, as
# `como query -f csv` prints them, for comparing the two.
cores_run() { # TRACE DIR
	local t=$1 c=$2/cores r cpus name m
	mkdir -p "$c"
	if [ "$(nproc)" -lt 2 ] || ! command -v taskset >/dev/null; then
		echo "skipped=needs 2 CPUs and taskset" >"$c/skipped"
		return 0
	fi
	for ((r = 1; r <= BENCH_REPS; r++)); do
		for cpus in 0 0,1; do
			name=cores$(($(echo "$cpus" | tr -cd , | wc -c) + 1))-$r # cores1-R, cores2-R
			log "  como under taskset -c $cpus (round $r of $BENCH_REPS)"
			rm -rf "$c/dir"
			mkdir -p "$c/dir"
			warm "$t"
			measure "$c/$name.time" taskset -c "$cpus" "$COMO" run --trace "$t" \
				-d "$c/dir" -m counter -m protocol -m topdest -j \
				</dev/null >"$c/$name.out" 2>"$c/$name.err"
			: >"$c/$name.csv"
			for m in counter protocol topdest; do
				{ echo "# $m"; "$COMO" query -m "$m" -f csv -d "$c/dir" 2>&1; } \
					>>"$c/$name.csv" </dev/null || echo "# query failed: $m" >>"$c/$name.csv"
			done
			md5sum <"$c/$name.csv" | cut -d' ' -f1 >"$c/$name.md5"
			# keep one copy of each core count's results, not every round's
			[ "$r" -eq 1 ] || rm -f "$c/$name.csv"
		done
	done
	rm -rf "$c/dir"
}

# A module's arguments where it needs some to run (pattern: a rule).
module_args() {
	case $1 in
	pattern) echo ":rule=HTTP/1.1" ;;
	esac
}

# In-kernel ns per packet (--bpf-stats): each module in the tree alone, then
# all of them together, BENCH_REPS interleaved rounds.
modules_run() { # TRACE DIR
	local t=$1 c=$2/modules r m all=()
	local nop=$root/.output/test-modules/nop.so
	mkdir -p "$c"
	for m in "$root"/modules/*/; do
		m=$(basename "$m")
		all+=(-m "$m$(module_args "$m")")
		echo "$m" >>"$c/list"
	done
	for ((r = 1; r <= BENCH_REPS; r++)); do
		log "  each module alone, and all together (round $r of $BENCH_REPS)"
		while read -r m; do
			rm -rf "$c/dir"
			"$COMO" run --trace "$t" -d "$c/dir" -m "$m$(module_args "$m")" \
				--bpf-stats -j -q \
				</dev/null >"$c/$m-$r.out" 2>"$c/$m-$r.err" || true
		done <"$c/list"
		rm -rf "$c/dir"
		"$COMO" run --trace "$t" -d "$c/dir" "${all[@]}" --bpf-stats -j -q \
			</dev/null >"$c/ALL-$r.out" 2>"$c/ALL-$r.err" || true
		# the baseline: the dispatcher and a module that does nothing
		rm -rf "$c/dir"
		[ ! -f "$nop" ] || "$COMO" run --trace "$t" -d "$c/dir" -m "$nop" \
			--bpf-stats -j -q </dev/null >"$c/DISPATCHER-$r.out" \
			2>"$c/DISPATCHER-$r.err" || true
	done
	rm -rf "$c/dir"
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
	if [ $have_nfpcapd -eq 1 ]; then echo "nfdump=$(nfdump -V 2>&1 | head -n1)"; fi
	echo "peers=$BENCH_PEERS"
	echo "reps=$BENCH_REPS"
	echo "timeout_s=$BENCH_TIMEOUT"
} >"$work/host.env"

i=0
for t in "$@"; do
	i=$((i + 1))
	abs=$(cd "$(dirname "$t")" && pwd)/$(basename "$t")
	d=$work/trace$i
	kind=${kinds[$((i - 1))]}
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
		-e frame.protocols -e ip.frag_offset -e ipv6.fraghdr.offset \
		2>"$d/ref.err" </dev/null |
		perl -F'\t' -lane '
			$n++; $dst{"$F[0]/$F[1]"} = 1;
			$skip++ if ($F[2] ne "" || $F[3] ne "") && ($F[4] ne "" || $F[5] ne "");
			unless ($F[6] =~ /^(?:(?:eth|sll):ethertype(?::(?:vlan|mpls)(?::ethertype)?)*:|raw:)ipv?6?(?::|$)/) {
				my ($enc) = $F[6] =~ /^(.*?)(?::ipv?6?(?::|$)|$)/;
				$undec{$enc}++;
			}
			# nfpcapd reads an IP header behind Ethernet, 802.1Q tags
			# and MPLS labels; it skips 802.1ad-tagged frames; it
			# reassembles fragments: a datagram is one packet
			if ($F[6] =~ /^((?:eth|sll):ethertype(?::(?:vlan|mpls)(?::ethertype)?)*:ieee8021ad)/) {
				$nfundec{$1}++;
			} elsif (($F[7] ne "" && $F[7] > 0) || ($F[8] ne "" && $F[8] > 0)) {
				$frag++;
			}
			END {
				printf "ip_packets=%d\ndistinct_dst=%d\ntap_skipped=%d\n",
					$n, scalar(keys %dst), $skip;
				my $u = 0; $u += $_ for values %undec;
				printf "pmacctd_undecoded=%d\n", $u;
				printf "pmacctd_undecoded_by=%s\n", join ";",
					map { "$_=$undec{$_}" } sort { $undec{$b} <=> $undec{$a} } keys %undec;
				printf "ip_fragments_not_first=%d\n", $frag;
				$u = 0; $u += $_ for values %nfundec;
				printf "nfpcapd_undecoded=%d\n", $u;
				printf "nfpcapd_undecoded_by=%s\n", join ";",
					map { "$_=$nfundec{$_}" } sort { $nfundec{$b} <=> $nfundec{$a} } keys %nfundec;
			}' >"$d/ref.env"
	ref_rc=${PIPESTATUS[0]}
	if [ "$ref_rc" -ne 0 ]; then
		die "the reference tshark pass failed (exit $ref_rc): $(grep -v '^Running as user' "$d/ref.err" | head -n3)"
	fi
	{
		echo "kind=$kind"
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

	if [ "$kind" = sparse ]; then
		# the same run with hour-long intervals: what the empty ones cost
		log "  como, interval=1h"
		mkdir -p "$d/como1h.dir"
		warm "$abs"
		measure "$d/como1h.time" "$COMO" run --trace "$abs" -d "$d/como1h.dir" \
			-m counter:interval=1h -m protocol:interval=1h \
			-m topdest:interval=1h --bpf-stats -j \
			</dev/null >"$d/como1h.out" 2>"$d/como1h.err"
		rm -rf "$d/como1h.dir"
	else
		# como's export per epoch: short intervals make many epochs (not
		# on the sparse trace: 10 ms over 42 hours is 15 million epochs)
		log "  como, export per epoch (10 ms intervals)"
		mkdir -p "$d/export.dir"
		warm "$abs"
		measure "$d/export.time" "$COMO" run --trace "$abs" -d "$d/export.dir" \
			-m counter:interval=10ms -m protocol:interval=10ms \
			-m topdest:interval=10ms -j \
			</dev/null >"$d/export.out" 2>"$d/export.err"
		rm -rf "$d/export.dir"
	fi

	if [ "$kind" = first ] && [ "$BENCH_CORES" != 0 ]; then
		cores_run "$abs" "$d"
	fi
	if [ "$kind" = first ] && [ "$BENCH_MODULES" != 0 ]; then
		modules_run "$abs" "$d"
	fi

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
	if [ $have_tshark -eq 1 ]; then
		log "  tshark"
		warm "$abs"
		measure "$d/tshark.time" tshark -n -q -r "$abs" \
			-z endpoints,ip -z endpoints,ipv6 -z io,stat,0 \
			</dev/null >"$d/tshark.out" 2>"$d/tshark.err"
	fi

	# nfpcapd + nfdump: flow records written to files, then the packets per
	# destination read back from them, measured as one command
	if [ $have_nfpcapd -eq 1 ]; then
		log "  nfpcapd + nfdump"
		rm -rf "$d/nfcapd"
		mkdir -p "$d/nfcapd"
		warm "$abs"
		# shellcheck disable=SC2016 # expanded by the inner sh
		measure "$d/nfpcapd.time" sh -c 'nfpcapd -r "$1" -w "$2" >"$3" 2>&1 &&
			nfdump -6 -R "$2" -q -A dstip -o "fmt:%da %pkt" >"$4" 2>"$5"' sh \
			"$abs" "$d/nfcapd" "$d/nfpcapd.log" "$d/nfdump.out" "$d/nfdump.err" \
			</dev/null
		echo "files=$(find "$d/nfcapd" -type f | wc -l)" >"$d/nfpcapd.env"
		rm -rf "$d/nfcapd"
	fi

	# keep the small raw outputs as evidence (not pmacctd's CSV: it can be big)
	raw=$outdir/raw/$i-$(basename "$abs")
	rm -rf "$raw"
	mkdir -p "$raw"
	for f in trace.env como.out como.err como.time export.out export.err \
		export.time como1h.out como1h.err como1h.time pmacctd.conf pmacctd.log \
		pmacctd.time pmacctd.attempts tshark.out tshark.err tshark.time \
		nfpcapd.log nfpcapd.time nfpcapd.env nfdump.err; do
		if [ -f "$d/$f" ]; then cp "$d/$f" "$raw/"; fi
	done
	for f in cores modules; do
		if [ -d "$d/$f" ]; then cp -r "$d/$f" "$raw/"; fi
	done
done

# Ingest and query latency over a week of stored records (query.sh): a
# trace of its own, so it is the same whatever TRACE was given.
if [ "${BENCH_QUERY:-1}" != 0 ]; then
	log "ingest and query latency (tools/bench/query.sh)"
	COMO=$COMO GENTRACE=$GENTRACE "$here/query.sh" -o "$work/query.json" -w "$work" \
		</dev/null || log "query part failed (exit $?)"
	if [ -f "$work/query.json" ]; then cp "$work/query.json" "$outdir/raw/"; fi
fi

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
