/**
 * The one place a link kind is chosen: IFLA_INFO_KIND string → codec.
 * Unknown kinds decode as `{ kind: name, data: { unknown: [raw attributes] } }` and
 * cannot be created with options (a kind with no options can be created by name).
 * @module
 */
import type { KindCodec } from './kind.js';
import type { RawAttribute } from '../../../netlink/index.js';
import type { InputOf, ShapeOf } from '../../table-helpers.js';
import { BRIDGE_DATA, BRIDGE_PORT_DATA } from './bridge.js';
import { MACVLAN_DATA } from './macvlan.js';
import { VXLAN_DATA } from './vxlan.js';
import { TUN_DATA } from './tun.js';
import { VLAN_DATA } from './vlan.js';
import { BOND_DATA } from './bond.js';
import { IPVLAN_DATA } from './ipvlan.js';
import { veth } from './veth.js';
import { bridge } from './bridge.js';
import { macvlan, macvtap } from './macvlan.js';
import { vxlan } from './vxlan.js';
import { tun } from './tun.js';
import { ifb, dummy } from './simple.js';
import { vlan } from './vlan.js';
import { bond } from './bond.js';
import { ipvlan } from './ipvlan.js';

const kinds = new Map<string, KindCodec>();
for (const k of [veth, bridge, macvlan, macvtap, vxlan, tun, ifb, dummy, vlan, bond, ipvlan]) kinds.set(k.kind, k);

/** The codec for an IFLA_INFO_KIND, or undefined for kinds nlkit does not know. */
export function kindCodec(kind: string): KindCodec | undefined {
  return kinds.get(kind);
}

/** Names of every kind nlkit can encode. */
export function knownKinds(): string[] {
  return [...kinds.keys()];
}

export type { KindCodec, KindEncodeContext } from './kind.js';
export type { VethPeerSpec } from './veth.js';
export { BRIDGE_DATA, BRIDGE_PORT_DATA, BRIDGE_PORT_STATES } from './bridge.js';
export { MACVLAN_DATA, MACVLAN_MODES } from './macvlan.js';
export { VXLAN_DATA } from './vxlan.js';
export type { VxlanPortRange } from './vxlan.js';
export { TUN_DATA, TUN_TYPES, prepareTunOptions } from './tun.js';
export type { TunOptions, PreparedTun } from './tun.js';
export { VLAN_DATA, VLAN_PROTOCOLS } from './vlan.js';
export { BOND_DATA, BOND_MODES } from './bond.js';
export { IPVLAN_DATA, IPVLAN_MODES } from './ipvlan.js';

/** A bridge's decoded IFLA_INFO_DATA: the IFLA_BR_* attributes by camelCase name (timers in centiseconds, as the kernel sends them). */
export type BridgeData = ShapeOf<typeof BRIDGE_DATA>;
/** A bridge port's decoded IFLA_INFO_SLAVE_DATA (`linkinfo.slaveData` when `slaveKind` is 'bridge'): the IFLA_BRPORT_* attributes by camelCase name. */
export type BridgePortData = ShapeOf<typeof BRIDGE_PORT_DATA>;
/** A macvlan's or macvtap's decoded IFLA_INFO_DATA: the IFLA_MACVLAN_* attributes (mode by name). */
export type MacvlanData = ShapeOf<typeof MACVLAN_DATA>;
/** A vxlan's decoded IFLA_INFO_DATA: the IFLA_VXLAN_* attributes (addresses as strings). */
export type VxlanData = ShapeOf<typeof VXLAN_DATA>;
/** A tun/tap's decoded IFLA_INFO_DATA: the IFLA_TUN_* attributes (type by name). */
export type TunData = ShapeOf<typeof TUN_DATA>;
/** A vlan's decoded IFLA_INFO_DATA: the IFLA_VLAN_* attributes. */
export type VlanData = ShapeOf<typeof VLAN_DATA>;
/** A bond's decoded IFLA_INFO_DATA: the IFLA_BOND_* attributes nlkit knows. */
export type BondData = ShapeOf<typeof BOND_DATA>;
/** An ipvlan's decoded IFLA_INFO_DATA: the IFLA_IPVLAN_* attributes. */
export type IpvlanData = ShapeOf<typeof IPVLAN_DATA>;

/** `data` of `rt.link.add` for a bridge: IFLA_BR_* by camelCase name (`ip link add … type bridge stp_state 1` is `{ stpState: 1 }`). */
export type BridgeOptions = InputOf<typeof BRIDGE_DATA>;
/** `data` of `rt.link.add` for a macvlan or macvtap (`ip link add … type macvlan mode bridge` is `{ mode: 'bridge' }`). */
export type MacvlanOptions = InputOf<typeof MACVLAN_DATA>;
/** `data` of `rt.link.add` for a vxlan (`ip link add … type vxlan id 42 dstport 4789` is `{ id: 42, port: 4789 }`). */
export type VxlanOptions = InputOf<typeof VXLAN_DATA>;
/** `data` of `rt.link.add` for a vlan (`ip link add … type vlan id 10` is `{ id: 10 }`). */
export type VlanOptions = InputOf<typeof VLAN_DATA>;
/** `data` of `rt.link.add` for a bond (`ip link add … type bond mode active-backup`). */
export type BondOptions = InputOf<typeof BOND_DATA>;
/** `data` of `rt.link.add` for an ipvlan (`ip link add … type ipvlan mode l3`). */
export type IpvlanOptions = InputOf<typeof IPVLAN_DATA>;

/** The decoded `linkinfo.data` of each kind nlkit decodes, by IFLA_INFO_KIND. */
export interface KindData {
  /** See {@link BridgeData}. */
  bridge: BridgeData;
  /** See {@link MacvlanData}. */
  macvlan: MacvlanData;
  /** See {@link MacvlanData}. */
  macvtap: MacvlanData;
  /** See {@link VxlanData}. */
  vxlan: VxlanData;
  /** See {@link TunData}. */
  tun: TunData;
  /** See {@link VlanData}. */
  vlan: VlanData;
  /** See {@link BondData}. */
  bond: BondData;
  /** See {@link IpvlanData}. */
  ipvlan: IpvlanData;
  /** veth reports no IFLA_INFO_DATA in dumps. */
  veth: { unknown?: RawAttribute[] };
  /** ifb has no IFLA_INFO_DATA. */
  ifb: { unknown?: RawAttribute[] };
  /** dummy has no IFLA_INFO_DATA. */
  dummy: { unknown?: RawAttribute[] };
}

/**
 * The decoded `linkinfo.slaveData` of a port, by the kind of its master
 * (IFLA_INFO_SLAVE_KIND): the port kinds nlkit decodes. Narrow a link to it with `isPortOf`.
 */
export interface PortData {
  /** A bridge port: see {@link BridgePortData} (`ip -d link show` prints it after "bridge_slave"). */
  bridge: BridgePortData;
}

/** The `data` that `rt.link.add` takes for each kind with options, by IFLA_INFO_KIND. */
export interface KindOptions {
  /** See {@link BridgeOptions}. */
  bridge: BridgeOptions;
  /** See {@link MacvlanOptions}. */
  macvlan: MacvlanOptions;
  /** See {@link MacvlanOptions}. */
  macvtap: MacvlanOptions;
  /** See {@link VxlanOptions}. */
  vxlan: VxlanOptions;
  /** See {@link VlanOptions}. */
  vlan: VlanOptions;
  /** See {@link BondOptions}. */
  bond: BondOptions;
  /** See {@link IpvlanOptions}. */
  ipvlan: IpvlanOptions;
}
