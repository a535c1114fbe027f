/**
 * RTM_NEWRULE message → {@link Rule}: the fields `ip -j rule` prints, as plain values.
 * Unknown attributes are kept raw in `unknown`.
 * @module
 */
import { DecodeError, HOST_LE, NLMSG_HDRLEN, type RawAttribute } from '../../netlink/index.js';
import { AF_INET, AF_INET6, formatPrefix } from '../ip.js';
import { protocolName, tableName, type TableRef } from '../route/names.js';
import { FIB_RULE_HDR_LEN, FRA, RULE_ACTIONS, RULE_FLAGS, type Range, type RuleAction } from './table.js';
import * as C from '../constants.js';

/** A policy routing rule. */
export interface Rule {
  /** 4 or 6. */
  family: 4 | 6;
  /** Priority (FRA_PRIORITY; `ip`'s "priority"/"pref"). */
  priority: number;
  /** 'lookup', 'goto', 'nop', 'blackhole', 'unreachable', 'prohibit' (number when unnamed). */
  action: RuleAction | number;
  /** Table to look up: 'main', 'local', 'default' or its id (FRA_TABLE, else the header's); absent when none. */
  table?: TableRef;
  /** Source prefix ('10.1.0.0/24'; a bare address for a full-length prefix); absent for "from all". */
  from?: string;
  /** Destination prefix; absent for "to all". */
  to?: string;
  /** The selector is inverted (FIB_RULE_INVERT; `ip rule add not …`). */
  not: boolean;
  /** TOS selector. */
  tos: number;
  /** Firewall mark and mask. */
  fwmark?: number;
  /** Mask for the firewall mark (FRA_FWMASK; `ip rule … fwmark MARK/MASK`). */
  fwmask?: number;
  /** Input interface name (FRA_IIFNAME). */
  iif?: string;
  /** Output interface name (FRA_OIFNAME). */
  oif?: string;
  /** Target priority of a goto rule (FRA_GOTO). */
  goto?: number;
  /** FRA_PROTOCOL: who installed the rule ('kernel', 'boot', …). */
  protocol?: string | number;
  /** Flags by name ('not', 'unresolved', 'iif_detached', 'oif_detached', …). */
  flags: string[];
  /** Header flags raw. */
  rawFlags: number;
  /** FRA_SUPPRESS_PREFIXLEN: reject lookups whose route has this prefix length or less (`ip`'s "suppress_prefixlength"); absent when unset. */
  suppressPrefixlen?: number;
  /** FRA_SUPPRESS_IFGROUP: reject lookups whose route uses a device of this group (`ip`'s "suppress_ifgroup"); absent when unset. */
  suppressIfgroup?: number;
  /** FRA_L3MDEV: 1 = when iif or oif is an l3mdev device, look up in its table (`ip`'s "l3mdev"). */
  l3mdev?: number;
  /** FRA_UID_RANGE: uids to match (`ip`'s "uidrange"). */
  uidRange?: Range;
  /** FRA_IP_PROTO: IP protocol number to match (`ip`'s "ipproto"). */
  ipProto?: number;
  /** FRA_SPORT_RANGE: source ports to match (`ip`'s "sport"). */
  sport?: Range;
  /** FRA_DPORT_RANGE: destination ports to match (`ip`'s "dport"). */
  dport?: Range;
  /**
   * FRA_SPORT_MASK: the bits of a single source port that must match (`ip`'s "sport
   * PORT/MASK"; newer kernels than 6.1's headers, which also send it for a plain single port).
   */
  sportMask?: number;
  /** FRA_DPORT_MASK: the same for the destination port. */
  dportMask?: number;
  /** FRA_DSCP: the DSCP to match, 0..63 (`ip`'s "dscp"; newer kernels; a rule has this or a `tos`). */
  dscp?: number;
  /** FRA_DSCP_MASK: the bits of `dscp` that must match (`ip`'s "dscp DSCP/MASK"). */
  dscpMask?: number;
  /** FRA_FLOWLABEL: the IPv6 flow label to match, 20 bits (`ip`'s "flowlabel"; newer kernels). */
  flowlabel?: number;
  /** FRA_FLOWLABEL_MASK: the bits of `flowlabel` that must match (`ip`'s "flowlabel LABEL/MASK"). */
  flowlabelMask?: number;
  /** FRA_TUN_ID: tunnel id to match (`ip`'s "tun_id"). */
  tunId?: bigint;
  /** FRA_FLOW: flow/class id, the realms (`ip`'s "realms"). */
  flow?: number;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

const actionByNum = new Map<number, string>(Object.entries(RULE_ACTIONS).map(([k, v]) => [v, k]));

/** Rule flag bits → names. */
export function ruleFlagNames(flags: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of RULE_FLAGS) if (flags & bit) out.push(name);
  return out;
}

/**
 * The path of this message's attributes in errors: one frozen array for every message,
 * since the attribute table caches the child paths of its nests by the parent array.
 */
const PATH: readonly string[] = Object.freeze(['RTM_NEWRULE']);

/**
 * Decode the RTM_NEWRULE message at `off` (nlmsghdr included) of length `len`, or
 * undefined for a family other than IPv4/IPv6 (multicast routing rules).
 */
export function decodeRule(buf: Buffer, view: DataView, off: number, len: number): Rule | undefined {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + FIB_RULE_HDR_LEN) throw new DecodeError('RTM_NEWRULE shorter than fib_rule_hdr', ['RTM_NEWRULE'], off, NLMSG_HDRLEN + FIB_RULE_HDR_LEN, len);
  const af = buf[h]!;
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const dstLen = buf[h + 1]!;
  const srcLen = buf[h + 2]!;
  const action = buf[h + 7]!;
  const rawFlags = view.getUint32(h + 8, HOST_LE);
  const r: Rule = {
    family: af === AF_INET ? 4 : 6,
    priority: 0,
    action: (actionByNum.get(action) as RuleAction | undefined) ?? action,
    not: (rawFlags & C.FIB_RULE_INVERT) !== 0,
    tos: buf[h + 3]!,
    flags: ruleFlagNames(rawFlags),
    rawFlags,
  };
  const o = r as unknown as Record<string, unknown>;
  FRA.decode(buf, view, h + FIB_RULE_HDR_LEN, off + len, PATH, o);
  const tableId = (o['tableId'] as number | undefined) ?? buf[h + 4]!;
  delete o['tableId'];
  if (tableId !== 0) r.table = tableName(tableId);
  const fromBytes = o['fromBytes'] as Uint8Array | undefined;
  const toBytes = o['toBytes'] as Uint8Array | undefined;
  delete o['fromBytes'];
  delete o['toBytes'];
  if (fromBytes && srcLen) r.from = formatPrefix(fromBytes, 0, fromBytes.length, srcLen);
  if (toBytes && dstLen) r.to = formatPrefix(toBytes, 0, toBytes.length, dstLen);
  if (typeof r.protocol === 'number') r.protocol = protocolName(r.protocol);
  return r;
}
