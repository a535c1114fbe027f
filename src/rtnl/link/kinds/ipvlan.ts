/**
 * ipvlan: L2/L3 virtual interfaces sharing the parent's MAC (IFLA_LINK). Needs
 * CONFIG_IPVLAN (absent on some kernels → EOPNOTSUPP).
 *
 * Equivalent to: `ip link add NAME link PARENT type ipvlan mode l3`.
 * @module
 */
import { table, enumCodec } from '../../table-helpers.js';
import type { KindCodec } from './kind.js';

/** IPVLAN_MODE_* by name. */
export const IPVLAN_MODES = { l2: 0, l3: 1, l3s: 2 } as const;

/** IFLA_IPVLAN_* attributes. */
export const IPVLAN_DATA = table('IFLA_IPVLAN', 'IFLA_IPVLAN_', [
  ['IFLA_IPVLAN_MODE', enumCodec(2, IPVLAN_MODES)],
  ['IFLA_IPVLAN_FLAGS', 'u16'],
]);

export const ipvlan: KindCodec = { kind: 'ipvlan', ether: false, data: IPVLAN_DATA, needsParent: true, note: 'needs CONFIG_IPVLAN' };
