#!/bin/bash
# The libFuzzer targets, each for a fixed number of inputs (never a time
# limit): the config parser, time windows and module specs, segment files,
# time indexes,
# the query server's requests, the in-place pcap reader against libpcap.
# Seeds: the shipped config, a few windows, a real segment, requests (in
# tests/fuzz/corpus/http/), and each
# target's regression inputs in tests/fuzz/corpus/TARGET/ (inputs that
# once crashed it), which also run once each on their own.
. "$(dirname "$0")/lib.sh"

FUZZ=$TOP/.output/fuzz
CORPUS=$TOP/tests/fuzz/corpus
# what a crash leaves (crash-SHA1, leak-, timeout-, oom-), one folder a
# target, out of the tree whatever the working directory
ARTIFACTS=$FUZZ/artifacts
# segment files are synced to disk on every input: fewer of those
RUNS=${COMO_FUZZ_RUNS:-20000}
RUNS_store=${COMO_FUZZ_RUNS_STORE:-1500}
[ -x "$FUZZ/fuzz_config" ] || skip_all "fuzzers not built (clang with libFuzzer)"

targets=
for c in "$TOP"/tests/fuzz/fuzz_*.c; do
	t=${c##*/fuzz_}
	targets="$targets ${t%.c}"
done
for t in $targets; do
	mkdir -p "$TMP/$t" "$ARTIFACTS/$t" || exit 1
done
cp "$TOP/como.conf.example" "$TMP/config/"
printf 'module "x"\n source "y"\n args "k=1" "interval=5s"\nend\n' > "$TMP/config/small"
for w in -5m:0 0:0 1700000000:1700000300.5 "+1h:-2d" "topdest:k=10,interval=5s" \
	 "2023-11-14T22:13:20Z:2023-11-14T23:13:20.25+01:00" ":0" "-1h:"; do
	printf '%s' "$w" > "$TMP/timewin/$(echo "$w" | md5sum | cut -c1-8)"
done
if [ "$(id -u)" -eq 0 ] && [ -x "$BIN/gentrace" ]; then
	"$GENTRACE" -n 2000 -d 5 -o "$TMP/t.pcap"
	"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/d" -m topdest:interval=1s
	cp "$TMP/d/topdest/00000000.seg" "$TMP/store/"
fi
# pcapmap: a small trace whole (first byte 0x80), and its records after a
# header the target writes (0x00: usec, 0x41: nsec, snap 65535)
if [ -x "$BIN/gentrace" ]; then
	"$GENTRACE" -n 12 -d 1 -o "$TMP/p.pcap"
	{ printf '\200'; cat "$TMP/p.pcap"; } > "$TMP/pcapmap/whole"
	{ printf '\000\377\377\000\000'; tail -c +25 "$TMP/p.pcap"; } > "$TMP/pcapmap/records"
	{ printf '\101'; tail -c +25 "$TMP/p.pcap"; } > "$TMP/pcapmap/records-ns"
	[ -f "$TRACES/bad/tcpdump_empty.pcap" ] &&
		{ printf '\200'; cat "$TRACES/bad/tcpdump_empty.pcap"; } > "$TMP/pcapmap/empty"
	# pcapng: the same trace as editcap writes it, and one the target writes
	editcap -F pcapng "$TMP/p.pcap" "$TMP/p.pcapng" 2> /dev/null &&
		{ printf '\200'; cat "$TMP/p.pcapng"; } > "$TMP/pcapmap/ng"
	printf '\104\000\000\000\000\000\000\024\003\000\000\000\025\315\133\007AAAAAAAAAAAAAAAAAAAA' \
		> "$TMP/pcapmap/ng-built"
fi

# fuzz_log TARGET RC: a failed run's last lines, and where its input went
fuzz_log() {
	[ "$2" -eq 0 ] && return
	tail -n 30 "$TMP/log" | sed "s/^/# /" >&2
	grep -h 'Test unit written to' "$TMP/log" | sed "s/^/# fuzz_$1: /" >&2
}

for t in $targets; do
	# the committed inputs, each run once (libFuzzer given files)
	regress=()
	[ -d "$CORPUS/$t" ] && mapfile -t regress < <(find "$CORPUS/$t" -type f | sort)
	if [ ${#regress[@]} -eq 0 ]; then
		skip "fuzz_$t: regression inputs" "none in tests/fuzz/corpus/$t"
	else
		"$FUZZ/fuzz_$t" -artifact_prefix="$ARTIFACTS/$t/" "${regress[@]}" \
			> "$TMP/log" 2>&1
		rc=$?
		ok $rc "fuzz_$t: ${#regress[@]} regression input(s) from tests/fuzz/corpus/$t, each run once"
		fuzz_log "$t" $rc
	fi

	runs=$RUNS
	[ "$t" = store ] && runs=$RUNS_store
	# new inputs go to the first folder, the test's own: the tree's
	# corpus is read only
	seeds=("$TMP/$t")
	[ -d "$CORPUS/$t" ] && seeds+=("$CORPUS/$t")
	"$FUZZ/fuzz_$t" -runs="$runs" -seed=1 -max_len=4096 \
		-artifact_prefix="$ARTIFACTS/$t/" "${seeds[@]}" > "$TMP/log" 2>&1
	rc=$?
	ok $rc "fuzz_$t: $runs inputs, $(grep -Eo 'cov: [0-9]+' "$TMP/log" | tail -n 1)"
	fuzz_log "$t" $rc
done
done_testing
