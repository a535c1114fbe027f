// Hand-built netlink requests for the raw (no nlkit code) sides of the benchmarks:
// bench/raw-koffi.ts (the Node floor), bench/warmup.ts and the A/B diagnostics of
// bench/nlkit.ts. Only nlkit's syscall bindings (src/netlink/sys.ts) are used.
import * as sys from '../src/netlink/sys.js';
import { tlv, strz, u32le } from './common.js';

/** A netlink message: nlmsghdr (pid 0) + body. */
export function nlmsg(type: number, flags: number, seq: number, body: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags, 6);
  h.writeUInt32LE(seq, 8);
  return Buffer.concat([h, body]);
}

/** struct ifinfomsg (AF_UNSPEC) with ifi_flags = ifi_change = `flags`. */
export function ifinfomsg(flags: number, index = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(flags, 12);
  return b;
}

/**
 * The RTM_NEWLINK body of W1 as C libmnl seq (--up=inline) sends it: `host` up here, its
 * veth peer `peer` born in the netns of fd `ns2` (IFLA_NET_NS_FD in VETH_INFO_PEER), no
 * NLA_F_NESTED flags (libmnl sets none); optionally in IFLA_GROUP `group`, and with `queues`
 * TX and RX queues on both ends.
 */
export function w1CreateBody(host: string, peer: string, ns2: number, group?: number, queues?: number): Buffer {
  // IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES on both ends when `queues` is given.
  const q = queues !== undefined ? [tlv(31 /* IFLA_NUM_TX_QUEUES */, u32le(queues)), tlv(32 /* IFLA_NUM_RX_QUEUES */, u32le(queues))] : [];
  const p = tlv(1 /* VETH_INFO_PEER */, Buffer.concat([ifinfomsg(0), tlv(3 /* IFLA_IFNAME */, strz(peer)), tlv(28 /* IFLA_NET_NS_FD */, u32le(ns2)), ...q]));
  const li = tlv(18 /* IFLA_LINKINFO */, Buffer.concat([tlv(1 /* IFLA_INFO_KIND */, strz('veth')), tlv(2 /* IFLA_INFO_DATA */, p)]));
  return Buffer.concat([ifinfomsg(1 /* IFF_UP */), tlv(3, strz(host)), ...(group !== undefined ? [tlv(27 /* IFLA_GROUP */, u32le(group))] : []), ...q, li]);
}

/** The fd of a second, anonymous netns (unshare, keep an fd, switch back), as the C peer makes it. */
export function secondNetns(): number {
  const orig = sys.open('/proc/thread-self/ns/net', sys.O_RDONLY);
  try {
    sys.unshare(sys.CLONE_NEWNET);
    const fd = sys.open('/proc/thread-self/ns/net', sys.O_RDONLY);
    sys.setns(orig, sys.CLONE_NEWNET);
    return fd;
  } finally {
    sys.close(orig);
  }
}
