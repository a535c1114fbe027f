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
import { IPIP_DATA, SIT_DATA } from './ipip.js';
import { GRE_DATA } from './gre.js';
import { IP6TNL_DATA } from './ip6tnl.js';
import { IP6GRE_DATA } from './ip6gre.js';
import { GENEVE_DATA } from './geneve.js';
import { veth } from './veth.js';
import { bridge } from './bridge.js';
import { macvlan, macvtap } from './macvlan.js';
import { vxlan } from './vxlan.js';
import { tun } from './tun.js';
import { ifb, dummy, wireguard } from './simple.js';
import { vlan } from './vlan.js';
import { bond } from './bond.js';
import { ipvlan } from './ipvlan.js';
import { ipip, sit } from './ipip.js';
import { gre, gretap } from './gre.js';
import { ip6tnl } from './ip6tnl.js';
import { ip6gre, ip6gretap } from './ip6gre.js';
import { geneve } from './geneve.js';

const kinds = new Map<string, KindCodec>();
for (const k of [veth, bridge, macvlan, macvtap, vxlan, tun, ifb, dummy, vlan, bond, ipvlan, ipip, sit, gre, gretap, ip6tnl, ip6gre, ip6gretap, geneve, wireguard]) kinds.set(k.kind, k);

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
export type { BridgeBoolopts, BridgeBooloptsInput } from './bridge.js';
export { MACVLAN_DATA, MACVLAN_MODES } from './macvlan.js';
export type { MacvlanMacaddrOp } from './macvlan.js';
export { VXLAN_DATA, VXLAN_DF } from './vxlan.js';
export type { VxlanPortRange } from './vxlan.js';
export { TUN_DATA, TUN_TYPES, prepareTunOptions } from './tun.js';
export type { TunOptions, PreparedTun } from './tun.js';
export { VLAN_DATA, VLAN_PROTOCOLS } from './vlan.js';
export { BOND_DATA, BOND_MODES } from './bond.js';
export { IPVLAN_DATA, IPVLAN_MODES } from './ipvlan.js';
export { IPIP_DATA, SIT_DATA, IPIP_PROTOS, SIT_FLAGS } from './ipip.js';
export { GRE_DATA, GRE_FLAGS, ERSPAN_DIRS } from './gre.js';
export { IP6TNL_DATA, IP6TNL_PROTOS } from './ip6tnl.js';
export { IP6GRE_DATA } from './ip6gre.js';
export { GENEVE_DATA, GENEVE_DF } from './geneve.js';
export { TUNNEL_ENCAP_TYPES, TUNNEL_ENCAP_FLAGS, IP6_TUNNEL_FLAGS } from './tunnel.js';

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
/** An ipip's decoded IFLA_INFO_DATA: the IFLA_IPTUN_* attributes (endpoints as strings, 'any' for none; proto by mode name). */
export type IpipData = ShapeOf<typeof IPIP_DATA>;
/** A sit's decoded IFLA_INFO_DATA: an ipip's, its flags (['isatap']) and the 6rd prefixes. */
export type SitData = ShapeOf<typeof SIT_DATA>;
/** A gre's or gretap's decoded IFLA_INFO_DATA: the IFLA_GRE_* attributes (keys as numbers, header flags by name). */
export type GreData = ShapeOf<typeof GRE_DATA>;
/** An ip6tnl's decoded IFLA_INFO_DATA: the IFLA_IPTUN_* attributes of an IPv6 tunnel (flags by name). */
export type Ip6tnlData = ShapeOf<typeof IP6TNL_DATA>;
/** An ip6gre's or ip6gretap's decoded IFLA_INFO_DATA: the IFLA_GRE_* attributes of an IPv6 GRE tunnel. */
export type Ip6greData = ShapeOf<typeof IP6GRE_DATA>;
/** A geneve's decoded IFLA_INFO_DATA: the IFLA_GENEVE_* attributes (remote/remote6 as strings, df by name). */
export type GeneveData = ShapeOf<typeof GENEVE_DATA>;

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
/** `data` of `rt.link.add` for an ipip (`ip link add … type ipip remote 10.0.0.2 local 10.0.0.1 ttl 64` is `{ remote: '10.0.0.2', local: '10.0.0.1', ttl: 64 }`). */
export type IpipOptions = InputOf<typeof IPIP_DATA>;
/** `data` of `rt.link.add` for a sit (`ip link add … type sit remote 10.0.0.2 mode ip6ip` is `{ remote: '10.0.0.2', proto: 'ip6ip' }`). */
export type SitOptions = InputOf<typeof SIT_DATA>;
/** `data` of `rt.link.add` for a gre or gretap (`ip link add … type gre remote 10.0.0.2 key 42` is `{ remote: '10.0.0.2', ikey: 42, okey: 42, iflags: ['key'], oflags: ['key'] }`). */
export type GreOptions = InputOf<typeof GRE_DATA>;
/** `data` of `rt.link.add` for an ip6tnl (`ip link add … type ip6tnl remote 2001:db8::2 mode ipip6` is `{ remote: '2001:db8::2', proto: 'ipip6' }`). */
export type Ip6tnlOptions = InputOf<typeof IP6TNL_DATA>;
/** `data` of `rt.link.add` for an ip6gre or ip6gretap (`ip link add … type ip6gre remote 2001:db8::2` is `{ remote: '2001:db8::2' }`). */
export type Ip6greOptions = InputOf<typeof IP6GRE_DATA>;
/** `data` of `rt.link.add` for a geneve (`ip link add … type geneve id 5 remote 10.0.0.2 dstport 6081` is `{ id: 5, remote: '10.0.0.2', port: 6081 }`). */
export type GeneveOptions = InputOf<typeof GENEVE_DATA>;

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
  /** See {@link IpipData}. */
  ipip: IpipData;
  /** See {@link SitData}. */
  sit: SitData;
  /** See {@link GreData}. */
  gre: GreData;
  /** See {@link GreData}. */
  gretap: GreData;
  /** See {@link Ip6tnlData}. */
  ip6tnl: Ip6tnlData;
  /** See {@link Ip6greData}. */
  ip6gre: Ip6greData;
  /** See {@link Ip6greData}. */
  ip6gretap: Ip6greData;
  /** See {@link GeneveData}. */
  geneve: GeneveData;
  /** wireguard has no IFLA_INFO_DATA (its configuration is generic netlink). */
  wireguard: { unknown?: RawAttribute[] };
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
  /** See {@link IpipOptions}. */
  ipip: IpipOptions;
  /** See {@link SitOptions}. */
  sit: SitOptions;
  /** See {@link GreOptions}. */
  gre: GreOptions;
  /** See {@link GreOptions}. */
  gretap: GreOptions;
  /** See {@link Ip6tnlOptions}. */
  ip6tnl: Ip6tnlOptions;
  /** See {@link Ip6greOptions}. */
  ip6gre: Ip6greOptions;
  /** See {@link Ip6greOptions}. */
  ip6gretap: Ip6greOptions;
  /** See {@link GeneveOptions}. */
  geneve: GeneveOptions;
}
