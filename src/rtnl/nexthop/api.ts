/**
 * `rt.nexthop`: add, replace, delete, get and list nexthop objects over RTM_*NEXTHOP —
 * what `ip nexthop` does. Routes point at them by id (`rt.route.add({ dst, nhId })`).
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REPLACE, showValue, type MessageWriter } from '../../netlink/index.js';
import * as C from '../constants.js';
import { decodeKept, eachArgs, existingLinkIndex, noReply, type ForEachCallback, type RtnlCore } from '../core.js';
import { registerLayout } from '../describer.js';
import { flushRounds, type Dumped } from '../flush.js';
import { AF_UNSPEC, afOf, parseIp, type IpAddr } from '../ip.js';
import { ROUTE_PROTOCOLS, protocolName } from '../route/names.js';
import { checkBool, checkFamily, checkInt, checkKeys, checkLinkRef, checkNamed, checkObject } from '../validate.js';
import { decodeNexthopBucket, NHA_BUCKET, type NexthopBucket } from './bucket.js';
import { decodeNexthop, type NexthopObject } from './decode.js';
import { NEXTHOP_GROUP_TYPES, NEXTHOP_GRP_LEN, NEXTHOP_WEIGHT_MAX, NHA, NHMSG_LEN, putNhmsg, type NexthopGroupType } from './table.js';
export { putNhmsg } from './table.js';

registerLayout([C.RTM_NEWNEXTHOP, C.RTM_DELNEXTHOP, C.RTM_GETNEXTHOP], NHMSG_LEN, NHA);
registerLayout([C.RTM_NEWNEXTHOPBUCKET, C.RTM_DELNEXTHOPBUCKET, C.RTM_GETNEXTHOPBUCKET], NHMSG_LEN, NHA_BUCKET);

/** One member of a group as `add` takes it: its id, or `{ id, weight }` (a listed group's members as they are). */
export type NexthopGroupMemberSpec = number | {
  /** The member nexthop's id: it must exist, and not be a group. */
  readonly id: number;
  /** Its share of the group's flows, 1..65535 (`ip nexthop add … group ID,WEIGHT`). Defaults to 1. */
  readonly weight?: number | undefined;
};

/** A resilient group's arguments as `add` takes them (`ip nexthop add … type resilient buckets N idle_timer S unbalanced_timer S`). */
export interface NexthopResilientSpec {
  /** NHA_RES_GROUP_BUCKETS: hash buckets, 1..65535. Required to make a group (the kernel's rule); a replace cannot change it. */
  readonly buckets?: number | undefined;
  /**
   * NHA_RES_GROUP_IDLE_TIMER, in seconds (hundredths allowed: the kernel counts clock
   * ticks of 1/100 s): a bucket unused this long may move. Defaults to the kernel's 120.
   */
  readonly idleTimer?: number | undefined;
  /** NHA_RES_GROUP_UNBALANCED_TIMER, in seconds: how long a group may stay unbalanced before busy buckets move too. Defaults to 0 (never). */
  readonly unbalancedTimer?: number | undefined;
}

/**
 * What `rt.nexthop.add` and `replace` take: a gateway and/or a device, a blackhole, an
 * fdb nexthop, or a group of nexthops — the arguments of `ip nexthop add`.
 */
export interface NexthopObjectSpec {
  /**
   * NHA_ID, 1..4294967295 (`id N`). Required by `replace`. For `add`, absent (or 0) lets
   * the kernel pick a free one, which the returned nexthop carries.
   */
  readonly id?: number | undefined;
  /** NHA_GATEWAY: the gateway (`via ADDRESS`), IPv4 or IPv6; its family is the nexthop's. Defaults to none (a device-only nexthop). */
  readonly gateway?: string | undefined;
  /** NHA_OIF: the output device, name or ifindex (`dev DEV`): up, with carrier. Required but for a blackhole, an fdb nexthop and a group. */
  readonly dev?: string | number | undefined;
  /** RTNH_F_ONLINK (`onlink`): the gateway is on the device's link even without a subnet route to it. Needs `gateway`. Defaults to false. */
  readonly onlink?: boolean | undefined;
  /** NHA_BLACKHOLE (`blackhole`): drop what is routed through it; no gateway, dev or group. Needs lo up. Defaults to false. */
  readonly blackhole?: boolean | undefined;
  /**
   * NHA_FDB (`fdb`): a nexthop (with a gateway, which it needs, and no dev) or group for
   * vxlan fdb entries rather than routes; a group of them takes `fdb` too. Defaults to false.
   */
  readonly fdb?: boolean | undefined;
  /**
   * 4 / 'inet' or 6 / 'inet6' (`ip -4|-6 nexthop add`): the family of a nexthop without
   * a gateway (a device-only nexthop, a blackhole). Defaults to the gateway's, else 4.
   * Not for a group.
   */
  readonly family?: 4 | 6 | 'inet' | 'inet6' | undefined;
  /** nh_protocol: who made it (`proto P`), a route protocol name ('zebra', 'bgp', 'static', …) or 0..255. Defaults to 'unspec'. */
  readonly protocol?: string | number | undefined;
  /**
   * NHA_GROUP: the members of a group (`group ID[,WEIGHT]/…`), each an id or
   * `{ id, weight }`, each once. A group takes no gateway, dev, onlink, blackhole or
   * family. Defaults to none (a single nexthop).
   */
  readonly group?: readonly NexthopGroupMemberSpec[] | undefined;
  /**
   * NHA_GROUP_TYPE (`type mpath|resilient`). Defaults to 'mpath', or 'resilient' when
   * `resilient` is given — so a replace of a resilient group gives one of the two.
   */
  readonly groupType?: NexthopGroupType | undefined;
  /** NHA_RES_GROUP: a resilient group's buckets and timers (makes the group resilient). Defaults to none. */
  readonly resilient?: NexthopResilientSpec | undefined;
  /** NHA_HW_STATS_ENABLE (`hw_stats on|off`, Linux 6.8 and later): count a group's packets in hardware. Groups only. Defaults to off. */
  readonly hwStats?: boolean | undefined;
  /**
   * Lightweight tunnel encapsulation (`encap mpls …`): nlkit does not encode them, and a
   * spec with one is refused rather than made without it.
   */
  readonly encap?: undefined;
}

/** Filters of `rt.nexthop.list`, `forEach` and `flush`. */
export interface NexthopFilter {
  /**
   * This nexthop only (`id N`): one RTM_GETNEXTHOP (a dump when kernel-side filters come
   * with it), a list of it or of nothing when there is none. Defaults to every id.
   */
  readonly id?: number | undefined;
  /** Nexthops through this device, name or ifindex (NHA_OIF, filtered by the kernel; `dev DEV`): no groups. Defaults to every device. */
  readonly dev?: string | number | undefined;
  /**
   * Nexthops through a port of this device, a vrf or bridge (NHA_MASTER, filtered by the
   * kernel; `master DEV`, `vrf NAME`): no groups. Defaults to any master or none.
   */
  readonly master?: string | number | undefined;
  /** Groups only (NHA_GROUPS, filtered by the kernel; `groups`). Defaults to false: groups and single nexthops. */
  readonly groups?: boolean | undefined;
  /**
   * fdb nexthops and groups only (`fdb`): sent as NHA_FDB and filtered here too, as the
   * kernel reads the flag but filters nothing by it (6.18; `ip nexthop show fdb` lists
   * every nexthop). Defaults to false: fdb nexthops and the rest.
   */
  readonly fdb?: boolean | undefined;
  /** Made by this protocol, a name or 0..255 (filtered here, as `ip nexthop show protocol P` does). Defaults to any protocol. */
  readonly protocol?: string | number | undefined;
  /**
   * Single nexthops of this family, 4 / 'inet' or 6 / 'inet6' (nh_family, filtered by the
   * kernel; `ip -4|-6 nexthop show`): no groups. Defaults to both families and groups.
   */
  readonly family?: 4 | 6 | 'inet' | 'inet6' | undefined;
  /**
   * Not a filter: also ask for each group's per-member packet counters and its hardware
   * statistics state (NHA_OP_FLAGS; `ip -s nexthop show`, `-s -s` for 'hw'), Linux 6.8
   * and later. Defaults to false.
   */
  readonly stats?: boolean | 'hw' | undefined;
}

/** Options of `rt.nexthop.get`. */
export interface NexthopGetOptions {
  /** Also ask for a group's per-member packet counters (`ip -s nexthop get`; 'hw': `-s -s`), Linux 6.8 and later. Defaults to false. */
  readonly stats?: boolean | 'hw' | undefined;
}

/**
 * Filters of `rt.nexthop.buckets` and `forEachBucket`: every one sent to the kernel,
 * which filters the dump (`ip nexthop bucket show`'s selectors).
 */
export interface NexthopBucketFilter {
  /**
   * The buckets of this resilient group only (NHA_ID; `id ID`). A list of nothing when
   * there is no nexthop with this id; refused (EINVAL, as the kernel refuses it) when it
   * is a single nexthop or an mpath group, which have no buckets. Defaults to every
   * resilient group.
   */
  readonly id?: number | undefined;
  /** Buckets that send their flows to this member nexthop (NHA_RES_BUCKET_NH_ID; `nhid ID`). Defaults to any member. */
  readonly nhId?: number | undefined;
  /** Buckets whose member goes through this device, name or ifindex (NHA_OIF; `dev DEV`). Defaults to any device. */
  readonly dev?: string | number | undefined;
  /**
   * Buckets whose member goes through a port of this device, a bridge or vrf (NHA_MASTER;
   * `master DEV`, `vrf NAME`). Defaults to any master or none.
   */
  readonly master?: string | number | undefined;
  /** Buckets whose member is of this family, 4 / 'inet' or 6 / 'inet6' (nh_family; `ip -4|-6 nexthop bucket show`). Defaults to both. */
  readonly family?: 4 | 6 | 'inet' | 'inet6' | undefined;
}

const SPEC_KEYS: ReadonlySet<string> = new Set(['id', 'gateway', 'dev', 'onlink', 'blackhole', 'fdb', 'family', 'protocol', 'group', 'groupType', 'resilient', 'hwStats', 'encap']);
const MEMBER_KEYS: ReadonlySet<string> = new Set(['id', 'weight']);
const RESILIENT_KEYS: ReadonlySet<string> = new Set(['buckets', 'idleTimer', 'unbalancedTimer']);
const FILTER_KEYS: ReadonlySet<string> = new Set(['id', 'dev', 'master', 'groups', 'fdb', 'protocol', 'family', 'stats']);
const GET_KEYS: ReadonlySet<string> = new Set(['stats']);
const BUCKET_FILTER_KEYS: ReadonlySet<string> = new Set(['id', 'nhId', 'dev', 'master', 'family']);
/** The largest bucket index: NHA_RES_BUCKET_INDEX is a u16 (and a group has at most 65535 buckets). */
const INDEX_MAX = 0xffff;
/** A delete that failed because the nexthop is gone already (its last group member went, or someone else deleted it). */
const GONE: ReadonlySet<string> = new Set(['ENOENT']);
const ID_MAX = 0xffffffff;
/** Hundredths of a second (the kernel's clock ticks, USER_HZ) per second: what the resilient timers are sent in. */
const TICKS = 100;
/** Members an NHA_GROUP attribute holds: its 16-bit length, less its header, in nexthop_grp entries. */
const GROUP_MAX = Math.floor((0xffff - 4) / NEXTHOP_GRP_LEN);
/** Group members an error names (the request's subject, the missing ones); it counts the rest. */
const MISSING_SHOWN = 8;
const ENOENT = 2;
const EEXIST = 17;
const EINVAL = 22;
const ENETDOWN = 100;
const EHOSTUNREACH = 113;
const EMSGSIZE = 90;

/** A checked nexthop request: everything but the device's ifindex, which needs a lookup. */
interface Checked {
  id: number;
  af: number;
  protocol: number;
  flags: number;
  gateway: IpAddr | undefined;
  dev: string | number | undefined;
  blackhole: boolean;
  fdb: boolean;
  group: { id: number; weight: number }[] | undefined;
  groupType: number | undefined;
  buckets: number | undefined;
  idleTimer: number | undefined;
  unbalancedTimer: number | undefined;
  hwStats: boolean | undefined;
  /** The nexthop as `ip nexthop add` arguments would give it ('id 5 via 10.0.0.2 dev v0'), for errors. */
  subject: string;
}

/** Seconds as the kernel takes them for a resilient timer: whole hundredths, in a u32. */
function checkTimer(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidArgumentError(arg, `expected seconds (a number from 0, in hundredths at most), got ${showValue(v)}`);
  const ticks = Math.round(v * TICKS);
  if (Math.abs(ticks - v * TICKS) > 1e-6) throw new InvalidArgumentError(arg, `the kernel counts this timer in hundredths of a second; ${v} s is not a whole number of them`);
  if (ticks > 0xffffffff) throw new InvalidArgumentError(arg, `at most ${0xffffffff / TICKS} s (a u32 of hundredths of a second), got ${v}`);
  return ticks;
}

/** A nexthop id: 1..4294967295. */
function checkId(v: unknown, arg: string): number {
  return checkInt(v, arg, 1, ID_MAX);
}

/** The `stats` option: the NHA_OP_FLAGS to ask with (0: none). */
function opFlagsOf(v: unknown, arg: string): number {
  if (v === undefined || v === false) return 0;
  if (v === true) return C.NHA_OP_FLAG_DUMP_STATS;
  if (v === 'hw') return C.NHA_OP_FLAG_DUMP_STATS | C.NHA_OP_FLAG_DUMP_HW_STATS;
  throw new InvalidArgumentError(arg, `expected true, false or 'hw', got ${showValue(v)}`);
}

/** Every check of an add/replace spec, before anything is sent. */
function check(spec: unknown, forReplace: boolean): Checked {
  const s = checkObject(spec, 'spec');
  checkKeys(s, SPEC_KEYS, '');
  if (s['encap'] !== undefined) throw new InvalidArgumentError('encap', 'nlkit does not encode lightweight tunnel encapsulations (ip nexthop add … encap mpls …); make such a nexthop with ip');
  let id = 0;
  if (s['id'] !== undefined) id = checkInt(s['id'], 'id', 0, ID_MAX);
  if (forReplace && id === 0) throw new InvalidArgumentError('id', 'replace needs the id of the nexthop it replaces or makes (ip nexthop replace id N …)');
  const bool = (k: string): boolean => s[k] !== undefined && checkBool(s[k], k);
  const onlink = bool('onlink');
  const blackhole = bool('blackhole');
  const fdb = bool('fdb');
  const c: Checked = {
    id, af: AF_UNSPEC, protocol: s['protocol'] !== undefined ? checkNamed(s['protocol'], 'protocol', ROUTE_PROTOCOLS, 255) : C.RTPROT_UNSPEC,
    flags: onlink ? C.RTNH_F_ONLINK : 0, gateway: undefined, dev: undefined, blackhole, fdb, group: undefined, groupType: undefined,
    buckets: undefined, idleTimer: undefined, unbalancedTimer: undefined, hwStats: s['hwStats'] !== undefined ? checkBool(s['hwStats'], 'hwStats') : undefined, subject: '',
  };
  const parts: string[] = id ? [`id ${id}`] : [];
  if (s['group'] !== undefined) {
    // A group: the kernel refuses anything else beside NHA_GROUP ("No other attributes can be set in nexthop groups").
    for (const k of ['gateway', 'dev', 'family'] as const) {
      if (s[k] !== undefined) throw new InvalidArgumentError(k, `a group takes its gateways and devices from its members; leave ${k} out`);
    }
    if (onlink) throw new InvalidArgumentError('onlink', 'a group takes its gateways from its members; give onlink to the members that need it');
    if (blackhole) throw new InvalidArgumentError('blackhole', 'a group is not a blackhole; make a blackhole nexthop and give it as the group\'s only member');
    const g = s['group'];
    if (!Array.isArray(g) || g.length === 0) throw new InvalidArgumentError('group', `expected a non-empty array of member ids or { id, weight }, got ${showValue(g)}`);
    if (g.length > GROUP_MAX) throw new InvalidArgumentError('group', `${g.length} members do not fit one NHA_GROUP attribute (at most ${GROUP_MAX})`);
    const seen = new Map<number, number>();
    c.group = Array.from(g as unknown[], (m, i) => {
      const arg = `group[${i}]`;
      let mid: number;
      let weight = 1;
      if (typeof m === 'number') mid = checkId(m, arg);
      else {
        if (m === undefined) throw new InvalidArgumentError(arg, 'expected a member id or { id, weight }, got undefined');
        const o = checkObject(m, arg);
        checkKeys(o, MEMBER_KEYS, `${arg}.`);
        if (o['id'] === undefined) throw new InvalidArgumentError(`${arg}.id`, 'a group member needs the id of a nexthop');
        mid = checkId(o['id'], `${arg}.id`);
        if (o['weight'] !== undefined) weight = checkInt(o['weight'], `${arg}.weight`, 1, NEXTHOP_WEIGHT_MAX);
      }
      const prev = seen.get(mid);
      if (prev !== undefined) throw new InvalidArgumentError(arg, `nexthop ${mid} is in the group twice (group[${prev}] and group[${i}]); the kernel takes each member once`);
      seen.set(mid, i);
      return { id: mid, weight };
    });
    let type: number | undefined;
    if (s['groupType'] !== undefined) {
      const t = s['groupType'];
      if (typeof t !== 'string' || !Object.prototype.hasOwnProperty.call(NEXTHOP_GROUP_TYPES, t)) {
        throw new InvalidArgumentError('groupType', `expected 'mpath' or 'resilient', got ${showValue(t)}`);
      }
      type = NEXTHOP_GROUP_TYPES[t as NexthopGroupType];
    }
    if (s['resilient'] !== undefined) {
      if (type === C.NEXTHOP_GRP_TYPE_MPATH) throw new InvalidArgumentError('resilient', "an 'mpath' group takes no resilient arguments; give groupType 'resilient' (or leave it out)");
      type = C.NEXTHOP_GRP_TYPE_RES;
      const r = checkObject(s['resilient'], 'resilient');
      checkKeys(r, RESILIENT_KEYS, 'resilient.');
      if (r['buckets'] !== undefined) c.buckets = checkInt(r['buckets'], 'resilient.buckets', 1, 0xffff);
      if (r['idleTimer'] !== undefined) c.idleTimer = checkTimer(r['idleTimer'], 'resilient.idleTimer');
      if (r['unbalancedTimer'] !== undefined) c.unbalancedTimer = checkTimer(r['unbalancedTimer'], 'resilient.unbalancedTimer');
    }
    if (type === C.NEXTHOP_GRP_TYPE_RES && c.buckets === undefined && !forReplace) {
      throw new InvalidArgumentError('resilient.buckets', 'a resilient group needs its number of buckets (resilient: { buckets: N }): the kernel makes none without it');
    }
    c.groupType = type;
    // The first few members (a group may hold thousands: errors stay readable).
    const shown = c.group.slice(0, MISSING_SHOWN).map((m) => (m.weight === 1 ? `${m.id}` : `${m.id},${m.weight}`)).join('/');
    parts.push(`group ${shown}${c.group.length > MISSING_SHOWN ? `/… (${c.group.length} members)` : ''}`);
    if (type === C.NEXTHOP_GRP_TYPE_RES) parts.push('type resilient');
    if (c.buckets !== undefined) parts.push(`buckets ${c.buckets}`);
    if (fdb) parts.push('fdb');
  } else {
    for (const k of ['groupType', 'resilient', 'hwStats'] as const) {
      if (s[k] !== undefined) throw new InvalidArgumentError(k, `${k} is a group's; this spec has no group`);
    }
    let family = s['family'] !== undefined ? checkFamily(s['family'], 'family') : undefined;
    if (s['gateway'] !== undefined) {
      c.gateway = parseIp(s['gateway'], 'gateway');
      if (family !== undefined && c.gateway.family !== family) throw new InvalidArgumentError('gateway', `${String(s['gateway'])} is IPv${c.gateway.family} but family is IPv${family}`);
      family = c.gateway.family;
    }
    c.af = afOf(family ?? 4);
    if (s['dev'] !== undefined) c.dev = checkLinkRef(s['dev'], 'dev');
    if (blackhole) {
      // The kernel: "Blackhole attribute can not be used with gateway, oif, encap or fdb", and no ONLINK.
      for (const k of ['gateway', 'dev'] as const) if (s[k] !== undefined) throw new InvalidArgumentError(k, `a blackhole nexthop drops what it gets: it has no ${k === 'dev' ? 'device' : 'gateway'}`);
      if (fdb) throw new InvalidArgumentError('fdb', 'a blackhole nexthop cannot be an fdb nexthop');
      if (onlink) throw new InvalidArgumentError('onlink', 'a blackhole nexthop has no gateway to be onlink');
      parts.push('blackhole');
    } else if (fdb) {
      // The kernel: "Fdb attribute can not be used with encap, oif or blackhole", and no header flags.
      if (c.dev !== undefined) throw new InvalidArgumentError('dev', 'an fdb nexthop has no device: the vxlan device whose fdb entry points at it sends to the gateway');
      if (onlink) throw new InvalidArgumentError('onlink', 'an fdb nexthop takes no flags (onlink)');
      // The kernel makes one without (its fdb entries would send to 0.0.0.0); ip refuses it.
      if (!c.gateway) throw new InvalidArgumentError('gateway', 'an fdb nexthop needs its gateway: the vxlan remote (VTEP) its fdb entries send to');
      parts.push(`via ${String(s['gateway'])}`);
      parts.push('fdb');
    } else {
      if (c.dev === undefined) throw new InvalidArgumentError('dev', 'a nexthop needs its device (dev), with or without a gateway — or is a blackhole, an fdb nexthop or a group');
      if (onlink && !c.gateway) throw new InvalidArgumentError('onlink', 'onlink needs a gateway (the kernel: no ONLINK flag for a nexthop without one)');
      if (c.gateway) parts.push(`via ${String(s['gateway'])}`);
      parts.push(`dev ${typeof c.dev === 'number' ? `ifindex ${c.dev}` : c.dev}`);
      if (onlink) parts.push('onlink');
    }
  }
  if (c.protocol !== C.RTPROT_UNSPEC) parts.push(`proto ${String(protocolName(c.protocol))}`);
  c.subject = parts.join(' ');
  return c;
}

/** The body of an RTM_NEWNEXTHOP for a checked spec. */
function writeNexthop(w: MessageWriter, c: Checked, dev: number | undefined): void {
  putNhmsg(w, c.af, c.protocol, c.flags);
  if (c.id) w.putU32(C.NHA_ID, c.id);
  if (c.group) {
    const b = new Uint8Array(c.group.length * NEXTHOP_GRP_LEN);
    const v = new DataView(b.buffer);
    c.group.forEach((m, i) => {
      const o = i * NEXTHOP_GRP_LEN;
      v.setUint32(o, m.id, HOST_LE);
      b[o + 4] = (m.weight - 1) & 0xff; // weight
      b[o + 5] = (m.weight - 1) >>> 8; // weight_high
    });
    w.putBytes(C.NHA_GROUP, b);
    if (c.groupType !== undefined) w.putU16(C.NHA_GROUP_TYPE, c.groupType);
    if (c.buckets !== undefined || c.idleTimer !== undefined || c.unbalancedTimer !== undefined) {
      const n = w.nestStart(C.NHA_RES_GROUP);
      if (c.buckets !== undefined) w.putU16(C.NHA_RES_GROUP_BUCKETS, c.buckets);
      if (c.idleTimer !== undefined) w.putU32(C.NHA_RES_GROUP_IDLE_TIMER, c.idleTimer);
      if (c.unbalancedTimer !== undefined) w.putU32(C.NHA_RES_GROUP_UNBALANCED_TIMER, c.unbalancedTimer);
      w.nestEnd(n);
    }
    if (c.hwStats !== undefined) w.putU32(C.NHA_HW_STATS_ENABLE, c.hwStats ? 1 : 0);
  }
  if (c.blackhole) w.putFlag(C.NHA_BLACKHOLE);
  if (dev !== undefined) w.putU32(C.NHA_OIF, dev);
  if (c.gateway) w.putBytes(C.NHA_GATEWAY, c.gateway.bytes);
  if (c.fdb) w.putFlag(C.NHA_FDB);
}

/** A GET or DEL body: struct nhmsg (all zero: the kernel refuses anything else there) and NHA_ID. */
function putIdRequest(w: MessageWriter, id: number, opFlags = 0): void {
  putNhmsg(w, AF_UNSPEC, 0, 0);
  w.putU32(C.NHA_ID, id);
  if (opFlags) w.putU32(C.NHA_OP_FLAGS, opFlags);
}

/** A delete's body for flush: what putIdRequest writes, as bytes. */
function delBody(id: number): Buffer {
  const b = Buffer.alloc(NHMSG_LEN + 8);
  b.writeUInt16LE(8, NHMSG_LEN);
  b.writeUInt16LE(C.NHA_ID, NHMSG_LEN + 2);
  b.writeUInt32LE(id, NHMSG_LEN + 4);
  return b;
}

/** The dump callback: one function for every dump. */
const onNexthop = (buf: Buffer, view: DataView, off: number, len: number): NexthopObject | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWNEXTHOP ? decodeNexthop(buf, view, off, len) : undefined;

/** An RTM_GETNEXTHOPBUCKET get's body: a zero nhmsg, NHA_ID and the NHA_RES_BUCKET nest with the index (as `ip nexthop bucket get` sends it). */
function putBucketGet(w: MessageWriter, id: number, index: number): void {
  putNhmsg(w, AF_UNSPEC, 0, 0);
  w.putU32(C.NHA_ID, id);
  const n = w.nestStart(C.NHA_RES_BUCKET);
  w.putU16(C.NHA_RES_BUCKET_INDEX, index);
  w.nestEnd(n);
}

/** The bucket dumps' and gets' callback. */
const onBucket = (buf: Buffer, view: DataView, off: number, len: number): NexthopBucket | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWNEXTHOPBUCKET ? decodeNexthopBucket(buf, view, off, len) : undefined;

/** A checked bucket filter: the dump request, the group id asked for, and the filter as ip's arguments. */
interface BucketQuery {
  readonly build: (w: MessageWriter) => void;
  readonly id: number | undefined;
  /** The filter as `ip nexthop bucket show` arguments ('id 10 nhid 1'), for errors. */
  readonly text: string;
}

/** A checked filter: the dump request, the test for what it keeps (undefined: everything), and an id asked for. */
interface Query {
  readonly build: (w: MessageWriter) => void;
  readonly keep: ((nh: NexthopObject) => boolean) | undefined;
  readonly id: number | undefined;
  /** The id is the only thing the kernel would filter: one RTM_GETNEXTHOP does instead of a dump. */
  readonly byGet: boolean;
  readonly opFlags: number;
  /** The filter as `ip nexthop show` arguments, for errors. */
  readonly text: string;
}

/** Nexthop object operations of an Rtnl handle (`rt.nexthop`; `ip nexthop`). */
export class NexthopApi {
  /** Not for users: every Rtnl handle has its own, `rt.nexthop`. */
  private constructor(private readonly core: RtnlCore) {}

  /** @internal How a handle makes its `rt.nexthop` (and tests one over a stand-in core). */
  static of(core: RtnlCore): NexthopApi {
    return new NexthopApi(core);
  }

  /**
   * Add a nexthop: RTM_NEWNEXTHOP with NLM_F_CREATE|NLM_F_EXCL, and NLM_F_ECHO, so that
   * it resolves with the nexthop as the kernel made it — with the id the kernel picked
   * when the spec gave none. Its device must be up, with carrier (a veth's peer up too);
   * a blackhole needs lo up; a group's members must exist.
   *
   * Equivalent to: `ip nexthop add [id N] { [via ADDRESS] dev DEV [onlink] | blackhole |
   * via ADDRESS fdb | group ID[,WEIGHT]/… [fdb] [type resilient [buckets N] [idle_timer S]
   * [unbalanced_timer S]] [hw_stats on] } [proto P]`.
   * @example
   * await rt.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'eth0' });
   * await rt.nexthop.add({ id: 2, gateway: '10.0.1.2', dev: 'eth1' });
   * await rt.nexthop.add({ id: 10, group: [1, { id: 2, weight: 3 }] });
   * await rt.route.add({ dst: '192.168.0.0/16', nhId: 10 });
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'EEXIST'
   *   when the id is taken, 'ENODEV' when the device does not exist, 'ENETDOWN' when it is
   *   down or without carrier, 'ENETUNREACH' (an IPv6 gateway: 'EHOSTUNREACH') when no
   *   route reaches the gateway through it,
   *   'EINVAL' with the kernel's reason otherwise — each naming the nexthop and the netns.
   */
  async add(spec: NexthopObjectSpec): Promise<NexthopObject> {
    return this.modify(NLM_F_CREATE | NLM_F_EXCL, check(spec, false));
  }

  /**
   * Replace the nexthop of `spec.id` (or make it): RTM_NEWNEXTHOP with
   * NLM_F_CREATE|NLM_F_REPLACE. Routes and groups through it follow. The kernel keeps a
   * nexthop a nexthop and a group a group of the same type, and a resilient group's
   * number of buckets. Resolves with the nexthop as it is now.
   *
   * Equivalent to: `ip nexthop replace id N …` (the arguments of `add`).
   * @throws InvalidArgumentError for bad input or a spec without an id; NetlinkError
   *   'EINVAL' when the kernel refuses the change (a group for a nexthop, …).
   */
  async replace(spec: NexthopObjectSpec): Promise<NexthopObject> {
    return this.modify(NLM_F_CREATE | NLM_F_REPLACE, check(spec, true));
  }

  /**
   * Delete a nexthop, by id or as `list` returned it: RTM_DELNEXTHOP. The kernel also
   * deletes the routes through it, and takes it out of the groups it is in (a group
   * left with no member is deleted too).
   *
   * Equivalent to: `ip nexthop del id N`.
   * @throws NetlinkError 'ENOENT' when there is no such nexthop (naming the id and the netns).
   */
  async del(nexthop: number | { readonly id: number }): Promise<void> {
    const id = typeof nexthop === 'number' ? checkId(nexthop, 'nexthop') : checkId(checkObject(nexthop, 'nexthop')['id'], 'nexthop.id');
    try {
      await this.core.sock.request(C.RTM_DELNEXTHOP, 0, (w) => putIdRequest(w, id), undefined, { subject: `id ${id}` });
    } catch (e) {
      throw await this.explain(e, C.RTM_DELNEXTHOP, undefined, id);
    }
  }

  /**
   * Get one nexthop: RTM_GETNEXTHOP with NHA_ID.
   *
   * Equivalent to: `ip [-s] nexthop get id N`.
   * @throws InvalidArgumentError for a bad id; NetlinkError 'ENOENT' when there is no
   *   such nexthop (naming the id and the netns).
   */
  async get(id: number, options?: NexthopGetOptions): Promise<NexthopObject> {
    const nid = checkId(id, 'id');
    const o = checkObject(options, 'options');
    checkKeys(o, GET_KEYS, 'options.');
    const opFlags = opFlagsOf(o['stats'], 'options.stats');
    let nh: NexthopObject | undefined;
    try {
      nh = await this.core.sock.request(C.RTM_GETNEXTHOP, 0, (w) => putIdRequest(w, nid, opFlags), onNexthop, { ack: false, subject: `id ${nid}` });
    } catch (e) {
      throw await this.explain(e, C.RTM_GETNEXTHOP, undefined, nid);
    }
    if (!nh) throw noReply(C.RTM_GETNEXTHOP, 'RTM_GETNEXTHOP', 'RTM_NEWNEXTHOP', `id ${nid}`);
    return nh;
  }

  /**
   * List nexthops in id order (one RTM_GETNEXTHOP dump; with `id`, one get). `dev`,
   * `master`, `groups` and `family` are filtered by the kernel, `fdb` and `protocol` here.
   *
   * Equivalent to: `ip [-4|-6] [-s] nexthop show [id N] [dev DEV] [master DEV] [groups]
   * [fdb] [protocol P]`.
   * @throws InvalidArgumentError for a bad filter; NetlinkError 'ENODEV' when the
   *   filter's device does not exist (naming it and the netns); 'EMSGSIZE' when the dump
   *   meets a group too big for one dump message (about 4000 members), which only `get`
   *   returns.
   */
  async list(filter?: NexthopFilter): Promise<NexthopObject[]> {
    const q = await this.query(filter);
    if (q.byGet) {
      const nh = await this.byId(q);
      return nh === undefined ? [] : [nh];
    }
    let all: NexthopObject[];
    try {
      all = await this.core.sock.dump(C.RTM_GETNEXTHOP, 0, q.build, onNexthop);
    } catch (e) {
      throw this.explainDump(e);
    }
    return q.keep === undefined ? all : all.filter(q.keep);
  }

  /**
   * Walk the nexthops `list(filter)` would return without collecting them: `fn` gets
   * each as its part of the dump is read. Return `false` from `fn` to stop. Resolves
   * with the number of nexthops `fn` was given.
   *
   * `fn` runs synchronously inside the receive loop: requests it makes on this handle
   * wait until the walk ends, and an async `fn` is refused. A walk is not retried when
   * the kernel flags the dump as interrupted by concurrent changes (NLM_F_DUMP_INTR):
   * it then rejects with DumpInterruptedError once the walk is over. Closing the handle
   * from `fn` ends the walk with ClosedError.
   *
   * Equivalent to: `ip nexthop show [dev DEV] [groups] [fdb] …` piped into a reader.
   * @throws DumpInterruptedError when the dump was interrupted; the errors of `list`;
   *   whatever `fn` threw.
   */
  async forEach<R = boolean | void>(fn: ForEachCallback<NexthopObject, R>): Promise<number>;
  async forEach<R = boolean | void>(filter: NexthopFilter | undefined, fn: ForEachCallback<NexthopObject, R>): Promise<number>;
  async forEach(a: NexthopFilter | ((object: NexthopObject) => unknown) | undefined, b?: (object: NexthopObject) => unknown): Promise<number> {
    const [filter, fn] = eachArgs(a, b);
    const q = await this.query(filter);
    try {
      return await this.core.sock.dumpEach(C.RTM_GETNEXTHOP, 0, q.build, decodeKept(onNexthop, q.keep), fn);
    } catch (e) {
      throw this.explainDump(e);
    }
  }

  /**
   * Delete every nexthop `list(filter)` returns, groups before the rest (as `ip nexthop
   * flush` does: deleting a group's last member deletes the group), many deletes per
   * sendmsg, one ACK each; then list again, up to 10 rounds. Routes through them go
   * with them. Resolves with the number of matching nexthops removed (one gone already
   * when its delete arrived, ENOENT, counts as removed).
   *
   * Equivalent to: `ip nexthop flush [dev DEV] [groups] [fdb] [protocol P] [id N]`.
   * @throws InvalidArgumentError for a bad filter (nothing sent); the NetlinkError of
   *   the first delete the kernel refused, its message saying how many were deleted
   *   before; 'EAGAIN' when nexthops still match after 10 rounds; the errors of `list`
   *   (a group too big to dump: delete it by id first).
   */
  async flush(filter?: NexthopFilter): Promise<number> {
    const q = await this.query(filter);
    const sock = this.core.sock;
    return flushRounds(sock, {
      dump: async () => {
        let found: NexthopObject[];
        if (q.byGet) {
          const nh = await this.byId(q);
          found = nh === undefined ? [] : [nh];
        } else {
          try {
            found = await sock.dump(C.RTM_GETNEXTHOP, 0, q.build, onNexthop);
          } catch (e) {
            throw this.explainDump(e);
          }
          if (q.keep !== undefined) found = found.filter(q.keep);
        }
        const order = [...found.filter((nh) => nh.group !== undefined), ...found.filter((nh) => nh.group === undefined)];
        return order.map((obj): Dumped<NexthopObject> => ({ obj, body: delBody(obj.id) }));
      },
      delType: C.RTM_DELNEXTHOP,
      delTypeName: 'RTM_DELNEXTHOP',
      noun: ['nexthop', 'nexthops'],
      gone: GONE,
      subjectOf: (nh) => `id ${nh.id}`,
      filterText: () => `flush${q.text}`,
    });
  }

  /**
   * List the buckets of resilient groups (one RTM_GETNEXTHOPBUCKET dump), by group id,
   * then index, each with the member it sends its flows to and how long it has been
   * idle. Every filter is the kernel's. A group's buckets move between members when its
   * weights or members change: at once for an idle bucket, else once it has been idle
   * for the group's `idleTimer` (or the group unbalanced for its `unbalancedTimer`).
   *
   * Equivalent to: `ip [-4|-6] nexthop bucket show [id ID] [nhid ID] [dev DEV] [master DEV]`.
   * @example
   * await rt.nexthop.add({ id: 10, group: [1, 2], resilient: { buckets: 8, idleTimer: 0 } });
   * for (const b of await rt.nexthop.buckets({ id: 10 })) console.log(b.index, b.nhId, b.idleTime);
   * @throws InvalidArgumentError for a bad filter (nothing sent); NetlinkError 'ENODEV'
   *   when the filter's device does not exist, 'EINVAL' when `id` is not a resilient
   *   group — each naming the netns.
   */
  async buckets(filter?: NexthopBucketFilter): Promise<NexthopBucket[]> {
    const q = await this.bucketQuery(filter);
    try {
      return await this.core.sock.dump(C.RTM_GETNEXTHOPBUCKET, 0, q.build, onBucket, { subject: q.text || undefined });
    } catch (e) {
      // With NHA_ID the kernel looks the group up first: ENOENT is its only "no such id".
      if (q.id !== undefined && e instanceof NetlinkError && e.errno === ENOENT) return [];
      throw await this.explainBucket(e, q.id, undefined);
    }
  }

  /**
   * Get one bucket of a resilient group: RTM_GETNEXTHOPBUCKET with NHA_ID and
   * NHA_RES_BUCKET_INDEX.
   *
   * Equivalent to: `ip nexthop bucket get id ID index INDEX`.
   * @throws InvalidArgumentError for a bad id or index (nothing sent); NetlinkError
   *   'ENOENT' when there is no such nexthop, or the group has no bucket `index` (the
   *   message says how many it has), 'EINVAL' when the nexthop is not a resilient group
   *   — each naming the netns.
   */
  async bucket(id: number, index: number): Promise<NexthopBucket> {
    const gid = checkId(id, 'id');
    const i = checkInt(index, 'index', 0, INDEX_MAX);
    const subject = `id ${gid} index ${i}`;
    let b: NexthopBucket | undefined;
    try {
      b = await this.core.sock.request(C.RTM_GETNEXTHOPBUCKET, 0, (w) => putBucketGet(w, gid, i), onBucket, { ack: false, subject });
    } catch (e) {
      throw await this.explainBucket(e, gid, i);
    }
    if (!b) throw noReply(C.RTM_GETNEXTHOPBUCKET, 'RTM_GETNEXTHOPBUCKET', 'RTM_NEWNEXTHOPBUCKET', subject);
    return b;
  }

  /**
   * Walk the buckets `buckets(filter)` would return without collecting them (a resilient
   * group has up to 65535): `fn` gets each as its part of the dump is read. Return
   * `false` from `fn` to stop. Resolves with the number of buckets `fn` was given (0 when
   * the filter's group does not exist).
   *
   * `fn` runs synchronously inside the receive loop, as with `forEach`: requests it makes
   * on this handle wait until the walk ends, an async `fn` is refused, an interrupted
   * dump (NLM_F_DUMP_INTR) rejects with DumpInterruptedError once the walk is over.
   *
   * Equivalent to: `ip nexthop bucket show [id ID] [nhid ID] [dev DEV] …` piped into a reader.
   * @throws InvalidArgumentError for a bad filter; the errors of `buckets`; whatever `fn` threw.
   */
  async forEachBucket<R = boolean | void>(fn: ForEachCallback<NexthopBucket, R>): Promise<number>;
  async forEachBucket<R = boolean | void>(filter: NexthopBucketFilter | undefined, fn: ForEachCallback<NexthopBucket, R>): Promise<number>;
  async forEachBucket(a: NexthopBucketFilter | ((object: NexthopBucket) => unknown) | undefined, b?: (object: NexthopBucket) => unknown): Promise<number> {
    const [filter, fn] = eachArgs(a, b);
    const q = await this.bucketQuery(filter);
    let calls = 0;
    let thrown: { error: unknown } | undefined;
    const each = (x: NexthopBucket): unknown => {
      calls++;
      try {
        return fn(x);
      } catch (error) {
        thrown = { error };
        throw error;
      }
    };
    try {
      return await this.core.sock.dumpEach(C.RTM_GETNEXTHOPBUCKET, 0, q.build, onBucket, each, { subject: q.text || undefined });
    } catch (e) {
      if (thrown !== undefined && e === thrown.error) throw e;
      if (calls === 0 && q.id !== undefined && e instanceof NetlinkError && e.errno === ENOENT) return 0;
      throw await this.explainBucket(e, q.id, undefined);
    }
  }

  /**
   * The `dev` and `master` of a dump filter as ifindexes (0: not given), both checked
   * before either is looked up; a missing link is ENODEV naming filter.dev or filter.master.
   */
  private async linkFilters(f: Readonly<Record<string, unknown>>): Promise<{ dev: number; master: number; words: string[] }> {
    const devRef = f['dev'] !== undefined ? checkLinkRef(f['dev'], 'filter.dev') : undefined;
    const masterRef = f['master'] !== undefined ? checkLinkRef(f['master'], 'filter.master') : undefined;
    const dev = devRef !== undefined ? (await this.core.linkHwAddrLen(devRef, 'filter.dev')).index : 0;
    const master = masterRef !== undefined ? (await this.core.linkHwAddrLen(masterRef, 'filter.master')).index : 0;
    const words: string[] = [];
    if (devRef !== undefined) words.push(`dev ${typeof devRef === 'number' ? `ifindex ${devRef}` : devRef}`);
    if (masterRef !== undefined) words.push(`master ${typeof masterRef === 'number' ? `ifindex ${masterRef}` : masterRef}`);
    return { dev, master, words };
  }

  /** A checked bucket filter (links looked up: a missing one is ENODEV, as list's filters say). */
  private async bucketQuery(filter: NexthopBucketFilter | undefined): Promise<BucketQuery> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, BUCKET_FILTER_KEYS, 'filter.');
    const id = f['id'] !== undefined ? checkId(f['id'], 'filter.id') : undefined;
    const nhId = f['nhId'] !== undefined ? checkId(f['nhId'], 'filter.nhId') : undefined;
    const family = f['family'] !== undefined ? checkFamily(f['family'], 'filter.family') : undefined;
    const { dev, master, words: linkWords } = await this.linkFilters(f);
    const af = family === undefined ? AF_UNSPEC : afOf(family);
    // The order ip sends them in (nh_dump_bucket_filter): the common filters, then the id, then the nest.
    const build = (w: MessageWriter): void => {
      putNhmsg(w, af, 0, 0);
      if (dev) w.putU32(C.NHA_OIF, dev);
      if (master) w.putU32(C.NHA_MASTER, master);
      if (id !== undefined) w.putU32(C.NHA_ID, id);
      if (nhId !== undefined) {
        const n = w.nestStart(C.NHA_RES_BUCKET);
        w.putU32(C.NHA_RES_BUCKET_NH_ID, nhId);
        w.nestEnd(n);
      }
    };
    const words: string[] = [];
    if (id !== undefined) words.push(`id ${id}`);
    if (nhId !== undefined) words.push(`nhid ${nhId}`);
    words.push(...linkWords);
    if (family !== undefined) words.push(`family inet${family === 6 ? '6' : ''}`);
    return { build, id, text: words.join(' ') };
  }

  /**
   * A nexthop dump's refusal with what it means (runs only for an error): EMSGSIZE is a
   * group whose message does not fit the kernel's dump buffer (netlink_dump's skb: 32 KiB
   * at most, as the reader's buffer size sets it), which no dump can list; a get sizes
   * its reply for the nexthop.
   */
  private explainDump(e: unknown): unknown {
    if (!(e instanceof NetlinkError) || e.errno !== EMSGSIZE || e.request.type !== C.RTM_GETNEXTHOP) return e;
    const where = this.core.where?.() ?? "the caller's netns";
    const why = 'a nexthop group has more members than one dump message holds (about 4000: the kernel dumps into 32 KiB at most, 8 bytes a member), ' +
      'so no dump lists it (ip nexthop show fails too); get it by id (rt.nexthop.get), or filter groups out (dev, family)';
    return new NetlinkError(e.errno, e.request, e.extack, `${e.hint !== undefined ? `${e.hint}; ` : ''}${why}; in ${where}`);
  }

  /** A bucket request's refusal with what it means, and the netns (runs only for an error). */
  private async explainBucket(e: unknown, id: number | undefined, index: number | undefined): Promise<unknown> {
    if (!(e instanceof NetlinkError)) return e;
    const where = this.core.where?.() ?? "the caller's netns";
    const text = e.extack.message ?? '';
    let why: string | undefined;
    if (e.errno === ENOENT && index !== undefined && /bucket index/i.test(text)) {
      let n: number | undefined;
      try {
        n = (await this.get(id!)).resilient?.buckets;
      } catch {
        n = undefined; // gone meanwhile: the kernel's own answer stands
      }
      why = n !== undefined ? `group ${id} has ${n} bucket${n === 1 ? '' : 's'} (index 0..${n - 1}), no bucket ${index}` : `group ${id} has no bucket ${index}`;
    } else if (e.errno === ENOENT && id !== undefined) {
      why = `no nexthop with id ${id}`;
    } else if (e.errno === EINVAL && id !== undefined && /not a nexthop group/i.test(text)) {
      why = `nexthop ${id} is not a group: only a resilient group has buckets`;
    } else if (e.errno === EINVAL && id !== undefined && /not of type resilient/i.test(text)) {
      why = `group ${id} is an mpath group: only a resilient group (groupType 'resilient') has buckets`;
    }
    const first = why ?? e.hint;
    return new NetlinkError(e.errno, e.request, e.extack, `${first !== undefined ? `${first}; ` : ''}in ${where}`);
  }

  /** get() for a filter's id: undefined when there is none, or when the filters tested here drop it. */
  private async byId(q: Query): Promise<NexthopObject | undefined> {
    let nh: NexthopObject;
    try {
      nh = await this.get(q.id!, { stats: q.opFlags & C.NHA_OP_FLAG_DUMP_HW_STATS ? 'hw' : q.opFlags !== 0 });
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENOENT') return undefined;
      throw e;
    }
    return q.keep === undefined || q.keep(nh) ? nh : undefined;
  }

  /** A checked filter (links looked up: a missing one is ENODEV, as the other objects' filters say). */
  private async query(filter: NexthopFilter | undefined): Promise<Query> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    const id = f['id'] !== undefined ? checkId(f['id'], 'filter.id') : undefined;
    const groups = f['groups'] !== undefined && checkBool(f['groups'], 'filter.groups');
    const fdb = f['fdb'] !== undefined && checkBool(f['fdb'], 'filter.fdb');
    const protocol = f['protocol'] !== undefined ? protocolName(checkNamed(f['protocol'], 'filter.protocol', ROUTE_PROTOCOLS, 255)) : undefined;
    const family = f['family'] !== undefined ? checkFamily(f['family'], 'filter.family') : undefined;
    const opFlags = opFlagsOf(f['stats'], 'filter.stats');
    const { dev, master, words: linkWords } = await this.linkFilters(f);
    const af = family === undefined ? AF_UNSPEC : afOf(family);
    const build = (w: MessageWriter): void => {
      putNhmsg(w, af, 0, 0);
      if (dev) w.putU32(C.NHA_OIF, dev);
      if (master) w.putU32(C.NHA_MASTER, master);
      if (groups) w.putFlag(C.NHA_GROUPS);
      if (fdb) w.putFlag(C.NHA_FDB);
      if (opFlags) w.putU32(C.NHA_OP_FLAGS, opFlags);
    };
    const words: string[] = [];
    if (id !== undefined) words.push(`id ${id}`);
    words.push(...linkWords);
    if (groups) words.push('groups');
    if (fdb) words.push('fdb');
    if (protocol !== undefined) words.push(`protocol ${String(protocol)}`);
    if (family !== undefined) words.push(`family inet${family === 6 ? '6' : ''}`);
    const text = words.length ? ` ${words.join(' ')}` : '';
    // An id alone is asked for with a get (list, flush); with the kernel's dump filters,
    // found in the dump they filter (forEach always: one walk, one way).
    const byGet = id !== undefined && !dev && !master && !groups && family === undefined;
    if (id === undefined && !fdb && protocol === undefined) return { build, keep: undefined, id, byGet, opFlags, text };
    const keep = (nh: NexthopObject): boolean => (id === undefined || nh.id === id) && (!fdb || nh.fdb === true) && (protocol === undefined || nh.protocol === protocol);
    return { build, keep, id, byGet, opFlags, text };
  }

  /** add/replace: the request with NLM_F_ECHO, the nexthop it made from the echo. */
  private async modify(nlFlags: number, c: Checked): Promise<NexthopObject> {
    // By ifindex too: for a missing one the kernel says EINVAL "Invalid device index", not ENODEV.
    const dev = c.dev === undefined ? undefined : await existingLinkIndex(this.core, c.dev, 'dev');
    let first = true;
    // The echo is the kernel's notification of this nexthop, sent before the ACK.
    const onEcho = (buf: Buffer, view: DataView, off: number, len: number): NexthopObject | undefined => {
      const nh = onNexthop(buf, view, off, len);
      if (nh === undefined || !first || (c.id !== 0 && nh.id !== c.id)) return undefined;
      first = false;
      return nh;
    };
    let made: NexthopObject | undefined;
    try {
      made = await this.core.sock.request(C.RTM_NEWNEXTHOP, nlFlags | NLM_F_ECHO, (w) => writeNexthop(w, c, dev), onEcho, { subject: c.subject });
    } catch (e) {
      throw await this.explain(e, C.RTM_NEWNEXTHOP, c, c.id);
    }
    if (made) return made;
    // The echo was lost (the socket's buffer overran): read the nexthop back.
    if (c.id !== 0) return this.get(c.id);
    throw noReply(C.RTM_NEWNEXTHOP, 'RTM_NEWNEXTHOP', 'RTM_NEWNEXTHOP echo', c.subject);
  }

  /** The kernel's refusal with what it means for this nexthop, and the netns (runs only for an error). */
  private async explain(e: unknown, type: number, c: Checked | undefined, id: number): Promise<unknown> {
    if (!(e instanceof NetlinkError)) return e;
    const where = this.core.where?.() ?? "the caller's netns";
    const text = e.extack.message ?? '';
    const devText = c?.dev === undefined ? 'its device' : typeof c.dev === 'number' ? `dev ifindex ${c.dev}` : `dev '${c.dev}'`;
    let why: string | undefined;
    if (e.errno === ENOENT && (type === C.RTM_GETNEXTHOP || type === C.RTM_DELNEXTHOP)) {
      why = `no nexthop with id ${id}`;
    } else if (e.errno === EEXIST && type === C.RTM_NEWNEXTHOP) {
      why = `nexthop id ${id} is taken: replace it (rt.nexthop.replace), or leave id out for the kernel to pick a free one`;
    } else if (e.errno === ENETDOWN && /device for nexthop is not up/i.test(text)) {
      why = 'a blackhole nexthop goes through lo, which is down: bring lo up';
    } else if (e.errno === ENETDOWN && /not up/i.test(text)) {
      why = `${devText} is down: bring it up first`;
    } else if (e.errno === ENETDOWN && /carrier/i.test(text)) {
      why = `${devText} has no carrier (a veth's peer must be up too): the kernel makes no nexthop through it until it has`;
    } else if (e.errno === EINVAL && c?.group !== undefined && /group with one of a different type/i.test(text)) {
      // A spec without groupType or resilient asks for an mpath group, whatever the group is now.
      why = c.groupType === C.NEXTHOP_GRP_TYPE_RES
        ? `group ${id} is an mpath group and a replace keeps a group's type: leave groupType and resilient out`
        : `group ${id} is a resilient group and a replace keeps a group's type: give groupType: 'resilient' (its buckets stay)`;
    } else if (c?.gateway !== undefined && (/invalid gateway/i.test(text) || (e.errno === EHOSTUNREACH && text === ''))) {
      // IPv4: ENETUNREACH from the route lookup fib_check_nh makes, EINVAL for other
      // failures. IPv6: EHOSTUNREACH from ip6_route_check_nh, which sets no text.
      why = `no route reaches the gateway through ${devText}: give onlink: true, or put an address of the gateway's subnet on the device`;
    } else if (e.errno === EINVAL && c?.group !== undefined && /reserved fields/i.test(text) && c.group.some((m) => m.weight > 256)) {
      why = 'this kernel takes group weights up to 256 (weights to 65535 need Linux 6.12 or later)';
    } else if (e.errno === EINVAL && c?.group !== undefined && /invalid nexthop id/i.test(text)) {
      let missing: number[] = [];
      try {
        const have = new Set((await this.core.sock.dump(C.RTM_GETNEXTHOP, 0, (w) => putNhmsg(w, AF_UNSPEC, 0, 0), onNexthop)).map((nh) => nh.id));
        missing = c.group.filter((m) => !have.has(m.id)).map((m) => m.id);
      } catch {
        missing = []; // the kernel's own answer stands
      }
      // The first few (a group may hold thousands: the message stays readable).
      const ids = missing.length > MISSING_SHOWN ? `${missing.slice(0, MISSING_SHOWN).join(', ')} and ${missing.length - MISSING_SHOWN} more` : missing.join(', ');
      if (missing.length) why = `no nexthop with id ${ids}: a group's members must exist first`;
    } else if (e.errno === EINVAL && c !== undefined && /unknown attribute|hardware statistics/i.test(text) && c.hwStats !== undefined) {
      why = 'hwStats needs Linux 6.8 or later';
    }
    const first = why ?? e.hint;
    return new NetlinkError(e.errno, e.request, e.extack, `${first !== undefined ? `${first}; ` : ''}in ${where}`);
  }
}
