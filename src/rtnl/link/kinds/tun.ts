/**
 * tun/tap: decoded only (the kernel creates them through /dev/net/tun, `ip tuntap
 * add`); IFLA_INFO_DATA is IFLA_TUN_*.
 * @module
 */
import { table, enumCodec, boolU8 } from '../../table-helpers.js';
import type { KindCodec } from './kind.js';

/** IFLA_TUN_TYPE values (IFF_TUN, IFF_TAP). */
export const TUN_TYPES = { tun: 1, tap: 2 } as const;

/** IFLA_TUN_* attributes. */
export const TUN_DATA = table('IFLA_TUN', 'IFLA_TUN_', [
  ['IFLA_TUN_OWNER', 'u32'],
  ['IFLA_TUN_GROUP', 'u32'],
  ['IFLA_TUN_TYPE', enumCodec(1, TUN_TYPES)],
  ['IFLA_TUN_PI', boolU8],
  ['IFLA_TUN_VNET_HDR', boolU8],
  ['IFLA_TUN_PERSIST', boolU8],
  ['IFLA_TUN_MULTI_QUEUE', boolU8],
  ['IFLA_TUN_NUM_QUEUES', 'u32'],
  ['IFLA_TUN_NUM_DISABLED_QUEUES', 'u32'],
]);

export const tun: KindCodec = { kind: 'tun', ether: false, data: TUN_DATA, note: 'create with ip tuntap; decode only' };
