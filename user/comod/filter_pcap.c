// SPDX-License-Identifier: BSD-3-Clause
/*
 * libpcap's half of the filters: tcpdump syntax to classic BPF. A file of
 * its own because <pcap/bpf.h> and <linux/bpf.h> cannot meet in one.
 *
 * pcap_compile() is not bounded: a few hundred terms take it minutes and
 * gigabytes, and it cannot be interrupted. It runs in a child process,
 * under a time and a memory limit, that comod kills when a signal comes
 * (a stop must not wait for a compiler).
 *
 * Part of comod: called by filter.c; calls libpcap.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/como.h>
#include <pcap/pcap.h>
#include "filter.h"
#include "log.h"

/* What a filter returns for a match: any non-zero value will do. */
#define FILTER_SNAPLEN		262144
#define FILTER_COMPILE_MS	10000		/* documented in comod(8) */
#define FILTER_COMPILE_MEM	(512UL << 20)
/* classic BPF's own bound; libpcap never makes more */
#define FILTER_INSNS_MAX	4096

/* The child's answer: a count, then instructions or an error message. */
struct compiled {
	__s32 n;		/* instructions, or -1: msg follows */
	char msg[PCAP_ERRBUF_SIZE + 256];
};

static void __attribute__((noreturn))
compile_child(int fd, const char *expr, int dlt)
{
	struct rlimit mem = { FILTER_COMPILE_MEM, FILTER_COMPILE_MEM };
	struct compiled c = {};
	struct bpf_program prog;
	pcap_t *pc;

	setrlimit(RLIMIT_AS, &mem);
	pc = pcap_open_dead(dlt, FILTER_SNAPLEN);
	if (!pc || pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		c.n = -1;
		snprintf(c.msg, sizeof(c.msg), "%s",
			 pc ? pcap_geterr(pc) : "out of memory");
		if (write(fd, &c, sizeof(c)) < 0)
			_exit(1);
		_exit(0);
	}
	c.n = prog.bf_len > FILTER_INSNS_MAX ? -1 : (__s32)prog.bf_len;
	if (c.n < 0)
		snprintf(c.msg, sizeof(c.msg), "more than %d instructions",
			 FILTER_INSNS_MAX);
	if (write(fd, &c, sizeof(c)) < 0 ||
	    (c.n > 0 && write(fd, prog.bf_insns,
			      prog.bf_len * sizeof(*prog.bf_insns)) < 0))
		_exit(1);
	_exit(0);
}

/* Who is told to wait while a filter compiles (the control socket). */
static int waiting_fd = -1;
static void (*waiting_fn)(void *);
static void *waiting_arg;

void filter_while_compiling(int fd, void (*busy)(void *), void *arg)
{
	waiting_fd = busy ? fd : -1;
	waiting_fn = busy;
	waiting_arg = arg;
}

/* Reads LEN bytes from the child within DEADLINE (monotonic ms). */
static int read_all(int fd, void *buf, size_t len, uint64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = waiting_fd, .events = POLLIN },
	};
	struct timespec ts;
	size_t got = 0;
	uint64_t now;
	ssize_t r;

	while (got < len) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(pfd, 2, (int)(deadline - now));
		if (r < 0)
			return -errno;	/* EINTR: a signal, comod stops */
		if (pfd[1].revents & POLLIN)
			waiting_fn(waiting_arg);
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(fd, (char *)buf + got, len - got);
		if (r <= 0)
			return r ? -errno : -EPIPE;
		got += r;
	}
	return 0;
}

static uint64_t deadline_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000 + FILTER_COMPILE_MS;
}

/* What the child said, or why it said nothing. */
static int compile_wait(int fd, const char *who, const char *expr,
			struct compiled *c, struct cbpf_insn **insns)
{
	uint64_t deadline = deadline_ms();
	int err;

	err = read_all(fd, c, sizeof(*c), deadline);
	if (!err && c->n < 0) {
		pr_err("module %s: filter \"%s\": %s", who, expr, c->msg);
		return -EINVAL;
	}
	if (!err) {
		*insns = calloc(c->n ?: 1, sizeof(**insns));
		err = *insns ? read_all(fd, *insns, c->n * sizeof(**insns),
					deadline) : -ENOMEM;
	}
	if (err == -ETIMEDOUT)
		pr_err("module %s: filter \"%s\": libpcap took over %d s to "
		       "compile it; a simpler expression, please", who, expr,
		       FILTER_COMPILE_MS / 1000);
	else if (err == -EINTR)
		pr_err("module %s: filter \"%s\": compiling interrupted", who,
		       expr);
	else if (err)
		pr_err("module %s: filter \"%s\": libpcap ran out of memory "
		       "(%lu MiB) or failed compiling it", who, expr,
		       FILTER_COMPILE_MEM >> 20);
	return err;
}

int filter_compile(const char *who, const char *expr, int dlt,
		   struct cbpf_insn **insns, unsigned int *n)
{
	struct compiled c;
	int pfd[2], err;
	pid_t pid;

	*insns = NULL;
	if (strlen(expr) >= COMO_FILTER_MAX) {
		pr_err("module %s: a filter of %zu characters: at most %d",
		       who, strlen(expr), COMO_FILTER_MAX - 1);
		return -E2BIG;
	}
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (!pid) {
		close(pfd[0]);
		compile_child(pfd[1], expr, dlt);
	}
	close(pfd[1]);
	err = compile_wait(pfd[0], who, expr, &c, insns);
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (err) {
		free(*insns);
		*insns = NULL;
		return err == -ETIMEDOUT || err == -EINTR ? err : -EINVAL;
	}
	*n = c.n;
	return 0;
}
