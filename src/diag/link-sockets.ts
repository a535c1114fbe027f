/**
 * Netlink and packet sockets as socket diagnostics describe them (netlink_diag,
 * packet_diag): what `ss -f netlink` and `ss -0` list, and /proc/net/netlink and
 * /proc/net/packet show.
 * @module
 */
import { DecodeError, HOST_LE, checkAttr, copyBytes, hexColon, NLA_TYPE_MASK, type MessageWriter, type RawAttribute } from '../netlink/index.js';
import * as D from './constants.js';
import type { SkMemInfo } from './diag.js';
import { cookieAt, need, skMemInfo } from './common.js';

/** The flags of a netlink socket (NETLINK_DIAG_FLAGS), by name. */
export type NetlinkSocketFlag = 'cb-running' | 'pktinfo' | 'broadcast-error' | 'no-enobufs' | 'listen-all-nsid' | 'cap-ack';
const NETLINK_FLAGS: readonly (readonly [NetlinkSocketFlag, number])[] = [
  ['cb-running', D.NDIAG_FLAG_CB_RUNNING], ['pktinfo', D.NDIAG_FLAG_PKTINFO], ['broadcast-error', D.NDIAG_FLAG_BROADCAST_ERROR],
  ['no-enobufs', D.NDIAG_FLAG_NO_ENOBUFS], ['listen-all-nsid', D.NDIAG_FLAG_LISTEN_ALL_NSID], ['cap-ack', D.NDIAG_FLAG_CAP_ACK],
];

/** A netlink socket of the netns (struct netlink_diag_msg and its attributes): a line of `ss -f netlink -e -m`, or of /proc/net/netlink. */
export interface NetlinkSocketInfo {
  /** Its netlink protocol: NETLINK_ROUTE (0), NETLINK_SOCK_DIAG (4), NETLINK_GENERIC (16), … */
  readonly protocol: number;
  /** SOCK_RAW (3) or SOCK_DGRAM (2). */
  readonly type: number;
  /**
   * 'close' unconnected, 'established' connected to a peer. The kernel sends sk_state: TCP_CLOSE
   * (7) for a socket never connected, NETLINK_CONNECTED (1, TCP_ESTABLISHED's number) for a
   * connected one, NETLINK_UNCONNECTED (0) for one disconnected since (connect AF_UNSPEC).
   */
  readonly state: 'close' | 'established' | 'unknown';
  /** The port id it is bound to (the first socket of a process usually its pid); 0 is the kernel's own socket of the protocol. */
  readonly portId: number;
  /** The port id it is connected to (0: the kernel, or none). */
  readonly peerPortId: number;
  /** The multicast group it is connected to (0: none). */
  readonly peerGroup: number;
  /** The socket's inode. */
  readonly inode: number;
  /** The socket's cookie. */
  readonly cookie: bigint;
  /** The multicast groups it joined, by number (NETLINK_DIAG_GROUPS). */
  readonly groups: readonly number[];
  /** Its memory (NETLINK_DIAG_MEMINFO). */
  readonly skMemInfo?: SkMemInfo | undefined;
  /** NETLINK_DIAG_FLAGS by name; 'cb-running' is a dump in progress. */
  readonly flags: readonly NetlinkSocketFlag[];
  /** NETLINK_DIAG_FLAGS as sent. */
  readonly rawFlags: number;
  /** Attributes nlkit does not decode (the rings of old kernels, …), kept raw. */
  readonly unknown: readonly RawAttribute[];
}

/** A packet socket's flags (struct packet_diag_info pdi_flags), by name. */
export type PacketSocketFlag = 'running' | 'auxdata' | 'origdev' | 'vnethdr' | 'loss';
const PACKET_FLAGS: readonly (readonly [PacketSocketFlag, number])[] = [
  ['running', D.PDI_RUNNING], ['auxdata', D.PDI_AUXDATA], ['origdev', D.PDI_ORIGDEV], ['vnethdr', D.PDI_VNETHDR], ['loss', D.PDI_LOSS],
];

/** An AF_PACKET socket of the netns (struct packet_diag_msg and its attributes): a line of `ss -0 -e -m`, or of /proc/net/packet. */
export interface PacketSocket {
  /** SOCK_RAW (3: with link-layer headers) or SOCK_DGRAM (2: without). */
  readonly type: number;
  /** The ethertype it receives (host order): 0x0003 ETH_P_ALL (every frame), 0x0800 IPv4, …; 0 none yet. */
  readonly protocol: number;
  /** The socket's inode. */
  readonly inode: number;
  /** The socket's cookie. */
  readonly cookie: bigint;
  /** The ifindex it is bound to (PACKET_DIAG_INFO pdi_index); 0 for every device. */
  readonly interface: number;
  /** TPACKET version (PACKET_VERSION: 0 is TPACKET_V1). */
  readonly version: number;
  /** PACKET_RESERVE: headroom reserved before each frame of a PACKET_MMAP ring, bytes (pdi_reserve). */
  readonly reserve: number;
  /** PACKET_COPY_THRESH. */
  readonly copyThreshold: number;
  /** PACKET_TIMESTAMP's flags. */
  readonly timestamp: number;
  /** pdi_flags by name ('running': bound to a device that is up, receiving). */
  readonly flags: readonly PacketSocketFlag[];
  /** pdi_flags as sent. */
  readonly rawFlags: number;
  /**
   * Multicast and promiscuous memberships (PACKET_ADD_MEMBERSHIP, struct packet_diag_mclist):
   * the device's ifindex, how many times it was added, its PACKET_MR_* type (0 MULTICAST,
   * 1 PROMISC, 2 ALLMULTI, 3 UNICAST) and its address, colon-separated hex ('' without one).
   */
  readonly memberships: readonly { readonly interface: number; readonly count: number; readonly type: number; readonly address: string }[];
  /**
   * PACKET_FANOUT: the group id and its mode (PACKET_FANOUT_HASH 0, LB 1, CPU 2, ROLLOVER 3,
   * RND 4, QM 5, CBPF 6, EBPF 7); absent when not in a fanout group. The kernel reports
   * the mode alone, not the flags (ROLLOVER, DEFRAG, …) it was joined with.
   */
  readonly fanout?: { readonly id: number; readonly type: number } | undefined;
  /** The owner's uid. */
  readonly uid?: number | undefined;
  /** Its memory. */
  readonly skMemInfo?: SkMemInfo | undefined;
  /** The attached classic BPF filter (struct sock_filter array), as bytes. */
  readonly filter?: Uint8Array | undefined;
  /** Attributes nlkit does not decode (the rings of PACKET_MMAP), kept raw. */
  readonly unknown: readonly RawAttribute[];
}

/** sk_state of a netlink socket disconnected with connect(AF_UNSPEC) (linux/netlink.h). */
const NETLINK_UNCONNECTED = 0;
const NETLINK_PATH = ['netlink_diag_msg'];
const PACKET_PATH = ['packet_diag_msg'];
const NLMSG_HDRLEN = 16;
const NO_ATTRS: readonly RawAttribute[] = Object.freeze([]);
const NO_NAMES: readonly never[] = Object.freeze([]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };


/** @internal A netlink_diag dump request: every protocol (NDIAG_PROTO_ALL) or one, everything shown. */
export function putNetlinkReq(w: MessageWriter, protocol: number): void {
  const o = w.reserve(D.SIZEOF_NETLINK_DIAG_REQ);
  const v = w.view;
  w.buf[o + D.OFF_NETLINK_DIAG_REQ_SDIAG_FAMILY] = D.AF_NETLINK;
  w.buf[o + D.OFF_NETLINK_DIAG_REQ_SDIAG_PROTOCOL] = protocol;
  v.setUint32(o + D.OFF_NETLINK_DIAG_REQ_NDIAG_SHOW, D.NDIAG_SHOW_MEMINFO | D.NDIAG_SHOW_GROUPS | D.NDIAG_SHOW_FLAGS, HOST_LE);
  v.setUint32(o + D.OFF_NETLINK_DIAG_REQ_NDIAG_COOKIE, D.INET_DIAG_NOCOOKIE, HOST_LE);
  v.setUint32(o + D.OFF_NETLINK_DIAG_REQ_NDIAG_COOKIE + 4, D.INET_DIAG_NOCOOKIE, HOST_LE);
}

/** @internal A packet_diag dump request, everything shown (the kernel takes no protocol: it must be 0). */
export function putPacketReq(w: MessageWriter): void {
  const o = w.reserve(D.SIZEOF_PACKET_DIAG_REQ);
  const v = w.view;
  w.buf[o + D.OFF_PACKET_DIAG_REQ_SDIAG_FAMILY] = D.AF_PACKET;
  v.setUint32(o + D.OFF_PACKET_DIAG_REQ_PDIAG_SHOW, D.PACKET_SHOW_INFO | D.PACKET_SHOW_MCLIST | D.PACKET_SHOW_RING_CFG | D.PACKET_SHOW_FANOUT | D.PACKET_SHOW_MEMINFO | D.PACKET_SHOW_FILTER, HOST_LE);
  v.setUint32(o + D.OFF_PACKET_DIAG_REQ_PDIAG_COOKIE, D.INET_DIAG_NOCOOKIE, HOST_LE);
  v.setUint32(o + D.OFF_PACKET_DIAG_REQ_PDIAG_COOKIE + 4, D.INET_DIAG_NOCOOKIE, HOST_LE);
}

/** @internal A netlink_diag reply as a NetlinkSocketInfo. */
export function decodeNetlinkSocket(buf: Buffer, view: DataView, off: number, len: number): NetlinkSocketInfo {
  if (len < NLMSG_HDRLEN + D.SIZEOF_NETLINK_DIAG_MSG) throw new DecodeError('netlink_diag_msg', NETLINK_PATH, off, NLMSG_HDRLEN + D.SIZEOF_NETLINK_DIAG_MSG, len);
  const m = off + NLMSG_HDRLEN;
  const st = buf[m + D.OFF_NETLINK_DIAG_MSG_NDIAG_STATE]!;
  const s: Mutable<NetlinkSocketInfo> = {
    protocol: buf[m + D.OFF_NETLINK_DIAG_MSG_NDIAG_PROTOCOL]!,
    type: buf[m + D.OFF_NETLINK_DIAG_MSG_NDIAG_TYPE]!,
    state: st === D.BPF_TCP_CLOSE || st === NETLINK_UNCONNECTED ? 'close' : st === D.BPF_TCP_ESTABLISHED ? 'established' : 'unknown',
    portId: view.getUint32(m + D.OFF_NETLINK_DIAG_MSG_NDIAG_PORTID, HOST_LE),
    peerPortId: view.getUint32(m + D.OFF_NETLINK_DIAG_MSG_NDIAG_DST_PORTID, HOST_LE),
    peerGroup: view.getUint32(m + D.OFF_NETLINK_DIAG_MSG_NDIAG_DST_GROUP, HOST_LE),
    inode: view.getUint32(m + D.OFF_NETLINK_DIAG_MSG_NDIAG_INO, HOST_LE),
    cookie: cookieAt(view, m + D.OFF_NETLINK_DIAG_MSG_NDIAG_COOKIE),
    groups: NO_NAMES, flags: NO_NAMES, rawFlags: 0, unknown: NO_ATTRS,
  };
  let unknown: RawAttribute[] | undefined;
  const end = off + len;
  for (let a = off + NLMSG_HDRLEN + ((D.SIZEOF_NETLINK_DIAG_MSG + 3) & ~3); end - a >= 4; ) {
    const al = checkAttr(view, a, end, NETLINK_PATH);
    const o = a + 4;
    const l = al - 4;
    switch (view.getUint16(a + 2, HOST_LE) & NLA_TYPE_MASK) {
      case D.NETLINK_DIAG_MEMINFO: s.skMemInfo = skMemInfo(view, o, l); break;
      case D.NETLINK_DIAG_GROUPS: {
        // A bitmap of unsigned longs in host order, bit N-1 for group N: read as bytes, which
        // on a little-endian host are in bit order whatever the word size.
        const g: number[] = [];
        for (let i = 0; i < l; i++) {
          const byte = HOST_LE ? buf[o + i]! : buf[o + (i ^ 7)]!;
          for (let b = 0; b < 8; b++) if (byte & (1 << b)) g.push(i * 8 + b + 1);
        }
        s.groups = g;
        break;
      }
      case D.NETLINK_DIAG_FLAGS: {
        need(l, 4, NETLINK_PATH, 'NETLINK_DIAG_FLAGS', o);
        const f = view.getUint32(o, HOST_LE);
        s.rawFlags = f;
        s.flags = NETLINK_FLAGS.filter(([, bit]) => (f & bit) !== 0).map(([n]) => n);
        break;
      }
      default:
        (unknown ??= []).push({ type: view.getUint16(a + 2, HOST_LE) & NLA_TYPE_MASK, value: copyBytes(buf, o, o + l) });
    }
    a += (al + 3) & ~3;
  }
  if (unknown) s.unknown = unknown;
  return s;
}

/** @internal A packet_diag reply as a PacketSocket. */
export function decodePacketSocket(buf: Buffer, view: DataView, off: number, len: number): PacketSocket {
  if (len < NLMSG_HDRLEN + D.SIZEOF_PACKET_DIAG_MSG) throw new DecodeError('packet_diag_msg', PACKET_PATH, off, NLMSG_HDRLEN + D.SIZEOF_PACKET_DIAG_MSG, len);
  const m = off + NLMSG_HDRLEN;
  const s: Mutable<PacketSocket> = {
    type: buf[m + D.OFF_PACKET_DIAG_MSG_PDIAG_TYPE]!,
    protocol: view.getUint16(m + D.OFF_PACKET_DIAG_MSG_PDIAG_NUM, HOST_LE), // the kernel sends ntohs(po->num)
    inode: view.getUint32(m + D.OFF_PACKET_DIAG_MSG_PDIAG_INO, HOST_LE),
    cookie: cookieAt(view, m + D.OFF_PACKET_DIAG_MSG_PDIAG_COOKIE),
    interface: 0, version: 0, reserve: 0, copyThreshold: 0, timestamp: 0, flags: NO_NAMES, rawFlags: 0, memberships: NO_NAMES, unknown: NO_ATTRS,
  };
  let unknown: RawAttribute[] | undefined;
  const end = off + len;
  for (let a = off + NLMSG_HDRLEN + ((D.SIZEOF_PACKET_DIAG_MSG + 3) & ~3); end - a >= 4; ) {
    const al = checkAttr(view, a, end, PACKET_PATH);
    const o = a + 4;
    const l = al - 4;
    const type = view.getUint16(a + 2, HOST_LE) & NLA_TYPE_MASK;
    switch (type) {
      case D.PACKET_DIAG_INFO: {
        if (l < D.SIZEOF_PACKET_DIAG_INFO) throw new DecodeError('attribute shorter than its struct', [...PACKET_PATH, 'PACKET_DIAG_INFO'], o, D.SIZEOF_PACKET_DIAG_INFO, l);
        s.interface = view.getUint32(o + D.OFF_PACKET_DIAG_INFO_PDI_INDEX, HOST_LE);
        s.version = view.getUint32(o + D.OFF_PACKET_DIAG_INFO_PDI_VERSION, HOST_LE);
        s.reserve = view.getUint32(o + D.OFF_PACKET_DIAG_INFO_PDI_RESERVE, HOST_LE);
        s.copyThreshold = view.getUint32(o + D.OFF_PACKET_DIAG_INFO_PDI_COPY_THRESH, HOST_LE);
        s.timestamp = view.getUint32(o + D.OFF_PACKET_DIAG_INFO_PDI_TSTAMP, HOST_LE);
        const f = view.getUint32(o + D.OFF_PACKET_DIAG_INFO_PDI_FLAGS, HOST_LE);
        s.rawFlags = f;
        s.flags = PACKET_FLAGS.filter(([, bit]) => (f & bit) !== 0).map(([n]) => n);
        break;
      }
      case D.PACKET_DIAG_MCLIST: {
        const out: { interface: number; count: number; type: number; address: string }[] = [];
        for (let p = o; p + D.SIZEOF_PACKET_DIAG_MCLIST <= o + l; p += D.SIZEOF_PACKET_DIAG_MCLIST) {
          const alen = Math.min(view.getUint16(p + D.OFF_PACKET_DIAG_MCLIST_PDMC_ALEN, HOST_LE), D.SIZEOF_PACKET_DIAG_MCLIST - D.OFF_PACKET_DIAG_MCLIST_PDMC_ADDR);
          out.push({
            interface: view.getUint32(p + D.OFF_PACKET_DIAG_MCLIST_PDMC_INDEX, HOST_LE),
            count: view.getUint32(p + D.OFF_PACKET_DIAG_MCLIST_PDMC_COUNT, HOST_LE),
            type: view.getUint16(p + D.OFF_PACKET_DIAG_MCLIST_PDMC_TYPE, HOST_LE),
            address: hexColon(buf, p + D.OFF_PACKET_DIAG_MCLIST_PDMC_ADDR, alen),
          });
        }
        s.memberships = out;
        break;
      }
      case D.PACKET_DIAG_FANOUT: {
        // The group id in the low 16 bits, the mode above (pdiag_put_fanout: id | type << 16; no flags).
        need(l, 4, PACKET_PATH, 'PACKET_DIAG_FANOUT', o);
        const f = view.getUint32(o, HOST_LE);
        s.fanout = { id: f & 0xffff, type: f >>> 16 };
        break;
      }
      case D.PACKET_DIAG_UID: need(l, 4, PACKET_PATH, 'PACKET_DIAG_UID', o); s.uid = view.getUint32(o, HOST_LE); break;
      case D.PACKET_DIAG_MEMINFO: s.skMemInfo = skMemInfo(view, o, l); break;
      case D.PACKET_DIAG_FILTER: s.filter = copyBytes(buf, o, o + l); break;
      default:
        (unknown ??= []).push({ type, value: copyBytes(buf, o, o + l) });
    }
    a += (al + 3) & ~3;
  }
  if (unknown) s.unknown = unknown;
  return s;
}
