// SPDX-License-Identifier: BSD-3-Clause
/*
 * nlfuzz: malformed and random requests to como.ko's generic netlink family
 * (include/uapi/linux/como.h), for the kernel tests in the guest.
 *
 *   nlfuzz [-n COUNT] [-s SEED] [-i INDEX] [-v]   fuzz, TAP lines on stdout
 *   nlfuzz -p PROBE [-b BUDGET_PM] [-T TICK_NS]   one well-formed request
 *
 * Each request asks for an ack and is followed by a NLMSG_NOOP that asks
 * for one too: the netlink core answers that one itself, after whatever
 * como.ko answered to the request (a socket's requests are handled in
 * order, in sendmsg), so "no reply" is decided without waiting for time.
 *
 * Every request carries a defect of its own. Those whose defect a strict
 * policy must refuse, and the writes that need a module or BPF objects the
 * fuzzer never hands over, must get NLMSG_ERROR with a negative errno; GET_*
 * may answer. Message INDEX of seed SEED is the same bytes on every run:
 * "nlfuzz -s SEED -i INDEX -v" sends it alone and shows it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/como.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define MSG_MAX		65536
#define RCV_MAX		(256 * 1024)
#define SHOW_MAX	20	/* failing messages shown in full */

enum expect {
	EXPECT_ANY,	/* judged by what it is (judge_ok()) */
	EXPECT_DROP,	/* nlmsg_len out of range: the core drops it */
};

struct msg {
	unsigned char buf[MSG_MAX];
	size_t len;		/* bytes sent */
	__u32 nlmsg_len;	/* what the header says, when mangled */
	__u16 flags;
	__u8 cmd;
	__u8 version;
	bool strong;		/* a defect any strict policy refuses */
	bool applied;		/* the mutation found its attribute */
	enum expect expect;
	const char *what;	/* the class of defect */
	/* mutation plan */
	int mutation;
	int target;		/* index of the attribute it hits */
	int attrs;		/* attributes emitted so far */
};

struct reply {
	bool answered;		/* NLMSG_ERROR or NLMSG_DONE seen */
	bool multi;		/* dump parts seen */
	int error;
	int data;		/* data messages */
	char extack[128];
};

/* fds of every kind for COMO_OBJ_A_FD, opened once so runs repeat */
static int fd_file = -1, fd_pipe[2] = { -1, -1 }, fd_sock = -1, fd_map = -1;
static int family_id;
static int nl_fd;
static __u32 seq_next = 1;
static bool verbose;
/* -H: a capture and modules are held, writes by their names may succeed */
static bool held;
/*
 * The instance name a probe's module request carries. With -N, a
 * REGISTER_MODULE is one the policy lets through (no EPOCH, an fd that
 * is not negative), so that what the name check says is what comes back.
 */
static const char *probe_module = "nlprobe";
static bool probe_named;

/* splitmix64: one stream per (seed, index), so a message can be redone */
static __u64 rng_state;

static __u64 rnd(void)
{
	__u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 below(__u32 n)
{
	return n ? rnd() % n : 0;
}

static bool chance(int pct)
{
	return below(100) < (__u32)pct;
}

static const char *const cmd_names[] = {
	[COMO_CMD_UNSPEC] = "UNSPEC",
	[COMO_CMD_GET_STATUS] = "GET_STATUS",
	[COMO_CMD_GET_MODULES] = "GET_MODULES",
	[COMO_CMD_LOAD_MODULE] = "LOAD_MODULE",
	[COMO_CMD_UNLOAD_MODULE] = "UNLOAD_MODULE",
	[COMO_CMD_REGISTER_MODULE] = "REGISTER_MODULE",
	[COMO_CMD_UNREGISTER_MODULE] = "UNREGISTER_MODULE",
	[COMO_CMD_SET_MODULE] = "SET_MODULE",
	[COMO_CMD_GET_CONFIG] = "GET_CONFIG",
	[COMO_CMD_SET_CONFIG] = "SET_CONFIG",
	[COMO_CMD_SET_CAPTURE] = "SET_CAPTURE",
	[COMO_CMD_GET_CAPTURE] = "GET_CAPTURE",
	[COMO_CMD_DEL_CAPTURE] = "DEL_CAPTURE",
	[COMO_CMD_EPOCH_DRAINED] = "EPOCH_DRAINED",
	[COMO_CMD_EVENT_EPOCH_CLOSED] = "EVENT_EPOCH_CLOSED",
	[COMO_CMD_EVENT_MODULE_SAMPLED] = "EVENT_MODULE_SAMPLED",
	[COMO_CMD_EVENT_MODULE_STOPPED] = "EVENT_MODULE_STOPPED",
	[COMO_CMD_EVENT_OVERLOAD] = "EVENT_OVERLOAD",
};

static const char *cmd_name(int cmd)
{
	static char other[16];

	if (cmd >= 0 && cmd < (int)(sizeof(cmd_names) / sizeof(cmd_names[0])))
		return cmd_names[cmd];
	snprintf(other, sizeof(other), "cmd %d", cmd);
	return other;
}

static bool cmd_is_get(int cmd)
{
	return cmd == COMO_CMD_GET_STATUS || cmd == COMO_CMD_GET_MODULES ||
	       cmd == COMO_CMD_GET_CONFIG || cmd == COMO_CMD_GET_CAPTURE;
}

/* writes that need a registered module or BPF objects nlfuzz never sends */
static bool cmd_needs_state(int cmd)
{
	switch (cmd) {
	case COMO_CMD_LOAD_MODULE:
	case COMO_CMD_UNLOAD_MODULE:
	case COMO_CMD_REGISTER_MODULE:
	case COMO_CMD_UNREGISTER_MODULE:
	case COMO_CMD_SET_MODULE:
	case COMO_CMD_SET_CAPTURE:
	case COMO_CMD_EPOCH_DRAINED:
		return true;
	}
	return false;
}

/* ---- building messages ---------------------------------------------- */

enum shape { SH_STR, SH_U8, SH_U32, SH_S32, SH_U64, SH_NEST };

enum mutation {
	MU_NONE,
	MU_WRONG_LEN,	/* a fixed-size value of another size, u32 in a string */
	MU_UNKNOWN,	/* an extra attribute of a type the policy lacks */
	MU_NEST_FLAG,	/* NLA_F_NESTED missing, or set where not nested */
	MU_NOT_NESTED,	/* a nest whose content is no attribute stream */
	MU_DEEP,	/* a nest holding nests, hundreds deep */
	MU_LEN_BEYOND,	/* nla_len past the end of its container */
	MU_LEN_SHORT,	/* nla_len below NLA_HDRLEN */
	MU_NO_NUL,	/* a string without its NUL */
	MU_OVERSIZE,	/* a string of kilobytes */
	MU_TRAIL,	/* 1-3 bytes after the last attribute: a cut header */
	__MU_MAX,
};

static const char *const mu_names[] = {
	"none", "wrong-length", "unknown-attr", "nested-flag", "not-nested",
	"deep-nesting", "nla_len-beyond", "nla_len-short", "no-nul",
	"oversize-string", "truncated-header",
};

static bool room(struct msg *m, size_t n)
{
	return m->len + NLA_ALIGN(n) <= sizeof(m->buf);
}

static void put_bytes(struct msg *m, const void *p, size_t n)
{
	if (!room(m, n))
		return;
	memcpy(m->buf + m->len, p, n);
	memset(m->buf + m->len + n, 0, NLA_ALIGN(n) - n);
	m->len += NLA_ALIGN(n);
}

static void put_random(struct msg *m, size_t n)
{
	size_t i;

	if (!room(m, n))
		return;
	for (i = 0; i < n; i++)
		m->buf[m->len + i] = rnd();
	memset(m->buf + m->len + n, 0, NLA_ALIGN(n) - n);
	m->len += NLA_ALIGN(n);
}

/* an attribute header; its length is set when the value is in */
static size_t attr_begin(struct msg *m, __u16 type)
{
	struct nlattr nla = { .nla_type = type };
	size_t at = m->len;

	if (room(m, NLA_HDRLEN)) {
		memcpy(m->buf + at, &nla, sizeof(nla));
		m->len += NLA_HDRLEN;
	}
	return at;
}

static void attr_end(struct msg *m, size_t at)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + at);

	if (at + NLA_HDRLEN <= m->len)
		nla->nla_len = m->len - at;
}

static void put_attr(struct msg *m, __u16 type, const void *p, size_t n)
{
	size_t at = attr_begin(m, type);

	if (!room(m, n))
		return;
	memcpy(m->buf + m->len, p, n);
	memset(m->buf + m->len + n, 0, NLA_ALIGN(n) - n);
	m->len += NLA_ALIGN(n);
	/* nla_len counts the value, not its padding */
	((struct nlattr *)(m->buf + at))->nla_len = NLA_HDRLEN + n;
}

static void put_u32(struct msg *m, __u16 type, __u32 v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_u64(struct msg *m, __u16 type, __u64 v)
{
	put_attr(m, type, &v, sizeof(v));
}

static void put_str(struct msg *m, __u16 type, const char *s)
{
	put_attr(m, type, s, strlen(s) + 1);
}

static size_t shape_size(enum shape sh)
{
	switch (sh) {
	case SH_U8:
		return 1;
	case SH_U32:
	case SH_S32:
		return 4;
	case SH_U64:
		return 8;
	default:
		return 0;
	}
}

/* a chain of nests DEPTH deep, random types, bounded by the buffer */
static void put_deep(struct msg *m, int depth)
{
	size_t at[512];
	int i, n = 0;

	for (i = 0; i < depth && i < 512 && room(m, 64); i++)
		at[n++] = attr_begin(m, (below(8) + 1) | NLA_F_NESTED);
	put_random(m, below(8));
	while (n--)
		attr_end(m, at[n]);
}

/*
 * Is this attribute the one the plan hits? Then write it wrong and say so;
 * the caller writes it right otherwise. Nests are handled by the callers
 * of nest_begin(), which ask with SH_NEST.
 */
static bool mutate(struct msg *m, __u16 type, enum shape sh, const void *val,
		   size_t n)
{
	static const size_t odd[] = { 0, 1, 2, 3, 5, 6, 7, 9, 12, 16, 64 };
	struct nlattr *nla;
	size_t at, want = shape_size(sh), len;
	char s[64];
	__u32 u = rnd();

	if (m->attrs++ != m->target)
		return false;
	m->applied = true;
	switch (m->mutation) {
	case MU_WRONG_LEN:
		if (sh == SH_STR) {	/* a u32 where a string goes */
			put_attr(m, type, &u, sizeof(u));
			return true;
		}
		do
			len = odd[below(sizeof(odd) / sizeof(odd[0]))];
		while (len == want);
		at = attr_begin(m, type);
		put_random(m, len);
		attr_end(m, at);
		((struct nlattr *)(m->buf + at))->nla_len = NLA_HDRLEN + len;
		m->strong |= sh != SH_STR && sh != SH_NEST;
		m->strong |= sh == SH_NEST && len > 0 && len < NLA_HDRLEN;
		return true;
	case MU_UNKNOWN:
		/* 0, or past every como_*_attr enum */
		put_attr(m, chance(20) ? 0 : 32 + below(0x3fff - 32), val, n);
		m->strong = true;
		return false;	/* and the right one after it */
	case MU_NEST_FLAG:
		put_attr(m, type | NLA_F_NESTED, val, n);
		m->strong = true;
		return true;
	case MU_LEN_BEYOND:
		at = attr_begin(m, type);
		put_bytes(m, val, n);
		nla = (struct nlattr *)(m->buf + at);
		nla->nla_len = 0xff00 + below(0xff);
		m->strong = true;
		return true;
	case MU_LEN_SHORT:
		at = attr_begin(m, type);
		put_bytes(m, val, n);
		nla = (struct nlattr *)(m->buf + at);
		nla->nla_len = below(NLA_HDRLEN);
		m->strong = true;
		return true;
	case MU_NO_NUL:
		if (sh != SH_STR)
			break;
		len = 1 + below(sizeof(s));
		memset(s, 'a' + below(26), sizeof(s));
		put_attr(m, type, s, len);
		return true;
	case MU_OVERSIZE:
		if (sh != SH_STR || m->len + 4000 > MSG_MAX)
			break;
		len = 1000 + below(MSG_MAX - 3000 - m->len);
		at = attr_begin(m, type);
		memset(m->buf + m->len, 'x', len - 1);
		m->buf[m->len + len - 1] = 0;
		m->len += NLA_ALIGN(len);
		((struct nlattr *)(m->buf + at))->nla_len = NLA_HDRLEN + len;
		return true;
	}
	m->applied = false;
	m->target++;	/* not this one: the next one the mutation fits */
	return false;
}

static void attr(struct msg *m, __u16 type, enum shape sh, __u64 v,
		 const char *s)
{
	__u8 u8 = v;
	__u32 u32 = v;

	switch (sh) {
	case SH_STR:
		if (!mutate(m, type, sh, s, strlen(s) + 1))
			put_str(m, type, s);
		break;
	case SH_U8:
		if (!mutate(m, type, sh, &u8, 1))
			put_attr(m, type, &u8, 1);
		break;
	case SH_U32:
	case SH_S32:
		if (!mutate(m, type, sh, &u32, 4))
			put_u32(m, type, u32);
		break;
	case SH_U64:
		if (!mutate(m, type, sh, &v, 8))
			put_u64(m, type, v);
		break;
	case SH_NEST:
		break;
	}
}

/*
 * A nest. Returns where its header is, or -1 when the plan replaced its
 * content (not nested, deep), in which case the caller adds nothing.
 */
static long nest_begin(struct msg *m, __u16 type)
{
	size_t at;
	__u32 junk;

	if (m->attrs++ == m->target) {
		junk = rnd();
		m->applied = true;
		switch (m->mutation) {
		case MU_NOT_NESTED:	/* content that is no attribute */
			at = attr_begin(m, type | NLA_F_NESTED);
			put_random(m, 4 + below(60));
			/* the first inner nla_len runs past the nest */
			memcpy(m->buf + at + NLA_HDRLEN, &junk, 4);
			((struct nlattr *)(m->buf + at + NLA_HDRLEN))->nla_len =
				m->len - at + 4 + below(1000);
			attr_end(m, at);
			m->strong = true;
			return -1;
		case MU_DEEP:
			at = attr_begin(m, type | NLA_F_NESTED);
			put_deep(m, 1 + below(400));
			attr_end(m, at);
			return -1;
		case MU_NEST_FLAG:
			m->strong = true;
			return attr_begin(m, type);
		case MU_UNKNOWN:
			put_attr(m, 32 + below(0x3fff - 32), &junk, below(5));
			m->strong = true;
			break;
		case MU_LEN_BEYOND:
		case MU_LEN_SHORT:
		case MU_WRONG_LEN:
			/* the nest itself: its end is fixed in nest_end() */
			break;
		default:
			m->applied = false;
			m->target++;
			break;
		}
	}
	return attr_begin(m, type | NLA_F_NESTED);
}

static void nest_end(struct msg *m, long at, int index)
{
	struct nlattr *nla;

	if (at < 0)
		return;
	attr_end(m, at);
	if (index != m->target)
		return;
	nla = (struct nlattr *)(m->buf + at);
	switch (m->mutation) {
	case MU_LEN_BEYOND:
		nla->nla_len = m->len - at + 1 + below(200);
		m->strong = true;
		break;
	case MU_LEN_SHORT:
		nla->nla_len = below(NLA_HDRLEN);
		m->strong = true;
		break;
	case MU_WRONG_LEN:	/* cut into its last attribute */
		if (nla->nla_len > NLA_HDRLEN + 1) {
			nla->nla_len -= 1 + below(3);
			m->strong = true;
		}
		break;
	}
}

static const char *fuzz_name(char *s, size_t n)
{
	static const char *const names[] = {
		"counter", "protocol", "topdest", "", "fz", "../../x",
		"como_ctl", "prog",
	};

	if (chance(50))
		return names[below(sizeof(names) / sizeof(names[0]))];
	snprintf(s, n, "fz%u", below(100000));
	return s;
}

/* one object whose fd is no BPF object, or the map under a wrong kind */
static void put_bad_object(struct msg *m)
{
	static const __u32 kinds[] = {
		0, COMO_OBJ_PROG, COMO_OBJ_MAP, COMO_OBJ_LINK, 4, 0xffffffff,
	};
	int fds[] = { -1, 0, 9999, 0x7fffffff, (int)0x80000000, fd_file,
		      fd_pipe[0], fd_pipe[1], fd_sock, fd_map, nl_fd };
	int idx = m->attrs, fd;
	__u32 kind;
	char s[32];
	long at;

	fd = fds[below(sizeof(fds) / sizeof(fds[0]))];
	do
		kind = kinds[below(sizeof(kinds) / sizeof(kinds[0]))];
	while (fd == fd_map && fd >= 0 && kind == COMO_OBJ_MAP);
	at = nest_begin(m, COMO_A_OBJECT);
	if (at >= 0) {
		if (chance(90))
			attr(m, COMO_OBJ_A_NAME, SH_STR, 0,
			     chance(30) ? COMO_OBJ_CTL :
					  fuzz_name(s, sizeof(s)));
		if (chance(90))
			attr(m, COMO_OBJ_A_KIND, SH_U32, kind, NULL);
		if (chance(90))
			attr(m, COMO_OBJ_A_FD, SH_S32, (__u32)fd, NULL);
		if (chance(30))
			attr(m, COMO_OBJ_A_PROG_TYPE, SH_U32,
			     chance(50) ? BPF_PROG_TYPE_XDP : rnd(), NULL);
		if (chance(10))
			attr(m, COMO_OBJ_A_ID, SH_U32, rnd(), NULL);
	}
	nest_end(m, at, idx);
}

/*
 * Well-formed objects that pass the policy and reach the handler, the map
 * among them as what it is: all taken or none, one is never a BPF object
 * of its kind (or two share a name).
 */
static void put_fd_objects(struct msg *m, __u16 type)
{
	int fds[] = { 0, 9999, fd_file, fd_pipe[0], fd_pipe[1], fd_sock,
		      nl_fd, fd_map, fd_map, fd_map };
	int i, n = 1 + below(4), fd;
	bool bad = false;
	size_t list, obj;
	char name[16];
	__u32 kind;

	list = attr_begin(m, type | NLA_F_NESTED);
	for (i = 0; i < n; i++) {
		fd = fds[below(sizeof(fds) / sizeof(fds[0]))];
		kind = COMO_OBJ_PROG + below(3);
		if (fd == fd_map && chance(60))
			kind = COMO_OBJ_MAP;
		if (i == n - 1 && !bad && fd_map >= 0 && fd == fd_map &&
		    kind == COMO_OBJ_MAP)
			fd = fd_file;	/* the last one bad, if none was */
		bad |= fd != fd_map || fd < 0 || kind != COMO_OBJ_MAP;
		obj = attr_begin(m, COMO_A_OBJECT | NLA_F_NESTED);
		snprintf(name, sizeof(name), "o%u", chance(10) ? 0 : i);
		put_str(m, COMO_OBJ_A_NAME, i == 0 && chance(50) ?
			    COMO_OBJ_CTL : name);
		put_u32(m, COMO_OBJ_A_KIND, kind);
		put_u32(m, COMO_OBJ_A_FD, fd);
		if (kind == COMO_OBJ_PROG && chance(50))
			put_u32(m, COMO_OBJ_A_PROG_TYPE, below(40));
		attr_end(m, obj);
	}
	attr_end(m, list);
}

static void put_fd_payload(struct msg *m, int cmd)
{
	size_t at;
	char s[32];

	if (cmd == COMO_CMD_SET_CAPTURE) {
		at = attr_begin(m, COMO_A_CAPTURE | NLA_F_NESTED);
		put_str(m, COMO_CAP_A_DATADIR, "/tmp/nlfuzz");
		put_str(m, COMO_CAP_A_DESCRIPTION, "{}");
		put_fd_objects(m, COMO_CAP_A_OBJECTS);
		attr_end(m, at);
		return;
	}
	at = attr_begin(m, COMO_A_MODULE | NLA_F_NESTED);
	snprintf(s, sizeof(s), "fz%u", below(1000));
	put_str(m, COMO_MOD_A_NAME, s);
	put_u32(m, COMO_MOD_A_SLOT, below(4));
	put_u64(m, COMO_MOD_A_INTERVAL_NS, 1000000000ULL);
	put_u64(m, COMO_MOD_A_EPOCH, 0);
	put_u64(m, COMO_MOD_A_EPOCH_START_NS, 0);
	put_fd_objects(m, COMO_MOD_A_OBJECTS);
	attr_end(m, at);
}

static void put_objects(struct msg *m, __u16 type)
{
	int idx = m->attrs, i, n = 1 + below(4);
	long at = nest_begin(m, type);

	if (at >= 0)
		for (i = 0; i < n; i++)
			put_bad_object(m);
	nest_end(m, at, idx);
}

/*
 * The attributes of CMD, each present with probability PCT (100: all);
 * writes that need state keep at least one bad object or miss something.
 */
static void put_payload(struct msg *m, int cmd, int pct)
{
	int idx = m->attrs;
	char s[32];
	long at;

	switch (cmd) {
	case COMO_CMD_SET_CONFIG:
		at = nest_begin(m, COMO_A_CONFIG);
		if (at >= 0) {
			if (chance(pct))
				attr(m, COMO_CFG_A_TICK_NS, SH_U64,
				     1000000ULL * (1 + below(1000)), NULL);
			if (chance(pct))
				attr(m, COMO_CFG_A_CPU_BUDGET_PM, SH_U32,
				     below(2000), NULL);
		}
		nest_end(m, at, idx);
		return;
	case COMO_CMD_SET_CAPTURE:
		at = nest_begin(m, COMO_A_CAPTURE);
		if (at >= 0) {
			if (chance(pct))
				attr(m, COMO_CAP_A_DATADIR, SH_STR, 0,
				     "/tmp/nlfuzz");
			if (chance(pct))
				attr(m, COMO_CAP_A_DESCRIPTION, SH_STR, 0,
				     "{\"nlfuzz\":1}");
			if (chance(pct))
				put_objects(m, COMO_CAP_A_OBJECTS);
		}
		nest_end(m, at, idx);
		return;
	case COMO_CMD_LOAD_MODULE:
	case COMO_CMD_UNLOAD_MODULE:
	case COMO_CMD_REGISTER_MODULE:
	case COMO_CMD_UNREGISTER_MODULE:
	case COMO_CMD_SET_MODULE:
	case COMO_CMD_EPOCH_DRAINED:
		break;
	default:
		/* no attributes of their own: any from the top level */
		if (chance(pct))
			attr(m, COMO_A_SOURCE, SH_STR, 0, "live");
		if (chance(pct / 2))
			attr(m, COMO_A_PKTS, SH_U64, rnd(), NULL);
		if (chance(pct / 2))
			attr(m, COMO_A_OVERLOAD, SH_U32, below(2), NULL);
		return;
	}
	at = nest_begin(m, COMO_A_MODULE);
	if (at < 0)
		goto out;
	if (chance(pct))
		attr(m, COMO_MOD_A_NAME, SH_STR, 0, fuzz_name(s, sizeof(s)));
	switch (cmd) {
	case COMO_CMD_LOAD_MODULE:
		if (chance(pct))
			attr(m, COMO_MOD_A_SOURCE, SH_STR, 0, "counter");
		if (chance(pct))
			attr(m, COMO_MOD_A_ARGS, SH_STR, 0, "interval=1s");
		if (chance(pct))
			attr(m, COMO_MOD_A_FILTER, SH_STR, 0, "tcp");
		break;
	case COMO_CMD_REGISTER_MODULE:
		if (chance(pct))
			attr(m, COMO_MOD_A_SLOT, SH_U32,
			     chance(50) ? below(4) : rnd(), NULL);
		if (chance(pct))
			attr(m, COMO_MOD_A_INTERVAL_NS, SH_U64,
			     chance(50) ? 1000000000ULL : rnd(), NULL);
		if (chance(pct))
			attr(m, COMO_MOD_A_EPOCH, SH_U64, below(10), NULL);
		if (chance(pct))
			attr(m, COMO_MOD_A_EPOCH_START_NS, SH_U64, rnd(), NULL);
		if (chance(pct))
			put_objects(m, COMO_MOD_A_OBJECTS);
		if (chance(pct / 2))
			attr(m, COMO_MOD_A_PRIORITY, SH_U32, below(10), NULL);
		if (chance(pct / 2))
			attr(m, COMO_MOD_A_MIN_SAMPLING, SH_U32, rnd(), NULL);
		if (chance(pct / 2))
			attr(m, COMO_MOD_A_SAMPLING, SH_U32, rnd(), NULL);
		break;
	case COMO_CMD_SET_MODULE:
		if (chance(pct))
			attr(m, COMO_MOD_A_SAMPLING, SH_U32, rnd(), NULL);
		if (chance(pct))
			attr(m, COMO_MOD_A_PRIORITY, SH_U32, rnd(), NULL);
		if (chance(pct))
			attr(m, COMO_MOD_A_ENABLED, SH_U8, below(3), NULL);
		break;
	case COMO_CMD_EPOCH_DRAINED:
		if (chance(pct))
			attr(m, COMO_MOD_A_EPOCH, SH_U64, below(10), NULL);
		break;
	}
out:
	nest_end(m, at, idx);
}

static void put_header(struct msg *m, __u32 seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *gh = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);

	nlh->nlmsg_len = m->nlmsg_len ? m->nlmsg_len : m->len;
	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = m->flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	gh->cmd = m->cmd;
	gh->version = m->version;
	gh->reserved = 0;
}

static void msg_init(struct msg *m, int cmd)
{
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	memset(m->buf, 0, m->len);
	m->nlmsg_len = 0;
	m->flags = NLM_F_REQUEST | NLM_F_ACK;
	m->cmd = cmd;
	m->version = COMO_GENL_VERSION;
	m->strong = false;
	m->applied = false;
	m->mutation = MU_NONE;
	m->target = -1;
	m->attrs = 0;
}

/* a request command: one of como's, now and then any number at all */
static int pick_cmd(void)
{
	if (chance(8))
		return chance(50) ? below(256) :
				    COMO_CMD_EVENT_EPOCH_CLOSED + below(4);
	return COMO_CMD_GET_STATUS + below(COMO_CMD_EPOCH_DRAINED);
}

/*
 * The payload of CMD with MUTATION applied to one of its attributes, picked
 * among those it has: a first pass counts them, a second one, from the same
 * random state, writes them again with the mutation.
 */
static void build(struct msg *m, int cmd, int pct, int mutation)
{
	size_t len0 = m->len;
	__u64 saved = rng_state;
	int n;

	m->mutation = MU_NONE;
	m->target = -1;
	m->attrs = 0;
	put_payload(m, cmd, pct);
	n = m->attrs;
	if (mutation == MU_NONE)
		return;
	m->target = below(n);
	m->len = len0;
	m->attrs = 0;
	m->mutation = mutation;
	rng_state = saved;
	put_payload(m, cmd, pct);
	if (!m->applied && n) {	/* none after it fits: the first that does */
		m->target = 0;
		m->len = len0;
		m->attrs = 0;
		m->strong = false;
		rng_state = saved;
		put_payload(m, cmd, pct);
	}
	if (!m->applied && n && m->what == mu_names[mutation])
		m->what = "well-formed (no attribute the mutation fits)";
	if (!n) {	/* nothing to hit: an attribute no policy has */
		put_attr(m, 32 + below(0x3fff - 32), "x", 2);
		m->strong = true;
	}
}

static const char *random_mutation(int *mutation)
{
	*mutation = 1 + below(__MU_MAX - 1);
	return mu_names[*mutation];
}

/* message INDEX of SEED: the same bytes whenever asked */
static void gen(struct msg *m, __u64 seed, __u64 index)
{
	int cmd, kind, mutation;
	size_t n;

	rng_state = seed ^ (index * 0xd1342543de82ef95ULL);
	rnd();
	cmd = pick_cmd();
	if (held && cmd == COMO_CMD_DEL_CAPTURE)	/* keep it to the end */
		cmd = COMO_CMD_GET_CAPTURE;
	msg_init(m, cmd);
	m->expect = EXPECT_ANY;
	kind = below(100);
	if (cmd == 0 || cmd > COMO_CMD_EPOCH_DRAINED) {
		m->what = "unknown-cmd";
		build(m, COMO_CMD_GET_STATUS, 50, MU_NONE);
		m->strong = true;
	} else if (kind < 10) {
		/* missing attributes: a few present, most not */
		m->what = "missing-attrs";
		build(m, cmd, chance(30) ? 0 : 40, MU_NONE);
	} else if (kind < 15) {
		m->what = "random-after-genlmsghdr";
		n = 1 + below(chance(50) ? 3 : 512);
		put_random(m, n);
		m->len -= NLA_ALIGN(n) - n;
		m->strong = n < NLA_HDRLEN;
	} else if (kind < 20) {
		m->what = "bad-genl-version";
		m->version = chance(50) ? 0 : 2 + below(254);
		random_mutation(&mutation);
		build(m, cmd, 70, chance(50) ? MU_NONE : mutation);
	} else if (kind < 24) {
		/* cut the end off: the tail left is too short to be read as
		 * another message (whatever is 16 bytes or more would be)
		 */
		m->what = "nlmsg_len-short";
		build(m, cmd, 100, MU_NONE);
		n = 1 + below(12);
		if (m->len - n >= NLMSG_HDRLEN + GENL_HDRLEN)
			m->nlmsg_len = m->len - n;
	} else if (kind < 26) {
		/* and nothing after it, or the rest would be a message */
		m->what = "nlmsg_len-below-genlmsghdr";
		m->nlmsg_len = NLMSG_HDRLEN + below(GENL_HDRLEN);
		m->strong = true;
	} else if (kind < 28) {
		m->what = "nlmsg_len-out-of-range";
		build(m, cmd, 100, MU_NONE);
		m->nlmsg_len = chance(50) ? below(NLMSG_HDRLEN) :
					    m->len + 1 + below(100000);
		m->expect = EXPECT_DROP;
	} else if (kind < 40) {
		m->what = "bad-fds";
		m->cmd = cmd = chance(50) ? COMO_CMD_REGISTER_MODULE :
					    COMO_CMD_SET_CAPTURE;
		put_fd_payload(m, cmd);
	} else if (kind < 43 && !cmd_is_get(cmd)) {
		m->what = "dump-flag-on-write";
		m->flags |= NLM_F_DUMP;
		build(m, cmd, 100, MU_NONE);
		m->strong = true;
	} else {
		m->what = random_mutation(&mutation);
		if (mutation == MU_TRAIL) {
			build(m, cmd, 90, MU_NONE);
			n = 1 + below(3);
			put_random(m, n);
			m->len -= NLA_ALIGN(n) - n;
			m->strong = true;
		} else {
			build(m, cmd, 90, mutation);
		}
	}
	if (cmd_is_get(cmd) && chance(50))
		m->flags |= NLM_F_DUMP;
}

/* ---- talking ---------------------------------------------------------- */

static int nl_open(void)
{
	int one = 1, rcv = RCV_MAX;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -errno;
	/* errors carry our header only, and say why */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	return fd;
}

static int send_raw(const void *p, size_t n)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(nl_fd, p, n, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static void extack_msg(const struct nlmsghdr *nlh, struct reply *r)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (const struct nlattr *)((const char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(r->extack, sizeof(r->extack), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

typedef void (*data_fn)(const struct nlmsghdr *nlh, void *arg);

/*
 * Read until the sentinel's ack (and a dump this request began is over).
 * What carries SEQ is the request's; anything older is a late dump part.
 * Returns 0, or -errno when the socket fails.
 */
static int collect(__u32 seq, __u32 sentinel, struct reply *r, data_fn fn,
		   void *arg)
{
	static unsigned char buf[RCV_MAX];
	bool sentinel_seen = false;
	struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	memset(r, 0, sizeof(*r));
	while (!sentinel_seen || (r->multi && !r->answered)) {
		n = recv(nl_fd, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n > sizeof(buf))
			return -EMSGSIZE;
		len = n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq == sentinel) {
				sentinel_seen = true;
				continue;
			}
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				/* an ack after a dump's DONE says no more */
				if (r->answered && !e->error)
					continue;
				r->answered = true;
				r->error = e->error;
				extack_msg(nlh, r);
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				r->answered = true;
				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&r->error, NLMSG_DATA(nlh),
					       sizeof(int));
			} else if (nlh->nlmsg_type == family_id) {
				r->data++;
				if (nlh->nlmsg_flags & NLM_F_MULTI)
					r->multi = true;
				if (fn)
					fn(nlh, arg);
			}
		}
	}
	return 0;
}

/* send BYTES (whose header says SEQ), then the sentinel; gather the reply */
static int exchange(const void *bytes, size_t n, struct reply *r, data_fn fn,
		    void *arg)
{
	struct nlmsghdr noop = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	};
	__u32 seq = ((const struct nlmsghdr *)bytes)->nlmsg_seq;
	int err;

	noop.nlmsg_seq = seq_next++;
	err = send_raw(bytes, n);
	if (err)
		return err;
	err = send_raw(&noop, sizeof(noop));
	if (err)
		return err;
	return collect(seq, noop.nlmsg_seq, r, fn, arg);
}

static int resolve_family(void)
{
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr gh;
		unsigned char attrs[64];
	} req = {
		.nlh.nlmsg_type = GENL_ID_CTRL,
		.nlh.nlmsg_flags = NLM_F_REQUEST,
		.gh.cmd = CTRL_CMD_GETFAMILY,
		.gh.version = 1,
	};
	static unsigned char buf[8192];
	struct nlattr *a = (struct nlattr *)req.attrs;
	struct nlmsghdr *nlh;
	ssize_t n;
	int len, off;

	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(COMO_GENL_NAME);
	memcpy((char *)a + NLA_HDRLEN, COMO_GENL_NAME, sizeof(COMO_GENL_NAME));
	req.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
	req.nlh.nlmsg_seq = seq_next++;
	if (send_raw(&req, req.nlh.nlmsg_len))
		return -errno;
	n = recv(nl_fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	len = n;
	for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
	     nlh = NLMSG_NEXT(nlh, len)) {
		if (nlh->nlmsg_type == NLMSG_ERROR)
			return ((struct nlmsgerr *)NLMSG_DATA(nlh))->error ?: -EPROTO;
		if (nlh->nlmsg_type != GENL_ID_CTRL)
			continue;
		for (off = NLMSG_LENGTH(GENL_HDRLEN);
		     off + NLA_HDRLEN <= (int)nlh->nlmsg_len;) {
			a = (struct nlattr *)((char *)nlh + off);
			if (a->nla_len < NLA_HDRLEN)
				break;
			if (a->nla_type == CTRL_ATTR_FAMILY_ID)
				return *(__u16 *)((char *)a + NLA_HDRLEN);
			off += NLA_ALIGN(a->nla_len);
		}
	}
	return -ENOENT;
}

static const char *err_name(int error)
{
	static char s[16];
	const char *name = error < 0 ? strerrorname_np(-error) : NULL;

	if (!error)
		return "0";
	if (name)
		return name;
	snprintf(s, sizeof(s), "%d", error);
	return s;
}

/* ---- fuzzing ---------------------------------------------------------- */

static void open_fds(void)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4,
		.value_size = 4,
		.max_entries = 1,
	};
	char path[] = "/tmp/nlfuzz.XXXXXX";

	fd_file = mkstemp(path);
	if (fd_file >= 0)
		unlink(path);
	if (pipe(fd_pipe))
		fd_pipe[0] = fd_pipe[1] = -1;
	fd_sock = socket(AF_INET, SOCK_DGRAM, 0);
	/* a real BPF map, to hand over as a PROG or a LINK */
	fd_map = syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

static void close_fds(void)
{
	int fds[] = { fd_file, fd_pipe[0], fd_pipe[1], fd_sock, fd_map };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void hexdump(const unsigned char *p, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && i < max; i++)
		printf("%s%02x", i % 32 ? "" : "\n#   ", p[i]);
	if (n > max)
		printf("\n#   ... (%zu bytes in all)", n);
	printf("\n");
}

struct config {
	bool have;
	bool have_tick, have_budget;
	__u64 tick_ns;
	__u32 budget_pm;
};

static void parse_config(const struct nlmsghdr *nlh, void *arg)
{
	struct config *c = arg;
	int off, end, noff, nend;
	const struct nlattr *a, *b;

	end = nlh->nlmsg_len;
	for (off = NLMSG_LENGTH(GENL_HDRLEN); off + NLA_HDRLEN <= end;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)((const char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > end)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) != COMO_A_CONFIG)
			continue;
		c->have = true;
		nend = off + a->nla_len;
		for (noff = off + NLA_HDRLEN; noff + NLA_HDRLEN <= nend;
		     noff += NLA_ALIGN(b->nla_len)) {
			b = (const struct nlattr *)((const char *)nlh + noff);
			if (b->nla_len < NLA_HDRLEN || noff + b->nla_len > nend)
				break;
			if (b->nla_type == COMO_CFG_A_TICK_NS &&
			    b->nla_len == NLA_HDRLEN + 8) {
				memcpy(&c->tick_ns, (const char *)b + NLA_HDRLEN,
				       8);
				c->have_tick = true;
			}
			if (b->nla_type == COMO_CFG_A_CPU_BUDGET_PM &&
			    b->nla_len == NLA_HDRLEN + 4) {
				memcpy(&c->budget_pm,
				       (const char *)b + NLA_HDRLEN, 4);
				c->have_budget = true;
			}
		}
	}
}

static int simple(int cmd, struct msg *m, struct reply *r, data_fn fn,
		  void *arg)
{
	m->cmd = cmd;
	put_header(m, seq_next++);
	return exchange(m->buf, m->len, r, fn, arg);
}

static int get_config(struct config *c, struct reply *r)
{
	static struct msg m;

	memset(c, 0, sizeof(*c));
	msg_init(&m, COMO_CMD_GET_CONFIG);
	return simple(COMO_CMD_GET_CONFIG, &m, r, parse_config, c);
}

static int set_config(const struct config *c, struct reply *r)
{
	static struct msg m;
	size_t at;

	msg_init(&m, COMO_CMD_SET_CONFIG);
	at = attr_begin(&m, COMO_A_CONFIG | NLA_F_NESTED);
	if (c->have_tick)
		put_u64(&m, COMO_CFG_A_TICK_NS, c->tick_ns);
	if (c->have_budget)
		put_u32(&m, COMO_CFG_A_CPU_BUDGET_PM, c->budget_pm);
	attr_end(&m, at);
	return simple(COMO_CMD_SET_CONFIG, &m, r, NULL, NULL);
}

struct tally {
	unsigned long errnos[4096];
	unsigned long other_errors;
	unsigned long sent, dropped, no_reply, send_failed;
	unsigned long get_ok;		/* GET_* answered */
	unsigned long get_strong_ok;	/* of them, with a strong defect */
	unsigned long weak_ok;		/* writes with a weak defect taken */
	unsigned long state_ok;		/* writes needing state that succeeded */
	unsigned long strong_ok;	/* writes with a strong defect taken */
	int shown;
};

static void show(const struct msg *m, __u64 seed, __u64 i, const char *why,
		 const struct reply *r, struct tally *t)
{
	if (!verbose && t->shown++ >= SHOW_MAX)
		return;
	printf("# message %llu of seed %llu: %s, %s (%s%s, version %u): %s",
	       (unsigned long long)i, (unsigned long long)seed,
	       cmd_name(m->cmd), m->what, m->strong ? "strong" : "weak",
	       m->flags & NLM_F_DUMP ? ", dump" : "", m->version, why);
	if (r && r->extack[0])
		printf(" \"%s\"", r->extack);
	printf("\n#   redo: nlfuzz -s %llu -i %llu -v; %zu bytes:",
	       (unsigned long long)seed, (unsigned long long)i, m->len);
	hexdump(m->buf, m->len, verbose ? MSG_MAX : 256);
}

/* what a success says depends on what was sent */
static void judge_ok(const struct msg *m, __u64 seed, __u64 i,
		     const struct reply *r, struct tally *t)
{
	bool unknown = m->cmd == 0 || m->cmd > COMO_CMD_EPOCH_DRAINED;

	if (cmd_is_get(m->cmd)) {
		t->get_ok++;
		t->get_strong_ok += m->strong;
	} else if (unknown || (cmd_needs_state(m->cmd) && !held)) {
		t->state_ok++;
		show(m, seed, i, "SUCCEEDED", r, t);
	} else if (m->strong) {
		t->strong_ok++;
		show(m, seed, i, "ACCEPTED", r, t);
	} else {
		t->weak_ok++;
		if (verbose)
			show(m, seed, i, "accepted (weak defect)", r, t);
	}
}

static void fuzz_one(struct msg *m, __u64 seed, __u64 i, struct tally *t)
{
	struct reply r;
	int err;

	gen(m, seed, i);
	put_header(m, seq_next++);
	t->sent++;
	err = exchange(m->buf, m->len, &r, NULL, NULL);
	if (err) {
		t->send_failed++;
		printf("# message %llu: %s\n", (unsigned long long)i,
		       strerror(-err));
		return;
	}
	if (verbose)
		show(m, seed, i, r.answered ? err_name(r.error) : "no reply",
		     &r, t);
	if (m->expect == EXPECT_DROP && !r.answered) {
		t->dropped++;
		return;
	}
	if (!r.answered) {
		t->no_reply++;
		show(m, seed, i, "NO REPLY", &r, t);
	} else if (r.error < 0 && r.error > -4096) {
		t->errnos[-r.error]++;
	} else if (r.error) {
		t->other_errors++;
		show(m, seed, i, "an error out of range", &r, t);
	} else {
		judge_ok(m, seed, i, &r, t);
	}
}

/* anything a wrongly accepted write may have left: the capture, config */
static void clean_up(const struct config *before)
{
	static struct msg m;
	struct reply r;

	msg_init(&m, COMO_CMD_DEL_CAPTURE);
	if (!simple(COMO_CMD_DEL_CAPTURE, &m, &r, NULL, NULL))
		printf("# clean up: DEL_CAPTURE: %s\n", err_name(r.error));
	if (before->have && !set_config(before, &r))
		printf("# clean up: SET_CONFIG as before: %s\n",
		       err_name(r.error));
}

static int fuzz(unsigned long count, __u64 seed, long only)
{
	static struct msg m;
	struct config before;
	struct tally *t = calloc(1, sizeof(*t));
	struct reply r;
	unsigned long i;
	int e, bad;

	if (!t)
		return 1;
	open_fds();
	printf("# seed %llu, %lu messages to family %s (id %d)%s\n",
	       (unsigned long long)seed, only >= 0 ? 1 : count, COMO_GENL_NAME,
	       family_id, fd_map < 0 ? ", no BPF map to hand over" : "");
	get_config(&before, &r);
	if (only >= 0) {
		verbose = true;
		fuzz_one(&m, seed, only, t);
	} else {
		for (i = 0; i < count; i++)
			fuzz_one(&m, seed, i, t);
	}
	if (held || t->state_ok || t->strong_ok || t->weak_ok)
		clean_up(&before);
	close_fds();

	printf("# %lu sent; answered: %lu GET_*, %lu of them despite a strong defect; %lu writes with only a weak defect; dropped by the netlink core (nlmsg_len out of range): %lu\n",
	       t->sent, t->get_ok, t->get_strong_ok, t->weak_ok, t->dropped);
	printf("# refused:\n");
	for (e = 1; e < 4096; e++)
		if (t->errnos[e])
			printf("#   %-12s %lu\n", strerrorname_np(e) ?: "?",
			       t->errnos[e]);
	if (t->other_errors)
		printf("#   %-12s %lu\n", "other", t->other_errors);
	bad = t->send_failed || t->no_reply || t->other_errors;
	printf("%s - every message got a reply with an errno (%lu without, %lu not sent, %lu out of range)\n",
	       bad ? "not ok" : "ok", t->no_reply, t->send_failed,
	       t->other_errors);
	printf("%s - no unknown command%s succeeded (%lu did)\n",
	       t->state_ok ? "not ok" : "ok",
	       held ? "" : ", and no write needing a module or BPF objects,",
	       t->state_ok);
	printf("%s - no write with a defect a strict policy refuses was accepted (%lu were)\n",
	       t->strong_ok ? "not ok" : "ok", t->strong_ok);
	bad |= t->state_ok || t->strong_ok;
	free(t);
	return bad;
}

/* ---- probes ----------------------------------------------------------- */

struct probe {
	const char *name;
	int cmd;
	__u16 flags;		/* NLM_F_DUMP: the same GET as a dump */
};

static const struct probe probes[] = {
	{ "get-status", COMO_CMD_GET_STATUS, 0 },
	{ "get-modules", COMO_CMD_GET_MODULES, 0 },
	{ "dump-modules", COMO_CMD_GET_MODULES, NLM_F_DUMP },
	{ "get-config", COMO_CMD_GET_CONFIG, 0 },
	{ "get-capture", COMO_CMD_GET_CAPTURE, 0 },
	{ "load-module", COMO_CMD_LOAD_MODULE, 0 },
	{ "unload-module", COMO_CMD_UNLOAD_MODULE, 0 },
	{ "register-module", COMO_CMD_REGISTER_MODULE, 0 },
	{ "unregister-module", COMO_CMD_UNREGISTER_MODULE, 0 },
	{ "set-module", COMO_CMD_SET_MODULE, 0 },
	{ "set-config", COMO_CMD_SET_CONFIG, 0 },
	{ "set-capture", COMO_CMD_SET_CAPTURE, 0 },
	{ "del-capture", COMO_CMD_DEL_CAPTURE, 0 },
	{ "epoch-drained", COMO_CMD_EPOCH_DRAINED, 0 },
};

/* top-level attributes of a reply: module names, config, transport */
static void print_reply(const struct nlmsghdr *nlh, void *arg)
{
	int *modules = arg, off, noff, end = nlh->nlmsg_len, nend;
	const struct nlattr *a, *b;
	const char *v;

	for (off = NLMSG_LENGTH(GENL_HDRLEN); off + NLA_HDRLEN <= end;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)((const char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > end)
			return;
		v = (const char *)a + NLA_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case COMO_A_TRANSPORT:
			printf("transport=%.*s\n", a->nla_len - NLA_HDRLEN, v);
			break;
		case COMO_A_MODULE:
			++*modules;
			nend = off + a->nla_len;
			for (noff = off + NLA_HDRLEN; noff + NLA_HDRLEN <= nend;
			     noff += NLA_ALIGN(b->nla_len)) {
				b = (const void *)((const char *)nlh + noff);
				if (b->nla_len < NLA_HDRLEN ||
				    noff + b->nla_len > nend)
					break;
				if (b->nla_type == COMO_MOD_A_NAME)
					printf("module=%.*s\n",
					       b->nla_len - NLA_HDRLEN,
					       (const char *)b + NLA_HDRLEN);
			}
			break;
		}
	}
}

/* a well-formed request of each kind, for the permission checks */
static void probe_payload(struct msg *m, int cmd, const struct config *c)
{
	size_t at, objs, obj;

	switch (cmd) {
	case COMO_CMD_SET_CONFIG:
		at = attr_begin(m, COMO_A_CONFIG | NLA_F_NESTED);
		if (c->have_tick)
			put_u64(m, COMO_CFG_A_TICK_NS, c->tick_ns);
		if (c->have_budget)
			put_u32(m, COMO_CFG_A_CPU_BUDGET_PM, c->budget_pm);
		attr_end(m, at);
		return;
	case COMO_CMD_SET_CAPTURE:
		at = attr_begin(m, COMO_A_CAPTURE | NLA_F_NESTED);
		put_str(m, COMO_CAP_A_DATADIR, "/tmp/nlfuzz");
		put_str(m, COMO_CAP_A_DESCRIPTION, "{}");
		objs = attr_begin(m, COMO_CAP_A_OBJECTS | NLA_F_NESTED);
		obj = attr_begin(m, COMO_A_OBJECT | NLA_F_NESTED);
		put_str(m, COMO_OBJ_A_NAME, COMO_OBJ_CTL);
		put_u32(m, COMO_OBJ_A_KIND, COMO_OBJ_MAP);
		put_u32(m, COMO_OBJ_A_FD, -1);
		attr_end(m, obj);
		attr_end(m, objs);
		attr_end(m, at);
		return;
	case COMO_CMD_LOAD_MODULE:
	case COMO_CMD_UNLOAD_MODULE:
	case COMO_CMD_REGISTER_MODULE:
	case COMO_CMD_UNREGISTER_MODULE:
	case COMO_CMD_SET_MODULE:
	case COMO_CMD_EPOCH_DRAINED:
		break;
	default:
		return;
	}
	at = attr_begin(m, COMO_A_MODULE | NLA_F_NESTED);
	put_str(m, COMO_MOD_A_NAME, probe_module);
	if (cmd == COMO_CMD_LOAD_MODULE)
		put_str(m, COMO_MOD_A_SOURCE, "counter");
	if (cmd == COMO_CMD_REGISTER_MODULE) {
		put_u32(m, COMO_MOD_A_SLOT, 0);
		put_u64(m, COMO_MOD_A_INTERVAL_NS, 1000000000ULL);
		if (!probe_named) {
			put_u64(m, COMO_MOD_A_EPOCH, 0);
			put_u64(m, COMO_MOD_A_EPOCH_START_NS, 0);
		}
		objs = attr_begin(m, COMO_MOD_A_OBJECTS | NLA_F_NESTED);
		obj = attr_begin(m, COMO_A_OBJECT | NLA_F_NESTED);
		put_str(m, COMO_OBJ_A_NAME, "prog");
		put_u32(m, COMO_OBJ_A_KIND, COMO_OBJ_PROG);
		put_u32(m, COMO_OBJ_A_FD, probe_named ? 0 : -1);
		attr_end(m, obj);
		attr_end(m, objs);
	}
	if (cmd == COMO_CMD_SET_MODULE)
		put_u32(m, COMO_MOD_A_SAMPLING, 1);
	if (cmd == COMO_CMD_EPOCH_DRAINED)
		put_u64(m, COMO_MOD_A_EPOCH, 0);
	attr_end(m, at);
}

static int probe(const char *name, const struct config *set)
{
	static struct msg m;
	const struct probe *p = NULL;
	struct config c;
	struct reply r;
	size_t i;
	int modules = 0, err;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (!strcmp(name, probes[i].name))
			p = &probes[i];
	if (!p) {
		fprintf(stderr, "nlfuzz: no probe '%s'\n", name);
		return 2;
	}
	if (p->cmd == COMO_CMD_GET_CONFIG) {
		err = get_config(&c, &r);
		if (err)
			goto err_socket;
		printf("error=%s\n", err_name(r.error));
		if (c.have_tick)
			printf("tick_ns=%llu\n", (unsigned long long)c.tick_ns);
		if (c.have_budget)
			printf("cpu_budget_pm=%u\n", c.budget_pm);
		return 0;
	}
	msg_init(&m, p->cmd);
	m.flags |= p->flags;
	probe_payload(&m, p->cmd, set);
	err = simple(p->cmd, &m, &r, print_reply, &modules);
	if (!err && r.error == -EOPNOTSUPP && cmd_is_get(p->cmd)) {
		/* a GET that only dumps */
		modules = 0;
		m.flags |= NLM_F_DUMP;
		err = simple(p->cmd, &m, &r, print_reply, &modules);
	}
	if (err)
		goto err_socket;
	if (!r.answered) {
		fprintf(stderr, "nlfuzz: %s: no reply\n", name);
		return 1;
	}
	printf("error=%s\n", err_name(r.error));
	if (r.extack[0])
		printf("extack=%s\n", r.extack);
	if (p->cmd == COMO_CMD_GET_MODULES && !r.error)
		printf("modules=%d\n", modules);
	return 0;

err_socket:
	fprintf(stderr, "nlfuzz: %s: %s\n", name, strerror(-err));
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: nlfuzz [-n COUNT] [-s SEED] [-i INDEX] [-H] [-v]\n"
"       nlfuzz -p PROBE [-b BUDGET_PM] [-T TICK_NS] [-N NAME]\n"
"\n"
"Send COUNT (10000) malformed requests to the generic netlink family \"como\"\n"
"and say, as TAP lines, whether each was answered and no write succeeded.\n"
"A probe sends one well-formed request and prints error=ERRNO (0 when it\n"
"succeeded) and what the reply holds (modules=N, module=NAME, tick_ns=N,\n"
"cpu_budget_pm=N, transport=NAME); -p family prints the family's id.\n"
"\n"
"  -n COUNT     messages to send\n"
"  -s SEED      the random stream (default: a random one, printed)\n"
"  -i INDEX     send message INDEX of SEED alone and show it\n"
"  -H           a capture is held (comod's): writes to its modules may\n"
"               succeed; DEL_CAPTURE at the end releases it\n"
"  -v           show every message and its answer\n"
"  -p PROBE     family, get-status, get-modules, dump-modules, get-config,\n"
"               get-capture,\n"
"               set-config, set-module, set-capture, del-capture,\n"
"               register-module, unregister-module, load-module,\n"
"               unload-module, epoch-drained\n"
"  -b PM, -T NS the values set-config sends\n"
"  -N NAME      the module name a module probe sends (default nlprobe)\n");
}

int main(int argc, char **argv)
{
	unsigned long count = 10000;
	struct config set = { 0 };
	const char *probe_name = NULL;
	long only = -1;
	__u64 seed;
	int c;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = getpid();
	seed %= 1000000000;
	while ((c = getopt(argc, argv, "n:s:i:Hvp:b:T:N:h")) != -1) {
		switch (c) {
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'i':
			only = strtol(optarg, NULL, 0);
			break;
		case 'H':
			held = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'p':
			probe_name = optarg;
			break;
		case 'b':
			set.budget_pm = strtoul(optarg, NULL, 0);
			set.have_budget = true;
			break;
		case 'T':
			set.tick_ns = strtoull(optarg, NULL, 0);
			set.have_tick = true;
			break;
		case 'N':
			probe_module = optarg;
			probe_named = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	nl_fd = nl_open();
	if (nl_fd < 0) {
		fprintf(stderr, "nlfuzz: netlink socket: %s\n",
			strerror(-nl_fd));
		return 1;
	}
	family_id = resolve_family();
	if (family_id < 0) {
		if (probe_name) {
			fprintf(stderr, "nlfuzz: family %s: %s\n",
				COMO_GENL_NAME, strerror(-family_id));
			return 1;
		}
		printf("not ok - the family %s resolves: %s\n", COMO_GENL_NAME,
		       strerror(-family_id));
		return 1;
	}
	if (probe_name && !strcmp(probe_name, "family")) {
		printf("family_id=%d\n", family_id);
		return 0;
	}
	if (probe_name)
		return probe(probe_name, &set);
	return fuzz(count, seed, only);
}
