/**
 * IPsec over NETLINK_XFRM: the {@link Xfrm} handle, `ip xfrm policy` and `ip xfrm state` as a library.
 * @module
 */
export { Xfrm, XfrmPolicies, XfrmStates } from './xfrm.js';
export type { XfrmOptions, XfrmPolicyFilter, XfrmStateFilter, XfrmSpdInfo, XfrmSadInfo } from './xfrm.js';
export type {
  XfrmProto, XfrmMode, XfrmDir, XfrmShare, XfrmPolicyFlag, XfrmStateFlag, XfrmStateExtraFlag, XfrmEncapType,
  XfrmSelectorSpec, XfrmSelector, XfrmLifetimeSpec, XfrmLifetime, XfrmLifetimeCurrent, XfrmMark, XfrmTemplateSpec, XfrmTemplate,
  XfrmPolicySpec, XfrmPolicyKey, XfrmPolicy, XfrmKey, XfrmAlgorithms, XfrmEncapSpec, XfrmStateSpec, XfrmStateKey, XfrmState, XfrmAllocSpiSpec,
  XfrmEncap, XfrmDefaultAction, XfrmPolicyDefaults, XfrmAcquire, XfrmReport, XfrmMapping, XfrmMigration, XfrmMigrate, XfrmMigrationSpec, XfrmMigrateSpec, XfrmAe, XfrmAeSpec, XfrmReplay, XfrmReplayEsn,
} from './codec.js';
export type { XfrmEvent, XfrmEventGroup, XfrmMonitor, XfrmMonitorOptions } from './monitor.js';
