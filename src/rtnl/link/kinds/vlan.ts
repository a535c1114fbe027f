/**
 * vlan: 802.1Q/802.1ad sub-interfaces on a parent link (IFLA_LINK). IFLA_INFO_DATA is
 * IFLA_VLAN_*. Needs CONFIG_VLAN_8021Q (absent on some kernels → EOPNOTSUPP).
 *
 * Equivalent to: `ip link add NAME link PARENT type vlan id N [protocol 802.1ad]`.
 * @module
 */
import { InvalidArgumentError, showValue, type CustomCodec } from '../../../netlink/index.js';
import { table } from '../../table-helpers.js';
import type { KindCodec } from './kind.js';

/** VLAN protocols by name: ETH_P_8021Q and ETH_P_8021AD (network order on the wire). */
export const VLAN_PROTOCOLS = { '802.1Q': 0x8100, '802.1ad': 0x88a8 } as const;

/**
 * A VLAN protocol (__be16: IFLA_VLAN_PROTOCOL, a bridge's IFLA_BR_VLAN_PROTOCOL) by the name
 * `ip` takes and `ip -j -d` prints ('802.1Q', '802.1ad'), or its number; decoded by name (a
 * number the kernel sent that is neither, as it is). Any other is refused before sending:
 * the kernel takes these two only (vlan_validate: 'Invalid VLAN protocol'; the bridge's
 * br_vlan_set_proto: a bare EPROTONOSUPPORT, or nothing at all without VLAN filtering).
 */
export const vlanProtocolCodec: CustomCodec<keyof typeof VLAN_PROTOCOLS | number, keyof typeof VLAN_PROTOCOLS | number> = {
  decode(ctx, off, len) {
    if (len < 2) return undefined;
    const n = ctx.view.getUint16(off, false);
    for (const [k, v] of Object.entries(VLAN_PROTOCOLS)) if (v === n) return k as keyof typeof VLAN_PROTOCOLS;
    return n;
  },
  encode(w, type, value) {
    const n = typeof value === 'number' ? value : (VLAN_PROTOCOLS as Record<string, number>)[String(value)];
    if (n === undefined || (n !== VLAN_PROTOCOLS['802.1Q'] && n !== VLAN_PROTOCOLS['802.1ad'])) {
      // renamed to the option's key (data.protocol, data.vlanProtocol) by the table
      throw new InvalidArgumentError(`attribute ${type}`, `expected '802.1Q' (0x8100) or '802.1ad' (0x88a8), the VLAN protocols the kernel takes, got ${showValue(value)}`);
    }
    w.putBe16(type, n);
  },
};

/** IFLA_VLAN_* attributes (QoS maps kept raw). */
export const VLAN_DATA = table('IFLA_VLAN', 'IFLA_VLAN_', [
  ['IFLA_VLAN_ID', 'u16'],
  ['IFLA_VLAN_FLAGS', 'binary'],
  ['IFLA_VLAN_EGRESS_QOS', 'binary'],
  ['IFLA_VLAN_INGRESS_QOS', 'binary'],
  ['IFLA_VLAN_PROTOCOL', vlanProtocolCodec],
]);

export const vlan: KindCodec = {
  kind: 'vlan',
  ether: true,
  minMtu: 0, // vlan_setup clears dev->min_mtu
  data: VLAN_DATA,
  needsParent: true,
  note: 'needs CONFIG_VLAN_8021Q',
  validate(spec) {
    const id = (spec['data'] as Record<string, unknown> | undefined)?.['id'];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 4094) {
      throw new InvalidArgumentError('data.id', `a vlan needs an id in 0..4094, got ${showValue(id)}`);
    }
  },
};
