// SPDX-License-Identifier: BSD-3-Clause
/*
 * Classic BPF to eBPF: the filter stage of the chain, generated.
 *
 * The stage is an XDP program that bpf_loop()s over the batch; the loop's
 * callback holds the translated filter. Registers in the callback:
 *
 *   r7 = A, r8 = X (classic BPF's 32-bit registers, kept zero-extended)
 *   r9 = the packet's window (struct como_win.pkt[i]: record, then bytes)
 *   r5 = the packet's struct como_pkt, r4 = bytes the filter may read
 *   r0-r3 scratch; M[0..15] on the callback's stack
 *
 * Every packet load is bounds-checked against r4 first and fails the filter
 * when out of bounds, which is libpcap's own rule for loads past the
 * captured bytes. Comparisons use 32-bit jumps, ALU 32-bit operations: the
 * arithmetic of classic BPF.
 *
 * Part of comod: called by start.c and monitor.c (filters_build,
 * filters_join); calls filter_pcap.c and the kernel's verifier.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/filter.h>
#include "comod.h"
#include "filter.h"
#include "log.h"

#define R_A		BPF_REG_7
#define R_X		BPF_REG_8
#define R_WIN		BPF_REG_9
#define R_PKT		BPF_REG_5
#define R_LIM		BPF_REG_4
#define MEM_OFF(k)	(-64 + 4 * (k))		/* M[k] on the stack */

/* where a jump goes: a classic instruction, or one of the two exits */
#define TO_MATCH	(-1)
#define TO_NOMATCH	(-2)

struct fixup {
	unsigned int at;	/* eBPF instruction to patch */
	int target;		/* classic index, TO_MATCH or TO_NOMATCH */
};

struct gen {
	struct bpf_insn *insn;
	unsigned int n, cap;
	struct fixup *fix;
	unsigned int nfix, fixcap;
	int err;
};

/* Room for one more element in *arr; on failure g->err says so. */
static int grow(struct gen *g, void **arr, unsigned int n, unsigned int *cap,
		size_t size)
{
	unsigned int want = *cap ? 2 * *cap : 64;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (size_t)want * size);
	if (!p) {
		g->err = -ENOMEM;
		return -ENOMEM;
	}
	*arr = p;
	*cap = want;
	return 0;
}

static void emit(struct gen *g, __u8 code, __u8 dst, __u8 src, __s16 off,
		 __s32 imm)
{
	if (grow(g, (void **)&g->insn, g->n, &g->cap, sizeof(*g->insn)))
		return;
	g->insn[g->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst,
					      .src_reg = src, .off = off,
					      .imm = imm };
}

/* A jump whose offset is known only once everything is emitted. */
static void emit_jump(struct gen *g, __u8 code, __u8 dst, __u8 src, __s32 imm,
		      int target)
{
	if (grow(g, (void **)&g->fix, g->nfix, &g->fixcap, sizeof(*g->fix)))
		return;
	g->fix[g->nfix++] = (struct fixup){ .at = g->n, .target = target };
	emit(g, code, dst, src, 0, imm);
}

static void emit_ld_map(struct gen *g, __u8 dst, int fd)
{
	emit(g, BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd);
	emit(g, 0, 0, 0, 0, 0);
}

static unsigned int load_size(__u16 code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W: return 4;
	case BPF_H: return 2;
	default: return 1;
	}
}

/* A = window[k] (ABS) or window[X + k] (IND), big-endian as on the wire. */
static void load_packet(struct gen *g, __u16 code, __u32 k)
{
	unsigned int size = load_size(code);
	__u8 bpf_size = BPF_SIZE(code);

	if (BPF_MODE(code) == BPF_ABS) {
		if ((__u64)k + size > COMO_SNAP) {
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TO_NOMATCH);
			return;
		}
		emit_jump(g, BPF_JMP | BPF_JLT | BPF_K, R_LIM, 0, k + size,
			  TO_NOMATCH);
		emit(g, BPF_LDX | BPF_MEM | bpf_size, R_A, R_WIN,
		     COMO_BATCH_REC_HDR + k, 0);
	} else {
		if (k > COMO_SNAP) {
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TO_NOMATCH);
			return;
		}
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, R_X, 0, 0);
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, k);
		emit_jump(g, BPF_JMP | BPF_JLT | BPF_K, R_LIM, 0, size, TO_NOMATCH);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, R_LIM, 0, 0);
		emit(g, BPF_ALU64 | BPF_SUB | BPF_K, BPF_REG_2, 0, 0, size);
		emit_jump(g, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_1, BPF_REG_2, 0,
			  TO_NOMATCH);
		emit(g, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, 0xff);
		emit(g, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_1, R_WIN, 0, 0);
		emit(g, BPF_LDX | BPF_MEM | bpf_size, R_A, BPF_REG_1,
		     COMO_BATCH_REC_HDR, 0);
	}
	if (size > 1)
		emit(g, BPF_ALU | BPF_END | BPF_TO_BE, R_A, 0, 0, size * 8);
}

static void translate_alu(struct gen *g, __u16 code, __u32 k)
{
	__u8 op = BPF_OP(code);

	if (op == BPF_NEG) {
		emit(g, BPF_ALU | BPF_NEG, R_A, 0, 0, 0);
		return;
	}
	if (BPF_SRC(code) == BPF_X) {
		/* classic BPF: dividing by X == 0 rejects the packet */
		if (op == BPF_DIV || op == BPF_MOD)
			emit_jump(g, BPF_JMP | BPF_JEQ | BPF_K, R_X, 0, 0,
				  TO_NOMATCH);
		emit(g, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
		return;
	}
	if ((op == BPF_DIV || op == BPF_MOD) && k == 0) {
		emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TO_NOMATCH);
		return;
	}
	emit(g, BPF_ALU | op | BPF_K, R_A, 0, 0, k);
}

/* One classic instruction at index i of n; jumps are relative to i + 1. */
static int translate_one(struct gen *g, const struct cbpf_insn *c, int i,
			 unsigned int n)
{
	__u16 code = c->code;
	int jt = i + 1 + c->jt, jf = i + 1 + c->jf;

	switch (BPF_CLASS(code)) {
	case BPF_LD:
	case BPF_LDX: {
		__u8 dst = BPF_CLASS(code) == BPF_LD ? R_A : R_X;

		switch (BPF_MODE(code)) {
		case BPF_IMM:
			emit(g, BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, c->k);
			return 0;
		case BPF_MEM:
			if (c->k >= BPF_MEMWORDS)
				return -EINVAL;
			emit(g, BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_10,
			     MEM_OFF(c->k), 0);
			return 0;
		case BPF_LEN:
			emit(g, BPF_LDX | BPF_MEM | BPF_W, dst, R_PKT,
			     offsetof(struct como_pkt, len), 0);
			return 0;
		case BPF_ABS:
		case BPF_IND:
			if (dst != R_A)
				return -EINVAL;
			load_packet(g, code, c->k);
			return 0;
		case BPF_MSH:	/* X = 4 * (window[k] & 0xf): the IPv4 IHL */
			if (dst != R_X || c->k + 1 > COMO_SNAP) {
				emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TO_NOMATCH);
				return 0;
			}
			emit_jump(g, BPF_JMP | BPF_JLT | BPF_K, R_LIM, 0, c->k + 1,
				  TO_NOMATCH);
			emit(g, BPF_LDX | BPF_MEM | BPF_B, R_X, R_WIN,
			     COMO_BATCH_REC_HDR + c->k, 0);
			emit(g, BPF_ALU | BPF_AND | BPF_K, R_X, 0, 0, 0xf);
			emit(g, BPF_ALU | BPF_LSH | BPF_K, R_X, 0, 0, 2);
			return 0;
		}
		return -EINVAL;
	}
	case BPF_ST:
	case BPF_STX:
		if (c->k >= BPF_MEMWORDS)
			return -EINVAL;
		emit(g, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10,
		     BPF_CLASS(code) == BPF_ST ? R_A : R_X, MEM_OFF(c->k), 0);
		return 0;
	case BPF_ALU:
		translate_alu(g, code, c->k);
		return 0;
	case BPF_JMP:
		if (BPF_OP(code) == BPF_JA) {
			if (i + 1 + (long)c->k >= n)
				return -EINVAL;
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, i + 1 + c->k);
			return 0;
		}
		if (jt >= (int)n || jf >= (int)n)
			return -EINVAL;
		if (BPF_SRC(code) == BPF_X)
			emit_jump(g, BPF_JMP32 | BPF_OP(code) | BPF_X, R_A, R_X,
				  0, jt);
		else
			emit_jump(g, BPF_JMP32 | BPF_OP(code) | BPF_K, R_A, 0,
				  c->k, jt);
		emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, jf);
		return 0;
	case BPF_RET:
		if (BPF_RVAL(code) == BPF_A) {
			emit_jump(g, BPF_JMP32 | BPF_JNE | BPF_K, R_A, 0, 0,
				  TO_MATCH);
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0, TO_NOMATCH);
		} else {
			emit_jump(g, BPF_JMP | BPF_JA, 0, 0, 0,
				  c->k ? TO_MATCH : TO_NOMATCH);
		}
		return 0;
	case BPF_MISC:
		if (BPF_MISCOP(code) == BPF_TAX)
			emit(g, BPF_ALU | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
		else
			emit(g, BPF_ALU | BPF_MOV | BPF_X, R_A, R_X, 0, 0);
		return 0;
	}
	return -EINVAL;
}

/* The loop's callback: (index, &{vec, win}) -> 0 to go on, 1 to stop. */
static int emit_callback(struct gen *g, const struct cbpf_insn *cb,
			 unsigned int n, __u64 mask)
{
	unsigned int *start, i, match, nomatch;
	int err = 0, k;

	emit(g, BPF_JMP | BPF_JGT | BPF_K, BPF_REG_1, 0, 3, COMO_BATCH_MAX - 1);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_1, 0, 0);
	emit(g, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_3, 0, 0, COMO_BATCH_MAX - 1);
	emit(g, BPF_JMP | BPF_JA, 0, 0, 2, 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);	/* stop */
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* r5 = &vec->pkt[i], r9 = win->pkt[i] */
	emit(g, BPF_LDX | BPF_MEM | BPF_DW, R_PKT, BPF_REG_2, 0, 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_3, 0, 0);
	emit(g, BPF_ALU64 | BPF_MUL | BPF_K, BPF_REG_0, 0, 0,
	     sizeof(struct como_pkt));
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, R_PKT, 0, 0,
	     offsetof(struct como_vec, pkt));
	emit(g, BPF_ALU64 | BPF_ADD | BPF_X, R_PKT, BPF_REG_0, 0, 0);
	emit(g, BPF_LDX | BPF_MEM | BPF_DW, R_WIN, BPF_REG_2, 8, 0);
	emit(g, BPF_ALU64 | BPF_MUL | BPF_K, BPF_REG_3, 0, 0, COMO_WIN_STRIDE);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_X, R_WIN, BPF_REG_3, 0, 0);
	/* r4 = min(caplen, COMO_SNAP) */
	emit(g, BPF_LDX | BPF_MEM | BPF_W, R_LIM, R_PKT,
	     offsetof(struct como_pkt, caplen), 0);
	emit(g, BPF_JMP | BPF_JLE | BPF_K, R_LIM, 0, 1, COMO_SNAP);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, R_LIM, 0, 0, COMO_SNAP);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, R_A, 0, 0, 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, R_X, 0, 0, 0);
	for (k = 0; k < BPF_MEMWORDS; k++)
		emit(g, BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, MEM_OFF(k), 0);

	start = calloc(n, sizeof(*start));
	if (!start)
		return -ENOMEM;
	g->nfix = 0;
	for (i = 0; i < n && !err; i++) {
		start[i] = g->n;
		err = translate_one(g, &cb[i], i, n);
	}
	/* match: pkt->match |= mask; nomatch: next packet */
	match = g->n;
	emit(g, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, R_PKT,
	     offsetof(struct como_pkt, match), 0);
	emit(g, BPF_LD | BPF_DW | BPF_IMM, BPF_REG_2, 0, 0, (__u32)mask);
	emit(g, 0, 0, 0, 0, (__u32)(mask >> 32));
	emit(g, BPF_ALU64 | BPF_OR | BPF_X, BPF_REG_1, BPF_REG_2, 0, 0);
	emit(g, BPF_STX | BPF_MEM | BPF_DW, R_PKT, BPF_REG_1,
	     offsetof(struct como_pkt, match), 0);
	nomatch = g->n;
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (i = 0; i < g->nfix && !err && !g->err; i++) {
		int t = g->fix[i].target;
		unsigned int to = t == TO_MATCH ? match :
				  t == TO_NOMATCH ? nomatch : start[t];

		g->insn[g->fix[i].at].off = to - (g->fix[i].at + 1);
	}
	free(start);
	return err ?: g->err;
}

/*
 * The stage: look up this CPU's batch and windows, loop over the batch,
 * then tail-call the next program of the chain (como_ctl[slot].next).
 */
static int emit_stage(struct gen *g, struct datapath *dp, unsigned int slot,
		      unsigned int *cb_ld)
{
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_smp_processor_id);
	emit(g, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_0, -4, 0);
	/* fp-24: vec, fp-16: win (the loop's context) */
	emit_ld_map(g, BPF_REG_1, dp->fd[DP_VEC]);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	emit(g, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 16, 0);	/* -> next */
	emit(g, BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_0, -24, 0);
	emit_ld_map(g, BPF_REG_1, dp->fd[DP_WIN]);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	emit(g, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 9, 0);	/* -> next */
	emit(g, BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_0, -16, 0);
	emit(g, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_10, -24, 0);
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_1,
	     offsetof(struct como_vec, n), 0);
	*cb_ld = g->n;
	emit(g, BPF_LD | BPF_DW | BPF_IMM, BPF_REG_2, BPF_PSEUDO_FUNC, 0, 0);
	emit(g, 0, 0, 0, 0, 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -24);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_loop);
	/* next: r3 = como_ctl[slot].next; tail call */
	emit(g, BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -8, slot);
	emit_ld_map(g, BPF_REG_1, dp->fd[DP_CTL]);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -8);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	emit(g, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 5, 0);	/* -> pass */
	emit(g, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_0,
	     offsetof(struct como_ctl, next), 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0);
	emit_ld_map(g, BPF_REG_2, dp->fd[DP_PROGS]);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS);
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return g->err;
}

/*
 * A program with a bpf_loop() callback must describe its two functions in
 * BTF: int como_filter(void *ctx) and long filter_cb(u32 index, void *data).
 */
static struct btf *stage_btf(__u32 *main_id, __u32 *cb_id)
{
	struct btf *btf = btf__new_empty();
	int t_int, t_long, t_u32, t_ptr, proto;

	if (!btf)
		return NULL;
	t_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	t_long = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	t_u32 = btf__add_int(btf, "unsigned int", 4, 0);
	t_ptr = btf__add_ptr(btf, 0);
	proto = btf__add_func_proto(btf, t_int);
	btf__add_func_param(btf, "ctx", t_ptr);
	*main_id = btf__add_func(btf, "como_filter", BTF_FUNC_STATIC, proto);
	proto = btf__add_func_proto(btf, t_long);
	btf__add_func_param(btf, "index", t_u32);
	btf__add_func_param(btf, "data", t_ptr);
	*cb_id = btf__add_func(btf, "filter_cb", BTF_FUNC_STATIC, proto);
	if ((int)*main_id < 0 || (int)*cb_id < 0 || btf__load_into_kernel(btf)) {
		btf__free(btf);
		return NULL;
	}
	return btf;
}

int filter_load(struct datapath *dp, struct filter_stage *fs,
		const struct cbpf_insn *cb, unsigned int n)
{
	/* no expected attach type, as the dispatcher's (xdp_multi.c) */
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_func_info fi[2] = {};
	unsigned int cb_ld, cb_start;
	struct btf *btf = NULL;
	struct gen g = {};
	char *log = NULL;
	int err;

	err = emit_stage(&g, dp, fs->slot, &cb_ld);
	cb_start = g.n;
	if (!err)
		err = emit_callback(&g, cb, n, fs->mask);
	if (err) {
		pr_err("filter \"%s\": cannot translate it: %s", fs->expr,
		       strerror(-err));
		goto out;
	}
	g.insn[cb_ld].imm = cb_start - (cb_ld + 1);
	btf = stage_btf(&fi[0].type_id, &fi[1].type_id);
	if (!btf) {
		err = -errno ?: -EINVAL;
		pr_err("filter \"%s\": cannot load its BTF: %s", fs->expr,
		       strerror(-err));
		goto out;
	}
	fi[1].insn_off = cb_start;
	opts.prog_btf_fd = btf__fd(btf);
	opts.func_info = fi;
	opts.func_info_cnt = 2;
	opts.func_info_rec_size = sizeof(fi[0]);
	fs->prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "como_filter",
				    "Dual BSD/GPL", g.insn, g.n, &opts);
	if (fs->prog_fd < 0) {
		/* again with the log, to say why */
		log = calloc(1, 1 << 20);
		opts.log_buf = log;
		opts.log_size = log ? 1 << 20 : 0;
		opts.log_level = log ? 1 : 0;
		fs->prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "como_filter",
					    "Dual BSD/GPL", g.insn, g.n, &opts);
		err = fs->prog_fd < 0 ? -errno : 0;
		if (err) {
			pr_err("filter \"%s\": the kernel verifier refused its "
			       "translation: %s", fs->expr, strerror(-err));
			if (log && log_verbosity() > 0)
				fprintf(stderr, "%s", log);
		}
	}
out:
	btf__free(btf);
	free(log);
	free(g.insn);
	free(g.fix);
	return err;
}

/* Compiles EXPR and loads it as a stage that sets MASK, in SLOT. */
static int stage_make(struct datapath *dp, struct filter_stage *fs,
		      const char *who, const char *expr, __u64 mask,
		      int slot, int dlt)
{
	struct cbpf_insn *cb;
	unsigned int ncb;
	int err;

	*fs = (struct filter_stage){
		.expr = strdup(expr), .mask = mask, .slot = slot, .prog_fd = -1,
	};
	if (!fs->expr)
		return -ENOMEM;
	err = filter_compile(who, expr, dlt, &cb, &ncb);
	if (err)
		return err;
	err = filter_load(dp, fs, cb, ncb);
	free(cb);
	return err;
}

__u64 slots_used(const struct filter_stage *fs, unsigned int nfs,
		 struct modrt *const *mods, unsigned int n)
{
	__u64 used = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		used |= 1ULL << mods[i]->slot;
	for (i = 0; i < nfs; i++)
		used |= 1ULL << fs[i].slot | fs[i].mask;
	return used;
}

/*
 * One stage per distinct expression, whatever the number of modules that
 * asked for it: each packet is tested once per filter.
 */
int filters_build(struct datapath *dp, struct modrt *const *mods,
		  unsigned int n, int dlt, struct filter_stage **fsp,
		  unsigned int *nfsp)
{
	/* room for the stages of modules loaded later, too */
	struct filter_stage *fs = calloc(COMO_CHAIN_MAX, sizeof(*fs));
	unsigned int i, j, k, nfs = 0;
	__u64 mask, used;
	int err = 0;

	if (!fs)
		return -ENOMEM;
	*fsp = fs;
	for (i = 0; i < n && !err; i++) {
		const char *expr = mods[i]->mod->filter;

		if (!expr)
			continue;
		for (j = 0; j < nfs && strcmp(fs[j].expr, expr); j++)
			;
		if (j < nfs)
			continue;
		/* every module that asks for it, before the stage is made */
		for (k = i, mask = 0; k < n; k++)
			if (mods[k]->mod->filter &&
			    !strcmp(mods[k]->mod->filter, expr))
				mask |= 1ULL << mods[k]->slot;
		if (nfs + n >= COMO_CHAIN_MAX) {
			pr_err("%u modules and more distinct filters: at most "
			       "%d together (the kernel allows 33 tail calls in "
			       "a row)", n, COMO_CHAIN_MAX);
			err = -E2BIG;
			break;
		}
		used = slots_used(fs, nfs, mods, n);
		err = stage_make(dp, &fs[nfs], mods[i]->mod->name, expr, mask,
				 slot_pick(used, true), dlt);
		nfs++;
	}
	*nfsp = nfs;
	return err;
}

int filters_join(struct datapath *dp, struct filter_stage *fs,
		 unsigned int *nfs, struct modrt *const *mods, unsigned int n,
		 struct modrt *rt, int dlt, struct filter_stage *old)
{
	const char *expr = rt->mod->filter;
	struct filter_stage made;
	__u64 mask = 1ULL << rt->slot, used;
	unsigned int j;
	int slot, err;

	old->prog_fd = -1;
	old->expr = NULL;
	for (j = 0; j < *nfs && strcmp(fs[j].expr, expr); j++)
		;
	if (j == *nfs && *nfs + n >= COMO_CHAIN_MAX) {
		pr_err("the chain is full: at most %d modules and filters "
		       "(the kernel allows 33 tail calls in a row)",
		       COMO_CHAIN_MAX);
		return -E2BIG;
	}
	used = slots_used(fs, *nfs, mods, n) | mask;
	slot = slot_pick(used, true);
	if (slot < 0) {
		pr_err("no free slot for the filter of module %s", rt->mod->name);
		return -ENOSPC;
	}
	if (j < *nfs)
		mask |= fs[j].mask;
	err = stage_make(dp, &made, rt->mod->name, expr, mask, slot, dlt);
	if (err) {
		filters_free_one(&made);
		return err;
	}
	if (j < *nfs)
		*old = fs[j];
	else
		(*nfs)++;
	fs[j] = made;
	return 0;
}

void filters_free_one(struct filter_stage *fs)
{
	if (fs->prog_fd >= 0)
		close(fs->prog_fd);
	free(fs->expr);
	memset(fs, 0, sizeof(*fs));
	fs->prog_fd = -1;
}

void filters_free(struct filter_stage *fs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		filters_free_one(&fs[i]);
	free(fs);
}
