#!/bin/bash
# query.sh -- ingest and query latency over a week of stored records.
#
#   tools/bench/query.sh -o OUTFILE.json [-w WORKDIR]
#
# Environment: COMO, GENTRACE, COMOD (default: next to COMO), and
#   BENCH_QUERY_DAYS     days of trace time (default 7)
#   BENCH_QUERY_PPS      packets a second of trace time (default 10)
#   BENCH_QUERY_FLOWS    flows in the trace (default: PPS * DAYS * 86400 / 6)
#   BENCH_QUERY_N        random windows of each length (default 50)
#   BENCH_QUERY_MODULES  the streams queried (default "topdest")
#
# A trace of DAYS days at PPS packets a second (gentrace -d, many hosts and
# flows) goes through `como run -m topdest -m flows` at their default
# intervals (5 s and 1 s): ingest is the records stored over the run's wall
# time, and du's bytes of the data directory over it. Then, for each
# module of BENCH_QUERY_MODULES, N random 5-minute and N random 24-hour
# windows are asked of `como query -f json` and of `comod -d DIR --http`
# (curl), and their p50/p99 latencies reported (query.pl). Writes one
# JSON object to OUTFILE; the trace and the data go when it ends.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
COMO=${COMO:-$root/.output/bin/como}
COMOD=${COMOD:-$(dirname "$COMO")/comod}
GENTRACE=${GENTRACE:-$root/.output/bin/gentrace}
days=${BENCH_QUERY_DAYS:-7}
pps=${BENCH_QUERY_PPS:-10}
npkts=$((pps * days * 86400))
flows=${BENCH_QUERY_FLOWS:-$((npkts / 6))}
nq=${BENCH_QUERY_N:-50}
modules=${BENCH_QUERY_MODULES:-topdest}
out=
base=${TMPDIR:-/tmp}

log() { echo "bench: query: $*" >&2; }
die() { log "$*"; exit 1; }

while getopts o:w: opt; do
	case $opt in
	o) out=$OPTARG ;;
	w) base=$OPTARG ;;
	*) die "usage: $0 -o OUTFILE.json [-w WORKDIR]" ;;
	esac
done
[ -n "$out" ] || die "usage: $0 -o OUTFILE.json [-w WORKDIR]"
[ -x "$COMO" ] && [ -x "$COMOD" ] && [ -x "$GENTRACE" ] ||
	die "needs como, comod and gentrace ($COMO, $COMOD, $GENTRACE)"
command -v curl >/dev/null || die "needs curl"
[ "$flows" -ge 1 ] || flows=1

work=$(mktemp -d "$base/como-query.XXXXXX")
srv=
cleanup() {
	if [ -n "$srv" ]; then
		kill "$srv" 2>/dev/null || true
		wait "$srv" 2>/dev/null || true
	fi
	rm -rf -- "$work"
}
trap cleanup EXIT

# Hosts: a site's worth, so that a day's top destinations change.
hosts=$((flows / 20 > 4 ? (flows / 20 < 200000 ? flows / 20 : 200000) : 4))
log "generating $npkts packets over $days days ($pps pps), $flows flows, $hosts hosts"
"$GENTRACE" -n "$npkts" -f "$flows" -H "$hosts" -d $((days * 86400)) -s 11 \
	-o "$work/week.pcap" || die "gentrace failed"

log "ingest: como run -m topdest -m flows"
"$here/measure.pl" -t "${BENCH_TIMEOUT:-300}" "$work/ingest.time" -- \
	"$COMO" run --trace "$work/week.pcap" -d "$work/data" -m topdest -m flows -j -q \
	</dev/null >"$work/ingest.out" 2>"$work/ingest.err" || true
rm -f "$work/week.pcap"
[ -d "$work/data/topdest" ] && [ -d "$work/data/flows" ] ||
	die "the run stored nothing: $(head -n 2 "$work/ingest.err")"
du -sb "$work/data" | cut -f1 >"$work/ingest.du"
for m in topdest flows; do
	du -sb "$work/data/$m" | cut -f1 >"$work/ingest.$m.du"
done

log "serving the data directory over HTTP"
"$COMOD" -d "$work/data" --http 127.0.0.1:0 2>"$work/comod.log" </dev/null &
srv=$!
port=
for _ in $(seq 100); do # at most 10 s
	port=$(sed -n 's/.*serving HTTP on .*:\([0-9]*\).*/\1/p' "$work/comod.log" | head -n 1)
	[ -n "$port" ] && break
	kill -0 "$srv" 2>/dev/null || break
	sleep 0.1
done
url=
if [ -n "$port" ]; then
	url=http://127.0.0.1:$port
else
	log "comod did not serve: $(head -n 2 "$work/comod.log"); the command line alone"
fi

: >"$work/lat.jsonl"
for m in $modules; do
	for w in 300 86400; do
		log "$m: $nq random windows of $w s"
		perl "$here/query.pl" "$COMO" "$work/data" "$m" "$w" "$nq" 17 $url \
			>>"$work/lat.jsonl" 2>"$work/lat.err" ||
			log "query.pl failed: $(head -n 1 "$work/lat.err")"
	done
done

WORK=$work PPS=$pps DAYS=$days NPKTS=$npkts FLOWS=$flows HOSTS=$hosts perl -MJSON::PP -e '
	sub slurp { open my $fh, "<", $_[0] or return undef; local $/; return scalar <$fh> }
	my $w = $ENV{WORK};
	my %t = (slurp("$w/ingest.time") // "") =~ /(\w+)=(\S+)/g;
	my $j = eval { decode_json(slurp("$w/ingest.out") // "") } // {};
	my (%rec, $records);
	$rec{$_->{name}} = $_->{records} for @{ $j->{modules} // [] };
	$records += $_ for values %rec;
	my $bytes = 0 + (slurp("$w/ingest.du") // 0);
	my %du = map { $_ => 0 + (slurp("$w/ingest.$_.du") // 0) } keys %rec;
	my $wall = $t{wall_s};
	my %doc = (
		trace => { days => 0 + $ENV{DAYS}, pps => 0 + $ENV{PPS}, packets => 0 + $ENV{NPKTS},
			   flows => 0 + $ENV{FLOWS}, hosts => 0 + $ENV{HOSTS} },
		ingest => {
			complete => ($j->{complete} && ($j->{packets} // -1) == $ENV{NPKTS})
				? JSON::PP::true : JSON::PP::false,
			wall_s => 0 + ($wall // 0), cpu_s => ($t{user_s} // 0) + ($t{sys_s} // 0),
			rc => 0 + ($t{rc} // -1),
			records => $records, records_by_module => \%rec,
			bytes => $bytes, bytes_by_module => \%du,
			records_per_s => $wall ? 0 + sprintf("%.0f", $records / $wall) : undef,
			mb_per_s => $wall ? 0 + sprintf("%.2f", $bytes / 1e6 / $wall) : undef,
			bytes_per_record => $records ? 0 + sprintf("%.1f", $bytes / $records) : undef,
		},
		latency => [ map { decode_json($_) } grep { /\S/ } split /\n/, slurp("$w/lat.jsonl") // "" ],
		targets => { p99_ms_300 => 10, p99_ms_86400 => 200 },
	);
	print JSON::PP->new->pretty->canonical->encode(\%doc);
' >"$out.tmp"
mv -f "$out.tmp" "$out"
