/**
 * The one place a link kind is chosen: IFLA_INFO_KIND string → codec.
 * Unknown kinds decode as `{ kind: name, data: { unknown: [raw attributes] } }` and
 * cannot be created with options (a kind with no options can be created by name).
 * @module
 */
import type { KindCodec } from './kind.js';
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
export { TUN_DATA, TUN_TYPES } from './tun.js';
export { VLAN_DATA, VLAN_PROTOCOLS } from './vlan.js';
export { BOND_DATA, BOND_MODES } from './bond.js';
export { IPVLAN_DATA, IPVLAN_MODES } from './ipvlan.js';
