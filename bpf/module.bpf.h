/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture side of a module: include this, declare the state with
 * COMO_STATE and the per-packet callback with COMO_UPDATE. Everything else
 * (the loop over the batch, filter bits, sampling, statistics, the tail
 * call to the next module) is here, so a module holds only its own logic.
 */
#ifndef _COMO_MODULE_BPF_H
#define _COMO_MODULE_BPF_H

#include "como.bpf.h"
#include <como/table.h>

/*
 * Module side. A module declares its state with COMO_STATE and its
 * per-packet callback with COMO_UPDATE (or COMO_UPDATE_CHECKED, to run a
 * check() first):
 *
 *	COMO_STATE(BPF_MAP_TYPE_PERCPU_HASH, struct key, struct val, 65536);
 *
 *	static __always_inline int my_update(const struct como_pkt *pkt,
 *					     void *state) { ... }
 *	COMO_UPDATE(my_update)
 *
 * update() returns 0, or a negative errno that is counted in the module's
 * errors (a full hash map, say) and never stops the batch.
 */

/*
 * Set by comod before load: the slot this module occupies. A section of
 * its own, so that comod finds it at offset 0 without parsing BTF.
 */
const volatile __u32 como_slot SEC(".rodata.como") = 0;

/*
 * Set by comod before load: the secret the table hash is keyed with, drawn
 * for each module instance (include/como/table.h): struct como_hash_key,
 * as words, so that skeletons need no type of ours. Its own section, as
 * como_slot's.
 */
const volatile __u64 como_hash_key[2] SEC(".rodata.como_key") = {};

/*
 * A module's constants, from its init() (como_set_bpf_args()): comod
 * copies them in before load, so the verifier knows them and prunes what
 * they rule out.
 *
 *	COMO_ARGS(struct my_args, my_args);
 */
#define COMO_ARGS(type, name)						\
	const volatile type name SEC(".rodata.args") = {}

/*
 * The state is an array of two maps: packets of epoch E go to half E & 1
 * while comod drains the other (README, "Epochs"). A per-CPU map's values
 * (COMO_STATE) must be structs of __u64 counters: comod sums them over
 * the CPUs. A table's values (COMO_TABLE) are summed so too, unless the
 * module's descriptor lists how each field folds (.fold: sum, min, max,
 * or; include/como/module.h).
 *
 * como_state_def describes one half; comod creates the two halves from it
 * (the first also serves the kernel as the outer map's template, so no
 * third table is allocated) and never creates the definition itself. It
 * is declared by sizes, not BTF types: clang emits a type used only there
 * as a bare forward declaration, which libbpf refuses.
 */
/* The two halves, for the kernel: an array of the maps comod makes. */
#define COMO_STATE_HALVES						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);		\
		__uint(max_entries, 2);					\
		__uint(key_size, sizeof(__u32));			\
		__uint(value_size, sizeof(__u32));			\
	} como_state SEC(".maps")

#define COMO_STATE(map_type, key_type, value_type, entries)		\
	COMO_STATE_FLAGS(map_type, key_type, value_type, entries, 0)

#define COMO_STATE_FLAGS(map_type, key_type, value_type, entries, flags)	\
	struct {							\
		__uint(type, map_type);					\
		__uint(max_entries, entries);				\
		__uint(map_flags, flags);				\
		__uint(key_size, sizeof(key_type));			\
		__uint(value_size, sizeof(value_type));			\
	} como_state_def SEC(".maps");					\
	COMO_STATE_HALVES

/*
 * A table (include/como/table.h): the state most modules want, a value
 * per key, and one whose epochs cost what they hold. Declare it with
 *
 *	COMO_TABLE(struct key, struct val, 65536);	keys hashed
 *	COMO_ARRAY(struct val, 256);			keys 0 .. 255
 *
 * and reach a value with como_get(state, &key), which creates a zeroed
 * one the first time a key is seen in the epoch: the value of this CPU,
 * so adding to it needs no atomic operation (comod folds the CPUs'
 * values: __u64 word by word added up, or as the module's .fold says
 * field by field). NULL when the table is full (or a chain
 * longer than COMO_PROBE_MAX): return -ENOSPC, which is counted.
 * como_count(state, &key, pkt) adds a packet and its bytes to a value
 * with pkts and bytes fields. como_lost(state, n) counts N packets the
 * module could not count in a structure of its own (a slot in a full
 * array), as the table counts those it refuses: the interval is marked
 * approximate.
 * como_get_max(state, &key, max) is the same, but takes no new key once
 * this CPU's region holds MAX: the rest of the table stays for keys
 * asked for with a larger MAX (a sketch beside an exact table).
 *
 * The definition carries the module's own key and value sizes, the keys
 * per CPU and (map_extra 1) whether keys are row numbers; comod makes the
 * halves from it (an mmapable array of ncpus regions of rows, as
 * como_table_rows() says) and never creates the definition itself.
 */
#define COMO_ROW_ALIGN __attribute__((aligned(8)))

/* Where como_get() is in its probe, for the out-of-line part. */
struct como_probe {
	void *state;
	const void *key;
	__u32 base, b, rows;
	int found;		/* -1: none (full), 0: a free row, 1: the key */
};

/*
 * What a new row's 'used' says: 1 + the number of the trace batch that
 * brought its key (1 live), so that comod, folding the CPUs' rows of an
 * interval, gives them to export in the order their keys first came,
 * whichever CPU ran which batch.
 */
static __always_inline __u32 como_row_mark(void)
{
	struct como_vec *v = como_vec_this_cpu();
	__u32 m = v ? v->batch + 1 : 1;

	return m ? m : 1;
}

#define COMO_TABLE_DECLARE(key_type, value_type, entries, direct)	\
	_Static_assert((entries) > 0 && (entries) <= COMO_TABLE_MAX,	\
		       "a table holds 1 to COMO_TABLE_MAX rows per CPU");	\
	struct como_row {						\
		struct como_row_hdr hdr;				\
		key_type key COMO_ROW_ALIGN;				\
		value_type value COMO_ROW_ALIGN;			\
	};								\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARRAY);			\
		__uint(max_entries, entries);				\
		__uint(map_flags, BPF_F_MMAPABLE);			\
		__uint(map_extra, direct);				\
		__uint(key_size, sizeof(key_type));			\
		__uint(value_size, sizeof(value_type));			\
	} como_state_def SEC(".maps");					\
	COMO_STATE_HALVES;					\
									\
	/* probing past the key's first row: rare, so out of line */	\
	static long como_probe_cb(__u32 i, void *data)			\
	{								\
		struct como_probe *pr = data;				\
		struct como_row *r;					\
		__u32 k;						\
									\
		pr->b = pr->b + 1 < pr->rows ? pr->b + 1 : 0;		\
		k = pr->base + pr->b;					\
		r = bpf_map_lookup_elem(pr->state, &k);			\
		if (!r) {						\
			pr->found = -1;					\
			return 1;					\
		}							\
		if (!r->hdr.used) {					\
			pr->found = 0;					\
			return 1;					\
		}							\
		if (como_key_eq(&r->key, pr->key, sizeof(key_type))) {	\
			pr->found = 1;					\
			return 1;					\
		}							\
		return 0;						\
	}								\
									\
	/* N packets this CPU's table could not count */		\
	static __always_inline __attribute__((unused)) void		\
	como_lost(void *state, __u32 n)					\
	{								\
		__u32 k = bpf_get_smp_processor_id() *			\
			  como_table_rows(entries, direct);		\
		struct como_row *first = bpf_map_lookup_elem(state, &k); \
									\
		if (first)						\
			first->hdr.lost += n;				\
	}								\
									\
	/*								\
	 * A como_get() that failed (and so counted its packet lost)	\
	 * for a packet counted lost already: a second key a module	\
	 * tried for it, past the first (a sketch's row). Takes that	\
	 * second count back, so that a packet is lost once.		\
	 */								\
	static __always_inline __attribute__((unused)) void		\
	como_lost_again(void *state)					\
	{								\
		como_lost(state, (__u32)-1);				\
	}								\
									\
	/*								\
	 * The slow part of como_get_max(): KEY is not in row B of this	\
	 * CPU's region (B is where it would be first): the row that	\
	 * holds it past B, or a free one, taken while fewer than MAX	\
	 * are used. Its number, or -1 when the table cannot take KEY	\
	 * (counted as lost). Out of line and global, so the verifier	\
	 * checks it once, not once for each como_get() on each path	\
	 * through update() (a sketch's rows made that seconds); it	\
	 * finds the half update() was given where como_pkt_update()	\
	 * left it.							\
	 */								\
	__attribute__((noinline)) int					\
	como_table_claim(const key_type *key, __u32 max, __u32 b)	\
	{								\
		const __u32 rows = como_table_rows(entries, direct);	\
		struct como_vec *v = como_vec_this_cpu();		\
		struct como_probe pr = { .key = key, .rows = rows,	\
					 .found = -1 };			\
		struct como_row *r, *first, *list;			\
		__u32 half, k, n;					\
									\
		if (!v || !key || b >= rows)				\
			return -1;					\
		half = v->state_half & 1;				\
		pr.state = bpf_map_lookup_elem(&como_state, &half);	\
		if (!pr.state)						\
			return -1;					\
		pr.base = bpf_get_smp_processor_id() * rows;		\
		pr.b = b;						\
		k = pr.base + b;					\
		r = bpf_map_lookup_elem(pr.state, &k);			\
		if (!r)							\
			return -1;					\
		if (r->hdr.used) {					\
			if (direct)					\
				return k;				\
			bpf_loop(COMO_PROBE_MAX - 1, como_probe_cb, &pr, 0); \
			if (pr.found < 0) {				\
				como_lost(pr.state, 1);			\
				return -1;				\
			}						\
			k = pr.base + pr.b;				\
			if (pr.found)					\
				return k;				\
			r = bpf_map_lookup_elem(pr.state, &k);		\
			if (!r)						\
				return -1;				\
		}							\
		first = bpf_map_lookup_elem(pr.state, &pr.base);	\
		if (!first)						\
			return -1;					\
		n = first->hdr.count;					\
		if (n >= max || n >= (entries)) {			\
			first->hdr.lost++;				\
			return -1;					\
		}							\
		n += pr.base;						\
		list = bpf_map_lookup_elem(pr.state, &n);		\
		if (!list)						\
			return -1;					\
		__builtin_memcpy(&r->key, key, sizeof(key_type));	\
		r->hdr.used = como_row_mark();				\
		list->hdr.touched = pr.b + 1;				\
		first->hdr.count = n - pr.base + 1;			\
		return k;						\
	}								\
									\
	/* KEY's first row in this CPU's region: its number in *K */	\
	static __always_inline __attribute__((unused)) __u32	\
	como_row_first(const key_type *key, __u32 *k)			\
	{								\
		const __u32 rows = como_table_rows(entries, direct);	\
		__u32 b = direct ? *(const __u32 *)key :		\
			  como_key_hash(key, sizeof(key_type)) % rows;	\
									\
		*k = bpf_get_smp_processor_id() * rows + b;		\
		return b;						\
	}								\
									\
	/* the whole search out of line: the row's number, or -1 */	\
	__attribute__((noinline)) int					\
	como_table_find(const key_type *key, __u32 max)		\
	{								\
		struct como_vec *v = como_vec_this_cpu();		\
		struct como_row *r;					\
		__u32 half, b, k;					\
		void *state;						\
									\
		if (!v || !key || (direct && *(const __u32 *)key >= (entries))) \
			return -1;					\
		half = v->state_half & 1;				\
		state = bpf_map_lookup_elem(&como_state, &half);	\
		if (!state)						\
			return -1;					\
		b = como_row_first(key, &k);				\
		r = bpf_map_lookup_elem(state, &k);			\
		if (!r)							\
			return -1;					\
		if (r->hdr.used &&					\
		    (direct || como_key_eq(&r->key, key, sizeof(key_type)))) \
			return k;					\
		return como_table_claim(key, max, b);			\
	}								\
									\
	/* a row found out of line (FOUND: its number, or -1) */	\
	static __always_inline __attribute__((unused)) value_type *	\
	como_row_value(void *state, int found)				\
	{								\
		struct como_row *r;					\
		__u32 k = found;					\
									\
		if (found < 0)						\
			return NULL;					\
		r = bpf_map_lookup_elem(state, &k);			\
		return r ? &r->value : NULL;				\
	}								\
									\
	/* a key in its first row inline; anything else out of line */	\
	static __always_inline __attribute__((unused)) value_type *	\
	como_get_max(void *state, const key_type *key, __u32 max)	\
	{								\
		struct como_row *r;					\
		__u32 b, k;						\
		int found;						\
									\
		if (direct) {						\
			b = *(const __u32 *)key;			\
			if (b >= (entries))				\
				return NULL;				\
			k = bpf_get_smp_processor_id() *		\
			    como_table_rows(entries, direct) + b;	\
		} else {						\
			b = como_row_first(key, &k);			\
		}							\
		r = bpf_map_lookup_elem(state, &k);			\
		if (!r)							\
			return NULL;					\
		if (r->hdr.used &&					\
		    (direct || como_key_eq(&r->key, key, sizeof(key_type)))) \
			return &r->value;				\
		/* como_row_value() written out: through it, clang's code	\
		 * took the verifier twice the work (heavyhitters) */	\
		found = como_table_claim(key, max, b);			\
		if (found < 0)						\
			return NULL;					\
		k = found;						\
		r = bpf_map_lookup_elem(state, &k);			\
		return r ? &r->value : NULL;				\
	}								\
									\
	/*								\
	 * como_get_max() all out of line: one call, which the verifier	\
	 * checks once, where como_get_max()'s inline part would be	\
	 * checked on every path that reaches it.			\
	 */								\
	static __always_inline __attribute__((unused)) value_type *	\
	como_get_max_noinline(void *state, const key_type *key, __u32 max) \
	{								\
		return como_row_value(state, como_table_find(key, max)); \
	}								\
									\
	static __always_inline __attribute__((unused)) value_type *	\
	como_get_noinline(void *state, const key_type *key)		\
	{								\
		return como_get_max_noinline(state, key, entries);	\
	}								\
									\
	static __always_inline __attribute__((unused)) value_type *	\
	como_get(void *state, const key_type *key)			\
	{								\
		return como_get_max(state, key, entries);		\
	}								\
									\
	/* row LIST of this CPU's used list, when it holds KEY */	\
	static __always_inline __attribute__((unused)) value_type *	\
	como_listed(void *state, const key_type *key, __u32 base,	\
		    __u32 list)						\
	{								\
		const __u32 rows = como_table_rows(entries, direct);	\
		struct como_row *r;					\
		__u32 k = base + list;					\
									\
		r = bpf_map_lookup_elem(state, &k);			\
		if (!r || !r->hdr.touched || r->hdr.touched > rows)	\
			return NULL;					\
		k = base + r->hdr.touched - 1;				\
		r = bpf_map_lookup_elem(state, &k);			\
		if (!r || !r->hdr.used ||				\
		    !como_key_eq(&r->key, key, sizeof(key_type)))	\
			return NULL;					\
		return &r->value;					\
	}								\
									\
	/*								\
	 * como_get() for a key that this CPU's region most likely took	\
	 * first in the epoch (a total, inserted before anything else):	\
	 * that row, found through the list of rows used, is tried	\
	 * before the key's hash (SipHash: some 70 instructions) and	\
	 * its probe.							\
	 */								\
	static __always_inline __attribute__((unused)) value_type *	\
	como_get_first(void *state, const key_type *key)		\
	{								\
		__u32 base = bpf_get_smp_processor_id() *		\
			     como_table_rows(entries, direct);		\
		value_type *v = como_listed(state, key, base, 0);	\
									\
		return v ? v : como_get(state, key);			\
	}								\
									\
	/*								\
	 * The same for a key most likely the last the region took (the \
	 * time bucket of packets that come in time order), or else the \
	 * first.							\
	 */								\
	static __always_inline __attribute__((unused)) value_type *	\
	como_get_recent(void *state, const key_type *key)		\
	{								\
		__u32 base = bpf_get_smp_processor_id() *		\
			     como_table_rows(entries, direct);		\
		struct como_row *first = bpf_map_lookup_elem(state, &base); \
		value_type *v = NULL;					\
									\
		if (first && first->hdr.count)				\
			v = como_listed(state, key, base,		\
					first->hdr.count - 1);		\
		return v ? v : como_get_first(state, key);		\
	}								\
									\
	/*								\
	 * For a table whose every key is new (a CPU's packets in turn, \
	 * como_next_seq()): KEY's row is the next of this CPU's region, \
	 * not its hash's, so rows are written in turn, not scattered	\
	 * over the region (a trace's 8 MiB: a cache miss a packet).	\
	 * Never mixed with como_get() on the same table: its probe	\
	 * would not find these keys. NULL past MAX rows (counted).	\
	 */								\
	static __always_inline __attribute__((unused)) value_type *	\
	como_append(void *state, const key_type *key, __u32 max)	\
	{								\
		__u32 k = bpf_get_smp_processor_id() *			\
			  como_table_rows(entries, direct);		\
		struct como_row *first = bpf_map_lookup_elem(state, &k); \
		struct como_row *r;					\
		__u32 n;						\
									\
		if (!first)						\
			return NULL;					\
		n = first->hdr.count;					\
		if (n >= max || n >= (entries)) {			\
			first->hdr.lost++;				\
			return NULL;					\
		}							\
		k += n;							\
		r = bpf_map_lookup_elem(state, &k);			\
		if (!r)							\
			return NULL;					\
		__builtin_memcpy(&r->key, key, sizeof(key_type));	\
		r->hdr.used = como_row_mark();				\
		r->hdr.touched = n + 1;					\
		first->hdr.count = n + 1;				\
		return &r->value;					\
	}

/*
 * A packet counted in KEY's value, whose fields pkts and bytes (beside any
 * others, in any order) add up its packets and bytes: 0, or -ENOSPC when
 * the table is full. A macro, so that it serves every value type that has
 * the two fields.
 */
#define como_count(state, key, pkt)					\
	({								\
		__auto_type como_v_ = como_get(state, key);		\
									\
		if (como_v_) {						\
			como_v_->pkts += (pkt)->count;			\
			como_v_->bytes += (pkt)->len;			\
		}							\
		como_v_ ? 0 : -ENOSPC;					\
	})

/*
 * For a table whose keys are this CPU's packets in turn (a trace): the
 * rows this CPU used in the epoch so far, in *N, while fewer than MAX
 * (at most the table's entries); past it the packet is counted as lost,
 * like one a full table refuses, and -ENOSPC.
 */
#define COMO_TABLE_SEQ(entries, direct)					\
	static __always_inline __attribute__((unused)) int		\
	como_next_seq(void *state, __u32 max, __u32 *n)			\
	{								\
		__u32 k = bpf_get_smp_processor_id() *			\
			  como_table_rows(entries, direct);		\
		struct como_row *first = bpf_map_lookup_elem(state, &k); \
									\
		if (!first)						\
			return -ENOENT;					\
		if (first->hdr.count >= max ||				\
		    first->hdr.count >= (entries)) {			\
			first->hdr.lost++;				\
			return -ENOSPC;					\
		}							\
		*n = first->hdr.count;					\
		return 0;						\
	}

#define COMO_TABLE(key_type, value_type, entries)			\
	COMO_TABLE_DECLARE(key_type, value_type, entries, 0);		\
	COMO_TABLE_SEQ(entries, 0)
#define COMO_ARRAY(value_type, entries)					\
	COMO_TABLE_DECLARE(__u32, value_type, entries, 1);		\
	COMO_TABLE_SEQ(entries, 1)

/*
 * Keys are compared and hashed as 32-bit words where their size allows;
 * the words' differences are or-ed, not tested one by one, so that a
 * comparison is one branch for the verifier, not one a word.
 */
static __always_inline int como_key_eq(const void *a, const void *b,
				       __u32 size)
{
	__u32 i, d = 0;

	if (!(size & 3)) {
		for (i = 0; i < size / 4; i++)
			d |= ((const __u32 *)a)[i] ^ ((const __u32 *)b)[i];
		return !d;
	}
	for (i = 0; i < size; i++)
		d |= ((const __u8 *)a)[i] ^ ((const __u8 *)b)[i];
	return !d;
}

/* keyed: a sender cannot choose keys that collide (include/como/table.h) */
static __always_inline __u64 como_key_hash(const void *key, __u32 size)
{
	return como_siphash13(como_hash_key[0], como_hash_key[1], key, size);
}

/*
 * The packet's captured bytes, from the start of its frame: at most
 * min(caplen, COMO_SNAP) of them (*LEN), on a trace and live alike; the
 * bytes past that in the window belong to no one. Read them with
 * como_pkt_byte() (or check offsets against *LEN and mask them with
 * 0xff yourself: the verifier wants the bound it can see).
 */
static __always_inline const __u8 *como_pkt_bytes(const struct como_pkt *p,
						  __u32 *len)
{
	struct como_win *w = como_win_this_cpu();

	if (!w)
		return NULL;
	*len = p->caplen < COMO_SNAP ? p->caplen : COMO_SNAP;
	return w->pkt[p->index & (COMO_BATCH_MAX - 1)] + COMO_BATCH_REC_HDR;
}

/* Byte OFF of the frame, or -1 when it was not captured. */
static __always_inline int como_pkt_byte(const __u8 *bytes, __u32 len,
					 __u32 off)
{
	if (!bytes || off >= len)
		return -1;
	barrier_var(off);
	return bytes[off & 0xff];
}

struct como_loop_ctx {
	struct como_vec *vec;
	__u32 half;		/* of the open epoch */
	__u32 pad2;
	__u64 flip_ns;		/* from here on, the other half */
	__u64 crossed;		/* a packet was past flip_ns: so are the rest,
				 * late ones too (trace.c decides so) */
	__u64 match_bit;
	__u32 sampling;
	__u32 pad;
	__u64 pkts;
	__u64 bytes;
	__u64 updates;
	__u64 errors;
	__u64 sampled;		/* left out by sampling */
};

/*
 * Sampling keeps 1 packet in N by a hash of the flow's addresses and ports,
 * so that a flow is kept or dropped whole (flow-wise sampling, as CoMo's
 * load shedder did for flow modules).
 */
static __always_inline int como_sampled_out(const struct como_pkt *p, __u32 n)
{
	__u32 h;

	if (n <= 1)
		return 0;
	h = *(const __u32 *)&p->src[12] ^ *(const __u32 *)&p->dst[12];
	h ^= ((__u32)p->sport << 16 | p->dport) ^ p->l4_proto;
	h *= 0x9e3779b1U;
	return (h >> 7) % n != 0;
}

/* Without a check(), every packet that passes the filter is an update. */
static __always_inline int como_check_all(const struct como_pkt *pkt,
					  void *state)
{
	return 1;
}

#define COMO_UPDATE(update_fn) COMO_UPDATE_CHECKED(update_fn, como_check_all)

/*
 * A light update(): a few dozen instructions, no loop of its own. A live
 * packet (a batch of one) runs it inline, with no loop and no call: each
 * call's return costs more than such an update where returns are
 * mitigated (AMD's SRSO). Its code is then verified twice, and its stack
 * adds to the program's: a heavy update() keeps COMO_UPDATE.
 */
#define COMO_UPDATE_LIGHT(update_fn)					\
	COMO_UPDATE_DEFINE(update_fn, como_check_all, 1)

/*
 * With a check(): CoMo's stateful filter, run before update() on the same
 * state; a packet for which it returns 0 is counted but not updated.
 */
#define COMO_UPDATE_CHECKED(update_fn, check_fn)			\
	COMO_UPDATE_DEFINE(update_fn, check_fn, 0)

#define COMO_UPDATE_DEFINE(update_fn, check_fn, light)			\
static __always_inline void como_pkt_update(struct como_loop_ctx *lc,	\
					    struct como_pkt *p)		\
{									\
	void *state;							\
	__u32 half;							\
									\
	lc->crossed |= p->ts >= lc->flip_ns;				\
	if (!(p->match & lc->match_bit))				\
		return;							\
	lc->pkts += p->count;						\
	lc->bytes += p->len;						\
	/* one lookup, inlined: one path for the verifier, either half */ \
	half = (lc->half ^ (__u32)lc->crossed) & 1;			\
	state = bpf_map_lookup_elem(&como_state, &half);		\
	if (!state) {							\
		lc->errors++;						\
		return;							\
	}								\
	lc->vec->state_half = half;	/* for como_table_claim() */	\
	/* counted, for the drain: its interval is approximate */	\
	if (como_sampled_out(p, lc->sampling)) {			\
		lc->sampled += p->count;				\
		return;							\
	}								\
	if (!check_fn(p, state))					\
		return;							\
	lc->updates++;							\
	if (update_fn(p, state) < 0)					\
		lc->errors++;						\
}									\
									\
static long como_loop_cb(__u32 i, void *data)				\
{									\
	struct como_loop_ctx *lc = data;				\
									\
	if (i >= COMO_BATCH_MAX)					\
		return 1;						\
	barrier_var(i);		/* keep the mask for the verifier */	\
	como_pkt_update(lc, &lc->vec->pkt[i & (COMO_BATCH_MAX - 1)]);	\
	return 0;							\
}									\
									\
/* a disabled module's packets: counted as left out, not updated */	\
static long como_skip_cb(__u32 i, void *data)				\
{									\
	struct como_loop_ctx *lc = data;				\
	struct como_pkt *p;						\
									\
	if (i >= COMO_BATCH_MAX)					\
		return 1;						\
	barrier_var(i);							\
	p = &lc->vec->pkt[i & (COMO_BATCH_MAX - 1)];			\
	lc->crossed |= p->ts >= lc->flip_ns;				\
	if (p->match & lc->match_bit)					\
		lc->sampled += p->count;				\
	return 0;							\
}									\
									\
SEC("xdp")								\
int como_module(struct xdp_md *ctx)					\
{									\
	struct como_loop_ctx lc = {};					\
	__u32 slot = como_slot, key;					\
	struct como_stats *st;						\
	struct como_ctl *ctl;						\
	__u64 t0;							\
									\
	ctl = bpf_map_lookup_elem(&como_ctl, &slot);			\
	if (!ctl)							\
		return XDP_PASS;					\
	key = ctl->half & 1;						\
	lc.vec = como_vec_this_cpu();					\
	lc.half = key;							\
	/* a trace's batch may cross into the next epoch (trace.c) */	\
	lc.flip_ns = ctl->flip_ns;					\
	if (ctl->enabled && lc.vec) {					\
		lc.match_bit = 1ULL << (slot & (COMO_MAX_SLOTS - 1));	\
		lc.sampling = ctl->sampling;				\
		t0 = lc.vec->clock_ns;					\
		/* a live packet: no loop, no call (each return costs) */ \
		if ((light) && lc.vec->n == 1)				\
			como_pkt_update(&lc, &lc.vec->pkt[0]);		\
		else							\
			bpf_loop(lc.vec->n, como_loop_cb, &lc, 0);	\
		key = slot + 1;						\
		st = bpf_map_lookup_elem(&como_stats, &key);		\
		if (st) {						\
			st->pkts += lc.pkts;				\
			st->bytes += lc.bytes;				\
			st->updates += lc.updates;			\
			st->errors += lc.errors;			\
			/* the batch's last half: one that crossed	\
			 * into the next epoch gives it all */		\
			st->sampled[(lc.half ^ lc.crossed) & 1] +=	\
				lc.sampled;				\
		}							\
		/* one clock read a module: the next starts here */	\
		if (st && lc.vec->timed) {				\
			lc.vec->clock_ns = bpf_ktime_get_ns();		\
			st->run_ns += (lc.vec->clock_ns - t0) *		\
				      lc.vec->timed;			\
		}							\
	} else if (lc.vec) {						\
		/* disabled (comoctl, the guard): what it would have	\
		 * taken is left out, and its intervals say so */	\
		lc.match_bit = 1ULL << (slot & (COMO_MAX_SLOTS - 1));	\
		bpf_loop(lc.vec->n, como_skip_cb, &lc, 0);		\
		key = slot + 1;						\
		st = bpf_map_lookup_elem(&como_stats, &key);		\
		if (st)							\
			st->sampled[(lc.half ^ lc.crossed) & 1] +=	\
				lc.sampled;				\
	}								\
	bpf_tail_call(ctx, &como_progs, ctl->next);			\
	return XDP_PASS;						\
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#endif /* _COMO_MODULE_BPF_H */
