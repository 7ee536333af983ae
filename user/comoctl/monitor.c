// SPDX-License-Identifier: BSD-3-Clause
/*
 * comoctl monitor: the events (COMO_CMD_EVENT_*) as they come, one line
 * each, flushed at once so that a pipe sees them as they happen.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "comoctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* a time: in ns under KEY_ns in JSON, in Unix seconds after KEY as text */
static void print_time(struct como_out *o, const char *key, uint64_t ns)
{
	char buf[32], jkey[32], fmt[32];

	fmt_time(buf, sizeof(buf), ns);
	snprintf(jkey, sizeof(jkey), "%s_ns", key);
	snprintf(fmt, sizeof(fmt), " %s %%s", key);
	out_u64_as(o, jkey, fmt, ns, buf);
}

static const char *event_name(uint8_t cmd, struct nlattr **tb)
{
	switch (cmd) {
	case COMO_CMD_EVENT_EPOCH_CLOSED: return "epoch-closed";
	case COMO_CMD_EVENT_MODULE_SAMPLED: return "module-sampled";
	case COMO_CMD_EVENT_MODULE_STOPPED: return "module-stopped";
	case COMO_CMD_EVENT_OVERLOAD:
		return tb[COMO_A_OVERLOAD] && nla_get_u32(tb[COMO_A_OVERLOAD]) ?
		       "overload-begun" : "overload-ended";
	default: return NULL;
	}
}

/*
 * Prints the event in R, one line: its name, then "key value" pairs, or
 * one JSON object; returns false for a message that is none.
 */
static bool print_event(struct comoctl *ctl, struct ctl_reply *r)
{
	struct genlmsghdr *gh = nlmsg_data((struct nlmsghdr *)r->buf);
	const char *name = event_name(gh->cmd, r->tb);
	struct como_mod_info m = {};
	struct como_out o;
	char buf[64];

	if (!name)
		return false;
	if (r->tb[COMO_A_MODULE] && ctl_mod_parse(r->tb[COMO_A_MODULE], &m))
		return false;
	/* one object a line, even when -p */
	out_begin(&o, ctl->json ? OUT_JSON : OUT_PLAIN, stdout, NULL);
	out_str(&o, "transport", NULL, ctl_transport_name(&ctl->conn));
	out_str(&o, "event", "%s", name);
	if (m.name)
		out_str(&o, "module", " module %s", m.name);
	if (CTL_HAS(&m, COMO_MOD_A_EPOCH))
		out_u64(&o, "epoch", " epoch %llu", m.epoch);
	if (CTL_HAS(&m, COMO_MOD_A_CLOSED_START_NS))
		print_time(&o, "start", m.closed_start_ns);
	if (CTL_HAS(&m, COMO_MOD_A_CLOSED_END_NS))
		print_time(&o, "end", m.closed_end_ns);
	if (CTL_HAS(&m, COMO_MOD_A_SAMPLING)) {
		snprintf(buf, sizeof(buf), "1/%u", m.sampling);
		out_u64_as(&o, "sampling", " sampling %s", m.sampling, buf);
	}
	if (CTL_HAS(&m, COMO_MOD_A_COST_NS))
		out_u64(&o, "cost_ns", " cost_ns %llu", m.cost_ns);
	if (r->tb[COMO_A_REASON])
		out_str(&o, "reason", " reason %s",
			nla_get_string(r->tb[COMO_A_REASON]));
	if (r->tb[COMO_A_LOAD_PM]) {
		snprintf(buf, sizeof(buf), "%.1f%%",
			 nla_get_u32(r->tb[COMO_A_LOAD_PM]) / 10.0);
		out_u64_as(&o, "load_pm", " load %s",
			   nla_get_u32(r->tb[COMO_A_LOAD_PM]), buf);
	}
	out_text(&o, "\n");
	out_end(&o);
	fflush(stdout);
	return true;
}

static int parse_opts(int argc, char **argv, uint32_t *count,
		      uint32_t *timeout)
{
	int i;

	for (i = 0; i < argc; i += 2) {
		if (strcmp(argv[i], "--count") && strcmp(argv[i], "--timeout"))
			return usage_error("monitor: unknown option '%s'", argv[i]);
		if (i + 1 == argc ||
		    !parse_u32(argv[i + 1],
			       strcmp(argv[i], "--count") ? timeout : count))
			return usage_error("monitor: %s takes a whole number",
					   argv[i]);
	}
	return EXIT_OK;
}

int do_monitor(struct comoctl *ctl, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	uint32_t count = 0, timeout = 0, seen = 0;
	unsigned long lost;
	uint64_t deadline;
	struct ctl_reply r;
	struct como_out o;
	int err, wait_ms;

	err = parse_opts(argc, argv, &count, &timeout) ?: transport(ctl);
	if (err)
		return err;
	if (ctl_subscribe(&ctl->conn)) {
		fprintf(stderr, "comoctl: monitor: %s\n", ctl->conn.why);
		return EXIT_REFUSED;
	}
	/* no SA_RESTART: a signal ends the wait for the next event */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!ctl->json) {
		reply_begin(ctl, &o);
		out_end(&o);
		fflush(stdout);
	}
	deadline = now_ms() + timeout * 1000ULL;
	while (!stop && (!count || seen < count)) {
		wait_ms = -1;
		if (timeout) {
			if (now_ms() >= deadline)
				break;
			wait_ms = deadline - now_ms();
		}
		lost = ctl->conn.lost;
		err = ctl_next_event(&ctl->conn, wait_ms, &r);
		if (err < 0) {
			fprintf(stderr, "comoctl: monitor: %s\n", ctl->conn.why);
			return EXIT_REFUSED;
		}
		if (ctl->conn.lost != lost)
			fprintf(stderr, "comoctl: monitor: como.ko dropped events "
				"this reader was too slow to take\n");
		if (err && print_event(ctl, &r))
			seen++;
		ctl_reply_free(&r);
	}
	if (count && seen < count && !stop) {
		fprintf(stderr, "comoctl: monitor: %u of %u events in %u s\n",
			seen, count, timeout);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}
