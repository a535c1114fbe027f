/**
 * rtnetlink: links, addresses, routes, neighbours, rules and the event monitor.
 * @module
 */
export { Rtnl } from './handle.js';
export type { RtnlOptions } from './handle.js';
export type { ForEachCallback } from './core.js';
export { LinkApi } from './link/api.js';
export type { LinkSpec, LinkSpecBase, LinkAttrs, LinkChange, LinkChangeBase, KindChange, LinkWriteOptions, LinkFilter, LinkManyOptions, BridgePortOptions, XdpChange, XdpChangeCommon, AddrGenMode } from './link/api.js';
export { decodeLink, flagNames, isLinkKind, isPortOf } from './link/decode.js';
export type { Link, LinkOfKind, LinkPortOf } from './link/decode.js';
export type { LinkInfo, LinkStats64, LinkAfSpec, LinkMap, LinkXdp } from './link/table.js';
export { IFLA, STATS64_FIELDS } from './link/table.js';
export { kindCodec, knownKinds, BRIDGE_DATA, BRIDGE_PORT_DATA, BRIDGE_PORT_STATES, MACVLAN_DATA, MACVLAN_MODES, VXLAN_DATA, VXLAN_DF, TUN_DATA, VLAN_DATA, VLAN_PROTOCOLS, BOND_DATA, BOND_MODES, IPVLAN_DATA, IPVLAN_MODES, IPIP_DATA, SIT_DATA, IPIP_PROTOS, SIT_FLAGS, GRE_DATA, GRE_FLAGS, ERSPAN_DIRS, IP6TNL_DATA, IP6TNL_PROTOS, IP6GRE_DATA, GENEVE_DATA, GENEVE_DF, TUNNEL_ENCAP_TYPES, TUNNEL_ENCAP_FLAGS, IP6_TUNNEL_FLAGS } from './link/kinds/index.js';
export type { KindCodec, KindEncodeContext, MacvlanMacaddrOp, VethPeerSpec, VxlanPortRange, BridgeBoolopts, BridgeBooloptsInput, KindData, PortData, KindOptions, BridgeData, BridgePortData, MacvlanData, VxlanData, TunData, VlanData, BondData, IpvlanData, BridgeOptions, MacvlanOptions, VxlanOptions, VlanOptions, BondOptions, IpvlanOptions, IpipData, SitData, GreData, Ip6tnlData, Ip6greData, GeneveData, IpipOptions, SitOptions, GreOptions, Ip6tnlOptions, Ip6greOptions, GeneveOptions } from './link/kinds/index.js';
export type { TunSpec } from './link/api.js';
export type { TunOptions } from './link/kinds/index.js';
export type { ShapeOf, InputOf, TableShape, TableInput, FlagName, RowSpec } from './table-helpers.js';
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
export { RTA, RTAX, ROUTE_FLAGS, ROUTE_CACHE_FLAGS, PREFS } from './route/table.js';
export type { Nexthop, RouteMetrics, RouteCacheinfo } from './route/table.js';
export { NeighApi } from './neigh/api.js';
export type { NeighSpec, NeighDelSpec, NeighFilter } from './neigh/api.js';
export { decodeNeigh } from './neigh/decode.js';
export type { Neigh } from './neigh/decode.js';
export { NDA, NUD_STATES, NEIGH_FLAGS } from './neigh/table.js';
export type { NeighState, NeighCacheinfo } from './neigh/table.js';
export { FdbApi } from './fdb/api.js';
export type { FdbSpec, FdbGetSpec, FdbFilter, FdbFlushSpec, FdbFlushState, MacInput } from './fdb/api.js';
export { decodeFdb } from './fdb/decode.js';
export type { FdbEntry } from './fdb/decode.js';
export { FDB_NDA, FDB_STATES, FDB_FLAGS } from './fdb/table.js';
export type { FdbState } from './fdb/table.js';
export { VlanApi } from './vlan/api.js';
export type { BridgeVlanSpec, BridgeVlanOptions, BridgeVlanFilter } from './vlan/api.js';
export { decodeBridgeVlans } from './vlan/decode.js';
export type { BridgeVlans, BridgeVlan } from './vlan/decode.js';
export { MdbApi } from './mdb/api.js';
export type { MdbSpec, MdbDelSpec, MdbGetSpec, MdbRemote, MdbFilter, MdbFlushSpec } from './mdb/api.js';
export { decodeMdb, MDB_FLAGS } from './mdb/decode.js';
export type { MdbEntry, MdbRouterPort, MdbMessage } from './mdb/decode.js';
export { NetconfApi } from './netconf/api.js';
export type { NetconfFamily } from './netconf/api.js';
export { decodeNetconf } from './netconf/decode.js';
export type { Netconf } from './netconf/decode.js';
export { NETCONFA } from './netconf/table.js';
export type { NetconfDev, RpFilter } from './netconf/table.js';
export { FilterApi } from './tc/filter/api.js';
export type { FilterSpec, FilterSpecBase, U32FilterSpec, BpfFilterSpec, BpfFilterSpecCommon, MatchallFilterSpec, FilterDelSpec, FilterFilter } from './tc/filter/api.js';
export { decodeFilter } from './tc/filter/decode.js';
export type { Filter, FilterBase, U32Filter, BpfFilter, MatchallFilter, OtherFilter } from './tc/filter/decode.js';
export { FILTER_TCA, FILTER_PROTOCOLS } from './tc/filter/table.js';
export type { FilterProtocol, FilterProtocolName } from './tc/filter/table.js';
export { U32_OPTIONS, BPF_OPTIONS, MATCHALL_OPTIONS, filterKinds } from './tc/filter/kinds/index.js';
export type { U32Options, U32Selector, U32Key, U32KeySpec, U32Match, U32PortMatch, BpfOptions, MatchallOptions } from './tc/filter/kinds/index.js';
export { TCA_ACT, VERDICTS, actionKinds } from './tc/action/index.js';
export type { Action, ActionBase, MirredAction, GactAction, BpfAction, OtherAction, ActionSpec, MirredActionSpec, GactActionSpec, BpfActionSpec, BpfActionSpecCommon, Verdict, VerdictName, ActionVerdict } from './tc/action/index.js';
export { parseTcRate, parseTcSize, parseTcTime } from './tc/units.js';
export type { TcRate, TcSize, TcTime } from './tc/units.js';
export { QdiscApi } from './tc/qdisc/api.js';
export type { QdiscDelSpec, QdiscFilter } from './tc/qdisc/api.js';
export { decodeQdisc } from './tc/qdisc/decode.js';
export type { Qdisc } from './tc/qdisc/decode.js';
export { ClassApi } from './tc/class/api.js';
export type { TcClassDelSpec, TcClassFilter } from './tc/class/api.js';
export { decodeTcClass } from './tc/class/decode.js';
export type { TcClass } from './tc/class/decode.js';
export type {
  QdiscSpec, QdiscSpecBase, QdiscKind, QdiscOptions, TcClassSpec, TcClassOptions, TcClassXstats, OtherTcOptions, TcLinklayer,
  TbfSpec, TbfSpecCommon, TbfOptions, HtbSpec, HtbOptions, ClassSpecBase, HtbClassSpec, HtbClassOptions, HtbClassXstats,
  PfifoSpec, BfifoSpec, FifoOptions, IngressSpec, IngressOptions, ClsactSpec, ClsactOptions, FqCodelSpec, PfifoFastOptions, NoqueueOptions, MqOptions,
} from './tc/kinds/index.js';
export type { TcHandleInput } from './tc/handle.js';
export type { TcStats } from './tc/stats.js';
export { NexthopApi } from './nexthop/api.js';
export type { NexthopObjectSpec, NexthopGroupMemberSpec, NexthopResilientSpec, NexthopFilter, NexthopGetOptions, NexthopBucketFilter } from './nexthop/api.js';
export { decodeNexthop } from './nexthop/decode.js';
export { decodeNexthopBucket, NHA_BUCKET, NHA_RES_BUCKET } from './nexthop/bucket.js';
export type { NexthopBucket } from './nexthop/bucket.js';
export type { NexthopObject } from './nexthop/decode.js';
export { NHA, NEXTHOP_GROUP_TYPES } from './nexthop/table.js';
export type { NexthopGroupMember, NexthopResilient, NexthopGroupStats, NexthopGroupType } from './nexthop/table.js';
export { RuleApi } from './rule/api.js';
export type { RuleSpec, RuleFilter, RangeSpec } from './rule/api.js';
export { decodeRule } from './rule/decode.js';
export type { Rule } from './rule/decode.js';
export { FRA, RULE_ACTIONS, RULE_FLAGS } from './rule/table.js';
export type { RuleAction, Range } from './rule/table.js';
export { Monitor, MONITOR_GROUPS, registerEventDecoder, monitorGroups } from './monitor.js';
export type { MonitorEvent, MonitorChange, MonitorChangeOf, MonitorKindOf, MonitorOverrun, MonitorSynced, MonitorSyncEvent, MonitorEventOf, MonitorGroup, MonitorKind, MonitorObjects, MonitorOptions, MonitorStats, RawEventObject, EventDecoder } from './monitor.js';
export { getNsid, setNsid, decodeNsid } from './nsid.js';
export type { Nsid } from './nsid.js';
export type { NetnsTarget } from './netns-target.js';
export { rtnlDescriber, registerLayout } from './describer.js';
export { parseIp, formatIp, parsePrefix, formatPrefix, networkOf, AF_INET, AF_INET6, AF_UNSPEC } from './ip.js';
export type { IpAddr, IpPrefix } from './ip.js';
/**
 * Every rtnetlink constant nlkit knows, by name (IFLA_*, IFA_*, RTA_*, RTM_*, NUD_*, …), with
 * the values a C compiler reads from the kernel's UAPI headers (generated by
 * scripts/gen-constants.py; the few IFLA_* newer than the installed headers follow the
 * kernel's enum, see the generator). A frozen object without a prototype, like a module
 * namespace; no iproute2 equivalent (C code uses the headers' macros).
 *
 * @example rtnlConstants.IFLA_MTU // 4
 */
export { CONSTANTS as rtnlConstants } from './constants.js';
