/* SPDX-License-Identifier: BSD-3-Clause */
/* HOST:PORT, as a config or a command line names a receiver (hostport.c). */
#ifndef _COMO_HOSTPORT_H
#define _COMO_HOSTPORT_H

#include <stddef.h>
#include <sys/socket.h>

#define HOSTPORT_HOST_MAX	256

/*
 * HOST:PORT or [ADDR6]:PORT, read but not resolved: HOST into HOST (of
 * HOSTPORT_HOST_MAX bytes), PORT from 1 to 65535. -EINVAL with WHY (one
 * line) otherwise.
 */
int hostport_check(const char *s, char *host, unsigned int *port, char *why,
		   size_t whysize);
/* The same, HOST resolved (an address, or a name the resolver knows). */
int hostport_parse(const char *s, struct sockaddr_storage *sa,
		   socklen_t *len, char *why, size_t whysize);

#endif
