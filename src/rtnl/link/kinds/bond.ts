/**
 * bond (basic options): IFLA_INFO_DATA is IFLA_BOND_*. Needs CONFIG_BONDING (absent
 * on some kernels → EOPNOTSUPP).
 *
 * Equivalent to: `ip link add NAME type bond mode 802.3ad miimon 100`.
 * @module
 */
import { table, enumCodec } from '../../table-helpers.js';
import type { KindCodec } from './kind.js';

/** Bonding modes by the names `ip` uses. */
export const BOND_MODES = { 'balance-rr': 0, 'active-backup': 1, 'balance-xor': 2, broadcast: 3, '802.3ad': 4, 'balance-tlb': 5, 'balance-alb': 6 } as const;

/** IFLA_BOND_* attributes (the basic ones; others kept raw). */
export const BOND_DATA = table('IFLA_BOND', 'IFLA_BOND_', [
  ['IFLA_BOND_MODE', enumCodec(1, BOND_MODES)],
  ['IFLA_BOND_ACTIVE_SLAVE', 'u32'],
  ['IFLA_BOND_MIIMON', 'u32'],
  ['IFLA_BOND_UPDELAY', 'u32'],
  ['IFLA_BOND_DOWNDELAY', 'u32'],
  ['IFLA_BOND_USE_CARRIER', 'u8'],
  ['IFLA_BOND_ARP_INTERVAL', 'u32'],
  ['IFLA_BOND_PRIMARY', 'u32'],
  ['IFLA_BOND_XMIT_HASH_POLICY', 'u8'],
  ['IFLA_BOND_MIN_LINKS', 'u32'],
  ['IFLA_BOND_AD_LACP_RATE', 'u8'],
]);

export const bond: KindCodec = { kind: 'bond', ether: true, noParent: true, data: BOND_DATA, note: 'needs CONFIG_BONDING' };
