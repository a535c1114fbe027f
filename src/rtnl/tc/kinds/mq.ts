/**
 * mq (net/sched/sch_mq.c): the default root of a multi-queue device, one class (and a
 * child qdisc, pfifo_fast or the sysctl's default) per transmit queue. Only decoded.
 * @module
 */

/** An mq qdisc's options: none (`tc -j qdisc show` prints "options": {}). */
export interface MqOptions {
  /** The kind these options are of. */
  kind: 'mq';
}
