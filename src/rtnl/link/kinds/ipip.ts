/**
 * ipip and sit: IPv4 tunnels (Calico's IP-in-IP overlay is an ipip device; sit carries
 * IPv6, or IPv4 and MPLS in 'any' mode, over IPv4). IFLA_INFO_DATA is IFLA_IPTUN_*;
 * endpoints are IPv4 strings ('any' for none), `proto` the inner protocol by the name
 * `ip` gives its mode, `pmtudisc` a boolean, the encapsulation ports numbers (sent in
 * network order). Needs CONFIG_NET_IPIP / CONFIG_IPV6_SIT (absent on some kernels →
 * EOPNOTSUPP).
 *
 * Equivalent to: `ip link add NAME type ipip remote B local A ttl 64 [dev PHYS] [mode any]`,
 * `ip link add NAME type sit remote B local A [mode ip6ip] [isatap] [6rd-prefix P]`.
 *
 * Only what is given is sent, each attribute in the order `ip` 6.1 sends it. `ip` sends
 * more than it is given: `proto` 'any' unless a mode is named (the kernel's own default
 * is 'ipip' for an ipip, 'ip6ip' for a sit), and `pmtudisc`, `ttl`, `tos`, `link`,
 * `fwmark` and the encapsulation fields at their defaults; give those for its exact
 * request. `collectMetadata` (`external`) is the flow-based device whose endpoints come
 * from the route or BPF program (`ip` then sends `proto` and it alone).
 * @module
 */
import { InvalidArgumentError, showValue } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { table, enumCodec, boolU8, flagsCodec, ipCodec } from '../../table-helpers.js';
import { hasHostBits, parseIp } from '../../ip.js';
import type { KindCodec } from './kind.js';
import { encapTypeCodec, encapFlagsCodec, endpointCodec, checkEndpoints, checkRange, dataOf, aKind } from './tunnel.js';

/**
 * IFLA_IPTUN_PROTO of an ipip or sit by the name `ip` gives the mode (`mode ipip`,
 * `mode ip6ip`, `mode mplsip`, `mode any`): the inner protocol, IPPROTO_IPIP,
 * IPPROTO_IPV6, IPPROTO_MPLS or 0 for any of them. An ipip takes ipip, mplsip and any.
 */
export const IPIP_PROTOS = { any: 0, ipip: C.IPPROTO_IPIP, ip6ip: C.IPPROTO_IPV6, mplsip: C.IPPROTO_MPLS } as const;

/** A sit's IFLA_IPTUN_FLAGS (u16): SIT_ISATAP (`isatap`). */
export const SIT_FLAGS = { isatap: C.SIT_ISATAP } as const;

const v4 = endpointCodec(4);

/** The rows ipip and sit share, in the order `ip` 6.1 sends them. */
const IPTUN_ROWS = [
  ['IFLA_IPTUN_PROTO', enumCodec(1, IPIP_PROTOS)],
  ['IFLA_IPTUN_COLLECT_METADATA', 'flag'],
  ['IFLA_IPTUN_LOCAL', v4],
  ['IFLA_IPTUN_REMOTE', v4],
  ['IFLA_IPTUN_PMTUDISC', boolU8],
  ['IFLA_IPTUN_TOS', 'u8'],
  ['IFLA_IPTUN_TTL', 'u8'],
  ['IFLA_IPTUN_LINK', 'u32'],
  ['IFLA_IPTUN_FWMARK', 'u32'],
  ['IFLA_IPTUN_ENCAP_TYPE', encapTypeCodec],
  ['IFLA_IPTUN_ENCAP_FLAGS', encapFlagsCodec],
  ['IFLA_IPTUN_ENCAP_SPORT', 'be16'],
  ['IFLA_IPTUN_ENCAP_DPORT', 'be16'],
] as const;

/**
 * An ipip's IFLA_IPTUN_* attributes: `local`/`remote` (IPv4 or 'any'), `ttl` (0:
 * inherit), `tos` (1: inherit), `pmtudisc`, `link` (the underlay's ifindex, `dev
 * PHYS`), `fwmark`, `proto`, `collectMetadata` and the fou/gue encapsulation.
 */
export const IPIP_DATA = table('IFLA_IPTUN', 'IFLA_IPTUN_', IPTUN_ROWS);

/**
 * A sit's IFLA_IPTUN_* attributes: an ipip's, `flags` (['isatap']) and the 6rd prefix
 * (`6rdPrefix` IPv6 with `6rdPrefixlen`, `6rdRelayPrefix` IPv4 with
 * `6rdRelayPrefixlen`; `ip … 6rd-prefix 2001:db8::/32 6rd-relay_prefix 10.0.0.0/8`).
 */
export const SIT_DATA = table('IFLA_IPTUN', 'IFLA_IPTUN_', [
  ...IPTUN_ROWS,
  ['IFLA_IPTUN_FLAGS', flagsCodec(2, false, SIT_FLAGS)],
  ['IFLA_IPTUN_6RD_PREFIX', ipCodec],
  ['IFLA_IPTUN_6RD_PREFIXLEN', 'u16'],
  ['IFLA_IPTUN_6RD_RELAY_PREFIX', ipCodec],
  ['IFLA_IPTUN_6RD_RELAY_PREFIXLEN', 'u16'],
] as const);

/** The checks ipip and sit share: IPv4 endpoints, ranges. */
function checkIptun(kind: string, d: Record<string, unknown>): void {
  checkEndpoints(kind, d, ['local', 'remote'], 4, 'ip6tnl carries over IPv6');
  checkRange(d, 'ttl', 0, 255, 'ttl (0: inherit the inner packet\'s)');
  checkRange(d, 'tos', 0, 255, 'tos (1: inherit the inner packet\'s)');
  checkRange(d, 'encapSport', 0, 0xffff, 'encapSport (a UDP port; 0: chosen per flow)');
  checkRange(d, 'encapDport', 0, 0xffff, 'encapDport (a UDP port)');
  checkRange(d, 'fwmark', 0, 0xffffffff, 'fwmark');
  checkRange(d, 'link', 0, 0xffffffff, 'link (an ifindex)');
}

/** `proto` (a name or a number) among the protocols the kernel takes for `kind`. */
function checkProto(kind: string, d: Record<string, unknown>, allowed: readonly number[]): void {
  const p = d['proto'];
  if (p === undefined) return;
  const n = typeof p === 'string' ? (IPIP_PROTOS as Record<string, number | undefined>)[p] : p;
  if (typeof n === 'number' && allowed.includes(n)) return;
  const names = Object.entries(IPIP_PROTOS).filter(([, v]) => allowed.includes(v)).map(([k]) => k);
  throw new InvalidArgumentError('data.proto', `${aKind(kind)} carries ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]!} (the kernel refuses ${showValue(p)})`);
}

/** ipip: IPv4 in IPv4 (`ip link add NAME type ipip …`). */
export const ipip: KindCodec = {
  kind: 'ipip',
  // ip_tunnel reads the underlay from its own data (ip's `dev`) and ignores IFLA_LINK.
  parentInData: C.IFLA_IPTUN_LINK,
  ether: false,
  data: IPIP_DATA,
  note: 'needs CONFIG_NET_IPIP',
  validate(spec) {
    const d = dataOf(spec);
    if (!d) return;
    checkIptun('ipip', d);
    // ipip_tunnel_validate takes IPPROTO_IPIP, IPPROTO_MPLS and 0 only (EINVAL).
    checkProto('ipip', d, [IPIP_PROTOS.any, IPIP_PROTOS.ipip, IPIP_PROTOS.mplsip]);
  },
};

/** sit: IPv6 (or IPv4, MPLS) in IPv4 (`ip link add NAME type sit …`). */
export const sit: KindCodec = {
  kind: 'sit',
  // ip_tunnel reads the underlay from its own data (ip's `dev`) and ignores IFLA_LINK.
  parentInData: C.IFLA_IPTUN_LINK,
  ether: false,
  data: SIT_DATA,
  note: 'needs CONFIG_IPV6_SIT',
  validate(spec) {
    const d = dataOf(spec);
    if (!d) return;
    checkIptun('sit', d);
    // ipip6_valid_ip_proto: IPPROTO_IPV6, IPPROTO_IPIP, IPPROTO_MPLS or 0.
    checkProto('sit', d, Object.values(IPIP_PROTOS));
    // The 6rd prefixes and their lengths as ipip6_tunnel_update_6rd checks them (EINVAL).
    checkRange(d, '6rdPrefixlen', 0, 128, '6rdPrefixlen');
    checkRange(d, '6rdRelayPrefixlen', 0, 32, '6rdRelayPrefixlen');
    const plen = (d['6rdPrefixlen'] as number | undefined) ?? 0;
    const rlen = (d['6rdRelayPrefixlen'] as number | undefined) ?? 0;
    if (plen + (32 - rlen) > 64) throw new InvalidArgumentError('data.6rdPrefixlen', `a 6rd prefix of /${plen} with a relay prefix of /${rlen} leaves ${plen + 32 - rlen} bits before the interface id: the kernel takes at most 64`);
    for (const [k, fam, len] of [['6rdPrefix', 6, plen], ['6rdRelayPrefix', 4, rlen]] as const) {
      const v = d[k];
      if (v === undefined) continue;
      const a = parseIp(v, `data.${k}`);
      if (a.family !== fam) throw new InvalidArgumentError(`data.${k}`, `the 6rd ${k === '6rdPrefix' ? 'prefix' : 'relay prefix'} is IPv${fam}, got ${showValue(v)}`);
      if (hasHostBits({ ...a, prefixLen: len })) throw new InvalidArgumentError(`data.${k}`, `${showValue(v)} has bits set past its length /${len} (data.${k}len): the kernel refuses it`);
    }
  },
};
