// SPDX-License-Identifier: BSD-3-Clause
/* dns: packets per question name, type, direction and response code. */
#include "module.bpf.h"
#include "dns_parse.h"

COMO_TABLE(struct dns_key, struct dns_val, DNS_ENTRIES);

/* the message being read (dns_parse.h says why not on the stack) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scan);
} dns_scan SEC(".maps");

static __always_inline int dns_update(const struct como_pkt *pkt,
				      void *state)
{
	struct dns_scan *s;
	struct dns_val *v;
	const __u8 *bytes;
	__u32 zero = 0;

	if (pkt->l4_proto != 17 || !(pkt->flags & COMO_PKT_L4) ||
	    (pkt->sport != 53 && pkt->dport != 53))
		return 0;
	s = bpf_map_lookup_elem(&dns_scan, &zero);
	if (!s)
		return -ENOENT;
	bytes = como_pkt_bytes(pkt, &s->len);
	if (!bytes)
		return -ENOENT;
	dns_parse(bytes, pkt->l7_off, s);
	/* out of line: inline, the key's hash is verified on every path of
	 * the parser (0.8 s at load, against 0.5) */
	v = como_get_max_noinline(state, &s->key, DNS_NAMES);
	if (!v) {
		/* counted as lost by name (approximate), and in the totals */
		__builtin_memset(s->key.name, 0, sizeof(s->key.name));
		s->key.qtype = 0;
		s->key.malformed = DNS_OTHERS;
		v = como_get_noinline(state, &s->key);
		if (!v)
			return 0;	/* a probe past its bound: counted */
	}
	v->pkts += pkt->count;
	return 0;
}

COMO_UPDATE(dns_update)
