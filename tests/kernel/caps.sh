#!/bin/bash
# Who may do what (include/uapi/linux/como.h): GET_* are open to everyone,
# every other command needs CAP_NET_ADMIN. Checked as nobody with no
# capability at all, and as root without CAP_NET_ADMIN alone (the check is
# on the capability, not on the uid); then root's SET_CONFIG, read back.
. "$(dirname "$0")/lib.sh"
need_guest

CAP_NET_ADMIN=12

como_load
ok $? "insmod $KO"

# has_net_admin WHO: does a process of WHO have the capability?
has_net_admin() {
	local eff

	eff=$(as "$1" sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
	[ $(((0x$eff >> CAP_NET_ADMIN) & 1)) -eq 1 ]
}

writes="set-config set-module register-module unregister-module set-capture
	del-capture epoch-drained load-module unload-module"
for who in nobody noadmin; do
	! has_net_admin $who
	ok $? "$who: the process has no CAP_NET_ADMIN"
	for p in get-status get-modules get-config get-capture; do
		e=$(probe "$who" "$p")
		P=$(tr a-z- A-Z_ <<< "$p")
		case $p in
		# nothing to show yet: ENOENT is an answer too
		get-capture) [ "$e" = 0 ] || [ "$e" = ENOENT ] ;;
		*) [ "$e" = 0 ] ;;
		esac
		ok $? "$who: $P answers (error $e)"
	done
	for p in $writes; do
		e=$(probe "$who" "$p" -b 7)
		[ "$e" = EPERM ]
		ok $? "$who: $(tr a-z- A-Z_ <<< "$p") is refused with EPERM (error $e)"
	done
done

# the control: root's same requests reach their handlers (SET_CONFIG is
# below, as it would change something)
for p in $writes; do
	[ "$p" = set-config ] && continue
	e=$(probe root "$p")
	[ "$e" != EPERM ] && [ "$e" != none ] && [ "$e" != 0 ]
	ok $? "root: $(tr a-z- A-Z_ <<< "$p") gets past the permission check, to be refused for what it holds (error $e)"
done

# root: SET_CONFIG takes, GET_CONFIG shows it; then back as it was
probe root get-config > /dev/null
tick=$(probe_value tick_ns)
budget=$(probe_value cpu_budget_pm)
ok "$([ -n "$tick" ] && [ -n "$budget" ]; echo $?)" \
	"root: GET_CONFIG says tick_ns ($tick) and cpu_budget_pm ($budget)"
new_budget=$((budget == 500 ? 501 : 500))
new_tick=$((tick == 200000000 ? 300000000 : 200000000))
e=$(probe nobody set-config -b $new_budget)
probe root get-config > /dev/null
ok "$([ "$e" = EPERM ] && [ "$(probe_value cpu_budget_pm)" = "$budget" ]; echo $?)" \
	"nobody's SET_CONFIG changed nothing (budget still $(probe_value cpu_budget_pm))"
e=$(probe root set-config -b $new_budget -T $new_tick)
ok "$([ "$e" = 0 ]; echo $?)" "root: SET_CONFIG budget $new_budget, tick $new_tick succeeds (error $e)"
probe nobody get-config > /dev/null
ok "$([ "$(probe_value cpu_budget_pm)" = $new_budget ] &&
	[ "$(probe_value tick_ns)" = $new_tick ]; echo $?)" \
	"GET_CONFIG (as nobody) shows them: $(probe_value cpu_budget_pm), $(probe_value tick_ns)"
e=$(probe root set-config -b "$budget" -T "$tick")
probe root get-config > /dev/null
ok "$([ "$e" = 0 ] && [ "$(probe_value cpu_budget_pm)" = "$budget" ] &&
	[ "$(probe_value tick_ns)" = "$tick" ]; echo $?)" \
	"root: SET_CONFIG puts them back ($budget, $tick)"

rmmod como
ok $? "rmmod como"
ok_kmsg "caps"
done_testing
