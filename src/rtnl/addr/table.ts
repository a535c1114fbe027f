/**
 * The IFA attribute table (struct ifaddrmsg + IFA_*), as data, and the address flag
 * names `ip` prints. The decoder in decode.ts reads the same attributes with a switch
 * (addresses are dumped by the thousand); this table names them in errors and
 * extended-ACK offsets.
 * @module
 */
import type { AttrTable, CustomCodec } from '../../netlink/index.js';
import { HOST_LE } from '../../netlink/index.js';
import * as C from '../constants.js';
import { ipCodec, table } from '../table-helpers.js';

/** Size of struct ifaddrmsg. */
export const IFADDRMSG_LEN = C.SIZEOF_IFADDRMSG;

/** Lifetime value meaning "forever" (INFINITY_LIFE_TIME). */
export const FOREVER = 0xffffffff;

/** IFA_CACHEINFO decoded: lifetimes in seconds, timestamps in hundredths of a second since boot. */
export interface AddrCacheinfo {
  /** ifa_prefered: preferred lifetime left, seconds (4294967295 = forever). */
  preferred: number;
  /** ifa_valid: valid lifetime left, seconds (4294967295 = forever). */
  valid: number;
  /** cstamp: when the address was created (1/100 s since boot). */
  created: number;
  /** tstamp: when it was last updated (1/100 s since boot). */
  updated: number;
}

/** IFA_CACHEINFO ↔ {@link AddrCacheinfo}. */
export const cacheinfoCodec: CustomCodec = {
  decode(ctx, off, len) {
    if (len < C.SIZEOF_IFA_CACHEINFO) return undefined;
    const v = ctx.view;
    return { preferred: v.getUint32(off, HOST_LE), valid: v.getUint32(off + 4, HOST_LE), created: v.getUint32(off + 8, HOST_LE), updated: v.getUint32(off + 12, HOST_LE) } satisfies AddrCacheinfo;
  },
};

/** The IFA table. */
export const IFA: AttrTable = table('IFA', 'IFA_', [
  ['IFA_ADDRESS', ipCodec],
  ['IFA_LOCAL', ipCodec],
  ['IFA_LABEL', 'strz'],
  ['IFA_BROADCAST', ipCodec],
  ['IFA_ANYCAST', ipCodec],
  ['IFA_CACHEINFO', cacheinfoCodec],
  ['IFA_MULTICAST', ipCodec],
  ['IFA_FLAGS', 'u32'],
  ['IFA_RT_PRIORITY', 'u32', 'metric'],
  ['IFA_TARGET_NETNSID', 's32'],
  ['IFA_PROTO', 'u8', 'protocol'],
]);

/**
 * Address flags in the order and with the names `ip` prints them (iproute2
 * ifa_flag_data). Bit 0 is 'secondary' for IPv4 and 'temporary' for IPv6; `ip` shows
 * a missing IFA_F_PERMANENT as "dynamic", nlkit lists 'permanent' when it is set.
 */
export const ADDR_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [C.IFA_F_SECONDARY, 'secondary'],
  [C.IFA_F_NODAD, 'nodad'],
  [C.IFA_F_OPTIMISTIC, 'optimistic'],
  [C.IFA_F_DADFAILED, 'dadfailed'],
  [C.IFA_F_HOMEADDRESS, 'home'],
  [C.IFA_F_DEPRECATED, 'deprecated'],
  [C.IFA_F_TENTATIVE, 'tentative'],
  [C.IFA_F_PERMANENT, 'permanent'],
  [C.IFA_F_MANAGETEMPADDR, 'mngtmpaddr'],
  [C.IFA_F_NOPREFIXROUTE, 'noprefixroute'],
  [C.IFA_F_MCAUTOJOIN, 'autojoin'],
  [C.IFA_F_STABLE_PRIVACY, 'stable-privacy'],
];

/** IFA_PROTO values (IFAPROT_*): who made the address. */
export const ADDR_PROTOCOLS: Readonly<Record<string, number>> = {
  unspec: C.IFAPROT_UNSPEC, kernel_lo: C.IFAPROT_KERNEL_LO, kernel_ra: C.IFAPROT_KERNEL_RA, kernel_ll: C.IFAPROT_KERNEL_LL,
};
