/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Module instance names, as user space checks them wherever one comes in
 * (the config, -m, the control socket, a kept capture): the rule is
 * include/como/name.h's, which como.ko applies too.
 */
#ifndef _COMO_NAMES_H
#define _COMO_NAMES_H

#include <stddef.h>
#include <como/name.h>

/*
 * 0 when NAME is an instance name; -EINVAL otherwise, with one line in
 * WHY (LEN bytes) that says what is wrong, the name escaped.
 */
int como_name_check(const char *name, char *why, size_t len);

/*
 * SRC with every byte outside printable ASCII as \xNN, into DST (SIZE
 * bytes, NUL included); what does not fit ends in "...". Returns DST.
 */
char *como_name_escape(char *dst, size_t size, const char *src);

#endif
