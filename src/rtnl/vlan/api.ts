/**
 * `rt.vlan`: the VLANs of bridge ports and bridges (VLAN filtering) — what `bridge
 * vlan add/del/show` does: RTM_SETLINK / RTM_DELLINK of family AF_BRIDGE with
 * IFLA_AF_SPEC › IFLA_BRIDGE_VLAN_INFO, listed by an AF_BRIDGE RTM_GETLINK dump with
 * IFLA_EXT_MASK RTEXT_FILTER_BRVLAN (or _COMPRESSED).
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, showValue, type MessageWriter } from '../../netlink/index.js';
import * as C from '../constants.js';
import type { RtnlCore } from '../core.js';
import { AF_BRIDGE } from '../ip.js';
import type { LinkApi } from '../link/api.js';
import { checkBool, checkKeys, checkLinkRef, checkObject } from '../validate.js';
import { checkVid } from '../fdb/api.js';
import { decodeBridgeVlans, type BridgeVlans } from './decode.js';

/** One VLAN or range for `rt.vlan.add` / `del`: an id, or an object. */
export type BridgeVlanSpec = number | {
  /** The VLAN id, 1..4094 (`vid VID`). Required. */
  readonly vid: number;
  /** The last id of a range `vid`..`vidEnd` (`vid 20-25`), up to 4094. Defaults to a single VLAN. */
  readonly vidEnd?: number | undefined;
  /** BRIDGE_VLAN_INFO_PVID (`pvid`): untagged frames coming in go to this VLAN. Not for a range. Defaults to false. */
  readonly pvid?: boolean | undefined;
  /** BRIDGE_VLAN_INFO_UNTAGGED (`untagged`): frames of this VLAN leave untagged. Defaults to false. */
  readonly untagged?: boolean | undefined;
};

/** Who takes the change (IFLA_BRIDGE_FLAGS). */
export interface BridgeVlanOptions {
  /**
   * BRIDGE_FLAGS_SELF (`self`): the device itself — needed to give the bridge device
   * its own VLANs (`bridge vlan add dev br0 vid 10 self`). Defaults to false.
   */
  readonly self?: boolean | undefined;
  /** BRIDGE_FLAGS_MASTER (`master`): the port's bridge (what the kernel does without either flag). Defaults to false. */
  readonly master?: boolean | undefined;
}

/** Filters for `rt.vlan.list`. */
export interface BridgeVlanFilter {
  /** Only this port or bridge (`dev DEV`). Defaults to every bridge and port. */
  readonly link?: string | number | undefined;
  /**
   * Ask for ranges (RTEXT_FILTER_BRVLAN_COMPRESSED; `bridge -compressvlans vlan show`):
   * runs of ids with the same flags come as one entry with `vidEnd`. Defaults to false:
   * one entry per VLAN, as `bridge vlan show`.
   */
  readonly compressed?: boolean | undefined;
}

const VLAN_KEYS: ReadonlySet<string> = new Set(['vid', 'vidEnd', 'pvid', 'untagged']);
const OPTION_KEYS: ReadonlySet<string> = new Set(['self', 'master']);
const FILTER_KEYS: ReadonlySet<string> = new Set(['link', 'compressed']);
const EOPNOTSUPP = 95;

/** A checked VLAN: what goes in IFLA_BRIDGE_VLAN_INFO (one, or two for a range). */
interface CheckedVlan {
  vid: number;
  vidEnd: number | undefined;
  flags: number;
}

function checkVlan(v: unknown, arg: string): CheckedVlan {
  if (typeof v === 'number') return { vid: checkVid(v, arg), vidEnd: undefined, flags: 0 };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidArgumentError(arg, `expected a VLAN id (1..4094) or an object { vid, vidEnd?, pvid?, untagged? }, got ${showValue(v)}`);
  }
  const o = v as Record<string, unknown>;
  checkKeys(o, VLAN_KEYS, `${arg}.`);
  if (o['vid'] === undefined) throw new InvalidArgumentError(`${arg}.vid`, 'a VLAN needs its id (vid)');
  const vid = checkVid(o['vid'], `${arg}.vid`);
  let vidEnd: number | undefined;
  if (o['vidEnd'] !== undefined) {
    vidEnd = checkVid(o['vidEnd'], `${arg}.vidEnd`);
    if (vidEnd < vid) throw new InvalidArgumentError(`${arg}.vidEnd`, `the range ${vid}-${vidEnd} ends before it starts`);
    if (vidEnd === vid) vidEnd = undefined;
  }
  let flags = 0;
  if (o['pvid'] !== undefined && checkBool(o['pvid'], `${arg}.pvid`)) {
    if (vidEnd !== undefined) throw new InvalidArgumentError(`${arg}.pvid`, 'a port has one PVID: it cannot be set for a range (as bridge says: pvid cannot be configured for a vlan range)');
    flags |= C.BRIDGE_VLAN_INFO_PVID;
  }
  if (o['untagged'] !== undefined && checkBool(o['untagged'], `${arg}.untagged`)) flags |= C.BRIDGE_VLAN_INFO_UNTAGGED;
  return { vid, vidEnd, flags };
}

function vlanText(v: CheckedVlan): string {
  return `${v.vid}${v.vidEnd !== undefined ? `-${v.vidEnd}` : ''}${v.flags & C.BRIDGE_VLAN_INFO_PVID ? ' pvid' : ''}${v.flags & C.BRIDGE_VLAN_INFO_UNTAGGED ? ' untagged' : ''}`;
}

/** Write struct ifinfomsg (family AF_BRIDGE) at the writer's cursor. */
function putBridgeIfinfomsg(w: MessageWriter, index: number): void {
  const o = w.reserve(C.SIZEOF_IFINFOMSG);
  w.buf[o] = AF_BRIDGE;
  w.view.setInt32(o + 4, index, HOST_LE);
}

/** The dump callback: one function for every dump. */
const onVlans = (buf: Buffer, view: DataView, off: number, len: number): BridgeVlans | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWLINK ? decodeBridgeVlans(buf, view, off, len) : undefined;

/**
 * VLAN filtering operations of an Rtnl handle (`rt.vlan`; `bridge vlan`): which VLANs a
 * bridge port (or the bridge device itself) carries, its PVID and its untagged VLANs.
 * The bridge enforces them when its `vlanFiltering` option is on
 * (`rt.link.add({ kind: 'bridge', name, data: { vlanFiltering: 1 } })`); the kernel must
 * be built with CONFIG_BRIDGE_VLAN_FILTERING.
 */
export class VlanApi {
  /** Not for users: every Rtnl handle has its own, `rt.vlan`. */
  private constructor(private readonly core: RtnlCore, private readonly links: LinkApi) {}

  /** @internal How a handle makes its `rt.vlan` (and tests one over a stand-in core). */
  static of(core: RtnlCore, links: LinkApi): VlanApi {
    return new VlanApi(core, links);
  }

  /**
   * Add VLANs to a bridge port (or, with `self`, to the bridge device): one
   * RTM_SETLINK (AF_BRIDGE) carrying every VLAN given. Adding one that exists changes
   * its flags.
   *
   * Equivalent to: `bridge vlan add dev DEV vid VID[-END] [pvid] [untagged] [self] [master]`.
   * @example
   * await rt.vlan.add('veth0', { vid: 10, pvid: true, untagged: true });
   * await rt.vlan.add('veth0', [20, { vid: 30, vidEnd: 39 }]);
   * await rt.vlan.add('br0', 10, { self: true });
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'ENODEV'
   *   for a missing link, 'EOPNOTSUPP' for a link that is neither a bridge nor a bridge
   *   port (or a kernel without bridge VLAN filtering) — each naming the link, the
   *   VLANs and the netns.
   */
  async add(link: string | number, vlans: BridgeVlanSpec | readonly BridgeVlanSpec[], options?: BridgeVlanOptions): Promise<void> {
    await this.modify(C.RTM_SETLINK, link, vlans, options);
  }

  /**
   * Remove VLANs from a bridge port (or, with `self`, from the bridge device): one
   * RTM_DELLINK (AF_BRIDGE) — it deletes VLANs, never the link.
   *
   * Equivalent to: `bridge vlan del dev DEV vid VID[-END] [self] [master]`.
   */
  async del(link: string | number, vlans: BridgeVlanSpec | readonly BridgeVlanSpec[], options?: BridgeVlanOptions): Promise<void> {
    await this.modify(C.RTM_DELLINK, link, vlans, options);
  }

  /**
   * List the VLANs of every bridge and bridge port (one AF_BRIDGE RTM_GETLINK dump with
   * IFLA_EXT_MASK RTEXT_FILTER_BRVLAN, or _COMPRESSED with `compressed`); links without
   * VLANs are left out, as `bridge vlan show` leaves them out. `link` is filtered here.
   *
   * Equivalent to: `bridge vlan show [dev DEV]`, `bridge -compressvlans vlan show`.
   */
  async list(filter?: BridgeVlanFilter): Promise<BridgeVlans[]> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    const compressed = f['compressed'] !== undefined && checkBool(f['compressed'], 'filter.compressed');
    const index = f['link'] !== undefined ? (await this.core.linkHwAddrLen(checkLinkRef(f['link'], 'filter.link'), 'filter.link')).index : 0;
    const mask = compressed ? C.RTEXT_FILTER_BRVLAN_COMPRESSED : C.RTEXT_FILTER_BRVLAN;
    const all = await this.core.sock.dump(C.RTM_GETLINK, 0, (w) => {
      putBridgeIfinfomsg(w, 0);
      w.putU32(C.IFLA_EXT_MASK, mask);
    }, onVlans);
    return index ? all.filter((v) => v.link === index) : all;
  }

  private async modify(type: number, link: unknown, vlans: unknown, options: unknown): Promise<void> {
    const ref = checkLinkRef(link, 'link');
    const list = Array.isArray(vlans) ? (vlans as unknown[]) : [vlans];
    if (list.length === 0) throw new InvalidArgumentError('vlans', 'no VLAN given');
    const checked = list.map((v, i) => checkVlan(v, Array.isArray(vlans) ? `vlans[${i}]` : 'vlans'));
    const pvids = checked.filter((v) => v.flags & C.BRIDGE_VLAN_INFO_PVID);
    if (pvids.length > 1) throw new InvalidArgumentError('vlans', `a port has one PVID; ${pvids.map((v) => v.vid).join(' and ')} are both marked pvid`);
    const o = checkObject(options, 'options');
    checkKeys(o, OPTION_KEYS, 'options.');
    let brFlags = 0;
    if (o['self'] !== undefined && checkBool(o['self'], 'options.self')) brFlags |= C.BRIDGE_FLAGS_SELF;
    if (o['master'] !== undefined && checkBool(o['master'], 'options.master')) brFlags |= C.BRIDGE_FLAGS_MASTER;
    const index = await this.core.linkIndex(ref, 'link');
    const subject = `dev ${typeof ref === 'number' ? `ifindex ${ref}` : ref} vid ${checked.map(vlanText).join(', ')}${brFlags & C.BRIDGE_FLAGS_SELF ? ' self' : ''}${brFlags & C.BRIDGE_FLAGS_MASTER ? ' master' : ''}`;
    try {
      await this.core.sock.request(type, 0, (w) => {
        putBridgeIfinfomsg(w, index);
        // As `bridge vlan` sends it: IFLA_AF_SPEC without NLA_F_NESTED (the kernel takes either).
        const spec = w.nestStart(C.IFLA_AF_SPEC, false);
        if (brFlags) w.putU16(C.IFLA_BRIDGE_FLAGS, brFlags);
        for (const v of checked) {
          if (v.vidEnd === undefined) {
            putVlanInfo(w, v.flags, v.vid);
          } else {
            putVlanInfo(w, v.flags | C.BRIDGE_VLAN_INFO_RANGE_BEGIN, v.vid);
            putVlanInfo(w, v.flags | C.BRIDGE_VLAN_INFO_RANGE_END, v.vidEnd);
          }
        }
        w.nestEnd(spec);
      }, undefined, { subject });
    } catch (e) {
      throw await this.explain(e, ref, index);
    }
  }

  /** The kernel's refusal with what it means here, and the netns (runs only for an error). */
  private async explain(e: unknown, ref: string | number, index: number): Promise<unknown> {
    if (!(e instanceof NetlinkError)) return e;
    const where = this.core.where?.() ?? "the caller's netns";
    const dev = typeof ref === 'number' ? `ifindex ${ref}` : `'${ref}'`;
    let why: string | undefined;
    if (e.errno === EOPNOTSUPP) {
      // The link API's hints for AF_BRIDGE SETLINK/DELLINK speak of port options and of
      // deleting devices: not what happened here.
      why = 'the kernel does not take bridge VLANs for this link';
      try {
        const l = await this.links.get(index);
        const bridge = l.kind === 'bridge' ? l : l.master ? await this.links.get(l.master) : undefined;
        if (!bridge || bridge.kind !== 'bridge') why = `${dev} is neither a bridge nor a bridge port: enslave it to a bridge first`;
        else if ((bridge.linkinfo?.data as Record<string, unknown> | undefined)?.['vlanProtocol'] === undefined) {
          why = 'this kernel was built without bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING): its bridges report no vlan_protocol';
        }
      } catch {
        // The link went away meanwhile: the generic text stands.
      }
    }
    const first = why ?? e.hint;
    return new NetlinkError(e.errno, e.request, e.extack, `${first !== undefined ? `${first}; ` : ''}in ${where}`);
  }
}

/** One IFLA_BRIDGE_VLAN_INFO: struct bridge_vlan_info { __u16 flags; __u16 vid; }. */
function putVlanInfo(w: MessageWriter, flags: number, vid: number): void {
  const a = w.nestStart(C.IFLA_BRIDGE_VLAN_INFO, false);
  const o = w.reserve(C.SIZEOF_BRIDGE_VLAN_INFO);
  w.view.setUint16(o, flags, HOST_LE);
  w.view.setUint16(o + 2, vid, HOST_LE);
  w.nestEnd(a);
}

export type { BridgeVlans, BridgeVlan } from './decode.js';
