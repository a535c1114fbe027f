/**
 * Conntrack events (`conntrack -E`): the multicast groups of ctnetlink, each message an
 * entry that was created, changed or destroyed, through a {@link MulticastMonitor}.
 * @module
 */
import { NLM_F_CREATE, NLM_F_EXCL, HOST_LE, type MulticastMonitor, type MulticastMonitorOptions } from '../netlink/index.js';
import * as N from './constants.js';
import { decodeConntrack, type ConntrackEntry } from './conntrack.js';

/** What happened to an entry: created ([NEW]), changed ([UPDATE]) or gone ([DESTROY]). */
export type ConntrackEventType = 'new' | 'update' | 'destroy';

/** One event: its type and the entry as the kernel described it then. */
export interface ConntrackEvent {
  /** 'new' (IPCTNL_MSG_CT_NEW with NLM_F_CREATE|NLM_F_EXCL), 'update' (IPCTNL_MSG_CT_NEW without), 'destroy' (IPCTNL_MSG_CT_DELETE). */
  readonly type: ConntrackEventType;
  /** The entry. A destroyed one comes with its final counters (with accounting on). */
  readonly entry: ConntrackEntry;
}

/** A conntrack monitor: {@link ConntrackEvent}s, and `{ type: 'overrun' }` where the kernel dropped some. */
export type ConntrackMonitor = MulticastMonitor<ConntrackEvent>;

/** Options of {@link Conntrack.monitor}. */
export interface ConntrackMonitorOptions extends MulticastMonitorOptions {
  /** SO_RCVBUF(FORCE) of the monitor's socket, bytes. Defaults to the kernel's; a busy table overruns it. */
  readonly receiveBufferSize?: number | undefined;
}

/** The multicast group of each event type. */
export const EVENT_GROUPS: Readonly<Record<ConntrackEventType, number>> = {
  new: N.NFNLGRP_CONNTRACK_NEW, update: N.NFNLGRP_CONNTRACK_UPDATE, destroy: N.NFNLGRP_CONNTRACK_DESTROY,
};

/**
 * @internal An event message as a ConntrackEvent; undefined for what is not a ctnetlink
 * entry event. The kernel sends creations as IPCTNL_MSG_CT_NEW with NLM_F_CREATE|NLM_F_EXCL,
 * changes as IPCTNL_MSG_CT_NEW without them, and destructions as IPCTNL_MSG_CT_DELETE.
 */
export function decodeEvent(buf: Buffer, view: DataView, off: number, len: number): ConntrackEvent | undefined {
  const type = view.getUint16(off + 4, HOST_LE);
  if (type >> 8 !== N.NFNL_SUBSYS_CTNETLINK) return undefined;
  const msg = type & 0xff;
  const flags = view.getUint16(off + 6, HOST_LE);
  if (msg === N.IPCTNL_MSG_CT_DELETE) return { type: 'destroy', entry: decodeConntrack(buf, view, off, len) };
  if (msg !== N.IPCTNL_MSG_CT_NEW) return undefined;
  return { type: flags & (NLM_F_CREATE | NLM_F_EXCL) ? 'new' : 'update', entry: decodeConntrack(buf, view, off, len) };
}
