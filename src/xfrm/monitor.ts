/**
 * IPsec events (`ip xfrm monitor`): the multicast groups of NETLINK_XFRM, each message a
 * policy or state that was added, updated, deleted, flushed or expired, through a
 * {@link MulticastMonitor}.
 * @module
 */
import { DecodeError, HOST_LE, need, walkAttrs, type MulticastMonitor, type MulticastMonitorOptions } from '../netlink/index.js';
import {
  decodeAcquire, decodeAe, decodeDefaults, decodeMapping, decodeMigrate, decodePolicy, decodeReport, decodeState, protoName,
  type XfrmAcquire, type XfrmAe, type XfrmMapping, type XfrmMigrate, type XfrmPolicy, type XfrmPolicyDefaults, type XfrmProto, type XfrmReport, type XfrmState,
} from './codec.js';
import * as X from './constants.js';

/**
 * The groups a monitor joins: 'policy' (XFRMNLGRP_POLICY), 'state' (XFRMNLGRP_SA),
 * 'expire' (XFRMNLGRP_EXPIRE), and a key manager's: 'acquire' (XFRMNLGRP_ACQUIRE),
 * 'report' (XFRMNLGRP_REPORT), 'mapping' (XFRMNLGRP_MAPPING), 'migrate' (XFRMNLGRP_MIGRATE),
 * 'aevents' (XFRMNLGRP_AEVENTS: states' replay and lifetime counters).
 */
export type XfrmEventGroup = 'policy' | 'state' | 'expire' | 'acquire' | 'report' | 'mapping' | 'migrate' | 'aevents';

/** One IPsec event. */
export type XfrmEvent =
  /** A policy added (`ip xfrm policy add`), updated, or deleted (also when it expired hard). */
  | { readonly type: 'new-policy' | 'update-policy' | 'delete-policy'; readonly policy: XfrmPolicy }
  /** Every policy of a type flushed (`ip xfrm policy flush`). */
  | { readonly type: 'flush-policies'; readonly ptype: 'main' | 'sub' | 'other' }
  /** A policy's lifetime ran out: `hard` (it is deleted) or soft. */
  | { readonly type: 'expire-policy'; readonly policy: XfrmPolicy; readonly hard: boolean }
  /** A state added, updated or deleted. */
  | { readonly type: 'new-state' | 'update-state' | 'delete-state'; readonly state: XfrmState }
  /** The states of a protocol flushed: 'all' states (`ip xfrm state flush`), 'any' IPsec protocol's (esp, ah, comp), or one. */
  | { readonly type: 'flush-states'; readonly proto: XfrmProto | 'all' | 'any' | 'other' }
  /** A state's lifetime ran out: `hard` (it is deleted) or soft. */
  | { readonly type: 'expire-state'; readonly state: XfrmState; readonly hard: boolean }
  /** The default actions changed (`ip xfrm policy setdefault`; group 'policy'): all three as they now are. */
  | { readonly type: 'policy-defaults'; readonly defaults: XfrmPolicyDefaults }
  /** The kernel asks for a state (group 'acquire'): see {@link XfrmAcquire}. */
  | { readonly type: 'acquire'; readonly acquire: XfrmAcquire }
  /** A Mobile IPv6 report (group 'report'). */
  | { readonly type: 'report'; readonly report: XfrmReport }
  /** An ESP-in-UDP peer's NAT mapping changed (group 'mapping'). */
  | { readonly type: 'mapping'; readonly mapping: XfrmMapping }
  /** A policy and its states moved to new endpoints (group 'migrate'). */
  | { readonly type: 'migrate'; readonly migrate: XfrmMigrate }
  /** A state's counters (group 'aevents'): sent when its replay counters pass the threshold, its event timer runs out, or setAe changed them (`ae.cause`). */
  | { readonly type: 'aevent'; readonly ae: XfrmAe };

/** An xfrm monitor: {@link XfrmEvent}s, and `{ type: 'overrun' }` where the kernel dropped some. */
export type XfrmMonitor = MulticastMonitor<XfrmEvent>;

/** Options of {@link Xfrm.monitor}. */
export interface XfrmMonitorOptions extends MulticastMonitorOptions {
  /** SO_RCVBUF(FORCE) of the monitor's socket, bytes. Defaults to the kernel's. */
  readonly receiveBufferSize?: number | undefined;
}

/** @internal The multicast group of each event group. */
export const EVENT_GROUPS: Readonly<Record<XfrmEventGroup, number>> = {
  policy: X.XFRMNLGRP_POLICY, state: X.XFRMNLGRP_SA, expire: X.XFRMNLGRP_EXPIRE,
  acquire: X.XFRMNLGRP_ACQUIRE, report: X.XFRMNLGRP_REPORT, mapping: X.XFRMNLGRP_MAPPING, migrate: X.XFRMNLGRP_MIGRATE, aevents: X.XFRMNLGRP_AEVENTS,
};

const H = 16;
const PATH = ['xfrm event'];

/** The payload of attribute `type` after `from`, or -1. */
function findAttr(view: DataView, from: number, end: number, type: number): number {
  let at = -1;
  walkAttrs(view, from, end, PATH, (t, a) => {
    if (t === type && at < 0) at = a;
  });
  return at;
}

/**
 * @internal An event message as an XfrmEvent; undefined for a type no group carries (a
 * request's, such as XFRM_MSG_GETSA). Deletions carry the id struct first and the
 * whole object in XFRMA_POLICY / XFRMA_SA (net/xfrm/xfrm_user.c xfrm_notify_policy,
 * xfrm_notify_sa); a change of the default actions comes as an XFRM_MSG_GETDEFAULT
 * (xfrm_notify_userpolicy).
 */
export function decodeXfrmEvent(buf: Buffer, view: DataView, off: number, len: number): XfrmEvent | undefined {
  const type = view.getUint16(off + 4, HOST_LE);
  const end = off + len;
  switch (type) {
    case X.XFRM_MSG_NEWPOLICY: return { type: 'new-policy', policy: decodePolicy(buf, view, off, len) };
    case X.XFRM_MSG_UPDPOLICY: return { type: 'update-policy', policy: decodePolicy(buf, view, off, len) };
    case X.XFRM_MSG_DELPOLICY: {
      const attrs = off + H + X.SIZEOF_XFRM_USERPOLICY_ID;
      const at = findAttr(view, attrs, end, X.XFRMA_POLICY);
      if (at < 0) throw new DecodeError('XFRM_MSG_DELPOLICY without XFRMA_POLICY', PATH, off, X.SIZEOF_XFRM_USERPOLICY_INFO, 0);
      return { type: 'delete-policy', policy: decodePolicy(buf, view, off, len, at, attrs) };
    }
    case X.XFRM_MSG_FLUSHPOLICY: {
      const at = findAttr(view, off + H, end, X.XFRMA_POLICY_TYPE);
      if (at >= 0) need(view.getUint16(at - 4, HOST_LE) - 4, X.SIZEOF_XFRM_USERPOLICY_TYPE, PATH, 'XFRMA_POLICY_TYPE', at);
      const t = at < 0 ? X.XFRM_POLICY_TYPE_MAIN : buf[at + X.OFF_XFRM_USERPOLICY_TYPE_TYPE]!;
      return { type: 'flush-policies', ptype: t === X.XFRM_POLICY_TYPE_MAIN ? 'main' : t === X.XFRM_POLICY_TYPE_SUB ? 'sub' : 'other' };
    }
    case X.XFRM_MSG_POLEXPIRE: {
      if (len < H + X.SIZEOF_XFRM_USER_POLEXPIRE) throw new DecodeError('xfrm_user_polexpire', PATH, off, H + X.SIZEOF_XFRM_USER_POLEXPIRE, len);
      const policy = decodePolicy(buf, view, off, len, off + H + X.OFF_XFRM_USER_POLEXPIRE_POL, off + H + X.SIZEOF_XFRM_USER_POLEXPIRE);
      return { type: 'expire-policy', policy, hard: buf[off + H + X.OFF_XFRM_USER_POLEXPIRE_HARD] !== 0 };
    }
    case X.XFRM_MSG_NEWSA: return { type: 'new-state', state: decodeState(buf, view, off, len) };
    case X.XFRM_MSG_UPDSA: return { type: 'update-state', state: decodeState(buf, view, off, len) };
    case X.XFRM_MSG_DELSA: {
      const attrs = off + H + X.SIZEOF_XFRM_USERSA_ID;
      const at = findAttr(view, attrs, end, X.XFRMA_SA);
      if (at < 0) throw new DecodeError('XFRM_MSG_DELSA without XFRMA_SA', PATH, off, X.SIZEOF_XFRM_USERSA_INFO, 0);
      return { type: 'delete-state', state: decodeState(buf, view, off, len, at, attrs) };
    }
    case X.XFRM_MSG_FLUSHSA: {
      if (len < H + X.SIZEOF_XFRM_USERSA_FLUSH) throw new DecodeError('XFRM_MSG_FLUSHSA shorter than its struct', [...PATH, 'xfrm_usersa_flush'], off, H + X.SIZEOF_XFRM_USERSA_FLUSH, len);
      const p = buf[off + H + X.OFF_XFRM_USERSA_FLUSH_PROTO]!;
      return { type: 'flush-states', proto: p === 0 ? 'all' : p === X.IPSEC_PROTO_ANY ? 'any' : protoName(p) ?? 'other' };
    }
    case X.XFRM_MSG_EXPIRE: {
      if (len < H + X.SIZEOF_XFRM_USER_EXPIRE) throw new DecodeError('xfrm_user_expire', PATH, off, H + X.SIZEOF_XFRM_USER_EXPIRE, len);
      const state = decodeState(buf, view, off, len, off + H + X.OFF_XFRM_USER_EXPIRE_STATE, off + H + X.SIZEOF_XFRM_USER_EXPIRE);
      return { type: 'expire-state', state, hard: buf[off + H + X.OFF_XFRM_USER_EXPIRE_HARD] !== 0 };
    }
    case X.XFRM_MSG_GETDEFAULT: return { type: 'policy-defaults', defaults: decodeDefaults(buf, off + H, len - H) };
    case X.XFRM_MSG_ACQUIRE: return { type: 'acquire', acquire: decodeAcquire(buf, view, off, len) };
    case X.XFRM_MSG_REPORT: return { type: 'report', report: decodeReport(buf, view, off, len) };
    case X.XFRM_MSG_MAPPING: return { type: 'mapping', mapping: decodeMapping(buf, view, off, len) };
    case X.XFRM_MSG_MIGRATE: return { type: 'migrate', migrate: decodeMigrate(buf, view, off, len) };
    case X.XFRM_MSG_NEWAE: return { type: 'aevent', ae: decodeAe(buf, view, off, len) };
    default: return undefined;
  }
}
