/**
 * The RTA attribute table (struct rtmsg + RTA_*), as data, with its nested parts:
 * RTA_METRICS (RTAX_*), RTA_MULTIPATH (struct rtnexthop entries, each followed by its
 * own attributes) and RTA_CACHEINFO; plus the route flag names `ip` prints.
 * @module
 */
import { AttrTable, HOST_LE, NLA_HDRLEN, NLA_TYPE_MASK, align4, type CustomCodec, type DecodeContext } from '../../netlink/index.js';
import * as C from '../constants.js';
import { formatIp, formatPrefix } from '../ip.js';
import { ipCodec, table } from '../table-helpers.js';
import { tableName } from './names.js';

/** Size of struct rtmsg. */
export const RTMSG_LEN = C.SIZEOF_RTMSG;
/** Size of struct rtnexthop. */
export const RTNEXTHOP_LEN = C.SIZEOF_RTNEXTHOP;

/** Route flags (rtm_flags / rtnh_flags) with the names `ip` prints. */
export const ROUTE_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [C.RTNH_F_DEAD, 'dead'],
  [C.RTNH_F_ONLINK, 'onlink'],
  [C.RTNH_F_PERVASIVE, 'pervasive'],
  [C.RTNH_F_OFFLOAD, 'offload'],
  [C.RTNH_F_TRAP, 'trap'],
  [C.RTM_F_NOTIFY, 'notify'],
  [C.RTNH_F_LINKDOWN, 'linkdown'],
  [C.RTNH_F_UNRESOLVED, 'unresolved'],
  [C.RTM_F_OFFLOAD, 'rt_offload'],
  [C.RTM_F_TRAP, 'rt_trap'],
  [C.RTM_F_OFFLOAD_FAILED, 'rt_offload_failed'],
];

/** Flag bits → names. */
export function routeFlagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags === 0) return out;
  for (const [bit, name] of ROUTE_FLAGS) if (flags & bit) out.push(name);
  return out;
}

/**
 * The IPv4 routing cache flags (RTCF_*, in_route.h) with the names `ip` prints them by in
 * "cache <…>", in its order: in the answer to an IPv4 route get (a cloned route, with
 * RTM_F_CLONED) the bits above 16 of rtm_flags are these, not RTM_F_* flags.
 */
export const ROUTE_CACHE_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [C.RTCF_LOCAL, 'local'],
  [C.RTCF_REJECT, 'reject'],
  [C.RTCF_MULTICAST, 'mc'],
  [C.RTCF_BROADCAST, 'brd'],
  [C.RTCF_DNAT, 'dst-nat'],
  [C.RTCF_SNAT, 'src-nat'],
  [C.RTCF_MASQ, 'masq'],
  [C.RTCF_DIRECTDST, 'dst-direct'],
  [C.RTCF_DIRECTSRC, 'src-direct'],
  [C.RTCF_REDIRECTED, 'redirected'],
  [C.RTCF_DOREDIRECT, 'redirect'],
  [C.RTCF_FAST, 'fastroute'],
  [C.RTCF_NOTIFY, 'notify'],
  [C.RTCF_TPROXY, 'proxy'],
];

/** The routing cache flags of a cloned IPv4 route's rtm_flags (bits above 16) → names; bits without one as hex ('0x2000000'). */
export function routeCacheFlagNames(flags: number): string[] {
  const out: string[] = [];
  let rest = (flags & ~0xffff) >>> 0;
  for (const [bit, name] of ROUTE_CACHE_FLAGS) {
    if (rest & bit) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out;
}

/** IPv6 router preference (RTA_PREF) names. */
export const PREFS: Readonly<Record<string, number>> = { low: C.ICMPV6_ROUTER_PREF_LOW, medium: C.ICMPV6_ROUTER_PREF_MEDIUM, high: C.ICMPV6_ROUTER_PREF_HIGH };
const prefByNum = new Map<number, string>(Object.entries(PREFS).map(([k, v]) => [v, k]));

/**
 * Route metrics (RTA_METRICS → RTAX_*): `ip`'s names in camelCase (but `ccAlgo`), with the
 * values as the kernel keeps them, decoded and encoded alike. Where `ip` converts, it says
 * so below: `ip route … rtt 40ms` is `rtt: 320` here.
 */
export interface RouteMetrics {
  /** RTAX_LOCK: bitmask of locked metrics (bit 1 << RTAX_x). */
  lock?: number | undefined;
  /** RTAX_MTU: path MTU to the destination, in bytes (`ip`'s "mtu"; "mtu lock" sets its lock bit). */
  mtu?: number | undefined;
  /** RTAX_WINDOW: largest TCP window to advertise to the destination, in bytes (`ip`'s "window"). */
  window?: number | undefined;
  /** RTAX_RTT, in 1/8 ms (`ip` prints and takes milliseconds: this / 8). */
  rtt?: number | undefined;
  /** RTAX_RTTVAR, in 1/4 ms (`ip` prints and takes milliseconds: this / 4). */
  rttvar?: number | undefined;
  /** RTAX_SSTHRESH: initial TCP slow start threshold estimate (`ip`'s "ssthresh"). */
  ssthresh?: number | undefined;
  /** RTAX_CWND: clamp for the TCP congestion window, used only when locked (`ip`'s "cwnd"). */
  cwnd?: number | undefined;
  /** RTAX_ADVMSS: MSS to advertise when opening TCP connections, in bytes (`ip`'s "advmss"). */
  advmss?: number | undefined;
  /** RTAX_REORDERING: largest reordering on the path (`ip`'s "reordering"). */
  reordering?: number | undefined;
  /** RTAX_HOPLIMIT: hop limit / TTL for packets to the destination (`ip`'s "hoplimit"). */
  hoplimit?: number | undefined;
  /** RTAX_INITCWND: initial TCP congestion window, in MSS units; 0 means the kernel's default (`ip`'s "initcwnd"). */
  initcwnd?: number | undefined;
  /** RTAX_FEATURES bits (RTAX_FEATURE_ECN = 1: `ip`'s "ecn"). */
  features?: number | undefined;
  /** RTAX_RTO_MIN, in milliseconds. */
  rtoMin?: number | undefined;
  /** RTAX_INITRWND: initial TCP receive window, in MSS units; 0 means the kernel's default (`ip`'s "initrwnd"). */
  initrwnd?: number | undefined;
  /** RTAX_QUICKACK: 1 enables TCP quick ack to the destination (`ip`'s "quickack"). */
  quickack?: number | undefined;
  /** RTAX_CC_ALGO: the congestion control algorithm's name (`ip`'s "congestion", `congctl` when adding). */
  ccAlgo?: string | undefined;
  /** RTAX_FASTOPEN_NO_COOKIE: 1 enables TCP Fast Open without a cookie to the destination (`ip`'s "fastopen_no_cookie"). */
  fastopenNoCookie?: number | undefined;
  /** RTAX attributes nlkit does not know, raw (copies). */
  unknown?: { type: number; value: Uint8Array }[] | undefined;
}

/** The RTAX table (inside RTA_METRICS). */
export const RTAX: AttrTable = table('RTAX', 'RTAX_', [
  ['RTAX_LOCK', 'u32'],
  ['RTAX_MTU', 'u32'],
  ['RTAX_WINDOW', 'u32'],
  ['RTAX_RTT', 'u32'],
  ['RTAX_RTTVAR', 'u32'],
  ['RTAX_SSTHRESH', 'u32'],
  ['RTAX_CWND', 'u32'],
  ['RTAX_ADVMSS', 'u32'],
  ['RTAX_REORDERING', 'u32'],
  ['RTAX_HOPLIMIT', 'u32'],
  ['RTAX_INITCWND', 'u32'],
  ['RTAX_FEATURES', 'u32'],
  ['RTAX_RTO_MIN', 'u32'],
  ['RTAX_INITRWND', 'u32'],
  ['RTAX_QUICKACK', 'u32'],
  ['RTAX_CC_ALGO', 'strz'],
  ['RTAX_FASTOPEN_NO_COOKIE', 'u32'],
]);

/** RTA_CACHEINFO (struct rta_cacheinfo). */
export interface RouteCacheinfo {
  /** rta_clntref: references held on the route's cache entry (`ip -s route` prints it as users). */
  clntref: number;
  /** rta_lastuse: clock ticks (1/100 s) since the entry was last used (`ip -s route` prints it as age, in seconds). */
  lastuse: number;
  /** rta_expires: clock ticks (1/100 s) until expiry, signed; the route's `expires` gives it in seconds. */
  expires: number;
  /** rta_error, as the kernel sends it (`ip` prints it as error when non-zero). */
  error: number;
  /** rta_used: use count of the cache entry (`ip -s route` prints it as used). */
  used: number;
  /** rta_id (`ip` prints it as ipid when non-zero). */
  id: number;
  /** rta_ts (`ip` prints it as ts); current kernels leave it 0. */
  ts: number;
  /** rta_tsage (`ip` prints it as tsage, in seconds); current kernels leave it 0. */
  tsage: number;
}

const cacheinfoCodec: CustomCodec = {
  decode(ctx, off, len) {
    if (len < C.SIZEOF_RTA_CACHEINFO) return undefined;
    const v = ctx.view;
    return {
      clntref: v.getUint32(off, HOST_LE), lastuse: v.getUint32(off + 4, HOST_LE), expires: v.getInt32(off + 8, HOST_LE),
      error: v.getUint32(off + 12, HOST_LE), used: v.getUint32(off + 16, HOST_LE), id: v.getUint32(off + 20, HOST_LE),
      ts: v.getUint32(off + 24, HOST_LE), tsage: v.getUint32(off + 28, HOST_LE),
    } satisfies RouteCacheinfo;
  },
};

/** One path of a multipath route. */
export interface Nexthop {
  /** Gateway address (RTA_GATEWAY). */
  gateway?: string;
  /** Gateway of another family (RTA_VIA), e.g. an IPv6 gateway of an IPv4 route. */
  via?: string;
  /** ifindex of the output link (rtnh_ifindex). */
  dev: number;
  /**
   * Weight, 1..256 (rtnh_hops + 1). On a route through a nexthop group (`nhId`), the
   * kernel's copy of the member's weight in 8 bits: a weight over 256 (Linux 6.12 groups)
   * reads modulo 256 here, as in `ip route`; `rt.nexthop.get(nhId)` has it whole.
   */
  weight: number;
  /** Flags by name ('onlink', 'dead', 'linkdown', …). */
  flags: string[];
  /** rtnh_flags raw. */
  rawFlags: number;
  /**
   * IPv4: realm of this path (RTA_FLOW inside the rtnexthop; `ip` prints it as "realm TO"
   * or "realms FROM/TO", `ip -j` as flow: { from, to }): TO in the low 16 bits, FROM in
   * the high ones, as a Route's `flow`. Absent when the path has none.
   */
  flow?: number;
  /** RTA_ENCAP_TYPE (LWTUNNEL_ENCAP_*). */
  encapType?: number;
  /** RTA_ENCAP raw. */
  encap?: Uint8Array;
  /** RTA_NEWDST raw. */
  newdst?: Uint8Array;
  /** Attributes inside the rtnexthop that nlkit does not know, raw (copies). */
  unknown?: { type: number; value: Uint8Array }[];
}

/** RTA_VIA: struct rtvia { family u16, address } → address string. */
const viaCodec: CustomCodec = {
  decode(ctx, off, len) {
    return len > 2 ? formatIp(ctx.buf, off + 2, len - 2) : undefined;
  },
};

/** Attributes inside one rtnexthop. */
export const RTNH_ATTRS: AttrTable = table('RTNH', 'RTA_', [
  ['RTA_GATEWAY', ipCodec],
  ['RTA_VIA', viaCodec],
  ['RTA_FLOW', 'u32'],
  ['RTA_ENCAP_TYPE', 'u16'],
  ['RTA_ENCAP', 'binary'],
  ['RTA_NEWDST', 'binary'],
]);

const multipathCodec: CustomCodec = {
  decode(ctx: DecodeContext, start: number, len: number): Nexthop[] {
    const out: Nexthop[] = [];
    const v = ctx.view;
    const end = start + len;
    let off = start;
    while (end - off >= RTNEXTHOP_LEN) {
      const nlen = v.getUint16(off, HOST_LE);
      if (nlen < RTNEXTHOP_LEN || off + nlen > end) break;
      const rawFlags = ctx.buf[off + 2]!;
      const nh: Nexthop = { dev: v.getInt32(off + 4, HOST_LE), weight: ctx.buf[off + 3]! + 1, flags: routeFlagNames(rawFlags), rawFlags };
      RTNH_ATTRS.decode(ctx.buf, v, off + RTNEXTHOP_LEN, off + nlen, [...ctx.path, `nexthop ${out.length}`], nh as unknown as Record<string, unknown>);
      out.push(nh);
      off += align4(nlen);
    }
    return out;
  },
};

/** A u32 table id (RTA_TABLE) shown as 'main' / 'local' / 'default' or a number. */
const tableCodec: CustomCodec = {
  decode(ctx, off, len) {
    return len >= 4 ? tableName(ctx.view.getUint32(off, HOST_LE)) : undefined;
  },
};

/** A prefix attribute (RTA_DST, RTA_SRC) formatted with the length from the header, stored in the parent as `dstLen`/`fromLen`. */
function prefixCodec(lenKey: string): CustomCodec {
  return {
    decode(ctx, off, len) {
      return formatPrefix(ctx.buf, off, len, (ctx.parent[lenKey] as number | undefined) ?? len * 8);
    },
  };
}

const prefCodec: CustomCodec = {
  decode(ctx, off, len) {
    return len >= 1 ? (prefByNum.get(ctx.buf[off]!) ?? ctx.buf[off]!) : undefined;
  },
};

const metricsCodec: CustomCodec & { table: AttrTable } = {
  table: RTAX,
  decode(ctx, off, len) {
    return RTAX.decode(ctx.buf, ctx.view, off, off + len, ctx.path);
  },
};

/**
 * The RTA table, with extended-ACK offsets inside RTA_MULTIPATH named by nexthop
 * ('RTA_MULTIPATH › nexthop 1 › RTA_GATEWAY'): rtnexthop headers are not attributes,
 * so the generic walk cannot name them.
 */
class RouteAttrTable extends AttrTable {
  override describeOffset(req: Uint8Array, attrsStart: number, offset: number): string | undefined {
    const v = new DataView(req.buffer, req.byteOffset, req.byteLength);
    let off = attrsStart;
    const end = req.byteLength;
    while (end - off >= NLA_HDRLEN) {
      const alen = v.getUint16(off, HOST_LE);
      if (alen < NLA_HDRLEN || off + alen > end) return undefined;
      const type = v.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK;
      if (type === C.RTA_MULTIPATH && offset > off && offset < off + alen) {
        let n = off + NLA_HDRLEN;
        for (let i = 0; end - n >= RTNEXTHOP_LEN && n < off + alen; i++) {
          const nlen = v.getUint16(n, HOST_LE);
          if (nlen < RTNEXTHOP_LEN) break;
          if (offset >= n && offset < n + nlen) {
            const inner = offset >= n + RTNEXTHOP_LEN ? RTNH_ATTRS.describeOffset(req, n + RTNEXTHOP_LEN, offset) : undefined;
            return `RTA_MULTIPATH › nexthop ${i}${inner ? ` › ${inner}` : ''}`;
          }
          n += align4(nlen);
        }
        return 'RTA_MULTIPATH';
      }
      off += align4(alen);
    }
    return super.describeOffset(req, attrsStart, offset);
  }
}

const rows = table('RTA', 'RTA_', [
  ['RTA_DST', prefixCodec('dstLen'), 'dst'],
  ['RTA_SRC', prefixCodec('fromLen'), 'from'],
  ['RTA_IIF', 'u32'],
  ['RTA_OIF', 'u32', 'dev'],
  ['RTA_GATEWAY', ipCodec],
  ['RTA_PRIORITY', 'u32', 'metric'],
  ['RTA_PREFSRC', ipCodec],
  ['RTA_METRICS', metricsCodec],
  ['RTA_MULTIPATH', multipathCodec, 'nexthops'],
  ['RTA_PROTOINFO', 'binary'],
  ['RTA_FLOW', 'u32'],
  ['RTA_CACHEINFO', cacheinfoCodec],
  ['RTA_SESSION', 'binary'],
  ['RTA_MP_ALGO', 'u32'],
  ['RTA_TABLE', tableCodec],
  ['RTA_MARK', 'u32'],
  ['RTA_MFC_STATS', 'binary'],
  ['RTA_VIA', viaCodec],
  ['RTA_NEWDST', 'binary'],
  ['RTA_PREF', prefCodec],
  ['RTA_ENCAP_TYPE', 'u16'],
  ['RTA_ENCAP', 'binary'],
  ['RTA_EXPIRES', 'u32'],
  ['RTA_PAD', { decode: () => undefined }, 'pad'],
  ['RTA_UID', 'u32'],
  ['RTA_TTL_PROPAGATE', 'u8'],
  ['RTA_IP_PROTO', 'u8'],
  ['RTA_SPORT', 'be16'],
  ['RTA_DPORT', 'be16'],
  ['RTA_NH_ID', 'u32'],
]).rows;

/** The RTA table. */
export const RTA: AttrTable = new RouteAttrTable('RTA', rows);

