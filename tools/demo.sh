#!/bin/sh
# make demo: the main job on an embedded default. A deterministic trace
# from tools/gentrace goes through comod with the counter, protocol and
# topdest modules; como query then prints what each one stored.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/.output/bin
out=$top/.output/demo
trace=$out/demo.pcap
data=$out/data

mkdir -p "$out"
rm -rf "$data"
if [ ! -f "$trace" ]; then
	echo "== generating $trace (200,000 packets, 60 s, seed 1)"
	"$bin/gentrace" -n 200000 -d 60 -s 1 -o "$trace"
fi

echo "== como run --trace $trace -d $data -m counter -m protocol -m topdest:k=10,interval=10s"
"$bin/como" run --trace "$trace" -d "$data" \
	-m counter -m protocol -m topdest:k=10,interval=10s

echo
echo "== como query -d $data -m counter -t -10s:0"
"$bin/como" query -d "$data" -m counter -t -10s:0
echo
echo "== como query -d $data -m protocol -t -2s:0"
"$bin/como" query -d "$data" -m protocol -t -2s:0
echo
echo "== como query -d $data -m topdest -t -5s:0"
"$bin/como" query -d "$data" -m topdest -t -5s:0
echo
echo "== como query -d $data -m topdest -t -5s:0 -f json | head -n 3"
"$bin/como" query -d "$data" -m topdest -t -5s:0 -f json | head -n 3
echo
echo "More: como query -d $data -m topdest -f csv; como --help; man man/como.1"
