// SPDX-License-Identifier: BSD-3-Clause
/*
 * HOST:PORT (hostport.h). The port must be a number, so that a typo is
 * refused, not looked up as a service name; the resolver reads the host
 * only when comod is about to use it (a config is checked without it).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hostport.h"

int hostport_check(const char *s, char *host, unsigned int *port, char *why,
		   size_t whysize)
{
	const char *colon = strrchr(s, ':'), *h = s, *p;
	unsigned long v;
	size_t n;
	char *end;

	if (!colon) {
		snprintf(why, whysize, "'%s': expected HOST:PORT", s);
		return -EINVAL;
	}
	n = colon - s;
	p = colon + 1;
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']') {
			snprintf(why, whysize, "'%s': expected [ADDR6]:PORT", s);
			return -EINVAL;
		}
		h++;
		n -= 2;
	} else if (memchr(s, ':', n)) {
		snprintf(why, whysize, "'%s': an IPv6 address goes in brackets, "
			 "as in [::1]:PORT", s);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(p, &end, 10);
	if (!n || n >= HOSTPORT_HOST_MAX || *p < '0' || *p > '9' || *end ||
	    errno || !v || v > 65535) {
		snprintf(why, whysize, "'%s': expected HOST:PORT, a PORT from 1 "
			 "to 65535", s);
		return -EINVAL;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	*port = v;
	return 0;
}

int hostport_parse(const char *s, struct sockaddr_storage *sa,
		   socklen_t *len, char *why, size_t whysize)
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	char host[HOSTPORT_HOST_MAX], port[8];
	struct addrinfo *ai;
	unsigned int p;
	int err;

	err = hostport_check(s, host, &p, why, whysize);
	if (err)
		return err;
	snprintf(port, sizeof(port), "%u", p);
	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		snprintf(why, whysize, "'%s': %s", s, gai_strerror(err));
		return -EINVAL;
	}
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}
