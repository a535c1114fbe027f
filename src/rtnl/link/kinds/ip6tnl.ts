/**
 * ip6tnl: IPv6 or IPv4 packets tunnelled over IPv6 (RFC 2473). IFLA_INFO_DATA is
 * IFLA_IPTUN_* with the IPv6 tunnel fields: endpoints are IPv6 strings ('any' for
 * none), `proto` the inner protocol by the name `ip` gives the mode, `encapLimit`,
 * `flowinfo` (traffic class and flow label, as one number) and `flags` (the ip6 tunnel
 * flags by name). Needs CONFIG_IPV6_TUNNEL (absent on some kernels → EOPNOTSUPP).
 *
 * Equivalent to: `ip link add NAME type ip6tnl remote B local A [mode ip6ip6|ipip6|any] [hoplimit 64] [encaplimit 4]`.
 *
 * Only what is given is sent, each attribute in the order `ip` 6.1 sends it; `ip` also
 * sends `proto` ('any' unless a mode is named; also the kernel's default), `ttl` (64),
 * `encapLimit` (4), `flowinfo`, `flags`, `link`, `fwmark` and the encapsulation fields
 * (flags ['csum6']) at its defaults. `collectMetadata` (`external`) is the flow-based
 * device (`ip` then sends `proto` and it alone).
 * @module
 */
import { InvalidArgumentError } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { table, enumCodec } from '../../table-helpers.js';
import type { KindCodec } from './kind.js';
import { encapTypeCodec, encapFlagsCodec, endpointCodec, ip6FlagsCodec, checkEndpoints, checkRange, dataOf } from './tunnel.js';

/**
 * IFLA_IPTUN_PROTO of an ip6tnl by the name `ip` gives the mode: `mode ip6ip6` (IPv6
 * inside, IPPROTO_IPV6), `mode ipip6` (IPv4 inside, IPPROTO_IPIP), `mode any` (0).
 */
export const IP6TNL_PROTOS = { any: 0, ipip6: C.IPPROTO_IPIP, ip6ip6: C.IPPROTO_IPV6 } as const;

const v6 = endpointCodec(6);

/**
 * An ip6tnl's IFLA_IPTUN_* attributes: `local`/`remote` (IPv6 or 'any'), `proto`,
 * `ttl` (the hop limit; 0: inherit), `encapLimit`, `flowinfo` (the outer header's
 * traffic class << 20 | flow label), `flags` (IP6_TUNNEL_FLAGS names), `link` (the
 * underlay's ifindex), `fwmark`, `collectMetadata` and the fou/gue encapsulation.
 */
export const IP6TNL_DATA = table('IFLA_IPTUN', 'IFLA_IPTUN_', [
  ['IFLA_IPTUN_PROTO', enumCodec(1, IP6TNL_PROTOS)],
  ['IFLA_IPTUN_COLLECT_METADATA', 'flag'],
  ['IFLA_IPTUN_LOCAL', v6],
  ['IFLA_IPTUN_REMOTE', v6],
  ['IFLA_IPTUN_TTL', 'u8'],
  ['IFLA_IPTUN_ENCAP_LIMIT', 'u8'],
  ['IFLA_IPTUN_FLOWINFO', 'be32'],
  ['IFLA_IPTUN_FLAGS', ip6FlagsCodec],
  ['IFLA_IPTUN_LINK', 'u32'],
  ['IFLA_IPTUN_FWMARK', 'u32'],
  ['IFLA_IPTUN_ENCAP_TYPE', encapTypeCodec],
  ['IFLA_IPTUN_ENCAP_FLAGS', encapFlagsCodec],
  ['IFLA_IPTUN_ENCAP_SPORT', 'be16'],
  ['IFLA_IPTUN_ENCAP_DPORT', 'be16'],
]);

/** ip6tnl: IPv6 or IPv4 in IPv6 (`ip link add NAME type ip6tnl …`). */
export const ip6tnl: KindCodec = {
  kind: 'ip6tnl',
  // ip_tunnel reads the underlay from its own data (ip's `dev`) and ignores IFLA_LINK.
  parentInData: C.IFLA_IPTUN_LINK,
  ether: false,
  data: IP6TNL_DATA,
  note: 'needs CONFIG_IPV6_TUNNEL',
  validate(spec) {
    const d = dataOf(spec);
    if (!d) return;
    checkEndpoints('ip6tnl', d, ['local', 'remote'], 6, 'ipip and sit carry over IPv4');
    // ip6_tnl_validate takes IPPROTO_IPV6, IPPROTO_IPIP and 0 only (EINVAL).
    const p = d['proto'];
    if (typeof p === 'number' && !(Object.values(IP6TNL_PROTOS) as number[]).includes(p)) throw new InvalidArgumentError('data.proto', `an ip6tnl carries ip6ip6, ipip6 or any (the kernel refuses protocol ${p})`);
    checkRange(d, 'ttl', 0, 255, 'ttl (the hop limit; 0: inherit the inner packet\'s)');
    checkRange(d, 'encapLimit', 0, 255, 'encapLimit');
    checkRange(d, 'flowinfo', 0, 0x0fffffff, 'flowinfo (traffic class << 20 | flow label)');
    checkRange(d, 'encapSport', 0, 0xffff, 'encapSport (a UDP port; 0: chosen per flow)');
    checkRange(d, 'encapDport', 0, 0xffff, 'encapDport (a UDP port)');
    checkRange(d, 'fwmark', 0, 0xffffffff, 'fwmark');
    checkRange(d, 'link', 0, 0xffffffff, 'link (an ifindex)');
  },
};
