/**
 * nlkit — a netlink toolkit for Node.js: rtnetlink links, addresses, routes,
 * network namespaces and veth pairs for container networking, speaking the kernel's
 * protocol directly over AF_NETLINK (through koffi; no `ip` subprocess, no addon).
 * @module
 */
export {
  NetlinkSocket, NetlinkError, NetlinkWarning, DecodeError, DumpInterruptedError, SysError, InvalidArgumentError, ClosedError,
  NetnsRestoreError, MessageWriter, AttrTable, decodeMessages, decodeAttributes, walkAttrs, errnoInfo, MulticastMonitor,
  NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_NETFILTER, NETLINK_SOCK_DIAG, NETLINK_XFRM, NETLINK_AUDIT, NETLINK_KOBJECT_UEVENT,
  NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC,
  NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND, NLM_F_NONREC, NLM_F_BULK,
  NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN, NLMSG_HDRLEN, NLA_HDRLEN, NLA_F_NESTED, NLA_F_NET_BYTEORDER, align4,
  poolStats,
} from './netlink/index.js';
export type {
  ExtAck, ExtAckPolicy, RequestInfo, DecodedMessage, DecodedAttribute, AttrSpec, Codec, CustomCodec, DecodeContext, PrimitiveCodec,
  BatchOptions, BatchRequest, BatchResult, BatchStatus,
  RawAttribute, FamilyDescriber, MessageHandler, MulticastMonitorOptions, MulticastOverrun, NetlinkSocketOptions, RequestBuilder, RequestBuilderWith, RequestOptions, RequestWithOptions, SocketStats,
} from './netlink/index.js';
export * from './rtnl/index.js';
export * from './genl/index.js';
export * from './diag/index.js';
export * from './nfnl/index.js';
export { Netns, DEFAULT_NETNS_DIR, netnsDir, validateNetnsName, execNetns, execNetnsSync, sysctl, sysctlGet, sysctlSet, sysctlPath, netnsWorker, netnsContext } from './ns/index.js';
export type { NamedNetnsOptions, SysctlValue, NetnsHandle } from './ns/index.js';
export { MacAddr, setupVeth, teardownVeth, randomVethName, Veth } from './veth/index.js';
export type { VethEnd, CniInterface, SetupVethOptions } from './veth/index.js';
export {
  runPlugin, CniError, CNI_ERR, CNI_COMMANDS, SUPPORTED_VERSIONS, CURRENT_VERSION, parseNetConf, parseResult, formatResult, convertResult, parseJsonSafe,
  findPlugin, execPlugin, ipamAdd, ipamDel, ipamCheck, ipamStatus, ipamGc, ptpPlugin, PTP_ERR, bridgePlugin, BRIDGE_ERR, DEFAULT_BRIDGE,
  macvlanPlugin, MACVLAN_ERR, DEFAULT_MACVLAN_MODE,
  configureIface, settleAddresses, ConfigureIfaceError, DEFAULT_DAD_TIMEOUT, bandwidthPlugin, BANDWIDTH_ERR, ifbName, openNetns, tuningPlugin, TUNING_ERR, DEFAULT_TUNING_DIR, loopbackPlugin,
  hostDevicePlugin, HOST_DEVICE_ERR,
  sbrPlugin, SBR_ERR, SBR_FIRST_TABLE,
  staticPlugin,
  hostLocalPlugin, DEFAULT_HOST_LOCAL_DIR,
} from './cni/index.js';
export type {
  CniVersion, CniCommand, CniErrorObject, CniNetConf, CniResult, CniResultInterface, CniIpConfig, CniRoute, CniDns, CniIpamConf, CniAttachment,
  PluginContext, PluginHandlers, RunPluginOptions, ConfigureIfaceOptions, ConfigureIfaceStep, MacvlanMode, ExecResult, ExecPluginOptions,
} from './cni/index.js';

// IPsec (NETLINK_XFRM): `ip xfrm policy` and `ip xfrm state`.
export * from './xfrm/index.js';
