/**
 * geneve: Generic Network Virtualization Encapsulation (RFC 8926) over UDP, Cilium's
 * overlay. IFLA_INFO_DATA is IFLA_GENEVE_*; `id` (the VNI, 0..16777215) is required
 * unless the device is flow-based (`collectMetadata`, `ip … external`); `remote` takes
 * IPv4, `remote6` IPv6; `port` is the destination UDP port (a number; sent in network
 * order; the kernel's default is 6081); `df` by name. Needs CONFIG_GENEVE (absent on
 * some kernels → EOPNOTSUPP).
 *
 * Equivalent to: `ip link add NAME type geneve id VNI remote ADDR [dstport PORT] [ttl T] [external]`.
 *
 * Only what is given is sent, each attribute in the order `ip` 6.1 sends it; `ip` also
 * sends `label`, `ttl` and `tos` at 0 (and `id` 0 with `external`).
 * @module
 */
import { InvalidArgumentError, showValue } from '../../../netlink/index.js';
import { table, boolU8, enumCodec, ipCodec } from '../../table-helpers.js';
import { parseIp } from '../../ip.js';
import * as C from '../../constants.js';
import type { KindCodec } from './kind.js';
import { checkRange, dataOf } from './tunnel.js';

/** enum ifla_geneve_df by name, as `ip … df unset|set|inherit` takes them. */
export const GENEVE_DF = { unset: C.GENEVE_DF_UNSET, set: C.GENEVE_DF_SET, inherit: C.GENEVE_DF_INHERIT } as const;

/**
 * IFLA_GENEVE_* attributes, in the order `ip` 6.1 sends them. `remote` takes IPv4,
 * `remote6` IPv6 (one of them); `label` is the IPv6 flow label (0..0xfffff, IPv6
 * only); `ttlInherit` and `df` as `ip`'s `ttl inherit` and `df`; the checksum options
 * booleans.
 */
export const GENEVE_DATA = table('IFLA_GENEVE', 'IFLA_GENEVE_', [
  ['IFLA_GENEVE_TTL_INHERIT', boolU8],
  ['IFLA_GENEVE_DF', enumCodec(1, GENEVE_DF)],
  ['IFLA_GENEVE_ID', 'u32'],
  ['IFLA_GENEVE_REMOTE', ipCodec],
  ['IFLA_GENEVE_REMOTE6', ipCodec],
  ['IFLA_GENEVE_LABEL', 'be32'],
  ['IFLA_GENEVE_TTL', 'u8'],
  ['IFLA_GENEVE_TOS', 'u8'],
  ['IFLA_GENEVE_PORT', 'be16'],
  ['IFLA_GENEVE_COLLECT_METADATA', 'flag'],
  ['IFLA_GENEVE_UDP_CSUM', boolU8],
  ['IFLA_GENEVE_UDP_ZERO_CSUM6_TX', boolU8],
  ['IFLA_GENEVE_UDP_ZERO_CSUM6_RX', boolU8],
  ['IFLA_GENEVE_INNER_PROTO_INHERIT', 'flag'],
]);

/** Multicast (IPv4 224/4, IPv6 ff00::/8) or IPv6 link-local (fe80::/10): what geneve_nl2info refuses as a remote. */
function badRemote(a: { family: 4 | 6; bytes: Uint8Array }): string | undefined {
  if (a.family === 4) return (a.bytes[0]! & 0xf0) === 0xe0 ? 'multicast' : undefined;
  if (a.bytes[0] === 0xff) return 'multicast';
  return a.bytes[0] === 0xfe && (a.bytes[1]! & 0xc0) === 0x80 ? 'link-local' : undefined;
}

/** geneve: Ethernet frames in Geneve over UDP (`ip link add NAME type geneve id VNI remote ADDR`). */
export const geneve: KindCodec = {
  kind: 'geneve',
  noParent: true,
  ether: true,
  data: GENEVE_DATA,
  note: 'needs CONFIG_GENEVE',
  validate(spec) {
    const d = dataOf(spec) ?? {};
    const external = d['collectMetadata'] === true;
    const id = d['id'];
    if (id !== undefined || !external) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffff) {
        throw new InvalidArgumentError('data.id', `a geneve needs a VNI in 0..16777215 (or collectMetadata: true, \`external\`), got ${showValue(id)}`);
      }
    }
    for (const [k, fam] of [['remote', 4], ['remote6', 6]] as const) {
      const v = d[k];
      if (v === undefined) continue;
      const a = parseIp(v, `data.${k}`);
      if (a.family !== fam) throw new InvalidArgumentError(`data.${k}`, `'${String(v)}' is an IPv${a.family} address: use data.${fam === 4 ? 'remote6' : 'remote'}`);
      const bad = badRemote(a);
      if (bad) throw new InvalidArgumentError(`data.${k}`, `'${String(v)}' is ${bad}: the kernel takes a unicast remote only`);
    }
    if (d['remote'] !== undefined && d['remote6'] !== undefined) throw new InvalidArgumentError('data.remote6', 'a geneve has one remote: remote (IPv4) or remote6 (IPv6), not both');
    checkRange(d, 'ttl', 0, 255, 'ttl (0 with ttlInherit: inherit the inner packet\'s)');
    checkRange(d, 'tos', 0, 255, 'tos (1: inherit the inner packet\'s)');
    checkRange(d, 'port', 0, 0xffff, 'port (the destination UDP port)');
    checkRange(d, 'label', 0, 0xfffff, 'label (an IPv6 flow label)');
    // geneve_nl2info: "Label attribute only applies for IPv6 Geneve devices".
    if (typeof d['label'] === 'number' && d['label'] !== 0 && d['remote6'] === undefined) throw new InvalidArgumentError('data.label', 'a flow label needs an IPv6 remote (remote6): the kernel refuses it on an IPv4 geneve');
    // geneve_configure: a flow-based device takes no VNI, remote, ttl, tos, label or
    // checksum flag ("Device is externally controlled"); a remote6, even ::, sets the
    // UDP checksum flag (geneve_nl2info).
    if (external) {
      for (const k of ['id', 'remote', 'remote6', 'ttl', 'tos', 'label', 'udpCsum'] as const) {
        const v = d[k];
        if (v === undefined || v === 0 || v === false || (k === 'remote' && parseIp(v, 'data.remote').bytes.every((b) => b === 0))) continue;
        throw new InvalidArgumentError(`data.${k}`, `a geneve with collectMetadata (external) takes its VNI, remote, ttl, tos, flow label and checksum flag from each packet's metadata: the kernel refuses ${k} ${showValue(v)} here`);
      }
    }
  },
};
