#!/bin/bash
# A disk that fills up under a run (a small tmpfs this test mounts, filled
# by a file): the records that could not be written are counted per
# stream with their errno (no space left on device), meta.json marks the
# stream incomplete with the intervals missing, the run's summary says it
# and exits 1, 'como query' says it and exits 1 (and ends a JSON answer
# with the mark), and every record stored is whole and equal to
# libpcap's figures for its interval (como-oracle). Left full; and freed
# mid-run, when writing resumes.
. "$(dirname "$0")/lib.sh"
need_root

MNT=$TMP/mnt
mkdir -p "$MNT"
mount -t tmpfs -o size=2m,mode=0755 "como-full-$$" "$MNT" ||
	skip_all "cannot mount a tmpfs"
trap 'umount "$MNT" 2> /dev/null; rm -rf "$TMP"' EXIT

"$GENTRACE" -n 200000 -d 6 -s 11 -o "$TMP/t.pcap"
"$ORACLE" -m counter -i 0.001 "$TMP/t.pcap" > "$TMP/oracle.csv"
MODS=(-m counter:interval=1ms -m protocol:interval=1ms)

# fill LEAVE: the tmpfs is emptied, then filled but for LEAVE bytes
fill() {
	rm -rf "$MNT"/*
	avail=$(df -B1 --output=avail "$MNT" | tail -n 1)
	head -c $((avail - $1)) /dev/zero > "$MNT/filler" 2> /dev/null
}

# check WHAT: the counter's stream against the oracle, and its marks
check() {
	local d=$MNT/d
	"$COMO" query -d "$d" -m counter -f csv > "$TMP/got.csv" 2> "$TMP/qerr"
	qrc=$?
	ok $([ $qrc -eq 1 ] && grep -qi "incomplete.*no space left on device" \
		"$TMP/qerr"; echo $?) \
		"$1: the query exits 1 ($qrc) and says so: $(head -n 1 "$TMP/qerr")"
	! grep -qi "damaged\|torn\|input/output" "$TMP/qerr"
	ok $? "$1: nothing stored is damaged"
	perl -MJSON::PP -e '
		my ($metaf, $of, $gf) = @ARGV;
		local $/; open my $m, "<", $metaf or die; my $meta = decode_json(<$m>);
		$/ = "\n";
		my %want; open my $o, "<", $of or die; <$o>;
		while (<$o>) { chomp; my ($t) = split /,/; $want{$t} = $_ }
		my %got; open my $g, "<", $gf or die; <$g>;
		while (<$g>) { chomp; my ($t) = split /,/; $got{$t} = $_ }
		my $inc = $meta->{incomplete} or die "no incomplete mark\n";
		for (keys %got) {
			die "stored $got{$_}, libpcap says ", $want{$_} // "nothing", "\n"
				unless defined $want{$_} && $want{$_} eq $got{$_};
		}
		my $missing = 0;
		for my $t (keys %want) {
			next if exists $got{$t};
			my $ns = sprintf("%.0f", $t * 1e9);
			my $in = grep { $ns >= $_->[0] - 1000 && $ns < $_->[1] } @{$inc->{missing}};
			die "interval $t is neither stored nor marked missing\n" unless $in;
			$missing++;
		}
		die "meta.json says $meta->{records} records, the query read ", scalar(keys %got), "\n"
			unless $meta->{records} == keys %got;
		die "meta.json says $inc->{records_lost} lost, $missing intervals are\n"
			unless $inc->{records_lost} == $missing;
		die "state $meta->{state}\n" unless $meta->{state} eq "incomplete";
		die "nothing stored\n" unless keys %got;
		print scalar(keys %got), " stored, $missing missing in ",
			scalar(@{$inc->{missing}}), " runs\n";
	' "$d/counter/meta.json" "$TMP/oracle.csv" "$TMP/got.csv" > "$TMP/cmp" 2>&1
	ok $? "$1: each stored interval equals libpcap's, the rest are marked missing: $(cat "$TMP/cmp")"
	"$COMO" query -d "$d" -m counter -f json 2> /dev/null |
		perl -MJSON::PP -e 'my $a = decode_json(join "", <STDIN>);
			exit !($a->[-1]{incomplete}{missing} && @{$a->[-1]{incomplete}{missing}})'
	ok $? "$1: a JSON answer ends with the mark and its missing intervals"
	ok $([ ! -e "$d/counter/.meta.json.tmp" ] && [ -s "$d/counter/meta.json" ]; echo $?) \
		"$1: no temporary meta.json is left behind"
}

# run_watch ERR ACTION ARGS...: como run ARGS, its stderr to ERR; at the
# counter's first failure to store, comod is stopped, ACTION runs, comod
# goes on.
# $rc, and $acted once ACTION ran.
run_watch() {
	local err=$1 action=$2 pid line
	shift 2
	rm -f "$TMP/fifo"
	mkfifo "$TMP/fifo"
	"$COMO" run --trace "$TMP/t.pcap" -d "$MNT/d" "$@" 2> "$TMP/fifo" &
	pid=$!
	acted=
	: > "$err"
	while IFS= read -r line; do
		echo "$line" >> "$err"
		case $line in
		*"/counter: cannot store records"*)
			if [ -z "$acted" ]; then
				# stopped meanwhile: no race with its end
				kill -STOP $pid
				$action
				kill -CONT $pid
				acted=1
			fi
			;;
		esac
	done < "$TMP/fifo"
	wait $pid
	rc=$?
}

# every byte of the tmpfs taken: not one page left for a new file
top_up() { head -c "$(df -B1 --output=avail "$MNT" | tail -n 1)" /dev/zero > "$MNT/filler2" 2> /dev/null; }
free_up() { rm -f "$MNT/filler"; }

# --- the disk stays full ---
fill $((768 * 1024))
run_watch "$TMP/err" top_up -j "${MODS[@]}" > "$TMP/sum.json"
ok $([ $rc -eq 1 ] && [ -n "$acted" ]; echo $?) "left full: the run exits 1 ($rc)"
grep -q "counter: [0-9]* records could not be stored (No space left on device)" "$TMP/err"
ok $? "left full: the summary names the reason: $(grep 'could not be stored' "$TMP/err" | head -n 1)"
ok $(! grep -qi "input/output error" "$TMP/err"; echo $?) "left full: no 'Input/output error'"
# once a stream, and again only after it stored again (a record that fit
# in the last page of a segment, say)
n=$(grep -c "cannot store records" "$TMP/err")
again=$(grep -c "storing again" "$TMP/err")
ok $([ "$n" -le $((2 + again)) ]; echo $?) \
	"left full: the failure is said once a stream and stop ($n lines, $again resumed), not once a record"
perl -MJSON::PP -e 'my $s = decode_json(join "", <STDIN>);
	my ($c) = grep { $_->{name} eq "counter" } @{$s->{modules}};
	exit !(!$s->{complete} && $c->{records_lost} > 0 &&
	       $c->{lost_reason} =~ /no space/i)' < "$TMP/sum.json"
ok $? "left full: the JSON summary says incomplete, with the records lost and why"
grep -q "meta.json written in place" "$TMP/err"
ok $? "left full: meta.json, with no room for a new copy, is written in place"
check "left full"

# --- freed mid-run: when the first write fails, the filler goes ---
fill $((256 * 1024))
# the counter alone: its stream is the one that meets the full disk
run_watch "$TMP/err2" free_up -m counter:interval=1ms
freed=$acted
ok $([ $rc -eq 1 ] && [ -n "$freed" ]; echo $?) "freed mid-run: the run exits 1 ($rc)"
grep -q "storing again" "$TMP/err2"
ok $? "freed mid-run: writing resumes: $(grep -m1 'storing again' "$TMP/err2")"
"$COMO" query -d "$MNT/d" -m counter -f csv 2> /dev/null | tail -n 1 > "$TMP/last"
tail -n 1 "$TMP/oracle.csv" > "$TMP/olast"
same "$TMP/olast" "$TMP/last"
ok $? "freed mid-run: the last interval is stored"
check "freed mid-run"
# a window clear of the gap is whole: no mark, exit 0
"$COMO" query -d "$MNT/d" -m counter -t -1ms:0 -f csv > /dev/null 2> "$TMP/qerr"
ok $? "freed mid-run: a window clear of the missing intervals exits 0"
done_testing
