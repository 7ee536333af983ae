#!/bin/bash
# comod's query server, over HTTP with curl: CoMo's form at / in every
# format and window, the JSON API, /metrics (promtool, and a Prometheus
# this test starts), every refusal (a 4xx and one line), answers cut at
# their bounds that say so, 64 clients at once, a slow client beside a
# quick one, a live monitor's figures, and the bearer token beyond
# loopback (a client in another network namespace, across a veth pair).
# The figures are libpcap's (como-oracle, pcap-filter-count), not como's.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl > /dev/null || skip_all "curl is not installed"

COMOD=$BIN/comod
export COMO_MODULE_PATH=$TOP/.output/test-modules
PIDS=
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2> /dev/null; done
	for p in $PIDS; do wait "$p" 2> /dev/null; done
	[ -n "${NSA:-}" ] && ip netns del "$NSA" 2> /dev/null
	[ -n "${NSB:-}" ] && ip netns del "$NSB" 2> /dev/null
	[ -n "${NSL:-}" ] && ip netns del "$NSL" 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# get URL: the body in $TMP/body, the status in $code
get() {
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' "$@")
}

# refused CODE REGEX URL...: that status, and a body of one line matching
refused() {
	local want=$1 re=$2
	shift 2
	get "$@"
	[ "$code" = "$want" ] && [ "$(wc -l < "$TMP/body")" -eq 1 ] &&
		grep -Eq "$re" "$TMP/body" && return 0
	diag "status $code: $(head -c 300 "$TMP/body")"
	return 1
}

# csv_sum COLS: sums of the CSV's columns (from 2) given, "a,b"
csv_sum() {
	awk -F, -v c="$1" 'NR > 1 { split(c, k, " "); for (i in k) s[i] += $k[i] }
		END { printf "%d,%d\n", s[1], s[2] }'
}

"$GENTRACE" -n 30000 -d 10 -s 23 -o "$TMP/t.pcap"
cat > "$TMP/run.conf" <<EOF
module "counter"
  args "interval=1s"
end
module "protocol"
  filter "tcp"
  args "interval=1s"
end
module "top destinations"
  source "topdest"
  args "k=5" "interval=2s"
end
module "badprint"
  source "$COMO_MODULE_PATH/badprint.so"
  args "interval=1s"
end
module "badloop"
  source "$COMO_MODULE_PATH/badprint.so"
  args "interval=1s" "loop=1"
end
module "badhog"
  source "$COMO_MODULE_PATH/badprint.so"
  args "interval=1s" "hog=1"
end
EOF
D=$TMP/d
"$COMO" run -q -c "$TMP/run.conf" --trace "$TMP/t.pcap" -d "$D" 2> "$TMP/err"
ok $? "a trace run stores counter, protocol (tcp), topdest and badprint"
"$ORACLE" -m counter -i 1 "$TMP/t.pcap" > "$TMP/oracle.csv"
"$ORACLE" -m totals "$TMP/t.pcap" | tail -n 1 > "$TMP/totals"
"$BIN/pcap-filter-count" "$TMP/t.pcap" tcp > "$TMP/tcp"

# ---- a data directory alone, on loopback ----
serve "$TMP/s1.log" "$COMOD" -d "$D" --http 0 --http-max-time 2s
ok $? "comod -d DIR --http 0 serves the data directory alone (port $PORT)"
U=http://127.0.0.1:$PORT

get "$U/?module=counter&format=csv"
same "$TMP/oracle.csv" "$TMP/body" && [ "$code" = 200 ]
ok $? "/?module=counter&format=csv equals libpcap's reading ($(($(wc -l < "$TMP/oracle.csv") - 1)) intervals)"
csv_sum "2 3" < "$TMP/body" > "$TMP/got"
same "$TMP/totals" "$TMP/got"
ok $? "its totals are libpcap's count of the trace: $(cat "$TMP/totals")"
get "$U/?module=protocol&format=csv"
csv_sum "3 4" < "$TMP/body" > "$TMP/got"
same "$TMP/tcp" "$TMP/got"
ok $? "protocol, filtered tcp, equals pcap-filter-count tcp: $(cat "$TMP/tcp")"

get "$U/api/v1/query?module=counter"
perl -MJSON::PP -e '
	local $/; my $j = decode_json(<STDIN>); my ($p, $b) = (0, 0);
	for (@{$j->{records}}) { $p += $_->{pkts}; $b += $_->{bytes} }
	exit 1 unless $j->{complete} && !$j->{partial} && $j->{module} eq "counter"
		&& $j->{count} == @{$j->{records}};
	print "$p,$b\n"' < "$TMP/body" > "$TMP/got"
same "$TMP/totals" "$TMP/got"
ok $? "/api/v1/query: JSON, complete, and its records add up to libpcap's totals"

for f in plain json csv gnuplot; do
	get "$U/?module=top%20destinations&format=$f"
	"$COMO" query -d "$D" -m "top destinations" -f $f > "$TMP/want"
	same "$TMP/want" "$TMP/body" && [ "$code" = 200 ]
	ok $? "format=$f: the answer como query gives, byte for byte ($(wc -c < "$TMP/body") bytes)"
done
get "$U/?module=counter&format=json"
perl -MJSON::PP -e 'local $/; decode_json(<STDIN>)' < "$TMP/body"
ok $? "format=json at / is a JSON array"
get -I "$U/?module=counter&format=csv"
grep -qi '^content-type: text/csv' "$TMP/body"
ok $? "HEAD answers the headers (text/csv)"

# windows: the records whose 1 s interval overlaps [START, END], by awk
first=$(awk -F, 'NR == 2 { print int($1) }' "$TMP/oracle.csv")
last=$(awk -F, 'END { print int($1) }' "$TMP/oracle.csv")
win_want() {	# START END (seconds, absolute)
	awk -F, -v s="$1" -v e="$2" 'NR == 1 || ($1 <= e && $1 + 1 > s)' "$TMP/oracle.csv"
}
rfc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
check_win() {	# WINDOW START END WHAT
	get "$U/?module=counter&format=csv&time=$1"
	win_want "$2" "$3" > "$TMP/want"
	same "$TMP/want" "$TMP/body" && [ "$code" = 200 ] &&
		[ "$(wc -l < "$TMP/want")" -gt 1 ]
	ok $? "time=$1: $4 ($(($(wc -l < "$TMP/want") - 1)) records)"
}
# relative to the end of a trace's data: its last packet
lastns=$(perl -MJSON::PP -e 'local $/; print decode_json(<STDIN>)->{last_ns}' < "$D/counter/meta.json")
lasts=$(awk -v n="$lastns" 'BEGIN { printf "%.9f", n / 1e9 }')
check_win "-3s:0" "$(awk -v l="$lasts" 'BEGIN { printf "%.9f", l - 3 }')" "$lasts" "relative"
check_win "$((first + 2)):$((first + 4))" $((first + 2)) $((first + 4)) "absolute Unix seconds"
check_win "$(rfc $((first + 3))):$(rfc $((first + 5)))" $((first + 3)) $((first + 5)) "RFC 3339, UTC"
# 1 h ahead of UTC, half a second in: the same instants, offset
s=$((first + 1)); e=$((first + 6))
w="$(date -u -d "@$((s + 3600))" +%Y-%m-%dT%H:%M:%S).5+01:00:$(date -u -d "@$((e + 3600))" +%Y-%m-%dT%H:%M:%S)%2B01:00"
check_win "$w" "$s.5" "$e" "RFC 3339 with offsets, + as it is and as %2B"
check_win ":$((first + 2))" 0 $((first + 2)) "open start"
check_win "$((last - 2)):" $((last - 2)) 99999999999 "open end"
check_win ":" 0 99999999999 "open both ends"

# como query asks the server the same
"$COMO" query --server "$U" -m counter -f csv > "$TMP/body" 2> "$TMP/err"
[ $? -eq 0 ] && [ ! -s "$TMP/err" ] && same "$TMP/oracle.csv" "$TMP/body"
ok $? "como query --server gives libpcap's figures too"
"$COMO" query --server "$U" -m counter -f csv -t "$(rfc $((first + 3))):$(rfc $((first + 5)))" > "$TMP/body"
win_want $((first + 3)) $((first + 5)) | same - "$TMP/body"
ok $? "como query --server -t passes the window on (RFC 3339, escaped)"
"$COMO" query --server "$U" -m nosuch > "$TMP/body" 2> "$TMP/err"
[ $? -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q ": 404: no results of module 'nosuch'" "$TMP/err"
ok $? "como query --server: a refusal exits 1 with the server's line"

# ---- refusals: a 4xx and one line each ----
refused 404 "^no results of module 'nosuch'" "$U/?module=nosuch"
ok $? "an unknown module: 404 and one line naming it"
refused 400 "^bad time window 'yesterday'" "$U/?module=counter&time=yesterday"
ok $? "a malformed window: 400"
refused 400 "^bad time window" "$U/?module=counter&time=2023-02-30T00:00:00Z:"
ok $? "an RFC 3339 day that does not exist: 400"
refused 400 "ends before it starts" "$U/?module=counter&time=$((first + 5)):$((first + 1))"
ok $? "a window that ends before it starts: 400"
refused 400 "^unknown format 'pcapng'" "$U/?module=counter&format=pcapng"
ok $? "an unknown format: 400"
refused 400 "^unknown parameter 'filter'" "$U/?module=counter&filter=tcp"
ok $? "an unknown parameter: 400"
refused 400 "given twice" "$U/?module=counter&module=protocol"
ok $? "a parameter twice: 400"
refused 400 "^which module" "$U/?time=-5m:0"
ok $? "no module: 400"
refused 400 "^bad instance name" "$U/?module=..%2F..%2Fetc%2Fpasswd"
ok $? "a module that is a path (..%2F): 400, nothing read outside the data directory"
refused 400 "^bad instance name" "$U/?module=.comod.lock"
ok $? "a hidden file of the data directory as a module: 400"
refused 400 "control character" "$U/?module=counter%00x"
ok $? "a %00 in a value: 400"
refused 400 "bad %-escape" "$U/?module=counter&time=%zz"
ok $? "a bad %-escape: 400"
refused 404 "^no such endpoint '/etc/passwd'" "$U/etc/passwd"
ok $? "an unknown path: 404"
refused 405 "GET and HEAD only" -X POST -d x=1 "$U/?module=counter"
ok $? "POST: 405"
refused 400 "takes no parameters" "$U/metrics?x=1"
ok $? "parameters where none are taken: 400"
long=$(head -c 5000 /dev/zero | tr '\0' a)
refused 414 "^request target over 4096 bytes" "$U/?module=counter&x=$long"
ok $? "a URL over 4096 bytes: 414"
get "$U/?module=counter&x=$(head -c 100000 /dev/zero | tr '\0' a)"
[ "${code:0:1}" = 4 ]
ok $? "a URL of 100 kB: refused by libmicrohttpd itself ($code)"
# 300 requests of random bytes (a fixed seed), each on its own connection
perl -MIO::Socket::INET -e '
	srand(7);
	for (1 .. 300) {
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or exit 1;
		my $junk = join "", map { chr(int(rand(256))) } 1 .. int(rand(600));
		my @m = ("GET /?", "GET /api/v1/query?module=", "HEAD /metrics?", "", "GET ");
		print $s $m[int(rand(@m))], $junk, int(rand(2)) ? "\r\n\r\n" : "";
		close $s;
	}' "$PORT"
get "$U/?module=counter&format=csv"
same "$TMP/oracle.csv" "$TMP/body"
ok $? "after 300 requests of random bytes, the server answers as before"
kill -0 $LAST
ok $? "comod is still serving after all of them"

# ---- a module that fails, and bounds: a cut answer says so ----
get "$U/?module=badprint&format=csv"
[ "$code" = 200 ] && [ "$(tail -n 1 "$TMP/body")" = "# answer cut: module badprint: print() crashed (SIGSEGV) after 2 records; results are incomplete" ] &&
	head -n 3 "$TMP/oracle.csv" | same - <(head -n 3 "$TMP/body")
ok $? "a module whose print() crashes: its 2 records, then the line saying why it was cut"
get "$U/api/v1/query?module=badprint"
perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
	exit !(!$j->{complete} && @{$j->{records}} == 2 && $j->{cut} =~ /crashed/)' < "$TMP/body"
ok $? "the same over /api/v1/query: valid JSON, 2 records, complete false, cut says why"
get "$U/?module=badloop&format=csv"
tail -n 1 "$TMP/body" | grep -Eq '^# answer cut: module badloop: print\(\) ran over 2 s and was killed'
ok $? "a module whose print() loops is killed at --http-max-time and the answer says so"

serve "$TMP/s2.log" "$COMOD" -d "$D" --http 127.0.0.1:0 --http-max-bytes 1k
ok $? "a second server, answers of 1 KiB at most"
U2=http://127.0.0.1:$PORT
get "$U2/?module=top%20destinations&format=csv"
n=$(grep -vc '^#' "$TMP/body")
"$COMO" query -d "$D" -m "top destinations" -f csv > "$TMP/all"
all=$(wc -l < "$TMP/all")
tail -n 1 "$TMP/body" | grep -Eq "^# answer cut after [0-9]+ records: it reached its limit of 1024 bytes$" &&
	[ "$n" -lt "$all" ] && [ "$(wc -c < "$TMP/body")" -lt 2048 ] &&
	head -n "$n" "$TMP/all" | same - <(grep -v '^#' "$TMP/body")
ok $? "a big answer is cut at 1 KiB between records ($((n - 1)) of $((all - 1))) and says so"
get "$U2/api/v1/query?module=top%20destinations"
perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
	exit !(!$j->{complete} && $j->{count} == @{$j->{records}} && $j->{cut} =~ /limit of 1024 bytes/)' < "$TMP/body"
ok $? "cut over /api/v1/query: still valid JSON, complete false"
"$COMO" query --server "$U2" -m "top destinations" -f csv > /dev/null 2> "$TMP/err"
[ $? -eq 1 ] && grep -q "answer cut after [0-9]* records" "$TMP/err"
ok $? "como query --server exits 1 when the server cut the answer"

# ---- many clients, and a slow one ----
get "$U/?module=counter&format=csv"
cp "$TMP/body" "$TMP/one"
curls=()
for i in $(seq 64); do
	curl -s -o "$TMP/c$i" -w '%{http_code}\n' "$U/?module=counter&format=csv" > "$TMP/code$i" &
	curls+=($!)
done
wait "${curls[@]}"
cat "$TMP"/code* > "$TMP/codes"
bad=0
for i in $(seq 64); do cmp -s "$TMP/one" "$TMP/c$i" || bad=$((bad + 1)); done
[ "$(grep -c '^200$' "$TMP/codes")" -eq 64 ] && [ $bad -eq 0 ]
ok $? "64 concurrent clients each get the whole answer ($(grep -c '^200$' "$TMP/codes") times 200)"

# a client that sends half a request and waits
exec 7<>/dev/tcp/127.0.0.1/$PORT
printf 'GET /?module=counter HTTP/1.1\r\nHost: x\r\n' >&7
get --max-time 20 "$U2/?module=counter&format=csv"
same "$TMP/one" "$TMP/body"
ok $? "while a slow client holds a connection, another is answered"
timeout 30 cat <&7 > /dev/null
ok $? "the slow client is let go (closed after ${HTTP_IDLE:-10} s idle)"
exec 7>&-

get "$U/api/v1/modules"
perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
	my %n = map { $_->{name} => $_ } @{$j->{modules}};
	exit !($n{counter} && $n{protocol} && $n{"top destinations"} &&
	       $n{counter}{records} > 0 && $n{counter}{state} eq "complete" &&
	       !$n{counter}{running})' < "$TMP/body"
ok $? "/api/v1/modules lists the stored streams with their records"
get "$U/api/v1/status"
perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
	exit !($j->{source_kind} eq "none" && $j->{streams} == 6 && $j->{http}{queries} > 64)' < "$TMP/body"
ok $? "/api/v1/status: no capture, 6 streams, the queries counted"
get "$U/metrics"
if command -v promtool > /dev/null; then
	promtool check metrics < "$TMP/body" > "$TMP/lint" 2>&1
	ok $? "/metrics passes promtool check metrics"
else
	skip "promtool check metrics" "promtool is not installed"
fi
want=$(find "$D/counter" -maxdepth 1 -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
grep -qx "como_storage_bytes{module=\"counter\"} $want" "$TMP/body"
ok $? "/metrics: counter's storage is what find counts on disk ($want bytes)"

# ---- a real Prometheus scrapes it ----
if command -v prometheus > /dev/null; then
	PP=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport')
	cat > "$TMP/prom.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: como
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
EOF
	prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom" \
		--web.listen-address="127.0.0.1:$PP" > "$TMP/prom.log" 2>&1 &
	PIDS="$PIDS $!"
	up=
	for _ in $(seq 60); do	# at most 30 s: it starts, then scrapes
		up=$(curl -s "http://127.0.0.1:$PP/api/v1/query?query=como_storage_bytes%7Bmodule%3D%22counter%22%7D" |
			perl -MJSON::PP -e 'local $/; my $j = eval { decode_json(<STDIN>) };
				print $j->{data}{result}[0]{value}[1] // ""' 2> /dev/null)
		[ -n "$up" ] && break
		sleep 0.5
	done
	[ "$up" = "$want" ]
	ok $? "Prometheus scraped /metrics: como_storage_bytes{module=\"counter\"} = ${up:-nothing}"
else
	skip "Prometheus scrapes /metrics" "prometheus is not installed"
fi

# ---- beyond loopback: a bearer token, from another namespace ----
NSA=como-http-a-$$; NSB=como-http-b-$$
if ip netns add "$NSA" 2> /dev/null && ip netns add "$NSB"; then
	ip link add va$$ netns "$NSA" type veth peer name vb$$ netns "$NSB"
	ip -n "$NSA" addr add 10.201.7.1/24 dev va$$
	ip -n "$NSB" addr add 10.201.7.2/24 dev vb$$
	ip -n "$NSA" link set va$$ up; ip -n "$NSB" link set vb$$ up
	ip -n "$NSA" link set lo up; ip -n "$NSB" link set lo up

	ip netns exec "$NSA" "$COMOD" -d "$D" --http 10.201.7.1:0 2> "$TMP/err"
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "beyond loopback: give --http-token-file" "$TMP/err"
	ok $? "--http on an interface's address without a token is refused: $(cat "$TMP/err")"
	TOKEN=tok-$(head -c 18 /dev/urandom | base64 | tr '+/' '._')
	printf '%s\n' "$TOKEN" > "$TMP/token"
	chmod 644 "$TMP/token"
	ip netns exec "$NSA" "$COMOD" -d "$D" --http 10.201.7.1:0 --http-token-file "$TMP/token" 2> "$TMP/err"
	[ $? -eq 1 ] && grep -q "readable by others" "$TMP/err"
	ok $? "a token file others can read is refused"
	chmod 600 "$TMP/token"
	serve "$TMP/s3.log" ip netns exec "$NSA" "$COMOD" -v -d "$D" --http 10.201.7.1:0 \
		--http-token-file "$TMP/token"
	ok $? "with the token file it serves on 10.201.7.1 (port $PORT)"
	U3=http://10.201.7.1:$PORT
	nsb() { ip netns exec "$NSB" "$@"; }
	code=$(nsb curl -s -o "$TMP/body" -w '%{http_code}' "$U3/?module=counter&format=csv")
	[ "$code" = 401 ] && [ "$(wc -l < "$TMP/body")" -eq 1 ]
	ok $? "a client across the veth pair without the token: 401, one line"
	code=$(nsb curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN}x" "$U3/metrics")
	[ "$code" = 401 ]
	ok $? "with a wrong token: 401"
	code=$(nsb curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$U3/?module=counter&format=csv")
	[ "$code" = 200 ] && same "$TMP/oracle.csv" "$TMP/body"
	ok $? "with the token: 200 and libpcap's figures"
	code=$(nsb curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$U3/?module=nosuch")
	[ "$code" = 404 ]
	ok $? "with the token, a bad request is still refused (404)"
	nsb "$COMO" query --server "$U3" --token-file "$TMP/token" -m counter -f csv > "$TMP/body" &&
		same "$TMP/oracle.csv" "$TMP/body"
	ok $? "como query --server --token-file from the other namespace"
	! grep -qF "$TOKEN" "$TMP/s3.log" && grep -q "http: GET" "$TMP/s3.log"
	ok $? "the token is not in comod's log, which with -v names each request"
else
	skip "token beyond loopback" "cannot create network namespaces"
fi
"$COMOD" --trace "$TMP/t.pcap" -d "$TMP/tr" -m counter --http 0 2> "$TMP/err"
[ $? -eq 2 ] && grep -q "not a trace run" "$TMP/err" && [ ! -e "$TMP/tr/counter" ]
ok $? "--http with a trace run is refused, nothing stored"
printf 'http "0"\n' > "$TMP/h.conf"
"$COMOD" -q -c "$TMP/h.conf" --trace "$TMP/t.pcap" -d "$TMP/tr" -m counter:interval=1s 2> "$TMP/err"
[ $? -eq 0 ] && stored_totals "$TMP/tr" counter | same "$TMP/totals" -
ok $? "a config's http line does not stop a trace run from it"
for a in "nowhere:80" "127.0.0.1:65536" "[::1:80" "127.0.0.1:-1" ":80"; do
	"$COMOD" -d "$D" --http "$a" 2> "$TMP/err"
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "expected ADDR:PORT" "$TMP/err"
	ok $? "--http '$a' is refused with one line"
done
if [ -e /proc/net/if_inet6 ] && serve "$TMP/s6.log" "$COMOD" -d "$D" --http "[::1]:0"; then
	code=$(curl -s -g -o "$TMP/body" -w '%{http_code}' "http://[::1]:$PORT/?module=counter&format=csv")
	[ "$code" = 200 ] && same "$TMP/oracle.csv" "$TMP/body"
	ok $? "[::1]:0 serves over IPv6, loopback: no token asked"
else
	skip "IPv6 loopback" "no IPv6 here"
fi
serve "$TMP/s4.log" "$COMOD" -d "$D" --http 127.0.0.2:0
get "http://127.0.0.2:$PORT/?module=counter&format=csv"
same "$TMP/oracle.csv" "$TMP/body"
ok $? "127.0.0.2 is loopback: served without a token"
# (a server with the default time bound: taking 512 MiB may take a while)
get "http://127.0.0.2:$PORT/?module=badhog&format=csv"
tail -n 1 "$TMP/body" | grep -Eq '^# answer cut: module badhog: print\(\) crashed \(SIG(SEGV|ABRT)\) after 2 records' &&
	curl -sf -o /dev/null "http://127.0.0.2:$PORT/api/v1/status"
rc=$?
ok $rc "a module whose print() takes memory without end meets the query's limit; the server lives"
[ $rc -eq 0 ] || diag "$(tail -n 1 "$TMP/body")"

# ---- a live monitor: its figures over /metrics ----
if command -v tcpreplay > /dev/null; then
	NSL=como-http-l-$$
	ip netns add "$NSL"
	ip netns exec "$NSL" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$NSL" link add va type veth peer name vb
	ip -n "$NSL" link set va mtu 1600 up
	ip -n "$NSL" link set vb mtu 1600 up
	ip -n "$NSL" link set lo up
	"$GENTRACE" -n 5000 -d 2 -c 1600 -s 29 -o "$TMP/l.pcap"
	"$ORACLE" -m totals "$TMP/l.pcap" | tail -n 1 > "$TMP/ltotals"
	printf 'http "127.0.0.1:0"\n' > "$TMP/live.conf"
	serve "$TMP/s5.log" ip netns exec "$NSL" "$COMOD" -c "$TMP/live.conf" -i va \
		-d "$TMP/live" -s "$TMP/live.sock" -m counter:interval=1s
	ok $? "a live comod serves HTTP from the config's http line (port $PORT)"
	UL=http://127.0.0.1:$PORT
	nsl() { ip netns exec "$NSL" "$@"; }
	for _ in $(seq 50); do
		ip -n "$NSL" link show va | grep -q xdp && break
		sleep 0.1
	done
	# 16 clients keep asking while the trace goes by: capture is not theirs to slow
	hammer=()
	for i in $(seq 16); do
		# not through nsl: $! must be the bash that loops (ip netns exec execs)
		ip netns exec "$NSL" bash -c 'while :; do curl -s -o /dev/null "$1/metrics"
			curl -s -o /dev/null "$1/?module=counter&time=-1m:0"; done' _ "$UL" &
		hammer+=($!)
	done
	nsl tcpreplay -q -i vb --pps=20000 "$TMP/l.pcap" > /dev/null 2>&1
	kill "${hammer[@]}" 2> /dev/null
	wait "${hammer[@]}" 2> /dev/null
	got=
	for _ in $(seq 100); do	# at most 10 s for the kernel's counters
		nsl curl -s "$UL/metrics" > "$TMP/body"
		got=$(awk '$1 == "como_packets_total" { p = $2 } $1 == "como_bytes_total" { b = $2 }
			END { printf "%d,%d\n", p, b }' "$TMP/body")
		[ "$got" = "$(cat "$TMP/ltotals")" ] && break
		sleep 0.1
	done
	[ "$got" = "$(cat "$TMP/ltotals")" ]
	ok $? "/metrics of a live run: como_packets_total and como_bytes_total are libpcap's ($got)"
	grep -q '^como_module_packets_total{module="counter"} ' "$TMP/body" &&
		grep -q '^como_module_sampling{module="counter"} 1$' "$TMP/body" &&
		grep -q '^como_info{source_kind="live"} 1$' "$TMP/body"
	ok $? "/metrics of a live run: the module's packets and sampling"
	if command -v promtool > /dev/null; then
		promtool check metrics < "$TMP/body" > "$TMP/lint" 2>&1
		ok $? "a live run's /metrics passes promtool check metrics"
	fi
	nsl curl -s "$UL/api/v1/status" > "$TMP/body"
	perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
		exit !($j->{source_kind} eq "live" && $j->{modules}[0]{name} eq "counter")' < "$TMP/body"
	ok $? "/api/v1/status of a live run names its source and module"
	# the server's process dies: comod captures on, and starts it again
	srv=$(ss -ltnpH -N "$NSL" "sport = :$PORT" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
	grep -q '^comod-http' "/proc/$srv/comm" && kill -9 "$srv"
	for _ in $(seq 50); do
		grep -q "the HTTP server died (signal 9): starting it again" "$TMP/s5.log" &&
			nsl curl -sf -o "$TMP/body" "$UL/api/v1/status" && break
		sleep 0.1
	done
	grep -q "the HTTP server died (signal 9): starting it again" "$TMP/s5.log" &&
		perl -MJSON::PP -e 'local $/; exit !(decode_json(<STDIN>)->{source_kind} eq "live")' < "$TMP/body" &&
		"$COMO" status -s "$TMP/live.sock" > /dev/null
	ok $? "its HTTP server killed with -9: comod says so, captures on, and serves again"
	kill -INT $LAST
	wait $LAST
	ok $? "the live comod stops cleanly on SIGINT, its server with it"
	stored_totals "$TMP/live" counter > "$TMP/got"
	same "$TMP/ltotals" "$TMP/got"
	ok $? "what it stored while 16 clients kept asking: every packet once ($(cat "$TMP/got"))"
	! nsl curl -s -o /dev/null "$UL/metrics"
	ok $? "and nothing answers on its port any more"
else
	skip "a live monitor's /metrics" "tcpreplay is not installed"
fi

done_testing
