/**
 * clsact (net/sched/sch_ingress.c): a qdisc with an ingress and an egress hook for
 * filters (`tc filter add dev DEV ingress|egress …`). Like ingress it sits at
 * TC_H_CLSACT (= TC_H_INGRESS) with handle ffff:, which tc sends for `tc qdisc add dev
 * DEV clsact`; a device has one or the other.
 * @module
 */
import * as C from '../../constants.js';
import { INGRESS_HANDLE } from './ingress.js';
import type { QdiscSpecBase, TcKindCodec } from './kind.js';

/**
 * A clsact qdisc for `rt.qdisc.add`. It implies `parent: 'clsact'` and `handle:
 * 'ffff:'`; a spec may repeat them, not give others.
 *
 * Equivalent to: `tc qdisc add dev DEV clsact`.
 * @example
 * { link: 'eth0', kind: 'clsact' }
 */
export interface ClsactSpec extends QdiscSpecBase {
  /** The clsact qdisc (`clsact`). */
  readonly kind: 'clsact';
}

/** A clsact qdisc's options: none (`tc -j qdisc show` prints "options": {}). */
export interface ClsactOptions {
  /** The kind these options are of. */
  kind: 'clsact';
}

/** The clsact codec (`kind: 'clsact'`): no options. */
export const CLSACT: TcKindCodec<undefined> = {
  kind: 'clsact', keys: new Set(), fixed: { parent: C.TC_H_CLSACT, handle: INGRESS_HANDLE },
  check: () => undefined,
  encode: () => undefined,
};
