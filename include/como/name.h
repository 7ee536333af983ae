/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * What a module instance's name may be. A name becomes a directory of the
 * data directory (DATADIR/NAME/), a key of como.ko's registry and a word
 * in commands and logs, so it is one path component of a fixed set of
 * characters: 1 to COMO_NAME_LEN of A-Z a-z 0-9 . _ - and space, not
 * starting with '.', '-' or a space (no "..", no hidden directory, no
 * option), not ending with a space. The space is there for CoMo's own
 * example, module "top destinations".
 *
 * One rule, two places: user space (user/lib/names.c, for the config,
 * -m, the control socket, a kept capture) and como.ko's registry
 * (kernel/netlink.c), which cannot link user space's library.
 */
#ifndef _COMO_NAME_H
#define _COMO_NAME_H

#define COMO_NAME_LEN	63	/* characters; fits COMO_NAME_MAX with room */
#define COMO_NAME_RULE	"1 to 63 of A-Z a-z 0-9 . _ - and space, not " \
			"starting with . - or space, not ending with space"

/* where the uapi header is in sight (como.ko, comod): the name fits */
#if defined(COMO_NAME_MAX) && COMO_NAME_LEN >= COMO_NAME_MAX
#error "an instance name must fit COMO_MOD_A_NAME's buffer"
#endif

enum como_name_fault {
	COMO_NAME_OK,
	COMO_NAME_EMPTY,
	COMO_NAME_LONG,
	COMO_NAME_FIRST,	/* starts with '.', '-' or a space */
	COMO_NAME_LAST,		/* ends with a space */
	COMO_NAME_CHAR,		/* a character outside the set, at *at */
};

static inline int como_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == ' ';
}

/*
 * The first fault of NAME, or COMO_NAME_OK; for COMO_NAME_CHAR, *at is
 * the offending character's offset. Reads at most COMO_NAME_LEN + 1
 * characters, so an unterminated buffer of that size is safe.
 */
static inline enum como_name_fault como_name_fault(const char *name,
						   unsigned int *at)
{
	unsigned int i;

	*at = 0;
	if (!name || !name[0])
		return COMO_NAME_EMPTY;
	if (name[0] == '.' || name[0] == '-' || name[0] == ' ')
		return COMO_NAME_FIRST;
	for (i = 0; name[i]; i++) {
		if (i == COMO_NAME_LEN)
			return COMO_NAME_LONG;
		if (!como_name_char_ok(name[i])) {
			*at = i;
			return COMO_NAME_CHAR;
		}
	}
	return name[i - 1] == ' ' ? COMO_NAME_LAST : COMO_NAME_OK;
}

static inline const char *como_name_fault_str(enum como_name_fault f)
{
	switch (f) {
	case COMO_NAME_OK:
		return "is a name";
	case COMO_NAME_EMPTY:
		return "is empty";
	case COMO_NAME_LONG:
		return "is longer than 63 characters";
	case COMO_NAME_FIRST:
		return "starts with '.', '-' or a space";
	case COMO_NAME_LAST:
		return "ends with a space";
	case COMO_NAME_CHAR:
		break;
	}
	return "has a character outside A-Z a-z 0-9 . _ - and space";
}

#endif
