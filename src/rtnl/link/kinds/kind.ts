/**
 * The shape of a link-kind codec: what IFLA_INFO_DATA (and, for masters that have
 * ports, IFLA_INFO_SLAVE_DATA) holds for one `IFLA_INFO_KIND`.
 * @module
 */
import type { AttrTable, MessageWriter } from '../../../netlink/index.js';
import type { Link } from '../decode.js';

/** Context passed to a kind's custom encoder. */
export interface KindEncodeContext {
  /** Writes a whole nested link message body (ifinfomsg + IFLA attributes): used by veth's peer. */
  encodeLinkBody(w: MessageWriter, spec: Record<string, unknown>, argPrefix: string): void;
}

/** A link kind: its name, its IFLA_INFO_DATA table, and how to encode a spec's options. */
export interface KindCodec {
  /** IFLA_INFO_KIND string, e.g. 'veth'. */
  readonly kind: string;
  /** Table for IFLA_INFO_DATA; decoded into `linkinfo.data`. */
  readonly data?: AttrTable;
  /** Table for IFLA_INFO_SLAVE_DATA when this kind is a master (bridge → bridge port). */
  readonly slaveData?: AttrTable;
  /** Ethernet-like: a hardware address is 6 bytes. */
  readonly ether: boolean;
  /**
   * The least MTU a new link of the kind takes, checked before sending, when it is not
   * ETH_MIN_MTU (68, what ether_setup() leaves) for an `ether` kind: 0 for a kind whose
   * setup clears dev->min_mtu (ifb, dummy, vlan), as `ip link add … mtu 0 type ifb` shows.
   */
  readonly minMtu?: number;
  /** The spec field that names the parent link (macvlan, vlan, ipvlan): sent as IFLA_LINK. */
  readonly needsParent?: boolean;
  /**
   * The IFLA_INFO_DATA attribute the parent link (`link`) goes in instead of IFLA_LINK,
   * for a kind whose driver reads its underlay from its own data and ignores IFLA_LINK
   * (vxlan: IFLA_VXLAN_LINK, ip's `dev`).
   */
  readonly parentInData?: number;
  /**
   * The kind's driver has no parent link and ignores IFLA_LINK (bridge, bond, veth, ifb,
   * dummy, geneve, wireguard): a `link` in its spec is refused rather than dropped.
   */
  readonly noParent?: boolean;
  /** Write IFLA_INFO_DATA's contents for an add (the nest is already open). Default: data table. */
  encodeData?(w: MessageWriter, spec: Record<string, unknown>, ctx: KindEncodeContext): void;
  /** Check a spec before anything is sent; throw InvalidArgumentError. */
  validate?(spec: Record<string, unknown>): void;
  /**
   * Why the kernel refused to create this kind on `parent` (the IFLA_LINK device, read
   * back) when it gave only `errno`, without extended-ACK text: a hint for the error,
   * or undefined when the parent is not what the kernel refused. `mtu` is the MTU the
   * spec asked for, if any. Called on the error path only, and only for a kind that has it.
   */
  explainParent?(errno: number, parent: Pick<Link, 'name' | 'type' | 'rawFlags' | 'linkType' | 'mtu'>, mtu: number | undefined): string | undefined;
  /**
   * When {@link explainParent} said nothing: why the kernel refused the kind beside the
   * links already on the same parent (`uppers`: the links whose IFLA_LINK is the parent, of
   * any kind), for the spec's `data`. Called on the error path only: the uppers cost a dump.
   */
  explainUppers?(errno: number, parent: Pick<Link, 'name'>, data: Record<string, unknown> | undefined, uppers: readonly Pick<Link, 'name' | 'kind' | 'linkinfo'>[]): string | undefined;
  /**
   * Options of IFLA_INFO_DATA the kind's changelink never takes on an existing link
   * (`rt.link.set`'s `data`), by key, with why: refused before sending. Options not named
   * here are left to the kernel (which may refuse some values only, as vxlan a VNI that
   * differs from the link's).
   */
  readonly changeRefused?: ReadonlyMap<string, string>;
  /** The kind's changelink refuses IFLA_MTU in the same message as its data (vxlan: 'Cannot change mtu'). */
  readonly changeNoMtu?: boolean;
  /** Check `rt.link.set`'s `data` for this kind before anything is sent (the create-only checks of `validate` left out); throw InvalidArgumentError. */
  validateChange?(data: Record<string, unknown>): void;
  /** Kernel support is optional on some machines (dummy, vlan, bond, …); for docs. */
  readonly note?: string;
}
