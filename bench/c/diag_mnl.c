// libmnl reference for the socket-diagnostics workload D1 (nlkit's SockDiag.inet): one
// SOCK_DIAG_BY_FAMILY dump of the IPv4 TCP sockets (every state, as `ss -a` and
// diag.inet() ask) on a NETLINK_SOCK_DIAG socket opened once, decoded into an array of
// records, median of --reps. Three variants, interleaved dump by dump (the order rotates
// each repetition):
//
//   basic  idiag_ext 0: family, state, timer, retrans, ports, addresses (as bytes), ifindex,
//          cookie, expires, queues, uid, inode decoded  -> op=d1_tcp_dump
//   info   idiag_ext INET_DIAG_INFO: the basics and struct tcp_info copied out
//          -> op=d1_tcp_dump_info
//   all    every extension nlkit's diag.inet() asks by default (MEMINFO, INFO, VEGASINFO,
//          CONG, TOS, TCLASS, SKMEMINFO, SHUTDOWN): the basics and each attribute copied
//          out -> op=d1_tcp_dump_all
//
// The sockets are made by the runner (bench/diag.ts hold), which holds them open while
// this program runs in the same netns; --expect is the socket count each dump must return.
//
//   diag_mnl [--reps=R] [--expect=M] [--impl=NAME]
//   diag_mnl --exec [--reps=R] [--impl=NAME] [--expect=M] -- OP CMD [ARG...] [-- OP CMD [ARG...]]...
//     --exec  time R whole runs of each CMD instead (posix_spawn + wait, stdout and stderr
//             to /dev/null), the commands alternating run by run: how long `ss` takes as a
//             process -> op=OP, per_op_us per run (n = M, the sockets it lists)
//   --n and --naddr are accepted and ignored (the suite passes them to every peer).
//
// Output: RESULT lines in the format of ../shared/peers (per_op_us = one whole dump + decode,
// n = sockets). Refuses the host netns (PBENCH_HOST_NETNS, set by the runner).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
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

/** One socket as decoded. */
struct rec {
	uint8_t family, state, timer, retrans;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
	uint32_t ifindex, expires, rqueue, wqueue, uid, inode;
	uint64_t cookie;
	int has_info;
	struct tcp_info info;
	struct inet_diag_meminfo meminfo;
	uint32_t skmem[SK_MEMINFO_VARS];
	char cong[16];
	uint8_t tos, tclass, shutdown;
	struct tcpvegas_info vegas;
};

struct dump_ctx {
	struct rec *recs;
	int cap, count;
};

static int attr_cb(const struct nlattr *a, void *data) {
	struct rec *r = data;
	const void *p = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);
#define COPY(dst) memcpy(&(dst), p, len < sizeof(dst) ? len : sizeof(dst))
	switch (mnl_attr_get_type(a)) {
	case INET_DIAG_INFO: COPY(r->info); r->has_info = 1; break;
	case INET_DIAG_MEMINFO: COPY(r->meminfo); break;
	case INET_DIAG_SKMEMINFO: COPY(r->skmem); break;
	case INET_DIAG_VEGASINFO: COPY(r->vegas); break;
	case INET_DIAG_CONG: {
		size_t n = len < sizeof r->cong - 1 ? len : sizeof r->cong - 1;
		memcpy(r->cong, p, n);
		r->cong[n] = 0;
		break;
	}
	case INET_DIAG_TOS: r->tos = mnl_attr_get_u8(a); break;
	case INET_DIAG_TCLASS: r->tclass = mnl_attr_get_u8(a); break;
	case INET_DIAG_SHUTDOWN: r->shutdown = mnl_attr_get_u8(a); break;
	default: break;
	}
#undef COPY
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data) {
	struct dump_ctx *c = data;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	if (c->count >= c->cap) {
		c->cap *= 2;
		c->recs = realloc(c->recs, c->cap * sizeof *c->recs);
		if (!c->recs) die("realloc");
	}
	struct rec *r = &c->recs[c->count++];
	r->family = m->idiag_family;
	r->state = m->idiag_state;
	r->timer = m->idiag_timer;
	r->retrans = m->idiag_retrans;
	r->sport = ntohs(m->id.idiag_sport);
	r->dport = ntohs(m->id.idiag_dport);
	size_t alen = m->idiag_family == AF_INET6 ? 16 : 4;
	memcpy(r->src, m->id.idiag_src, alen);
	memcpy(r->dst, m->id.idiag_dst, alen);
	r->ifindex = m->id.idiag_if;
	r->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	r->expires = m->idiag_expires;
	r->rqueue = m->idiag_rqueue;
	r->wqueue = m->idiag_wqueue;
	r->uid = m->idiag_uid;
	r->inode = m->idiag_inode;
	r->has_info = 0;
	mnl_attr_parse(nlh, sizeof *m, attr_cb, r);
	return MNL_CB_OK;
}

static char buf[32768]; /* 32 KiB: the kernel sizes dump skbs to the largest recv buffer seen (up to 32 KiB) */

static int dump(struct mnl_socket *nl, unsigned seq, uint8_t ext, struct dump_ctx *c) {
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof *req);
	req->sdiag_family = AF_INET;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_ext = ext;
	req->idiag_states = 0xffffffff;
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
	int reps = 20, expect = -1, exec = 0;
	const char *impl = "c-libmnl-diag";
	int i;
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--reps=", 7)) reps = atoi(argv[i] + 7);
		else if (!strncmp(argv[i], "--expect=", 9)) expect = atoi(argv[i] + 9);
		else if (!strncmp(argv[i], "--impl=", 7)) impl = argv[i] + 7;
		else if (!strcmp(argv[i], "--exec")) exec = 1;
		else if (!strncmp(argv[i], "--n=", 4) || !strncmp(argv[i], "--naddr=", 8)) continue;
		else if (!strcmp(argv[i], "--")) { i++; break; }
		else {
			fprintf(stderr, "diag_mnl: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (reps < 1) reps = 1;
	assert_not_host_netns();
	if (exec) {
		if (i >= argc) {
			fprintf(stderr, "diag_mnl --exec: no command after --\n");
			return 2;
		}
		return exec_mode("diag_mnl", reps, expect, impl, argv + i);
	}

	struct mnl_socket *nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl) die("mnl_socket_open");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) die("bind");
	struct dump_ctx c = {.cap = expect > 0 ? expect + 16 : 1024, .count = 0};
	c.recs = calloc(c.cap, sizeof *c.recs);
	if (!c.recs) die("calloc");

	enum { BASIC, INFO, ALL, NV };
	static const char *ops[NV] = {"d1_tcp_dump", "d1_tcp_dump_info", "d1_tcp_dump_all"};
	const uint8_t exts[NV] = {
		0,
		1 << (INET_DIAG_INFO - 1),
		(1 << (INET_DIAG_MEMINFO - 1)) | (1 << (INET_DIAG_INFO - 1)) | (1 << (INET_DIAG_VEGASINFO - 1)) |
			(1 << (INET_DIAG_CONG - 1)) | (1 << (INET_DIAG_TOS - 1)) | (1 << (INET_DIAG_TCLASS - 1)) |
			(1 << (INET_DIAG_SKMEMINFO - 1)) | (1 << (INET_DIAG_SHUTDOWN - 1)),
	};
	double *t[NV];
	double cpu_user[NV] = {0}, cpu_sys[NV] = {0};
	for (int v = 0; v < NV; v++) t[v] = calloc(reps, sizeof(double));
	unsigned seq = (unsigned)time(NULL);
	int count = 0;
	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < NV; k++) {
			int v = (r + k) % NV;
			struct rusage ru0, ru1;
			getrusage(RUSAGE_SELF, &ru0);
			double t0 = now_ms();
			int n = dump(nl, ++seq, exts[v], &c);
			t[v][r] = now_ms() - t0;
			getrusage(RUSAGE_SELF, &ru1);
			cpu_user[v] += (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e3 + (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e3;
			cpu_sys[v] += (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e3 + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e3;
			if (expect >= 0 && n != expect) {
				fprintf(stderr, "diag_mnl: %s: expected %d sockets, got %d\n", ops[v], expect, n);
				return 1;
			}
			if (v != BASIC && n > 0 && !c.recs[n - 1].has_info) {
				fprintf(stderr, "diag_mnl: %s: no tcp_info decoded\n", ops[v]);
				return 1;
			}
			count = n;
		}
	}
	mnl_socket_close(nl);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	for (int v = 0; v < NV; v++) {
		double min = t[v][0];
		for (int r = 1; r < reps; r++) if (t[v][r] < min) min = t[v][r];
		double med = median(t[v], reps);
		printf("RESULT impl=%s op=%s n=%d total_ms=%.3f per_op_us=%.3f user_ms=%.2f sys_ms=%.2f reps=%d min_ms=%.3f ext=0x%x maxrss_kb=%ld\n",
		       impl, ops[v], count, med, med * 1e3, cpu_user[v] / reps, cpu_sys[v] / reps, reps, min, exts[v], ru.ru_maxrss);
	}
	return 0;
}
