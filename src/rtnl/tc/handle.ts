/**
 * Traffic-control handles (`1:`, `1:10`, `root`, `ffff:fff2`) as tc reads and prints
 * them, and struct tcmsg, the fixed header of every qdisc, class and filter message.
 * @module
 */
import { HOST_LE, InvalidArgumentError, showValue, type MessageWriter } from '../../netlink/index.js';
import * as C from '../constants.js';

/**
 * A qdisc handle, class id or parent as nlkit takes one: tc's text (`'1:'`, `'1:10'`,
 * `':10'`, `'ffff:fff2'`, hex as tc reads it), a keyword where the place allows one
 * (`'root'`, `'none'`, `'ingress'`, `'egress'`), or the 32-bit number itself
 * (major << 16 | minor).
 */
export type TcHandleInput = string | number;

/** TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS): `tc filter add dev D ingress` (ffff:fff2). */
export const TC_H_INGRESS_FILTERS = (C.TC_H_CLSACT & C.TC_H_MAJ_MASK | C.TC_H_MIN_INGRESS) >>> 0;
/** TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS): `tc filter add dev D egress` (ffff:fff3). */
export const TC_H_EGRESS_FILTERS = (C.TC_H_CLSACT & C.TC_H_MAJ_MASK | C.TC_H_MIN_EGRESS) >>> 0;

/** Which keywords a place takes, and what they mean there. */
export type TcHandleKeywords = Readonly<Record<string, number>>;

/** A qdisc's parent: `root`, or `ingress`/`clsact` (TC_H_INGRESS, where those qdiscs sit). */
export const QDISC_PARENT_KEYWORDS: TcHandleKeywords = { root: C.TC_H_ROOT, ingress: C.TC_H_INGRESS, clsact: C.TC_H_CLSACT };
/** A filter's parent: `root`, and clsact's (or ingress's) hooks `ingress` (ffff:fff2) and `egress` (ffff:fff3). */
export const FILTER_PARENT_KEYWORDS: TcHandleKeywords = { root: C.TC_H_ROOT, ingress: TC_H_INGRESS_FILTERS, egress: TC_H_EGRESS_FILTERS };
/** A class's parent: `root` (a class of the root qdisc's tree). */
export const CLASS_PARENT_KEYWORDS: TcHandleKeywords = { root: C.TC_H_ROOT };
/** Handles and class ids: `none` (0: let the kernel choose, or no class). */
export const HANDLE_KEYWORDS: TcHandleKeywords = { none: C.TC_H_UNSPEC };

const HEX = /^[0-9a-fA-F]{1,4}$/;

/**
 * Read a handle as tc's get_tc_classid does: `MAJ:MIN`, `MAJ:` (minor 0) or `:MIN`, each
 * part hex of at most 4 digits; a keyword from `keywords`; or the 32-bit number. A bare
 * `'1'` is refused (tc reads it as the raw number 1 in one place and as `1:` in
 * another): write `'1:'` or the number.
 * @throws InvalidArgumentError naming `arg` and the forms it takes.
 */
export function parseTcHandle(v: unknown, arg: string, keywords: TcHandleKeywords = HANDLE_KEYWORDS): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(arg, `a handle number is a 32-bit unsigned integer (major << 16 | minor), got ${showValue(v)}`);
    return v;
  }
  if (typeof v === 'string') {
    if (Object.prototype.hasOwnProperty.call(keywords, v)) return keywords[v]!;
    const colon = v.indexOf(':');
    if (colon >= 0 && v.indexOf(':', colon + 1) < 0) {
      const maj = v.slice(0, colon);
      const min = v.slice(colon + 1);
      if ((maj === '' || HEX.test(maj)) && (min === '' || HEX.test(min)) && (maj !== '' || min !== '')) {
        return ((maj === '' ? 0 : parseInt(maj, 16)) * 0x10000 + (min === '' ? 0 : parseInt(min, 16))) >>> 0;
      }
    }
  }
  const words = Object.keys(keywords).map((k) => `'${k}'`);
  throw new InvalidArgumentError(arg, `expected a tc handle like '1:', '1:10' or ':10' (hex, at most ffff each side)${words.length ? `, ${words.join(', ')}` : ''} or a 32-bit number, got ${showValue(v)}`);
}

/**
 * A handle as tc prints it (sprint_tc_classid): `root`, `none`, `1:`, `1:10`, `:10`,
 * `ffff:fff1`.
 */
export function formatTcHandle(h: number): string {
  h >>>= 0;
  if (h === C.TC_H_ROOT) return 'root';
  if (h === C.TC_H_UNSPEC) return 'none';
  const maj = h >>> 16;
  const min = h & 0xffff;
  if (maj === 0) return `:${min.toString(16)}`;
  if (min === 0) return `${maj.toString(16)}:`;
  return `${maj.toString(16)}:${min.toString(16)}`;
}

/** Write struct tcmsg (AF_UNSPEC) at the writer's cursor. */
export function putTcmsg(w: MessageWriter, index: number, handle: number, parent: number, info: number): void {
  const o = w.reserve(C.SIZEOF_TCMSG);
  w.buf.fill(0, o, o + 4);
  w.view.setInt32(o + 4, index, HOST_LE);
  w.view.setUint32(o + 8, handle >>> 0, HOST_LE);
  w.view.setUint32(o + 12, parent >>> 0, HOST_LE);
  w.view.setUint32(o + 16, info >>> 0, HOST_LE);
}

/** struct tcmsg of the message at `off` (nlmsghdr included). */
export interface TcHeader {
  /** tcm_ifindex. */
  index: number;
  /** tcm_handle. */
  handle: number;
  /** tcm_parent. */
  parent: number;
  /** tcm_info: a qdisc's reference count; a filter's priority << 16 | protocol (network order). */
  info: number;
}

/** Read struct tcmsg after the nlmsghdr at `off`. */
export function readTcmsg(view: DataView, off: number): TcHeader {
  const h = off + 16;
  return {
    index: view.getInt32(h + 4, HOST_LE),
    handle: view.getUint32(h + 8, HOST_LE),
    parent: view.getUint32(h + 12, HOST_LE),
    info: view.getUint32(h + 16, HOST_LE),
  };
}
