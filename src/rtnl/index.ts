/**
 * rtnetlink: links (and, as they land, addresses, routes, neighbours, rules, monitor).
 * @module
 */
export { Rtnl } from './handle.js';
export type { RtnlOptions } from './handle.js';
export { LinkApi } from './link/api.js';
export type { LinkSpec, LinkAttrs, LinkChange, LinkFilter, BridgePortOptions } from './link/api.js';
export { decodeLink, flagNames } from './link/decode.js';
export type { Link } from './link/decode.js';
export type { LinkInfo, LinkStats64, LinkAfSpec } from './link/table.js';
export { IFLA, STATS64_FIELDS } from './link/table.js';
export { kindCodec, knownKinds, BRIDGE_DATA, BRIDGE_PORT_DATA, BRIDGE_PORT_STATES, MACVLAN_DATA, MACVLAN_MODES, VXLAN_DATA, TUN_DATA, VLAN_DATA, VLAN_PROTOCOLS, BOND_DATA, BOND_MODES, IPVLAN_DATA, IPVLAN_MODES } from './link/kinds/index.js';
export type { KindCodec, VethPeerSpec } from './link/kinds/index.js';
export type { NetnsTarget } from './netns-target.js';
export { rtnlDescriber, registerLayout } from './describer.js';
export { parseIp, formatIp, parsePrefix, networkOf, AF_INET, AF_INET6, AF_UNSPEC } from './ip.js';
export type { IpAddr, IpPrefix } from './ip.js';
export * as rtnlConstants from './constants.js';
