/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pattern: what its two sides share. The rules reach the capture side as
 * its constants (COMO_ARGS); its state is a row per rule and one for the
 * interval's totals.
 */
#ifndef _PATTERN_H
#define _PATTERN_H

#define PATTERN_RULES	16	/* rules an instance holds: bits of a __u32 */
#define PATTERN_LEN	64	/* bytes of a rule's pattern */
#define PATTERN_TEXT	200	/* characters of a rule as given */
#define PATTERN_TOTAL	PATTERN_RULES	/* the row of the interval's totals */

/*
 * A rule is compared 8 bytes at a time: a word of the payload XOR a word
 * of bytes[], under the same word of mask[] (0xff for each of its bytes).
 */
struct pattern_rule {
	__u8 bytes[PATTERN_LEN];
	__u8 mask[PATTERN_LEN];
	__u32 len;		/* bytes in bytes[], 1 .. PATTERN_LEN */
	__u32 pad;
};

struct pattern_args {
	__u32 nrules;
	__u32 min_len;		/* the shortest rule's length */
	__u32 nfirst;		/* distinct first bytes of the rules */
	__u32 pad;
	/* each distinct first byte, in every byte of a word */
	__u64 first_word[PATTERN_RULES];
	__u32 first[256];	/* bit R set: rule R starts with this byte */
	struct pattern_rule rule[PATTERN_RULES];
};

/*
 * Row R < PATTERN_RULES: the packets whose payload holds rule R; 'cut'
 * counts those of them whose payload the module did not see to its end.
 * Row PATTERN_TOTAL: every packet searched (pkts, bytes) and the cut ones.
 */
struct pattern_val {
	__u64 pkts;
	__u64 bytes;
	__u64 cut;
};

struct pattern_rec {
	__u32 rule;		/* 1 .. the number of rules, as given */
	__u32 pad;
	__u64 pkts;		/* packets whose payload holds it */
	__u64 bytes;		/* their bytes on the wire */
	__u64 searched;		/* TCP and UDP packets searched */
	__u64 partial;		/* searched, not matched, and not seen to the
				 * payload's end: a match may have been missed */
	char text[PATTERN_TEXT];
};

#endif /* _PATTERN_H */
