/**
 * RTM_NEWLINK message → {@link Link}: the fields `ip -j -d link show` prints, with the
 * same meaning, as plain values (u64 counters as bigint). Unknown attributes are kept
 * raw in `unknown`.
 * @module
 */
import { HOST_LE, NLMSG_HDRLEN, DecodeError, type RawAttribute } from '../../netlink/index.js';
import { IFLA, IFINFOMSG_LEN, LINKMODES, OPERSTATES, type LinkAfSpec, type LinkInfo, type LinkStats64 } from './table.js';
import * as C from '../constants.js';

/** ifi_flags bits in the order `ip` prints them, with its names. */
const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [C.IFF_LOOPBACK, 'LOOPBACK'], [C.IFF_BROADCAST, 'BROADCAST'], [C.IFF_POINTOPOINT, 'POINTOPOINT'],
  [C.IFF_MULTICAST, 'MULTICAST'], [C.IFF_NOARP, 'NOARP'], [C.IFF_ALLMULTI, 'ALLMULTI'],
  [C.IFF_PROMISC, 'PROMISC'], [C.IFF_MASTER, 'MASTER'], [C.IFF_SLAVE, 'SLAVE'], [C.IFF_DEBUG, 'DEBUG'],
  [C.IFF_DYNAMIC, 'DYNAMIC'], [C.IFF_AUTOMEDIA, 'AUTOMEDIA'], [C.IFF_PORTSEL, 'PORTSEL'],
  [C.IFF_NOTRAILERS, 'NOTRAILERS'], [C.IFF_UP, 'UP'], [C.IFF_LOWER_UP, 'LOWER_UP'],
  [C.IFF_DORMANT, 'DORMANT'], [C.IFF_ECHO, 'ECHO'],
];

/** ifi_flags → the list `ip` prints (NO-CARRIER first when up without carrier; RUNNING omitted). */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags & C.IFF_UP && !(flags & C.IFF_RUNNING)) out.push('NO-CARRIER');
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) out.push(name);
  return out;
}

/** ARPHRD_* → the name `ip` prints as link_type (the common ones; others numeric). */
const LINK_TYPES: Record<number, string> = {
  [C.ARPHRD_ETHER]: 'ether', [C.ARPHRD_LOOPBACK]: 'loopback', [C.ARPHRD_NONE]: 'none',
  [C.ARPHRD_IPGRE]: 'gre', [C.ARPHRD_TUNNEL]: 'ipip', [C.ARPHRD_TUNNEL6]: 'tunnel6', [C.ARPHRD_SIT]: 'sit',
  [C.ARPHRD_VOID]: 'void', [C.ARPHRD_PPP]: 'ppp', [C.ARPHRD_INFINIBAND]: 'infiniband', [C.ARPHRD_IEEE80211]: 'ieee802.11',
};

/**
 * A network interface as the kernel describes it (RTM_NEWLINK). Field names follow
 * `ip -j -d link show` in camelCase; optional fields are absent when the kernel did not
 * send the attribute.
 */
export interface Link {
  /** ifindex (`ip`: ifindex). */
  index: number;
  /** Interface name (IFLA_IFNAME). */
  name: string;
  /** Link kind from IFLA_LINKINFO ('veth', 'bridge', …); undefined for links without one (lo, physical NICs). */
  kind?: string;
  /** ifi_flags as names, like `ip`'s flags array. */
  flags: string[];
  /** ifi_flags raw. */
  rawFlags: number;
  /** IFF_UP is set (administratively up). */
  up: boolean;
  /** ARPHRD type name ('ether', 'loopback', …) or number. */
  linkType: string | number;
  /** ifi_type raw (ARPHRD_*). */
  type: number;
  mtu?: number;
  minMtu?: number;
  maxMtu?: number;
  txqlen?: number;
  /** IF_OPER_* as `ip` prints it ('UP', 'DOWN', 'UNKNOWN', …). */
  operstate?: string;
  /** IF_LINK_MODE_* ('DEFAULT', 'DORMANT'). */
  linkmode?: string;
  /** Device group (0 is 'default'). */
  group?: number;
  /** Hardware address, lowercase colon hex. */
  address?: string;
  broadcast?: string;
  /** Permanent hardware address. */
  permaddr?: string;
  qdisc?: string;
  /** ifindex of the master (bridge, bond), when enslaved. */
  master?: number;
  /** IFLA_LINK: ifindex of the lower/peer device (veth peer, macvlan parent). */
  link?: number;
  /** IFLA_LINK_NETNSID: the nsid (in this netns) of the netns holding `link`. */
  netnsId?: number;
  /** ifalias. */
  alias?: string;
  /** Alternative names (IFLA_PROP_LIST). */
  altnames?: string[];
  promiscuity?: number;
  allmulti?: number;
  /** Carrier present. */
  carrier?: boolean;
  carrierChanges?: number;
  carrierUpCount?: number;
  carrierDownCount?: number;
  protoDown?: boolean;
  numTxQueues?: number;
  numRxQueues?: number;
  gsoMaxSize?: number;
  gsoMaxSegs?: number;
  groMaxSize?: number;
  tsoMaxSize?: number;
  tsoMaxSegs?: number;
  /** Counters (IFLA_STATS64), bigint. */
  stats64?: LinkStats64;
  /** Kind, kind data, port kind and port data. */
  linkinfo?: LinkInfo;
  /** IFLA_AF_SPEC summary. */
  afSpec?: LinkAfSpec;
  /** Any other decoded IFLA attributes (physPortName, parentDevName, …). */
  [extra: string]: unknown;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/**
 * Decode the RTM_NEWLINK message at `off` (nlmsghdr included) of length `len`.
 * Values are copied out: nothing in the result refers to `buf`.
 */
export function decodeLink(buf: Buffer, view: DataView, off: number, len: number): Link {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + IFINFOMSG_LEN) throw new DecodeError('RTM_NEWLINK shorter than ifinfomsg', ['RTM_NEWLINK'], off, NLMSG_HDRLEN + IFINFOMSG_LEN, len);
  const type = view.getUint16(h + 2, HOST_LE);
  const index = view.getInt32(h + 4, HOST_LE);
  const rawFlags = view.getUint32(h + 8, HOST_LE);
  const link: Link = {
    index,
    name: '',
    flags: flagNames(rawFlags),
    rawFlags,
    up: (rawFlags & C.IFF_UP) !== 0,
    linkType: LINK_TYPES[type] ?? type,
    type,
  };
  IFLA.decode(buf, view, h + IFINFOMSG_LEN, off + len, ['RTM_NEWLINK'], link as unknown as Record<string, unknown>);
  const o = link as unknown as Record<string, unknown>;
  if (typeof o['operstate'] === 'number') link.operstate = OPERSTATES[o['operstate'] as number] ?? String(o['operstate']);
  if (typeof o['linkmode'] === 'number') link.linkmode = LINKMODES[o['linkmode'] as number] ?? String(o['linkmode']);
  if (typeof o['carrier'] === 'number') link.carrier = o['carrier'] !== 0;
  if (typeof o['protoDown'] === 'number') link.protoDown = o['protoDown'] !== 0;
  if (link.linkinfo?.kind !== undefined) link.kind = link.linkinfo.kind;
  return link;
}
