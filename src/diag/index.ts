/**
 * Socket diagnostics (NETLINK_SOCK_DIAG): the {@link SockDiag} handle, `ss` as a library.
 * @module
 */
export { SockDiag } from './diag.js';
export type {
  SockDiagOptions, SocketState, InetProtocol, InetExtension, InetListOptions, InetEndpoint, InetTimerKind, InetMemInfo, SkMemInfo, CcInfo,
  InetSockOpt, InetSocket, InetSocketId, UnixSocketType, UnixListOptions, UnixSocket,
} from './diag.js';
export type { InetSocketFilter, PortMatch } from './filter.js';
export type { NetlinkSocketInfo, NetlinkSocketFlag, PacketSocket, PacketSocketFlag } from './link-sockets.js';
export type { TcpInfo } from './constants.js';
export {
  SOCK_DIAG_BY_FAMILY, SOCK_DESTROY, TCPI_OPT_TIMESTAMPS, TCPI_OPT_SACK, TCPI_OPT_WSCALE, TCPI_OPT_ECN, TCPI_OPT_ECN_SEEN, TCPI_OPT_SYN_DATA,
  TCP_CA_Open, TCP_CA_Disorder, TCP_CA_CWR, TCP_CA_Recovery, TCP_CA_Loss,
} from './constants.js';
