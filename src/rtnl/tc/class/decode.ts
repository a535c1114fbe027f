/**
 * RTM_NEWTCLASS → {@link TcClass}: struct tcmsg and the TCA_* attributes, as `tc -s -d
 * class show` prints them. Options and extra counters are decoded by kind (htb);
 * unknown attributes are kept raw.
 * @module
 */
import { DecodeError, NLMSG_HDRLEN, type RawAttribute } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { formatTcHandle, readTcmsg } from '../handle.js';
import type { TcStats } from '../stats.js';
import { decodeClassOptions, decodeClassXstats, type TcClassOptions, type TcClassXstats } from '../kinds/index.js';
import { qdiscHandleText, walkTcAttrs } from '../qdisc/decode.js';

/** A traffic class, as `rt.class.list()` returns it. */
export interface TcClass {
  /** ifindex of the device (tcm_ifindex; tc's "dev", by name). */
  index: number;
  /** Its qdisc's kind: 'htb', or 'tbf' / 'mq' for the classes those qdiscs show (TCA_KIND; tc's "class KIND"). */
  kind: string;
  /** The class id as tc prints it: '1:10' (tcm_handle; tc's "class htb 1:10"). */
  handle: string;
  /** Its parent: 'root' for a top class, else the parent class ('1:1') (tcm_parent; tc's "root" or "parent 1:1"). */
  parent: string;
  /** tcm_handle, the 32-bit number. */
  rawHandle: number;
  /** tcm_parent, the 32-bit number. */
  rawParent: number;
  /** The handle of the qdisc under it ('10:'), when it has one (tcm_info; tc's "leaf 10:"). */
  leaf?: string;
  /** The kind's options (TCA_OPTIONS; for htb what tc prints after the ids); `{ kind: 'other', raw }` otherwise. */
  options: TcClassOptions;
  /** Counters (TCA_STATS2; tc -s "Sent … bytes … pkt (dropped …, overlimits … requeues …)", "backlog"). */
  stats: TcStats;
  /** The kind's own counters (TCA_XSTATS; for htb tc -s "lended: … borrowed: … giants: …", "tokens: … ctokens: …"). */
  xstats?: TcClassXstats;
  /** Attributes nlkit does not decode, raw (copies). */
  unknown?: RawAttribute[];
}

const PATH: readonly string[] = Object.freeze(['RTM_NEWTCLASS']);
const OPTIONS_PATH: readonly string[] = Object.freeze(['RTM_NEWTCLASS', 'TCA_OPTIONS']);

/** Decode the RTM_NEWTCLASS (or RTM_DELTCLASS) message at `off` (nlmsghdr included) of length `len`. */
export function decodeTcClass(buf: Buffer, view: DataView, off: number, len: number): TcClass {
  if (len < NLMSG_HDRLEN + C.SIZEOF_TCMSG) throw new DecodeError('RTM_NEWTCLASS shorter than tcmsg', PATH, off, NLMSG_HDRLEN + C.SIZEOF_TCMSG, len);
  const h = readTcmsg(view, off);
  const a = walkTcAttrs(buf, view, off + NLMSG_HDRLEN + C.SIZEOF_TCMSG, off + len, PATH);
  const c: TcClass = {
    index: h.index,
    kind: a.kind,
    handle: formatTcHandle(h.handle),
    parent: formatTcHandle(h.parent),
    rawHandle: h.handle,
    rawParent: h.parent,
    options: decodeClassOptions(a.kind, buf, view, a.options?.[0], a.options?.[1] ?? 0, OPTIONS_PATH),
    stats: a.stats,
  };
  if (h.info) c.leaf = qdiscHandleText(h.info);
  if (a.xstats) c.xstats = decodeClassXstats(a.kind, buf, view, a.xstats[0], a.xstats[1]);
  if (a.unknown) c.unknown = a.unknown;
  return c;
}
