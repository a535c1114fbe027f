/**
 * `rt.rule`: add, delete and list policy routing rules over RTM_*RULE.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NLM_F_CREATE, NLM_F_EXCL, showValue, type MessageWriter } from '../../netlink/index.js';
import * as C from '../constants.js';
import { decodeKept, eachArgs, type ForEachCallback, type RtnlCore } from '../core.js';
import { registerLayout } from '../describer.js';
import { AF_UNSPEC, afOf, formatPrefix, hasHostBits, networkOf, parsePrefix, type IpPrefix } from '../ip.js';
import { ROUTE_PROTOCOLS, checkTable, tableByte, tableName, type TableRef } from '../route/names.js';
import { checkBool, checkFamily, checkIfname, checkInt, checkKeys, checkNamed, checkObject, checkU32 } from '../validate.js';
import { bodyOf, flushRounds, type Dumped } from '../flush.js';
import { decodeRule, type Rule } from './decode.js';
import { FIB_RULE_HDR_LEN, FRA, RULE_ACTIONS, type Range, type RuleAction } from './table.js';

registerLayout([C.RTM_NEWRULE, C.RTM_DELRULE, C.RTM_GETRULE], FIB_RULE_HDR_LEN, FRA);

/** A start..end range, as an object, a [start, end] pair, or one number. */
export type RangeSpec = Readonly<Range> | readonly [number, number] | number;

/** What `rt.rule.add`/`del` take. Every field is optional. */
export interface RuleSpec {
  /** 4 / 'inet' or 6 / 'inet6'. Defaults to the family of from/to, else 4 (as `ip rule`). */
  readonly family?: 4 | 6 | 'inet' | 'inet6' | undefined;
  /** Priority (`pref`). Defaults to the kernel's choice (just below the lowest existing non-zero one). */
  readonly priority?: number | undefined;
  /** Table to look up: 'main', 'local', 'default' or a number. Defaults to 'main' for a lookup rule being added. */
  readonly table?: TableRef | string | undefined;
  /** What the rule does. Defaults to 'lookup' ('goto' when `goto` is given). */
  readonly action?: RuleAction | undefined;
  /**
   * Source prefix (a bare address is a full-length prefix). `add` refuses host bits past
   * the length; `del` takes them, to match a rule added with them (`ip rule add from
   * 10.0.0.1/24`). Defaults to all.
   */
  readonly from?: string | undefined;
  /** Destination prefix, as `from`. Defaults to all. */
  readonly to?: string | undefined;
  /**
   * Invert the selector (`ip rule add not …`). A delete is matched without it (the
   * kernel does not compare the flag): `del` deletes the first rule matching the other
   * fields, inverted or not. Defaults to false.
   */
  readonly not?: boolean | undefined;
  /** TOS selector. Defaults to any. */
  readonly tos?: number | undefined;
  /** Firewall mark to match. Defaults to any. */
  readonly fwmark?: number | undefined;
  /** Mask for fwmark. Defaults to 0xffffffff (the kernel's). */
  readonly fwmask?: number | undefined;
  /** Input interface name (need not exist yet). Defaults to any. */
  readonly iif?: string | undefined;
  /** Output interface name (need not exist yet). Defaults to any. */
  readonly oif?: string | undefined;
  /** Priority of the rule to jump to (makes the action 'goto'). Defaults to none. */
  readonly goto?: number | undefined;
  /** FRA_PROTOCOL: who installs the rule (route protocol name or 0..255). Defaults to none (the kernel's 'unspec'). */
  readonly protocol?: string | number | undefined;
  /** Ignore lookup results with a prefix length ≤ this (`suppress_prefixlength`). Defaults to none. */
  readonly suppressPrefixlen?: number | undefined;
  /** Ignore lookup results through links of this group (`suppress_ifgroup`). Defaults to none. */
  readonly suppressIfgroup?: number | undefined;
  /** IP protocol number to match (`ipproto`). Defaults to any. */
  readonly ipProto?: number | undefined;
  /** Source port or range (`sport`). Defaults to any. */
  readonly sport?: RangeSpec | undefined;
  /** Destination port or range (`dport`). Defaults to any. */
  readonly dport?: RangeSpec | undefined;
  /** uid range (`uidrange`). Defaults to any. */
  readonly uidRange?: RangeSpec | undefined;
  /**
   * The bits of a single `sport` that must match (FRA_SPORT_MASK; `ip rule … sport
   * PORT/MASK`), 0..0xffff; needs a single-port `sport`. Newer kernels (not in the 6.1
   * headers) only; older ones refuse the attribute. Defaults to every bit.
   */
  readonly sportMask?: number | undefined;
  /** The same for `dport` (FRA_DPORT_MASK; `ip rule … dport PORT/MASK`). */
  readonly dportMask?: number | undefined;
  /**
   * DSCP to match, 0..63 (FRA_DSCP; `ip rule … dscp N`), instead of a `tos`. Newer
   * kernels only. Defaults to any.
   */
  readonly dscp?: number | undefined;
  /** The bits of `dscp` that must match, 0..63 (FRA_DSCP_MASK; `ip rule … dscp N/MASK`); needs `dscp`. */
  readonly dscpMask?: number | undefined;
  /**
   * IPv6 flow label to match, 0..0xfffff (FRA_FLOWLABEL; `ip rule … flowlabel N`); IPv6
   * rules only. Newer kernels only. Defaults to any.
   */
  readonly flowlabel?: number | undefined;
  /** The bits of `flowlabel` that must match, 0..0xfffff (FRA_FLOWLABEL_MASK; `ip rule … flowlabel N/MASK`); needs `flowlabel`. Defaults to every bit. */
  readonly flowlabelMask?: number | undefined;
  /**
   * Realms to match (FRA_FLOW; `ip rule … realms FROM/TO`): TO in the low 16 bits, FROM in
   * the high ones, as a decoded Rule's `flow`. Defaults to any.
   */
  readonly flow?: number | undefined;
  /** Tunnel id to match (FRA_TUN_ID; `ip rule … tun_id N`), 0..2^64-1. Defaults to any. */
  readonly tunId?: bigint | number | undefined;
  /**
   * Look up the table of the l3mdev (VRF) device the packet comes in or goes out on
   * (FRA_L3MDEV; `ip rule … l3mdev`): a lookup rule without a table. `1` as a decoded Rule
   * has it. Defaults to false.
   */
  readonly l3mdev?: boolean | 0 | 1 | undefined;
}

/** Filters for `rt.rule.list`. */
export interface RuleFilter {
  /** 4 / 'inet' or 6 / 'inet6' (filtered by the kernel). Defaults to both. */
  readonly family?: 4 | 6 | 'inet' | 'inet6' | undefined;
  /** Only rules that look up this table. Defaults to any. */
  readonly table?: TableRef | string | undefined;
  /** Only rules with this priority. Defaults to any. */
  readonly priority?: number | undefined;
}

const SPEC_KEYS = new Set(['family', 'priority', 'table', 'action', 'from', 'to', 'not', 'tos', 'fwmark', 'fwmask', 'iif', 'oif', 'goto', 'protocol', 'suppressPrefixlen', 'suppressIfgroup', 'ipProto', 'sport', 'dport', 'uidRange', 'flow', 'tunId', 'l3mdev',
  'sportMask', 'dportMask', 'dscp', 'dscpMask', 'flowlabel', 'flowlabelMask']);
const FILTER_KEYS = new Set(['family', 'table', 'priority']);
/** A port mask's key, its port's, and the attributes of the range and of the mask. */
const PORT_MASKS: readonly (readonly [string, string, readonly [number, number]])[] = [
  ['sportMask', 'sport', [C.FRA_SPORT_RANGE, C.FRA_SPORT_MASK]],
  ['dportMask', 'dport', [C.FRA_DPORT_RANGE, C.FRA_DPORT_MASK]],
];
const RANGE_KEYS = new Set(['start', 'end']);
/** Decoded-Rule keys that neither identify nor make a rule (dropped when a Rule is passed to add or del). */
const DECODED_ONLY = new Set(['flags', 'rawFlags', 'unknown']);

interface PreparedRule {
  family: 4 | 6;
  from: IpPrefix | undefined;
  to: IpPrefix | undefined;
  action: number;
  table: number | undefined;
  flags: number;
  tos: number;
  priority: number | undefined;
  u32: [number, number][];
  u8: [number, number][];
  /** u16 attributes (the port masks). */
  u16: [number, number][];
  /** Big-endian u32 attributes (the flow label and its mask). */
  be32: [number, number][];
  iif: string | undefined;
  oif: string | undefined;
  ranges: [number, Range, 16 | 32][];
  tunId: bigint | undefined;
  subject: string;
}

function checkRange(v: unknown, arg: string, max: number): Range {
  let start: unknown;
  let end: unknown;
  if (typeof v === 'number') start = end = v;
  else if (Array.isArray(v) && v.length === 2) [start, end] = v as unknown[];
  else if (typeof v === 'object' && v !== null && 'start' in v && 'end' in v) {
    checkKeys(v, RANGE_KEYS, `${arg}.`);
    ({ start, end } = v as Range);
  }
  else throw new InvalidArgumentError(arg, 'expected a number, [start, end] or { start, end }');
  const s = checkInt(start, `${arg}.start`, 0, max);
  const e = checkInt(end, `${arg}.end`, 0, max);
  if (s > e) throw new InvalidArgumentError(arg, `start ${s} is after end ${e}`);
  return { start: s, end: e };
}

function checkU64(v: unknown, arg: string): bigint {
  if (typeof v === 'bigint' && v >= 0n && v <= 0xffffffffffffffffn) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new InvalidArgumentError(arg, `expected an integer in 0..2^64-1 (a bigint, or a number up to 2^53-1), got ${showValue(v)}`);
}

/**
 * A from/to selector. Host bits are refused in a rule being added (ip would keep them,
 * the kernel stores them as given and matches by the prefix only), but not in a delete:
 * the kernel matches a delete's selector against the stored one exactly, so a rule
 * another tool added with host bits (`ip rule add from 10.0.0.1/24`) is deleted only
 * by naming them.
 */
function selector(v: unknown, arg: string, family: 4 | 6 | undefined, forDelete: boolean): IpPrefix {
  const p = parsePrefix(v, arg);
  if (family !== undefined && p.family !== family) throw new InvalidArgumentError(arg, `${String(v)} is IPv${p.family} but the rule is IPv${family}`);
  if (!forDelete && hasHostBits(p)) {
    const n = networkOf(p);
    throw new InvalidArgumentError(arg, `'${String(v)}' has host bits set past /${p.prefixLen} (did you mean ${formatPrefix(n.bytes, 0, n.bytes.length, n.prefixLen)}?)`);
  }
  return p;
}

function prepare(spec: unknown, forDelete: boolean): PreparedRule {
  let s = checkObject(spec, 'spec');
  if (typeof s['rawFlags'] === 'number') {
    // A decoded Rule: keep what identifies it (a delete) or makes it again (an add); the
    // flags are the kernel's state, and `not` is their one that a spec gives.
    s = Object.fromEntries(Object.entries(s).filter(([k, v]) => !DECODED_ONLY.has(k) && v !== undefined && !(k === 'not' && v === false)));
  }
  checkKeys(s, SPEC_KEYS, '');
  let family: 4 | 6 | undefined = s['family'] !== undefined ? checkFamily(s['family'], 'family') : undefined;
  const from = s['from'] !== undefined ? selector(s['from'], 'from', family, forDelete) : undefined;
  family ??= from?.family;
  const to = s['to'] !== undefined ? selector(s['to'], 'to', family, forDelete) : undefined;
  family ??= to?.family ?? 4;
  let action: number;
  if (s['goto'] !== undefined) {
    if (s['action'] !== undefined && s['action'] !== 'goto') throw new InvalidArgumentError('goto', `goto needs action 'goto', not '${String(s['action'])}'`);
    action = C.FR_ACT_GOTO;
  } else if (s['action'] !== undefined) {
    action = checkNamed(s['action'], 'action', RULE_ACTIONS, 255);
    // A delete too: the kernel parses it as an add ("Missing goto target for action goto").
    if (action === C.FR_ACT_GOTO) throw new InvalidArgumentError('goto', "action 'goto' needs the priority to jump to (goto)");
  } else action = forDelete ? C.FR_ACT_UNSPEC : C.FR_ACT_TO_TBL;
  let table = s['table'] !== undefined ? checkTable(s['table'], 'table') : undefined;
  if (table !== undefined && action !== C.FR_ACT_TO_TBL && action !== C.FR_ACT_UNSPEC) throw new InvalidArgumentError('table', `a '${String(s['action'] ?? 'goto')}' rule looks up no table`);
  const l3mdev = s['l3mdev'] !== undefined && (s['l3mdev'] === 0 || s['l3mdev'] === 1 ? s['l3mdev'] === 1 : checkBool(s['l3mdev'], 'l3mdev'));
  if (l3mdev) {
    // The kernel refuses the pair ("l3mdev and table are mutually exclusive").
    if (table !== undefined) throw new InvalidArgumentError('l3mdev', 'an l3mdev rule looks up the table of the l3mdev device; give no table');
    if (action !== C.FR_ACT_TO_TBL && action !== C.FR_ACT_UNSPEC) throw new InvalidArgumentError('l3mdev', `an l3mdev rule is a lookup, not '${String(s['action'] ?? 'goto')}'`);
  } else if (table === undefined && action === C.FR_ACT_TO_TBL && !forDelete) table = C.RT_TABLE_MAIN;
  const p: PreparedRule = {
    family, from, to, action, table, flags: 0, tos: s['tos'] !== undefined ? checkInt(s['tos'], 'tos', 0, 255) : 0,
    priority: s['priority'] !== undefined ? checkU32(s['priority'], 'priority') : undefined,
    u32: [], u8: [], u16: [], be32: [], iif: undefined, oif: undefined, ranges: [], tunId: undefined, subject: '',
  };
  if (l3mdev) p.u8.push([C.FRA_L3MDEV, 1]);
  if (s['flow'] !== undefined) p.u32.push([C.FRA_FLOW, checkU32(s['flow'], 'flow')]);
  if (s['tunId'] !== undefined) p.tunId = checkU64(s['tunId'], 'tunId');
  if (s['not'] !== undefined && checkBool(s['not'], 'not')) p.flags |= C.FIB_RULE_INVERT;
  if (s['fwmask'] !== undefined && s['fwmark'] === undefined) throw new InvalidArgumentError('fwmask', 'a mask needs a fwmark');
  if (s['fwmark'] !== undefined) p.u32.push([C.FRA_FWMARK, checkU32(s['fwmark'], 'fwmark')]);
  if (s['fwmask'] !== undefined) p.u32.push([C.FRA_FWMASK, checkU32(s['fwmask'], 'fwmask')]);
  if (s['goto'] !== undefined) p.u32.push([C.FRA_GOTO, checkU32(s['goto'], 'goto')]);
  if (s['suppressPrefixlen'] !== undefined) p.u32.push([C.FRA_SUPPRESS_PREFIXLEN, checkInt(s['suppressPrefixlen'], 'suppressPrefixlen', 0, family === 4 ? 32 : 128)]);
  if (s['suppressIfgroup'] !== undefined) p.u32.push([C.FRA_SUPPRESS_IFGROUP, checkU32(s['suppressIfgroup'], 'suppressIfgroup')]);
  if (s['protocol'] !== undefined) p.u8.push([C.FRA_PROTOCOL, checkNamed(s['protocol'], 'protocol', ROUTE_PROTOCOLS, 255)]);
  if (s['ipProto'] !== undefined) p.u8.push([C.FRA_IP_PROTO, checkInt(s['ipProto'], 'ipProto', 0, 255)]);
  if (s['iif'] !== undefined) p.iif = checkIfname(s['iif'], 'iif');
  if (s['oif'] !== undefined) p.oif = checkIfname(s['oif'], 'oif');
  if (s['sport'] !== undefined) p.ranges.push([C.FRA_SPORT_RANGE, checkRange(s['sport'], 'sport', 0xffff), 16]);
  if (s['dport'] !== undefined) p.ranges.push([C.FRA_DPORT_RANGE, checkRange(s['dport'], 'dport', 0xffff), 16]);
  if (s['uidRange'] !== undefined) p.ranges.push([C.FRA_UID_RANGE, checkRange(s['uidRange'], 'uidRange', 0xffffffff), 32]);
  for (const [key, port, attr] of PORT_MASKS) {
    if (s[key] === undefined) continue;
    const mask = checkInt(s[key], key, 0, 0xffff);
    const r = p.ranges.find(([t]) => t === attr[0])?.[1];
    // The kernel masks a single port only ("sport mask without sport value" / "...range").
    if (r === undefined) throw new InvalidArgumentError(key, `a mask needs a single ${port}`);
    if (r.start !== r.end) throw new InvalidArgumentError(key, `a mask applies to a single ${port}, not the range ${r.start}-${r.end}`);
    p.u16.push([attr[1], mask]);
  }
  if (s['dscpMask'] !== undefined && s['dscp'] === undefined) throw new InvalidArgumentError('dscpMask', 'a mask needs a dscp');
  if (s['dscp'] !== undefined) {
    if (p.tos !== 0) throw new InvalidArgumentError('dscp', 'a rule matches a tos or a dscp, not both');
    p.u8.push([C.FRA_DSCP, checkInt(s['dscp'], 'dscp', 0, 63)]);
  }
  if (s['dscpMask'] !== undefined) p.u8.push([C.FRA_DSCP_MASK, checkInt(s['dscpMask'], 'dscpMask', 0, 63)]);
  if (s['flowlabelMask'] !== undefined && s['flowlabel'] === undefined) throw new InvalidArgumentError('flowlabelMask', 'a mask needs a flowlabel');
  if (s['flowlabel'] !== undefined) {
    if (family !== 6) throw new InvalidArgumentError('flowlabel', 'a flow label is matched by IPv6 rules only (give family 6, or an IPv6 from/to)');
    p.be32.push([C.FRA_FLOWLABEL, checkInt(s['flowlabel'], 'flowlabel', 0, 0xfffff)]);
  }
  // The kernel needs the mask with the label ("missing FRA_FLOWLABEL_MASK"): every bit unless given, as `ip` sends it.
  if (s['flowlabel'] !== undefined) p.be32.push([C.FRA_FLOWLABEL_MASK, s['flowlabelMask'] !== undefined ? checkInt(s['flowlabelMask'], 'flowlabelMask', 0, 0xfffff) : 0xfffff]);
  const parts: string[] = [];
  if (p.priority !== undefined) parts.push(`pref ${p.priority}`);
  if (s['from'] !== undefined) parts.push(`from ${String(s['from'])}`);
  if (s['to'] !== undefined) parts.push(`to ${String(s['to'])}`);
  if (table !== undefined) parts.push(`table ${String(tableName(table))}`);
  // The family too: a rule at the same priority in the other family is another rule ("no rule matches … pref 303 (IPv6)").
  p.subject = `${parts.length ? parts.join(' ') : 'all'} (IPv${family})`;
  if (forDelete && !selects(p)) {
    // The kernel deletes the first rule that matches every field it compares: with none,
    // the first rule of all, 0: from all lookup local (`ip rule del` refuses an empty one).
    throw new InvalidArgumentError('spec', 'deleting a rule needs at least one field that selects it (priority, table, from, to, fwmark, iif, oif, action, …; the kernel compares neither `not` nor a zero fwmark, tos, protocol, ipProto or tunId, a /0 prefix or l3mdev false): without one the kernel deletes the first rule, 0: from all lookup local');
  }
  return p;
}

/** u32/u8 attributes the kernel's rule_find compares only when non-zero (a zero one matches every rule). */
const ZERO_IGNORED: ReadonlySet<number> = new Set([C.FRA_FWMARK, C.FRA_FWMASK, C.FRA_PROTOCOL, C.FRA_IP_PROTO]);

/**
 * Whether a delete selects a rule by something the kernel compares (rule_find and the
 * family's compare): not the invert flag, nor a zero mark, tos, protocol, ipproto or
 * tun_id, nor a /0 prefix. Every other attribute sent is compared.
 */
function selects(p: PreparedRule): boolean {
  if (p.priority !== undefined || p.table !== undefined || p.action !== C.FR_ACT_UNSPEC || p.tos !== 0) return true;
  if ((p.from?.prefixLen ?? 0) > 0 || (p.to?.prefixLen ?? 0) > 0 || p.iif !== undefined || p.oif !== undefined) return true;
  if ((p.tunId ?? 0n) !== 0n || p.ranges.length > 0 || p.u16.length > 0 || p.be32.length > 0) return true;
  for (const [t, v] of p.u32) if (v !== 0 || !ZERO_IGNORED.has(t)) return true;
  for (const [t, v] of p.u8) if (v !== 0 || !ZERO_IGNORED.has(t)) return true;
  return false;
}

/** Write struct fib_rule_hdr at the writer's cursor. */
export function putFibRuleHdr(w: MessageWriter, family: number, dstLen: number, srcLen: number, tos: number, table: number, action: number, flags: number): void {
  const o = w.reserve(FIB_RULE_HDR_LEN);
  const b = w.buf;
  b[o] = family;
  b[o + 1] = dstLen;
  b[o + 2] = srcLen;
  b[o + 3] = tos;
  b[o + 4] = table;
  b[o + 7] = action;
  w.view.setUint32(o + 8, flags >>> 0, HOST_LE);
}

function writeRule(w: MessageWriter, p: PreparedRule): void {
  putFibRuleHdr(w, afOf(p.family), p.to?.prefixLen ?? 0, p.from?.prefixLen ?? 0, p.tos, p.table !== undefined ? tableByte(p.table) : 0, p.action, p.flags);
  if (p.table !== undefined && p.table >= 256) w.putU32(C.FRA_TABLE, p.table);
  if (p.priority !== undefined) w.putU32(C.FRA_PRIORITY, p.priority);
  if (p.from) w.putBytes(C.FRA_SRC, p.from.bytes);
  if (p.to) w.putBytes(C.FRA_DST, p.to.bytes);
  if (p.iif !== undefined) w.putStrz(C.FRA_IIFNAME, p.iif);
  if (p.oif !== undefined) w.putStrz(C.FRA_OIFNAME, p.oif);
  if (p.tunId !== undefined) {
    // Big-endian on the wire (the kernel's nla_get_be64).
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, p.tunId, false);
    w.putBytes(C.FRA_TUN_ID, b);
  }
  for (const [t, v] of p.u32) w.putU32(t, v);
  for (const [t, v] of p.u8) w.putU8(t, v);
  for (const [t, v] of p.u16) w.putU16(t, v);
  for (const [t, v] of p.be32) w.putBe32(t, v);
  for (const [t, r, bits] of p.ranges) {
    const b = new Uint8Array(bits === 16 ? C.SIZEOF_FIB_RULE_PORT_RANGE : C.SIZEOF_FIB_RULE_UID_RANGE);
    const v = new DataView(b.buffer);
    if (bits === 16) {
      v.setUint16(0, r.start, HOST_LE);
      v.setUint16(2, r.end, HOST_LE);
    } else {
      v.setUint32(0, r.start, HOST_LE);
      v.setUint32(4, r.end, HOST_LE);
    }
    w.putBytes(t, b);
  }
}

/** The dump callback: one function for every dump (a closure per call deoptimises the socket's receive loop). */
const onRule = (buf: Buffer, view: DataView, off: number, len: number): Rule | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWRULE ? decodeRule(buf, view, off, len) : undefined;

/** rule.flush's dump callback: the decoded rule and its message body, to send back as the delete. */
const onRuleRaw = (buf: Buffer, view: DataView, off: number, len: number): Dumped<Rule> | undefined => {
  const obj = view.getUint16(off + 4, HOST_LE) === C.RTM_NEWRULE ? decodeRule(buf, view, off, len) : undefined;
  return obj === undefined ? undefined : { obj, body: bodyOf(buf, off, len) };
};

/** A rule delete that failed because the rule is gone already (deleted in between). */
const RULE_GONE: ReadonlySet<string> = new Set(['ENOENT']);

/** Rule operations of an Rtnl handle (`rt.rule`). */
export class RuleApi {
  /** Not for users: every Rtnl handle has its own, `rt.rule`. */
  private constructor(private readonly core: RtnlCore) {}

  /** @internal How a handle makes its `rt.rule` (and tests one over a stand-in core). */
  static of(core: RtnlCore): RuleApi {
    return new RuleApi(core);
  }

  /**
   * Add a rule: RTM_NEWRULE with NLM_F_CREATE|NLM_F_EXCL. An identical rule at the same
   * `priority` is EEXIST; without `priority` the kernel picks a new one each time, so
   * adding the same rule twice makes two (as `ip rule add` does): give a priority for an
   * add that is safe to repeat.
   *
   * Equivalent to: `ip rule add [not] [from P] [to P] [tos T] [fwmark M/MASK] [iif I]
   * [oif O] [pref N] [table T | goto N | nop | blackhole | unreachable | prohibit]
   * [protocol P] [suppress_prefixlength N] [ipproto P] [sport R] [dport R] [uidrange R]
   * [realms FROM/TO] [tun_id N] [l3mdev] [sport PORT/MASK] [dport PORT/MASK]
   * [dscp N/MASK] [flowlabel N/MASK]` (the masks, `dscp` and `flowlabel` with a newer
   * iproute2 and kernel than 6.1).
   * A decoded Rule from `list()` can be passed as is (to copy a rule into another netns),
   * or spread with changes (`{ ...rule, priority: 200 }`).
   * @throws InvalidArgumentError for bad input; NetlinkError 'EEXIST' for a duplicate at the same priority.
   */
  async add(spec: RuleSpec | Rule): Promise<void> {
    const p = prepare(spec, false);
    await this.core.sock.request(C.RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, (w) => writeRule(w, p), undefined, { subject: p.subject });
  }

  /**
   * Delete the first rule matching every field given (a decoded Rule from `list()` can
   * be passed as is). At least one field besides `family` is required: the kernel
   * would otherwise delete the first rule, `0: from all lookup local`.
   *
   * Equivalent to: `ip rule del [pref N] [from P] [table T] …`.
   * @throws InvalidArgumentError for bad input or a spec that selects nothing;
   *   NetlinkError 'ENOENT' when no rule matches.
   */
  async del(spec: RuleSpec | Rule): Promise<void> {
    const p = prepare(spec, true);
    await this.core.sock.request(C.RTM_DELRULE, 0, (w) => writeRule(w, p), undefined, { subject: p.subject });
  }

  /**
   * List rules in priority order (one dump per family; the kernel filters nothing else
   * in a rule dump, so table and priority are filtered here).
   *
   * Equivalent to: `ip [-4|-6] rule show [table T] [pref N]`. (`ip rule` alone shows
   * IPv4 only; `list()` without a family returns both.)
   */
  async list(filter?: RuleFilter): Promise<Rule[]> {
    const q = query(filter);
    return (await this.core.sock.dump(C.RTM_GETRULE, 0, q.build, onRule)).filter(q.keep);
  }

  /**
   * Walk the rules `list(filter)` would return without collecting them, as the other
   * objects' `forEach` does (rule tables are small; this is for code written over all
   * of them). Return `false` from `fn` to stop. Resolves with the number of rules `fn`
   * was given. `fn` runs synchronously inside the receive loop; an async `fn` is
   * refused; an interrupted dump (NLM_F_DUMP_INTR) is not retried but rejects with
   * DumpInterruptedError after the walk.
   *
   * Equivalent to: `ip [-4|-6] rule show [table T] [pref N]` piped into a reader.
   * @throws DumpInterruptedError when the dump was interrupted; whatever `fn` threw.
   */
  async forEach<R = boolean | void>(fn: ForEachCallback<Rule, R>): Promise<number>;
  async forEach<R = boolean | void>(filter: RuleFilter | undefined, fn: ForEachCallback<Rule, R>): Promise<number>;
  async forEach(a: RuleFilter | ((object: Rule) => unknown) | undefined, b?: (object: Rule) => unknown): Promise<number> {
    const [filter, fn] = eachArgs(a, b);
    const q = query(filter);
    return this.core.sock.dumpEach(C.RTM_GETRULE, 0, q.build, decodeKept(onRule, q.keep), fn);
  }

  /**
   * Delete every rule that `list(filter)` returns — both families unless `family` is
   * given — except the kernel's default rules (`0: from all lookup local`,
   * `32766: from all lookup main`, `32767: from all lookup default`) unless the filter's
   * `priority` names one. `ip rule flush` deletes 32766 and 32767 too, which leaves the
   * namespace without a lookup of the main table: every route lookup then fails.
   * Each rule is deleted by the message the dump gave for it (as `ip rule flush` does),
   * many per sendmsg, one ACK each; then the rules are dumped again, up to 10 rounds.
   * Resolves with the number of matching rules removed (a rule gone already when its
   * delete arrived, ENOENT, counts as removed). An empty filter is allowed, as
   * `ip rule flush` allows it: it removes every rule but the default ones.
   *
   * Equivalent to: `ip rule flush`, `ip -6 rule flush table 100`, `ip [-4|-6] rule flush
   * [table T] [pref N]`.
   * @throws InvalidArgumentError for bad input (nothing sent); the NetlinkError of the
   *   first delete the kernel refused otherwise, its message saying how many rules were
   *   deleted before; 'EAGAIN' when rules still match after 10 rounds.
   */
  async flush(filter?: RuleFilter): Promise<number> {
    const q = query(filter);
    const f = checkObject(filter, 'filter');
    const sock = this.core.sock;
    return flushRounds(sock, {
      dump: async () => (await sock.dump(C.RTM_GETRULE, 0, q.build, onRuleRaw)).filter((d) => q.keep(d.obj) && (q.priority !== undefined || !isDefaultRule(d.obj))),
      delType: C.RTM_DELRULE,
      delTypeName: 'RTM_DELRULE',
      noun: ['rule', 'rules'],
      gone: RULE_GONE,
      subjectOf: (r) => `pref ${r.priority}${r.from !== undefined ? ` from ${r.from}` : ''}${r.to !== undefined ? ` to ${r.to}` : ''}${r.table !== undefined ? ` table ${String(r.table)}` : ''} (IPv${r.family})`,
      filterText: () => `flush${f['family'] !== undefined ? ` family ${String(f['family'])}` : ''}${f['table'] !== undefined ? ` table ${String(f['table'])}` : ''}${f['priority'] !== undefined ? ` pref ${String(f['priority'])}` : ''}`,
    });
  }
}

/** A checked rule filter: the dump request, the test for what it keeps, and the priority asked for. */
function query(filter: RuleFilter | undefined): { build: (w: MessageWriter) => void; keep: (r: Rule) => boolean; priority: number | undefined } {
  const f = checkObject(filter, 'filter');
  checkKeys(f, FILTER_KEYS, 'filter.');
  const family = f['family'] !== undefined ? checkFamily(f['family'], 'filter.family') : undefined;
  const table = f['table'] !== undefined ? tableName(checkTable(f['table'], 'filter.table')) : undefined;
  const priority = f['priority'] !== undefined ? checkU32(f['priority'], 'filter.priority') : undefined;
  const af = family === undefined ? AF_UNSPEC : afOf(family);
  return {
    build: (w) => putFibRuleHdr(w, af, 0, 0, 0, 0, 0, 0),
    keep: (r) => (family === undefined || r.family === family) && (table === undefined || r.table === table) && (priority === undefined || r.priority === priority),
    priority,
  };
}

/** The kernel's default rules of a namespace, by priority: the table each looks up. */
const DEFAULT_RULES: ReadonlyMap<number, TableRef> = new Map<number, TableRef>([[0, 'local'], [32766, 'main'], [32767, 'default']]);

/** The keys a decoded default rule has: any other (uidRange, dport, suppressPrefixlen, l3mdev, …) is a selector or option it lacks. */
const DEFAULT_RULE_KEYS: ReadonlySet<string> = new Set(['family', 'priority', 'action', 'table', 'not', 'tos', 'flags', 'rawFlags', 'protocol']);

/**
 * One of the kernel's default rules: `0: from all lookup local`, `32766: … main`,
 * `32767: … default`, with no selector nor option (a rule of the user's at a default
 * priority and table that also matches a uidrange, a port, … is not one).
 */
function isDefaultRule(r: Rule): boolean {
  if (DEFAULT_RULES.get(r.priority) !== r.table || r.action !== 'lookup' || r.not || r.tos !== 0) return false;
  for (const k in r) if (!DEFAULT_RULE_KEYS.has(k) && (r as unknown as Record<string, unknown>)[k] !== undefined) return false;
  return true;
}
