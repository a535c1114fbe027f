/**
 * rtnetlink: links, addresses, routes, neighbours, rules and the event monitor.
 * @module
 */
export { Rtnl } from './handle.js';
export type { RtnlOptions } from './handle.js';
export { LinkApi } from './link/api.js';
export type { LinkSpec, LinkAttrs, LinkChange, LinkFilter, LinkManyOptions, BridgePortOptions } from './link/api.js';
export { decodeLink, flagNames } from './link/decode.js';
export type { Link } from './link/decode.js';
export type { LinkInfo, LinkStats64, LinkAfSpec } from './link/table.js';
export { IFLA, STATS64_FIELDS } from './link/table.js';
export { kindCodec, knownKinds, BRIDGE_DATA, BRIDGE_PORT_DATA, BRIDGE_PORT_STATES, MACVLAN_DATA, MACVLAN_MODES, VXLAN_DATA, TUN_DATA, VLAN_DATA, VLAN_PROTOCOLS, BOND_DATA, BOND_MODES, IPVLAN_DATA, IPVLAN_MODES } from './link/kinds/index.js';
export type { KindCodec, VethPeerSpec } from './link/kinds/index.js';
export { AddrApi } from './addr/api.js';
export type { AddrOptions, AddrDelOptions, AddrEntry, AddrFilter } from './addr/api.js';
export { decodeAddr, addrFlagNames } from './addr/decode.js';
export type { Addr } from './addr/decode.js';
export { IFA, ADDR_FLAGS } from './addr/table.js';
export type { AddrCacheinfo } from './addr/table.js';
export { ROUTE_TYPES, ROUTE_PROTOCOLS, SCOPES, TABLES } from './route/names.js';
export type { RouteType, Scope, TableRef } from './route/names.js';
export { RouteApi } from './route/api.js';
export type { RouteSpec, NexthopSpec, RouteFilter, RouteGetOptions } from './route/api.js';
export { decodeRoute } from './route/decode.js';
export type { Route } from './route/decode.js';
export { RTA, RTAX, ROUTE_FLAGS, PREFS } from './route/table.js';
export type { Nexthop, RouteMetrics, RouteCacheinfo } from './route/table.js';
export { NeighApi } from './neigh/api.js';
export type { NeighSpec, NeighDelSpec, NeighFilter } from './neigh/api.js';
export { decodeNeigh } from './neigh/decode.js';
export type { Neigh } from './neigh/decode.js';
export { NDA, NUD_STATES, NEIGH_FLAGS } from './neigh/table.js';
export type { NeighState, NeighCacheinfo } from './neigh/table.js';
export { RuleApi } from './rule/api.js';
export type { RuleSpec, RuleFilter, RangeSpec } from './rule/api.js';
export { decodeRule } from './rule/decode.js';
export type { Rule } from './rule/decode.js';
export { FRA, RULE_ACTIONS, RULE_FLAGS } from './rule/table.js';
export type { RuleAction, Range } from './rule/table.js';
export { Monitor, MONITOR_GROUPS, registerEventDecoder, monitorGroups } from './monitor.js';
export type { MonitorEvent, MonitorChange, MonitorOverrun, MonitorGroup, MonitorKind, MonitorObjects, MonitorOptions, MonitorStats, RawEventObject, EventDecoder } from './monitor.js';
export { getNsid, setNsid } from './nsid.js';
export type { NetnsTarget } from './netns-target.js';
export { rtnlDescriber, registerLayout } from './describer.js';
export { parseIp, formatIp, parsePrefix, formatPrefix, networkOf, AF_INET, AF_INET6, AF_UNSPEC } from './ip.js';
export type { IpAddr, IpPrefix } from './ip.js';
export * as rtnlConstants from './constants.js';
