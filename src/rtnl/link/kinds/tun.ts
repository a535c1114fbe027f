/**
 * tun/tap: IFLA_INFO_DATA is IFLA_TUN_* (decoded; a tap is a tun device of type 'tap').
 * The kernel creates them only through /dev/net/tun (its rtnetlink ops refuse a create:
 * "tun/tap creation via rtnetlink is not supported"), so `rt.link.add` makes them with
 * TUNSETIFF and its sibling ioctls (see ../tuntap.ts); this file holds their options.
 *
 * Equivalent to: `ip tuntap add dev NAME mode tap [user U] [group G] [multi_queue] [vnet_hdr] [pi]`.
 * @module
 */
import { InvalidArgumentError, checkOptionKeys, showValue } from '../../../netlink/index.js';
import { IFF_MULTI_QUEUE, IFF_NO_PI, IFF_TAP, IFF_TUN, IFF_TUN_EXCL, IFF_VNET_HDR } from '../../constants.js';
import { table, enumCodec, boolU8 } from '../../table-helpers.js';
import { checkBool, checkU32 } from '../../validate.js';
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

export const tun: KindCodec = { kind: 'tun', ether: false, data: TUN_DATA, note: "made through /dev/net/tun by rt.link.add({ kind: 'tun' | 'tap' }), not by RTM_NEWLINK" };

/**
 * `data` of `rt.link.add` for a tun or a tap: what `ip tuntap add` takes besides the
 * mode, under the names the decoded {@link TunData} uses (`linkinfo.data.owner`, …).
 * The device is always persistent (it outlives the call, as `ip tuntap add` makes it).
 *
 * Equivalent to: `ip tuntap add … [user U] [group G] [multi_queue] [vnet_hdr] [pi]`.
 */
export interface TunOptions {
  /**
   * The uid that may attach to the device without CAP_NET_ADMIN (TUNSETOWNER; `user U`),
   * 0..4294967294. Defaults to none: only a process with CAP_NET_ADMIN may.
   */
  readonly owner?: number | undefined;
  /** The gid whose members may attach to the device (TUNSETGROUP; `group G`), 0..4294967294. Defaults to none. */
  readonly group?: number | undefined;
  /** IFF_MULTI_QUEUE: a queue per attached file, up to 256 (`multi_queue`). Defaults to false. */
  readonly multiQueue?: boolean | undefined;
  /** IFF_VNET_HDR: frames carry a virtio-net header (`vnet_hdr`), as VM runtimes want. Defaults to false. */
  readonly vnetHdr?: boolean | undefined;
  /**
   * Packet information: frames carry the 4-byte struct tun_pi (`pi`). Defaults to false,
   * as with `ip tuntap add`, which sets IFF_NO_PI unless told `pi`.
   */
  readonly pi?: boolean | undefined;
}

const TUN_OPTION_KEYS: ReadonlySet<string> = new Set(['owner', 'group', 'multiQueue', 'vnetHdr', 'pi']);

/** Checked {@link TunOptions}: the TUNSETIFF flags, and the owner and group to set. */
export interface PreparedTun {
  /** 'tun' or 'tap'. */
  readonly type: keyof typeof TUN_TYPES;
  /** ifr_flags for TUNSETIFF. */
  readonly flags: number;
  /** The uid for TUNSETOWNER, if any. */
  readonly owner: number | undefined;
  /** The gid for TUNSETGROUP, if any. */
  readonly group: number | undefined;
}

/** A uid or gid for TUNSETOWNER/TUNSETGROUP: (uid_t)-1 is no id, which the kernel refuses (EINVAL). */
function checkId(v: unknown, arg: string, what: 'uid' | 'gid'): number {
  const n = checkU32(v, arg);
  if (n === 0xffffffff) throw new InvalidArgumentError(arg, `4294967295 is (${what}_t)-1, which is no ${what === 'uid' ? 'user' : 'group'} (the kernel refuses it): leave ${arg} out for none`);
  return n;
}

/**
 * Check a tun's or tap's `data` (undefined is none) and work out TUNSETIFF's flags: the
 * type, IFF_NO_PI unless `pi`, IFF_MULTI_QUEUE and IFF_VNET_HDR when asked, and always
 * IFF_TUN_EXCL. Without IFF_TUN_EXCL, TUNSETIFF on a name that a tun of the same type
 * already has would attach to that device rather than fail (the kernel's tun_set_iff()
 * looks the name up first and attaches when it finds one); with it, the kernel answers
 * EBUSY for any existing device of that name, of whatever kind, in the same look-up
 * that creates: no window between a check and the create. `ip tuntap add` sets it too.
 */
export function prepareTunOptions(type: keyof typeof TUN_TYPES, data: unknown): PreparedTun {
  let flags = (type === 'tap' ? IFF_TAP : IFF_TUN) | IFF_TUN_EXCL;
  let owner: number | undefined;
  let group: number | undefined;
  let pi = false;
  if (data !== undefined) {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidArgumentError('data', `expected an object, got ${showValue(data)}`);
    checkOptionKeys(data, TUN_OPTION_KEYS, 'data.');
    const d = data as Record<string, unknown>;
    if (d['owner'] !== undefined) owner = checkId(d['owner'], 'data.owner', 'uid');
    if (d['group'] !== undefined) group = checkId(d['group'], 'data.group', 'gid');
    if (d['multiQueue'] !== undefined && checkBool(d['multiQueue'], 'data.multiQueue')) flags |= IFF_MULTI_QUEUE;
    if (d['vnetHdr'] !== undefined && checkBool(d['vnetHdr'], 'data.vnetHdr')) flags |= IFF_VNET_HDR;
    if (d['pi'] !== undefined) pi = checkBool(d['pi'], 'data.pi');
  }
  if (!pi) flags |= IFF_NO_PI;
  return { type, flags, owner, group };
}
