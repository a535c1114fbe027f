/**
 * RTM_NEWNEIGH message → {@link Neigh}: the fields `ip -j neigh` prints, as plain
 * values. Unknown attributes are kept raw in `unknown`.
 * @module
 */
import { DecodeError, HOST_LE, NLMSG_HDRLEN, type RawAttribute } from '../../netlink/index.js';
import { AF_INET, AF_INET6 } from '../ip.js';
import { protocolName } from '../route/names.js';
import { NDA, NDMSG_LEN, neighFlagNames, stateNames, type NeighCacheinfo } from './table.js';
import * as C from '../constants.js';

/** A neighbour (ARP / NDP) entry or a proxy entry. */
export interface Neigh {
  /** 4 or 6. */
  family: 4 | 6;
  /** ifindex of the link (ndm_ifindex; `ip`'s "dev"). */
  dev: number;
  /** The neighbour's IP address (NDA_DST). */
  dst: string;
  /** Its link-layer address (NDA_LLADDR), lowercase colon hex. */
  lladdr?: string;
  /** State names as `ip -j neigh` prints them: 'PERMANENT', 'REACHABLE', 'STALE', … ('NONE' for 0). */
  state: string[];
  /** ndm_state raw (NUD_*). */
  rawState: number;
  /** Flags by name: 'router', 'proxy', 'extern_learn', …, and 'managed' (NTF_EXT_MANAGED in NDA_FLAGS_EXT, as `ip` prints it). */
  flags: string[];
  /** ndm_flags raw (NTF_*). */
  rawFlags: number;
  /** A proxy entry (NTF_PROXY; `ip neigh … proxy`). */
  proxy: boolean;
  /** The neighbour is a router (NTF_ROUTER; IPv6). */
  router: boolean;
  /** NDA_PROBES. */
  probes?: number;
  /** NDA_CACHEINFO. */
  cacheinfo?: NeighCacheinfo;
  /** NDA_PROTOCOL by name (number when unnamed). */
  protocol?: string | number;
  /** NDA_VLAN: the VLAN id of a bridge FDB entry. */
  vlan?: number;
  /** NDA_PORT: the UDP port of a vxlan FDB entry, host order. */
  port?: number;
  /** NDA_VNI: the VNI of a vxlan FDB entry. */
  vni?: number;
  /** NDA_SRC_VNI: the source VNI of a vxlan FDB entry. */
  srcVni?: number;
  /** NDA_IFINDEX: the outgoing ifindex of a vxlan FDB entry. */
  ifindex?: number;
  /** NDA_MASTER: ifindex of the master device (bridge) the entry belongs to. */
  master?: number;
  /** NDA_LINK_NETNSID: the nsid of the netns holding the entry's link. */
  netnsId?: number;
  /** NDA_NH_ID: the nexthop object id of an FDB entry. */
  nhId?: number;
  /** NDA_FLAGS_EXT raw: extended flags (NTF_EXT_*); NTF_EXT_MANAGED is also named 'managed' in `flags`. */
  flagsExt?: number;
  /** NDA_FDB_EXT_ATTRS raw (nested NFEA_* attributes). */
  fdbExtAttrs?: Buffer;
  /** NDA_NDM_STATE_MASK, when a sender put it in a message (requests only, normally). */
  ndmStateMask?: number;
  /** NDA_NDM_FLAGS_MASK, when a sender put it in a message (requests only, normally). */
  ndmFlagsMask?: number;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/**
 * The path of this message's attributes in errors: one frozen array for every message,
 * since the attribute table caches the child paths of its nests by the parent array.
 */
const PATH: readonly string[] = Object.freeze(['RTM_NEWNEIGH']);

/**
 * Decode the RTM_NEWNEIGH message at `off` (nlmsghdr included) of length `len`, or
 * undefined for a family other than IPv4/IPv6 (bridge FDB entries).
 */
export function decodeNeigh(buf: Buffer, view: DataView, off: number, len: number): Neigh | undefined {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + NDMSG_LEN) throw new DecodeError('RTM_NEWNEIGH shorter than ndmsg', PATH, off, NLMSG_HDRLEN + NDMSG_LEN, len);
  const af = buf[h]!;
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const rawState = view.getUint16(h + 8, HOST_LE);
  const rawFlags = buf[h + 10]!;
  const n: Neigh = {
    family: af === AF_INET ? 4 : 6,
    dev: view.getInt32(h + 4, HOST_LE),
    dst: '',
    state: stateNames(rawState),
    rawState,
    flags: neighFlagNames(rawFlags),
    rawFlags,
    proxy: (rawFlags & C.NTF_PROXY) !== 0,
    router: (rawFlags & C.NTF_ROUTER) !== 0,
  };
  NDA.decode(buf, view, h + NDMSG_LEN, off + len, PATH, n as unknown as Record<string, unknown>);
  if (typeof n.protocol === 'number') n.protocol = protocolName(n.protocol);
  // The extended flags (NDA_FLAGS_EXT, kept raw as flagsExt) that `ip` names.
  if (n.flagsExt !== undefined && (n.flagsExt & C.NTF_EXT_MANAGED) !== 0) n.flags.push('managed');
  return n;
}
