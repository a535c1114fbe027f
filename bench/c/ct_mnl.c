// libmnl reference for the conntrack workload D2 (nlkit's Conntrack): ctnetlink messages
// built by hand on one NETLINK_NETFILTER socket opened once, one request at a time.
//
//   create  N entries, each one IPCTNL_MSG_CT_NEW (NLM_F_CREATE|NLM_F_EXCL|NLM_F_ACK) and
//           its ACK awaited: UDP, IPv4, 198.18.0.1:(1024+i) -> 198.19.0.1:53, the reply
//           direction the original inverted, CTA_TIMEOUT 3600 s (what ct.add() sends)
//           -> op=d2_ct_create, per_op_us per entry
//   dump    one IPCTNL_MSG_CT_GET dump of the whole table (AF_UNSPEC, as ct.list() asks),
//           every entry decoded into a record (family, protocol, both tuples with
//           addresses as bytes and ports, status, timeout, mark, id, use, zone, TCP
//           protoinfo), median of --reps -> op=d2_ct_dump, per_op_us per whole dump
//   empty   before the creates, the same dump of the still empty table, median of --reps:
//           the kernel walks its whole conntrack hash table (shared by every netns) in
//           each dump whatever this netns holds, so this is the dump's floor
//           -> op=d2_ct_dump_empty, per_op_us per whole dump (n=0)
//   delete  the N entries, each one IPCTNL_MSG_CT_DELETE by its original tuple with its
//           ACK awaited -> op=d2_ct_delete, per_op_us per entry
//
//   ct_mnl [--n=N] [--reps=R] [--impl=NAME]
//   ct_mnl --exec [--reps=R] [--impl=NAME] [--expect=M] -- OP CMD [ARG...] [-- OP CMD [ARG...]]...
//     --exec  time R whole runs of each CMD instead (posix_spawn + wait, stdout and stderr
//             to /dev/null), the commands alternating run by run: how long `conntrack -L`
//             takes as a process, in a netns whose table bench/conntrack.ts hold filled
//             -> op=OP, per_op_us per run (n = M, the entries it lists)
//   --naddr is accepted and ignored (the suite passes it to every peer).
//
// Output: RESULT lines in the format of ../shared/peers. Refuses the host netns
// (PBENCH_HOST_NETNS, set by the runner) and a table that is not empty at the start.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

#define TIMEOUT_S 3600
#define PORT0 1024

static void cpu_ms(double *user, double *sys) {
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*user = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3;
	*sys = ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

// ------------------------------------------------------------------ decoding

struct tuple {
	uint8_t src[16], dst[16];
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
	uint16_t zone;
};

/** One entry as decoded. */
struct rec {
	uint8_t family;
	struct tuple orig, reply;
	uint32_t status, timeout, mark, id, use;
	uint16_t zone;
	int has_timeout, has_tcp;
	uint8_t tcp_state, wscale_orig, wscale_reply, flags_orig, flags_reply;
};

struct dump_ctx {
	struct rec *recs;
	int cap, count;
};

static int ip_cb(const struct nlattr *a, void *data) {
	struct tuple *t = data;
	const void *p = mnl_attr_get_payload(a);
	switch (mnl_attr_get_type(a)) {
	case CTA_IP_V4_SRC: memcpy(t->src, p, 4); break;
	case CTA_IP_V4_DST: memcpy(t->dst, p, 4); break;
	case CTA_IP_V6_SRC: memcpy(t->src, p, 16); break;
	case CTA_IP_V6_DST: memcpy(t->dst, p, 16); break;
	default: break;
	}
	return MNL_CB_OK;
}

static int proto_cb(const struct nlattr *a, void *data) {
	struct tuple *t = data;
	switch (mnl_attr_get_type(a)) {
	case CTA_PROTO_NUM: t->proto = mnl_attr_get_u8(a); break;
	case CTA_PROTO_SRC_PORT: t->sport = ntohs(mnl_attr_get_u16(a)); break;
	case CTA_PROTO_DST_PORT: t->dport = ntohs(mnl_attr_get_u16(a)); break;
	case CTA_PROTO_ICMP_ID: case CTA_PROTO_ICMPV6_ID: t->icmp_id = ntohs(mnl_attr_get_u16(a)); break;
	case CTA_PROTO_ICMP_TYPE: case CTA_PROTO_ICMPV6_TYPE: t->icmp_type = mnl_attr_get_u8(a); break;
	case CTA_PROTO_ICMP_CODE: case CTA_PROTO_ICMPV6_CODE: t->icmp_code = mnl_attr_get_u8(a); break;
	default: break;
	}
	return MNL_CB_OK;
}

static int tuple_cb(const struct nlattr *a, void *data) {
	struct tuple *t = data;
	switch (mnl_attr_get_type(a)) {
	case CTA_TUPLE_IP: mnl_attr_parse_nested(a, ip_cb, t); break;
	case CTA_TUPLE_PROTO: mnl_attr_parse_nested(a, proto_cb, t); break;
	case CTA_TUPLE_ZONE: t->zone = ntohs(mnl_attr_get_u16(a)); break;
	default: break;
	}
	return MNL_CB_OK;
}

static int tcp_cb(const struct nlattr *a, void *data) {
	struct rec *r = data;
	const uint8_t *p = mnl_attr_get_payload(a);
	switch (mnl_attr_get_type(a)) {
	case CTA_PROTOINFO_TCP_STATE: r->tcp_state = p[0]; break;
	case CTA_PROTOINFO_TCP_WSCALE_ORIGINAL: r->wscale_orig = p[0]; break;
	case CTA_PROTOINFO_TCP_WSCALE_REPLY: r->wscale_reply = p[0]; break;
	case CTA_PROTOINFO_TCP_FLAGS_ORIGINAL: r->flags_orig = p[0]; break; /* struct nf_ct_tcp_flags: flags, mask */
	case CTA_PROTOINFO_TCP_FLAGS_REPLY: r->flags_reply = p[0]; break;
	default: break;
	}
	return MNL_CB_OK;
}

static int protoinfo_cb(const struct nlattr *a, void *data) {
	struct rec *r = data;
	if (mnl_attr_get_type(a) == CTA_PROTOINFO_TCP) {
		r->has_tcp = 1;
		mnl_attr_parse_nested(a, tcp_cb, r);
	}
	return MNL_CB_OK;
}

static int attr_cb(const struct nlattr *a, void *data) {
	struct rec *r = data;
	switch (mnl_attr_get_type(a)) {
	case CTA_TUPLE_ORIG: mnl_attr_parse_nested(a, tuple_cb, &r->orig); break;
	case CTA_TUPLE_REPLY: mnl_attr_parse_nested(a, tuple_cb, &r->reply); break;
	case CTA_STATUS: r->status = ntohl(mnl_attr_get_u32(a)); break;
	case CTA_TIMEOUT: r->timeout = ntohl(mnl_attr_get_u32(a)); r->has_timeout = 1; break;
	case CTA_MARK: r->mark = ntohl(mnl_attr_get_u32(a)); break;
	case CTA_ID: r->id = ntohl(mnl_attr_get_u32(a)); break;
	case CTA_USE: r->use = ntohl(mnl_attr_get_u32(a)); break;
	case CTA_ZONE: r->zone = ntohs(mnl_attr_get_u16(a)); break;
	case CTA_PROTOINFO: mnl_attr_parse_nested(a, protoinfo_cb, r); break;
	default: break;
	}
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data) {
	struct dump_ctx *c = data;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	if (c->count >= c->cap) {
		c->cap *= 2;
		c->recs = realloc(c->recs, c->cap * sizeof *c->recs);
		if (!c->recs) die("realloc");
	}
	struct rec *r = &c->recs[c->count++];
	memset(r, 0, sizeof *r);
	r->family = g->nfgen_family;
	mnl_attr_parse(nlh, sizeof *g, attr_cb, r);
	return MNL_CB_OK;
}

// ------------------------------------------------------------------ requests

static char buf[32768]; /* 32 KiB: the kernel sizes dump skbs to the largest recv buffer seen (up to 32 KiB) */

static struct nlmsghdr *put_header(uint8_t msg, uint16_t flags, unsigned seq, uint8_t family) {
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | msg;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return nlh;
}

static void put_tuple(struct nlmsghdr *nlh, uint16_t type, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) {
	struct nlattr *t = mnl_attr_nest_start(nlh, type);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, src);
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, dst);
	mnl_attr_nest_end(nlh, ip);
	struct nlattr *pr = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_UDP);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	mnl_attr_nest_end(nlh, pr);
	mnl_attr_nest_end(nlh, t);
}

/** Send the request in buf and wait for its ACK; errno of a NLMSG_ERROR is fatal. */
static void request(struct mnl_socket *nl, struct nlmsghdr *nlh, const char *what) {
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) die("sendto");
	unsigned seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
	if (n < 0) die("recvfrom");
	if (mnl_cb_run(buf, n, seq, portid, NULL, NULL) < 0) die(what);
}

static int dump(struct mnl_socket *nl, unsigned seq, struct dump_ctx *c) {
	struct nlmsghdr *nlh = put_header(IPCTNL_MSG_CT_GET, NLM_F_REQUEST | NLM_F_DUMP, seq, AF_UNSPEC);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) die("sendto");
	unsigned portid = mnl_socket_get_portid(nl);
	c->count = 0;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
		if (n < 0) die("recvfrom");
		int ret = mnl_cb_run(buf, n, seq, portid, msg_cb, c);
		if (ret < 0) die("dump");
		if (ret == MNL_CB_STOP) break;
	}
	return c->count;
}


int main(int argc, char **argv) {
	int n = 1000, reps = 20, expect = -1, exec = 0;
	const char *impl = "c-libmnl-ct";
	int i;
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--n=", 4)) n = atoi(argv[i] + 4);
		else if (!strncmp(argv[i], "--reps=", 7)) reps = atoi(argv[i] + 7);
		else if (!strncmp(argv[i], "--expect=", 9)) expect = atoi(argv[i] + 9);
		else if (!strncmp(argv[i], "--impl=", 7)) impl = argv[i] + 7;
		else if (!strcmp(argv[i], "--exec")) exec = 1;
		else if (!strncmp(argv[i], "--naddr=", 8)) continue;
		else if (!strcmp(argv[i], "--")) { i++; break; }
		else {
			fprintf(stderr, "ct_mnl: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (reps < 1) reps = 1;
	if (n < 1 || n > 65535 - PORT0) {
		fprintf(stderr, "ct_mnl: --n must be 1..%d (one source port per entry)\n", 65535 - PORT0);
		return 2;
	}
	assert_not_host_netns();
	if (exec) {
		if (i >= argc) {
			fprintf(stderr, "ct_mnl --exec: no command after --\n");
			return 2;
		}
		return exec_mode("ct_mnl", reps, expect, impl, argv + i);
	}

	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl) die("mnl_socket_open");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) die("bind");
	struct dump_ctx c = {.cap = n + 16, .count = 0};
	c.recs = calloc(c.cap, sizeof *c.recs);
	if (!c.recs) die("calloc");
	unsigned seq = (unsigned)time(NULL);
	if (dump(nl, ++seq, &c) != 0) {
		fprintf(stderr, "ct_mnl: the conntrack table is not empty (%d entries); refusing\n", c.count);
		return 1;
	}
	double *t = calloc(reps, sizeof(double)), du = 0, ds = 0;
	double eu0 = 0, es0 = 0;
	for (int r = 0; r < reps; r++) {
		double u, s, uu, ss;
		cpu_ms(&u, &s);
		double t1 = now_ms();
		int got = dump(nl, ++seq, &c);
		t[r] = now_ms() - t1;
		cpu_ms(&uu, &ss);
		eu0 += uu - u;
		es0 += ss - s;
		if (got != 0) {
			fprintf(stderr, "ct_mnl: the table filled up meanwhile (%d entries)\n", got);
			return 1;
		}
	}
	double emin = t[0];
	for (int r = 1; r < reps; r++) if (t[r] < emin) emin = t[r];
	double emed = median(t, reps);
	uint32_t a = htonl(0xc6120001), b = htonl(0xc6130001); /* 198.18.0.1, 198.19.0.1 (RFC 2544 benchmark range) */
	double u0, s0, u1, s1;

	/* create */
	cpu_ms(&u0, &s0);
	double t0 = now_ms();
	for (int k = 0; k < n; k++) {
		struct nlmsghdr *nlh = put_header(IPCTNL_MSG_CT_NEW, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, ++seq, AF_INET);
		put_tuple(nlh, CTA_TUPLE_ORIG, a, b, PORT0 + k, 53);
		put_tuple(nlh, CTA_TUPLE_REPLY, b, a, 53, PORT0 + k);
		mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(TIMEOUT_S));
		request(nl, nlh, "IPCTNL_MSG_CT_NEW");
	}
	double create_ms = now_ms() - t0;
	cpu_ms(&u1, &s1);
	double cu = u1 - u0, cs = s1 - s0;

	/* dump */
	for (int r = 0; r < reps; r++) {
		cpu_ms(&u0, &s0);
		double t1 = now_ms();
		int got = dump(nl, ++seq, &c);
		t[r] = now_ms() - t1;
		cpu_ms(&u1, &s1);
		du += u1 - u0;
		ds += s1 - s0;
		if (got != n) {
			fprintf(stderr, "ct_mnl: expected %d entries, the dump returned %d\n", n, got);
			return 1;
		}
		const struct rec *last = &c.recs[got - 1];
		if (last->orig.proto != IPPROTO_UDP || last->orig.dport != 53 || !last->has_timeout || last->reply.sport != 53 || !last->id) {
			fprintf(stderr, "ct_mnl: an entry is not decoded as made\n");
			return 1;
		}
	}

	/* delete */
	double eu, es;
	cpu_ms(&u0, &s0);
	t0 = now_ms();
	for (int k = 0; k < n; k++) {
		struct nlmsghdr *nlh = put_header(IPCTNL_MSG_CT_DELETE, NLM_F_REQUEST | NLM_F_ACK, ++seq, AF_INET);
		put_tuple(nlh, CTA_TUPLE_ORIG, a, b, PORT0 + k, 53);
		request(nl, nlh, "IPCTNL_MSG_CT_DELETE");
	}
	double delete_ms = now_ms() - t0;
	cpu_ms(&u1, &s1);
	eu = u1 - u0;
	es = s1 - s0;
	if (dump(nl, ++seq, &c) != 0) {
		fprintf(stderr, "ct_mnl: %d entries left after the deletes\n", c.count);
		return 1;
	}
	mnl_socket_close(nl);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double min = t[0];
	for (int r = 1; r < reps; r++) if (t[r] < min) min = t[r];
	double med = median(t, reps);
	printf("RESULT impl=%s op=d2_ct_create n=%d total_ms=%.3f per_op_us=%.3f user_ms=%.2f sys_ms=%.2f maxrss_kb=%ld\n",
	       impl, n, create_ms, create_ms * 1e3 / n, cu, cs, ru.ru_maxrss);
	printf("RESULT impl=%s op=d2_ct_dump n=%d total_ms=%.3f per_op_us=%.3f user_ms=%.2f sys_ms=%.2f reps=%d min_ms=%.3f maxrss_kb=%ld\n",
	       impl, n, med, med * 1e3, du / reps, ds / reps, reps, min, ru.ru_maxrss);
	printf("RESULT impl=%s op=d2_ct_dump_empty n=0 total_ms=%.3f per_op_us=%.3f user_ms=%.2f sys_ms=%.2f reps=%d min_ms=%.3f maxrss_kb=%ld\n",
	       impl, emed, emed * 1e3, eu0 / reps, es0 / reps, reps, emin, ru.ru_maxrss);
	printf("RESULT impl=%s op=d2_ct_delete n=%d total_ms=%.3f per_op_us=%.3f user_ms=%.2f sys_ms=%.2f maxrss_kb=%ld\n",
	       impl, n, delete_ms, delete_ms * 1e3 / n, eu, es, ru.ru_maxrss);
	return 0;
}
