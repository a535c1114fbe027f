/**
 * pfifo_fast (net/sched/sch_generic.c): the classic default qdisc, three bands chosen by
 * the packet's priority. Only decoded, as `tc -j qdisc show` prints it (tc reads it with
 * prio's printer; the kernel sends struct tc_prio_qopt and nothing else, so tc's
 * "multiqueue" is always false for it and is left out here).
 * @module
 */
import { DecodeError, HOST_LE } from '../../../netlink/index.js';
import * as C from '../../constants.js';

/** A pfifo_fast qdisc's options (`tc -j qdisc show`'s "options"). */
export interface PfifoFastOptions {
  /** The kind these options are of. */
  kind: 'pfifo_fast';
  /** Bands (tc -j "bands"). */
  bands: number;
  /** The band of each of the 16 priorities (tc -j "priomap"). */
  priomap: number[];
}

/** Decode a pfifo_fast's TCA_OPTIONS payload: struct tc_prio_qopt { int bands; __u8 priomap[16]; }. */
export function decodePfifoFast(v: DataView, off: number, len: number, path: readonly string[]): PfifoFastOptions {
  if (len < C.SIZEOF_TC_PRIO_QOPT) throw new DecodeError('TCA_OPTIONS shorter than struct tc_prio_qopt', path, off, C.SIZEOF_TC_PRIO_QOPT, len);
  const priomap: number[] = [];
  for (let i = 4; i < C.SIZEOF_TC_PRIO_QOPT; i++) priomap.push(v.getUint8(off + i));
  return { kind: 'pfifo_fast', bands: v.getInt32(off, HOST_LE), priomap };
}
