#!/bin/bash
# comoctl over como.ko (-T kernel), against a live comod in a namespace:
# status, the modules comod registered with packet counts equal to an
# independent count of the traffic sent, module set (sampling, disable,
# enable, an unknown module), config tick read back, epoch-closed events,
# the capture shown; then comod killed with -9 and its capture, still
# held, released by comoctl: no XDP stays on the interface and como.ko
# holds nothing. Reads are open to anyone, writes are not.
. "$(dirname "$0")/lib.sh"
need_guest
command -v tcpreplay > /dev/null || skip_all "tcpreplay is not installed"
command -v perl > /dev/null || skip_all "no perl (JSON::PP reads comoctl -j)"
como_load || skip_all "insmod como.ko failed"
modprobe veth

CTL=$BIN/comoctl
ctl() { "$CTL" -T kernel "$@"; }

# json FILE: reads comoctl's JSON in FILE with one perl (slow under TCG)
# into FILE.flat and J, one "path=value" line each; an array of objects with a
# name is keyed by the names (modules.counter.pkts), "path#" is its length
json() {
	perl -MJSON::PP -e '
		sub walk {
			my ($p, $v) = @_;
			if (ref $v eq "HASH") {
				walk($p eq "" ? $_ : "$p.$_", $v->{$_}) for sort keys %$v;
			} elsif (ref $v eq "ARRAY") {
				my $i = 0;
				for my $e (@$v) {
					my $k = ref $e eq "HASH" && defined $e->{name} ?
						$e->{name} : $i;
					walk("$p.$k", $e);
					$i++;
				}
				print "$p#=", scalar(@$v), "\n";
			} else {
				print "$p=", JSON::PP::is_bool($v) ? ($v ? "true" : "false") : $v, "\n";
			}
		}
		local $/;
		my @l = grep { /\S/ } split /\n/, <STDIN>;
		my $i = 0;
		# one object per line (monitor): keyed by the line, from 0
		walk(@l > 1 ? $i++ : "", decode_json($_)) for @l;
	' < "$1" > "$1.flat"
	jload "$1"
}
# the values json() read last, by path: ${J[transport]}; a lookup forks
# nothing (a process costs half a second under TCG)
declare -A J
jload() {
	local k v

	J=()
	while IFS='=' read -r k v; do
		J[$k]=$v
	done < "$1.flat"
}

# the three modules comod runs, and no other, in what json() read last
three_modules() {
	[ "${J[modules#]-}" = 3 ] && [ -n "${J[modules.counter.name]-}" ] &&
		[ -n "${J[modules.protocol.name]-}" ] &&
		[ -n "${J[modules.topdest.name]-}" ]
}

# count FILE [EXPR]: "packets,bytes" of a trace, by libpcap, not by como
count() {
	if [ $# -eq 2 ]; then
		"$BIN/pcap-filter-count" "$1" "$2"
	else
		"$ORACLE" -m totals "$1" | tail -n 1
	fi
}

# replay FILE: sends it onto vb (va's peer), at a rate TCG keeps up with;
# veth hands frames to va's XDP from a NAPI poll, after tcpreplay returns
replay() {
	ip netns exec "$NS" tcpreplay -q -i vb --pps=2000 "$1" > /dev/null 2>&1
	sleep 1
}

# max_sampling MODULE: what its descriptor accepts, read from its source
max_sampling() {
	sed -n 's/.*\.max_sampling *= *\([0-9]*\).*/\1/p' \
		"$TOP/modules/$1/$1.c"
}

veth_pair como-kc
# three traces: all modules on, one disabled, all on again
"$GENTRACE" -n 3000 -d 2 -c 1600 -s 51 -o "$TMP/t1.pcap"
"$GENTRACE" -n 2000 -d 2 -c 1600 -s 52 -o "$TMP/t2.pcap"
"$GENTRACE" -n 2000 -d 2 -c 1600 -s 53 -o "$TMP/t3.pcap"

mkdir -p "$TMP/d"
ip netns exec "$NS" "$BIN/comod" -q -i va -d "$TMP/d" -s "$TMP/sock" \
	-m counter:interval=1s -m protocol:interval=1s -F tcp \
	-m topdest:k=10,interval=1s 2> "$TMP/comod.err" &
pid=$!
for _ in $(seq 100); do
	[ -S "$TMP/sock" ] && break
	sleep 0.1
done
ok "$([ -S "$TMP/sock" ]; echo $?)" "comod runs live on va, its socket is there"

ctl -j status > "$TMP/status"
json "$TMP/status"
ok "$([ "${J[transport]-}" = como.ko ]; echo $?)" \
	"status -j: transport como.ko"

ctl -j module list > "$TMP/list"
json "$TMP/list"
ok "$(three_modules &&
	[ "${J[transport]-}" = como.ko ]; echo $?)" \
	"module list -j: the modules comod registered (counter, protocol, topdest), from como.ko"
ok "$([ "${J[modules.topdest.min_sampling]-}" = "$(max_sampling topdest)" ] &&
	[ "${J[modules.counter.min_sampling]-}" = "$(max_sampling counter)" ]; echo $?)" \
	"the rates they accept are their descriptors': topdest 1/${J[modules.topdest.min_sampling]-}, counter 1/${J[modules.counter.min_sampling]-}"

replay "$TMP/t1.pcap"
ctl -j module list > "$TMP/list"
json "$TMP/list"
want=$(count "$TMP/t1.pcap")
ok "$([ "${J[modules.counter.pkts]-},${J[modules.counter.bytes]-}" = "$want" ]; echo $?)" \
	"counter's packets and bytes (${J[modules.counter.pkts]-},${J[modules.counter.bytes]-}) are libpcap's count of the trace ($want)"
want_tcp=$(count "$TMP/t1.pcap" tcp)
ok "$([ "${J[modules.protocol.pkts]-},${J[modules.protocol.bytes]-}" = "$want_tcp" ]; echo $?)" \
	"protocol, filtered on tcp: ${J[modules.protocol.pkts]-},${J[modules.protocol.bytes]-}, as pcap-filter-count tcp ($want_tcp)"
ok "$([ "${J[modules.topdest.pkts]-}" = "${want%,*}" ] &&
	[ "${J[modules.topdest.updates]-}" = "${want%,*}" ]; echo $?)" \
	"topdest, not sampled, takes every packet: ${J[modules.topdest.pkts]-} packets, ${J[modules.topdest.updates]-} updates"

# sampling: topdest accepts 1 in 4, counter only 1 in 1
ctl module set topdest sampling 4
ok $? "module set topdest sampling 4"
ctl -j module show topdest > "$TMP/show"
json "$TMP/show"
ok "$([ "${J[sampling]-}" = 4 ]; echo $?)" \
	"module show topdest: sampling 1/${J[sampling]-}"
ctl module set counter sampling 4 2> "$TMP/err"
rc=$?
ctl -j module show counter > "$TMP/show"
json "$TMP/show"
ok "$([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	[ "${J[sampling]-}" = 1 ]; echo $?)" \
	"sampling 1/4 on counter, which accepts 1/$(max_sampling counter), is refused (exit $rc) and changes nothing (1/${J[sampling]-}): $(cat "$TMP/err")"
# taken all the same: put it back, or the checks below fail for it too
[ "${J[sampling]-}" = 1 ] || ctl module set counter sampling 1

# disable: its packet count stands still while the others' grow
ctl module set counter disable
ok $? "module set counter disable"
ctl -j module show counter > "$TMP/show"
json "$TMP/show"
ok "$([ "${J[state]-}" = disabled ] &&
	[ "${J[enabled]-}" = false ]; echo $?)" \
	"module show counter: state ${J[state]-}, enabled ${J[enabled]-}"
ctl module show counter | grep -q '^state  *disabled$'
ok $? "as text too: state disabled"
ctl -j module list > "$TMP/list"
json "$TMP/list"
c0=${J[modules.counter.pkts]-} t0=${J[modules.topdest.pkts]-} u0=${J[modules.topdest.updates]-}
replay "$TMP/t2.pcap"
ctl -j module list > "$TMP/list"
json "$TMP/list"
want=$(count "$TMP/t2.pcap")
ok "$([ "${J[modules.counter.pkts]-}" = "$c0" ]; echo $?)" \
	"disabled, counter's packets stay at $c0 (${J[modules.counter.pkts]-}) while traffic flows"
ok "$([ $((${J[modules.topdest.pkts]-} - t0)) = "${want%,*}" ]; echo $?)" \
	"meanwhile topdest saw every packet of the trace: $((${J[modules.topdest.pkts]-} - t0)) of ${want%,*}"
du=$((${J[modules.topdest.updates]-} - u0))
ok "$([ $du -lt "${want%,*}" ]; echo $?)" \
	"sampled 1 in 4 by flow, topdest updated on fewer: $du of ${want%,*}"

ctl module set counter enable
ok $? "module set counter enable"
ctl -j module list > "$TMP/list"
json "$TMP/list"
c0=${J[modules.counter.pkts]-}
ok "$([ "${J[modules.counter.state]-}" = running ]; echo $?)" \
	"counter is ${J[modules.counter.state]-} again"
replay "$TMP/t3.pcap"
ctl -j module list > "$TMP/list"
json "$TMP/list"
want=$(count "$TMP/t3.pcap")
ok "$([ $((${J[modules.counter.pkts]-} - c0)) = "${want%,*}" ]; echo $?)" \
	"enabled again, counter counts every packet: $((${J[modules.counter.pkts]-} - c0)) of ${want%,*}"

ctl module set nosuch disable 2> "$TMP/err"
rc=$?
ok "$([ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
	grep -q ENOENT "$TMP/err"; echo $?)" \
	"an unknown module: exit $rc, one line: $(cat "$TMP/err")"

# config: the tick round-trips, then goes back as it was
ctl -j config get > "$TMP/cfg"
json "$TMP/cfg"
tick=${J[tick_ns]-}
ctl config set tick 50ms && ctl -j config get > "$TMP/cfg"
json "$TMP/cfg"
ok "$([ "${J[tick_ns]-}" = 50000000 ]; echo $?)" \
	"config set tick 50ms: config get says tick_ns ${J[tick_ns]-}"
ctl config set tick "${tick}ns" && ctl -j config get > "$TMP/cfg"
json "$TMP/cfg"
ok "$([ "${J[tick_ns]-}" = "$tick" ]; echo $?)" \
	"and back to $tick ns"

# events: the clock closes 1 s epochs whether or not traffic flows
ctl -j monitor --count 2 --timeout 20 > "$TMP/events" 2> "$TMP/err"
rc=$?
json "$TMP/events"
n=0
for i in 0 1; do
	s=${J[$i.start_ns]-} e=${J[$i.end_ns]-}
	[ "${J[$i.event]-}" = epoch-closed ] &&
		[ "${J[$i.transport]-}" = como.ko ] &&
		[[ ${J[$i.module]-} =~ ^(counter|protocol|topdest)$ ]] &&
		[ -n "$s" ] && [ -n "$e" ] && [ "$e" -gt "$s" ] &&
		n=$((n + 1))
done
ok "$([ $rc -eq 0 ] && [ $n -eq 2 ]; echo $?)" \
	"monitor --count 2 -j: $n epoch-closed events with module, start and end (exit $rc)"
sed 's/^/# /' "$TMP/events" "$TMP/err"

# the capture: comod's data directory, its XDP link
ctl -j capture show > "$TMP/cap"
json "$TMP/cap"
ok "$([ "${J[datadir]-}" = "$(realpath "$TMP/d")" ] &&
	[ "${J[transport]-}" = como.ko ]; echo $?)" \
	"capture show -j: datadir ${J[datadir]-}"
links=${J[xdp_links]-}
ok "$([ "${links:-0}" -ge 1 ] &&
	[ "$(grep -c '^objects\.[^.]*\.kind=link$' "$TMP/cap.flat")" = "$links" ] &&
	three_modules; echo $?)" \
	"capture show -j: $links XDP link(s) among its objects, the three modules"
"$CTL" -T comod -s "$TMP/sock" capture show > /dev/null 2> "$TMP/err"
rc=$?
ok "$([ $rc -eq 1 ] && grep -q "only como.ko holds a capture" "$TMP/err"; echo $?)" \
	"over comod's socket: exit $rc, $(cat "$TMP/err")"

# who may: reads are anyone's, writes need CAP_NET_ADMIN
as nobody "$CTL" -T kernel -j module list > "$TMP/list" 2> "$TMP/err"
rc=$?
json "$TMP/list"
ok "$([ $rc -eq 0 ] && [ "${J[modules.counter.name]-}" = counter ]; echo $?)" \
	"nobody may module list"
as nobody "$CTL" -T kernel module set counter disable 2> "$TMP/err"
rc=$?
ctl -j module show counter > "$TMP/show"
json "$TMP/show"
ok "$([ $rc -eq 1 ] && grep -q EPERM "$TMP/err" &&
	[ "${J[enabled]-}" = true ]; echo $?)" \
	"nobody's module set: exit $rc, nothing changed: $(cat "$TMP/err")"
as nobody "$CTL" -T kernel capture release 2> "$TMP/err"
rc=$?
ok "$([ $rc -eq 1 ] && grep -q EPERM "$TMP/err"; echo $?)" \
	"nobody's capture release: exit $rc: $(cat "$TMP/err")"

# comod dies; the kernel still holds its capture until told to let go
kill -KILL $pid
wait $pid 2> /dev/null
ctl capture show > "$TMP/cap.txt"
ok "$([ $? -eq 0 ] &&
	grep -qx "datadir  *$(realpath "$TMP/d")" "$TMP/cap.txt"; echo $?)" \
	"after kill -9, capture show still shows $(realpath "$TMP/d")"
sed 's/^/# /' "$TMP/cap.txt" | head -n 8
ip -n "$NS" link show va | grep -q xdp
ok $? "and va still runs XDP"
ctl capture release
ok $? "capture release"
ip -n "$NS" link show va | grep -q xdp
ok "$([ $? -ne 0 ]; echo $?)" \
	"va has no XDP program: the link went with its last reference"
"$NLFUZZ" -p get-capture > "$TMP/probe" 2>&1
ok "$(grep -qx "error=ENOENT" "$TMP/probe"; echo $?)" \
	"como.ko holds no capture ($(head -n 1 "$TMP/probe"))"
ctl -j module list > "$TMP/list"
json "$TMP/list"
ok "$([ "${J[modules#]-}" = 0 ]; echo $?)" \
	"nor any module"
ctl capture show 2> "$TMP/err"
rc=$?
ok "$([ $rc -eq 1 ] && grep -q ENOENT "$TMP/err"; echo $?)" \
	"capture show now: exit $rc, $(cat "$TMP/err")"

rmmod como
ok $? "rmmod como"
ok_kmsg "comoctl"
done_testing
