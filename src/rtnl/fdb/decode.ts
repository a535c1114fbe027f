/**
 * RTM_NEWNEIGH message of family AF_BRIDGE → {@link FdbEntry}: the fields
 * `bridge -j fdb show` prints, as plain values. Unknown attributes are kept raw.
 * @module
 */
import { DecodeError, HOST_LE, NLMSG_HDRLEN, type RawAttribute } from '../../netlink/index.js';
import { AF_BRIDGE } from '../ip.js';
import type { NeighCacheinfo } from '../neigh/table.js';
import { FDB_NDA, fdbFlagNames, fdbStateName } from './table.js';
import * as C from '../constants.js';

/** A bridge forwarding database entry (or a vxlan's, or a device's own unicast/multicast address list entry). */
export interface FdbEntry {
  /** The MAC address (NDA_LLADDR), lowercase colon hex (`bridge -j`'s "mac"). */
  mac: string;
  /** ifindex of the port or device the entry is on (ndm_ifindex; `bridge -j`'s "ifname", by name). */
  link: number;
  /** ifindex of the bridge the entry belongs to (NDA_MASTER; `bridge -j`'s "master", by name). Absent for a device's own entries ('self'). */
  master?: number;
  /** VLAN id (NDA_VLAN; `bridge` prints it when non-zero). */
  vlan?: number;
  /**
   * 'permanent' (a local entry: `bridge fdb add … permanent`), 'static', 'stale',
   * 'reachable' (learned or `dynamic`; `bridge -j` prints "" for it), or the state in
   * hex ('0x10') as `bridge -j` prints an unnamed one.
   */
  state: string;
  /** ndm_state raw (NUD_*). */
  rawState: number;
  /** Flags as `bridge -j` prints them: 'self', 'router', 'extern_learn', 'offload', 'master', 'sticky'. */
  flags: string[];
  /** ndm_flags raw (NTF_*). */
  rawFlags: number;
  /** vxlan: the remote endpoint (NDA_DST; `bridge`'s "dst"). */
  dst?: string;
  /** vxlan: the remote UDP port, host order (NDA_PORT; "port"). */
  port?: number;
  /** vxlan: the remote VNI (NDA_VNI; "vni"). */
  vni?: number;
  /** vxlan: the source VNI (NDA_SRC_VNI; "src_vni"). */
  srcVni?: number;
  /** vxlan: ifindex of the outgoing device (NDA_IFINDEX; "viaIf", by name). */
  via?: number;
  /** Nexthop group id (NDA_NH_ID; "nhid"). */
  nhid?: number;
  /** nsid of the netns holding `via` (NDA_LINK_NETNSID; "linkNetNsId"). */
  linkNetnsId?: number;
  /** NDA_CACHEINFO: `used` and `updated` in clock ticks (1/100 s; `bridge -s -j` prints them in seconds). */
  cacheinfo?: NeighCacheinfo;
  /** NDA_PROTOCOL, raw. */
  protocol?: number;
  /** NDA_FLAGS_EXT raw (NTF_EXT_*). */
  flagsExt?: number;
  /** NDA_FDB_EXT_ATTRS raw (nested NFEA_* attributes). */
  fdbExtAttrs?: Buffer;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/** The path of this message's attributes in errors (one frozen array: the table caches child paths by it). */
const PATH: readonly string[] = Object.freeze(['RTM_NEWNEIGH']);

/**
 * Decode the RTM_NEWNEIGH/RTM_DELNEIGH message at `off` (nlmsghdr included) of length
 * `len`, or undefined for a family other than AF_BRIDGE (ARP/NDP entries).
 */
export function decodeFdb(buf: Buffer, view: DataView, off: number, len: number): FdbEntry | undefined {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + C.SIZEOF_NDMSG) throw new DecodeError('RTM_NEWNEIGH shorter than ndmsg', PATH, off, NLMSG_HDRLEN + C.SIZEOF_NDMSG, len);
  if (buf[h] !== AF_BRIDGE) return undefined;
  const rawState = view.getUint16(h + 8, HOST_LE);
  const rawFlags = buf[h + 10]!;
  const e: FdbEntry = {
    mac: '',
    link: view.getInt32(h + 4, HOST_LE),
    state: fdbStateName(rawState),
    rawState,
    flags: fdbFlagNames(rawFlags),
    rawFlags,
  };
  FDB_NDA.decode(buf, view, h + C.SIZEOF_NDMSG, off + len, PATH, e as unknown as Record<string, unknown>);
  return e;
}
