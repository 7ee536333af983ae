// SPDX-License-Identifier: BSD-3-Clause
/*
 * comoctl: como's control plane from the command line, in iproute2's
 * manner (OBJECT COMMAND, exact matching). It speaks the messages of
 * include/uapi/linux/como.h to como.ko when its generic netlink family
 * resolves, otherwise to comod's local socket.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "comoctl.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: comoctl [OPTIONS] OBJECT COMMAND [ARGS]\n"
"\n"
"  comoctl module list\n"
"  comoctl module show NAME\n"
"  comoctl module set NAME { sampling N | priority N | enable | disable }...\n"
"  comoctl config get\n"
"  comoctl config set { tick DURATION | cpu-budget PERCENT|none }\n"
"  comoctl monitor [--count N] [--timeout SECONDS]\n"
"  comoctl status\n"
"  comoctl capture { show | release }   (como.ko: what it holds of comod's)\n"
"\n"
"options:\n"
"  -j, --json             JSON output (monitor: one object per line)\n"
"  -p, --pretty           indented JSON (not for monitor)\n"
"  -T, --transport T      kernel (como.ko) or comod; default: como.ko when\n"
"                         its family 'como' resolves, otherwise comod\n"
"  -s, -S, --socket PATH  comod's control socket (default $COMO_SOCKET,\n"
"                         then /run/como/comod.sock)\n"
"  -v, --verbose          more diagnostics\n"
"  -V, --version          print the version\n"
"  -h, --help             this text\n"
"\n"
"Exit codes: 0 ok, 1 refused or failed, 2 usage, 3 neither como.ko nor\n"
"comod answers. Writes need CAP_NET_ADMIN on como.ko.\n");
}

/* What the user typed comes back escaped: no raw terminal bytes. */
int usage_error(const char *fmt, ...)
{
	char msg[1024], safe[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_escape(safe, sizeof(safe), msg, true);
	fprintf(stderr, "comoctl: %s ('comoctl --help' tells more)\n", safe);
	return EXIT_USAGE;
}

bool parse_u32(const char *s, uint32_t *v)
{
	unsigned long n;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return false;
	*v = n;
	return true;
}

int transport(struct comoctl *ctl)
{
	if (ctl->connected)
		return EXIT_OK;
	if (ctl_connect(&ctl->conn, ctl->want, ctl_socket_path(ctl->socket))) {
		fprintf(stderr, "comoctl: %s\n", ctl->conn.why);
		return EXIT_NO_TRANSPORT;
	}
	ctl->connected = true;
	return EXIT_OK;
}

int request_new(struct comoctl *ctl, uint8_t cmd, struct nl_msg **req)
{
	int err = transport(ctl);

	if (err)
		return err;
	*req = ctl_conn_request(&ctl->conn, cmd);
	if (!*req) {
		fprintf(stderr, "comoctl: %s\n", strerror(ENOMEM));
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

int refused(struct comoctl *ctl, const char *what, int err)
{
	fprintf(stderr, "comoctl: %s: %s (%s)\n", what, ctl->conn.why,
		strerrorname_np(-err) ?: "?");
	return EXIT_REFUSED;
}

int request(struct comoctl *ctl, const char *what, struct nl_msg *req,
	    struct ctl_reply *r)
{
	int err = ctl_conn_call(&ctl->conn, req, r);

	nlmsg_free(req);
	return err ? refused(ctl, what, err) : EXIT_OK;
}

int change(struct comoctl *ctl, const char *what, struct nl_msg *req)
{
	struct como_out o;
	struct ctl_reply r;
	int err = request(ctl, what, req, &r);

	if (err)
		return err;
	ctl_reply_free(&r);
	if (ctl->json) {
		reply_begin(ctl, &o);
		out_end(&o);
	}
	return EXIT_OK;
}

void reply_begin(struct comoctl *ctl, struct como_out *o)
{
	out_begin(o, ctl->json ? OUT_JSON : OUT_PLAIN, stdout, NULL);
	o->pretty = ctl->pretty;
	out_str(o, "transport", "transport %s\n", ctl_transport_name(&ctl->conn));
}

const char *kv_fmt(char *buf, size_t size, const char *label)
{
	snprintf(buf, size, "%-14s %%s\n", label);
	return buf;
}

static const struct object {
	const char *name;
	int (*fn)(struct comoctl *ctl, int argc, char **argv);
} object_table[] = {
	{ "module", do_module },
	{ "config", do_config },
	{ "monitor", do_monitor },
	{ "status", do_status },
	{ "capture", do_capture },
	{}
};

static int parse_transport(const char *s, enum ctl_transport *t)
{
	if (!strcmp(s, "kernel") || !strcmp(s, "como.ko"))
		*t = CTL_KERNEL;
	else if (!strcmp(s, "comod"))
		*t = CTL_COMOD;
	else
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "transport", required_argument, NULL, 'T' },
		{ "socket", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct comoctl ctl = { .want = CTL_ANY };
	const struct object *ob;
	int c, verbose = 0, err;

	/* '+': options stop at OBJECT; what follows is the command's */
	while ((c = getopt_long(argc, argv, "+jpT:s:S:vVh", lopts, NULL)) != -1) {
		switch (c) {
		case 'j': ctl.json = true; break;
		case 'p': ctl.json = ctl.pretty = true; break;
		case 's': case 'S': ctl.socket = optarg; break;
		case 'v': verbose++; break;
		case 'T':
			if (parse_transport(optarg, &ctl.want))
				return usage_error("transport '%s': kernel or comod",
						   optarg);
			break;
		case 'V':
			printf("comoctl (como), control protocol version %d\n",
			       COMO_GENL_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	log_init("comoctl", verbose);
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (ob = object_table; ob->name; ob++)
		if (!strcmp(argv[optind], ob->name))
			break;
	if (!ob->name)
		return usage_error("unknown object '%s'", argv[optind]);
	err = ob->fn(&ctl, argc - optind - 1, argv + optind + 1);
	if (ctl.connected)
		ctl_disconnect(&ctl.conn);
	return err;
}
