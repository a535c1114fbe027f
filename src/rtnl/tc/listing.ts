/**
 * The traffic-control part of a monitor's listing (`rt.monitor(['tc'], { listExisting:
 * true })`): every qdisc, class and filter of the netns, as `rt.qdisc.list()`,
 * `rt.class.list()` and `rt.filter.list()` return them. No one dump covers them: the
 * kernel dumps every device's qdiscs at once, but classes one device at a time
 * (tc_dump_tclass) and filters one block at a time — a device's qdisc, a side of its
 * clsact, or a class with filters of its own (tc_dump_tfilter). So the qdisc dump comes
 * first, and what it lists says which class and filter dumps follow.
 *
 * Loaded with the monitor's tc decoders (lazy-apis.ts), not by the monitor itself; not
 * part of the package's API.
 * @module
 */
import { NLMSG_HDRLEN, walkAttrs, type MessageHandler, type NetlinkSocket } from '../../netlink/index.js';
import * as C from '../constants.js';
import { TC_H_EGRESS_FILTERS, TC_H_INGRESS_FILTERS, putTcmsg, readTcmsg } from './handle.js';

/** What the listing reads of each dumped qdisc or class besides the caller's decoding of it. */
interface Part<T> {
  /** The caller's object (undefined when its decoder skipped the message). */
  readonly value: T | undefined;
  /** tcm_ifindex. */
  readonly index: number;
  /** tcm_handle. */
  readonly handle: number;
  /** tcm_parent (a shared block's index, when tcm_ifindex is TCM_IFINDEX_MAGIC_BLOCK). */
  readonly parent: number;
  /** TCA_KIND ('' when absent). */
  readonly kind: string;
}

/** The path of a listed message's attributes in errors. */
const PATH: readonly string[] = Object.freeze(['tc listing']);

/**
 * The classes whose filters hang off the class itself (`tc filter add dev DEV parent
 * 1:10`), each with a block of its own: htb's and hfsc's (htb_tcf_block,
 * hfsc_tcf_block). Other qdiscs' classes have none, or (prio, multiq) hand out the
 * qdisc's block for any class, whose filters the qdisc's own dump already lists.
 */
const CLASS_BLOCK_KINDS: ReadonlySet<string> = new Set(['htb', 'hfsc']);

/** The message's tcmsg and kind, and `decode`'s object of it. */
function partOf<T>(decode: MessageHandler<T>, buf: Buffer, view: DataView, off: number, len: number): Part<T> {
  const value = decode(buf, view, off, len);
  if (len < NLMSG_HDRLEN + C.SIZEOF_TCMSG) return { value, index: 0, handle: 0, parent: 0, kind: '' };
  const h = readTcmsg(view, off);
  let kind = '';
  walkAttrs(view, off + NLMSG_HDRLEN + C.SIZEOF_TCMSG, off + len, PATH, (type, vo, vl) => {
    if (type !== C.TCA_KIND) return;
    let e = vo + vl;
    while (e > vo && buf[e - 1] === 0) e--;
    kind = buf.toString('utf8', vo, e);
  });
  return { value, index: h.index, handle: h.handle, parent: h.parent, kind };
}

/**
 * The parents a qdisc's filters are dumped at: a clsact's ingress and egress sides
 * ('ffff:fff2', 'ffff:fff3': its own handle has no block); any other qdisc's handle
 * ('1:', 'ffff:' for ingress). None for a handle 0 — the kernel's default qdiscs
 * (noqueue, pfifo_fast, mq and its queues), which take no filters; tcm_parent 0 would
 * ask for the root qdisc's, listed under the root's own handle.
 */
function filterParents(kind: string, handle: number): number[] {
  if (kind === 'clsact') return [TC_H_INGRESS_FILTERS, TC_H_EGRESS_FILTERS];
  return (handle & C.TC_H_MAJ_MASK) !== 0 ? [handle] : [];
}

/**
 * @internal List the netns's qdiscs, classes and filters over `sock`, each message
 * decoded with `decode` (undefined: skipped): one qdisc dump (every device's, as
 * `rt.qdisc.list()` sends it), then for each device it names, in its order, the
 * device's classes (`rt.class.list({ link })`) and the filters of each of its qdiscs
 * and of its htb and hfsc classes (`rt.filter.list({ link, parent })`). A filter's
 * `parent` is the one asked for (the kernel echoes the dump's tcm_parent): the qdisc's
 * handle ('ffff:' for ingress), a clsact's side, the class.
 *
 * A device, qdisc or class gone before its dump lists nothing (no error): a monitor
 * joined its groups before the listing, so that change comes as its event. A shared
 * block's filters are listed once: the kernel dumps them for every qdisc using the
 * block, each as the block's (tcm_ifindex TCM_IFINDEX_MAGIC_BLOCK, tcm_parent the block
 * index: `index` -1 and `block`, as the events of them come), so the dumps after the
 * first of a block are dropped.
 */
export async function listTc<T>(sock: NetlinkSocket, decode: MessageHandler<T>): Promise<T[]> {
  const out: T[] = [];
  const onPart = (buf: Buffer, view: DataView, off: number, len: number): Part<T> => partOf(decode, buf, view, off, len);
  const keep = (parts: readonly Part<T>[]): void => {
    for (const p of parts) if (p.value !== undefined) out.push(p.value);
  };
  const blocks = new Set<number>();
  const keepFilters = (parts: readonly Part<T>[]): void => {
    const shared = parts.find((p) => p.index >>> 0 === C.TCM_IFINDEX_MAGIC_BLOCK);
    if (shared !== undefined) {
      if (blocks.has(shared.parent)) return;
      blocks.add(shared.parent);
    }
    keep(parts);
  };
  const qdiscs = await sock.dump(C.RTM_GETQDISC, 0, (w) => putTcmsg(w, 0, 0, 0, 0), onPart);
  keep(qdiscs);
  for (const index of new Set(qdiscs.map((q) => q.index))) {
    const classes = await sock.dump(C.RTM_GETTCLASS, 0, (w) => putTcmsg(w, index, 0, 0, 0), onPart);
    keep(classes);
    const parents = [
      ...qdiscs.filter((q) => q.index === index).flatMap((q) => filterParents(q.kind, q.handle)),
      ...classes.filter((c) => CLASS_BLOCK_KINDS.has(c.kind)).map((c) => c.handle),
    ];
    for (const parent of parents) keepFilters(await sock.dump(C.RTM_GETTFILTER, 0, (w) => putTcmsg(w, index, 0, parent, 0), onPart));
  }
  return out;
}
