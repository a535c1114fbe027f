/**
 * TCA_STATS2 (a qdisc's, a class's) and TCA_ACT_STATS (an action's): the kernel's
 * gnet_stats nest, decoded into the counters `tc -s` prints.
 * @module
 */
import { HOST_LE, walkAttrs } from '../../netlink/index.js';
import * as C from '../constants.js';

/** Counters of a qdisc, class or action, as `tc -s -j` prints them. */
export interface TcStats {
  /** Bytes sent (gnet_stats_basic.bytes). */
  bytes: bigint;
  /** Packets sent (TCA_STATS_PKT64 where the kernel sends it, else gnet_stats_basic.packets). */
  packets: bigint;
  /** Packets dropped (gnet_stats_queue.drops). */
  drops: number;
  /** Enqueues over the limit (gnet_stats_queue.overlimits). */
  overlimits: number;
  /** Requeues (gnet_stats_queue.requeues). */
  requeues: number;
  /** Bytes queued (gnet_stats_queue.backlog). */
  backlog: number;
  /** Packets queued (gnet_stats_queue.qlen). */
  qlen: number;
  /** The rate estimator's bytes per second, when one runs (TCA_STATS_RATE_EST64 or _RATE_EST). */
  bps?: number;
  /** The rate estimator's packets per second, when one runs. */
  pps?: number;
}

/**
 * Decode a gnet_stats nest (the payload at `off`, `len` bytes). Attributes too short for
 * their struct are skipped; counters the kernel did not send stay 0.
 */
export function decodeTcStats(view: DataView, off: number, len: number, path: readonly string[]): TcStats {
  const s: TcStats = { bytes: 0n, packets: 0n, drops: 0, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 };
  let pkt64: bigint | undefined;
  walkAttrs(view, off, off + len, path, (type, vo, vl) => {
    if (type === C.TCA_STATS_BASIC && vl >= 12) {
      s.bytes = view.getBigUint64(vo, HOST_LE);
      s.packets = BigInt(view.getUint32(vo + 8, HOST_LE));
    } else if (type === C.TCA_STATS_PKT64 && vl >= 8) {
      pkt64 = view.getBigUint64(vo, HOST_LE);
    } else if (type === C.TCA_STATS_QUEUE && vl >= C.SIZEOF_GNET_STATS_QUEUE) {
      s.qlen = view.getUint32(vo, HOST_LE);
      s.backlog = view.getUint32(vo + 4, HOST_LE);
      s.drops = view.getUint32(vo + 8, HOST_LE);
      s.requeues = view.getUint32(vo + 12, HOST_LE);
      s.overlimits = view.getUint32(vo + 16, HOST_LE);
    } else if (type === C.TCA_STATS_RATE_EST64 && vl >= C.SIZEOF_GNET_STATS_RATE_EST64) {
      s.bps = Number(view.getBigUint64(vo, HOST_LE));
      s.pps = Number(view.getBigUint64(vo + 8, HOST_LE));
    } else if (type === C.TCA_STATS_RATE_EST && vl >= C.SIZEOF_GNET_STATS_RATE_EST && s.bps === undefined) {
      s.bps = view.getUint32(vo, HOST_LE);
      s.pps = view.getUint32(vo + 4, HOST_LE);
    }
  });
  if (pkt64 !== undefined) s.packets = pkt64;
  return s;
}
