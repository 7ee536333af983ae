/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module API: what a module's user-space side (NAME.c, built as
 * NAME.so) provides and what the core offers it. Plain C over plain
 * records, so a module can later be written in another language.
 *
 * The life of a module, after CoMo (PAM 2006, table 1):
 *
 *   init()     parse the arguments, before anything is loaded
 *   check()    optional, capture side, in BPF: a stateful filter run
 *              before update() (COMO_UPDATE_CHECKED in bpf/module.bpf.h)
 *   update()   capture side, in BPF (NAME.bpf.c, see bpf/module.bpf.h):
 *              every packet that passes the filter updates the state of
 *              the current epoch
 *   export()   the epoch closed: comod drained its state into a table;
 *              the module turns it into records with como_emit(). With
 *              COMO_MOD_EVERY_INTERVAL it is called for every interval,
 *              those without packets too (an empty table; a run of
 *              them is one table that spans them), so that state kept
 *              across intervals (flows) can time out on time
 *   flush()    optional: the run ends, or the module is unloaded; emit
 *              what is still open (flows), before the stream closes
 *   action()   optional: keep (1) or drop (0) a record before it is stored
 *   store()    optional: serialise a record for storage; without it
 *              the schema's fixed-width little-endian form
 *   load()     optional: its reverse; the schema's without it
 *   print()    optional: format a record; without it the schema prints it
 *              in every format (plain, json, csv, gnuplot)
 *   replay()   optional: turn a record back into packets (their bytes
 *              given with como_replay_bytes()), so that a module that
 *              was not running can be fed from this one's records, and
 *              'como query -f pcap' can write them
 *
 * Every callback returns 0 or a positive count on success and a negative
 * errno on failure; none may exit or write to stdout.
 */
#ifndef _COMO_MODULE_H
#define _COMO_MODULE_H

#include <stddef.h>
#include <linux/types.h>
#include "pkt.h"

#define COMO_MODULE_ABI		2

/* An interval of capture state, drained at the end of an epoch. */
struct como_table {
	__u64 epoch;		/* epoch number */
	__u64 start_ns;		/* interval start, ns since the Unix epoch */
	__u64 interval_ns;
	__u32 key_size;
	__u32 value_size;	/* the CPUs' values already folded */
	__u32 nrows;
	__u32 lost;		/* packets the state could not take (full): the
				 * interval's records are approximate */
	void *keys;		/* nrows * key_size, writable (sort in place) */
	void *values;		/* nrows * value_size, row i matches key i */
};

static inline void *como_row_key(const struct como_table *t, __u32 i)
{
	return (char *)t->keys + (size_t)i * t->key_size;
}

static inline void *como_row_value(const struct como_table *t, __u32 i)
{
	return (char *)t->values + (size_t)i * t->value_size;
}

/* The schema of a stored record: one entry per field, then a NULL name. */
#define COMO_STR_MAX	255	/* bytes of a COMO_FT_STR field */
enum como_ftype {
	COMO_FT_U8 = 1,
	COMO_FT_U16,
	COMO_FT_U32,
	COMO_FT_U64,
	COMO_FT_ADDR,		/* __u8[16], IPv4-mapped for IPv4 */
	COMO_FT_PROTO,		/* __u8 IP protocol number */
	COMO_FT_STR,		/* char[size], NUL-padded (COMO_FIELD_STR) */
	COMO_FT_TIME,		/* __u64 ns since the Unix epoch */
	COMO_FT_DURATION,	/* __u64 ns */
	COMO_FT_DOUBLE,		/* double */
	/*
	 * __u64 ns since the Unix epoch, printed as COMO_FT_TIME: when what
	 * the record stands for ends (when a flow was closed). A record covers
	 * its interval and the ones after, to that time: one of them whose
	 * packets were not all counted marks the record (the first such
	 * field of the schema)
	 */
	COMO_FT_TIME_END,
};

struct como_field {
	const char *name;
	__u16 type;
	__u16 offset;
	__u16 size;		/* COMO_FT_STR only: bytes of the array */
};

#define COMO_FIELD(rec, member, ftype) { #member, ftype, offsetof(rec, member), 0 }
#define COMO_FIELD_STR(rec, member)					\
	{ #member, COMO_FT_STR, offsetof(rec, member),			\
	  sizeof(((rec *)0)->member) }
#define COMO_FIELD_END { NULL, 0, 0, 0 }

/*
 * How the CPUs' copies of a state value become one (the drain applies
 * it): every __u64 word added up unless the module lists its fields. A
 * value that is not whole __u64 words needs the list.
 */
enum como_fold_op {
	COMO_FOLD_SUM = 1,	/* add */
	COMO_FOLD_MIN,		/* the least (a CPU without the key is absent) */
	COMO_FOLD_MAX,		/* the greatest */
	COMO_FOLD_OR,		/* bitwise or: TCP flags */
};

struct como_fold {
	__u16 offset;		/* in the value */
	__u8 size;		/* 1, 2, 4 or 8 bytes, unsigned */
	__u8 op;		/* enum como_fold_op */
};

#define COMO_FOLD(val, member, fop)					\
	{ offsetof(val, member), sizeof(((val *)0)->member), fop }
#define COMO_FOLD_END { 0, 0, 0 }

/* struct como_module.flags */
#define COMO_MOD_EVERY_INTERVAL	(1U << 0)	/* export() empty intervals too */
/*
 * update() decides by what this CPU's state saw so far (a sketch that
 * promotes a key once its share is large enough): split over CPUs, the
 * packets give other results, so a trace with it runs on one CPU.
 */
#define COMO_MOD_ONE_CPU	(1U << 1)

struct como_mod;	/* a running instance, owned by the core */
struct como_out;	/* an output stream in one format */

struct como_module {
	__u32 abi;			/* COMO_MODULE_ABI */
	const char *name;
	const char *summary;		/* one line for 'como module list' */
	const char *args;		/* accepted arguments, "k=N interval=DURATION" */
	const char *filter;		/* default filter, NULL for all packets */
	__u64 interval_ns;		/* default flush interval */
	__u32 priority;			/* higher is shed last */
	__u32 max_sampling;		/* sampled 1 in N at worst; 1: never sample */
	__u64 needs;			/* COMO_CAP_* the source must provide */

	/* the capture side: the ELF of NAME.bpf.o (its skeleton embeds it) */
	const void *(*bpf_elf)(size_t *size);

	__u32 record_size;		/* in-memory record */
	const struct como_field *schema;

	int (*init)(struct como_mod *m, const char *args);
	int (*export)(struct como_mod *m, struct como_table *t);
	int (*action)(struct como_mod *m, __u64 ts, const void *rec);
	long (*store)(struct como_mod *m, const void *rec, void *buf, size_t size);
	long (*load)(struct como_mod *m, const void *buf, size_t len, void *rec);
	int (*print)(struct como_mod *m, __u64 ts, const void *rec,
		     struct como_out *out);
	int (*replay)(struct como_mod *m, __u64 ts, const void *rec,
		      struct como_pkt *pkts, unsigned int max);
	void (*fini)(struct como_mod *m);

	/* ABI 2 */
	__u32 flags;			/* COMO_MOD_* */
	const struct como_fold *fold;	/* the state value's fields, or NULL */
	/* NOW: ns, the end of the run's last interval */
	int (*flush)(struct como_mod *m, __u64 now);
};

/* Each NAME.so defines exactly one, named como_module. */
#define COMO_MODULE(...)						\
	const struct como_module como_module = {			\
		.abi = COMO_MODULE_ABI, __VA_ARGS__			\
	}

/* Services of the core, callable from any callback. */
int como_emit(struct como_mod *m, __u64 ts, const void *rec);
void *como_priv(struct como_mod *m);
void como_set_priv(struct como_mod *m, void *priv);
/*
 * A module's own message, in comod's log with its name, at a syslog
 * LEVEL: COMO_MSG_*. From init(), an error is the reason its refusal
 * gives (and is not logged twice).
 */
#define COMO_MSG_ERR	3
#define COMO_MSG_WARN	4
#define COMO_MSG_NOTICE	5	/* shown by default */
#define COMO_MSG_INFO	6
#define COMO_MSG_DEBUG	7
void como_log(struct como_mod *m, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * From replay(): the first LEN captured bytes of PKT, one of the packets
 * it fills in (LEN at most COMO_SNAP, 240, and PKT's caplen), for whoever
 * reads them (a pcap). A packet given none has no bytes (a flow
 * record's). 0, -EINVAL, or -ENOTCONN outside replay().
 */
int como_replay_bytes(struct como_mod *m, const struct como_pkt *pkt,
		      const void *bytes, __u32 len);
/*
 * From init(): SIZE bytes of constants for the capture side, the variable
 * it declares with COMO_ARGS() (bpf/module.bpf.h), copied into it before
 * it is loaded: the verifier sees them as constants. Its size must be
 * SIZE, or comod refuses the module. 0 or -ENOMEM.
 */
int como_set_bpf_args(struct como_mod *m, const void *args, size_t size);
/* Reads KEY=VALUE from an argument string; 0, -ENOENT or -EINVAL. */
int como_arg_u64(const char *args, const char *key, __u64 *val);

/* Schema-driven store() and load(): fixed-width little-endian fields. */
long como_schema_store(struct como_mod *m, const void *rec, void *buf,
		       size_t size);
long como_schema_load(struct como_mod *m, const void *buf, size_t len,
		      void *rec);

#endif /* _COMO_MODULE_H */
