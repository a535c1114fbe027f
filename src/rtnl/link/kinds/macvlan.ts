/**
 * macvlan and macvtap: virtual interfaces with their own MAC on a parent link
 * (IFLA_LINK). IFLA_INFO_DATA is IFLA_MACVLAN_*; `mode` by name.
 *
 * Equivalent to: `ip link add NAME link PARENT type macvlan mode bridge`.
 * @module
 */
import { HOST_LE, InvalidArgumentError, hexColon, showValue, walkAttrs, type CustomCodec } from '../../../netlink/index.js';
import { ARPHRD_ETHER, IFF_LOOPBACK, IFLA_MACVLAN_MACADDR, MACVLAN_FLAG_NODST, MACVLAN_FLAG_NOPROMISC, MACVLAN_MACADDR_DEL, MACVLAN_MACADDR_SET } from '../../constants.js';
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

/** A u32 the kernel reports and refuses in a request (MACADDR_COUNT, BC_QUEUE_LEN_USED): decoded, never sent. */
const reportedU32: CustomCodec<number, never> = {
  decode(ctx, off, len) {
    return len >= 4 ? ctx.view.getUint32(off, HOST_LE) : undefined;
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
  ['IFLA_MACVLAN_MACADDR_COUNT', reportedU32],
  ['IFLA_MACVLAN_BC_QUEUE_LEN', 'u32'],
  ['IFLA_MACVLAN_BC_QUEUE_LEN_USED', reportedU32],
]);

const EINVAL = 22;

/**
 * The bare EINVAL of a macvlan or macvtap on a lower device that cannot carry one:
 * macvlan_port_create() (drivers/net/macvlan.c) takes only an Ethernet device
 * (ARPHRD_ETHER) that is not loopback (IFF_LOOPBACK); macvlan_common_newlink() takes
 * no MTU above the lower device's. Said only when the lower device, read back, is such
 * a device or has a smaller MTU than the one asked: EINVAL has other causes (a second
 * passthru macvlan, …), for which nothing is claimed.
 */
function explainLower(kind: string): NonNullable<KindCodec['explainParent']> {
  return (errno, parent, mtu) => {
    if (errno !== EINVAL) return undefined;
    const head = `a ${kind}'s lower device (link) must be an Ethernet device; ${parent.name} is`;
    if (parent.rawFlags & IFF_LOOPBACK) return `${head} loopback`;
    if (parent.type !== ARPHRD_ETHER) return `${head} not one (link type ${parent.linkType})`;
    return mtu !== undefined && parent.mtu !== undefined && mtu > parent.mtu ? `a ${kind}'s MTU is at most its lower device's: ${parent.name}'s is ${parent.mtu}, got ${mtu}` : undefined;
  };
}

/**
 * What macvlan_validate() and the source-address code refuse with a bare EINVAL: flag
 * bits other than nopromisc and nodst; a macaddrMode other than add, del, flush, set
 * (0..3), and add or del, which need the address (IFLA_MACVLAN_MACADDR) nlkit does not send.
 */
function validateMacvlan(spec: Record<string, unknown>): void {
  const d = spec['data'] as Record<string, unknown> | undefined;
  if (d === undefined) return;
  const flags = d['flags'];
  const known = MACVLAN_FLAG_NOPROMISC | MACVLAN_FLAG_NODST;
  if (typeof flags === 'number' && Number.isInteger(flags) && flags >= 0 && (flags & ~known) !== 0) {
    throw new InvalidArgumentError('data.flags', `the kernel takes only nopromisc (${MACVLAN_FLAG_NOPROMISC}) and nodst (${MACVLAN_FLAG_NODST}), got ${flags}`);
  }
  const mm = d['macaddrMode'];
  if (mm === undefined) return;
  if (typeof mm !== 'number' || !Number.isInteger(mm) || mm < 0 || mm > MACVLAN_MACADDR_SET) {
    throw new InvalidArgumentError('data.macaddrMode', `expected a MACVLAN_MACADDR_* mode in 0..3 (add, del, flush, set), got ${showValue(mm)}`);
  }
  if (mm <= MACVLAN_MACADDR_DEL) throw new InvalidArgumentError('data.macaddrMode', `${mm === 0 ? 'add' : 'del'} (${mm}) needs an address (IFLA_MACVLAN_MACADDR), which nlkit does not send; 2 (flush) and 3 (set, to none) need none`);
}

export const macvlan: KindCodec = { kind: 'macvlan', ether: true, data: MACVLAN_DATA, needsParent: true, validate: validateMacvlan, explainParent: explainLower('macvlan') };
export const macvtap: KindCodec = { kind: 'macvtap', ether: true, data: MACVLAN_DATA, needsParent: true, validate: validateMacvlan, explainParent: explainLower('macvtap') };
