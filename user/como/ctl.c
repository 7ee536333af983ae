// SPDX-License-Identifier: BSD-3-Clause
/*
 * The client side of the control protocol (include/uapi/linux/como.h):
 * one request to comod's local socket, one reply. como.ko's family will
 * take the same messages over generic netlink.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include "ctl.h"
#include "log.h"

#define CTL_MSG_MAX	65536

const char *ctl_socket_path(const char *opt)
{
	const char *env = getenv("COMO_SOCKET");

	return opt ?: env && *env ? env : "/run/como/comod.sock";
}

struct nl_msg *ctl_request_new(__u8 cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(CTL_MSG_MAX);

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, 1, COMO_LOCAL_FAMILY, 0,
				NLM_F_REQUEST, cmd, COMO_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* The reply's NLMSGERR_ATTR_MSG, when comod said why. */
static const char *ext_ack(struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = nlmsg_data(nlh);
	int off = sizeof(*e);
	struct nlattr *a;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + (unsigned int)off)
		return NULL;
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - off;
	for (a = (struct nlattr *)((char *)e + off); nla_ok(a, rem);
	     a = nla_next(a, &rem))
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			return nla_get_string(a);
	return NULL;
}

int ctl_call(const char *path, struct nl_msg *req, struct nlattr **tb,
	     void **keep)
{
	static struct nla_policy policy[COMO_A_MAX + 1] = {
		[COMO_A_MODULE] = { .type = NLA_NESTED },
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct nlmsghdr *nlh = nlmsg_hdr(req), *rep;
	char *buf;
	ssize_t n;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		pr_err("no monitor answers on %s: %s (is comod running live? "
		       "-s or $COMO_SOCKET name another socket)", path,
		       strerror(errno));
		close(fd);
		return err;
	}
	buf = malloc(CTL_MSG_MAX);
	if (!buf || send(fd, nlh, nlh->nlmsg_len, 0) < 0 ||
	    (n = recv(fd, buf, CTL_MSG_MAX, 0)) < 0) {
		err = buf ? -errno : -ENOMEM;
		pr_err("control request to %s: %s", path, strerror(-err));
		goto out;
	}
	rep = (struct nlmsghdr *)buf;
	if (!nlmsg_ok(rep, n)) {
		pr_err("%s: a short or malformed reply", path);
		err = -EPROTO;
		goto out;
	}
	if (rep->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = nlmsg_data(rep);
		const char *why = ext_ack(rep);

		err = e->error ?: -EPROTO;
		pr_err("%s", why && *why ? why : strerror(-err));
		goto out;
	}
	err = genlmsg_parse(rep, 0, tb, COMO_A_MAX, policy);
	if (err) {
		pr_err("%s: malformed reply attributes", path);
		err = -EPROTO;
		goto out;
	}
	*keep = buf;	/* tb points into it */
	close(fd);
	return 0;
out:
	free(buf);
	close(fd);
	return err;
}
