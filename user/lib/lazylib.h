/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Libraries opened when a command first needs them, not linked: a library
 * linked into como is loaded, with all it depends on, by every command,
 * and a local query costs a few ms (libcurl's dependencies added 8 ms,
 * libpcap's 1).
 */
#ifndef _COMO_LAZYLIB_H
#define _COMO_LAZYLIB_H

#include <stddef.h>

struct lazy_sym {
	const char *name;
	void **fn;		/* where its address goes */
};

#define LAZY_SYM(table, field, prefix)					\
	{ prefix #field, (void **)&(table).field }

/*
 * SONAME's symbols into SYMS' places, once (the first call's answer
 * stands): 0, or -ELIBACC after one line saying what WHAT needs.
 */
int lazy_open(const char *soname, const struct lazy_sym *syms, size_t n,
	      const char *what);

#endif
