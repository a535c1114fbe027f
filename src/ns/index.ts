/**
 * Network namespaces: handles (`Netns`), running code in a namespace (`execNetns`),
 * workers inside a namespace, and per-namespace `net.*` sysctls.
 * @module
 */
export { Netns, DEFAULT_NETNS_DIR, netnsDir, validateNetnsName } from './netns.js';
export type { NamedNetnsOptions } from './netns.js';
export { execNetns, execNetnsSync } from './exec.js';
export { sysctl, sysctlGet, sysctlSet, sysctlPath } from './sysctl.js';
export type { SysctlValue } from './sysctl.js';
export { netnsWorker } from './worker.js';
export { NetnsRestoreError, netnsContext } from '../netlink/netns-switch.js';
export type { NetnsHandle } from '../netlink/netns-switch.js';
