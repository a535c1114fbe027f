/**
 * CNI (Container Network Interface) spec 1.1 for plugins written on nlkit: the
 * configuration/result/error types with version conversion, the plugin runtime
 * (`runPlugin`: stdin, CNI_* environment, stdout, exit code), IPAM delegation,
 * `configureIface` (a result's addresses and routes on an interface, as Go's
 * ipam.ConfigureIface), and the `nlkit-ptp`, `nlkit-bridge`, `nlkit-macvlan`,
 * `nlkit-bandwidth`, `nlkit-tuning`, `nlkit-loopback`, `nlkit-host-device` and
 * `nlkit-sbr` plugins, and the IPAM plugins `nlkit-static` and `nlkit-host-local`.
 * @module
 */
export {
  SUPPORTED_VERSIONS, CURRENT_VERSION, CNI_ERR, CniError, compareVersions, isSupportedVersion, commandSince, isValidId, ifnameProblem,
  isValidPluginName, parseCidr, parseNetConf, parseResult, parseRoute, parseDns, formatResult, convertResult,
} from './types.js';
export type {
  CniVersion, CniErrorObject, CniDns, CniIpamConf, CniAttachment, CniNetConf, CniResultInterface, CniIpConfig, CniRoute, CniResult,
} from './types.js';
export { runPlugin, parseJsonSafe, parseCniArgs, CNI_COMMANDS, DEFAULT_MAX_STDIN } from './runtime.js';
export type { CniCommand, PluginContext, PluginHandlers, RunPluginOptions } from './runtime.js';
export { findPlugin, execPlugin, pluginVersions, negotiateVersion, ipamType, ipamAdd, ipamDel, ipamCheck, ipamStatus, ipamGc, hostLocalAttachments } from './ipam.js';
export type { ExecResult, ExecPluginOptions } from './ipam.js';
export { configureIface, settleAddresses, ConfigureIfaceError, DEFAULT_DAD_TIMEOUT } from './configure.js';
export type { ConfigureIfaceOptions, ConfigureIfaceStep } from './configure.js';
export { ptpPlugin, PTP_ERR, DEFAULT_MTU } from './plugins/ptp.js';
export { bridgePlugin, BRIDGE_ERR, DEFAULT_BRIDGE } from './plugins/bridge.js';
export { macvlanPlugin, MACVLAN_ERR, DEFAULT_MACVLAN_MODE } from './plugins/macvlan.js';
export type { MacvlanMode } from './plugins/macvlan.js';
export { bandwidthPlugin, BANDWIDTH_ERR, ifbName } from './plugins/bandwidth.js';
export { tuningPlugin, TUNING_ERR, DEFAULT_TUNING_DIR } from './plugins/tuning.js';
export { loopbackPlugin } from './plugins/loopback.js';
export { hostDevicePlugin, HOST_DEVICE_ERR } from './plugins/host-device.js';
export { sbrPlugin, SBR_ERR, SBR_FIRST_TABLE } from './plugins/sbr.js';
export { staticPlugin } from './plugins/static.js';
export { hostLocalPlugin, DEFAULT_HOST_LOCAL_DIR } from './plugins/host-local.js';
export { openNetns } from './netns.js';
