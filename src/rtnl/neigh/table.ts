/**
 * The NDA attribute table (struct ndmsg + NDA_*), as data, and the neighbour state
 * (NUD_*) and flag (NTF_*) names `ip neigh` prints.
 * @module
 */
import { HOST_LE, type AttrTable, type CustomCodec } from '../../netlink/index.js';
import * as C from '../constants.js';
import { ipCodec, table } from '../table-helpers.js';

/** Size of struct ndmsg. */
export const NDMSG_LEN = C.SIZEOF_NDMSG;

/** Neighbour states by the lowercase name `ip neigh … nud STATE` takes. */
export const NUD_STATES: Readonly<Record<string, number>> = {
  incomplete: C.NUD_INCOMPLETE, reachable: C.NUD_REACHABLE, stale: C.NUD_STALE, delay: C.NUD_DELAY,
  probe: C.NUD_PROBE, failed: C.NUD_FAILED, noarp: C.NUD_NOARP, permanent: C.NUD_PERMANENT, none: C.NUD_NONE,
};

/** A neighbour state name. */
export type NeighState = 'incomplete' | 'reachable' | 'stale' | 'delay' | 'probe' | 'failed' | 'noarp' | 'permanent' | 'none';

/** ndm_state bits → the uppercase names `ip -j neigh` prints ('NONE' for 0). */
export function stateNames(state: number): string[] {
  if (state === 0) return ['NONE'];
  const out: string[] = [];
  for (const [name, bit] of Object.entries(NUD_STATES)) if (bit && state & bit) out.push(name.toUpperCase());
  return out;
}

/** ndm_flags (NTF_*) with the names `ip` prints. */
export const NEIGH_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [C.NTF_USE, 'use'],
  [C.NTF_SELF, 'self'],
  [C.NTF_MASTER, 'master'],
  [C.NTF_PROXY, 'proxy'],
  [C.NTF_EXT_LEARNED, 'extern_learn'],
  [C.NTF_OFFLOADED, 'offload'],
  [C.NTF_STICKY, 'sticky'],
  [C.NTF_ROUTER, 'router'],
];

/** ndm_flags → names. */
export function neighFlagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags === 0) return out;
  for (const [bit, name] of NEIGH_FLAGS) if (flags & bit) out.push(name);
  return out;
}

/** NDA_CACHEINFO: ages in clock ticks (USER_HZ) since confirmed/used/updated, and the refcount. */
export interface NeighCacheinfo {
  /** ndm_confirmed: clock ticks (1/100 s) since the entry was last confirmed (second of `ip -s neigh`'s "used A/B/C", in seconds). */
  confirmed: number;
  /** ndm_used: clock ticks (1/100 s) since the entry was last used (first of `ip -s neigh`'s "used A/B/C", in seconds). */
  used: number;
  /** ndm_updated: clock ticks (1/100 s) since the entry was last updated (third of `ip -s neigh`'s "used A/B/C", in seconds). */
  updated: number;
  /** ndm_refcnt: the entry's reference count, as the kernel reports it (`ip -s neigh` prints it as ref when non-zero). */
  refcnt: number;
}

const cacheinfoCodec: CustomCodec = {
  decode(ctx, off, len) {
    if (len < C.SIZEOF_NDA_CACHEINFO) return undefined;
    const v = ctx.view;
    return { confirmed: v.getUint32(off, HOST_LE), used: v.getUint32(off + 4, HOST_LE), updated: v.getUint32(off + 8, HOST_LE), refcnt: v.getUint32(off + 12, HOST_LE) } satisfies NeighCacheinfo;
  },
};

/** The NDA table. */
export const NDA: AttrTable = table('NDA', 'NDA_', [
  ['NDA_DST', ipCodec],
  ['NDA_LLADDR', 'mac'],
  ['NDA_CACHEINFO', cacheinfoCodec],
  ['NDA_PROBES', 'u32'],
  ['NDA_VLAN', 'u16'],
  ['NDA_PORT', 'be16'],
  ['NDA_VNI', 'u32'],
  ['NDA_IFINDEX', 'u32'],
  ['NDA_MASTER', 'u32'],
  ['NDA_LINK_NETNSID', 's32', 'netnsId'],
  ['NDA_SRC_VNI', 'u32'],
  ['NDA_PROTOCOL', 'u8'],
  ['NDA_NH_ID', 'u32'],
  ['NDA_FDB_EXT_ATTRS', 'binary'],
  ['NDA_FLAGS_EXT', 'u32'],
  ['NDA_NDM_STATE_MASK', 'u16'],
  ['NDA_NDM_FLAGS_MASK', 'u8'],
]);
