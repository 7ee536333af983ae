#!/bin/sh
# fake-como.sh -- stand-in for `como run ... -j`, to test bench.sh without a
# built como:  COMO=tools/bench/fake-como.sh tools/bench/bench.sh TRACE
# It counts the trace's packets with capinfos, burns a little CPU, and prints
# the JSON object `como run -j` prints.  Its speed means nothing.
set -eu
trace=
while [ $# -gt 0 ]; do
	case $1 in
	--trace) trace=$2; shift ;;
	esac
	shift
done
[ -n "$trace" ] || { echo "fake-como: --trace FILE needed" >&2; exit 2; }
counts=$(capinfos -c -d -M -T -r "$trace" | awk -F'\t' '{ print $2, $3 }')
packets=${counts% *} bytes=${counts#* }
sleep 0.3
i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done
printf '{"trace":"%s","packets":%s,"bytes":%s,"epochs":1,"elapsed_s":0.4,"cpu_s":0.1,"pps":%s,"bpf":{"run_cnt":%s,"run_time_ns":%s,"ns_per_pkt":42.5}}\n' \
	"$trace" "$packets" "$bytes" "$((packets * 2))" "$((packets / 100 + 1))" "$((packets * 42))"
