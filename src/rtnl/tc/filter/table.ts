/**
 * A filter message's parts as tc reads and prints them: its protocol (an ethertype in
 * tcm_info, network order), its parent keywords, the classifier flags, and the TCA_*
 * attributes of RTM_*TFILTER.
 * @module
 */
import { HOST_LE, InvalidArgumentError, showValue, type CustomCodec } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { registerLayout } from '../../describer.js';
import { boolU8, table } from '../../table-helpers.js';
import { decodeTcStats, type TcStats } from '../stats.js';
import { formatTcHandle, TC_H_EGRESS_FILTERS, TC_H_INGRESS_FILTERS } from '../handle.js';
import { filterOptionsCodec } from './kinds/index.js';

export { clsFlagsCodec, classidCodec } from './kinds/kind.js';

/** A filter's protocol by name, as tc prints it (ll_proto_n2a). */
export type FilterProtocolName = 'all' | 'ip' | 'ipv6' | 'arp' | '802.1Q' | '802.1ad';

/**
 * A filter's protocol as a spec takes it: a name (`'all'`, `'ip'`, `'ipv6'`, `'arp'`,
 * `'802.1q'` or `'802.1Q'`, `'802.1ad'`; any case, as tc reads them) or the ethertype
 * itself, 1..65535 (ETH_P_*, host order: 0x0800 is `'ip'`).
 */
export type FilterProtocol = FilterProtocolName | '802.1q' | number;

/** The names and the ethertype each stands for. */
export const FILTER_PROTOCOLS: Readonly<Record<FilterProtocolName, number>> = {
  all: C.ETH_P_ALL,
  ip: C.ETH_P_IP,
  ipv6: C.ETH_P_IPV6,
  arp: C.ETH_P_ARP,
  '802.1Q': C.ETH_P_8021Q,
  '802.1ad': C.ETH_P_8021AD,
};

const BY_LOWER = new Map<string, number>(Object.entries(FILTER_PROTOCOLS).map(([k, v]) => [k.toLowerCase(), v]));
const BY_NUMBER = new Map<number, FilterProtocolName>(Object.entries(FILTER_PROTOCOLS).map(([k, v]) => [v, k as FilterProtocolName]));

/** A protocol as an ethertype (host order), or InvalidArgumentError naming `arg`. */
export function parseProtocol(v: unknown, arg: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 0xffff) throw new InvalidArgumentError(arg, `an ethertype is an integer in 1..65535 (the kernel refuses 0), got ${showValue(v)}`);
    return v;
  }
  if (typeof v === 'string') {
    const n = BY_LOWER.get(v.toLowerCase());
    if (n !== undefined) return n;
  }
  throw new InvalidArgumentError(arg, `unknown protocol ${showValue(v)} (expected ${Object.keys(FILTER_PROTOCOLS).join(', ')}, or an ethertype 1..65535)`);
}

/** An ethertype by its name where it has one (tc's spelling), else the number. */
export function protocolName(ethertype: number): FilterProtocolName | number {
  return BY_NUMBER.get(ethertype) ?? ethertype;
}

/** tcm_info's low 16 bits for an ethertype: htons, as tc writes it (TC_H_MAKE(prio << 16, htons(proto))). */
export function protocolBits(ethertype: number): number {
  return HOST_LE ? ((ethertype & 0xff) << 8) | (ethertype >>> 8) : ethertype;
}

/** The ethertype in tcm_info's low 16 bits (ntohs). */
export function protocolOf(info: number): number {
  const p = info & 0xffff;
  return HOST_LE ? ((p & 0xff) << 8) | (p >>> 8) : p;
}

/** A filter's parent as messages name it: tc's keywords (`root`, `ingress`, `egress`), else the handle. */
export function parentText(parent: number): string {
  if (parent === TC_H_INGRESS_FILTERS) return 'ingress';
  if (parent === TC_H_EGRESS_FILTERS) return 'egress';
  return formatTcHandle(parent);
}

/** TCA_STATS2: the gnet_stats nest. */
const stats2Codec: CustomCodec<TcStats> = {
  decode(ctx, off, len) {
    return decodeTcStats(ctx.view, off, len, ctx.path);
  },
};

/**
 * The TCA_* attributes of a filter message: TCA_OPTIONS decoded by the TCA_KIND before
 * it (the kernel writes the kind first), raw for a kind nlkit does not know. The
 * qdisc-only ones (TCA_STAB, TCA_XSTATS, the blocks…) are left to `unknown`. The same
 * table names the attribute an extended ACK points at in qdisc and class requests
 * (qdisc/api.ts registers them), which send only TCA_KIND and TCA_OPTIONS.
 */
export const FILTER_TCA = table('TCA', 'TCA_', [
  ['TCA_KIND', 'strz'],
  ['TCA_OPTIONS', filterOptionsCodec],
  ['TCA_STATS2', stats2Codec, 'stats'],
  ['TCA_PAD', { decode: () => undefined }],
  ['TCA_CHAIN', 'u32'],
  ['TCA_HW_OFFLOAD', boolU8],
  ['TCA_EXT_WARN_MSG', 'strz', 'warning'],
]);

// Extended-ACK offsets of filter requests name their attribute ('TCA_OPTIONS › TCA_U32_SEL').
registerLayout([C.RTM_NEWTFILTER, C.RTM_DELTFILTER, C.RTM_GETTFILTER], C.SIZEOF_TCMSG, FILTER_TCA);
