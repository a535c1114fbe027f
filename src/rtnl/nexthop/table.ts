/**
 * The NHA attribute table (struct nhmsg + NHA_*), as data, with its nests — a resilient
 * group's arguments (NHA_RES_GROUP_*) and the group statistics (NHA_GROUP_STATS_*) —
 * the group entry (struct nexthop_grp) and the group types `ip nexthop` names.
 * @module
 */
import { AttrTable, DecodeError, HOST_LE, type CustomCodec, type MessageWriter, type RawAttribute } from '../../netlink/index.js';
import * as C from '../constants.js';
import { USER_HZ } from '../route/decode.js';
import { boolU32, enumCodec, ipCodec, table } from '../table-helpers.js';

/** Size of struct nhmsg. */
export const NHMSG_LEN = C.SIZEOF_NHMSG;
/** Size of struct nexthop_grp (one group entry in NHA_GROUP). */
export const NEXTHOP_GRP_LEN = C.SIZEOF_NEXTHOP_GRP;

/** Nexthop group types (NEXTHOP_GRP_TYPE_*), by the names `ip nexthop add … type TYPE` takes. */
export const NEXTHOP_GROUP_TYPES = Object.freeze({ mpath: C.NEXTHOP_GRP_TYPE_MPATH, resilient: C.NEXTHOP_GRP_TYPE_RES } as const);

/** A group type: 'mpath' (hash-threshold, the default) or 'resilient' (hash buckets that move only when idle). */
export type NexthopGroupType = keyof typeof NEXTHOP_GROUP_TYPES;

/** The largest group weight: a 16-bit nexthop_grp weight less one (weight_high:weight), as the kernel keeps it in a u16. */
export const NEXTHOP_WEIGHT_MAX = 0xffff;

/** One member of a nexthop group (struct nexthop_grp). */
export interface NexthopGroupMember {
  /** The member nexthop's id (nexthop_grp.id; `ip -j -d nexthop`'s group[].id). */
  id: number;
  /**
   * Its weight, 1..65535: its share of the group's flows (nexthop_grp.weight + 1, with
   * weight_high as the high byte where the kernel marks it meaningful:
   * NHA_OP_FLAG_RESP_GRP_RESVD_0, Linux 6.12 and later). `ip -j` prints "weight" when it
   * is not 1.
   */
  weight: number;
}

/** A resilient group's arguments (NHA_RES_GROUP; `ip -j -d nexthop`'s "resilient_args"). */
export interface NexthopResilient {
  /** NHA_RES_GROUP_BUCKETS: the hash buckets the group's flows are spread over ("buckets"). */
  buckets: number;
  /**
   * NHA_RES_GROUP_IDLE_TIMER, in seconds (the kernel's clock ticks over USER_HZ): a bucket
   * unused this long may move to another member ("idle_timer").
   */
  idleTimer: number;
  /**
   * NHA_RES_GROUP_UNBALANCED_TIMER, in seconds: once the group has been unbalanced this
   * long, buckets move even when in use; 0 never forces them ("unbalanced_timer").
   */
  unbalancedTimer: number;
  /** NHA_RES_GROUP_UNBALANCED_TIME, in seconds: how long the group has been unbalanced, 0 when it is not ("unbalanced_time"). */
  unbalancedTime: number;
  /** NHA_RES_GROUP_* attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/** One member's counters (NHA_GROUP_STATS_ENTRY; `ip -s -j nexthop`'s "group_stats", iproute2 6.8 and later). */
export interface NexthopGroupStats {
  /** NHA_GROUP_STATS_ENTRY_ID: the member's id ("id"). */
  id: number;
  /** NHA_GROUP_STATS_ENTRY_PACKETS: packets the group sent through this member ("packets"). */
  packets: bigint;
  /** NHA_GROUP_STATS_ENTRY_PACKETS_HW: of them, those counted by hardware (asked with stats 'hw'; "packets_hw"). */
  packetsHw?: bigint;
  /** NHA_GROUP_STATS_ENTRY_* attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/** Nothing stored: attributes the kernel only reads (dump filters), pads, and NHA_OP_FLAGS (read by decodeNexthop). */
export const none: CustomCodec<never> = { decode: () => undefined };

/** A u32 of clock ticks (USER_HZ) as seconds: the resilient group's timers, as `ip` prints them. */
const secondsU32: CustomCodec<number> = {
  decode(ctx, off, len) {
    return len >= 4 ? ctx.view.getUint32(off, HOST_LE) / USER_HZ : undefined;
  },
};

/** A u64 of clock ticks (USER_HZ) as seconds (NHA_RES_GROUP_UNBALANCED_TIME, NHA_RES_BUCKET_IDLE_TIME). */
export const secondsU64: CustomCodec<number> = {
  decode(ctx, off, len) {
    return len >= 8 ? Number(ctx.view.getBigUint64(off, HOST_LE)) / USER_HZ : undefined;
  },
};

/** NLA_UINT: a u32 or a u64, as the kernel chose for the value (nla_put_uint). */
const uintCodec: CustomCodec<bigint> = {
  decode(ctx, off, len) {
    if (len === 4) return BigInt(ctx.view.getUint32(off, HOST_LE));
    return len >= 8 ? ctx.view.getBigUint64(off, HOST_LE) : undefined;
  },
};

/** The NHA_RES_GROUP nest. */
export const NHA_RES_GROUP = table('NHA_RES_GROUP', 'NHA_RES_GROUP_', [
  ['NHA_RES_GROUP_PAD', none, 'pad'],
  ['NHA_RES_GROUP_BUCKETS', 'u16'],
  ['NHA_RES_GROUP_IDLE_TIMER', secondsU32],
  ['NHA_RES_GROUP_UNBALANCED_TIMER', secondsU32],
  ['NHA_RES_GROUP_UNBALANCED_TIME', secondsU64],
]);

/** One NHA_GROUP_STATS_ENTRY nest. */
const NHA_GROUP_STATS_ENTRY = table('NHA_GROUP_STATS_ENTRY', 'NHA_GROUP_STATS_ENTRY_', [
  ['NHA_GROUP_STATS_ENTRY_ID', 'u32'],
  ['NHA_GROUP_STATS_ENTRY_PACKETS', uintCodec],
  ['NHA_GROUP_STATS_ENTRY_PACKETS_HW', uintCodec],
]);

/** The NHA_GROUP_STATS nest: an NHA_GROUP_STATS_ENTRY per member. */
export const NHA_GROUP_STATS = table('NHA_GROUP_STATS', 'NHA_GROUP_STATS_', [
  ['NHA_GROUP_STATS_ENTRY', NHA_GROUP_STATS_ENTRY, 'entry', true],
]);

/** NHA_RES_GROUP → {@link NexthopResilient} (`table`: the nest, for naming extended-ACK offsets). */
const resilientCodec: CustomCodec<NexthopResilient> & { table: AttrTable } = {
  table: NHA_RES_GROUP,
  decode(ctx, off, len) {
    const r: NexthopResilient = { buckets: 0, idleTimer: 0, unbalancedTimer: 0, unbalancedTime: 0 };
    NHA_RES_GROUP.decode(ctx.buf, ctx.view, off, off + len, ctx.path, r as unknown as Record<string, unknown>);
    return r;
  },
};

/** NHA_GROUP_STATS → the members' {@link NexthopGroupStats}, in the group's order. */
const groupStatsCodec: CustomCodec<NexthopGroupStats[]> & { table: AttrTable } = {
  table: NHA_GROUP_STATS,
  decode(ctx, off, len) {
    const o = NHA_GROUP_STATS.decode(ctx.buf, ctx.view, off, off + len, ctx.path) as { entry?: NexthopGroupStats[] };
    return o.entry ?? [];
  },
};

/**
 * NHA_GROUP: struct nexthop_grp entries → {@link NexthopGroupMember}s, the weight with
 * weight_high as its high byte (decodeNexthop drops that byte when the kernel does not
 * mark it meaningful).
 */
const groupCodec: CustomCodec<NexthopGroupMember[]> = {
  decode(ctx, off, len) {
    if (len % NEXTHOP_GRP_LEN !== 0) {
      throw new DecodeError('NHA_GROUP is not a whole number of struct nexthop_grp', ctx.path, off, (Math.floor(len / NEXTHOP_GRP_LEN) + 1) * NEXTHOP_GRP_LEN, len);
    }
    const out: NexthopGroupMember[] = [];
    const b = ctx.buf;
    for (let o = off; o < off + len; o += NEXTHOP_GRP_LEN) out.push({ id: ctx.view.getUint32(o, HOST_LE), weight: ((b[o + 5]! << 8) | b[o + 4]!) + 1 });
    return out;
  },
};

/**
 * The NHA table as a nexthop decodes it: keys as `ip -j -d nexthop` names the fields,
 * camelCased (NHA_OIF is `dev`, NHA_RES_GROUP `resilient`, NHA_GROUP_TYPE `groupType`,
 * NHA_HW_STATS_ENABLE `hwStats`). NHA_GROUPS and NHA_MASTER are dump filters the kernel
 * only reads; NHA_OP_FLAGS is read by decodeNexthop (the group weights' high byte).
 */
export const NHA: AttrTable = table('NHA', 'NHA_', [
  ['NHA_ID', 'u32'],
  ['NHA_GROUP', groupCodec, 'group'],
  ['NHA_GROUP_TYPE', enumCodec(2, NEXTHOP_GROUP_TYPES), 'groupType'],
  ['NHA_BLACKHOLE', 'flag'],
  ['NHA_OIF', 'u32', 'dev'],
  ['NHA_GATEWAY', ipCodec],
  ['NHA_ENCAP_TYPE', 'u16'],
  ['NHA_ENCAP', 'binary'],
  ['NHA_GROUPS', none, 'groups'],
  ['NHA_MASTER', none, 'master'],
  ['NHA_FDB', 'flag'],
  ['NHA_RES_GROUP', resilientCodec, 'resilient'],
  ['NHA_OP_FLAGS', none, 'opFlags'],
  ['NHA_GROUP_STATS', groupStatsCodec, 'groupStats'],
  ['NHA_HW_STATS_ENABLE', boolU32, 'hwStats'],
  ['NHA_HW_STATS_USED', boolU32, 'hwStatsUsed'],
]);

/** Write struct nhmsg at the writer's cursor. */
export function putNhmsg(w: MessageWriter, family: number, protocol: number, flags: number): void {
  const o = w.reserve(NHMSG_LEN);
  w.buf[o] = family;
  w.buf[o + 2] = protocol;
  w.view.setUint32(o + 4, flags >>> 0, HOST_LE);
}
