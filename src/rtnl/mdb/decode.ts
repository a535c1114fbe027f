/**
 * RTM_GETMDB / RTM_NEWMDB / RTM_DELMDB messages (struct br_port_msg + MDBA_*) →
 * {@link MdbEntry} and {@link MdbRouterPort}: the fields `bridge -j -d -s mdb show` prints,
 * as plain values. Unknown attributes of an entry are kept raw.
 * @module
 */
import { DecodeError, HOST_LE, NLMSG_HDRLEN, copyBytes, hexColon, walkAttrs, type RawAttribute } from '../../netlink/index.js';
import { formatIp } from '../ip.js';
import { protocolName } from '../route/names.js';
import { USER_HZ } from '../route/decode.js';
import * as C from '../constants.js';

/** A bridge multicast database entry: an element of `bridge -j -d -s mdb show`'s "mdb". */
export interface MdbEntry {
  /** ifindex of the bridge (or vxlan) the entry belongs to (br_port_msg.ifindex; `bridge -j`'s "index", and "dev" by name). */
  bridge: number;
  /** ifindex of the port the group is forwarded to; the bridge's own for a host join (br_mdb_entry.ifindex; "port", by name). */
  port: number;
  /** The group: an IPv4 or IPv6 multicast address, or a MAC for an L2 entry ("grp"). */
  group: string;
  /** 4, 6, or 'l2' for a MAC group (br_mdb_entry.addr.proto ETH_P_IP, ETH_P_IPV6 or 0). */
  family: 4 | 6 | 'l2';
  /** The source of an (S, G) entry (MDBA_MDB_EATTR_SOURCE; "src"). Absent for a (*, G) entry. */
  source?: string;
  /** 'permanent' (MDB_PERMANENT: added as such, never aged) or 'temp' (learned or added temp; "state"). */
  state: 'permanent' | 'temp';
  /** br_mdb_entry.state raw. */
  rawState: number;
  /** As `bridge -j mdb show` prints them: 'offload', 'fast_leave', 'added_by_star_ex', 'blocked'. */
  flags: string[];
  /** br_mdb_entry.flags raw (MDB_FLAGS_*). */
  rawFlags: number;
  /** VLAN id (br_mdb_entry.vid; `bridge` prints it when non-zero). */
  vid?: number;
  /** Seconds until a temp entry ages out, 0 for a permanent one (MDBA_MDB_EATTR_TIMER in 1/100 s; `bridge -s`'s "timer"). */
  timer?: number;
  /** Who added it (MDBA_MDB_EATTR_RTPROT): 'static' (by a user), 'kernel' (learned), … or the number (`bridge -d`'s "protocol"). */
  protocol?: string | number;
  /** IGMPv3/MLDv2 filter mode of a (*, G) port group (MDBA_MDB_EATTR_GROUP_MODE; `bridge -d`'s "filter_mode"). */
  filterMode?: 'include' | 'exclude';
  /** The (*, G) port group's sources and their timers in seconds (MDBA_MDB_EATTR_SRC_LIST; `bridge -d`'s "source_list"). */
  sourceList?: Array<{ address: string; timer: number }>;
  /** vxlan: the remote VTEP (MDBA_MDB_EATTR_DST; "dst"). */
  dst?: string;
  /** vxlan: the remote UDP port (MDBA_MDB_EATTR_DST_PORT, a host-order u16; "dst_port"). Absent when it is the vxlan's own dstport. */
  dstPort?: number;
  /** vxlan: the remote VNI (MDBA_MDB_EATTR_VNI; "vni"). Absent when it is the vxlan's own. */
  vni?: number;
  /** vxlan: the source VNI (MDBA_MDB_EATTR_SRC_VNI; "src_vni"). */
  srcVni?: number;
  /** vxlan: the outgoing device's ifindex (MDBA_MDB_EATTR_IFINDEX; "via", by name). */
  via?: number;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/** A multicast router port of a bridge: an element of `bridge -j -d -s mdb show`'s "router" › bridge name. */
export interface MdbRouterPort {
  /** ifindex of the bridge (br_port_msg.ifindex; the key `bridge -j` prints the list under, by name). */
  bridge: number;
  /** ifindex of the router port ("port", by name). */
  port: number;
  /** Seconds until a temporary router port times out (MDBA_ROUTER_PATTR_TIMER; `bridge -s`'s "timer"). */
  timer?: number;
  /** 'temp' (MDB_RTR_TYPE_TEMP_QUERY / TEMP: learned from queries, or `mcast_router 3`) or 'permanent' (MDB_RTR_TYPE_PERM: `mcast_router 2`) — `bridge -s`'s "type"; else 'disabled'. */
  type?: 'temp' | 'permanent' | 'disabled';
  /** MDBA_ROUTER_PATTR_TYPE raw (MDB_RTR_TYPE_*). */
  rawType?: number;
  /** Seconds until the IPv4 router role times out (MDBA_ROUTER_PATTR_INET_TIMER). */
  inetTimer?: number;
  /** Seconds until the IPv6 router role times out (MDBA_ROUTER_PATTR_INET6_TIMER). */
  inet6Timer?: number;
  /** VLAN of a per-VLAN router port (MDBA_ROUTER_PATTR_VID). */
  vid?: number;
}

/** What one MDB message holds: a bridge's entries and router ports (a dump part, or an event). */
export interface MdbMessage {
  /** ifindex of the bridge (br_port_msg.ifindex). */
  bridge: number;
  /** Its entries (MDBA_MDB). */
  entries: MdbEntry[];
  /** Its router ports (MDBA_ROUTER). */
  routers: MdbRouterPort[];
}

const PATH: readonly string[] = Object.freeze(['RTM_GETMDB']);
const PATH_MDB: readonly string[] = Object.freeze(['RTM_GETMDB', 'MDBA_MDB']);
const PATH_ENTRY: readonly string[] = Object.freeze(['RTM_GETMDB', 'MDBA_MDB', 'MDBA_MDB_ENTRY']);
const PATH_INFO: readonly string[] = Object.freeze(['RTM_GETMDB', 'MDBA_MDB', 'MDBA_MDB_ENTRY', 'MDBA_MDB_ENTRY_INFO']);
const PATH_SRC: readonly string[] = Object.freeze([...PATH_INFO, 'MDBA_MDB_EATTR_SRC_LIST']);
const PATH_ROUTER: readonly string[] = Object.freeze(['RTM_GETMDB', 'MDBA_ROUTER']);
const PATH_RPORT: readonly string[] = Object.freeze(['RTM_GETMDB', 'MDBA_ROUTER', 'MDBA_ROUTER_PORT']);
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;

/** br_mdb_entry.flags (MDB_FLAGS_*) with the names `bridge mdb show` prints, in its order. */
export const MDB_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [C.MDB_FLAGS_OFFLOAD, 'offload'],
  [C.MDB_FLAGS_FAST_LEAVE, 'fast_leave'],
  [C.MDB_FLAGS_STAR_EXCL, 'added_by_star_ex'],
  [C.MDB_FLAGS_BLOCKED, 'blocked'],
];

function u32(view: DataView, o: number, l: number, path: readonly string[], what: string): number {
  if (l < 4) throw new DecodeError(`${what} shorter than a u32`, path, o, 4, l);
  return view.getUint32(o, HOST_LE);
}

/** The addr of a struct br_mdb_entry at `o`: the group as text and its family. */
function groupOf(buf: Buffer, view: DataView, o: number): { group: string; family: 4 | 6 | 'l2' } {
  const proto = view.getUint16(o + 24, false);
  if (proto === ETH_P_IP) return { group: formatIp(buf, o + 8, 4), family: 4 };
  if (proto === ETH_P_IPV6) return { group: formatIp(buf, o + 8, 16), family: 6 };
  // proto 0 is an L2 (MAC) group; an unknown protocol shows its bytes as bridge's MAC form would.
  return { group: hexColon(buf, o + 8, 6), family: 'l2' };
}

/** One MDBA_MDB_ENTRY_INFO: struct br_mdb_entry, then MDBA_MDB_EATTR_* attributes. */
function decodeInfo(buf: Buffer, view: DataView, o: number, l: number, bridge: number): MdbEntry {
  if (l < C.SIZEOF_BR_MDB_ENTRY) throw new DecodeError('MDBA_MDB_ENTRY_INFO shorter than struct br_mdb_entry', PATH_INFO, o, C.SIZEOF_BR_MDB_ENTRY, l);
  const rawState = buf[o + 4]!;
  const rawFlags = buf[o + 5]!;
  const { group, family } = groupOf(buf, view, o);
  const e: MdbEntry = {
    bridge,
    port: view.getUint32(o, HOST_LE),
    group,
    family,
    state: rawState & C.MDB_PERMANENT ? 'permanent' : 'temp',
    rawState,
    flags: [],
    rawFlags,
  };
  for (const [bit, name] of MDB_FLAGS) if (rawFlags & bit) e.flags.push(name);
  const vid = view.getUint16(o + 6, HOST_LE);
  if (vid !== 0) e.vid = vid;
  walkAttrs(view, o + C.SIZEOF_BR_MDB_ENTRY, o + l, PATH_INFO, (t, a, n) => {
    switch (t) {
      case C.MDBA_MDB_EATTR_TIMER: e.timer = u32(view, a, n, PATH_INFO, 'MDBA_MDB_EATTR_TIMER') / USER_HZ; break;
      case C.MDBA_MDB_EATTR_SOURCE: e.source = formatIp(buf, a, n); break;
      case C.MDBA_MDB_EATTR_RTPROT: if (n >= 1) e.protocol = protocolName(buf[a]!); break;
      case C.MDBA_MDB_EATTR_GROUP_MODE: if (n >= 1) e.filterMode = buf[a] === C.MCAST_INCLUDE ? 'include' : 'exclude'; break;
      case C.MDBA_MDB_EATTR_SRC_LIST: {
        const list: Array<{ address: string; timer: number }> = [];
        walkAttrs(view, a, a + n, PATH_SRC, (st, so, sl) => {
          if (st !== C.MDBA_MDB_SRCLIST_ENTRY) return;
          let address: string | undefined;
          let timer = 0;
          walkAttrs(view, so, so + sl, PATH_SRC, (xt, xo, xl) => {
            if (xt === C.MDBA_MDB_SRCATTR_ADDRESS) address = formatIp(buf, xo, xl);
            else if (xt === C.MDBA_MDB_SRCATTR_TIMER) timer = u32(view, xo, xl, PATH_SRC, 'MDBA_MDB_SRCATTR_TIMER') / USER_HZ;
          });
          if (address !== undefined) list.push({ address, timer });
        });
        e.sourceList = list;
        break;
      }
      case C.MDBA_MDB_EATTR_DST: e.dst = formatIp(buf, a, n); break;
      case C.MDBA_MDB_EATTR_DST_PORT: if (n >= 2) e.dstPort = view.getUint16(a, HOST_LE); break; // host order (nla_put_u16 of be16_to_cpu)
      case C.MDBA_MDB_EATTR_VNI: e.vni = u32(view, a, n, PATH_INFO, 'MDBA_MDB_EATTR_VNI'); break;
      case C.MDBA_MDB_EATTR_SRC_VNI: e.srcVni = u32(view, a, n, PATH_INFO, 'MDBA_MDB_EATTR_SRC_VNI'); break;
      case C.MDBA_MDB_EATTR_IFINDEX: e.via = u32(view, a, n, PATH_INFO, 'MDBA_MDB_EATTR_IFINDEX'); break;
      default: (e.unknown ??= []).push({ type: t, value: copyBytes(buf, a, a + n) });
    }
  });
  return e;
}

/** One MDBA_ROUTER_PORT: the port's ifindex (u32), then MDBA_ROUTER_PATTR_* attributes. */
function decodeRouterPort(buf: Buffer, view: DataView, o: number, l: number, bridge: number): MdbRouterPort {
  const r: MdbRouterPort = { bridge, port: u32(view, o, l, PATH_RPORT, 'MDBA_ROUTER_PORT') };
  walkAttrs(view, o + 4, o + l, PATH_RPORT, (t, a, n) => {
    if (t === C.MDBA_ROUTER_PATTR_TIMER) r.timer = u32(view, a, n, PATH_RPORT, 'MDBA_ROUTER_PATTR_TIMER') / USER_HZ;
    else if (t === C.MDBA_ROUTER_PATTR_TYPE && n >= 1) {
      const ty = buf[a]!;
      r.rawType = ty;
      r.type = ty === C.MDB_RTR_TYPE_TEMP_QUERY || ty === C.MDB_RTR_TYPE_TEMP ? 'temp' : ty === C.MDB_RTR_TYPE_PERM ? 'permanent' : 'disabled';
    } else if (t === C.MDBA_ROUTER_PATTR_INET_TIMER) r.inetTimer = u32(view, a, n, PATH_RPORT, 'MDBA_ROUTER_PATTR_INET_TIMER') / USER_HZ;
    else if (t === C.MDBA_ROUTER_PATTR_INET6_TIMER) r.inet6Timer = u32(view, a, n, PATH_RPORT, 'MDBA_ROUTER_PATTR_INET6_TIMER') / USER_HZ;
    else if (t === C.MDBA_ROUTER_PATTR_VID && n >= 2) r.vid = view.getUint16(a, HOST_LE);
  });
  return r;
}

/**
 * Decode the MDB message at `off` (nlmsghdr included) of length `len` — a dump part
 * (RTM_GETMDB, one bridge's entries and router ports) or an event (RTM_NEWMDB /
 * RTM_DELMDB) — or undefined for another message type.
 */
export function decodeMdb(buf: Buffer, view: DataView, off: number, len: number): MdbMessage | undefined {
  const type = view.getUint16(off + 4, HOST_LE);
  if (type !== C.RTM_GETMDB && type !== C.RTM_NEWMDB && type !== C.RTM_DELMDB) return undefined;
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + C.SIZEOF_BR_PORT_MSG) throw new DecodeError('MDB message shorter than br_port_msg', PATH, off, NLMSG_HDRLEN + C.SIZEOF_BR_PORT_MSG, len);
  // br_port_msg.family is not checked: the kernel leaves it 0 in dump parts (AF_BRIDGE in
  // events); the message type says what it is, as bridge reads it.
  const bridge = view.getUint32(h + 4, HOST_LE);
  const m: MdbMessage = { bridge, entries: [], routers: [] };
  walkAttrs(view, h + C.SIZEOF_BR_PORT_MSG, off + len, PATH, (t, o, l) => {
    if (t === C.MDBA_MDB) {
      walkAttrs(view, o, o + l, PATH_MDB, (et, eo, el) => {
        if (et !== C.MDBA_MDB_ENTRY) return;
        walkAttrs(view, eo, eo + el, PATH_ENTRY, (it, io, il) => {
          if (it === C.MDBA_MDB_ENTRY_INFO) m.entries.push(decodeInfo(buf, view, io, il, bridge));
        });
      });
    } else if (t === C.MDBA_ROUTER) {
      walkAttrs(view, o, o + l, PATH_ROUTER, (rt, ro, rl) => {
        if (rt === C.MDBA_ROUTER_PORT) m.routers.push(decodeRouterPort(buf, view, ro, rl, bridge));
      });
    }
  });
  return m;
}
