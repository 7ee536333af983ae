/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * On-demand queries over HTTP (replay.h): the query server has dropped
 * the right to load BPF, so a process of comod's that keeps it, the
 * replayer, started by http.c before the server and before the capture,
 * runs comod over a span's pcap when a query's worker asks. It runs
 * nothing else: comod with the options replay.c gives, over a pcap in a
 * private directory (TMPDIR/como-replay.XXXXXX) of root's, storing there,
 * for a module named as on the module path.
 *
 * A request is one SOCK_SEQPACKET message: the fields of struct
 * replay_run, NUL-terminated one after the other (pcap, dir, spec,
 * filter or "", "1" or "0" for append), with the fd the answer goes to
 * (SCM_RIGHTS); the answer is an int, replay_comod()'s.
 */
#ifndef _COMOD_HTTP_REPLAY_H
#define _COMOD_HTTP_REPLAY_H

#include <sys/types.h>
#include "replay.h"

/* The replayer, forked; *FD: the end to ask it on. 0 or -errno. */
int http_replay_start(pid_t *pid, int *fd);

/* replay_runner.run for a worker: CTX points to the int fd to ask on. */
int http_replay_ask(void *ctx, const struct replay_run *r);

#endif
