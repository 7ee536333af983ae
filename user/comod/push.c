// SPDX-License-Identifier: BSD-3-Clause
/*
 * Static queries (push.h): a module's stored records, each as the JSON
 * line 'como query -f json' prints for it plus "module" and
 * "interval_ns", sent over TCP to a receiver as they are stored.
 *
 * comod's side only formats a record and puts it in the receiver's
 * queue; a thread per receiver connects, sends and reconnects, with a
 * backoff from 100 ms doubling to 5 s. When the queue is full its oldest
 * record goes (the newest are what a receiver watching a live monitor
 * wants; the oldest are in the stream, for como query). What could not
 * be sent is counted: records = sent + dropped + unsent + queued.
 * "sent" is a line the receiver's TCP acknowledged whole (SIOCOUTQ says
 * how much of what was written is not yet); a line written but not
 * acknowledged when the connection breaks goes again, in its order, on
 * the next one: a receiver that went away loses nothing it had not been
 * given, and may see again a line whose acknowledgement was lost.
 *
 * Part of comod: called by export.c (records), start.c, monitor.c and
 * main.c (the run's end), read by the summary and the HTTP status; calls
 * only the print layer and the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "hostport.h"
#include "jsonutil.h"
#include "log.h"
#include "out.h"
#include "push.h"
#include "stream.h"
#include "units.h"

#define PUSH_BACKOFF_MIN_NS	(100ULL * 1000000)
#define PUSH_BACKOFF_MAX_NS	(5 * NSEC_PER_SEC)
/* how long one wait on the socket lasts before the clock is looked at */
#define PUSH_SLICE_MS		100
/* how long to wait for acknowledgements with nothing new to send */
#define PUSH_ACK_MS		5
#define PUSH_DIAL_MS		1000

struct push {
	struct push *next;
	char *name;		/* the module name its lines carry */
	char *to;		/* HOST:PORT, as given */
	struct sockaddr_storage sa;
	socklen_t salen;
	const struct como_mod *mod;	/* its schema and interval */
	void *rec;		/* a record loaded, comod's side only */
	uint64_t drain_ns;
	pthread_t thread;
	bool running;		/* its thread is not joined yet */

	/* shared with the thread, under lock */
	pthread_mutex_t lock;
	pthread_cond_t more;	/* a line queued, or the end */
	pthread_cond_t wake;	/* the end, for a thread that waits to redial */
	char **q;		/* lines, oldest at head */
	size_t cap, head, n;
	size_t inflight;	/* lines the thread holds: sent, not acked */
	bool stop;
	uint64_t deadline;	/* with stop: the thread gives up then */
	bool connected;
	uint64_t records, sent, dropped, unsent, connects;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * Whether to go on: a line is held (HOLDING) or queued, and the run's end
 * has not come past the drain. Waits while there is nothing to send.
 */
static bool more_to_send(struct push *p, bool holding)
{
	bool more;

	pthread_mutex_lock(&p->lock);
	while (!holding && !p->n && !p->stop)
		pthread_cond_wait(&p->more, &p->lock);
	more = (holding || p->n) && !(p->stop && mono_ns() >= p->deadline);
	pthread_mutex_unlock(&p->lock);
	return more;
}

/*
 * The oldest line, taken to be sent, or NULL. Taken only once connected:
 * while the receiver is away every line stays in the queue, where the
 * newest push out the oldest.
 */
static char *take(struct push *p)
{
	char *line = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->n) {
		line = p->q[p->head];
		p->head = (p->head + 1) % p->cap;
		p->n--;
		p->inflight++;
	}
	pthread_mutex_unlock(&p->lock);
	return line;
}

/* A line the connection lost goes back first, whole, or is dropped. */
static void untake(struct push *p, char *line)
{
	pthread_mutex_lock(&p->lock);
	p->inflight--;
	if (p->n == p->cap) {
		p->dropped++;
		free(line);
	} else {
		p->head = (p->head + p->cap - 1) % p->cap;
		p->q[p->head] = line;
		p->n++;
	}
	pthread_mutex_unlock(&p->lock);
}

/* Waits NS before the next dial, less when the run's end comes first. */
static void nap(struct push *p, uint64_t ns)
{
	uint64_t until = mono_ns() + ns;
	struct timespec ts;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->stop && p->deadline < until)
			until = p->deadline;
		if (mono_ns() >= until)
			break;
		ts.tv_sec = until / NSEC_PER_SEC;
		ts.tv_nsec = until % NSEC_PER_SEC;
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
}

/* A connected socket, or -errno. */
static int dial(struct push *p)
{
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t elen = sizeof(int);
	int fd, err = 0;

	fd = socket(p->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&p->sa, p->salen) && errno != EINPROGRESS)
		err = -errno;
	pfd.fd = fd;
	if (!err && poll(&pfd, 1, PUSH_DIAL_MS) != 1)
		err = -ETIMEDOUT;
	if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		err = errno;
	if (err) {
		close(fd);
		return err < 0 ? err : -err;
	}
	return fd;
}

/*
 * Sends what is left of LINE from *OFF: 0 when all of it went, -EAGAIN
 * when the receiver took nothing for a while, -errno when the connection
 * is gone.
 */
static int send_some(int fd, const char *line, size_t len, size_t *off)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (*off < len) {
		if (poll(&pfd, 1, PUSH_SLICE_MS) != 1)
			return -EAGAIN;
		if (pfd.revents & (POLLERR | POLLHUP))
			return -ECONNRESET;
		n = send(fd, line + *off, len - *off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		*off += n;
	}
	return 0;
}

static void set_connected(struct push *p, bool up)
{
	pthread_mutex_lock(&p->lock);
	p->connected = up;
	p->connects += up;
	pthread_mutex_unlock(&p->lock);
}

static void count_sent(struct push *p, size_t n)
{
	pthread_mutex_lock(&p->lock);
	p->sent += n;
	p->inflight -= n;
	pthread_mutex_unlock(&p->lock);
}

/*
 * Lines written on this connection and not yet acknowledged, oldest
 * first, each with the connection's byte count at its end.
 */
struct unacked {
	struct {
		char *line;
		uint64_t end;
	} *v;
	size_t n, cap;
	uint64_t wrote;		/* bytes written on the connection */
};

static int unacked_add(struct unacked *u, char *line, size_t len)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		void *v = realloc(u->v, cap * sizeof(*u->v));

		if (!v)
			return -ENOMEM;
		u->v = v;
		u->cap = cap;
	}
	u->wrote += len;
	u->v[u->n].line = line;
	u->v[u->n++].end = u->wrote;
	return 0;
}

/* The lines the receiver's TCP has acknowledged are sent. */
static int unacked_take(struct push *p, struct unacked *u, int fd)
{
	size_t i = 0;
	int outq;

	if (ioctl(fd, SIOCOUTQ, &outq))
		return -errno;
	while (i < u->n && u->v[i].end <= u->wrote - (uint64_t)outq)
		free(u->v[i++].line);
	if (i) {
		memmove(u->v, u->v + i, (u->n - i) * sizeof(*u->v));
		u->n -= i;
		count_sent(p, i);
	}
	return 0;
}

/* The connection broke: what it did not acknowledge goes again, in order. */
static void unacked_requeue(struct push *p, struct unacked *u)
{
	while (u->n)
		untake(p, u->v[--u->n].line);
	u->wrote = 0;
}

/*
 * Nothing new to send, lines not yet acknowledged: a short wait, which
 * also sees a receiver that closed or reset the connection.
 */
static int ack_wait(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[256];
	ssize_t n;

	if (poll(&pfd, 1, PUSH_ACK_MS) != 1)
		return 0;
	if (pfd.revents & (POLLERR | POLLHUP))
		return -ECONNRESET;
	/* a receiver has nothing to say: what it sends goes, 0 is its close */
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0)
		return -ECONNRESET;
	return n < 0 && errno != EAGAIN && errno != EINTR ? -errno : 0;
}

/* The thread ends: what it held and what is queued were not sent. */
static void push_end(struct push *p, char *line, struct unacked *u)
{
	pthread_mutex_lock(&p->lock);
	p->unsent += p->n + p->inflight;
	for (; p->n; p->n--, p->head = (p->head + 1) % p->cap)
		free(p->q[p->head]);
	p->inflight = 0;
	p->connected = false;
	pthread_mutex_unlock(&p->lock);
	free(line);
	while (u->n)
		free(u->v[--u->n].line);
	free(u->v);
}

static void *push_main(void *arg)
{
	uint64_t backoff = PUSH_BACKOFF_MIN_NS;
	struct unacked u = { 0 };
	struct push *p = arg;
	bool away = false;
	size_t off = 0, len = 0;
	char *line = NULL;
	int fd = -1, err;

	while (more_to_send(p, line || u.n)) {
		if (fd < 0) {
			fd = dial(p);
			if (fd < 0) {
				if (!away)
					pr_warn("module %s: send-to %s: %s; "
						"retrying", p->name, p->to,
						strerror(-fd));
				away = true;
				nap(p, backoff);
				backoff = backoff * 2 > PUSH_BACKOFF_MAX_NS ?
					  PUSH_BACKOFF_MAX_NS : backoff * 2;
				continue;
			}
			if (away)
				pr_notice("module %s: send-to %s: connected",
					  p->name, p->to);
			away = false;
			backoff = PUSH_BACKOFF_MIN_NS;
			set_connected(p, true);
		}
		if (!line) {
			line = take(p);
			off = 0;
			len = line ? strlen(line) : 0;
		}
		if (line) {
			err = send_some(fd, line, len, &off);
			if (!err) {
				err = unacked_add(&u, line, len);
				if (!err)
					line = NULL;
			}
		} else {
			err = ack_wait(fd);
		}
		if (!err || err == -EAGAIN)
			err = unacked_take(p, &u, fd) ?: err;
		if (err && err != -EAGAIN) {
			/* they go again whole: a receiver drops a torn line */
			pr_warn("module %s: send-to %s: %s; reconnecting",
				p->name, p->to, strerror(-err));
			away = true;
			close(fd);
			fd = -1;
			if (line)
				untake(p, line);
			line = NULL;
			unacked_requeue(p, &u);
			set_connected(p, false);
		}
	}
	if (fd >= 0)
		close(fd);
	push_end(p, line, &u);
	return NULL;
}

static void push_destroy(struct push *p)
{
	free(p->name);
	free(p->to);
	free(p->rec);
	free(p->q);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->more);
	pthread_cond_destroy(&p->wake);
	free(p);
}

/* What is sent is what the schema prints: a module's own format is not. */
static int schema_only(const struct como_mod *m)
{
	const struct como_module *d = m->desc;

	if (d->schema && (!d->store || d->store == como_schema_store) &&
	    (!d->load || d->load == como_schema_load) && !d->print)
		return 0;
	pr_err("module %s: send-to sends records as its schema prints them, "
	       "and this module stores or prints its own format", m->name);
	return -EINVAL;
}

static int push_init(struct push *p)
{
	pthread_condattr_t ca;
	int err;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = -pthread_mutex_init(&p->lock, NULL) ?:
	      -pthread_cond_init(&p->more, NULL) ?:
	      -pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
	return err;
}

int push_add(struct modrt *rt, const char *name, const char *to,
	     uint64_t queue, uint64_t drain_ns)
{
	sigset_t all, old;
	struct push *p;
	char why[512];
	int err;

	err = schema_only(rt->mod);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (hostport_parse(to, &p->sa, &p->salen, why, sizeof(why))) {
		pr_err("module %s: send-to %s", name, why);
		free(p);
		return -EINVAL;
	}
	p->name = strdup(name);
	p->to = strdup(to);
	p->rec = calloc(1, rt->mod->desc->record_size ?: 1);
	p->q = calloc(queue, sizeof(*p->q));
	p->cap = queue;
	p->mod = rt->mod;
	p->drain_ns = drain_ns;
	if (!p->name || !p->to || !p->rec || !p->q || push_init(p)) {
		err = -ENOMEM;
		goto err_free;
	}
	/* signals are the main thread's: SIGINT must wake its poll */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&p->thread, NULL, push_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pr_err("module %s: send-to %s: cannot start its thread: %s",
		       name, to, strerror(-err));
		goto err_free;
	}
	p->running = true;
	p->next = rt->push;
	rt->push = p;
	return 0;

err_free:
	push_destroy(p);
	return err;
}

/*
 * A record's line: its fields, then, for an interval whose state
 * overflowed, the mark como query puts on it.
 */
static char *record_line(struct push *p, const struct modrt *rt, uint64_t ts,
			 const void *buf, uint32_t len)
{
	uint64_t uncounted, sampled;
	char *line = NULL;
	size_t size;
	FILE *f;

	if (como_schema_load((struct como_mod *)p->mod, buf, len, p->rec) < 0)
		return NULL;
	f = open_memstream(&line, &size);
	if (!f)
		return NULL;
	out_record_fields(f, p->mod->desc->schema, ts, p->rec);
	if (stream_overflowed_at(rt, ts, &uncounted, &sampled)) {
		fprintf(f, ",\"approximate\":true,\"packets_uncounted\":%llu",
			(unsigned long long)uncounted);
		if (sampled)
			fprintf(f, ",\"sampled_out\":%llu",
				(unsigned long long)sampled);
	}
	fputs(",\"module\":", f);
	out_json_string(f, p->name);
	fprintf(f, ",\"interval_ns\":%llu}\n",
		(unsigned long long)p->mod->interval_ns);
	if (fclose(f)) {
		free(line);
		return NULL;
	}
	return line;
}

static void enqueue(struct push *p, char *line)
{
	pthread_mutex_lock(&p->lock);
	p->records++;
	if (!line || p->stop) {
		p->dropped++;
		pthread_mutex_unlock(&p->lock);
		free(line);
		return;
	}
	if (p->n == p->cap) {
		free(p->q[p->head]);
		p->head = (p->head + 1) % p->cap;
		p->n--;
		p->dropped++;
	}
	p->q[(p->head + p->n++) % p->cap] = line;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
}

void push_record(struct modrt *rt, uint64_t ts, const void *buf,
		 uint32_t len)
{
	struct push *p;

	for (p = rt->push; p; p = p->next)
		enqueue(p, record_line(p, rt, ts, buf, len));
}

void push_finish(struct modrt *rt)
{
	uint64_t now = mono_ns(), lost;
	struct push *p;

	for (p = rt->push; p; p = p->next) {
		pthread_mutex_lock(&p->lock);
		if (!p->stop) {
			p->stop = true;
			p->deadline = now + p->drain_ns;
		}
		pthread_cond_broadcast(&p->more);
		pthread_cond_broadcast(&p->wake);
		pthread_mutex_unlock(&p->lock);
	}
	for (p = rt->push; p; p = p->next) {
		if (!p->running)
			continue;
		pthread_join(p->thread, NULL);
		p->running = false;
		lost = p->dropped + p->unsent;
		if (lost)
			pr_warn("module %s: send-to %s: %llu of %llu records not "
				"sent (%llu dropped from a full queue, %llu left "
				"at the end); the stored records are whole",
				p->name, p->to, (unsigned long long)lost,
				(unsigned long long)p->records,
				(unsigned long long)p->dropped,
				(unsigned long long)p->unsent);
	}
}

void push_free(struct modrt *rt)
{
	struct push *p, *next;

	push_finish(rt);
	for (p = rt->push; p; p = next) {
		next = p->next;
		push_destroy(p);
	}
	rt->push = NULL;
}

void push_json(struct modrt *rt, struct json_object *o)
{
	uint64_t sent = 0, dropped = 0, unsent = 0, queued = 0, q;
	struct json_object *arr, *t;
	struct push *p;

	if (!rt->push)
		return;
	arr = json_object_new_array();
	for (p = rt->push; p; p = p->next) {
		t = json_object_new_object();
		pthread_mutex_lock(&p->lock);
		q = p->n + p->inflight;
		json_add_str(t, "name", p->name);
		json_add_str(t, "to", p->to);
		json_add_u64(t, "records", p->records);
		json_add_u64(t, "sent", p->sent);
		json_add_u64(t, "dropped", p->dropped);
		json_add_u64(t, "unsent", p->unsent);
		json_add_u64(t, "queued", q);
		json_add_u64(t, "queue_size", p->cap);
		json_add_u64(t, "connects", p->connects);
		json_object_object_add(t, "connected",
				       json_object_new_boolean(p->connected));
		sent += p->sent;
		dropped += p->dropped;
		unsent += p->unsent;
		queued += q;
		pthread_mutex_unlock(&p->lock);
		json_object_array_add(arr, t);
	}
	json_object_object_add(o, "push", arr);
	json_add_u64(o, "push_sent", sent);
	json_add_u64(o, "push_dropped", dropped);
	json_add_u64(o, "push_unsent", unsent);
	json_add_u64(o, "push_queued", queued);
}
