/**
 * `rt.fdb`: add, replace, delete and list bridge forwarding database entries (and a
 * vxlan's remote entries) over RTM_*NEIGH with family AF_BRIDGE — what `bridge fdb`
 * does.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, NLM_F_BULK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_APPEND, showValue, type MessageWriter } from '../../netlink/index.js';
import * as C from '../constants.js';
import { decodeKept, eachArgs, existingLinkIndex, type ForEachCallback, type RtnlCore } from '../core.js';
import { AF_BRIDGE, parseIp, type IpAddr } from '../ip.js';
import type { LinkApi } from '../link/api.js';
import { checkBool, checkHwAddr, checkInt, checkKeys, checkLinkRef, checkObject } from '../validate.js';
import { decodeFdb, type FdbEntry } from './decode.js';
import { FDB_STATES, type FdbState } from './table.js';

/** A MAC address as nlkit takes one: '02:00:00:00:00:01', 6 bytes, or a MacAddr. */
export type MacInput = string | Uint8Array | { readonly bytes: Uint8Array };

/** What `rt.fdb.add` / `replace` / `append` / `del` take. */
export interface FdbSpec {
  /** The MAC address (6 bytes). Required. */
  readonly mac: MacInput;
  /** The port, the bridge itself, or a vxlan device: name or ifindex (`dev DEV`). Required. */
  readonly link: string | number;
  /**
   * NTF_MASTER (`master`): the entry goes to the bridge the port belongs to, its
   * forwarding database. Not on the bridge itself. Defaults to false.
   */
  readonly master?: boolean | undefined;
  /**
   * NTF_SELF (`self`): the device's own driver takes the entry — the bridge's local
   * entries when `link` is the bridge, a vxlan's remote entries, a port's own
   * unicast/multicast address list. Defaults to true when `master` is not given, as
   * `bridge fdb add` assumes it.
   */
  readonly self?: boolean | undefined;
  /** NDA_VLAN (`vlan VID`): 1..4094. Defaults to none (the bridge's VLAN-unaware entry). */
  readonly vlan?: number | undefined;
  /**
   * 'permanent' (`permanent`/`local`: terminated on the bridge, never aged; the default,
   * as with `bridge fdb add`), 'static' (`static`: forwarded to the port, never aged)
   * or 'reachable' (`dynamic`: aged like a learned entry; needs the port learning or
   * forwarding). Not for `del`.
   */
  readonly state?: FdbState | undefined;
  /** NTF_STICKY (`sticky`): learning does not move the entry to another port. Defaults to false. */
  readonly sticky?: boolean | undefined;
  /** NTF_EXT_LEARNED (`extern_learn`): learned by a controller; the bridge does not age it. Defaults to false. */
  readonly externLearn?: boolean | undefined;
  /** NTF_ROUTER (`router`): vxlan with route short-circuit: the address is a router's. Defaults to false. */
  readonly router?: boolean | undefined;
  /** vxlan: the remote endpoint's IP (NDA_DST; `dst IP`). */
  readonly dst?: string | undefined;
  /** vxlan: the remote UDP port, 1..65535 (NDA_PORT; `port P`). Defaults to the device's. */
  readonly port?: number | undefined;
  /** vxlan: the remote VNI, 0..16777215 (NDA_VNI; `vni N`). Defaults to the device's. */
  readonly vni?: number | undefined;
  /** vxlan (collect-metadata mode): the source VNI, 0..16777215 (NDA_SRC_VNI; `src_vni N`). */
  readonly srcVni?: number | undefined;
  /** vxlan: the outgoing device toward `dst`, name or ifindex (NDA_IFINDEX; `via DEV`). */
  readonly via?: string | number | undefined;
  /**
   * vxlan: the remotes are an fdb nexthop group's, by id, 1..4294967295 (NDA_NH_ID;
   * `nhid N`), instead of `dst`, `port`, `vni` and `via`.
   */
  readonly nhid?: number | undefined;
}

/** What `rt.fdb.get` takes: one entry's MAC, and where to look for it. */
export interface FdbGetSpec {
  /** The MAC address (6 bytes). Required. */
  readonly mac: MacInput;
  /**
   * The port or device whose entry it is (`dev DEV`), name or ifindex: a bridge port's
   * entry is looked up in its bridge's database (the default, or `master: true`), a
   * device's own (a vxlan's remotes, a bridge's local entries) with `self: true`. Either
   * this or `bridge`.
   */
  readonly link?: string | number | undefined;
  /** The bridge whose database to look in (`br BRDEV`), name or ifindex. Either this or `link`. */
  readonly bridge?: string | number | undefined;
  /** NTF_MASTER (`master`): look in the bridge of the port `link`. The default for a port. */
  readonly master?: boolean | undefined;
  /** NTF_SELF (`self`): look in the device's own list (a vxlan's remotes: `self` is needed there). */
  readonly self?: boolean | undefined;
  /** NDA_VLAN (`vlan VID`): 1..4094. Defaults to none (the VLAN-unaware entry). */
  readonly vlan?: number | undefined;
  /** vxlan: NDA_VNI (`vni N`), 0..16777215. Defaults to the device's. */
  readonly vni?: number | undefined;
}

/** Filters for `rt.fdb.list`. */
export interface FdbFilter {
  /** Entries of this bridge and its ports (NDA_MASTER, filtered by the kernel; `br BRDEV`). Defaults to every device. */
  readonly master?: string | number | undefined;
  /** Entries on this port or device (filtered by the kernel; `brport DEV` / `dev DEV`). Defaults to every device. */
  readonly link?: string | number | undefined;
  /** Entries of this VLAN id, 1..4094 (`vlan VID`). Defaults to every VLAN and none. */
  readonly vlan?: number | undefined;
  /**
   * Entries in this state ('permanent', 'static', 'reachable' or 'stale'; `state S`),
   * tested by its bit as `bridge fdb show state S` does: a vxlan's entries (reported
   * NUD_PERMANENT|NUD_NOARP) are 'permanent' and match 'static' too. Defaults to every state.
   */
  readonly state?: FdbState | 'stale' | undefined;
}

/**
 * Which entries `rt.fdb.flush` deletes by state, in `bridge fdb flush`'s words:
 * 'nopermanent' every entry but the permanent (local) ones; 'permanent' those only;
 * 'static' static entries that are not local; 'nostatic' entries that are not static;
 * 'dynamic' entries neither static nor local (learned, or added dynamic);
 * 'nodynamic' static entries; 'all' every entry, local ones included.
 */
export type FdbFlushState = 'nopermanent' | 'permanent' | 'static' | 'nostatic' | 'dynamic' | 'nodynamic' | 'all';

/** What `rt.fdb.flush` takes: whose entries to delete, and which of them. */
export interface FdbFlushSpec {
  /** The bridge, a bridge port or a vxlan device, name or ifindex (`dev DEV`). Required. */
  readonly link: string | number;
  /**
   * NTF_MASTER (`master`): the entries of `link`, a bridge port, in its bridge's
   * database. Defaults to false.
   */
  readonly master?: boolean | undefined;
  /**
   * NTF_SELF (`self`): the device's own entries — a bridge's whole database, a vxlan's
   * remotes. Defaults to true when `master` is not given, as `bridge fdb flush` assumes it.
   */
  readonly self?: boolean | undefined;
  /** On a bridge: only the entries on this port, or on the bridge itself, name or ifindex (`brport DEV`). */
  readonly brport?: string | number | undefined;
  /** Only the entries of this VLAN id, 1..4094 (`vlan VID`). */
  readonly vlan?: number | undefined;
  /**
   * Which entries by state (see {@link FdbFlushState}). Defaults to 'nopermanent':
   * the permanent entries are the addresses of the bridge and its ports, without which
   * the bridge hands the host nothing, and a vxlan's configured remotes; `bridge fdb
   * flush` with no state word deletes those too, which is `state: 'all'` here.
   */
  readonly state?: FdbFlushState | undefined;
  /** NTF_USE: true deletes only the entries added by a user (`added_by_user`), false only the others (`noadded_by_user`). */
  readonly addedByUser?: boolean | undefined;
  /** NTF_EXT_LEARNED: true only entries learned by a controller (`extern_learn`), false only the others (`noextern_learn`). */
  readonly externLearn?: boolean | undefined;
  /** NTF_STICKY: true only sticky entries (`sticky`), false only the others (`nosticky`). */
  readonly sticky?: boolean | undefined;
  /** NTF_OFFLOADED: true only entries offloaded to hardware (`offloaded`), false only the others (`nooffloaded`). */
  readonly offloaded?: boolean | undefined;
  /** NTF_ROUTER, vxlan: true only router entries (`router`), false only the others (`norouter`). */
  readonly router?: boolean | undefined;
  /** vxlan: only the entries toward this remote IP (NDA_DST; `dst IP`). */
  readonly dst?: string | undefined;
  /** vxlan: only the entries with this remote UDP port, 1..65535 (NDA_PORT; `port P`). */
  readonly port?: number | undefined;
  /** vxlan: only the entries with this remote VNI, 0..16777215 (NDA_VNI; `vni N`). */
  readonly vni?: number | undefined;
  /** vxlan: only the entries of this source VNI, 0..16777215 (NDA_SRC_VNI; `src_vni N`). */
  readonly srcVni?: number | undefined;
  /** vxlan: only the entries whose remotes are this fdb nexthop group, 1..4294967295 (NDA_NH_ID; `nhid N`). */
  readonly nhid?: number | undefined;
}

const SPEC_KEYS: ReadonlySet<string> = new Set(['mac', 'link', 'master', 'self', 'vlan', 'state', 'sticky', 'externLearn', 'router', 'dst', 'port', 'vni', 'srcVni', 'via', 'nhid']);
const DEL_KEYS: ReadonlySet<string> = new Set(['mac', 'link', 'master', 'self', 'vlan', 'dst', 'port', 'vni', 'srcVni', 'via', 'nhid']);
const FILTER_KEYS: ReadonlySet<string> = new Set(['master', 'link', 'vlan', 'state']);
const GET_KEYS: ReadonlySet<string> = new Set(['mac', 'link', 'bridge', 'master', 'self', 'vlan', 'vni']);
const STATE_BITS: Readonly<Record<string, number>> = { permanent: C.NUD_PERMANENT, static: C.NUD_NOARP, reachable: C.NUD_REACHABLE, stale: C.NUD_STALE };
const FLUSH_KEYS: ReadonlySet<string> = new Set(['link', 'master', 'self', 'brport', 'vlan', 'state', 'addedByUser', 'externLearn', 'sticky', 'offloaded', 'router', 'dst', 'port', 'vni', 'srcVni', 'nhid']);
/** A flush's state word as ndm_state and NDA_NDM_STATE_MASK: what `bridge fdb flush` sends for it. */
const FLUSH_STATES: Readonly<Record<FdbFlushState, readonly [number, number]>> = {
  all: [0, 0],
  nopermanent: [0, C.NUD_PERMANENT],
  permanent: [C.NUD_PERMANENT, C.NUD_PERMANENT],
  static: [C.NUD_NOARP, C.NUD_NOARP | C.NUD_PERMANENT],
  nostatic: [0, C.NUD_NOARP],
  dynamic: [0, C.NUD_NOARP | C.NUD_PERMANENT],
  nodynamic: [C.NUD_NOARP, C.NUD_NOARP],
};
/** A flush's flag filters: the key, its NTF_ bit, and `bridge fdb flush`'s word for it. */
const FLUSH_FLAGS: readonly (readonly [string, number, string])[] = [
  ['addedByUser', C.NTF_USE, 'added_by_user'], ['externLearn', C.NTF_EXT_LEARNED, 'extern_learn'],
  ['sticky', C.NTF_STICKY, 'sticky'], ['offloaded', C.NTF_OFFLOADED, 'offloaded'], ['router', C.NTF_ROUTER, 'router'],
];
const VNI_MAX = 0xffffff;
const EPERM = 1;
const EINVAL = 22;
const ENOENT = 2;
const EEXIST = 17;
const EOPNOTSUPP = 95;
const EAFNOSUPPORT = 97;

/** A VLAN id as the bridge takes it: 1..4094 (0 is "no VLAN", 4095 reserved). */
export function checkVid(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 4094) throw new InvalidArgumentError(arg, `a VLAN id is an integer in 1..4094, got ${showValue(v)}`);
  return v;
}

/** A checked FDB request: everything but the ifindexes, which need lookups. */
interface Checked {
  mac: Uint8Array;
  macText: string;
  link: string | number;
  flags: number;
  state: number;
  vlan: number | undefined;
  dst: IpAddr | undefined;
  dstText: string | undefined;
  port: number | undefined;
  vni: number | undefined;
  srcVni: number | undefined;
  via: string | number | undefined;
  nhid: number | undefined;
}

/** The entry as `bridge fdb` would name it, for errors: '02:00:00:00:00:01 dev v0 master vlan 10'. */
function subjectOf(c: Checked): string {
  const dev = typeof c.link === 'number' ? `ifindex ${c.link}` : c.link;
  return `${c.macText} dev ${dev}${c.flags & C.NTF_MASTER ? ' master' : ''}${c.flags & C.NTF_SELF ? ' self' : ''}` +
    `${c.vlan !== undefined ? ` vlan ${c.vlan}` : ''}${c.dstText !== undefined ? ` dst ${c.dstText}` : ''}${c.nhid !== undefined ? ` nhid ${c.nhid}` : ''}`;
}

function hex2(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

/** A MAC address given for an FDB entry, checked: its bytes and how `bridge` prints it. */
function checkMac(v: unknown): { mac: Uint8Array; macText: string } {
  if (v === undefined) throw new InvalidArgumentError('mac', 'an FDB entry needs a MAC address');
  const mac = checkHwAddr(v, 'mac');
  if (mac.length !== 6) throw new InvalidArgumentError('mac', `an FDB entry's MAC address is 6 bytes, got ${mac.length} (${showValue(v)})`);
  let macText = '';
  for (let i = 0; i < 6; i++) macText += (i ? ':' : '') + hex2(mac[i]!);
  return { mac, macText };
}

/** A decoded entry back into what `del` takes: master entries by their bridge, the rest as the device's own. */
function specOfEntry(e: FdbEntry): Record<string, unknown> {
  // An entry on the bridge device itself (link === master) is the bridge's own: its
  // driver takes it through NTF_SELF; an entry on a port, through the master.
  const master = e.master !== undefined && e.master !== e.link;
  return {
    mac: e.mac, link: e.link, ...(master ? { master: true } : { self: true }), vlan: e.vlan,
    dst: e.dst, port: e.port, vni: e.vni, srcVni: e.srcVni, via: e.via, nhid: e.nhid,
  };
}

/** Bridge forwarding database operations of an Rtnl handle (`rt.fdb`; `bridge fdb`). */
export class FdbApi {
  /** Not for users: every Rtnl handle has its own, `rt.fdb`. */
  private constructor(private readonly core: RtnlCore, private readonly links: LinkApi) {}

  /** @internal How a handle makes its `rt.fdb` (and tests one over a stand-in core). */
  static of(core: RtnlCore, links: LinkApi): FdbApi {
    return new FdbApi(core, links);
  }

  /**
   * Add an entry: RTM_NEWNEIGH (AF_BRIDGE) with NLM_F_CREATE|NLM_F_EXCL.
   *
   * Equivalent to: `bridge fdb add MAC dev DEV [master] [self] [vlan VID]
   * [permanent|static|dynamic] [sticky] [extern_learn] [router] [dst IP] [port P]
   * [vni N] [src_vni N] [via DEV] [nhid N]`.
   * @example
   * await rt.fdb.add({ mac: '02:00:00:00:00:01', link: 'veth0', master: true, state: 'static' });
   * await rt.fdb.add({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.2' }); // vxlan flood entry
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'EEXIST'
   *   when the entry exists, 'ENODEV' when the link does not, 'EOPNOTSUPP' for a master
   *   entry on a link that is not a bridge port, 'EINVAL' for a vxlan entry without `dst`,
   *   'EAFNOSUPPORT' for a `dst` of the other family than the vxlan's, 'EINVAL' for the
   *   all-zeros MAC on a bridge or its port (a vxlan's only), 'EINVAL' for a `vlan`
   *   the bridge does not have (or any, on a kernel without bridge VLAN filtering) or
   *   on a device's own list, 'EINVAL' when `master` and `self` are both given with a
   *   non-permanent state on a port (the bridge's entry is made, the device's is not)
   *   — each naming the entry and the netns.
   */
  async add(spec: FdbSpec): Promise<void> {
    await this.modify(C.RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, spec, SPEC_KEYS);
  }

  /**
   * Add an entry or change the existing one (its port, state, flags): RTM_NEWNEIGH
   * with NLM_F_CREATE|NLM_F_REPLACE.
   *
   * Equivalent to: `bridge fdb replace MAC dev DEV …` (the arguments of `add`).
   */
  async replace(spec: FdbSpec): Promise<void> {
    await this.modify(C.RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, spec, SPEC_KEYS);
  }

  /**
   * Add one more remote for a MAC on a vxlan (NLM_F_CREATE|NLM_F_APPEND): the
   * all-zeros MAC with several `dst` floods broadcast and unknown unicast to each.
   * The all-zeros and multicast MACs only: vxlan appends to no other (an existing
   * unicast entry would stay as it is, with success), so one is refused before
   * anything is sent.
   *
   * Equivalent to: `bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.3`.
   */
  async append(spec: FdbSpec): Promise<void> {
    await this.modify(C.RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND, spec, SPEC_KEYS);
  }

  /**
   * Delete an entry: RTM_DELNEIGH (AF_BRIDGE). Takes what `add` took (without
   * `state`), or an entry `list` returned (deleted where it lives: through the
   * bridge for an entry with a `master` on a port, as the device's own otherwise) —
   * but for the `self` entries listed on a bridge device, its own address list
   * (multicast groups it joined), which the bridge does not delete (ENOENT, as for
   * `bridge fdb del`).
   *
   * Equivalent to: `bridge fdb del MAC dev DEV [master|self] [vlan VID] [dst IP] …`.
   * @throws NetlinkError 'ENOENT' when there is no such entry (naming it and the netns).
   */
  async del(spec: FdbSpec | FdbEntry): Promise<void> {
    let s = checkObject(spec, 'spec');
    if (typeof s['rawState'] === 'number' && typeof s['rawFlags'] === 'number') s = specOfEntry(s as unknown as FdbEntry);
    await this.modify(C.RTM_DELNEIGH, 0, s, DEL_KEYS);
  }

  /**
   * Look up one entry (RTM_GETNEIGH of family AF_BRIDGE, no dump): by its MAC (and
   * `vlan`, a vxlan's `vni`) in a bridge's database — the one `bridge` names, or the
   * bridge of the port `link` — or in a device's own list (`self: true`: a vxlan's
   * remotes). Takes an entry `list` returned too (looked up where it lives, as `del`
   * deletes it).
   *
   * Equivalent to: `bridge fdb get MAC { br BRDEV | dev DEV [master|self] } [vlan VID] [vni VNI]`.
   * @example
   * const e = await rt.fdb.get({ mac: '02:00:00:00:00:01', bridge: 'br0' }); // e.link: the port it is on
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'ENOENT' when
   *   there is no such entry, 'ENODEV' when a link does not exist, 'EINVAL' for a `link`
   *   that is no bridge port without `self` — each naming the entry and the netns.
   */
  async get(spec: FdbGetSpec | FdbEntry): Promise<FdbEntry> {
    let s = checkObject(spec, 'spec');
    if (typeof s['rawState'] === 'number' && typeof s['rawFlags'] === 'number') {
      // Looked up where del would delete it, by the keys a lookup takes.
      const d = specOfEntry(s as unknown as FdbEntry);
      s = { mac: d['mac'], link: d['link'], master: d['master'], self: d['self'], vlan: d['vlan'], vni: d['vni'] };
    }
    checkKeys(s, GET_KEYS, '');
    const { mac, macText } = checkMac(s['mac']);
    const link = s['link'] !== undefined ? checkLinkRef(s['link'], 'link') : undefined;
    const bridge = s['bridge'] !== undefined ? checkLinkRef(s['bridge'], 'bridge') : undefined;
    // rtnl_fdb_get: "Master and device are mutually exclusive", "No device specified".
    if (link !== undefined && bridge !== undefined) throw new InvalidArgumentError('bridge', 'give link (the port or device the entry is on) or bridge (whose database to look in), not both: the kernel looks in one');
    if (link === undefined && bridge === undefined) throw new InvalidArgumentError('link', 'an FDB lookup needs link (the port or device) or bridge (whose database to look in)');
    const master = s['master'] !== undefined && checkBool(s['master'], 'master');
    const self = s['self'] !== undefined && checkBool(s['self'], 'self');
    if (bridge !== undefined && (master || self)) throw new InvalidArgumentError(master ? 'master' : 'self', `a lookup in a bridge's database (bridge) takes no ${master ? 'master' : 'self'}: that chooses where a link's entry is looked for`);
    if (master && self) throw new InvalidArgumentError('self', 'a lookup goes to the bridge of the port (master) or to the device itself (self), not both');
    const vlan = s['vlan'] !== undefined ? checkVid(s['vlan'], 'vlan') : undefined;
    const vni = s['vni'] !== undefined ? checkInt(s['vni'], 'vni', 0, VNI_MAX) : undefined;
    const flags = (master ? C.NTF_MASTER : 0) | (self ? C.NTF_SELF : 0);
    const index = link !== undefined ? await this.core.linkIndex(link, 'link') : 0;
    const br = bridge !== undefined ? await this.core.linkIndex(bridge, 'bridge') : 0;
    const name = (ref: string | number): string => (typeof ref === 'number' ? `ifindex ${ref}` : ref);
    const subject = `${macText} ${bridge !== undefined ? `br ${name(bridge)}` : `dev ${name(link!)}`}${master ? ' master' : ''}${self ? ' self' : ''}` +
      `${vlan !== undefined ? ` vlan ${vlan}` : ''}${vni !== undefined ? ` vni ${vni}` : ''}`;
    let e: FdbEntry | undefined;
    try {
      e = await this.core.sock.request(C.RTM_GETNEIGH, 0, (w) => {
        putNdmsg(w, index, 0, flags);
        w.putBytes(C.NDA_LLADDR, mac);
        if (br) w.putU32(C.NDA_MASTER, br);
        if (vlan !== undefined) w.putU16(C.NDA_VLAN, vlan);
        if (vni !== undefined) w.putU32(C.NDA_VNI, vni);
      }, onFdb, { ack: false, subject });
    } catch (x) {
      if (!(x instanceof NetlinkError)) throw x;
      const where = this.core.where?.() ?? "the caller's netns";
      // "Device is not a bridge port": the default looks in the port's bridge.
      const why = x.errno === EINVAL && link !== undefined && !self && /not a bridge port/i.test(x.extack.message ?? '')
        ? `${name(link)} is not a bridge port: its own entries (a vxlan's remotes) are looked up with self: true`
        : x.hint;
      throw new NetlinkError(x.errno, x.request, x.extack, `${why !== undefined ? `${why}; ` : ''}in ${where}`);
    }
    if (e === undefined) throw new NetlinkError(ENOENT, { type: C.RTM_GETNEIGH, typeName: 'RTM_GETNEIGH', seq: 0, subject }, {}, 'the kernel answered with no entry');
    return e;
  }

  /**
   * List entries (one RTM_GETNEIGH dump of family AF_BRIDGE): every bridge's, its
   * ports' own and vxlan devices' entries. `master` and `link` are filtered by the
   * kernel (a handle opened with `strictCheck: false` gets everything from the kernel,
   * and filters here: `master` then costs a link dump for the bridge's ports), `link`
   * again here, `vlan` and `state` here.
   *
   * Equivalent to: `bridge fdb show [br BRDEV] [brport DEV] [vlan VID] [state S]`.
   * @throws InvalidArgumentError for a bad filter; NetlinkError 'ENODEV' when the
   *   filter's link or bridge does not exist (naming it and the netns).
   */
  async list(filter?: FdbFilter): Promise<FdbEntry[]> {
    const q = await this.query(filter);
    const all = await this.core.sock.dump(C.RTM_GETNEIGH, 0, q.build, onFdb);
    return q.keep === undefined ? all : all.filter(q.keep);
  }

  /**
   * Walk the entries `list(filter)` would return without collecting them: `fn` gets each
   * entry as its part of the dump is read, so a vxlan device's hundred thousand remote
   * MACs are walked in the memory of one receive buffer. Return `false` from `fn` to
   * stop. Resolves with the number of entries `fn` was given.
   *
   * `fn` runs synchronously inside the receive loop: requests it makes on this handle
   * wait until the walk ends, and an async `fn` is refused. A walk is not retried when
   * the kernel flags the dump as interrupted by concurrent changes (NLM_F_DUMP_INTR):
   * it then rejects with DumpInterruptedError once the walk is over, and `delivered`
   * says how many entries `fn` was given (a flag on what was read after `fn`
   * stopped the walk does not count). Closing the handle from `fn` ends the walk
   * with ClosedError.
   *
   * Equivalent to: `bridge fdb show [br BRDEV] [brport DEV] [vlan VID] [state S]` piped into a reader.
   * @throws DumpInterruptedError when the dump was interrupted; whatever `fn` threw.
   */
  async forEach<R = boolean | void>(fn: ForEachCallback<FdbEntry, R>): Promise<number>;
  async forEach<R = boolean | void>(filter: FdbFilter | undefined, fn: ForEachCallback<FdbEntry, R>): Promise<number>;
  async forEach(a: FdbFilter | ((object: FdbEntry) => unknown) | undefined, b?: (object: FdbEntry) => unknown): Promise<number> {
    const [filter, fn] = eachArgs(a, b);
    const q = await this.query(filter);
    return this.core.sock.dumpEach(C.RTM_GETNEIGH, 0, q.build, decodeKept(onFdb, q.keep), fn);
  }

  /**
   * Delete many entries in one request (RTM_DELNEIGH with NLM_F_BULK, family
   * AF_BRIDGE): the kernel deletes every entry of `link` that matches, in one pass
   * under its lock, and says nothing about how many (`list` before and after counts
   * them). Of a bridge (`self`, the default) its whole database, or one port's part of
   * it (`brport`); of a bridge port (`master: true`) its entries in its bridge; of a
   * vxlan device its remotes. The permanent (local) entries are kept unless `state`
   * says otherwise (see {@link FdbFlushSpec.state}).
   *
   * Equivalent to: `bridge fdb flush dev DEV [brport DEV] [vlan VID] [self] [master]
   * [nopermanent|permanent|static|nostatic|dynamic|nodynamic] [[no]added_by_user]
   * [[no]extern_learn] [[no]sticky] [[no]offloaded] [[no]router] [dst IP] [port P]
   * [vni N] [src_vni N] [nhid N]`; with the state defaulted, `bridge fdb flush dev DEV
   * nopermanent`.
   * @example
   * await rt.fdb.flush({ link: 'br0' });                              // everything the bridge learned or was given, but its local entries
   * await rt.fdb.flush({ link: 'veth0', master: true, state: 'dynamic' }); // what the bridge learned on one port
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'ENODEV'
   *   when a link does not exist, 'EOPNOTSUPP' for `self` on a device that keeps no
   *   entries to flush (a veth, a bridge port's own list) or `master` on a link that is
   *   no bridge port, 'EINVAL' for a `brport` that is not a port of the bridge or a
   *   filter the device does not take (vxlan's on a bridge, `router` on a bridge) —
   *   each naming the flush and the netns.
   */
  async flush(spec: FdbFlushSpec): Promise<void> {
    const s = checkObject(spec, 'spec');
    checkKeys(s, FLUSH_KEYS, '');
    if (s['link'] === undefined) throw new InvalidArgumentError('link', 'a flush needs a link: the bridge, a bridge port (with master: true) or a vxlan device');
    const linkRef = checkLinkRef(s['link'], 'link');
    const master = s['master'] !== undefined && checkBool(s['master'], 'master');
    const self = s['self'] !== undefined && checkBool(s['self'], 'self');
    let ntf = master ? C.NTF_MASTER : 0;
    if (self || (!master && s['self'] === undefined)) ntf |= C.NTF_SELF;
    if (!(ntf & (C.NTF_MASTER | C.NTF_SELF))) throw new InvalidArgumentError('self', "a flush goes to the bridge of a port (master: true) or to the device's own entries (self: true); both are false");
    const brportRef = s['brport'] !== undefined ? checkLinkRef(s['brport'], 'brport') : undefined;
    const vlan = s['vlan'] !== undefined ? checkVid(s['vlan'], 'vlan') : undefined;
    const stateWord = s['state'] ?? 'nopermanent';
    if (typeof stateWord !== 'string' || !Object.prototype.hasOwnProperty.call(FLUSH_STATES, stateWord)) {
      throw new InvalidArgumentError('state', `unknown flush state ${showValue(stateWord)} (expected one of ${Object.keys(FLUSH_STATES).join(', ')})`);
    }
    const [state, stateMask] = FLUSH_STATES[stateWord as FdbFlushState];
    let flags = 0;
    let flagsMask = 0;
    let words = '';
    for (const [key, bit, word] of FLUSH_FLAGS) {
      if (s[key] === undefined) continue;
      const on = checkBool(s[key], key);
      flagsMask |= bit;
      if (on) flags |= bit;
      words += on ? ` ${word}` : ` no${word}`;
    }
    const dst = s['dst'] !== undefined ? parseIp(s['dst'], 'dst') : undefined;
    const port = s['port'] !== undefined ? checkInt(s['port'], 'port', 1, 65535) : undefined;
    const vni = s['vni'] !== undefined ? checkInt(s['vni'], 'vni', 0, VNI_MAX) : undefined;
    const srcVni = s['srcVni'] !== undefined ? checkInt(s['srcVni'], 'srcVni', 0, VNI_MAX) : undefined;
    const nhid = s['nhid'] !== undefined ? checkInt(s['nhid'], 'nhid', 1, 0xffffffff) : undefined;
    const index = await this.core.linkIndex(linkRef, 'link');
    const brport = brportRef !== undefined ? await existingLinkIndex(this.core, brportRef, 'brport') : undefined;
    const name = (ref: string | number): string => (typeof ref === 'number' ? `ifindex ${ref}` : ref);
    const subject = `flush dev ${name(linkRef)}${ntf & C.NTF_MASTER ? ' master' : ''}${ntf & C.NTF_SELF ? ' self' : ''}` +
      `${brportRef !== undefined ? ` brport ${name(brportRef)}` : ''}${vlan !== undefined ? ` vlan ${vlan}` : ''}` +
      `${stateWord === 'all' ? '' : ` ${stateWord}`}${words}${dst !== undefined ? ` dst ${String(s['dst'])}` : ''}` +
      `${port !== undefined ? ` port ${port}` : ''}${vni !== undefined ? ` vni ${vni}` : ''}${srcVni !== undefined ? ` src_vni ${srcVni}` : ''}${nhid !== undefined ? ` nhid ${nhid}` : ''}`;
    try {
      await this.core.sock.request(C.RTM_DELNEIGH, NLM_F_BULK, (w) => {
        putNdmsg(w, index, state, ntf | flags);
        if (brport !== undefined) w.putU32(C.NDA_IFINDEX, brport);
        if (vlan !== undefined) w.putU16(C.NDA_VLAN, vlan);
        if (flagsMask) w.putU8(C.NDA_NDM_FLAGS_MASK, flagsMask);
        if (stateMask) w.putU16(C.NDA_NDM_STATE_MASK, stateMask);
        if (dst) w.putBytes(C.NDA_DST, dst.bytes);
        if (port !== undefined) w.putBe16(C.NDA_PORT, port);
        if (vni !== undefined) w.putU32(C.NDA_VNI, vni);
        if (srcVni !== undefined) w.putU32(C.NDA_SRC_VNI, srcVni);
        if (nhid !== undefined) w.putU32(C.NDA_NH_ID, nhid);
      }, undefined, { subject });
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      const where = this.core.where?.() ?? "the caller's netns";
      let why: string | undefined;
      const dev = `'${name(linkRef)}'`;
      if (e.errno === EINVAL && brportRef !== undefined && /not a bridge or bridge port/.test(e.extack.message ?? '')) {
        why = `brport '${name(brportRef)}' is not a port of ${dev}`;
      } else if (e.errno === EINVAL && (dst ?? port ?? vni ?? srcVni ?? nhid) !== undefined && /Unsupported attribute/.test(e.extack.message ?? '')) {
        why = `dst, port, vni, srcVni and nhid select a vxlan's remotes: ${dev} takes none of them`;
      } else if (e.errno === EINVAL && flags & C.NTF_ROUTER && /flag bits/.test(e.extack.message ?? '')) {
        why = `router is a vxlan's flag: ${dev} takes addedByUser, externLearn, sticky and offloaded`;
      } else if (e.errno === EOPNOTSUPP) {
        let info: { kind: string | undefined; master: number | undefined } | undefined;
        try {
          const l = await this.links.get(index);
          info = { kind: l.kind, master: l.master };
        } catch {
          info = undefined; // gone meanwhile: the kernel's own answer stands
        }
        if (info && ntf & C.NTF_MASTER && !info.master) {
          why = info.kind === 'bridge' ? `${dev} is a bridge: its database is flushed with self (the default), not master` : `${dev} is not a bridge port (it has no master): master flushes a port's entries in its bridge`;
        } else if (info && ntf & C.NTF_SELF && info.kind !== 'bridge' && info.kind !== 'vxlan') {
          why = info.master
            ? `${dev} keeps no entries of its own to flush (a bridge or a vxlan does); its entries in its bridge are flushed with master: true`
            : `${dev} keeps no entries of its own to flush (a bridge or a vxlan does)`;
        }
      }
      const first = why ?? e.hint;
      throw new NetlinkError(e.errno, e.request, e.extack, `${first !== undefined ? `${first}; ` : ''}in ${where}`);
    }
  }

  /** A checked filter: the dump request, and the test for what it keeps (undefined: everything). */
  private async query(filter: FdbFilter | undefined): Promise<{ build: (w: MessageWriter) => void; keep: ((e: FdbEntry) => boolean) | undefined }> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    const vlan = f['vlan'] !== undefined ? checkVid(f['vlan'], 'filter.vlan') : undefined;
    let stateBit: number | undefined;
    if (f['state'] !== undefined) {
      const st = f['state'];
      if (typeof st !== 'string' || !Object.prototype.hasOwnProperty.call(STATE_BITS, st)) {
        throw new InvalidArgumentError('filter.state', `unknown FDB state ${showValue(st)} (expected one of ${Object.keys(STATE_BITS).join(', ')})`);
      }
      stateBit = STATE_BITS[st]!;
    }
    const master = f['master'] !== undefined ? await this.existing(f['master'], 'filter.master') : 0;
    const link = f['link'] !== undefined ? await this.existing(f['link'], 'filter.link') : 0;
    // The kernel filters by master only on a strict-checking handle (NETLINK_GET_STRICT_CHK;
    // otherwise it reads the request as a legacy ifinfomsg and dumps every device), so
    // without it the bridge's filter is applied here: the bridge itself and its ports, as
    // the kernel's own filter keeps them (nothing for a master that is no bridge).
    let keepLinks: Set<number> | undefined;
    if (master && this.core.strictCheck === false) {
      const isBridge = (await this.links.get(master)).kind === 'bridge';
      keepLinks = new Set(isBridge ? [master, ...(await this.links.list({ master })).map((l) => l.index)] : []);
    }
    const build = (w: MessageWriter): void => {
      putNdmsg(w, link, 0, 0);
      if (master) w.putU32(C.NDA_MASTER, master);
    };
    if (!link && !keepLinks && vlan === undefined && stateBit === undefined) return { build, keep: undefined };
    return {
      build,
      keep: (e) => (!link || e.link === link) && (!keepLinks || keepLinks.has(e.link)) && (vlan === undefined || e.vlan === vlan) &&
        (stateBit === undefined || (e.rawState & stateBit) !== 0),
    };
  }

  /** The ifindex of a link that must exist (by ifindex too: the kernel would answer with nothing). */
  private async existing(ref: unknown, arg: string): Promise<number> {
    return (await this.core.linkHwAddrLen(checkLinkRef(ref, arg), arg)).index;
  }

  private async modify(type: number, nlFlags: number, spec: unknown, keys: ReadonlySet<string>): Promise<void> {
    const c = check(spec, keys);
    if (nlFlags & NLM_F_APPEND && (c.mac[0]! & 1) === 0 && c.mac.some((b) => b !== 0)) {
      throw new InvalidArgumentError('mac', `append adds a remote to the all-zeros or a multicast MAC only (a unicast MAC has one: add, or replace to change it), got '${c.macText}'`);
    }
    const index = await this.core.linkIndex(c.link, 'link');
    // An ifindex is checked too: vxlan answers a missing one with a bare 'Device not found' (EADDRNOTAVAIL).
    const via = c.via !== undefined ? await existingLinkIndex(this.core, c.via, 'via') : undefined;
    const subject = subjectOf(c);
    try {
      await this.core.sock.request(type, nlFlags, (w) => {
        putNdmsg(w, index, c.state, c.flags);
        w.putBytes(C.NDA_LLADDR, c.mac);
        if (c.dst) w.putBytes(C.NDA_DST, c.dst.bytes);
        if (c.vlan !== undefined) w.putU16(C.NDA_VLAN, c.vlan);
        if (c.port !== undefined) w.putBe16(C.NDA_PORT, c.port);
        if (c.vni !== undefined) w.putU32(C.NDA_VNI, c.vni);
        if (c.srcVni !== undefined) w.putU32(C.NDA_SRC_VNI, c.srcVni);
        if (via !== undefined) w.putU32(C.NDA_IFINDEX, via);
        if (c.nhid !== undefined) w.putU32(C.NDA_NH_ID, c.nhid);
      }, undefined, { subject });
    } catch (e) {
      throw await this.explain(e, c, index, type, nlFlags);
    }
  }

  /** The kernel's refusal with what it means for this entry, and the netns (runs only for an error). */
  private async explain(e: unknown, c: Checked, index: number, type: number, nlFlags: number): Promise<unknown> {
    if (!(e instanceof NetlinkError)) return e;
    const where = this.core.where?.() ?? "the caller's netns";
    let dev = typeof c.link === 'number' ? `ifindex ${c.link}` : `'${c.link}'`;
    let why: string | undefined;
    if (type === C.RTM_NEWNEIGH || type === C.RTM_DELNEIGH) {
      let info: { kind: string | undefined; master: number | undefined; name: string; data: Record<string, unknown> | undefined } | undefined;
      try {
        const l = await this.links.get(index);
        info = { kind: l.kind, master: l.master, name: l.name, data: l.linkinfo?.data as Record<string, unknown> | undefined };
      } catch {
        info = undefined; // gone meanwhile: the kernel's own answer stands
      }
      // A listed entry gives its link by ifindex: the message names it too.
      if (info && typeof c.link === 'number') dev = `'${info.name}' (ifindex ${c.link})`;
      const isBridge = info?.kind === 'bridge';
      // The bridge refuses the all-zeros MAC (dmesg: "RTM_NEWNEIGH with invalid ether address").
      const zeroToBridge = type === C.RTM_NEWNEIGH && c.mac.every((b) => b === 0) && ((c.flags & C.NTF_MASTER) !== 0 || isBridge);
      if (e.errno === EINVAL && zeroToBridge) {
        why = `${c.macText} is no address a bridge's forwarding database takes (the all-zeros MAC is a vxlan's default remote: self on the vxlan device)`;
      } else if (e.errno === EOPNOTSUPP && (c.flags & C.NTF_MASTER) && info) {
        if (isBridge) why = `${dev} is a bridge: an entry on the bridge itself takes self, not master`;
        else if (info.master === undefined || info.master === 0) why = `${dev} is not a bridge port (it has no master), so a master entry has no bridge to go to: enslave it first, or use self for the device's own address list`;
        else why = `the master of ${dev} keeps no forwarding database`;
      } else if (e.errno === EINVAL && isBridge && c.state !== FDB_STATES.permanent && type === C.RTM_NEWNEIGH) {
        why = `an entry on the bridge ${dev} itself must be permanent`;
      } else if (e.errno === EPERM && type === C.RTM_NEWNEIGH && c.state === FDB_STATES.reachable) {
        why = `a dynamic ('reachable') entry needs the port learning or forwarding (the port and its bridge up, with carrier); 'static' and 'permanent' entries do not`;
      } else if (e.errno === EINVAL && type === C.RTM_NEWNEIGH && (c.flags & C.NTF_STICKY) && c.state === FDB_STATES.permanent) {
        why = `a sticky entry cannot be permanent (local): give state 'static'`;
      } else if (e.errno === EINVAL && type === C.RTM_NEWNEIGH && (c.flags & C.NTF_MASTER) && (c.flags & C.NTF_SELF) && info?.master && !isBridge &&
        info.kind !== 'vxlan' && c.state !== FDB_STATES.permanent && c.vlan === undefined) {
        // rtnetlink gives the bridge its entry first, then the device: only the second half failed.
        why = `the bridge took the master entry (it stays), but ${dev} itself (self) takes permanent entries only: add the self entry on its own, permanent`;
      } else if (e.errno === EINVAL && type === C.RTM_NEWNEIGH && !(c.flags & C.NTF_MASTER) && !isBridge && info?.kind !== 'vxlan' && c.state !== FDB_STATES.permanent) {
        why = `a device's own address list (self) takes permanent entries only`;
      } else if (e.errno === EEXIST && nlFlags & NLM_F_EXCL && info?.kind === 'vxlan' && c.dst !== undefined && (c.mac[0]! & 1 || c.mac.every((b) => b === 0))) {
        why = `${c.macText} has a remote on ${dev} already: rt.fdb.append adds another (bridge fdb append)`;
      } else if (e.errno === ENOENT && type === C.RTM_DELNEIGH) {
        // Without master, a port's entry is looked for in its own address list, not the bridge's.
        if (!(c.flags & C.NTF_MASTER) && info?.master && !isBridge) {
          why = `no such FDB entry among the own entries of ${dev} (self); ${dev} is a bridge port: its bridge's entries are deleted with master: true`;
        } else if (isBridge) {
          // The bridge's dump lists its device address lists as self entries; its ndo_fdb_del looks in the FDB only.
          why = `no such entry in the forwarding database of the bridge ${dev} (entries listed self on a bridge are its own address list: multicast groups it joined, addresses of devices over it; the bridge does not delete those)`;
        } else {
          why = 'no such FDB entry';
        }
      } else if (e.errno === EINVAL && type === C.RTM_NEWNEIGH && info?.kind === 'vxlan' && !(c.flags & C.NTF_MASTER) && c.dst === undefined && c.nhid === undefined) {
        why = `a vxlan entry needs dst, the remote's IP (bridge fdb add … dst IP)`;
      } else if (e.errno === EAFNOSUPPORT && info?.kind === 'vxlan' && c.dst !== undefined) {
        why = `dst ${c.dstText!} is IPv${c.dst.family}: ${dev} takes IPv${c.dst.family === 4 ? 6 : 4} remotes only (the family of its own local and remote addresses)`;
      } else if (e.errno === EINVAL && type === C.RTM_NEWNEIGH && !(c.flags & C.NTF_MASTER) && info && !isBridge && info.kind !== 'vxlan' && c.vlan !== undefined) {
        why = `a device's own address list (self) takes no vlan`;
      } else if (e.errno === EINVAL && c.vlan !== undefined) {
        // Without CONFIG_BRIDGE_VLAN_FILTERING the bridge finds no vlan at all (and reports no vlan_protocol).
        let filtering = true;
        try {
          const data = isBridge ? info?.data : info?.master ? (await this.links.get(info.master)).linkinfo?.data as Record<string, unknown> | undefined : undefined;
          filtering = data === undefined || data['vlanProtocol'] !== undefined;
        } catch {
          // The bridge went away meanwhile: the vlan text stands.
        }
        why = filtering
          ? `vlan ${c.vlan} may not be configured on ${dev} (see rt.vlan.list)`
          : `this kernel was built without bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING): the bridge's forwarding database takes no vlan (its bridges report no vlan_protocol)`;
      }
    }
    const first = why ?? e.hint;
    return new NetlinkError(e.errno, e.request, e.extack, `${first !== undefined ? `${first}; ` : ''}in ${where}`);
  }
}

/** The dump callback: one function for every dump. */
const onFdb = (buf: Buffer, view: DataView, off: number, len: number): FdbEntry | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWNEIGH ? decodeFdb(buf, view, off, len) : undefined;

/** Write struct ndmsg (family AF_BRIDGE) at the writer's cursor. */
function putNdmsg(w: MessageWriter, index: number, state: number, flags: number): void {
  const o = w.reserve(C.SIZEOF_NDMSG);
  w.buf[o] = AF_BRIDGE;
  w.view.setInt32(o + 4, index, HOST_LE);
  w.view.setUint16(o + 8, state, HOST_LE);
  w.buf[o + 10] = flags;
}

/** Every check of an FDB spec, before anything is sent. */
function check(spec: unknown, keys: ReadonlySet<string>): Checked {
  const s = checkObject(spec, 'spec');
  checkKeys(s, keys, '');
  const { mac, macText } = checkMac(s['mac']);
  if (s['link'] === undefined) throw new InvalidArgumentError('link', 'an FDB entry needs a link (the port, the bridge or a vxlan device)');
  const link = checkLinkRef(s['link'], 'link');
  const master = s['master'] !== undefined && checkBool(s['master'], 'master');
  const self = s['self'] !== undefined && checkBool(s['self'], 'self');
  let flags = master ? C.NTF_MASTER : 0;
  if (self || (!master && s['self'] === undefined)) flags |= C.NTF_SELF;
  if (!(flags & (C.NTF_MASTER | C.NTF_SELF))) throw new InvalidArgumentError('self', 'an FDB entry goes to the bridge (master: true) or to the device itself (self: true); both are false');
  if (s['sticky'] !== undefined && checkBool(s['sticky'], 'sticky')) flags |= C.NTF_STICKY;
  if (s['externLearn'] !== undefined && checkBool(s['externLearn'], 'externLearn')) flags |= C.NTF_EXT_LEARNED;
  if (s['router'] !== undefined && checkBool(s['router'], 'router')) flags |= C.NTF_ROUTER;
  let state = FDB_STATES.permanent;
  if (s['state'] !== undefined) {
    const st = s['state'];
    if (typeof st !== 'string' || !Object.prototype.hasOwnProperty.call(FDB_STATES, st)) {
      throw new InvalidArgumentError('state', `unknown FDB state ${showValue(st)} (expected 'permanent', 'static' or 'reachable')`);
    }
    state = FDB_STATES[st as FdbState];
  }
  return {
    mac, macText, link, flags, state,
    vlan: s['vlan'] !== undefined ? checkVid(s['vlan'], 'vlan') : undefined,
    dst: s['dst'] !== undefined ? parseIp(s['dst'], 'dst') : undefined,
    dstText: s['dst'] !== undefined ? String(s['dst']) : undefined,
    port: s['port'] !== undefined ? checkInt(s['port'], 'port', 1, 65535) : undefined,
    vni: s['vni'] !== undefined ? checkInt(s['vni'], 'vni', 0, VNI_MAX) : undefined,
    srcVni: s['srcVni'] !== undefined ? checkInt(s['srcVni'], 'srcVni', 0, VNI_MAX) : undefined,
    via: s['via'] !== undefined ? checkLinkRef(s['via'], 'via') : undefined,
    nhid: s['nhid'] !== undefined ? checkInt(s['nhid'], 'nhid', 1, 0xffffffff) : undefined,
  };
}
