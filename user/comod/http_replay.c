// SPDX-License-Identifier: BSD-3-Clause
/*
 * The replayer (http_replay.h): a loop that takes a request, checks it,
 * and answers it from a child of its own, so that one long replay does
 * not hold up another. Part of comod: started by http.c; its children run
 * replay_comod() (user/lib/replay.c).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "http_replay.h"
#include "log.h"
#include "names.h"

#define REQ_MAX		8192
#define REQ_FIELDS	5

/* DIR is a private directory of the replay's: TMPDIR/como-replay.XXXXXX */
static bool dir_ok(const char *dir)
{
	char root[PATH_MAX], real[PATH_MAX];
	const char *tmp = getenv("TMPDIR") ?: "/tmp";
	struct stat st;
	size_t n;

	if (!realpath(tmp, root) || !realpath(dir, real) ||
	    strcmp(real, dir) || lstat(dir, &st) || !S_ISDIR(st.st_mode) ||
	    st.st_uid != 0 || (st.st_mode & 077))
		return false;
	n = strlen(root);
	return !strncmp(real, root, n) && !strncmp(real + n, "/como-replay.", 13) &&
	       strlen(real + n + 13) == 6 && !strchr(real + n + 13, '/');
}

/* PCAP is DIR/span-N.pcap, a file; SPEC a module's name, then arguments. */
static bool req_ok(const char *pcap, const char *dir, const char *spec)
{
	size_t n = strlen(dir), k = strcspn(spec, ":");
	char name[COMO_NAME_LEN + 1], why[128];
	struct stat st;

	if (!dir_ok(dir) || strncmp(pcap, dir, n) ||
	    strncmp(pcap + n, "/span-", 6) ||
	    strspn(pcap + n + 6, "0123456789") != strlen(pcap + n + 6) - 5 ||
	    strcmp(pcap + strlen(pcap) - 5, ".pcap") ||
	    lstat(pcap, &st) || !S_ISREG(st.st_mode))
		return false;
	if (!k || k > COMO_NAME_LEN)
		return false;
	memcpy(name, spec, k);
	name[k] = '\0';
	return !como_name_check(name, why, sizeof(why)) && !strchr(name, '/');
}

/* One request, in a child of the replayer's: its answer to FD. */
static void __attribute__((noreturn)) answer(char *buf, size_t len, int fd)
{
	const char *f[REQ_FIELDS];
	struct replay_run r;
	size_t off = 0;
	int i, st = -EINVAL;

	signal(SIGCHLD, SIG_DFL);
	for (i = 0; i < REQ_FIELDS && off < len; i++) {
		f[i] = buf + off;
		off += strnlen(buf + off, len - off) + 1;
	}
	if (i == REQ_FIELDS && off == len && req_ok(f[0], f[1], f[2])) {
		r = (struct replay_run){
			.pcap = f[0], .dir = f[1], .spec = f[2],
			.filter = f[3][0] ? f[3] : NULL,
			.append = !strcmp(f[4], "1"),
		};
		st = replay_comod(&r);
	} else {
		pr_warn("http: a replay request refused: not one of a query's");
	}
	if (write(fd, &st, sizeof(st)) != sizeof(st))
		_exit(1);
	_exit(0);
}

static void __attribute__((noreturn)) replayer_main(int fd)
{
	char buf[REQ_MAX], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;
	int rfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "comod-replay");
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* its children are reaped by the kernel: each answers for itself */
	signal(SIGCHLD, SIG_IGN);
	if (dup2(fd, 3) != 3)
		_exit(1);
	close_range(4, ~0U, 0);
	for (;;) {
		mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf,
				      .msg_controllen = sizeof(cbuf) };
		n = recvmsg(3, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);	/* no one left to ask */
		cm = CMSG_FIRSTHDR(&mh);
		if (!cm || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len != CMSG_LEN(sizeof(int)) ||
		    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
			continue;
		memcpy(&rfd, CMSG_DATA(cm), sizeof(rfd));
		if (fork() == 0)
			answer(buf, n, rfd);
		close(rfd);
	}
}

int http_replay_start(pid_t *pid, int *fd)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fflush(NULL);
	*pid = fork();
	if (*pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (*pid == 0) {
		close(sv[0]);
		replayer_main(sv[1]);
	}
	close(sv[1]);
	*fd = sv[0];
	return 0;
}

int http_replay_ask(void *ctx, const struct replay_run *r)
{
	int fd = *(int *)ctx, sv[2], st = -EIO;
	char buf[REQ_MAX], cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int n;

	n = snprintf(buf, sizeof(buf), "%s%c%s%c%s%c%s%c%s", r->pcap, 0,
		     r->dir, 0, r->spec, 0, r->filter ?: "", 0,
		     r->append ? "1" : "0");
	if (n < 0 || n >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	iov.iov_len = n + 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[1], sizeof(int));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		st = -errno;
		goto out;
	}
	close(sv[1]);
	sv[1] = -1;
	/* its answer, once comod is done (or the replayer is gone: EOF) */
	while ((n = read(sv[0], &st, sizeof(st))) < 0 && errno == EINTR)
		;
	if (n != sizeof(st))
		st = -EIO;
out:
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	return st;
}
