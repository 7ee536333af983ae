/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The requests como and comoctl both make, made once: GET_STATUS and
 * GET_MODULES on either transport, their replies read into structures;
 * and the status printed once, through the print layer (out.h), so that
 * its JSON is the same whoever asks.
 */
#ifndef _COMO_CTL_REQUESTS_H
#define _COMO_CTL_REQUESTS_H

#include <linux/types.h>
#include "ctl_client.h"
#include "out.h"

/*
 * What the monitor reads and has seen. Each transport says what it knows
 * (comod its source, como.ko its clock and guard): the rest is absent,
 * its bit in .has (1 << COMO_A_*) clear. The strings point into r.
 */
struct ctl_status {
	__u64 has;
	const char *transport, *source_kind, *source, *datadir;
	__u64 pkts, bytes, uptime_ns, epochs;
	__u32 overload, load_pm;
	struct ctl_reply r;
};

/* On an error, c->why says why. */
int ctl_get_status(struct ctl_conn *c, struct ctl_status *st);
void ctl_status_free(struct ctl_status *st);

/*
 * The status's figures, for the text a tool lays out: each is printed
 * with its own format (NULL: not in the text), which takes the argument
 * named here. JSON has the same keys whatever the formats.
 */
enum ctl_status_text {
	CTL_ST_SOURCE_KIND,	/* %s: "live", "trace" */
	CTL_ST_SOURCE,		/* %s: interfaces or trace */
	CTL_ST_DATADIR,		/* %s */
	CTL_ST_PKTS,		/* %llu */
	CTL_ST_BYTES,		/* %llu */
	CTL_ST_UPTIME,		/* %s: a duration, "1500ms" */
	CTL_ST_UPTIME_S,	/* a double: seconds */
	CTL_ST_EPOCHS,		/* %llu */
	CTL_ST_OVERLOAD,	/* %s: "yes", "no" */
	CTL_ST_LOAD,		/* %s: "12.5%" of one CPU */
	CTL_ST_MAX,
};

void ctl_status_print(struct como_out *o, const struct ctl_status *st,
		      const char *const text[CTL_ST_MAX]);

/* The modules of a GET_MODULES reply, however many messages it took. */
struct ctl_modules {
	struct como_mod_info *v;	/* those that have a name */
	unsigned int n;
	struct ctl_reply r;		/* their strings point into it */
};

/* On an error, c->why says why. */
int ctl_get_modules(struct ctl_conn *c, struct ctl_modules *mods);
/* Reads the modules of the reply R, which MODS takes over; -EPROTO. */
int ctl_modules_parse(struct ctl_reply *r, struct ctl_modules *mods);
void ctl_modules_free(struct ctl_modules *mods);

#endif
