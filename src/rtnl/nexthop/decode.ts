/**
 * RTM_NEWNEXTHOP message → {@link NexthopObject}: the fields `ip -j -d nexthop show`
 * prints, with the same meaning, as plain values (links as ifindexes, like a decoded
 * Route's `dev`). Unknown attributes are kept raw in `unknown`.
 * @module
 */
import { DecodeError, HOST_LE, NLMSG_HDRLEN, findAttr, type RawAttribute } from '../../netlink/index.js';
import * as C from '../constants.js';
import { AF_INET, AF_INET6 } from '../ip.js';
import { protocolName, scopeName, type Scope } from '../route/names.js';
import { routeFlagNames } from '../route/table.js';
import { NHA, NHMSG_LEN, type NexthopGroupMember, type NexthopGroupStats, type NexthopGroupType, type NexthopResilient } from './table.js';

/**
 * A nexthop object (`ip nexthop`): a gateway and/or a device, a blackhole, an fdb
 * nexthop (a vxlan remote), or a group of other nexthops. Optional fields are absent
 * when the kernel sent no attribute. (A route's own paths are {@link Nexthop}s; routes
 * point at these objects by id, RTA_NH_ID.)
 */
export interface NexthopObject {
  /** NHA_ID: its id, 1..4294967295 (`ip -j -d nexthop`'s "id"). */
  id: number;
  /** nh_family: 4 or 6 for a single nexthop, 0 (AF_UNSPEC) for a group. `ip` prints no family. */
  family: 0 | 4 | 6;
  /** NHA_GATEWAY: the gateway address ("gateway"). Absent for a device-only nexthop, a blackhole and a group. */
  gateway?: string;
  /** NHA_OIF: ifindex of the output device (`ip -j`'s "dev", by name). Absent for a blackhole, an fdb nexthop and a group. */
  dev?: number;
  /**
   * nh_scope: 'link' for a nexthop with a gateway, 'host' for a device-only one, 'global'
   * for a blackhole and a group ("scope"; number when unnamed).
   */
  scope: Scope | number;
  /** nh_protocol: who made it — 'unspec' (the default), 'zebra', 'bgp', 'static', … ("protocol"; number when unnamed). */
  protocol: string | number;
  /** nh_flags by name, as `ip` prints them: 'dead', 'onlink', 'linkdown', 'offload', 'trap', … ("flags"). */
  flags: string[];
  /** nh_flags raw (RTNH_F_*). */
  rawFlags: number;
  /** NHA_BLACKHOLE: packets routed through it are dropped ("blackhole": null in `ip -j`). */
  blackhole?: boolean;
  /** NHA_FDB: an fdb nexthop or group, for vxlan fdb entries (NDA_NH_ID), not for routes ("fdb": null in `ip -j`). */
  fdb?: boolean;
  /** NHA_GROUP: a group's members and their weights ("group"; `ip -j` leaves out a weight of 1). */
  group?: NexthopGroupMember[];
  /** NHA_GROUP_TYPE: a group's type, 'mpath' or 'resilient' (number when unnamed; `ip` prints "type" for resilient only). */
  groupType?: NexthopGroupType | number;
  /** NHA_RES_GROUP: a resilient group's buckets and timers, in seconds ("resilient_args"). */
  resilient?: NexthopResilient;
  /**
   * NHA_HW_STATS_ENABLE: a group's hardware statistics are enabled (`ip -d -j`'s
   * hw_stats.enabled, iproute2 6.8 and later). Reported only when statistics were asked
   * for (`stats` of list and get).
   */
  hwStats?: boolean;
  /** NHA_HW_STATS_USED: hardware counts for the group (hw_stats.used); with `stats` only. */
  hwStatsUsed?: boolean;
  /** NHA_GROUP_STATS: a group's per-member packet counters (`ip -s -j`'s "group_stats"); with `stats` only. */
  groupStats?: NexthopGroupStats[];
  /** NHA_ENCAP_TYPE: a lightweight tunnel encapsulation's type (LWTUNNEL_ENCAP_*; `ip`'s "encap"). */
  encapType?: number;
  /** NHA_ENCAP raw: the encapsulation's attributes, of the kind `encapType` names (a copy). */
  encap?: Buffer;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/** The path of this message's attributes in errors (one frozen array: the table caches child paths by it). */
const PATH: readonly string[] = Object.freeze(['RTM_NEWNEXTHOP']);

/**
 * Decode the RTM_NEWNEXTHOP/RTM_DELNEXTHOP message at `off` (nlmsghdr included) of
 * length `len`. Nothing in the result refers to `buf`.
 */
export function decodeNexthop(buf: Buffer, view: DataView, off: number, len: number): NexthopObject {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + NHMSG_LEN) throw new DecodeError('RTM_NEWNEXTHOP shorter than nhmsg', PATH, off, NLMSG_HDRLEN + NHMSG_LEN, len);
  const af = buf[h]!;
  const rawFlags = view.getUint32(h + 4, HOST_LE);
  const nh: NexthopObject = {
    id: 0,
    family: af === AF_INET ? 4 : af === AF_INET6 ? 6 : (af as 0),
    scope: scopeName(buf[h + 1]!),
    protocol: protocolName(buf[h + 2]!),
    flags: routeFlagNames(rawFlags),
    rawFlags,
  };
  const start = h + NHMSG_LEN;
  NHA.decode(buf, view, start, off + len, PATH, nh as unknown as Record<string, unknown>);
  if (nh.group !== undefined) {
    // Kernels before 6.12 left nexthop_grp's reserved bytes (now weight_high) unset in
    // what they send; the kernel says when they hold the weight's high byte.
    const at = findAttr(view, start, off + len, C.NHA_OP_FLAGS, PATH);
    const resp = at >= 0 && view.getUint16(at - 4, HOST_LE) >= 8 ? view.getUint32(at, HOST_LE) : 0;
    if ((resp & C.NHA_OP_FLAG_RESP_GRP_RESVD_0) === 0) for (const m of nh.group) m.weight = ((m.weight - 1) & 0xff) + 1;
  }
  return nh;
}
