/**
 * RTM_NEWTFILTER message → {@link Filter}: the fields `tc -j -s filter show` prints, as
 * plain values. Unknown attributes are kept raw; unknown kinds keep their options raw.
 * @module
 */
import { DecodeError, NLMSG_HDRLEN, type RawAttribute } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import type { TcStats } from '../stats.js';
import { filterKindCodec, type BpfOptions, type MatchallOptions, type U32Options } from './kinds/index.js';
import { FILTER_TCA, protocolName, protocolOf, type FilterProtocolName } from './table.js';
import { formatTcHandle, readTcmsg } from '../handle.js';

/** What every decoded filter carries. */
export interface FilterBase {
  /** ifindex of the device (tcm_ifindex; tc's "dev", by name); -1 for a shared block's filter (see `block`). */
  index: number;
  /** The qdisc (and class) the filter hangs off, as tc prints a handle: 'ffff:' (an ingress qdisc), 'ffff:fff2' (clsact ingress), '1:' … (tcm_parent; tc's "parent"). */
  parent: string;
  /** tcm_parent raw. */
  rawParent: number;
  /** A shared block's index (TCM_IFINDEX_MAGIC_BLOCK in tcm_ifindex: tcm_parent is the block's). */
  block?: number;
  /** The protocol (ethertype) it applies to, by tc's name ('all', 'ip', 'ipv6', 'arp', '802.1Q', '802.1ad') or the number (tc's "protocol"). */
  protocol: FilterProtocolName | number;
  /** The ethertype, host order (ETH_P_*). */
  rawProtocol: number;
  /** The priority (tc's "pref"; tcm_info's upper 16 bits). */
  priority: number;
  /**
   * The handle as tc prints the filter's "fh" (u32: '800:' for a hash table, '800::800'
   * for a node; others hex: '0x1'). Absent on the entry that stands for the priority
   * itself (handle 0, no options), which the kernel dumps first for each priority.
   */
  handle?: string;
  /** tcm_handle raw. */
  rawHandle: number;
  /** The filter chain (TCA_CHAIN; tc's "chain"). */
  chain?: number;
  /** TCA_STATS2, when the kernel sends it. */
  stats?: TcStats;
  /** Offloaded to the device (TCA_HW_OFFLOAD, as a Qdisc's `hwOffload`; tc prints a filter's in_hw from its flags). */
  hwOffload?: boolean;
  /** TCA_EXT_WARN_MSG: the kernel's warning. */
  warning?: string;
  /** TCA_* attributes nlkit does not know or keeps raw (TCA_STATS, TCA_XSTATS, TCA_RATE, …), raw. */
  unknown?: RawAttribute[];
}

/** A u32 filter: `options` for a hash table's entry ('800:') or a node's ('800::800'). */
export interface U32Filter extends FilterBase {
  /** The classifier (TCA_KIND): 'u32'. */
  kind: 'u32';
  /** TCA_OPTIONS (absent on the priority's own entry). */
  options?: U32Options;
}

/** A bpf filter. */
export interface BpfFilter extends FilterBase {
  /** The classifier (TCA_KIND): 'bpf'. */
  kind: 'bpf';
  /** TCA_OPTIONS (absent on the priority's own entry). */
  options?: BpfOptions;
}

/** A matchall filter. */
export interface MatchallFilter extends FilterBase {
  /** The classifier (TCA_KIND): 'matchall'. */
  kind: 'matchall';
  /** TCA_OPTIONS (absent on the priority's own entry). */
  options?: MatchallOptions;
}

/** A filter of a kind nlkit does not decode: its name, its options raw. */
export interface OtherFilter extends FilterBase {
  /** 'other': a classifier nlkit does not decode (its TCA_KIND is `name`). */
  kind: 'other';
  /** TCA_KIND ('flower', 'fw', …). */
  name: string;
  /** TCA_OPTIONS' payload (a copy). */
  options?: Buffer;
}

/** A decoded filter, by kind; `kind: 'other'` for kinds nlkit does not decode. */
export type Filter = U32Filter | BpfFilter | MatchallFilter | OtherFilter;

/** The path of this message's attributes in errors (one frozen array: the table caches child paths by it). */
const PATH: readonly string[] = Object.freeze(['RTM_NEWTFILTER']);

/**
 * Decode the RTM_NEWTFILTER/RTM_DELTFILTER message at `off` (nlmsghdr included) of
 * length `len`.
 */
export function decodeFilter(buf: Buffer, view: DataView, off: number, len: number): Filter {
  if (len < NLMSG_HDRLEN + C.SIZEOF_TCMSG) throw new DecodeError('RTM_NEWTFILTER shorter than tcmsg', PATH, off, NLMSG_HDRLEN + C.SIZEOF_TCMSG, len);
  const { index, handle: rawHandle, parent: rawParent, info } = readTcmsg(view, off);
  const block = index >>> 0 === C.TCM_IFINDEX_MAGIC_BLOCK;
  const a = FILTER_TCA.decode(buf, view, off + NLMSG_HDRLEN + C.SIZEOF_TCMSG, off + len, PATH) as Record<string, unknown>;
  const name = typeof a['kind'] === 'string' ? a['kind'] : '';
  const codec = filterKindCodec(name);
  const rawProtocol = protocolOf(info);
  const f: Record<string, unknown> = {
    index: block ? -1 : index,
    kind: codec ? codec.kind : 'other',
    ...(codec ? {} : { name }),
    parent: formatTcHandle(rawParent),
    rawParent,
    ...(block ? { block: rawParent } : {}),
    protocol: protocolName(rawProtocol),
    rawProtocol,
    priority: info >>> 16,
    ...(rawHandle !== 0 ? { handle: codec ? codec.formatHandle(rawHandle) : `0x${rawHandle.toString(16)}` } : {}),
    rawHandle,
  };
  if (a['chain'] !== undefined) f['chain'] = a['chain'];
  if (a['options'] !== undefined) f['options'] = a['options'];
  if (a['stats'] !== undefined) f['stats'] = a['stats'];
  if (a['hwOffload'] !== undefined) f['hwOffload'] = a['hwOffload'];
  if (a['warning'] !== undefined) f['warning'] = a['warning'];
  if (a['unknown'] !== undefined) f['unknown'] = a['unknown'];
  return f as unknown as Filter;
}
