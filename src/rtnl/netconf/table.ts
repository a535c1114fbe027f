/**
 * The per-netns IP configuration messages (`ip netconf`): struct netconfmsg (one byte,
 * the family, padded to 4) and its NETCONFA_* attributes, keyed as `ip -j netconf show`
 * names its fields.
 * @module
 */
import { HOST_LE, type CustomCodec, type MessageWriter } from '../../netlink/index.js';
import * as C from '../constants.js';
import { boolU32, table } from '../table-helpers.js';

/** struct netconfmsg as it sits in a message: ncm_family, then padding to 4 (NLMSG_ALIGN). */
export const NETCONFMSG_LEN = (C.SIZEOF_NETCONFMSG + 3) & ~3;

/** AF_MPLS (<bits/socket.h>: PF_MPLS 28), the family of MPLS's netconf (`ip -M netconf`). */
export const AF_MPLS = 28;

/** What NETCONFA_IFINDEX names: a device's ifindex, or 'all' (NETCONFA_IFINDEX_ALL, conf/all) / 'default' (NETCONFA_IFINDEX_DEFAULT, conf/default). */
export type NetconfDev = number | 'all' | 'default';

/** NETCONFA_IFINDEX: an s32, -1 'all', -2 'default', else the ifindex (`ip -j`'s "interface", by name). */
const ifindexCodec: CustomCodec<NetconfDev, never> = {
  decode(ctx, off, len) {
    if (len < 4) return undefined;
    const i = ctx.view.getInt32(off, HOST_LE);
    return i === C.NETCONFA_IFINDEX_ALL ? 'all' : i === C.NETCONFA_IFINDEX_DEFAULT ? 'default' : i;
  },
};

/** NETCONFA_RP_FILTER as `ip netconf` prints it: 0 'off', 1 'strict', 2 'loose', another value as the number. */
export type RpFilter = 'off' | 'strict' | 'loose' | number;

const RP_FILTER_NAMES: readonly RpFilter[] = ['off', 'strict', 'loose'];

const rpFilterCodec: CustomCodec<RpFilter, never> = {
  decode(ctx, off, len) {
    if (len < 4) return undefined;
    const v = ctx.view.getInt32(off, HOST_LE);
    return RP_FILTER_NAMES[v] ?? v;
  },
};

/**
 * The NETCONFA table: NETCONFA_IFINDEX is `dev`, the rest the camelCase of their names
 * (`ip -j netconf show`'s "forwarding", "rp_filter", "mc_forwarding", "proxy_neigh",
 * "ignore_routes_with_linkdown", "input"; "bc_forwarding" is newer than iproute2 6.1),
 * each an int the kernel sends as a u32, shown on/off as `ip` shows it but rp_filter.
 */
export const NETCONFA = table('NETCONF', 'NETCONFA_', [
  ['NETCONFA_IFINDEX', ifindexCodec, 'dev'],
  ['NETCONFA_FORWARDING', boolU32],
  ['NETCONFA_RP_FILTER', rpFilterCodec],
  ['NETCONFA_MC_FORWARDING', boolU32],
  ['NETCONFA_PROXY_NEIGH', boolU32],
  ['NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN', boolU32],
  ['NETCONFA_INPUT', boolU32],
  ['NETCONFA_BC_FORWARDING', boolU32],
]);

/** Write a struct netconfmsg of `family` (AF_INET, AF_INET6, AF_MPLS, AF_UNSPEC), zero-padded to 4. */
export function putNetconfmsg(w: MessageWriter, family: number): void {
  const o = w.reserve(NETCONFMSG_LEN);
  w.buf[o] = family;
}
