/**
 * nfnetlink (NETLINK_NETFILTER): the {@link Conntrack} handle, `conntrack` as a library.
 * @module
 */
export { Conntrack } from './conntrack.js';
export type {
  ConntrackOptions, ConntrackProtocol, ConntrackStatus, TcpConntrackState, ConntrackTuple, ConntrackCounters, ConntrackEntry,
  ConntrackTupleSpec, ConntrackKey, ConntrackSpec, ConntrackChange, ConntrackFilter, ConntrackFlushOptions, ConntrackStats,
} from './conntrack.js';
export type { ConntrackEvent, ConntrackEventType, ConntrackMonitor, ConntrackMonitorOptions } from './monitor.js';
