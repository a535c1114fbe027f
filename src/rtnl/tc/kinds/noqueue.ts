/**
 * noqueue: the default qdisc of devices without a queue (lo, veth, bridges…), which
 * sends straight to the driver. Only decoded: a listing shows it at root with handle 0:.
 * @module
 */

/** A noqueue qdisc's options: none (`tc -j qdisc show` prints "options": {}). */
export interface NoqueueOptions {
  /** The kind these options are of. */
  kind: 'noqueue';
}
