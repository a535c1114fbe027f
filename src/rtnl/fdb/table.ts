/**
 * The bridge forwarding database's view of the NDA attributes (struct ndmsg with
 * family AF_BRIDGE + NDA_*), keyed as `bridge -j fdb show` names its fields, and the
 * FDB state and flag names `bridge` prints.
 * @module
 */
import * as C from '../constants.js';
import { ipCodec, table } from '../table-helpers.js';
import { NDA, type NeighCacheinfo } from '../neigh/table.js';
import type { CustomCodec } from '../../netlink/index.js';

/** NDA_CACHEINFO's codec, the neighbour table's own. */
const CACHEINFO = NDA.byType[C.NDA_CACHEINFO]!.codec as CustomCodec<NeighCacheinfo>;

/**
 * The NDA table as an FDB entry decodes it: NDA_LLADDR is `mac`, NDA_IFINDEX `via`,
 * NDA_NH_ID `nhid`, NDA_LINK_NETNSID `linkNetnsId` (bridge's "viaIf", "nhid",
 * "linkNetNsId"); the numbers are NDA's (see {@link NDA}).
 */
export const FDB_NDA = table('FDB', 'NDA_', [
  ['NDA_DST', ipCodec],
  ['NDA_LLADDR', 'mac', 'mac'],
  ['NDA_CACHEINFO', CACHEINFO, 'cacheinfo'],
  ['NDA_VLAN', 'u16'],
  ['NDA_PORT', 'be16'],
  ['NDA_VNI', 'u32'],
  ['NDA_IFINDEX', 'u32', 'via'],
  ['NDA_MASTER', 'u32'],
  ['NDA_LINK_NETNSID', 's32', 'linkNetnsId'],
  ['NDA_SRC_VNI', 'u32'],
  ['NDA_PROTOCOL', 'u8'],
  ['NDA_NH_ID', 'u32', 'nhid'],
  ['NDA_FDB_EXT_ATTRS', 'binary'],
  ['NDA_FLAGS_EXT', 'u32'],
]);

/** What `rt.fdb.add` takes as `state`, as `bridge fdb add` names it. */
export type FdbState = 'permanent' | 'static' | 'reachable';

/**
 * ndm_state as `bridge fdb add` sends it for each state word (bridge/fdb.c starts from
 * NUD_NOARP): 'permanent' (`local`, the default) NUD_NOARP|NUD_PERMANENT, 'static'
 * NUD_NOARP|NUD_REACHABLE, 'reachable' (`dynamic`) NUD_REACHABLE. The bridge reads the
 * PERMANENT bit as a local entry, else NOARP as static, else a dynamic (ageing) one.
 */
export const FDB_STATES: Readonly<Record<FdbState, number>> = {
  permanent: C.NUD_NOARP | C.NUD_PERMANENT,
  static: C.NUD_NOARP | C.NUD_REACHABLE,
  reachable: C.NUD_REACHABLE,
};

/**
 * ndm_state as `bridge fdb show` names it: 'permanent' (NUD_PERMANENT: a local entry),
 * 'static' (NUD_NOARP), 'stale' (NUD_STALE), 'reachable' (NUD_REACHABLE: a learned or
 * dynamic entry, which `bridge` prints as "" in JSON and nothing in text), else the
 * number in hex ('0x10'), as `bridge -j` prints it.
 */
export function fdbStateName(s: number): string {
  if (s & C.NUD_PERMANENT) return 'permanent';
  if (s & C.NUD_NOARP) return 'static';
  if (s & C.NUD_STALE) return 'stale';
  if (s & C.NUD_REACHABLE) return 'reachable';
  return `0x${s.toString(16)}`;
}

/** ndm_flags (NTF_*) of an FDB entry, in the order and with the names `bridge -j fdb show` prints them. */
export const FDB_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [C.NTF_SELF, 'self'],
  [C.NTF_ROUTER, 'router'],
  [C.NTF_EXT_LEARNED, 'extern_learn'],
  [C.NTF_OFFLOADED, 'offload'],
  [C.NTF_MASTER, 'master'],
  [C.NTF_STICKY, 'sticky'],
];

/** ndm_flags → names. */
export function fdbFlagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags === 0) return out;
  for (const [bit, name] of FDB_FLAGS) if (flags & bit) out.push(name);
  return out;
}
