#!/bin/bash
# The libFuzzer targets, each for a fixed number of inputs (never a time
# limit): the config parser, time windows and module specs, segment files.
# Seeds: the shipped config, a few windows, a real segment.
. "$(dirname "$0")/lib.sh"

FUZZ=$TOP/.output/fuzz
# segment files are synced to disk on every input: fewer of those
RUNS=${COMO_FUZZ_RUNS:-20000}
RUNS_store=${COMO_FUZZ_RUNS_STORE:-1500}
[ -x "$FUZZ/fuzz_config" ] || skip_all "fuzzers not built (clang with libFuzzer)"

mkdir -p "$TMP/config" "$TMP/timewin" "$TMP/store"
cp "$TOP/como.conf.example" "$TMP/config/"
printf 'module "x"\n source "y"\n args "k=1" "interval=5s"\nend\n' > "$TMP/config/small"
for w in -5m:0 0:0 1700000000:1700000300.5 "+1h:-2d" "topdest:k=10,interval=5s"; do
	printf '%s' "$w" > "$TMP/timewin/$(echo "$w" | md5sum | cut -c1-8)"
done
if [ "$(id -u)" -eq 0 ] && [ -x "$BIN/gentrace" ]; then
	"$GENTRACE" -n 2000 -d 5 -o "$TMP/t.pcap"
	"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/d" -m topdest:interval=1s
	cp "$TMP/d/topdest/00000000.seg" "$TMP/store/"
fi

for t in config timewin store; do
	runs=$RUNS
	[ $t = store ] && runs=$RUNS_store
	"$FUZZ/fuzz_$t" -runs="$runs" -seed=1 -max_len=4096 "$TMP/$t" \
		> "$TMP/log" 2>&1
	rc=$?
	ok $rc "fuzz_$t: $runs inputs, $(grep -Eo 'cov: [0-9]+' "$TMP/log" | tail -n 1)"
	[ $rc -eq 0 ] || tail -n 30 "$TMP/log" | sed "s/^/# /" >&2
done
done_testing
