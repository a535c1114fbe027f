/**
 * RTM_NEWROUTE message → {@link Route}: the fields `ip -j route` prints, with the same
 * meaning, as plain values (addresses and prefixes as strings; links as ifindexes like
 * a decoded Link's `master`). Unknown attributes are kept raw in `unknown`.
 * @module
 */
import { DecodeError, HOST_LE, NLMSG_HDRLEN, type RawAttribute } from '../../netlink/index.js';
import { AF_INET, AF_INET6 } from '../ip.js';
import { protocolName, scopeName, tableName, typeName, type RouteType, type Scope, type TableRef } from './names.js';
import * as C from '../constants.js';
import { RTA, RTMSG_LEN, routeCacheFlagNames, routeFlagNames, type Nexthop, type RouteCacheinfo, type RouteMetrics } from './table.js';

/** A route as the kernel describes it (RTM_NEWROUTE). Optional fields are absent when the kernel sent no attribute. */
export interface Route {
  /** 4 or 6. */
  family: 4 | 6;
  /** 'unicast', 'local', 'broadcast', 'blackhole', 'unreachable', 'prohibit', … (rtm_type). */
  type: RouteType | number;
  /** Destination as `ip` prints it: 'default', a bare address for a host route, else 'address/length'. */
  dst: string;
  /** Destination prefix length (rtm_dst_len). */
  dstLen: number;
  /** Source prefix of a source-specific route (RTA_SRC, `ip`'s "from"). */
  from?: string;
  /** Source prefix length (rtm_src_len), when non-zero. */
  fromLen?: number;
  /** TOS / DSCP selector (rtm_tos). */
  tos: number;
  /** 'main', 'local', 'default' or the table id (RTA_TABLE, else rtm_table). */
  table: TableRef;
  /** 'kernel', 'boot', 'static', 'dhcp', … (rtm_protocol; number when unnamed). */
  protocol: string | number;
  /** 'global', 'link', 'host', … (rtm_scope). */
  scope: Scope | number;
  /** Flags by name ('onlink', 'linkdown', 'notify', …); of a cached IPv4 route (route get), the low 16 bits only. */
  flags: string[];
  /** rtm_flags raw. */
  rawFlags: number;
  /**
   * IPv4 route get only (a cloned route, RTM_F_CLONED): its routing cache flags (RTCF_*,
   * the bits above 16 of rtm_flags) by the names `ip` prints as "cache <…>": 'local',
   * 'brd', 'mc', 'redirected', … ([] for none). Absent for FIB entries and IPv6.
   */
  cache?: string[];
  /** ifindex of the output link (RTA_OIF). */
  dev?: number;
  /** ifindex of the input link (RTA_IIF; route get with iif). */
  iif?: number;
  /** Gateway (RTA_GATEWAY). */
  gateway?: string;
  /** Gateway of another family (RTA_VIA). */
  via?: string;
  /** Preferred source address (RTA_PREFSRC; `ip route add … src`). */
  prefsrc?: string;
  /** Route metric / priority (RTA_PRIORITY). */
  metric?: number;
  /** RTA_METRICS: mtu, advmss, hoplimit, … */
  metrics?: RouteMetrics;
  /** Paths of a multipath route (RTA_MULTIPATH). */
  nexthops?: Nexthop[];
  /** Firewall mark (RTA_MARK; route get). */
  mark?: number;
  /** IPv6 router preference: 'low', 'medium', 'high'. */
  pref?: 'low' | 'medium' | 'high' | number;
  /**
   * Whole seconds until the route expires, as `ip` prints it: RTA_CACHEINFO's rta_expires
   * (clock ticks) over USER_HZ, when not zero. (The kernel takes RTA_EXPIRES, in seconds,
   * when a route is added, but reports the lifetime only in the cache info.)
   */
  expires?: number;
  /** RTA_UID (route get). */
  uid?: number;
  /** RTA_CACHEINFO. */
  cacheinfo?: RouteCacheinfo;
  /**
   * IPv4: realm (RTA_FLOW; `ip` prints "realm TO" or "realms FROM/TO"): TO in the low 16
   * bits, FROM in the high ones. A multipath route's realms are on its `nexthops`.
   */
  flow?: number;
  /** Nexthop object id (RTA_NH_ID). */
  nhId?: number;
  /** Lightweight tunnel encapsulation type (LWTUNNEL_ENCAP_*) and raw payload. */
  encapType?: number;
  /** RTA_ENCAP raw: the encapsulation's attributes, of the kind `encapType` names (a copy). */
  encap?: Uint8Array;
  /** RTA_TTL_PROPAGATE: MPLS TTL propagation (0 disabled, 1 enabled; `ip route` prints ttl-propagate). */
  ttlPropagate?: number;
  /** RTA_IP_PROTO: the IP protocol of a route lookup (`ip route get … ipproto`). */
  ipProto?: number;
  /** RTA_SPORT: the source port of a route lookup, host order (`ip route get … sport`). */
  sport?: number;
  /** RTA_DPORT: the destination port of a route lookup, host order (`ip route get … dport`). */
  dport?: number;
  /** RTA_MP_ALGO (obsolete). */
  mpAlgo?: number;
  /** RTA_NEWDST raw: MPLS labels a route swaps to (`ip -f mpls route` prints them as "as to"). */
  newdst?: Buffer;
  /** RTA_PROTOINFO raw (unused by the kernel). */
  protoinfo?: Buffer;
  /** RTA_SESSION raw (unused by the kernel). */
  session?: Buffer;
  /** RTA_MFC_STATS raw: multicast forwarding counters (struct rta_mfc_stats; multicast routes). */
  mfcStats?: Buffer;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/**
 * The path of this message's attributes in errors: one frozen array for every message,
 * since the attribute table caches the child paths of its nests by the parent array.
 */
const PATH: readonly string[] = Object.freeze(['RTM_NEWROUTE']);

/**
 * @internal Clock ticks per second in what the kernel reports to user space (USER_HZ,
 * which is sysconf(_SC_CLK_TCK)): 100 on every architecture Node runs on. The nexthop
 * tables' resilient-group timers are in these units too.
 */
export const USER_HZ = 100;

/**
 * Decode the RTM_NEWROUTE message at `off` (nlmsghdr included) of length `len`, or
 * undefined for a family other than IPv4/IPv6 (multicast routing caches, MPLS).
 * Nothing in the result refers to `buf`.
 */
export function decodeRoute(buf: Buffer, view: DataView, off: number, len: number): Route | undefined {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + RTMSG_LEN) throw new DecodeError('RTM_NEWROUTE shorter than rtmsg', ['RTM_NEWROUTE'], off, NLMSG_HDRLEN + RTMSG_LEN, len);
  const af = buf[h]!;
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const dstLen = buf[h + 1]!;
  const srcLen = buf[h + 2]!;
  const rawFlags = view.getUint32(h + 8, HOST_LE);
  // An IPv4 cloned route's high bits are RTCF_* cache flags (rt_fill_info), which share
  // bits with RTM_F_* (RTCF_MULTICAST is RTM_F_OFFLOAD_FAILED): named apart.
  const cloned = af === AF_INET && (rawFlags & C.RTM_F_CLONED) !== 0;
  const r: Route = {
    family: af === AF_INET ? 4 : 6,
    type: typeName(buf[h + 7]!),
    dst: 'default',
    dstLen,
    tos: buf[h + 3]!,
    table: tableName(buf[h + 4]!),
    protocol: protocolName(buf[h + 5]!),
    scope: scopeName(buf[h + 6]!),
    flags: routeFlagNames(cloned ? rawFlags & 0xffff : rawFlags),
    rawFlags,
  };
  if (cloned) r.cache = routeCacheFlagNames(rawFlags);
  if (srcLen) r.fromLen = srcLen;
  RTA.decode(buf, view, h + RTMSG_LEN, off + len, PATH, r as unknown as Record<string, unknown>);
  const ci = r.cacheinfo;
  if (r.expires === undefined && ci !== undefined && ci.expires !== 0) r.expires = Math.trunc(ci.expires / USER_HZ);
  return r;
}
