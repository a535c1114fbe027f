/**
 * `rt.mdb`: add, replace, delete and list a bridge's multicast database entries over
 * RTM_NEWMDB / RTM_DELMDB / RTM_GETMDB (struct br_port_msg + MDBA_SET_ENTRY with
 * struct br_mdb_entry) — what `bridge mdb` does.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, NLM_F_BULK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, parseHexColon, showValue, type MessageWriter, type NetlinkSocket } from '../../netlink/index.js';
import * as C from '../constants.js';
import { noReply, type RtnlCore } from '../core.js';
import { AF_BRIDGE, parseIp, type IpAddr } from '../ip.js';
import type { LinkApi } from '../link/api.js';
import { ROUTE_PROTOCOLS } from '../route/names.js';
import { checkBool, checkInt, checkKeys, checkLinkRef, checkNamed, checkObject } from '../validate.js';
import { checkVid, type MacInput } from '../fdb/api.js';
import { decodeMdb, type MdbEntry, type MdbMessage, type MdbRouterPort } from './decode.js';

/** A vxlan MDB entry's remote (`rt.mdb.add`, `replace`, `del`): what `bridge mdb` takes after `dst`. */
export interface MdbRemote {
  /**
   * A vxlan's entry (`bridge` and `port` both the vxlan, `permanent`; newer kernels only):
   * the remote VTEP the group's packets go to (MDBE_ATTR_DST; `dst IP`), IPv4 or IPv6.
   * Required for a vxlan (each remote of a group is an entry of its own); not for a
   * bridge. Defaults to none.
   */
  readonly dst?: string | undefined;
  /** A vxlan's entry: the remote's UDP port, 0..65535 (MDBE_ATTR_DST_PORT; `dst_port PORT`). Needs `dst`. Defaults to the vxlan's dstport. */
  readonly dstPort?: number | undefined;
  /** A vxlan's entry: the VNI sent to the remote, 0..16777215 (MDBE_ATTR_VNI; `vni VNI`). Needs `dst`. Defaults to the vxlan's. */
  readonly vni?: number | undefined;
  /** A vxlan's entry: the source VNI the group is keyed by, 0..16777215 (MDBE_ATTR_SRC_VNI; `src_vni VNI`). Needs `dst`. Defaults to the vxlan's. */
  readonly srcVni?: number | undefined;
  /** A vxlan's entry: the device to reach the remote through, name or ifindex (MDBE_ATTR_IFINDEX; `via DEV`). Needs `dst`. Defaults to none (the route's). */
  readonly via?: string | number | undefined;
}

/** What `rt.mdb.add` / `replace` take. */
export interface MdbSpec extends MdbRemote {
  /** The bridge, name or ifindex (`dev DEV`). Required. */
  readonly bridge: string | number;
  /** The port the group is forwarded to, or the bridge itself for a host join (`port PORT`). Required. */
  readonly port: string | number;
  /**
   * The group (`grp GROUP`): an IPv4 multicast address outside 224.0.0.0/24, an IPv6
   * multicast address other than ff02::1, or a multicast MAC ('01:00:5e:00:00:05', bytes,
   * a MacAddr) for an L2 entry. Required.
   */
  readonly group: string | MacInput;
  /**
   * MDB_PERMANENT (`permanent`): never aged. Defaults to false (`temp`: aged out after
   * the bridge's membership interval, as a learned entry). An L2 entry must be
   * permanent; a host join (port = the bridge) must not.
   */
  readonly permanent?: boolean | undefined;
  /** The VLAN id, 1..4094 (`vid VID`). Defaults to none (every VLAN of a VLAN-filtering bridge's port). */
  readonly vid?: number | undefined;
  /** The source of an (S, G) entry, of the group's family, neither multicast nor all-zero (MDBE_ATTR_SOURCE; `src SOURCE`). Defaults to none: a (*, G) entry. */
  readonly source?: string | undefined;
  /**
   * The (*, G) entry's filter mode (MDBE_ATTR_GROUP_MODE; `filter_mode include|exclude`).
   * 'include' needs `sources`. Defaults to the kernel's 'exclude'.
   */
  readonly filterMode?: 'include' | 'exclude' | undefined;
  /**
   * The (*, G) entry's sources (MDBE_ATTR_SRC_LIST; `source_list S1,S2,…`): each makes an
   * (S, G) entry. Needs `filterMode`. Defaults to none.
   */
  readonly sources?: readonly string[] | undefined;
  /**
   * Who adds it (MDBE_ATTR_RTPROT; `proto PROTO`): a name of ROUTE_PROTOCOLS from
   * 'static' on, or a number 4..255. Not for a host join. Defaults to the kernel's 'static'.
   */
  readonly protocol?: string | number | undefined;
}

/** What `rt.mdb.del` takes (or an entry `list` returned). */
export interface MdbDelSpec extends MdbRemote {
  /** The bridge, name or ifindex (`dev DEV`). Required. */
  readonly bridge: string | number;
  /** The port, or the bridge for a host join (`port PORT`). Required. */
  readonly port: string | number;
  /** The group (`grp GROUP`), as for `add`. Required. */
  readonly group: string | MacInput;
  /** The VLAN id (`vid VID`). Defaults to none. */
  readonly vid?: number | undefined;
  /** The source of an (S, G) entry (`src SOURCE`). Defaults to none. */
  readonly source?: string | undefined;
}

/** What `rt.mdb.get` takes: a group of a bridge (or vxlan), its entries on every port. */
export interface MdbGetSpec {
  /** The bridge or vxlan, name or ifindex (`dev DEV`). Required. */
  readonly bridge: string | number;
  /** The group (`grp GROUP`), as for `add`. Required. */
  readonly group: string | MacInput;
  /** The source of an (S, G) entry (`src SOURCE`). Defaults to none: the (*, G) entry. */
  readonly source?: string | undefined;
  /** The VLAN id (`vid VID`). Defaults to none. */
  readonly vid?: number | undefined;
  /** A vxlan's source VNI (`src_vni VNI`), 0..16777215. Defaults to the vxlan's. */
  readonly srcVni?: number | undefined;
}

/** What `rt.mdb.flush` takes: whose entries to delete, and which of them. */
export interface MdbFlushSpec {
  /** The bridge or vxlan device, name or ifindex (`dev DEV`). Required. */
  readonly bridge: string | number;
  /** Only the entries on this port, or on the bridge itself (its host joins), name or ifindex (`port PORT`). Defaults to every port. */
  readonly port?: string | number | undefined;
  /** Only the entries of this VLAN id, 1..4094 (`vid VID`). Defaults to every VLAN and none. */
  readonly vid?: number | undefined;
  /** true: only permanent entries (`permanent`); false: only temp ones (`nopermanent`). Defaults to both. */
  readonly permanent?: boolean | undefined;
  /** Only the entries this protocol added: a name of ROUTE_PROTOCOLS from 'static' on, or 4..255 (`proto PROTO`). */
  readonly protocol?: string | number | undefined;
  /** vxlan: only the entries toward this remote (`dst IP`). */
  readonly dst?: string | undefined;
  /** vxlan: only the entries with this remote UDP port, 0..65535 (`dst_port PORT`). */
  readonly dstPort?: number | undefined;
  /** vxlan: only the entries with this remote VNI, 0..16777215 (`vni VNI`). */
  readonly vni?: number | undefined;
  /** vxlan: only the entries of this source VNI, 0..16777215 (`src_vni VNI`). */
  readonly srcVni?: number | undefined;
}

/** Filters for `rt.mdb.list` and `rt.mdb.routers`. */
export interface MdbFilter {
  /** Entries of this bridge (`dev DEV`). Defaults to every bridge. */
  readonly bridge?: string | number | undefined;
  /** Entries on this port, or on the bridge itself for host joins. Defaults to every port. */
  readonly port?: string | number | undefined;
  /** Entries of this VLAN id, 1..4094 (`vid VID`). Defaults to every VLAN and none. */
  readonly vid?: number | undefined;
}

const SPEC_KEYS: ReadonlySet<string> = new Set(['bridge', 'port', 'group', 'permanent', 'vid', 'source', 'filterMode', 'sources', 'protocol', 'dst', 'dstPort', 'vni', 'srcVni', 'via']);
const DEL_KEYS: ReadonlySet<string> = new Set(['bridge', 'port', 'group', 'vid', 'source', 'dst', 'dstPort', 'vni', 'srcVni', 'via']);
/** The vxlan fields, which need `dst`. */
const VXLAN_KEYS = ['dstPort', 'vni', 'srcVni', 'via'] as const;
/** A VNI: 24 bits. */
const VNI_MAX = 0xffffff;
const FILTER_KEYS: ReadonlySet<string> = new Set(['bridge', 'port', 'vid']);
const FLUSH_KEYS: ReadonlySet<string> = new Set(['bridge', 'port', 'vid', 'permanent', 'protocol', 'dst', 'dstPort', 'vni', 'srcVni']);
const GET_KEYS: ReadonlySet<string> = new Set(['bridge', 'group', 'source', 'vid', 'srcVni']);
const MAC_TEXT = /^[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2}){5}$/;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const EINVAL = 22;
const EEXIST = 17;
const ENODEV = 19;
const ENOENT = 2;
const EOPNOTSUPP = 95;

/** A checked MDB request: everything but the ifindexes, which need lookups. */
interface Checked {
  bridge: string | number;
  port: string | number;
  /** The group's bytes (4, 16, or 6 for a MAC) and br_mdb_entry.addr.proto. */
  group: Uint8Array;
  proto: number;
  groupText: string;
  permanent: boolean;
  vid: number;
  source: IpAddr | undefined;
  sourceText: string | undefined;
  /** MCAST_INCLUDE / MCAST_EXCLUDE, or -1 for none. */
  filterMode: number;
  sources: IpAddr[] | undefined;
  /** RTPROT_*, or -1 for none. */
  protocol: number;
  /** A vxlan's remote (MDBE_ATTR_DST) and what goes with it (-1 / undefined: none). */
  dst: IpAddr | undefined;
  dstText: string | undefined;
  dstPort: number;
  vni: number;
  srcVni: number;
  via: string | number | undefined;
  /** The vxlan fields as bridge's arguments (' dst 198.51.100.1 vni 10'), for errors. */
  vxlanText: string;
}

function hex2(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

/** The group: a multicast IPv4/IPv6 address the bridge takes, or a multicast MAC. */
function checkGroup(v: unknown): { bytes: Uint8Array; proto: number; text: string; family: 4 | 6 | 'l2' } {
  let mac: Uint8Array | null = null;
  if (typeof v === 'string' && MAC_TEXT.test(v)) mac = parseHexColon(v);
  else if (v instanceof Uint8Array) mac = v;
  else if (typeof v === 'object' && v !== null && (v as { bytes?: unknown }).bytes instanceof Uint8Array) mac = (v as { bytes: Uint8Array }).bytes;
  else if (typeof v !== 'string') throw new InvalidArgumentError('group', `expected a multicast IPv4/IPv6 address or MAC, got ${showValue(v)}`);
  if (mac) {
    if (mac.length !== 6) throw new InvalidArgumentError('group', `an L2 group is a 6-byte MAC, got ${mac.length} bytes (${showValue(v)})`);
    let text = '';
    for (let i = 0; i < 6; i++) text += (i ? ':' : '') + hex2(mac[i]!);
    if (!(mac[0]! & 1)) throw new InvalidArgumentError('group', `${text} is not a multicast MAC (the low bit of its first byte is clear)`);
    return { bytes: mac, proto: 0, text, family: 'l2' };
  }
  const a = parseIp(v, 'group');
  const text = v as string;
  if (a.family === 4) {
    if (a.bytes[0]! < 224 || a.bytes[0]! > 239) throw new InvalidArgumentError('group', `${text} is not an IPv4 multicast address (224.0.0.0/4)`);
    if (a.bytes[0] === 224 && a.bytes[1] === 0 && a.bytes[2] === 0) throw new InvalidArgumentError('group', `${text} is link-local multicast (224.0.0.0/24), which the bridge always floods: it keeps no entry for it`);
    return { bytes: a.bytes, proto: ETH_P_IP, text, family: 4 };
  }
  if (a.bytes[0] !== 0xff) throw new InvalidArgumentError('group', `${text} is not an IPv6 multicast address (ff00::/8)`);
  if (a.bytes[1] === 0x02 && a.bytes[15] === 1 && a.bytes.subarray(2, 15).every((b) => b === 0)) {
    throw new InvalidArgumentError('group', `${text} is the link-local all-nodes group, which the bridge always floods: it keeps no entry for it`);
  }
  return { bytes: a.bytes, proto: ETH_P_IPV6, text, family: 6 };
}

/** A source address: of the group's family, not multicast. */
function checkSource(v: unknown, arg: string, family: 4 | 6 | 'l2'): IpAddr {
  if (family === 'l2') throw new InvalidArgumentError(arg, 'an L2 (MAC) group has no sources');
  const a = parseIp(v, arg);
  if (a.family !== family) throw new InvalidArgumentError(arg, `${String(v)} is IPv${a.family} but the group is IPv${family}`);
  if (family === 4 ? a.bytes[0]! >= 224 && a.bytes[0]! <= 239 : a.bytes[0] === 0xff) throw new InvalidArgumentError(arg, `${String(v)} is a multicast address: a source is a sender's unicast address`);
  // The kernel takes an all-zero source as none: as `source` it would make (or delete) the
  // (*, G) entry instead, in a source list it answers ENOSPC 'Failed to add new source entry'.
  if (a.bytes.every((b) => b === 0)) {
    throw new InvalidArgumentError(arg, `${String(v)} is the unspecified address, which the kernel takes as no source${arg === 'source' ? ' (the (*, G) entry): for a (*, G) entry leave source out' : ': a source is a sender\'s unicast address'}`);
  }
  return a;
}

/** Every check of an MDB spec, before anything is sent. */
function check(spec: unknown, keys: ReadonlySet<string>): Checked {
  const s = checkObject(spec, 'spec');
  if (keys === SPEC_KEYS && isListed(s)) {
    throw new InvalidArgumentError('spec', "this is an entry list() returned: del takes it; add and replace take add's spec " +
      "({ bridge, port, group, permanent: true, vid, source, filterMode, sources, protocol }), e.g. { bridge: e.bridge, port: e.port, group: e.group, vid: e.vid, permanent: true }");
  }
  checkKeys(s, keys, '');
  if (s['bridge'] === undefined) throw new InvalidArgumentError('bridge', 'an MDB entry needs its bridge (bridge mdb … dev BRIDGE)');
  const bridge = checkLinkRef(s['bridge'], 'bridge');
  if (s['port'] === undefined) throw new InvalidArgumentError('port', 'an MDB entry needs a port: a port of the bridge, or the bridge itself for a host join (bridge mdb … port PORT)');
  const port = checkLinkRef(s['port'], 'port');
  if (s['group'] === undefined) throw new InvalidArgumentError('group', 'an MDB entry needs its group (bridge mdb … grp GROUP)');
  const g = checkGroup(s['group']);
  const permanent = s['permanent'] !== undefined && checkBool(s['permanent'], 'permanent');
  const vid = s['vid'] !== undefined ? checkVid(s['vid'], 'vid') : 0;
  const source = s['source'] !== undefined ? checkSource(s['source'], 'source', g.family) : undefined;
  let filterMode = -1;
  if (s['filterMode'] !== undefined) {
    const m = s['filterMode'];
    if (m !== 'include' && m !== 'exclude') throw new InvalidArgumentError('filterMode', `expected 'include' or 'exclude', got ${showValue(m)}`);
    if (g.family === 'l2') throw new InvalidArgumentError('filterMode', 'an L2 (MAC) group has no filter mode');
    if (source) throw new InvalidArgumentError('filterMode', 'a filter mode is for a (*, G) entry: leave source out');
    filterMode = m === 'include' ? C.MCAST_INCLUDE : C.MCAST_EXCLUDE;
  }
  let sources: IpAddr[] | undefined;
  if (s['sources'] !== undefined) {
    const list = s['sources'];
    if (!Array.isArray(list)) throw new InvalidArgumentError('sources', `expected an array of source addresses, got ${showValue(list)}`);
    if (filterMode < 0) throw new InvalidArgumentError('sources', "a source list needs a filterMode ('include' or 'exclude'), as the kernel does");
    sources = list.map((x, i) => checkSource(x, `sources[${i}]`, g.family));
    // The kernel refuses a repeated source with 'Source entry already exists' (EEXIST), which
    // reads as if the entry were there already.
    const seen = new Set<string>();
    sources.forEach((a, i) => {
      const k = a.bytes.join('.');
      if (seen.has(k)) throw new InvalidArgumentError(`sources[${i}]`, `${String(list[i])} is given twice`);
      seen.add(k);
    });
  }
  if (filterMode === C.MCAST_INCLUDE && !sources?.length) throw new InvalidArgumentError('sources', "filterMode 'include' with no sources would forward nothing: give sources");
  const protocol = s['protocol'] !== undefined ? checkNamed(s['protocol'], 'protocol', ROUTE_PROTOCOLS, 255) : -1;
  if (protocol >= 0 && protocol < C.RTPROT_STATIC) throw new InvalidArgumentError('protocol', `protocol ${showValue(s['protocol'])} is below 'static' (${C.RTPROT_STATIC}): the kernel keeps those for itself`);
  let dst: IpAddr | undefined;
  let vxlanText = '';
  if (s['dst'] !== undefined) {
    dst = parseIp(s['dst'], 'dst');
    vxlanText = ` dst ${String(s['dst'])}`;
  } else {
    for (const k of VXLAN_KEYS) if (s[k] !== undefined) throw new InvalidArgumentError(k, `${k} is a vxlan entry's, with its remote: give dst too`);
  }
  const dstPort = s['dstPort'] !== undefined ? checkInt(s['dstPort'], 'dstPort', 0, 0xffff) : -1;
  const vni = s['vni'] !== undefined ? checkInt(s['vni'], 'vni', 0, VNI_MAX) : -1;
  const srcVni = s['srcVni'] !== undefined ? checkInt(s['srcVni'], 'srcVni', 0, VNI_MAX) : -1;
  const via = s['via'] !== undefined ? checkLinkRef(s['via'], 'via') : undefined;
  if (dstPort >= 0) vxlanText += ` dst_port ${dstPort}`;
  if (vni >= 0) vxlanText += ` vni ${vni}`;
  if (srcVni >= 0) vxlanText += ` src_vni ${srcVni}`;
  if (via !== undefined) vxlanText += ` via ${typeof via === 'number' ? `ifindex ${via}` : via}`;
  return {
    bridge, port, group: g.bytes, proto: g.proto, groupText: g.text, permanent, vid,
    source, sourceText: source ? String(s['source']) : undefined, filterMode, sources, protocol,
    dst, dstText: dst ? String(s['dst']) : undefined, dstPort, vni, srcVni, via, vxlanText,
  };
}

/** The entry as `bridge mdb` would name it, for errors: 'dev br0 port v0 grp 239.1.1.1 permanent vid 10'. */
function subjectOf(c: Checked, withState: boolean): string {
  const dev = (r: string | number) => (typeof r === 'number' ? `ifindex ${r}` : r);
  return `dev ${dev(c.bridge)} port ${dev(c.port)} grp ${c.groupText}${c.sourceText !== undefined ? ` src ${c.sourceText}` : ''}` +
    `${withState ? (c.permanent ? ' permanent' : ' temp') : ''}${c.vid ? ` vid ${c.vid}` : ''}${c.vxlanText}`;
}

/** Whether `s` is an entry `list` returned (an MdbEntry: its raw state and flags). */
function isListed(s: Record<string, unknown>): boolean {
  return typeof s['rawState'] === 'number' && typeof s['rawFlags'] === 'number';
}

/** A decoded entry back into what `del` takes (a vxlan's: with its remote and source VNI, which key it). */
function specOfEntry(e: MdbEntry): Record<string, unknown> {
  return { bridge: e.bridge, port: e.port, group: e.group, vid: e.vid, source: e.source, dst: e.dst, srcVni: e.dst !== undefined ? e.srcVni : undefined };
}

/** The dump callback: one function for every dump. */
const onMdb = (buf: Buffer, view: DataView, off: number, len: number): MdbMessage | undefined => decodeMdb(buf, view, off, len);

/** Write struct br_port_msg (family AF_BRIDGE) at the writer's cursor. */
function putPortMsg(w: MessageWriter, index: number): void {
  const o = w.reserve(C.SIZEOF_BR_PORT_MSG);
  w.buf[o] = AF_BRIDGE;
  w.view.setUint32(o + 4, index, HOST_LE);
}

/** Bridge multicast database operations of an Rtnl handle (`rt.mdb`; `bridge mdb`). */
export class MdbApi {
  /** Not for users: every Rtnl handle has its own, `rt.mdb`. */
  private constructor(private readonly core: RtnlCore, private readonly links: LinkApi) {}

  /** @internal How a handle makes its `rt.mdb` (and tests one over a stand-in core). */
  static of(core: RtnlCore, links: LinkApi): MdbApi {
    return new MdbApi(core, links);
  }

  /**
   * Add an entry: RTM_NEWMDB with NLM_F_CREATE|NLM_F_EXCL. The bridge must be up with
   * multicast snooping on (its default); a temp entry needs its port up (forwarding).
   *
   * Equivalent to: `bridge mdb add dev BRIDGE port PORT grp GROUP [src SOURCE]
   * [permanent|temp] [vid VID] [filter_mode include|exclude] [source_list S1,…] [proto P]`.
   * @example
   * await rt.mdb.add({ bridge: 'br0', port: 'veth0', group: '239.1.1.1', permanent: true });
   * await rt.mdb.add({ bridge: 'br0', port: 'br0', group: 'ff0e::1' });               // host join
   * await rt.mdb.add({ bridge: 'br0', port: 'veth0', group: '01:00:5e:00:00:05', permanent: true }); // L2
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'EEXIST'
   *   when the port has the group already, 'ENODEV' when a link does not exist,
   *   'EINVAL' when the bridge is down, its multicast snooping off, the port not its port
   *   (or down, for a temp entry), 'EOPNOTSUPP' when `bridge` is no bridge — each naming
   *   the entry, what to do and the netns.
   */
  async add(spec: MdbSpec): Promise<void> {
    await this.modify(C.RTM_NEWMDB, NLM_F_CREATE | NLM_F_EXCL, spec, SPEC_KEYS);
  }

  /**
   * Add an entry or change the existing one (its state, filter mode, sources, protocol):
   * RTM_NEWMDB with NLM_F_CREATE|NLM_F_REPLACE. Takes add's spec, not an entry `list`
   * returned (InvalidArgumentError 'spec' says so).
   *
   * Equivalent to: `bridge mdb replace dev BRIDGE port PORT grp GROUP …` (the arguments of `add`).
   */
  async replace(spec: MdbSpec): Promise<void> {
    await this.modify(C.RTM_NEWMDB, NLM_F_CREATE | NLM_F_REPLACE, spec, SPEC_KEYS);
  }

  /**
   * Delete an entry: RTM_DELMDB. Takes what `add` took (without its state and source
   * list), or an entry `list` returned.
   *
   * Equivalent to: `bridge mdb del dev BRIDGE port PORT grp GROUP [src SOURCE] [vid VID]`.
   * @throws NetlinkError 'EINVAL' with the hint 'no such MDB entry' when a bridge has
   *   none (the kernel's bare answer; a vxlan answers 'ENOENT' with its own words),
   *   naming it and the netns.
   */
  async del(spec: MdbDelSpec | MdbEntry): Promise<void> {
    let s = checkObject(spec, 'spec');
    if (isListed(s)) s = specOfEntry(s as unknown as MdbEntry);
    await this.modify(C.RTM_DELMDB, 0, s, DEL_KEYS);
  }

  /**
   * List entries (one RTM_GETMDB dump of family AF_BRIDGE: every bridge's, as the kernel
   * filters nothing), filtered here. Permanent and temp entries, host joins (port =
   * the bridge), and what the bridge learned from IGMP/MLD reports (protocol 'kernel').
   *
   * Equivalent to: `bridge -d -s mdb show [dev BRIDGE] [vid VID]` ("mdb").
   * @throws InvalidArgumentError for a bad filter; NetlinkError 'ENODEV' when the
   *   filter's bridge or port does not exist (naming it and the netns).
   */
  async list(filter?: MdbFilter): Promise<MdbEntry[]> {
    const q = await this.query(filter);
    const out: MdbEntry[] = [];
    for (const m of await dumpMdb(this.core.sock)) {
      if (q.bridge && m.bridge !== q.bridge) continue;
      for (const e of m.entries) if ((!q.port || e.port === q.port) && (q.vid === undefined || e.vid === q.vid)) out.push(e);
    }
    return out;
  }

  /**
   * The bridges' multicast router ports (MDBA_ROUTER of the same dump): ports set with
   * `mcast_router 2` (permanent) or learned from queries (temp).
   *
   * Equivalent to: `bridge -d -s mdb show [dev BRIDGE]` ("router").
   * @throws InvalidArgumentError for a bad filter; NetlinkError 'ENODEV' when the
   *   filter's bridge or port does not exist.
   */
  async routers(filter?: MdbFilter): Promise<MdbRouterPort[]> {
    const q = await this.query(filter);
    const out: MdbRouterPort[] = [];
    for (const m of await dumpMdb(this.core.sock)) {
      if (q.bridge && m.bridge !== q.bridge) continue;
      for (const r of m.routers) if ((!q.port || r.port === q.port) && (q.vid === undefined || r.vid === q.vid)) out.push(r);
    }
    return out;
  }

  /**
   * One group's entries, on every port that has it: RTM_GETMDB with MDBA_GET_ENTRY (Linux
   * 6.5 and later), answered with the entries as `list` has them. Takes no port, state
   * or protocol: the group (and source, vid, a vxlan's source VNI) says which.
   *
   * Equivalent to: `bridge mdb get dev BRIDGE grp GROUP [src SOURCE] [vid VID] [src_vni VNI]`.
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'ENOENT'
   *   when the bridge has no entry for the group, 'ENODEV' when the bridge does not
   *   exist, 'EOPNOTSUPP' when it is no bridge or vxlan (or the kernel is older than 6.5)
   *   — each naming the group and the netns.
   */
  async get(spec: MdbGetSpec): Promise<MdbEntry[]> {
    const s = checkObject(spec, 'spec');
    checkKeys(s, GET_KEYS, '');
    // add's checks for the fields get shares with it (port: the bridge, as a stand-in nothing sends).
    const c = check({ bridge: s['bridge'], port: s['bridge'], group: s['group'], source: s['source'], vid: s['vid'] }, SPEC_KEYS);
    const srcVni = s['srcVni'] !== undefined ? checkInt(s['srcVni'], 'srcVni', 0, VNI_MAX) : -1;
    const bridge = await this.core.linkIndex(c.bridge, 'bridge');
    const dev = typeof c.bridge === 'number' ? `ifindex ${c.bridge}` : c.bridge;
    const subject = `dev ${dev} grp ${c.groupText}${c.sourceText !== undefined ? ` src ${c.sourceText}` : ''}${c.vid ? ` vid ${c.vid}` : ''}${srcVni >= 0 ? ` src_vni ${srcVni}` : ''}`;
    let m: MdbMessage | undefined;
    try {
      m = await this.core.sock.request(C.RTM_GETMDB, 0, (w) => {
        putPortMsg(w, bridge);
        // A br_mdb_entry without port, state or flags (the kernel refuses them in a get).
        const n = w.nestStart(C.MDBA_GET_ENTRY, false);
        const o = w.reserve(C.SIZEOF_BR_MDB_ENTRY);
        w.view.setUint16(o + 6, c.vid, HOST_LE);
        w.buf.set(c.group, o + 8);
        w.view.setUint16(o + 24, c.proto, false);
        w.nestEnd(n);
        if (c.source || srcVni >= 0) {
          const a = w.nestStart(C.MDBA_GET_ENTRY_ATTRS);
          if (c.source) w.putBytes(C.MDBE_ATTR_SOURCE, c.source.bytes);
          if (srcVni >= 0) w.putU32(C.MDBE_ATTR_SRC_VNI, srcVni);
          w.nestEnd(a);
        }
      }, onMdb, { ack: false, subject });
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ENOENT) {
        const where = this.core.where?.() ?? "the caller's netns";
        throw new NetlinkError(e.errno, e.request, e.extack, `no MDB entry for ${c.groupText}${c.sourceText !== undefined ? ` from ${c.sourceText}` : ''} on ${typeof c.bridge === 'number' ? `ifindex ${c.bridge}` : `'${c.bridge}'`}; in ${where}`);
      }
      throw await this.explain(e, c, bridge, C.RTM_NEWMDB);
    }
    if (!m) throw noReply(C.RTM_GETMDB, 'RTM_GETMDB', 'RTM_NEWMDB', subject);
    return m.entries;
  }

  /**
   * Delete many entries in one request (RTM_DELMDB with NLM_F_BULK; Linux 6.8 and
   * later): every entry of the bridge (or vxlan) that matches — of one port, or the
   * bridge's host joins (`port` = the bridge), of one VLAN, permanent or temp ones, those
   * a protocol added, a vxlan's toward a remote. The kernel reports no count (`list`
   * before and after counts them).
   *
   * Equivalent to: `bridge mdb flush dev DEV [port PORT] [vid VID] [permanent|nopermanent]
   * [proto PROTO] [dst IP] [dst_port PORT] [vni VNI] [src_vni VNI]`.
   * @example
   * await rt.mdb.flush({ bridge: 'br0', port: 'veth0' });               // every group of one port
   * await rt.mdb.flush({ bridge: 'br0', permanent: false });            // what the bridge learned, and temp entries
   * @throws InvalidArgumentError for bad input, or a `port` that is no port of the
   *   bridge (nothing sent; the kernel would delete nothing and succeed); NetlinkError
   *   'ENODEV' when a link does not exist, 'EOPNOTSUPP' when `bridge` is no bridge or
   *   vxlan (or the kernel is older than 6.8), 'EINVAL' for vxlan's filters on a bridge
   *   — each naming the flush and the netns.
   */
  async flush(spec: MdbFlushSpec): Promise<void> {
    const s = checkObject(spec, 'spec');
    checkKeys(s, FLUSH_KEYS, '');
    if (s['bridge'] === undefined) throw new InvalidArgumentError('bridge', 'a flush needs its bridge (or vxlan): bridge mdb flush dev DEV');
    const bridgeRef = checkLinkRef(s['bridge'], 'bridge');
    const portRef = s['port'] !== undefined ? checkLinkRef(s['port'], 'port') : undefined;
    const vid = s['vid'] !== undefined ? checkVid(s['vid'], 'vid') : 0;
    const permanent = s['permanent'] !== undefined ? checkBool(s['permanent'], 'permanent') : undefined;
    const protocol = s['protocol'] !== undefined ? checkNamed(s['protocol'], 'protocol', ROUTE_PROTOCOLS, 255) : -1;
    if (protocol >= 0 && protocol < C.RTPROT_STATIC) throw new InvalidArgumentError('protocol', `protocol ${showValue(s['protocol'])} is below 'static' (${C.RTPROT_STATIC}): the kernel flushes by the protocols from 'static' on (what the bridge learned is 'kernel': flush by permanent: false)`);
    const dst = s['dst'] !== undefined ? parseIp(s['dst'], 'dst') : undefined;
    const dstPort = s['dstPort'] !== undefined ? checkInt(s['dstPort'], 'dstPort', 0, 0xffff) : -1;
    const vni = s['vni'] !== undefined ? checkInt(s['vni'], 'vni', 0, VNI_MAX) : -1;
    const srcVni = s['srcVni'] !== undefined ? checkInt(s['srcVni'], 'srcVni', 0, VNI_MAX) : -1;
    const bridge = await this.core.linkIndex(bridgeRef, 'bridge');
    const name = (r: string | number): string => (typeof r === 'number' ? `ifindex ${r}` : r);
    let port = 0;
    if (portRef !== undefined) {
      const p = await this.links.get(portRef).catch((e: unknown) => {
        throw e instanceof NetlinkError && e.errno === ENODEV ? new NetlinkError(e.errno, e.request, e.extack, `the port '${name(portRef)}' does not exist; in ${this.core.where?.() ?? "the caller's netns"}`) : e;
      });
      // The kernel compares ifindexes only: a port of another bridge, or none, matches nothing and succeeds.
      if (p.index !== bridge && p.master !== bridge) {
        throw new InvalidArgumentError('port', `'${name(portRef)}' is not a port of '${name(bridgeRef)}' (nor the bridge itself): the flush would delete nothing`);
      }
      port = p.index;
    }
    const subject = `flush dev ${name(bridgeRef)}${portRef !== undefined ? ` port ${name(portRef)}` : ''}${vid ? ` vid ${vid}` : ''}` +
      `${permanent === undefined ? '' : permanent ? ' permanent' : ' nopermanent'}${protocol >= 0 ? ` proto ${String(s['protocol'])}` : ''}` +
      `${dst ? ` dst ${String(s['dst'])}` : ''}${dstPort >= 0 ? ` dst_port ${dstPort}` : ''}${vni >= 0 ? ` vni ${vni}` : ''}${srcVni >= 0 ? ` src_vni ${srcVni}` : ''}`;
    try {
      await this.core.sock.request(C.RTM_DELMDB, NLM_F_BULK, (w) => {
        putPortMsg(w, bridge);
        // No group, flags or address: the kernel refuses them in a bulk delete.
        const n = w.nestStart(C.MDBA_SET_ENTRY, false);
        const o = w.reserve(C.SIZEOF_BR_MDB_ENTRY);
        w.view.setUint32(o, port, HOST_LE);
        w.buf[o + 4] = permanent ? C.MDB_PERMANENT : C.MDB_TEMPORARY;
        w.view.setUint16(o + 6, vid, HOST_LE);
        w.nestEnd(n);
        if (permanent !== undefined || protocol >= 0 || dst || dstPort >= 0 || vni >= 0 || srcVni >= 0) {
          const a = w.nestStart(C.MDBA_SET_ENTRY_ATTRS);
          if (permanent !== undefined) w.putU8(C.MDBE_ATTR_STATE_MASK, C.MDB_PERMANENT);
          if (protocol >= 0) w.putU8(C.MDBE_ATTR_RTPROT, protocol);
          if (dst) w.putBytes(C.MDBE_ATTR_DST, dst.bytes);
          if (dstPort >= 0) w.putU16(C.MDBE_ATTR_DST_PORT, dstPort);
          if (vni >= 0) w.putU32(C.MDBE_ATTR_VNI, vni);
          if (srcVni >= 0) w.putU32(C.MDBE_ATTR_SRC_VNI, srcVni);
          w.nestEnd(a);
        }
      }, undefined, { subject });
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      const where = this.core.where?.() ?? "the caller's netns";
      let why: string | undefined;
      if (e.errno === EINVAL && (dst || dstPort >= 0 || vni >= 0 || srcVni >= 0) && /Unsupported attribute/.test(e.extack.message ?? '')) {
        why = `dst, dstPort, vni and srcVni select a vxlan's entries: '${name(bridgeRef)}' takes none of them`;
      } else if (e.errno === EOPNOTSUPP) {
        const l = await this.links.get(bridge).catch(() => undefined);
        if (l !== undefined) {
          why = l.kind === 'bridge' || l.kind === 'vxlan'
            ? 'bulk deletion of MDB entries needs Linux 6.8 or later'
            : `'${name(bridgeRef)}' is ${l.kind === undefined ? 'no bridge' : `a ${l.kind}`}: a bridge or a vxlan keeps an MDB`;
        }
      }
      const first = why ?? e.hint;
      throw new NetlinkError(e.errno, e.request, e.extack, `${first !== undefined ? `${first}; ` : ''}in ${where}`);
    }
  }

  /** A checked filter: the ifindexes and vid it keeps (0 / undefined: every one). */
  private async query(filter: MdbFilter | undefined): Promise<{ bridge: number; port: number; vid: number | undefined }> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    const vid = f['vid'] !== undefined ? checkVid(f['vid'], 'filter.vid') : undefined;
    const bridge = f['bridge'] !== undefined ? (await this.core.linkHwAddrLen(checkLinkRef(f['bridge'], 'filter.bridge'), 'filter.bridge')).index : 0;
    const port = f['port'] !== undefined ? (await this.core.linkHwAddrLen(checkLinkRef(f['port'], 'filter.port'), 'filter.port')).index : 0;
    return { bridge, port, vid };
  }

  private async modify(type: number, nlFlags: number, spec: unknown, keys: ReadonlySet<string>): Promise<void> {
    const c = check(spec, keys);
    const bridge = await this.core.linkIndex(c.bridge, 'bridge');
    const port = typeof c.port === 'number' || c.port !== c.bridge ? await this.core.linkIndex(c.port, 'port') : bridge;
    const via = c.via === undefined ? 0 : await this.core.linkIndex(c.via, 'via');
    const subject = subjectOf(c, type === C.RTM_NEWMDB);
    try {
      await this.core.sock.request(type, nlFlags, (w) => {
        putPortMsg(w, bridge);
        const n = w.nestStart(C.MDBA_SET_ENTRY, false);
        const o = w.reserve(C.SIZEOF_BR_MDB_ENTRY);
        const v = w.view;
        v.setUint32(o, port, HOST_LE);
        w.buf[o + 4] = c.permanent && type === C.RTM_NEWMDB ? C.MDB_PERMANENT : C.MDB_TEMPORARY;
        v.setUint16(o + 6, c.vid, HOST_LE);
        w.buf.set(c.group, o + 8);
        v.setUint16(o + 24, c.proto, false);
        w.nestEnd(n);
        if (c.source || c.filterMode >= 0 || c.protocol >= 0 || c.dst) {
          const a = w.nestStart(C.MDBA_SET_ENTRY_ATTRS);
          if (c.source) w.putBytes(C.MDBE_ATTR_SOURCE, c.source.bytes);
          if (c.filterMode >= 0) w.putU8(C.MDBE_ATTR_GROUP_MODE, c.filterMode);
          if (c.sources) {
            const l = w.nestStart(C.MDBE_ATTR_SRC_LIST);
            for (const s of c.sources) {
              const e = w.nestStart(C.MDBE_SRC_LIST_ENTRY);
              w.putBytes(C.MDBE_SRCATTR_ADDRESS, s.bytes);
              w.nestEnd(e);
            }
            w.nestEnd(l);
          }
          if (c.protocol >= 0) w.putU8(C.MDBE_ATTR_RTPROT, c.protocol);
          // The order bridge (iproute2 6.3+) writes them in.
          if (c.dst) w.putBytes(C.MDBE_ATTR_DST, c.dst.bytes);
          if (c.dstPort >= 0) w.putU16(C.MDBE_ATTR_DST_PORT, c.dstPort); // host order: the kernel's nla_get_u16
          if (c.vni >= 0) w.putU32(C.MDBE_ATTR_VNI, c.vni);
          if (c.srcVni >= 0) w.putU32(C.MDBE_ATTR_SRC_VNI, c.srcVni);
          if (via) w.putU32(C.MDBE_ATTR_IFINDEX, via);
          w.nestEnd(a);
        }
      }, undefined, { subject });
    } catch (e) {
      throw await this.explain(e, c, bridge, type);
    }
  }

  /** The kernel's refusal with what it means for this entry, and the netns (runs only for an error). */
  private async explain(e: unknown, c: Checked, bridge: number, type: number): Promise<unknown> {
    if (!(e instanceof NetlinkError)) return e;
    const where = this.core.where?.() ?? "the caller's netns";
    const name = (r: string | number) => (typeof r === 'number' ? `ifindex ${r}` : `'${r}'`);
    const text = e.extack.message ?? '';
    let why: string | undefined;
    if (/not running/.test(text)) {
      why = `the bridge ${name(c.bridge)} is down: bring it up first (rt.link.set(bridge, { up: true }); ip link set BRIDGE up)`;
    } else if (/multicast processing is disabled/.test(text)) {
      why = `multicast snooping is off on ${name(c.bridge)}: turn it on (ip link set BRIDGE type bridge mcast_snooping 1)`;
    } else if (/not a bridge port/.test(text)) {
      why = `${name(c.port)} is not a port of any bridge: enslave it first (rt.link.set(port, { master: bridge }))`;
    } else if (/different bridge/.test(text)) {
      why = `${name(c.port)} is a port of another bridge than ${name(c.bridge)}`;
    } else if (/disabled state/.test(text)) {
      why = `the port ${name(c.port)} is down (its STP state is disabled): bring it up, or add the entry with permanent: true`;
    } else if (/Flags are not allowed for host groups/.test(text)) {
      why = `a host join (port = the bridge ${name(c.bridge)}) is always temporary: leave permanent out`;
    } else if (c.dst === undefined && /vxlan: Missing MDBA_SET_ENTRY_ATTRS|remote destination/i.test(text)) {
      why = `a vxlan's MDB entry needs its remote (dst): the VTEP the group's packets go to`;
    } else if (c.dst !== undefined && /Unsupported attribute/i.test(text)) {
      why = `dst, dstPort, vni, srcVni and via are a vxlan's MDB entry's: leave them out for a bridge's`;
    } else if (e.errno === ENODEV) {
      // Only a link given by ifindex gets here (a name is looked up first): say which.
      why = /[Pp]ort/.test(text) ? `the port ${name(c.port)} does not exist` : `the bridge ${name(c.bridge)} does not exist`;
    } else if (e.errno === EOPNOTSUPP && type !== C.RTM_GETMDB) {
      let kind: string | undefined;
      try {
        kind = (await this.links.get(bridge)).kind;
      } catch {
        kind = undefined; // gone meanwhile: the kernel's own answer stands
      }
      if (kind !== 'bridge' && kind !== 'vxlan') why = `${name(c.bridge)} is ${kind ? `a ${kind}` : 'no bridge'}: only a bridge (or a vxlan) keeps a multicast database`;
    } else if (e.errno === EEXIST && type === C.RTM_NEWMDB && !/[Ss]ource/.test(text)) {
      why = `${c.dstText !== undefined ? `the remote ${c.dstText}` : 'the port'} has this group already: replace changes it`;
    } else if (e.errno === EINVAL && type === C.RTM_DELMDB && !text) {
      // The bridge answers a delete of an entry it does not have with a bare EINVAL.
      why = 'no such MDB entry (the kernel answers a missing one with a bare EINVAL)';
    }
    const first = why ?? e.hint;
    return new NetlinkError(e.errno, e.request, e.extack, `${first !== undefined ? `${first}; ` : ''}in ${where}`);
  }
}

/** The dump request: struct br_port_msg with ifindex 0 (the kernel filters by nothing). */
function buildDump(w: MessageWriter): void {
  putPortMsg(w, 0);
}

/**
 * @internal Every bridge's MDB over `sock`: the one RTM_GETMDB dump `rt.mdb.list()` and
 * `rt.mdb.routers()` make, one {@link MdbMessage} per bridge (what a monitor of 'mdb' lists
 * with `listExisting`).
 */
export function dumpMdb(sock: NetlinkSocket): Promise<MdbMessage[]> {
  return sock.dump(C.RTM_GETMDB, 0, buildDump, onMdb);
}
