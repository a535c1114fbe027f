/**
 * nfnetlink (NETLINK_NETFILTER): the {@link Conntrack} handle, `conntrack` as a library,
 * and the {@link IpSet} handle, `ipset` as a library.
 * @module
 */
export { Conntrack } from './conntrack.js';
export type {
  ConntrackOptions, ConntrackProtocol, ConntrackStatus, TcpConntrackState, ConntrackTuple, ConntrackCounters, ConntrackEntry,
  ConntrackTupleSpec, ConntrackKey, ConntrackSpec, ConntrackLabels, ConntrackChange, ConntrackFilter, ConntrackFlushOptions, ConntrackStats,
} from './conntrack.js';
export type { ConntrackEvent, ConntrackEventType, ConntrackMonitor, ConntrackMonitorOptions } from './monitor.js';
// ipset (NFNL_SUBSYS_IPSET)
export { IpSet } from './ipset.js';
export type {
  IpSetOptions, IpSetType, IpSetProtocol, IpSetEntry, IpSetMember, IpSetInfo, IpSetCreateOptions, IpSetAddOptions, IpSetDelOptions, IpSetListOptions,
} from './ipset.js';
