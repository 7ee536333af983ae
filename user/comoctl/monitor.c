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
#include "jsonutil.h"

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

/* One event's line: its name, then key value pairs, or one JSON object. */
struct line {
	struct comoctl *ctl;
	struct json_object *o;
	char text[1024];
	size_t len;
};

static void line_begin(struct line *l, struct comoctl *ctl, const char *event)
{
	l->ctl = ctl;
	l->o = NULL;
	l->len = snprintf(l->text, sizeof(l->text), "%s", event);
	if (ctl->json) {
		l->o = json_object_new_object();
		json_add_str(l->o, "transport", ctl_transport_name(&ctl->conn));
		json_add_str(l->o, "event", event);
	}
}

static void line_str(struct line *l, const char *key, const char *val)
{
	if (l->o)
		json_add_str(l->o, key, val);
	else if (l->len < sizeof(l->text))
		l->len += snprintf(l->text + l->len, sizeof(l->text) - l->len,
				   " %s %s", key, val);
}

/* TEXT: how a person reads VAL, under the key TKEY */
static void line_u64(struct line *l, const char *key, uint64_t val,
		     const char *tkey, const char *text)
{
	char buf[32];

	if (l->o) {
		json_add_u64(l->o, key, val);
		return;
	}
	if (!text) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
		text = buf;
	}
	line_str(l, tkey ?: key, text);
}

/* a time: in ns under KEY_ns in JSON, in Unix seconds under KEY as text */
static void line_time(struct line *l, struct nlattr *a, const char *key)
{
	char buf[32], jkey[32];

	if (!a)
		return;
	fmt_time(buf, sizeof(buf), nla_get_u64(a));
	snprintf(jkey, sizeof(jkey), "%s_ns", key);
	line_u64(l, jkey, nla_get_u64(a), key, buf);
}

static void line_end(struct line *l)
{
	if (l->o) {
		puts(json_object_to_json_string_ext(l->o, JSON_PLAIN));
		json_object_put(l->o);
	} else {
		puts(l->text);
	}
	fflush(stdout);
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

/* Prints the event in R; returns false for a message that is none. */
static bool print_event(struct comoctl *ctl, struct ctl_reply *r)
{
	static struct nla_policy mp[COMO_MOD_A_MAX + 1] = {
		[COMO_MOD_A_NAME] = { .type = NLA_STRING },
		[COMO_MOD_A_EPOCH] = { .type = NLA_U64 },
		[COMO_MOD_A_CLOSED_START_NS] = { .type = NLA_U64 },
		[COMO_MOD_A_CLOSED_END_NS] = { .type = NLA_U64 },
		[COMO_MOD_A_SAMPLING] = { .type = NLA_U32 },
		[COMO_MOD_A_COST_NS] = { .type = NLA_U64 },
	};
	struct genlmsghdr *gh = nlmsg_data((struct nlmsghdr *)r->buf);
	struct nlattr *m[COMO_MOD_A_MAX + 1] = {};
	const char *name = event_name(gh->cmd, r->tb);
	struct line l;
	char buf[64];

	if (!name)
		return false;
	if (r->tb[COMO_A_MODULE] &&
	    nla_parse_nested(m, COMO_MOD_A_MAX, r->tb[COMO_A_MODULE], mp))
		return false;
	line_begin(&l, ctl, name);
	if (m[COMO_MOD_A_NAME])
		line_str(&l, "module", nla_get_string(m[COMO_MOD_A_NAME]));
	if (m[COMO_MOD_A_EPOCH])
		line_u64(&l, "epoch", nla_get_u64(m[COMO_MOD_A_EPOCH]), NULL, NULL);
	line_time(&l, m[COMO_MOD_A_CLOSED_START_NS], "start");
	line_time(&l, m[COMO_MOD_A_CLOSED_END_NS], "end");
	if (m[COMO_MOD_A_SAMPLING]) {
		snprintf(buf, sizeof(buf), "1/%u", nla_get_u32(m[COMO_MOD_A_SAMPLING]));
		line_u64(&l, "sampling", nla_get_u32(m[COMO_MOD_A_SAMPLING]), NULL,
			 buf);
	}
	if (m[COMO_MOD_A_COST_NS])
		line_u64(&l, "cost_ns", nla_get_u64(m[COMO_MOD_A_COST_NS]), NULL,
			 NULL);
	if (r->tb[COMO_A_REASON])
		line_str(&l, "reason", nla_get_string(r->tb[COMO_A_REASON]));
	if (r->tb[COMO_A_LOAD_PM]) {
		snprintf(buf, sizeof(buf), "%.1f%%",
			 nla_get_u32(r->tb[COMO_A_LOAD_PM]) / 10.0);
		line_u64(&l, "load_pm", nla_get_u32(r->tb[COMO_A_LOAD_PM]),
			 "load", buf);
	}
	line_end(&l);
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
		printf("transport %s\n", ctl_transport_name(&ctl->conn));
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
