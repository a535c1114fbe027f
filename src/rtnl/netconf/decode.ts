/**
 * RTM_NEWNETCONF / RTM_DELNETCONF message → {@link Netconf}: the fields
 * `ip -j netconf show` prints, as plain values. Unknown attributes are kept raw.
 * @module
 */
import { DecodeError, NLMSG_HDRLEN, type RawAttribute } from '../../netlink/index.js';
import * as C from '../constants.js';
import { AF_INET, AF_INET6 } from '../ip.js';
import { AF_MPLS, NETCONFA, NETCONFMSG_LEN, type NetconfDev, type RpFilter } from './table.js';

/**
 * One set of IP configuration switches of a netns: a device's, or the netns's 'all' or
 * 'default' ones (/proc/sys/net/ipv4/conf/DEV/…, …/ipv6/conf/DEV/…). What the kernel
 * sends for a get or a dump has every field of its family; an event (`rt.monitor(['netconf'])`)
 * has `dev` and the fields that changed only (see MonitorObjects.netconf).
 */
export interface Netconf {
  /** 4 (AF_INET), 6 (AF_INET6) or 'mpls' (AF_MPLS): `ip -j`'s "family" inet, inet6, mpls. */
  family: 4 | 6 | 'mpls';
  /** The device's ifindex, or 'all' / 'default' (NETCONFA_IFINDEX; `ip -j`'s "interface", by name). */
  dev: NetconfDev;
  /** `forwarding` (NETCONFA_FORWARDING; "forwarding"). */
  forwarding?: boolean;
  /** IPv4 `rp_filter` (NETCONFA_RP_FILTER; "rp_filter"): 'off', 'strict', 'loose', or the number the sysctl holds beyond 2. */
  rpFilter?: RpFilter;
  /** `mc_forwarding`, set while a multicast routing daemon runs (NETCONFA_MC_FORWARDING; "mc_forwarding"). */
  mcForwarding?: boolean;
  /** IPv4 `proxy_arp`, IPv6 `proxy_ndp` (NETCONFA_PROXY_NEIGH; "proxy_neigh"). */
  proxyNeigh?: boolean;
  /** `ignore_routes_with_linkdown` (NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN; "ignore_routes_with_linkdown"). */
  ignoreRoutesWithLinkdown?: boolean;
  /** MPLS `input`: the device accepts labelled packets (NETCONFA_INPUT; "input"). */
  input?: boolean;
  /** IPv4 `bc_forwarding`: directed broadcasts are forwarded (NETCONFA_BC_FORWARDING; newer than iproute2 6.1, which does not print it). */
  bcForwarding?: boolean;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/** The path of this message's attributes in errors (one frozen array: the table caches child paths by it). */
const PATH: readonly string[] = Object.freeze(['RTM_NEWNETCONF']);

/**
 * Decode the RTM_NEWNETCONF/RTM_DELNETCONF message at `off` (nlmsghdr included) of length
 * `len`, or undefined for a family other than IPv4, IPv6 and MPLS. Nothing in the result
 * refers to `buf`.
 * @throws DecodeError for a message shorter than its netconfmsg, a malformed attribute,
 *   or one without NETCONFA_IFINDEX (every kernel sends it).
 */
export function decodeNetconf(buf: Buffer, view: DataView, off: number, len: number): Netconf | undefined {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + C.SIZEOF_NETCONFMSG) throw new DecodeError('RTM_NEWNETCONF shorter than netconfmsg', PATH, off, NLMSG_HDRLEN + C.SIZEOF_NETCONFMSG, len);
  const af = buf[h]!;
  const family = af === AF_INET ? 4 : af === AF_INET6 ? 6 : af === AF_MPLS ? 'mpls' : undefined;
  if (family === undefined) return undefined;
  const n = { family } as Netconf;
  NETCONFA.decode(buf, view, h + NETCONFMSG_LEN, off + len, PATH, n as unknown as Record<string, unknown>);
  if (n.dev === undefined) throw new DecodeError('RTM_NEWNETCONF without NETCONFA_IFINDEX', PATH, off, NLMSG_HDRLEN + NETCONFMSG_LEN + 8, len);
  return n;
}
