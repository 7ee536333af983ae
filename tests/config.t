#!/bin/bash
# The CoMo-style config file: the shipped example runs, and a config
# gives the same results as the same modules on the command line.
. "$(dirname "$0")/lib.sh"
need_root

"$GENTRACE" -n 30000 -d 12 -s 11 -o "$TMP/t.pcap"
sed -e "s|\"trace.pcap\"|\"$TMP/t.pcap\"|" -e "s|\"/var/lib/como\"|\"$TMP/conf\"|" \
	"$TOP/como.conf.example" > "$TMP/como.conf"
"$COMO" run -q -c "$TMP/como.conf"
ok $? "the example config runs"
for m in counter protocol "top destinations"; do
	[ -f "$TMP/conf/$m/meta.json" ]
	ok $? "stream '$m' stored"
done

"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/cli" -m counter:interval=1s \
	-m protocol -m topdest:k=20,interval=5s -F "tcp or udp"
for pair in "counter:counter" "protocol:protocol" "top destinations:topdest"; do
	a=${pair%%:*} b=${pair##*:}
	"$COMO" query -d "$TMP/conf" -m "$a" -f csv > "$TMP/a.csv"
	"$COMO" query -d "$TMP/cli" -m "$b" -f csv > "$TMP/b.csv"
	same "$TMP/a.csv" "$TMP/b.csv"
	ok $? "config '$a' equals -m $b (with -F where the config filters)"
done
"$ORACLE" -m counter -i 1 "$TMP/t.pcap" > "$TMP/o.csv"
"$COMO" query -d "$TMP/conf" -m counter -f csv > "$TMP/a.csv"
same "$TMP/a.csv" "$TMP/o.csv"
ok $? "config 'counter' (interval=1s) equals the oracle"

# running again appends to the same streams, never mixes kinds
"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/cli" -m counter:interval=2s 2> "$TMP/err"
[ $? -eq 1 ] && grep -q "already holds module counter" "$TMP/err"
ok $? "a stream refuses records of other arguments"
"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/cli" -m protocol -m counter:interval=2s 2> /dev/null
"$COMO" query -d "$TMP/cli" -m protocol -f csv > /dev/null 2> "$TMP/err"
ok $([ ! -s "$TMP/err" ]; echo $?) "a refused run leaves the other streams complete"

# modulepath: one more directory modules are found in, by name
# (not under /tmp, which others can write: such a module is refused)
MODS=$(mktemp -d /run/como-modulepath.XXXXXX)
trap 'rm -rf "$MODS" "$TMP"' EXIT
chmod 0755 "$MODS"
cp "$TOP/.output/modules/counter.so" "$MODS/mycounter.so"
chmod 0644 "$MODS/mycounter.so"
printf 'modulepath "%s"\nmodule "mine"\n  source "mycounter"\nend\n' "$MODS" > "$TMP/mp.conf"
"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/mp" -c "$TMP/mp.conf" 2> "$TMP/err"
ok $? "a module found by name in a config's modulepath runs: $(cat "$TMP/err")"
"$COMO" query -d "$TMP/mp" -m mine -f csv > "$TMP/mine.csv"
same "$TMP/mine.csv" "$TMP/o.csv"
ok $? "and counts as the oracle does"
printf 'modulepath "relative/dir"\n' > "$TMP/mp2.conf"
"$COMO" run -q --trace "$TMP/t.pcap" -d "$TMP/mp2" -c "$TMP/mp2.conf" 2> "$TMP/err"
ok $([ $? -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	grep -q "an absolute path" "$TMP/err"; echo $?) \
	"a relative modulepath is refused in one line: $(cat "$TMP/err")"
done_testing
