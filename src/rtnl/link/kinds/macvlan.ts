/**
 * macvlan and macvtap: virtual interfaces with their own MAC on a parent link
 * (IFLA_LINK). IFLA_INFO_DATA is IFLA_MACVLAN_*; `mode` by name.
 *
 * Equivalent to: `ip link add NAME link PARENT type macvlan mode bridge`.
 * @module
 */
import { hexColon, walkAttrs, type CustomCodec } from '../../../netlink/index.js';
import { IFLA_MACVLAN_MACADDR } from '../../constants.js';
import { table, enumCodec } from '../../table-helpers.js';
import type { KindCodec } from './kind.js';

/**
 * IFLA_MACVLAN_MACADDR_DATA (source mode): the nested IFLA_MACVLAN_MACADDR entries as
 * MAC strings, as `ip -j -d` prints macaddr_data. Read-only (addresses are added and
 * removed with IFLA_MACVLAN_MACADDR_MODE).
 */
const macaddrDataCodec: CustomCodec<string[], never> = {
  decode(ctx, start, len) {
    const out: string[] = [];
    walkAttrs(ctx.view, start, start + len, ctx.path, (type, off, alen) => {
      if (type === IFLA_MACVLAN_MACADDR) out.push(hexColon(ctx.buf, off, alen));
    });
    return out;
  },
};

/** MACVLAN_MODE_* by name (as `ip` spells them). */
export const MACVLAN_MODES = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;

/** IFLA_MACVLAN_* attributes. */
export const MACVLAN_DATA = table('IFLA_MACVLAN', 'IFLA_MACVLAN_', [
  ['IFLA_MACVLAN_MODE', enumCodec(4, MACVLAN_MODES)],
  ['IFLA_MACVLAN_FLAGS', 'u16'],
  ['IFLA_MACVLAN_MACADDR_MODE', 'u32'],
  ['IFLA_MACVLAN_MACADDR_DATA', macaddrDataCodec],
  ['IFLA_MACVLAN_MACADDR_COUNT', 'u32'],
  ['IFLA_MACVLAN_BC_QUEUE_LEN', 'u32'],
  ['IFLA_MACVLAN_BC_QUEUE_LEN_USED', 'u32'],
]);

export const macvlan: KindCodec = { kind: 'macvlan', ether: true, data: MACVLAN_DATA, needsParent: true };
export const macvtap: KindCodec = { kind: 'macvtap', ether: true, data: MACVLAN_DATA, needsParent: true };
