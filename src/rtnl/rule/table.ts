/**
 * The FRA attribute table (struct fib_rule_hdr + FRA_*), as data, and the rule action
 * and flag names `ip rule` prints.
 * @module
 */
import { HOST_LE, type AttrTable, type CustomCodec } from '../../netlink/index.js';
import * as C from '../constants.js';
import { table } from '../table-helpers.js';

/** Size of struct fib_rule_hdr. */
export const FIB_RULE_HDR_LEN = C.SIZEOF_FIB_RULE_HDR;

/** Rule actions (FR_ACT_*), by `ip rule`'s keywords. */
export const RULE_ACTIONS: Readonly<Record<string, number>> = {
  lookup: C.FR_ACT_TO_TBL, goto: C.FR_ACT_GOTO, nop: C.FR_ACT_NOP,
  blackhole: C.FR_ACT_BLACKHOLE, unreachable: C.FR_ACT_UNREACHABLE, prohibit: C.FR_ACT_PROHIBIT,
};

/** A rule action name. */
export type RuleAction = 'lookup' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

/** Rule flags (FIB_RULE_*) with names. */
export const RULE_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [C.FIB_RULE_PERMANENT, 'permanent'],
  [C.FIB_RULE_INVERT, 'not'],
  [C.FIB_RULE_UNRESOLVED, 'unresolved'],
  [C.FIB_RULE_IIF_DETACHED, 'iif_detached'],
  [C.FIB_RULE_OIF_DETACHED, 'oif_detached'],
];

/** A start..end range (uids, ports). */
export interface Range {
  /** First value of the range, inclusive. */
  start: number;
  /** Last value of the range, inclusive (equal to `start` for a single value). */
  end: number;
}

const uidRangeCodec: CustomCodec = {
  decode(ctx, off, len) {
    return len >= C.SIZEOF_FIB_RULE_UID_RANGE ? ({ start: ctx.view.getUint32(off, HOST_LE), end: ctx.view.getUint32(off + 4, HOST_LE) } satisfies Range) : undefined;
  },
};

const portRangeCodec: CustomCodec = {
  decode(ctx, off, len) {
    return len >= C.SIZEOF_FIB_RULE_PORT_RANGE ? ({ start: ctx.view.getUint16(off, HOST_LE), end: ctx.view.getUint16(off + 2, HOST_LE) } satisfies Range) : undefined;
  },
};

/** FRA_TUN_ID: a big-endian u64. */
const be64Codec: CustomCodec = {
  decode(ctx, off, len) {
    return len >= 8 ? ctx.view.getBigUint64(off, false) : undefined;
  },
};

/** A u32 where 0xffffffff (-1) means "not set" (FRA_SUPPRESS_PREFIXLEN, FRA_SUPPRESS_IFGROUP): stored only when set. */
const optionalU32: CustomCodec = {
  decode(ctx, off, len) {
    if (len < 4) return undefined;
    const v = ctx.view.getUint32(off, HOST_LE);
    return v === 0xffffffff ? undefined : v;
  },
};

/** FRA_DST / FRA_SRC: raw address here; decode.ts formats them with the header's prefix lengths. */
const addrBytes: CustomCodec = {
  decode(ctx, off, len) {
    return ctx.buf.subarray(off, off + len);
  },
};

/** The FRA table. */
export const FRA: AttrTable = table('FRA', 'FRA_', [
  ['FRA_DST', addrBytes, 'toBytes'],
  ['FRA_SRC', addrBytes, 'fromBytes'],
  ['FRA_IIFNAME', 'strz', 'iif'],
  ['FRA_GOTO', 'u32', 'goto'],
  ['FRA_PRIORITY', 'u32'],
  ['FRA_FWMARK', 'u32'],
  ['FRA_FLOW', 'u32'],
  ['FRA_TUN_ID', be64Codec],
  ['FRA_SUPPRESS_IFGROUP', optionalU32],
  ['FRA_SUPPRESS_PREFIXLEN', optionalU32],
  ['FRA_TABLE', 'u32', 'tableId'],
  ['FRA_FWMASK', 'u32'],
  ['FRA_OIFNAME', 'strz', 'oif'],
  ['FRA_PAD', { decode: () => undefined }, 'pad'],
  ['FRA_L3MDEV', 'u8'],
  ['FRA_UID_RANGE', uidRangeCodec],
  ['FRA_PROTOCOL', 'u8'],
  ['FRA_IP_PROTO', 'u8'],
  ['FRA_SPORT_RANGE', portRangeCodec, 'sport'],
  ['FRA_DPORT_RANGE', portRangeCodec, 'dport'],
  // Newer than this machine's headers (see scripts/gen-constants.py).
  ['FRA_DSCP', 'u8', 'dscp'],
  ['FRA_FLOWLABEL', 'be32', 'flowlabel'],
  ['FRA_FLOWLABEL_MASK', 'be32', 'flowlabelMask'],
  ['FRA_SPORT_MASK', 'u16', 'sportMask'],
  ['FRA_DPORT_MASK', 'u16', 'dportMask'],
  ['FRA_DSCP_MASK', 'u8', 'dscpMask'],
]);
