/**
 * gre and gretap: GRE over IPv4, carrying IP packets (gre) or Ethernet frames (gretap).
 * IFLA_INFO_DATA is IFLA_GRE_*; endpoints are IPv4 strings ('any' for none), the keys
 * numbers (the 32-bit key `ip … key 42` sends; a dotted quad is taken too), the GRE
 * header flags `iflags`/`oflags` lists of names ('key', 'seq', 'csum'), the
 * encapsulation ports numbers (sent in network order). Needs CONFIG_NET_IPGRE (absent on
 * some kernels → EOPNOTSUPP).
 *
 * Equivalent to: `ip link add NAME type gre remote B local A ttl 64 key 42 [dev PHYS]`,
 * `ip link add NAME type gretap remote B [ikey K] [oseq] [icsum] [external]`.
 *
 * Only what is given is sent, each attribute in the order `ip` 6.1 sends it. A key
 * matters only with 'key' in the flags of its direction, so `ip … key 42` is `{ ikey: 42,
 * okey: 42, iflags: ['key'], oflags: ['key'] }` (a key without its flag is refused before
 * sending: the kernel would ignore it); `ip` also sends the keys, flags, `pmtudisc`,
 * `tos`, `ttl`, `fwmark` and the encapsulation fields at their defaults.
 * `collectMetadata` (`external`) is the flow-based device (`ip` then sends it alone).
 * @module
 */
import { InvalidArgumentError, showValue, type CustomCodec } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { table, boolU8, enumCodec, flagsCodec } from '../../table-helpers.js';
import type { KindCodec } from './kind.js';
import { encapTypeCodec, encapFlagsCodec, endpointCodec, checkEndpoints, checkRange, checkTapRemote, dataOf, aKind } from './tunnel.js';

/**
 * The GRE header flags of IFLA_GRE_IFLAGS/OFLAGS (a __be16) by name: what `ip` sets
 * with `[i|o]key`, `[i|o]seq`, `[i|o]csum` (and prints as ikey/iseq/icsum …). The
 * kernel refuses 'routing' and the version bits.
 */
export const GRE_FLAGS = { csum: C.GRE_CSUM, routing: C.GRE_ROUTING, key: C.GRE_KEY, seq: C.GRE_SEQ, strict: C.GRE_STRICT, ack: C.GRE_ACK } as const;

/** IFLA_GRE_ERSPAN_DIR by name (`erspan_dir ingress|egress`). */
export const ERSPAN_DIRS = { ingress: 0, egress: 1 } as const;

/** IFLA_GRE_IFLAGS/OFLAGS as names. */
export const greFlagsCodec = flagsCodec(2, true, GRE_FLAGS);

/**
 * IFLA_GRE_IKEY/OKEY (a __be32) as the number `ip … key N` takes (`ip tunnel show`
 * prints it so; `ip -d link show` prints its four bytes as a dotted quad); encoded from
 * a number in 0..4294967295 or a dotted quad ('0.0.0.42'), as `ip` takes either.
 */
export const greKeyCodec: CustomCodec<number, number | string> = {
  decode(ctx, off, len) {
    return len >= 4 ? ctx.view.getUint32(off, false) : undefined;
  },
  encode(w, type, value) {
    w.putBe32(type, parseGreKey(value, `attribute ${type}`));
  },
};

/** A GRE key as a number: a number in 0..4294967295 or a dotted quad. */
export function parseGreKey(v: unknown, arg: string): number {
  if (typeof v === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(v)) {
    const p = v.split('.').map(Number);
    if (p.every((x) => x <= 255)) return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(arg, `a GRE key is an integer in 0..4294967295 or a dotted quad, got ${showValue(v)}`);
  return v;
}

const v4 = endpointCodec(4);

/**
 * gre's and gretap's IFLA_GRE_* attributes: `local`/`remote` (IPv4 or 'any'),
 * `ikey`/`okey`, `iflags`/`oflags`, `ttl` (0: inherit), `tos` (1: inherit),
 * `pmtudisc`, `ignoreDf` (needs `pmtudisc: false`), `link` (the underlay's ifindex,
 * `dev PHYS`), `fwmark`, `collectMetadata`, the fou/gue encapsulation, and the ERSPAN
 * fields an erspan device reports.
 */
export const GRE_DATA = table('IFLA_GRE', 'IFLA_GRE_', [
  ['IFLA_GRE_IKEY', greKeyCodec],
  ['IFLA_GRE_OKEY', greKeyCodec],
  ['IFLA_GRE_IFLAGS', greFlagsCodec],
  ['IFLA_GRE_OFLAGS', greFlagsCodec],
  ['IFLA_GRE_LOCAL', v4],
  ['IFLA_GRE_REMOTE', v4],
  ['IFLA_GRE_PMTUDISC', boolU8],
  ['IFLA_GRE_IGNORE_DF', boolU8],
  ['IFLA_GRE_TOS', 'u8'],
  ['IFLA_GRE_LINK', 'u32'],
  ['IFLA_GRE_TTL', 'u8'],
  ['IFLA_GRE_FWMARK', 'u32'],
  ['IFLA_GRE_ERSPAN_INDEX', 'u32'],
  ['IFLA_GRE_ERSPAN_VER', 'u8'],
  ['IFLA_GRE_ERSPAN_DIR', enumCodec(1, ERSPAN_DIRS)],
  ['IFLA_GRE_ERSPAN_HWID', 'u16'],
  ['IFLA_GRE_ENCAP_TYPE', encapTypeCodec],
  ['IFLA_GRE_ENCAP_FLAGS', encapFlagsCodec],
  ['IFLA_GRE_ENCAP_SPORT', 'be16'],
  ['IFLA_GRE_ENCAP_DPORT', 'be16'],
  ['IFLA_GRE_COLLECT_METADATA', 'flag'],
]);

/**
 * The checks the GRE kinds share (ipgre_tunnel_validate and ip6gre_tunnel_validate
 * refuse the routing and version flags, and a flow-based device with an outer
 * encapsulation), with the keys' ranges and their flags. The family is the kind's.
 */
export function checkGre(kind: string, d: Record<string, unknown>): void {
  for (const dir of ['i', 'o'] as const) {
    const flags = d[`${dir}flags`];
    if (Array.isArray(flags)) {
      const bad = (flags as unknown[]).find((f) => f === 'routing' || (typeof f === 'string' && /^0x/i.test(f) && (Number(f) & (C.GRE_ROUTING | C.GRE_VERSION)) !== 0));
      if (bad !== undefined) throw new InvalidArgumentError(`data.${dir}flags`, `${showValue(bad)}: the kernel refuses GRE routing and version bits (EINVAL)`);
    }
    const key = d[`${dir}key`];
    if (key === undefined) continue;
    const n = parseGreKey(key, `data.${dir}key`);
    // The key flag by name, or within a hex flag word (what the decoder gives for bits it has no name for, sent back).
    const keyed = Array.isArray(flags) && (flags as unknown[]).some((f) => f === 'key' || (typeof f === 'string' && /^0x[0-9a-f]+$/i.test(f) && (Number(f) & C.GRE_KEY) !== 0));
    if (n !== 0 && !keyed) throw new InvalidArgumentError(`data.${dir}key`, `${dir}key ${showValue(key)} without 'key' in data.${dir}flags would go on no packet (the kernel ignores it): \`ip ... ${dir}key K\` sets both`);
  }
  checkRange(d, 'ttl', 0, 255, 'ttl (0: inherit the inner packet\'s)');
  checkRange(d, 'encapSport', 0, 0xffff, 'encapSport (a UDP port; 0: chosen per flow)');
  checkRange(d, 'encapDport', 0, 0xffff, 'encapDport (a UDP port)');
  checkRange(d, 'fwmark', 0, 0xffffffff, 'fwmark');
  checkRange(d, 'link', 0, 0xffffffff, 'link (an ifindex)');
  const encap = d['encapType'];
  if (d['collectMetadata'] === true && encap !== undefined && encap !== 'none' && encap !== 0) {
    throw new InvalidArgumentError('data.encapType', `${aKind(kind)} with collectMetadata (external) takes no outer encapsulation (the kernel refuses ${showValue(encap)} with EINVAL)`);
  }
}

/** The checks of gre and gretap: IPv4 endpoints, tos, DF. */
function checkGre4(kind: string, d: Record<string, unknown>): void {
  checkEndpoints(kind, d, ['local', 'remote'], 4, 'ip6gre carries over IPv6');
  checkGre(kind, d);
  checkRange(d, 'tos', 0, 255, 'tos (1: inherit the inner packet\'s)');
  // ipgre_netlink_parms: ignore-df on a tunnel that sets DF (pmtudisc, on when absent) is EINVAL.
  if (d['ignoreDf'] === true && d['pmtudisc'] !== false) throw new InvalidArgumentError('data.ignoreDf', 'ignoreDf needs pmtudisc: false (the kernel refuses to ignore DF on a tunnel that sets it; pmtudisc is on unless turned off)');
}

/** gre: IP packets in GRE over IPv4 (`ip link add NAME type gre …`). */
export const gre: KindCodec = {
  kind: 'gre',
  // ip_tunnel reads the underlay from its own data (ip's `dev`) and ignores IFLA_LINK.
  parentInData: C.IFLA_GRE_LINK,
  ether: false,
  data: GRE_DATA,
  note: 'needs CONFIG_NET_IPGRE',
  validate(spec) {
    const d = dataOf(spec);
    if (d) checkGre4('gre', d);
  },
};

/** gretap: Ethernet frames in GRE over IPv4 (`ip link add NAME type gretap …`). */
export const gretap: KindCodec = {
  kind: 'gretap',
  // ip_tunnel reads the underlay from its own data (ip's `dev`) and ignores IFLA_LINK.
  parentInData: C.IFLA_GRE_LINK,
  ether: true,
  data: GRE_DATA,
  note: 'needs CONFIG_NET_IPGRE',
  validate(spec) {
    const d = dataOf(spec);
    if (!d) return;
    checkGre4('gretap', d);
    checkTapRemote('gretap', d);
  },
};
