// SPDX-License-Identifier: BSD-3-Clause
/*
 * comod's side of the query server (http.h): the address and the token
 * checked, the socket bound (so that a port in use is said at start, in
 * one line), the server process forked before the capture exists (it
 * holds no BPF object, link or module of comod's), and the monitor's
 * figures handed over when it asks.
 *
 * Part of comod: called by main.c and loop.c; calls http_status.c and
 * starts http_server.c's process.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "http.h"
#include "http_replay.h"
#include "http_server.h"
#include "jsonutil.h"
#include "log.h"

struct http {
	pid_t pid;
	int hook;		/* comod's end; -1 once the server is gone */
	int listen_fd;		/* kept, for a server started again */
	pid_t replay_pid;	/* the replayer (http_replay.h) */
	int replay_fd;		/* where the server asks it; kept too */
	struct http_srv_cfg cfg;
	uint64_t restarted_ns;	/* when the server was last started again */
	const char *datadir;
	char *status;		/* the buffer of an answer, reused */
};

/* started again at most once in this long: one that keeps dying is let be */
#define HTTP_RESTART_NS		(10 * 1000000000ULL)

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* Forks the server on the kept socket; its first word comes on the hook. */
static int server_fork(struct http *h)
{
	int sv[2], err;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	/* what stdio holds would be written twice */
	fflush(NULL);
	h->pid = fork();
	if (h->pid == 0) {
		close(sv[0]);
		http_server_main(&h->cfg, h->listen_fd, sv[1], h->replay_fd);
	}
	err = h->pid < 0 ? -errno : 0;
	close(sv[1]);
	if (err) {
		close(sv[0]);
		h->pid = 0;
		return err;
	}
	h->hook = sv[0];
	return 0;
}

/* ADDR:PORT, [ADDR6]:PORT or PORT into SA; -EINVAL when it is neither. */
static int listen_addr(const char *s, struct sockaddr_storage *sa,
		       socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(s, ':'), *port = s;
	unsigned long p;
	char *end;

	if (colon) {
		size_t n = colon - s;

		if (s[0] == '[') {
			if (n < 3 || s[n - 1] != ']')
				return -EINVAL;
			s++;
			n -= 2;
		}
		if (n == 0 || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, n);
		host[n] = '\0';
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p > 65535 || strchr(port, '-'))
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(p);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static bool is_loopback(const struct sockaddr_storage *sa)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	if (sa->ss_family == AF_INET)
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
		return in6->sin6_addr.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

static void addr_text(const struct sockaddr_storage *sa, char *buf, size_t size)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	char host[INET6_ADDRSTRLEN] = "";

	if (sa->ss_family == AF_INET) {
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	} else {
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
}

/*
 * The token: the file's first line, of RFC 6750's characters, 16 to
 * HTTP_TOKEN_MAX of them; the file not readable by others. The token
 * itself is never shown.
 */
static int token_read(const char *path, char *tok)
{
	char buf[HTTP_TOKEN_MAX + 2];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		pr_err("token file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 0007)) {
		pr_err("token file %s: %s", path, S_ISREG(st.st_mode) ?
		       "readable by others (chmod o-rwx it)" : "not a file");
		close(fd);
		return -EINVAL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		pr_err("token file %s: %s", path, strerror(errno));
		return -EIO;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len < 16 || len > HTTP_TOKEN_MAX ||
	    strspn(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789-._~+/=") != len) {
		pr_err("token file %s: its first line is not a token (16 to %d "
		       "of A-Z a-z 0-9 - . _ ~ + / =)", path, HTTP_TOKEN_MAX);
		return -EINVAL;
	}
	strcpy(tok, buf);
	return 0;
}

static int bind_listen(const struct sockaddr_storage *sa, socklen_t len,
		       const char *shown)
{
	int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		goto err_say;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, len) || listen(fd, 128))
		goto err_say;
	return fd;

err_say:
	pr_err("cannot serve HTTP on %s: %s", shown, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -EADDRNOTAVAIL;
}

/* The server's first word, within a few seconds. */
static int wait_ready(struct http *h)
{
	struct pollfd p = { .fd = h->hook, .events = POLLIN };
	char buf[512];
	ssize_t n;

	if (poll(&p, 1, 5000) <= 0) {
		pr_err("the HTTP server did not start");
		return -ETIMEDOUT;
	}
	n = recv(h->hook, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		pr_err("the HTTP server ended as it started");
		return -EIO;
	}
	buf[n] = '\0';
	if (strcmp(buf, HTTP_READY)) {
		pr_err("HTTP server: %s", buf);
		return -EIO;
	}
	return 0;
}

int http_start(struct http **hp, const struct http_opts *o)
{
	struct sockaddr_storage sa;
	char shown[80];
	socklen_t len;
	struct http *h;
	int err;

	if (listen_addr(o->listen, &sa, &len)) {
		pr_err("--http '%s': expected ADDR:PORT, [ADDR6]:PORT or PORT",
		       o->listen);
		return -EINVAL;
	}
	addr_text(&sa, shown, sizeof(shown));
	if (!o->token_file && !is_loopback(&sa)) {
		pr_err("--http %s is beyond loopback: give --http-token-file "
		       "with the bearer token clients must send", shown);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->hook = h->listen_fd = h->replay_fd = -1;
	h->datadir = o->datadir;
	h->cfg = (struct http_srv_cfg){
		.datadir = o->datadir, .verbose = o->verbose,
		.max_bytes = o->max_bytes ?: HTTP_MAX_BYTES,
		.max_ms = o->max_ms ?: HTTP_MAX_MS,
		.ipv6 = sa.ss_family == AF_INET6,
	};
	if (o->token_file && (err = token_read(o->token_file, h->cfg.token)))
		goto err_free;
	h->listen_fd = bind_listen(&sa, len, shown);
	if (h->listen_fd < 0) {
		err = h->listen_fd;
		goto err_free;
	}
	len = sizeof(sa);
	getsockname(h->listen_fd, (struct sockaddr *)&sa, &len);
	addr_text(&sa, shown, sizeof(shown));
	err = http_replay_start(&h->replay_pid, &h->replay_fd);
	if (!err)
		err = server_fork(h);
	if (err) {
		pr_err("HTTP server: cannot start it: %s", strerror(-err));
		goto err_free;
	}
	err = wait_ready(h);
	if (err)
		goto err_free;
	pr_notice("serving HTTP on %s%s", shown,
		  o->token_file ? ", a bearer token required" : "");
	*hp = h;
	return 0;

err_free:
	http_stop(h);
	return err;
}

int http_fd(const struct http *h)
{
	return h ? h->hook : -1;
}

/* Says how the server ended, and starts it again unless it keeps dying. */
static void server_gone(struct http *h)
{
	bool again = !h->restarted_ns ||
		     mono_ns() - h->restarted_ns >= HTTP_RESTART_NS;
	int status = 0;

	close(h->hook);
	h->hook = -1;
	/* its end of the hook is gone: it is gone, or as good as */
	if (waitpid(h->pid, &status, WNOHANG) != h->pid) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, &status, 0);
	}
	if (WIFSIGNALED(status))
		pr_err("the HTTP server died (signal %d)%s", WTERMSIG(status),
		       again ? ": starting it again" :
		       " again within 10 s: queries are no longer answered");
	else
		pr_err("the HTTP server ended%s", again ? ": starting it again" :
		       " again within 10 s: queries are no longer answered");
	h->pid = 0;
	if (again)
		h->restarted_ns = mono_ns();
	/* its first word ("ok") comes on the hook, and is passed over */
	if (again && server_fork(h))
		pr_err("the HTTP server cannot start again: queries are no "
		       "longer answered");
}

void http_serve(struct http *h, struct monitor *mon)
{
	struct json_object *st = NULL;
	const char *text = NULL;
	size_t len = 0;
	uint32_t seq;
	ssize_t n;

	if (!h || h->hook < 0)
		return;
	while ((n = recv(h->hook, &seq, sizeof(seq), MSG_DONTWAIT)) > 0) {
		/* a server's first word, after it started again */
		if (n != sizeof(seq))
			continue;
		if (!st) {
			st = http_status_json(mon, h->datadir);
			text = json_object_to_json_string_ext(st, JSON_PLAIN);
			len = strlen(text);
			if (len + sizeof(seq) > HTTP_STATUS_MAX)
				len = 0;
			free(h->status);
			h->status = malloc(len + sizeof(seq));
			if (!h->status)
				len = 0;
			else
				memcpy(h->status + sizeof(seq), text, len);
		}
		if (!h->status)
			break;
		memcpy(h->status, &seq, sizeof(seq));
		/* a server too slow to take it asks again */
		send(h->hook, h->status, len + sizeof(seq),
		     MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	json_object_put(st);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		server_gone(h);
}

void http_stop(struct http *h)
{
	int i;

	if (!h)
		return;
	if (h->hook >= 0)
		close(h->hook);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	if (h->replay_fd >= 0)
		close(h->replay_fd);
	if (h->replay_pid > 0) {
		kill(h->replay_pid, SIGKILL);
		waitpid(h->replay_pid, NULL, 0);
	}
	explicit_bzero(h->cfg.token, sizeof(h->cfg.token));
	/* it ends when the hook closes; one that does not is killed */
	for (i = 0; h->pid > 0 && i < 50; i++) {
		if (waitpid(h->pid, NULL, WNOHANG) == h->pid) {
			h->pid = 0;
			break;
		}
		usleep(20000);
	}
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
	free(h->status);
	free(h);
}
