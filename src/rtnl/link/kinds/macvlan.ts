/**
 * macvlan and macvtap: virtual interfaces with their own MAC on a parent link
 * (IFLA_LINK). IFLA_INFO_DATA is IFLA_MACVLAN_*; `mode` by name.
 *
 * Equivalent to: `ip link add NAME link PARENT type macvlan mode bridge`.
 * @module
 */
import { hexColon, walkAttrs, type CustomCodec } from '../../../netlink/index.js';
import { ARPHRD_ETHER, IFF_LOOPBACK, IFLA_MACVLAN_MACADDR } from '../../constants.js';
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

const EINVAL = 22;

/**
 * The bare EINVAL of a macvlan or macvtap on a lower device that cannot carry one:
 * macvlan_port_create() (drivers/net/macvlan.c) takes only an Ethernet device
 * (ARPHRD_ETHER) that is not loopback (IFF_LOOPBACK). Said only when the lower device,
 * read back, is such a device: EINVAL has other causes (an MTU above the lower
 * device's, a second passthru macvlan, …), for which nothing is claimed.
 */
function explainLower(kind: string): NonNullable<KindCodec['explainParent']> {
  return (errno, parent) => {
    if (errno !== EINVAL) return undefined;
    const head = `a ${kind}'s lower device (link) must be an Ethernet device; ${parent.name} is`;
    if (parent.rawFlags & IFF_LOOPBACK) return `${head} loopback`;
    return parent.type !== ARPHRD_ETHER ? `${head} not one (link type ${parent.linkType})` : undefined;
  };
}

export const macvlan: KindCodec = { kind: 'macvlan', ether: true, data: MACVLAN_DATA, needsParent: true, explainParent: explainLower('macvlan') };
export const macvtap: KindCodec = { kind: 'macvtap', ether: true, data: MACVLAN_DATA, needsParent: true, explainParent: explainLower('macvtap') };
