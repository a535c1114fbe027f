// libmnl like-for-like reference for nlkit's setupVeth(): per pair, sequentially (send
// one request, wait for its answer), the requests setupVeth sends on its default path
// (checked with NODE_DEBUG=nlkit). c<i> lives in this netns (the container netns), h<i>
// in netns 2 (the host netns). Default, --path=host (setupVeth with one handle, given a
// container MAC): every request on one socket opened once, up front, inside netns 2
// (a kept handle):
//
//   1. RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL|NLM_F_ACK, ifi_flags IFF_UP, IFLA_IFNAME c<i>,
//      IFLA_MTU 1500, IFLA_ADDRESS 02:00:00:00:hi:lo, IFLA_NET_NS_FD <this netns>,
//      IFLA_LINKINFO { veth, IFLA_INFO_DATA { VETH_INFO_PEER { ifinfomsg, IFLA_IFNAME h<i>,
//      IFLA_MTU 1500, IFLA_NET_NS_FD <netns 2> } } } -> ACK (no echo: the kernel would
//      send it to the port in c<i>'s netns);
//   2. RTM_NEWLINK NLM_F_ACK IFF_UP on h<i> by IFLA_IFNAME -> ACK;
//   3. RTM_GETLINK h<i> by name -> RTM_NEWLINK (index, name, MAC, IFLA_LINK = c<i>'s index
//      decoded).
//
// --path=echo (setupVeth's earlier path, two handles per call): step 1 without IFLA_NET_NS_FD on
// c<i>, with NLM_F_ECHO, on a socket in this netns (the echo decoded: index, name, MAC);
// steps 2 (with NLM_F_ECHO, which the kernel ignores for a change) and 3 on the netns-2
// socket.
//
// Step 2 turns carrier on for both ends, so the kernel does the work a real container
// veth costs (linkwatch, IPv6 addrconf on both ends …), which C W1 of ../shared/peers
// (peer left down) does not. The sockets set NETLINK_EXT_ACK, NETLINK_CAP_ACK and
// NETLINK_GET_STRICT_CHK, as nlkit's Rtnl handles do. Not timed: opening the sockets and
// netns 2, and the cleanup (each c<i> put in group 77, then one RTM_DELLINK by group).
//
//   unshare -n setupveth_mnl [--n=N] [--impl=NAME] [--path=host|echo] [--readback=none] [--queues=Q]
//                            [--sockets=kept|per-pair]
//     --queues=Q       IFLA_NUM_TX_QUEUES and IFLA_NUM_RX_QUEUES Q on both ends of the create
//                      (setupVeth's options.queues)
//     --sockets=per-pair  open the netns-2 socket for each pair and close it after, as
//                      setupVeth's default path does (a handle per call); the default,
//                      --sockets=kept, opens it once (setupVeth with options.handles)
//     --readback=none  no NLM_F_ECHO and no GETLINK (create + peer up only: the kernel
//                      work alone, like nlkit's w1-peerup workload)
//   --reps and --naddr are accepted and ignored (the suite passes them to every peer).
//
// Output: one RESULT line in the format of ../shared/peers (op=w1_create, per_op_us per
// pair) with the time per step in extra fields. Must run inside a throwaway network
// namespace holding only lo; refuses the host netns (PBENCH_HOST_NETNS, set by the runner).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

#define GROUP 77

static const char *impl = "c-libmnl-setupveth";
static uint32_t seqno = 1;
static long not_ready = 0;

/* One rtnetlink socket: the libmnl handle, its fd and port id. */
struct sock {
	struct mnl_socket *nl;
	int fd;
	uint32_t portid;
};

/* What setupVeth keeps of each end it reads back. */
struct end {
	int index;
	char name[IFNAMSIZ];
	unsigned char mac[6];
	int has_mac;
	int link;
};

static double now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
static void cpu_ms(double *u, double *s) {
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	*u = r.ru_utime.tv_sec * 1e3 + r.ru_utime.tv_usec / 1e3;
	*s = r.ru_stime.tv_sec * 1e3 + r.ru_stime.tv_usec / 1e3;
}
static void die(const char *m) { perror(m); exit(1); }

static void sock_open(struct sock *s) {
	s->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s->nl) die("mnl_socket_open2");
	s->fd = mnl_socket_get_fd(s->nl);
	int one = 1;
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one)) die("NETLINK_EXT_ACK");
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one)) die("NETLINK_CAP_ACK");
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one)) die("NETLINK_GET_STRICT_CHK");
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) die("bind");
	s->portid = mnl_socket_get_portid(s->nl);
}

/* ---------- replies ---------- */

static int link_attr_cb(const struct nlattr *a, void *data) {
	const struct nlattr **tb = data;
	int t = mnl_attr_get_type(a);
	if (t <= IFLA_MAX) tb[t] = a;
	return MNL_CB_OK;
}
/* Decode index, name, MAC and IFLA_LINK of an RTM_NEWLINK (the echo or the GETLINK reply). */
static int link_cb(const struct nlmsghdr *nlh, void *data) {
	struct end *e = data;
	if (nlh->nlmsg_type != RTM_NEWLINK) return MNL_CB_OK;
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb) < 0) return MNL_CB_ERROR;
	e->index = ifm->ifi_index;
	if (tb[IFLA_IFNAME]) snprintf(e->name, sizeof e->name, "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_LINK]) e->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(e->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		e->has_mac = 1;
	}
	return MNL_CB_OK;
}

static int count_cb(const struct nlmsghdr *nlh, void *data) {
	if (nlh->nlmsg_type == RTM_NEWLINK) ++*(int *)data;
	return MNL_CB_OK;
}

/*
 * Send one request and read its whole answer: the echo (if any) and the ACK, or the one
 * GETLINK reply. mnl_cb_run checks sequence and port id and turns NLMSG_ERROR into
 * errno; it returns MNL_CB_STOP on the ACK. A GET without NLM_F_ACK ends with its reply.
 */
static void exchange(struct sock *s, struct nlmsghdr *nlh, struct end *e, const char *what) {
	static char buf[16384];
	int want_ack = (nlh->nlmsg_flags & NLM_F_ACK) != 0;
	uint32_t seq = nlh->nlmsg_seq;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0) die("sendto");
	int first = 1;
	for (;;) {
		ssize_t n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN) {
			if (first) not_ready++;
			n = recv(s->fd, buf, sizeof buf, 0);
		}
		first = 0;
		if (n < 0) die("recv");
		int r = mnl_cb_run(buf, n, seq, s->portid, link_cb, e);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", what, strerror(errno));
			exit(2);
		}
		if (r == MNL_CB_STOP || !want_ack) return;
	}
}

/* ---------- requests ---------- */

static struct nlmsghdr *begin(char *buf, uint16_t type, uint16_t flags) {
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seqno++;
	return nlh;
}
static struct ifinfomsg *put_ifinfomsg(struct nlmsghdr *nlh, int index, unsigned flags) {
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	ifm->ifi_flags = flags;
	ifm->ifi_change = flags;
	return ifm;
}

int main(int argc, char **argv) {
	int N = 1000, readback = 1, path_echo = 0, queues = 0, per_pair = 0;
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--n=", 4)) N = atoi(argv[i] + 4);
		else if (!strncmp(argv[i], "--reps=", 7) || !strncmp(argv[i], "--naddr=", 8)) continue;
		else if (!strcmp(argv[i], "--readback=none")) readback = 0;
		else if (!strcmp(argv[i], "--path=host")) path_echo = 0;
		else if (!strcmp(argv[i], "--path=echo")) path_echo = 1;
		else if (!strncmp(argv[i], "--queues=", 9)) {
			char *end;
			long q = strtol(argv[i] + 9, &end, 10);
			if (*end || q < 1 || q > 4096) { fprintf(stderr, "--queues must be 1..4096\n"); return 1; }
			queues = (int)q;
		}
		else if (!strcmp(argv[i], "--sockets=per-pair")) per_pair = 1;
		else if (!strcmp(argv[i], "--sockets=kept")) per_pair = 0;
		else if (!strncmp(argv[i], "--impl=", 7)) impl = argv[i] + 7;
		else { fprintf(stderr, "bad arg %s\n", argv[i]); return 1; }
	}
	if (N < 1 || N > 65535) { fprintf(stderr, "--n must be 1..65535\n"); return 1; }
	if (per_pair && path_echo) { fprintf(stderr, "--sockets=per-pair goes with --path=host\n"); return 1; }

	/* Safety, as in ../shared/peers: never the host netns, and only a fresh one. */
	{
		char cur[64] = {0};
		const char *host = getenv("PBENCH_HOST_NETNS");
		if (readlink("/proc/self/ns/net", cur, sizeof cur - 1) < 0) die("readlink ns");
		if (!host || !*host) { fprintf(stderr, "PBENCH_HOST_NETNS not set; run via the suite (unshare -n)\n"); return 3; }
		if (!strcmp(cur, host)) { fprintf(stderr, "refusing to run in the host network namespace; use unshare -n\n"); return 3; }
	}

	/* netns 2 (the "host" netns of setupVeth): unshare, keep an fd, open the kept
	 * socket inside it, switch back. */
	struct sock ctr, hst;
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) die("open ns");
	if (unshare(CLONE_NEWNET)) die("unshare");
	int ns2fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns2fd < 0) die("open ns2");
	sock_open(&hst);
	if (setns(orig, CLONE_NEWNET)) die("setns back");
	sock_open(&ctr); /* fd `orig` stays open: IFLA_NET_NS_FD of this netns (--path=host) */

	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	{
		/* Fresh: this netns holds only lo (one GETLINK dump). */
		static char rb[32768];
		int count = 0;
		nlh = begin(buf, RTM_GETLINK, NLM_F_DUMP);
		put_ifinfomsg(nlh, 0, 0);
		uint32_t seq = nlh->nlmsg_seq;
		if (mnl_socket_sendto(ctr.nl, nlh, nlh->nlmsg_len) < 0) die("dump send");
		for (;;) {
			ssize_t n = mnl_socket_recvfrom(ctr.nl, rb, sizeof rb);
			if (n < 0) die("dump recv");
			int r = mnl_cb_run(rb, n, seq, ctr.portid, count_cb, &count);
			if (r < 0) die("dump");
			if (r == MNL_CB_STOP) break;
		}
		if (count != 1) { fprintf(stderr, "namespace is not fresh (%d links); refusing\n", count); return 3; }
	}

	char c[IFNAMSIZ], h[IFNAMSIZ], extra[512];
	double t_create = 0, t_up = 0, t_get = 0, u0, s0, u1, s1;
	uint16_t echo = readback && path_echo ? NLM_F_ECHO : 0;
	struct sock *create_on = path_echo ? &ctr : &hst;
	struct end ce, he;
	if (per_pair) mnl_socket_close(hst.nl); /* each pair opens its own below */
	cpu_ms(&u0, &s0);
	double t0 = now_ms();
	for (int i = 0; i < N; i++) {
		snprintf(c, sizeof c, "c%d", i);
		snprintf(h, sizeof h, "h%d", i);
		unsigned char mac[6] = {0x02, 0, 0, 0, (unsigned char)(i >> 8), (unsigned char)i};
		double a = now_ms();
		if (per_pair) {
			/* setupVeth's default path: a socket opened in netns 2 for this pair (setns
			 * there and back, as Rtnl.open({ netns }) does), closed at the end of it. */
			if (setns(ns2fd, CLONE_NEWNET)) die("setns ns2");
			sock_open(&hst);
			if (setns(orig, CLONE_NEWNET)) die("setns back");
		}

		/* 1. create, container end up inline, each end born in its netns */
		nlh = begin(buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL | echo);
		put_ifinfomsg(nlh, 0, IFF_UP);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, c);
		mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
		if (queues) {
			mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, (uint32_t)queues);
			mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, (uint32_t)queues);
		}
		if (!path_echo) mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)orig);
		struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
		struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		struct nlattr *pe = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
		struct ifinfomsg *pifm = mnl_nlmsg_get_payload_tail(nlh);
		memset(pifm, 0, sizeof(*pifm));
		nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifm));
		mnl_attr_put_strz(nlh, IFLA_IFNAME, h);
		mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
		if (queues) {
			mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, (uint32_t)queues);
			mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, (uint32_t)queues);
		}
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns2fd);
		mnl_attr_nest_end(nlh, pe);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, li);
		memset(&ce, 0, sizeof ce);
		exchange(create_on, nlh, &ce, "create");
		double b = now_ms();

		/* 2. host end up, from the socket in netns 2 */
		nlh = begin(buf, RTM_NEWLINK, NLM_F_ACK | echo);
		put_ifinfomsg(nlh, 0, IFF_UP);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, h);
		memset(&he, 0, sizeof he);
		exchange(&hst, nlh, &he, "peer up");
		double d = now_ms();

		/* 3. read the host end back in its own netns (with the peer's index) */
		if (readback) {
			nlh = begin(buf, RTM_GETLINK, 0);
			put_ifinfomsg(nlh, 0, 0);
			mnl_attr_put_strz(nlh, IFLA_IFNAME, h);
			exchange(&hst, nlh, &he, "getlink");
			if (path_echo && (ce.index <= 0 || !ce.has_mac || memcmp(ce.mac, mac, 6) || strcmp(ce.name, c))) { fprintf(stderr, "%s: bad echo\n", c); return 2; }
			if (he.index <= 0 || !he.has_mac || he.link <= 0 || strcmp(he.name, h)) { fprintf(stderr, "%s: bad read-back\n", h); return 2; }
		}
		if (per_pair) mnl_socket_close(hst.nl);
		double e = now_ms();
		t_create += b - a;
		t_up += d - b;
		t_get += e - d;
	}
	double t1 = now_ms();
	cpu_ms(&u1, &s1);
	snprintf(extra, sizeof extra,
	         "api=setupveth path=%s sockets=%s queues=%d requests=%d readback=%s create_us=%.1f peer_up_us=%.1f getlink_us=%.1f acks_not_ready_after_send=%ld",
	         path_echo ? "echo" : "host", per_pair ? "per-pair" : "kept", queues, N * (readback ? 3 : 2), !readback ? "none" : path_echo ? "echo+getlink" : "getlink", t_create * 1e3 / N, t_up * 1e3 / N, t_get * 1e3 / N, not_ready);
	printf("RESULT impl=%s op=w1_create n=%d total_ms=%.3f per_op_us=%.3f user_ms=%.1f sys_ms=%.1f %s\n",
	       impl, N, t1 - t0, (t1 - t0) * 1e3 / N, u1 - u0, s1 - s0, extra);
	fflush(stdout);

	/* Cleanup, not timed: group the pairs, one DELLINK by group (W2 group delete), so the
	 * netns teardown after this process does not unregister 2N devices one by one. */
	for (int i = 0; i < N; i++) {
		snprintf(c, sizeof c, "c%d", i);
		nlh = begin(buf, RTM_NEWLINK, NLM_F_ACK);
		put_ifinfomsg(nlh, 0, 0);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, c);
		mnl_attr_put_u32(nlh, IFLA_GROUP, GROUP);
		exchange(&ctr, nlh, &ce, "set group");
	}
	nlh = begin(buf, RTM_DELLINK, NLM_F_ACK);
	put_ifinfomsg(nlh, 0, 0);
	mnl_attr_put_u32(nlh, IFLA_GROUP, GROUP);
	exchange(&ctr, nlh, &ce, "delete by group");
	if (!per_pair) mnl_socket_close(hst.nl);
	mnl_socket_close(ctr.nl);
	close(ns2fd);
	close(orig);
	return 0;
}
