/**
 * vxlan: VXLAN tunnel endpoints. IFLA_INFO_DATA is IFLA_VXLAN_*; `id` (VNI) is
 * required unless `collectMetadata` (ip's `external`); addresses are strings; the
 * underlay (`link`, ip's `dev`) goes in IFLA_VXLAN_LINK; `port` is the destination UDP port (a number; sent in
 * network order) and `portRange` the source ports as `{ low, high }`.
 *
 * Equivalent to: `ip link add NAME type vxlan id VNI dstport 4789 local A remote B dev PARENT`.
 * @module
 */
import { InvalidArgumentError, showValue, type CustomCodec } from '../../../netlink/index.js';
import { table, boolU8, enumCodec, flagInU8Out, ipCodec } from '../../table-helpers.js';
import { parseIp } from '../../ip.js';
import { checkRange } from './tunnel.js';
import { IFLA_VXLAN_LINK, VXLAN_DF_INHERIT, VXLAN_DF_SET, VXLAN_DF_UNSET } from '../../constants.js';
import type { KindCodec } from './kind.js';

/**
 * The UDP source ports a vxlan picks from (struct ifla_vxlan_port_range: two __be16),
 * as `ip -j -d link show` prints port_range. `{ low: 0, high: 0 }` is the kernel's
 * default (the netns's local port range).
 *
 * Equivalent to: `ip link add … type vxlan … srcport LOW HIGH`.
 */
export interface VxlanPortRange {
  /** The lowest source port, 0..65535. */
  low: number;
  /** The highest source port, low..65535. */
  high: number;
}

/**
 * IFLA_VXLAN_PORT_RANGE as {@link VxlanPortRange} both ways: decoded to numbers (host
 * order), encoded from integers in 0..65535 with low <= high, which the kernel refuses
 * otherwise ('Invalid source port range'): refused here, before anything is sent.
 */
const portRangeCodec: CustomCodec<VxlanPortRange, Readonly<VxlanPortRange>> = {
  decode(ctx, off, len) {
    return len >= 4 ? { low: ctx.view.getUint16(off, false), high: ctx.view.getUint16(off + 2, false) } : undefined;
  },
  encode(w, type, value) {
    const arg = `attribute ${type}`; // renamed to the option's key (data.portRange) by the table
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      throw new InvalidArgumentError(arg, `expected { low, high } (source ports 0..65535), got ${showValue(value)}`);
    }
    const { low, high } = value as Record<string, unknown>;
    for (const [k, n] of [['low', low], ['high', high]] as const) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffff) throw new InvalidArgumentError(arg, `${k} must be a port in 0..65535, got ${showValue(n)}`);
    }
    if ((low as number) > (high as number)) throw new InvalidArgumentError(arg, `low ${String(low)} is above high ${String(high)} (the kernel refuses an inverted source port range)`);
    // Two __be16, low first: the same four bytes as one __be32 of (low << 16 | high).
    w.putBe32(type, ((low as number) * 0x10000 + (high as number)) >>> 0);
  },
};

/** IFLA_VXLAN_DF values (VXLAN_DF_*) by the names `ip link add … type vxlan df` takes and `ip -j -d` prints. */
export const VXLAN_DF = { unset: VXLAN_DF_UNSET, set: VXLAN_DF_SET, inherit: VXLAN_DF_INHERIT } as const;

/** IFLA_VXLAN_* attributes. `group`/`local` take IPv4, `group6`/`local6` IPv6. */
export const VXLAN_DATA = table('IFLA_VXLAN', 'IFLA_VXLAN_', [
  ['IFLA_VXLAN_ID', 'u32'],
  ['IFLA_VXLAN_GROUP', ipCodec],
  ['IFLA_VXLAN_LINK', 'u32'],
  ['IFLA_VXLAN_LOCAL', ipCodec],
  ['IFLA_VXLAN_TTL', 'u8'],
  ['IFLA_VXLAN_TOS', 'u8'],
  ['IFLA_VXLAN_LEARNING', boolU8],
  ['IFLA_VXLAN_AGEING', 'u32'],
  ['IFLA_VXLAN_LIMIT', 'u32'],
  ['IFLA_VXLAN_PORT_RANGE', portRangeCodec],
  ['IFLA_VXLAN_PROXY', boolU8],
  ['IFLA_VXLAN_RSC', boolU8],
  ['IFLA_VXLAN_L2MISS', boolU8],
  ['IFLA_VXLAN_L3MISS', boolU8],
  ['IFLA_VXLAN_PORT', 'be16'],
  ['IFLA_VXLAN_GROUP6', ipCodec],
  ['IFLA_VXLAN_LOCAL6', ipCodec],
  ['IFLA_VXLAN_UDP_CSUM', boolU8],
  ['IFLA_VXLAN_UDP_ZERO_CSUM6_TX', boolU8],
  ['IFLA_VXLAN_UDP_ZERO_CSUM6_RX', boolU8],
  ['IFLA_VXLAN_REMCSUM_TX', boolU8],
  ['IFLA_VXLAN_REMCSUM_RX', boolU8],
  ['IFLA_VXLAN_GBP', 'flag'],
  ['IFLA_VXLAN_REMCSUM_NOPARTIAL', 'flag'],
  ['IFLA_VXLAN_COLLECT_METADATA', boolU8],
  ['IFLA_VXLAN_LABEL', 'be32'],
  ['IFLA_VXLAN_GPE', 'flag'],
  // Set with a flag (the kernel's policy is NLA_FLAG), reported as a u8 0/1 (vxlan_fill_info).
  ['IFLA_VXLAN_TTL_INHERIT', flagInU8Out],
  // By name, as ip prints it ('unset', 'set', 'inherit'); a number is taken too.
  ['IFLA_VXLAN_DF', enumCodec(1, VXLAN_DF)],
  ['IFLA_VXLAN_VNIFILTER', boolU8],
]);

/**
 * What vxlan_nl2conf() refuses in a changelink whatever the value ('Cannot change port',
 * 'vxlan: cannot change PROXY flag', …): options fixed at creation. `id` is not among
 * them (the kernel refuses only a VNI other than the link's: 'Cannot change VNI'), nor
 * group/local (refused only when the address family differs).
 */
const VXLAN_FIXED: ReadonlyMap<string, string> = new Map([
  'limit', 'portRange', 'port', 'proxy', 'rsc', 'l2miss', 'l3miss', 'udpCsum', 'udpZeroCsum6Tx', 'udpZeroCsum6Rx',
  'remcsumTx', 'remcsumRx', 'gbp', 'gpe', 'remcsumNopartial', 'collectMetadata', 'ttlInherit', 'vnifilter',
].map((k) => [k, 'is fixed when a vxlan is created (its changelink refuses it whatever the value); delete and re-create the link to change it']));

/** The checks of a vxlan's data that hold for a create and a change alike. */
function checkVxlanData(d: Record<string, unknown>): void {
  // vxlan_nl2conf reads GROUP6 only without GROUP, LOCAL6 only without LOCAL: the other is dropped without a word.
  for (const [k, k6] of [['group', 'group6'], ['local', 'local6']] as const) {
    if (d[k] !== undefined && d[k6] !== undefined) throw new InvalidArgumentError(`data.${k6}`, `not both data.${k} and data.${k6}: a vxlan's ${k === 'group' ? 'remote (or group)' : 'local address'} is IPv4 or IPv6 (the kernel would keep data.${k} and drop data.${k6})`);
  }
  // vxlan_nl2conf masks the label to 20 bits without a word (ip refuses "invalid flowlabel").
  checkRange(d, 'label', 0, 0xfffff, 'label (an IPv6 flow label)');
  // IFLA_VXLAN_LOCAL/GROUP hold IPv4 only; IPv6 goes in LOCAL6/GROUP6.
  for (const [k, k6, fam] of [['local', 'local6', 4], ['group', 'group6', 4], ['local6', 'local', 6], ['group6', 'group', 6]] as const) {
    const v = d[k];
    if (v === undefined) continue;
    if (parseIp(v, `data.${k}`).family !== fam) throw new InvalidArgumentError(`data.${k}`, `'${String(v)}' is an IPv${fam === 4 ? 6 : 4} address: use data.${k6}`);
  }
}

export const vxlan: KindCodec = {
  kind: 'vxlan',
  ether: true,
  data: VXLAN_DATA,
  // The vxlan driver reads its underlay from IFLA_VXLAN_LINK only: IFLA_LINK would be dropped.
  parentInData: IFLA_VXLAN_LINK,
  validate(spec) {
    const d = (spec['data'] ?? {}) as Record<string, unknown>;
    const id = d['id'];
    // A flow-based vxlan (ip's `external`) takes its VNI from each packet's metadata: none needed.
    if (!(id === undefined && d['collectMetadata'] === true) && (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffff)) {
      throw new InvalidArgumentError('data.id', `a vxlan needs a VNI in 0..16777215 (or collectMetadata), got ${showValue(id)}`);
    }
    checkVxlanData(d);
  },
  validateChange: checkVxlanData,
  changeRefused: VXLAN_FIXED,
  changeNoMtu: true,
};
