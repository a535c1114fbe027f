/**
 * Generic netlink: the {@link Genl} handle, the controller's family descriptions, and
 * requests to any family by name.
 * @module
 */
export { Genl } from './genl.js';
export type { GenlOptions, GenlFamily, GenlOp, GenlGroup, GenlRequestOptions } from './genl.js';
export type { GenlMessage } from './message.js';
export { GenlMonitor } from './monitor.js';
export { Ethtool } from './ethtool.js';
export type {
  EthtoolChannels, EthtoolChannelCounts, EthtoolFeature, EthtoolFeatureChange, EthtoolLinkInfo, EthtoolLinkModes, EthtoolLinkModesChange,
  EthtoolLinkState, EthtoolTsInfo, EthtoolPort, EthtoolMdix, EthtoolDuplex, EthtoolRawAttribute,
} from './ethtool.js';
export type { GenlEvent, GenlNotification, GenlOverrun, GenlMonitorOptions } from './monitor.js';
export {
  GENL_HDRLEN, GENL_NAMSIZ, GENL_ID_CTRL, GENL_MAX_ID, GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP, GENL_CMD_CAP_HASPOL, GENL_UNS_ADMIN_PERM,
  CTRL_CMD_NEWFAMILY, CTRL_CMD_DELFAMILY, CTRL_CMD_GETFAMILY, CTRL_CMD_NEWMCAST_GRP, CTRL_CMD_DELMCAST_GRP,
  CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_VERSION, CTRL_ATTR_HDRSIZE, CTRL_ATTR_MAXATTR, CTRL_ATTR_OPS, CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_OP_ID, CTRL_ATTR_OP_FLAGS, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID,
} from './constants.js';
