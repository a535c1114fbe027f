// Capture real kernel messages for the fuzzer: link, address, route, neighbour,
// rule and netconf dumps, errors with extended ACK, the generic netlink controller's family dump
// (`genl ctrl list`), and conntrack entries (a dump, as `conntrack -L`) and events
// (new, update, destroy, as `conntrack -E`), from a fresh netns populated with every
// kind this kernel builds. `node dist/test/fuzz/corpus.js --write` (as root) refreshes
// test/fixtures/kernel-messages.json; the fuzz test also captures live when root.
import { writeFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as sys from '../../src/netlink/sys.js';
import { AF_NETLINK, SOCK_RAW, SOCK_CLOEXEC, SOL_NETLINK, NETLINK_EXT_ACK, NETLINK_ADD_MEMBERSHIP, NETLINK_GENERIC, NETLINK_NETFILTER, MSG_DONTWAIT, NLMSG_DONE, NLMSG_ERROR, align4 } from '../../src/netlink/constants.js';
import { withThreadNetns } from '../../src/netlink/netns-switch.js';
import { rawNetns, inNs } from '../helpers.js';

export const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/kernel-messages.json', import.meta.url));

/** One captured netlink message (a whole nlmsghdr-framed message). */
export interface Captured {
  what: string;
  hex: string;
}

/** A dump of `type` whose family header is `hdrLen` bytes with `family` (rtgenmsg's, nfgenmsg's) or genlmsghdr's cmd first, then `second`. */
function dumpRaw(fd: number, type: number, family: number, hdrLen: number, second = 0): Buffer[] {
  const req = Buffer.alloc(16 + align4(hdrLen));
  req.writeUInt32LE(req.length, 0);
  req.writeUInt16LE(type, 4);
  req.writeUInt16LE(0x301, 6); // REQUEST | DUMP
  req.writeUInt32LE(1, 8);
  req[16] = family;
  req[17] = second;
  if (sys.send(fd, req, req.length, 0) < 0) throw new Error('send failed');
  const out: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    const n = sys.recv(fd, buf, 0);
    if (n <= 0) break;
    let off = 0;
    let done = false;
    while (off + 16 <= n) {
      const len = buf.readUInt32LE(off);
      const t = buf.readUInt16LE(off + 4);
      if (t === NLMSG_DONE || t === NLMSG_ERROR) done = true;
      out.push(Buffer.from(buf.subarray(off, off + len)));
      off += align4(len);
    }
    if (done) break;
  }
  return out;
}

/** Every message queued on `fd` now (multicast notifications). */
function drainRaw(fd: number): Buffer[] {
  const out: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (let n; (n = sys.recv(fd, buf, MSG_DONTWAIT)) > 0; ) {
    for (let off = 0; off + 16 <= n; ) {
      const len = buf.readUInt32LE(off);
      if (len < 16) break;
      out.push(Buffer.from(buf.subarray(off, off + len)));
      off += align4(len);
    }
  }
  return out;
}

function requestRaw(fd: number, msg: Buffer): Buffer[] {
  sys.send(fd, msg, msg.length, 0);
  const buf = Buffer.alloc(65536);
  const n = sys.recv(fd, buf, MSG_DONTWAIT);
  return n > 0 ? [Buffer.from(buf.subarray(0, n))] : [];
}

/** Populate a fresh netns and capture messages from it (needs root). */
export function captureLive(): Captured[] {
  const ns = rawNetns();
  try {
    const sh = (script: string) => inNs(ns.path, 'sh', ['-c', script]);
    sh(`ip link set lo up
ip link add v0 type veth peer name v1
ip link add br0 type bridge
ip link set v1 master br0
ip link set v0 up; ip link set v1 up; ip link set br0 up
ip link add mv0 link v0 type macvlan mode bridge
ip link add vx0 type vxlan id 42 dstport 4789 local 10.9.0.1
ip link add ifb0 type ifb
ip tuntap add tap0 mode tap
ip link set v0 alias uplink
ip link property add dev v0 altname a-long-alternative-name
ip addr add 10.9.0.1/24 dev v0
ip addr add 10.9.1.1/32 peer 10.9.1.2 dev v0
ip -6 addr add 2001:db8::1/64 dev v0 nodad
ip route add 10.20.0.0/16 via 10.9.0.254
ip route add 10.21.0.0/16 nexthop via 10.9.0.253 weight 1 nexthop via 10.9.0.252 weight 2
ip route add blackhole 10.22.0.0/16
ip -6 route add 2001:db8:1::/64 via 2001:db8::fe
ip neigh add 10.9.0.7 lladdr 02:00:00:00:00:07 dev v0
ip neigh add proxy 10.9.0.8 dev v0
bridge fdb add 02:00:00:00:00:09 dev v1 master static
bridge fdb add 00:00:00:00:00:00 dev vx0 dst 10.9.0.2 port 4790 vni 100
ip rule add from 10.9.0.0/24 table 100 priority 100
ip rule add fwmark 0x10/0xff table 101 priority 101
sysctl -qw net.ipv4.conf.v0.rp_filter=2 net.ipv4.conf.v1.rp_filter=1 net.ipv4.conf.v0.proxy_arp=1 net.ipv4.conf.all.forwarding=1
sysctl -qw net.ipv6.conf.v0.proxy_ndp=1 net.ipv6.conf.default.ignore_routes_with_linkdown=1`);
    return withThreadNetns(ns.fd, () => {
      const fd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
      try {
        sys.setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
        const out: Captured[] = [];
        const add = (what: string, msgs: Buffer[]) => msgs.forEach((m) => out.push({ what, hex: m.toString('hex') }));
        add('link', dumpRaw(fd, 18, 0, 16));
        add('addr', dumpRaw(fd, 22, 0, 8));
        add('route', dumpRaw(fd, 26, 0, 12));
        add('neigh', dumpRaw(fd, 30, 0, 12));
        // The bridge's AF_BRIDGE messages: its ports (RTM_NEWLINK) and its FDB (RTM_NEWNEIGH), vxlan remotes included.
        add('link', dumpRaw(fd, 18, 7, 16));
        add('neigh', dumpRaw(fd, 30, 7, 12));
        add('rule', dumpRaw(fd, 34, 0, 12));
        // Every family's netconf sets (RTM_GETNETCONF 82, AF_UNSPEC; struct netconfmsg padded to 4).
        add('netconf', dumpRaw(fd, 82, 0, 4));
        // Errors with extended ACK: an unknown kind and an over-long name.
        const bad = (name: string, kind?: string) => {
          const parts: Buffer[] = [];
          const attr = (type: number, payload: Buffer) => {
            const h = Buffer.alloc(4);
            h.writeUInt16LE(4 + payload.length, 0);
            h.writeUInt16LE(type, 2);
            const pad = Buffer.alloc(align4(payload.length) - payload.length);
            return Buffer.concat([h, payload, pad]);
          };
          parts.push(Buffer.alloc(16));
          parts.push(attr(3, Buffer.from(name + '\0')));
          if (kind) parts.push(attr(18 | 0x8000, attr(1, Buffer.from(kind + '\0'))));
          const body = Buffer.concat(parts);
          const h = Buffer.alloc(16);
          h.writeUInt32LE(16 + body.length, 0);
          h.writeUInt16LE(16, 4);
          h.writeUInt16LE(0x605, 6);
          h.writeUInt32LE(7, 8);
          return Buffer.concat([h, body]);
        };
        add('error', requestRaw(fd, bad('x0', 'nosuchkind')));
        add('error', requestRaw(fd, bad('twenty-byte-name-xyz')));
        // The controller's description of every family: CTRL_CMD_GETFAMILY (cmd 3, version 2) to nlctrl (GENL_ID_CTRL 0x10).
        const gfd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
        try {
          add('genl-family', dumpRaw(gfd, 0x10, 3, 4, 2));
        } finally {
          sys.close(gfd);
        }
        // Conntrack entries of every protocol kind, with counters and timestamps; then the
        // events of a creation, a change and a destruction (NFNLGRP_CONNTRACK_NEW/UPDATE/DESTROY 1..3).
        const ev = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        const cfd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        try {
          sh(`sysctl -qw net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1 net.netfilter.nf_conntrack_events=1
conntrack -I -p tcp -s 10.9.0.1 -d 10.9.0.2 --sport 40000 --dport 80 --state ESTABLISHED -t 100 -m 5 -w 3
conntrack -I -p udp -s 2001:db8::1 -d 2001:db8::2 --sport 5353 --dport 53 -t 50
conntrack -I -p icmp -s 10.9.0.1 -d 10.9.0.3 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30
conntrack -I -p icmpv6 -s 2001:db8::1 -d 2001:db8::3 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 78 -t 30
conntrack -I -p sctp -s 10.9.0.1 -d 10.9.0.4 --sport 9 --dport 10 --state ESTABLISHED --orig-vtag 1 --reply-vtag 2 -t 30`);
          add('conntrack', dumpRaw(cfd, 0x101, 0, 4)); // IPCTNL_MSG_CT_GET, AF_UNSPEC: every family
          // Bound first: the kernel's multicast skips a socket without a port id.
          const sa = Buffer.alloc(12);
          sa.writeUInt16LE(AF_NETLINK, 0);
          sys.bind(ev, sa);
          for (const g of [1, 2, 3]) sys.setsockoptInt(ev, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g);
          sh(`conntrack -I -p udp -s 10.9.0.1 -d 10.9.0.5 --sport 1 --dport 2 -t 30
conntrack -U -p udp -s 10.9.0.1 -d 10.9.0.5 -m 9
conntrack -D -p udp -s 10.9.0.1 -d 10.9.0.5
conntrack -D -p tcp`);
          add('conntrack', drainRaw(ev));
        } finally {
          sys.close(ev);
          sys.close(cfd);
        }
        return out;
      } finally {
        sys.close(fd);
      }
    });
  } finally {
    ns.close();
  }
}

/** The committed corpus. */
export function loadFixture(): Captured[] {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Captured[];
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  const c = captureLive();
  writeFileSync(FIXTURE, JSON.stringify(c, null, 1) + '\n');
  const counts: Record<string, number> = {};
  for (const m of c) counts[m.what] = (counts[m.what] ?? 0) + 1;
  console.log(`wrote ${c.length} messages to ${FIXTURE}:`, counts);
}
