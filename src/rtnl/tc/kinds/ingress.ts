/**
 * ingress (net/sched/sch_ingress.c): the qdisc on a device's receive side that filters
 * hang off (`tc filter add dev DEV parent ffff: …`), as the CNI bandwidth plugin uses it
 * to redirect incoming traffic to an ifb. It sits at TC_H_INGRESS with handle ffff:,
 * which tc sends for `tc qdisc add dev DEV ingress` (tc/tc_qdisc.c).
 * @module
 */
import * as C from '../../constants.js';
import type { QdiscSpecBase, TcKindCodec } from './kind.js';

/**
 * An ingress qdisc for `rt.qdisc.add`. It implies `parent: 'ingress'` and `handle:
 * 'ffff:'`; a spec may repeat them, not give others.
 *
 * Equivalent to: `tc qdisc add dev DEV ingress`.
 * @example
 * { link: 'eth0', kind: 'ingress' }
 */
export interface IngressSpec extends QdiscSpecBase {
  /** The ingress qdisc (`ingress`). */
  readonly kind: 'ingress';
}

/** An ingress qdisc's options: none (`tc -j qdisc show` prints "options": {}). */
export interface IngressOptions {
  /** The kind these options are of. */
  kind: 'ingress';
}

/** TC_H_MAKE(TC_H_INGRESS, 0): the handle ffff: that ingress and clsact take. */
export const INGRESS_HANDLE = (C.TC_H_INGRESS & C.TC_H_MAJ_MASK) >>> 0;

/** The ingress codec (`kind: 'ingress'`): no options. */
export const INGRESS: TcKindCodec<undefined> = {
  kind: 'ingress', keys: new Set(), fixed: { parent: C.TC_H_INGRESS, handle: INGRESS_HANDLE },
  check: () => undefined,
  encode: () => undefined,
};
