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
done_testing
