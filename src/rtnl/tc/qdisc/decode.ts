/**
 * RTM_NEWQDISC → {@link Qdisc} (and RTM_NEWTCLASS → TcClass, which shares the layout):
 * struct tcmsg and the TCA_* attributes, as `tc -j -s -d qdisc show` prints them.
 * Options are decoded by kind (kinds/index.ts); unknown attributes are kept raw.
 * @module
 */
import { DecodeError, HOST_LE, NLMSG_HDRLEN, copyBytes, walkAttrs, type RawAttribute } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { formatTcHandle, readTcmsg } from '../handle.js';
import { decodeTcStats, type TcStats } from '../stats.js';
import { decodeQdiscOptions, type QdiscOptions } from '../kinds/index.js';

/** A queueing discipline, as `rt.qdisc.list()` returns it. */
export interface Qdisc {
  /** ifindex of the device (tcm_ifindex; tc -j "dev", by name). */
  index: number;
  /** The kind: 'tbf', 'htb', 'ingress', 'noqueue', … (TCA_KIND; tc -j "kind"). */
  kind: string;
  /** The handle as tc prints it: '1:', 'ffff:', '0:' for a default qdisc (tcm_handle; tc -j "handle"). */
  handle: string;
  /**
   * Where it sits: 'root', 'ffff:fff1' (ingress, clsact), a class ('1:10'), or ':1' (an
   * mq's queue) (tcm_parent; tc -j "root": true, or "parent").
   */
  parent: string;
  /** tcm_handle, the 32-bit number. */
  rawHandle: number;
  /** tcm_parent, the 32-bit number. */
  rawParent: number;
  /** References held (tcm_info; tc -j "refcnt", which tc prints when not 1). */
  refcnt: number;
  /** The kind's options (TCA_OPTIONS; tc -j "options"); `{ kind: 'other', raw }` for a kind nlkit does not decode. */
  options: QdiscOptions;
  /** Counters (TCA_STATS2; tc -s -j "bytes", "packets", "drops", "overlimits", "requeues", "backlog", "qlen"). */
  stats: TcStats;
  /** The kind's own counters, raw (TCA_XSTATS; what tc -s prints after the counters). */
  xstats?: Buffer;
  /** TCA_CHAIN. */
  chain?: number;
  /** Offloaded to the device (TCA_HW_OFFLOAD; tc -j "offloaded"). */
  hwOffload?: boolean;
  /** The shared filter block of its ingress side (TCA_INGRESS_BLOCK; tc -j "ingress_block"). */
  ingressBlock?: number;
  /** The shared filter block of its egress side (TCA_EGRESS_BLOCK; tc -j "egress_block"). */
  egressBlock?: number;
  /** Attributes nlkit does not decode, raw (copies). */
  unknown?: RawAttribute[];
}

/** The path of this message's attributes in errors. */
const PATH: readonly string[] = Object.freeze(['RTM_NEWQDISC']);
/** Where options are decoded, in errors. */
const OPTIONS_PATH: readonly string[] = Object.freeze(['RTM_NEWQDISC', 'TCA_OPTIONS']);

/** @internal The TCA_* attributes of a qdisc or class message, walked once. */
export interface TcAttrs {
  kind: string;
  options: [number, number] | undefined;
  stats: TcStats;
  xstats: [number, number] | undefined;
  chain: number | undefined;
  hwOffload: boolean | undefined;
  ingressBlock: number | undefined;
  egressBlock: number | undefined;
  unknown: RawAttribute[] | undefined;
}

/** @internal Walk the TCA_* attributes in `[start, end)` (those of qdisc and class messages). */
export function walkTcAttrs(buf: Buffer, v: DataView, start: number, end: number, path: readonly string[]): TcAttrs {
  const a: Omit<TcAttrs, 'stats'> = {
    kind: '', options: undefined, xstats: undefined, chain: undefined,
    hwOffload: undefined, ingressBlock: undefined, egressBlock: undefined, unknown: undefined,
  };
  let stats: TcStats | undefined;
  walkAttrs(v, start, end, path, (type, vo, vl) => {
    switch (type) {
      case C.TCA_KIND: {
        let e = vo + vl;
        while (e > vo && buf[e - 1] === 0) e--;
        a.kind = buf.toString('utf8', vo, e);
        break;
      }
      case C.TCA_OPTIONS: a.options = [vo, vl]; break;
      case C.TCA_STATS2: stats = decodeTcStats(v, vo, vl, path); break;
      case C.TCA_XSTATS: a.xstats = [vo, vl]; break;
      case C.TCA_CHAIN: if (vl >= 4) a.chain = v.getUint32(vo, HOST_LE); break;
      case C.TCA_HW_OFFLOAD: if (vl >= 1) a.hwOffload = buf[vo] !== 0; break;
      case C.TCA_INGRESS_BLOCK: if (vl >= 4) a.ingressBlock = v.getUint32(vo, HOST_LE); break;
      case C.TCA_EGRESS_BLOCK: if (vl >= 4) a.egressBlock = v.getUint32(vo, HOST_LE); break;
      case C.TCA_STATS: // struct tc_stats: superseded by TCA_STATS2, which holds the same counters
      case C.TCA_PAD:
        break;
      default:
        (a.unknown ??= []).push({ type, value: copyBytes(buf, vo, vo + vl) });
    }
  });
  return { ...a, stats: stats ?? { bytes: 0n, packets: 0n, drops: 0, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 } };
}

/** A qdisc's handle as tc prints it: its major in hex and a colon ('1:', '0:'). */
export function qdiscHandleText(h: number): string {
  return `${(h >>> 16).toString(16)}:`;
}

/**
 * Decode the RTM_NEWQDISC (or RTM_DELQDISC) message at `off` (nlmsghdr included) of
 * length `len`.
 */
export function decodeQdisc(buf: Buffer, view: DataView, off: number, len: number): Qdisc {
  if (len < NLMSG_HDRLEN + C.SIZEOF_TCMSG) throw new DecodeError('RTM_NEWQDISC shorter than tcmsg', PATH, off, NLMSG_HDRLEN + C.SIZEOF_TCMSG, len);
  const h = readTcmsg(view, off);
  const a = walkTcAttrs(buf, view, off + NLMSG_HDRLEN + C.SIZEOF_TCMSG, off + len, PATH);
  const q: Qdisc = {
    index: h.index,
    kind: a.kind,
    handle: qdiscHandleText(h.handle),
    parent: formatTcHandle(h.parent),
    rawHandle: h.handle,
    rawParent: h.parent,
    refcnt: h.info,
    options: decodeQdiscOptions(a.kind, buf, view, a.options?.[0], a.options?.[1] ?? 0, OPTIONS_PATH),
    stats: a.stats,
  };
  if (a.xstats) q.xstats = copyBytes(buf, a.xstats[0], a.xstats[0] + a.xstats[1]);
  if (a.chain !== undefined) q.chain = a.chain;
  if (a.hwOffload !== undefined) q.hwOffload = a.hwOffload;
  if (a.ingressBlock !== undefined) q.ingressBlock = a.ingressBlock;
  if (a.egressBlock !== undefined) q.egressBlock = a.egressBlock;
  if (a.unknown) q.unknown = a.unknown;
  return q;
}
