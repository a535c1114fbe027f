/**
 * ip6gre and ip6gretap: GRE over IPv6, carrying IP packets (ip6gre) or Ethernet frames
 * (ip6gretap). IFLA_INFO_DATA is IFLA_GRE_* as for gre, with the IPv6 tunnel fields:
 * `encapLimit`, `flowinfo` (traffic class and flow label, as one number) and `flags`
 * (the ip6 tunnel flags by name) instead of `tos`, `pmtudisc` and `ignoreDf`. Endpoints
 * are IPv6 strings ('any' for none). Needs CONFIG_IPV6_GRE (absent on some kernels →
 * EOPNOTSUPP).
 *
 * Equivalent to: `ip link add NAME type ip6gre remote B local A key 5 [hoplimit 64] [encaplimit 4]`,
 * `ip link add NAME type ip6gretap remote B [external]`.
 *
 * Only what is given is sent, each attribute in the order `ip` 6.1 sends it; `ip` also
 * sends the keys, flags, `ttl` (64), `encapLimit` (4), `flowinfo`, `flags`, `fwmark`,
 * `erspanVer` (1) and the encapsulation fields (flags ['csum6']) at its defaults.
 * @module
 */
import { table, enumCodec } from '../../table-helpers.js';
import { IFLA_GRE_LINK } from '../../constants.js';
import type { KindCodec } from './kind.js';
import { encapTypeCodec, encapFlagsCodec, endpointCodec, ip6FlagsCodec, checkEndpoints, checkRange, checkTapRemote, dataOf } from './tunnel.js';
import { greKeyCodec, greFlagsCodec, checkGre, ERSPAN_DIRS } from './gre.js';

const v6 = endpointCodec(6);

/**
 * ip6gre's and ip6gretap's IFLA_GRE_* attributes: `local`/`remote` (IPv6 or 'any'),
 * `ikey`/`okey`, `iflags`/`oflags`, `ttl` (the hop limit; 0: inherit), `encapLimit`,
 * `flowinfo` (the outer header's traffic class << 20 | flow label), `flags`
 * (IP6_TUNNEL_FLAGS names), `link`, `fwmark`, the ERSPAN fields,
 * the fou/gue encapsulation and `collectMetadata`.
 */
export const IP6GRE_DATA = table('IFLA_GRE', 'IFLA_GRE_', [
  ['IFLA_GRE_IKEY', greKeyCodec],
  ['IFLA_GRE_OKEY', greKeyCodec],
  ['IFLA_GRE_IFLAGS', greFlagsCodec],
  ['IFLA_GRE_OFLAGS', greFlagsCodec],
  ['IFLA_GRE_LOCAL', v6],
  ['IFLA_GRE_REMOTE', v6],
  ['IFLA_GRE_LINK', 'u32'],
  ['IFLA_GRE_TTL', 'u8'],
  ['IFLA_GRE_ENCAP_LIMIT', 'u8'],
  ['IFLA_GRE_FLOWINFO', 'be32'],
  ['IFLA_GRE_FLAGS', ip6FlagsCodec],
  ['IFLA_GRE_FWMARK', 'u32'],
  ['IFLA_GRE_ERSPAN_VER', 'u8'],
  ['IFLA_GRE_ERSPAN_INDEX', 'u32'],
  ['IFLA_GRE_ERSPAN_DIR', enumCodec(1, ERSPAN_DIRS)],
  ['IFLA_GRE_ERSPAN_HWID', 'u16'],
  ['IFLA_GRE_ENCAP_TYPE', encapTypeCodec],
  ['IFLA_GRE_ENCAP_FLAGS', encapFlagsCodec],
  ['IFLA_GRE_ENCAP_SPORT', 'be16'],
  ['IFLA_GRE_ENCAP_DPORT', 'be16'],
  ['IFLA_GRE_COLLECT_METADATA', 'flag'],
]);

/** The checks of ip6gre and ip6gretap: IPv6 endpoints, the GRE rules, flowinfo. */
function checkGre6(kind: string, d: Record<string, unknown>): void {
  checkEndpoints(kind, d, ['local', 'remote'], 6, 'gre carries over IPv4');
  checkGre(kind, d);
  checkRange(d, 'encapLimit', 0, 255, 'encapLimit');
  // 8 bits of traffic class and 20 of flow label: the version nibble above them is not the tunnel's.
  checkRange(d, 'flowinfo', 0, 0x0fffffff, 'flowinfo (traffic class << 20 | flow label)');
}

/** ip6gre: IP packets in GRE over IPv6 (`ip link add NAME type ip6gre …`). */
export const ip6gre: KindCodec = {
  kind: 'ip6gre',
  // ip_tunnel reads the underlay from its own data (ip's `dev`) and ignores IFLA_LINK.
  parentInData: IFLA_GRE_LINK,
  ether: false,
  data: IP6GRE_DATA,
  note: 'needs CONFIG_IPV6_GRE',
  validate(spec) {
    const d = dataOf(spec);
    if (d) checkGre6('ip6gre', d);
  },
};

/** ip6gretap: Ethernet frames in GRE over IPv6 (`ip link add NAME type ip6gretap …`). */
export const ip6gretap: KindCodec = {
  kind: 'ip6gretap',
  // ip_tunnel reads the underlay from its own data (ip's `dev`) and ignores IFLA_LINK.
  parentInData: IFLA_GRE_LINK,
  ether: true,
  data: IP6GRE_DATA,
  note: 'needs CONFIG_IPV6_GRE',
  validate(spec) {
    const d = dataOf(spec);
    if (!d) return;
    checkGre6('ip6gretap', d);
    checkTapRemote('ip6gretap', d);
  },
};
