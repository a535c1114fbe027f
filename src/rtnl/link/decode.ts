/**
 * RTM_NEWLINK message → {@link Link}: the fields `ip -j -d link show` prints, with the
 * same meaning, as plain values (u64 counters as bigint). Unknown attributes are kept
 * raw in `unknown`.
 * @module
 */
import { HOST_LE, NLMSG_HDRLEN, NLA_HDRLEN, NLA_TYPE_MASK, DecodeError, align4, checkAttr, childPath, copyBytes, decodeRow, hexColon, type RawAttribute } from '../../netlink/index.js';
import { IFLA, IFLA_XDP_TABLE, IFINFOMSG_LEN, LINKMODES, OPERSTATES, decodeAfSpec, decodeLinkinfo, decodeMap, decodeStats64, decodeUint, RepeatText, strzText, type LinkAfSpec, type LinkInfo, type LinkMap, type LinkStats64, type LinkXdp } from './table.js';
import * as C from '../constants.js';
import type { KindData, PortData } from './kinds/index.js';

/** ifi_flags bits in the order `ip` prints them, with its names. */
const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [C.IFF_LOOPBACK, 'LOOPBACK'], [C.IFF_BROADCAST, 'BROADCAST'], [C.IFF_POINTOPOINT, 'POINTOPOINT'],
  [C.IFF_MULTICAST, 'MULTICAST'], [C.IFF_NOARP, 'NOARP'], [C.IFF_ALLMULTI, 'ALLMULTI'],
  [C.IFF_PROMISC, 'PROMISC'], [C.IFF_MASTER, 'MASTER'], [C.IFF_SLAVE, 'SLAVE'], [C.IFF_DEBUG, 'DEBUG'],
  [C.IFF_DYNAMIC, 'DYNAMIC'], [C.IFF_AUTOMEDIA, 'AUTOMEDIA'], [C.IFF_PORTSEL, 'PORTSEL'],
  [C.IFF_NOTRAILERS, 'NOTRAILERS'], [C.IFF_UP, 'UP'], [C.IFF_LOWER_UP, 'LOWER_UP'],
  [C.IFF_DORMANT, 'DORMANT'], [C.IFF_ECHO, 'ECHO'],
];

/**
 * ifi_flags → the list `ip` prints (NO-CARRIER first when up without carrier; RUNNING
 * omitted). A new array per call (callers may change it); the names come from a cache
 * by flags value, since a dump has only a few distinct flag words.
 */
export function flagNames(flags: number): string[] {
  // The commonest words as array literals: V8 shares a literal's constant elements
  // copy-on-write, so the caller's own array is one small object instead of two.
  switch (flags) {
    case C.IFF_BROADCAST | C.IFF_MULTICAST: return ['BROADCAST', 'MULTICAST'];
    case C.IFF_BROADCAST | C.IFF_MULTICAST | C.IFF_UP: return ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'];
    case C.IFF_BROADCAST | C.IFF_MULTICAST | C.IFF_UP | C.IFF_RUNNING | C.IFF_LOWER_UP: return ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];
    case C.IFF_BROADCAST | C.IFF_MULTICAST | C.IFF_PROMISC | C.IFF_UP | C.IFF_RUNNING | C.IFF_LOWER_UP: return ['BROADCAST', 'MULTICAST', 'PROMISC', 'UP', 'LOWER_UP'];
    case C.IFF_LOOPBACK: return ['LOOPBACK'];
    case C.IFF_LOOPBACK | C.IFF_UP | C.IFF_RUNNING | C.IFF_LOWER_UP: return ['LOOPBACK', 'UP', 'LOWER_UP'];
    case C.IFF_POINTOPOINT | C.IFF_MULTICAST | C.IFF_NOARP: return ['POINTOPOINT', 'MULTICAST', 'NOARP'];
    case C.IFF_POINTOPOINT | C.IFF_MULTICAST | C.IFF_NOARP | C.IFF_UP | C.IFF_RUNNING | C.IFF_LOWER_UP: return ['POINTOPOINT', 'MULTICAST', 'NOARP', 'UP', 'LOWER_UP'];
  }
  let names = FLAG_CACHE.get(flags);
  if (names === undefined) {
    names = computeFlagNames(flags);
    if (FLAG_CACHE.size >= FLAG_CACHE_MAX) FLAG_CACHE.clear(); // bounded against odd inputs
    FLAG_CACHE.set(flags, names);
  }
  return names.slice();
}
const FLAG_CACHE = new Map<number, readonly string[]>();
const FLAG_CACHE_MAX = 64;

function computeFlagNames(flags: number): string[] {
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
  // An ip6gre (a kind nlkit makes) is 'gre6' to ip; the rest are devices a host may have.
  [C.ARPHRD_IP6GRE]: 'gre6', [C.ARPHRD_CAN]: 'can', [C.ARPHRD_IEEE1394]: 'ieee1394', [C.ARPHRD_IEEE80211_RADIOTAP]: 'ieee802.11/radiotap',
  [C.ARPHRD_IEEE802154]: 'ieee802.15.4', [C.ARPHRD_PHONET]: 'phonet', [C.ARPHRD_6LOWPAN]: '6lowpan',
};

/**
 * A network interface as the kernel describes it (RTM_NEWLINK). Field names follow
 * `ip -j -d link show` in camelCase; optional fields are undefined when the kernel did not
 * send the attribute — often as keys that are there with the value undefined (every
 * decoded Link has the same shape), hence `?: T | undefined`.
 */
export interface Link {
  /** ifindex (`ip`: ifindex). */
  index: number;
  /** Interface name (IFLA_IFNAME). */
  name: string;
  /** Link kind from IFLA_LINKINFO ('veth', 'bridge', …); undefined for links without one (lo, physical NICs). */
  kind?: string | undefined;
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
  /** MTU, in bytes (IFLA_MTU; `ip` prints it as mtu). */
  mtu?: number | undefined;
  /** Smallest MTU the device accepts, in bytes (IFLA_MIN_MTU; `ip -d` prints it as minmtu). */
  minMtu?: number | undefined;
  /** Largest MTU the device accepts, in bytes (IFLA_MAX_MTU; `ip -d` prints it as maxmtu). */
  maxMtu?: number | undefined;
  /** Transmit queue length, in packets (IFLA_TXQLEN; `ip` prints it as qlen). */
  txqlen?: number | undefined;
  /** IF_OPER_* as `ip` prints it ('UP', 'DOWN', 'UNKNOWN', …). */
  operstate?: string | undefined;
  /** IF_LINK_MODE_* ('DEFAULT', 'DORMANT'). */
  linkmode?: string | undefined;
  /** Device group (0 is 'default'). */
  group?: number | undefined;
  /** Hardware address, lowercase colon hex. */
  address?: string | undefined;
  /** Broadcast hardware address, lowercase colon hex (IFLA_BROADCAST; `ip` prints it as brd). */
  broadcast?: string | undefined;
  /** Permanent hardware address. */
  permaddr?: string | undefined;
  /** Name of the root queueing discipline, e.g. 'noqueue' (IFLA_QDISC; `ip` prints it as qdisc). */
  qdisc?: string | undefined;
  /** ifindex of the master (bridge, bond), when enslaved. */
  master?: number | undefined;
  /** IFLA_LINK: ifindex of the lower/peer device (veth peer, macvlan parent). */
  link?: number | undefined;
  /** IFLA_LINK_NETNSID: the nsid (in this netns) of the netns holding `link`. */
  netnsId?: number | undefined;
  /** ifalias. */
  alias?: string | undefined;
  /** Alternative names (IFLA_PROP_LIST). */
  altnames?: string[] | undefined;
  /** Promiscuity count: > 0 means the device acts PROMISC (IFLA_PROMISCUITY; `ip -d` prints it as promiscuity). */
  promiscuity?: number | undefined;
  /** Allmulti count: > 0 means the device acts ALLMULTI (IFLA_ALLMULTI; `ip -d` prints it as allmulti). */
  allmulti?: number | undefined;
  /** Carrier present. */
  carrier?: boolean | undefined;
  /** Number of carrier changes, up and down (IFLA_CARRIER_CHANGES). */
  carrierChanges?: number | undefined;
  /** Number of times the carrier came up (IFLA_CARRIER_UP_COUNT). */
  carrierUpCount?: number | undefined;
  /** Number of times the carrier went down (IFLA_CARRIER_DOWN_COUNT). */
  carrierDownCount?: number | undefined;
  /** PROTODOWN state: a protocol error was detected on the port (IFLA_PROTO_DOWN; `ip link set … protodown on`). */
  protoDown?: boolean | undefined;
  /** Number of TX queues (IFLA_NUM_TX_QUEUES; `ip -d` prints it as numtxqueues). */
  numTxQueues?: number | undefined;
  /** Number of RX queues (IFLA_NUM_RX_QUEUES; `ip -d` prints it as numrxqueues). */
  numRxQueues?: number | undefined;
  /** Recommended largest GSO packet the device accepts, in bytes (IFLA_GSO_MAX_SIZE; `ip -d` prints it as gso_max_size). */
  gsoMaxSize?: number | undefined;
  /** Recommended most GSO segments the device accepts (IFLA_GSO_MAX_SEGS; `ip -d` prints it as gso_max_segs). */
  gsoMaxSegs?: number | undefined;
  /** Largest packet GRO builds on this device, in bytes (IFLA_GRO_MAX_SIZE; `ip -d` prints it as gro_max_size). */
  groMaxSize?: number | undefined;
  /** IFLA_TSO_MAX_SIZE: the device's TSO size limit, in bytes (`ip -d` prints it as tso_max_size). */
  tsoMaxSize?: number | undefined;
  /** IFLA_TSO_MAX_SEGS: the device's TSO segment-count limit (`ip -d` prints it as tso_max_segs). */
  tsoMaxSegs?: number | undefined;
  /** Counters (IFLA_STATS64), bigint. */
  stats64?: LinkStats64 | undefined;
  /** Kind, kind data, port kind and port data. */
  linkinfo?: LinkInfo | undefined;
  /** IFLA_AF_SPEC summary. */
  afSpec?: LinkAfSpec | undefined;
  /** Largest IPv4 GSO packet the device accepts, in bytes (IFLA_GSO_IPV4_MAX_SIZE). */
  gsoIpv4MaxSize?: number | undefined;
  /** Largest IPv4 packet GRO builds on this device, in bytes (IFLA_GRO_IPV4_MAX_SIZE). */
  groIpv4MaxSize?: number | undefined;
  /** IFLA_MAP: the device's legacy hardware resources (raw bytes when shorter than struct rtnl_link_ifmap). */
  map?: LinkMap | Buffer | undefined;
  /** IFLA_XDP: the attached XDP program, if any (`attached` 0 is none; `ip link` shows a program as xdp/xdpgeneric/xdpoffload). */
  xdp?: LinkXdp | undefined;
  /** IFLA_EVENT: why the kernel sent this notification (IFLA_EVENT_*; monitor messages only). */
  event?: number | undefined;
  /** IFLA_NETNS_IMMUTABLE: the device cannot be moved to another netns. */
  netnsImmutable?: boolean | undefined;
  /** IFLA_HEADROOM: extra headroom the device needs, in bytes. */
  headroom?: number | undefined;
  /** IFLA_TAILROOM: extra tailroom the device needs, in bytes. */
  tailroom?: number | undefined;
  /** IFLA_MAX_PACING_OFFLOAD_HORIZON: how far ahead the device can pace packets, in ns. */
  maxPacingOffloadHorizon?: number | undefined;
  /** IFLA_DEVLINK_PORT raw (the devlink port's nested attributes; a copy). */
  devlinkPort?: Buffer | undefined;
  /** IFLA_DPLL_PIN raw (the DPLL pin's nested attributes; a copy). */
  dpllPin?: Buffer | undefined;
  /** IFLA_PHYS_PORT_NAME: the physical port's name (`ip -d` prints it as phys_port_name). */
  physPortName?: string | undefined;
  /** IFLA_PHYS_PORT_ID raw: the physical port's id (`ip -d` prints it in hex as phys_port_id). */
  physPortId?: Buffer | undefined;
  /** IFLA_PHYS_SWITCH_ID raw: the switch's id (`ip -d` prints it in hex as phys_switch_id). */
  physSwitchId?: Buffer | undefined;
  /** IFLA_PARENT_DEV_NAME: the parent device's name (`ip -d` prints it as parentdev). */
  parentDevName?: string | undefined;
  /** IFLA_PARENT_DEV_BUS_NAME: the parent device's bus (`ip -d` prints it as parentbus). */
  parentDevBusName?: string | undefined;
  /** IFLA_PROTO_DOWN_REASON raw (nested IFLA_PROTO_DOWN_REASON_* attributes). */
  protoDownReason?: Buffer | undefined;
  /** IFLA_NUM_VF: number of SR-IOV virtual functions. */
  numVf?: number | undefined;
  /** IFLA_VFINFO_LIST raw (per-VF nested attributes). */
  vfinfoList?: Buffer | undefined;
  /** IFLA_VF_PORTS raw. */
  vfPorts?: Buffer | undefined;
  /** IFLA_PORT_SELF raw. */
  portSelf?: Buffer | undefined;
  /** IFLA_PROTINFO raw (the address family's per-link data; for bridge ports, IFLA_BRPORT_*). */
  protinfo?: Buffer | undefined;
  /** IFLA_WIRELESS raw. */
  wireless?: Buffer | undefined;
  /** IFLA_COST raw (unused by the kernel). */
  cost?: Buffer | undefined;
  /** IFLA_PRIORITY raw (unused by the kernel). */
  priority?: Buffer | undefined;
  /** IFLA_WEIGHT (unused by the kernel). */
  weight?: number | undefined;
  /** IFLA_NEW_NETNSID: in a notification of a move, the nsid of the netns the link went to. */
  newNetnsId?: number | undefined;
  /** IFLA_NEW_IFINDEX: in a notification of a move, the link's ifindex in its new netns. */
  newIfindex?: number | undefined;
  /** IFLA_TARGET_NETNSID, when a sender put it in a message (requests only, normally). */
  targetNetnsId?: number | undefined;
  /** IFLA_NET_NS_PID, when a sender put it in a message (requests only, normally). */
  netnsPid?: number | undefined;
  /** IFLA_NET_NS_FD, when a sender put it in a message (requests only, normally). */
  netnsFd?: number | undefined;
  /** IFLA_EXT_MASK, when a sender put it in a message (requests only, normally). */
  extMask?: number | undefined;
  /** IFLA_ALT_IFNAME, when a sender put one outside IFLA_PROP_LIST (requests only, normally; a dump lists them in `altnames`). */
  altname?: string | undefined;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[] | undefined;
}

/**
 * Attribute type → a small dense code for the decoder's switch (literal cases compile to
 * a jump table; `case C.X` would load a module property per case per attribute).
 */
const DISPATCH_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [C.IFLA_IFNAME, 1],
  [C.IFLA_MTU, 2],
  [C.IFLA_TXQLEN, 3],
  [C.IFLA_OPERSTATE, 4],
  [C.IFLA_LINKMODE, 5],
  [C.IFLA_GROUP, 6],
  [C.IFLA_ADDRESS, 7],
  [C.IFLA_BROADCAST, 8],
  [C.IFLA_PERM_ADDRESS, 9],
  [C.IFLA_QDISC, 10],
  [C.IFLA_MASTER, 11],
  [C.IFLA_LINK, 12],
  [C.IFLA_LINK_NETNSID, 13],
  [C.IFLA_IFALIAS, 14],
  [C.IFLA_PROMISCUITY, 15],
  [C.IFLA_ALLMULTI, 16],
  [C.IFLA_CARRIER, 17],
  [C.IFLA_CARRIER_CHANGES, 18],
  [C.IFLA_CARRIER_UP_COUNT, 19],
  [C.IFLA_CARRIER_DOWN_COUNT, 20],
  [C.IFLA_PROTO_DOWN, 21],
  [C.IFLA_NUM_TX_QUEUES, 22],
  [C.IFLA_NUM_RX_QUEUES, 23],
  [C.IFLA_GSO_MAX_SIZE, 24],
  [C.IFLA_GSO_MAX_SEGS, 25],
  [C.IFLA_GRO_MAX_SIZE, 26],
  [C.IFLA_TSO_MAX_SIZE, 27],
  [C.IFLA_TSO_MAX_SEGS, 28],
  [C.IFLA_GSO_IPV4_MAX_SIZE, 29],
  [C.IFLA_GRO_IPV4_MAX_SIZE, 30],
  [C.IFLA_MIN_MTU, 31],
  [C.IFLA_MAX_MTU, 32],
  [C.IFLA_HEADROOM, 33],
  [C.IFLA_TAILROOM, 34],
  [C.IFLA_NETNS_IMMUTABLE, 35],
  [C.IFLA_STATS64, 36],
  [C.IFLA_STATS, 37],
  [C.IFLA_PAD, 38],
  [C.IFLA_AF_SPEC, 39],
  [C.IFLA_PROP_LIST, 40],
  [C.IFLA_LINKINFO, 41],
  // Rows of the IFLA table that every link of this kernel carries, decoded here with
  // the same codec functions (no DecodeContext object or keyed store per attribute).
  [C.IFLA_MAP, 42],
  [C.IFLA_XDP, 43],
  [C.IFLA_EVENT, 44],
  [C.IFLA_MAX_PACING_OFFLOAD_HORIZON, 45],
  [C.IFLA_DEVLINK_PORT, 46],
  [C.IFLA_DPLL_PIN, 47],
];
const DISPATCH = new Uint8Array(Math.max(...DISPATCH_PAIRS.map(([t]) => t)) + 1);
for (const [t, code] of DISPATCH_PAIRS) DISPATCH[t] = code;

const PATH: readonly string[] = Object.freeze(['RTM_NEWLINK']);
const PATH_LINKINFO = childPath(PATH, 'IFLA_LINKINFO');
const PATH_AFSPEC = childPath(PATH, 'IFLA_AF_SPEC');
const PATH_PROPLIST = childPath(PATH, 'IFLA_PROP_LIST');
const PATH_XDP = childPath(PATH, 'IFLA_XDP');
/** The header of an IFLA_XDP_ATTACHED u8 attribute (nla_len 5) as `view.getUint32(p, HOST_LE)` reads it. */
const HDR_XDP_ATTACHED = (HOST_LE ? (NLA_HDRLEN + 1) | (C.IFLA_XDP_ATTACHED << 16) : ((NLA_HDRLEN + 1) << 16) | C.IFLA_XDP_ATTACHED) >>> 0;

const strz = strzText;

/**
 * Interface names by their bytes, direct-mapped: a link dumped again gets the same
 * (immutable) string back, neither decoded nor allocated again, as addresses do
 * (addr/decode.ts). A slot answers only when its length and bytes match, so a collision
 * costs a miss, never a wrong name. Building a name in JS a character at a time, as
 * before, allocated a new string per character (V8 copies strings this short).
 */
const NAME_SLOTS = 2048;
/** Longest name cached: IFNAMSIZ - 1 (a longer one, from an odd sender, is decoded every time). */
const NAME_MAX = 15;
const nameBytes = new Uint8Array(NAME_SLOTS * 16);
const nameLens = new Int8Array(NAME_SLOTS).fill(-1);
const nameTexts: string[] = new Array<string>(NAME_SLOTS).fill('');

/**
 * The cache slot of the name `buf[off, e)`.
 * @internal exported for the tests that make names collide.
 */
export function nameSlot(buf: Uint8Array, off: number, e: number): number {
  let h = e - off;
  for (let i = off; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return (h ^ (h >>> 16)) & (NAME_SLOTS - 1);
}

/** strz for interface names (the same text), from {@link nameTexts} when the bytes match. */
function nameText(buf: Buffer, off: number, len: number): string {
  let e = off + len;
  while (e > off && buf[e - 1] === 0) e--;
  const n = e - off;
  if (n > NAME_MAX) return buf.toString('utf8', off, e);
  const slot = nameSlot(buf, off, e);
  const text = nameTexts[slot]!;
  if (nameLens[slot] === n) {
    const base = slot << 4;
    let i = 0;
    while (i < n && nameBytes[base + i] === buf[off + i]) i++;
    if (i === n) return text;
  }
  return nameMiss(buf, off, e, slot);
}

/** A name not in its slot: decoded, and put there. */
function nameMiss(buf: Buffer, off: number, e: number, slot: number): string {
  const s = buf.toString('utf8', off, e);
  const base = slot << 4;
  for (let i = off; i < e; i++) nameBytes[base + i - off] = buf[i]!;
  nameLens[slot] = e - off;
  nameTexts[slot] = s;
  return s;
}

/** High and low hex digit (char codes) of each byte value. */
const HEX_HI = new Uint8Array(256);
const HEX_LO = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HEX_HI[i] = '0123456789abcdef'.charCodeAt(i >> 4);
  HEX_LO[i] = '0123456789abcdef'.charCodeAt(i & 15);
}

/**
 * Ethernet MACs by their bytes, direct-mapped as {@link nameTexts}: a link dumped again
 * gets the same string back. A slot answers only when both words match (macHi starts
 * at -1, which no 16-bit word is).
 */
const MAC_SLOTS = 2048;
const macLo = new Int32Array(MAC_SLOTS);
const macHi = new Int32Array(MAC_SLOTS).fill(-1);
const macTexts: string[] = new Array<string>(MAC_SLOTS).fill('');

/**
 * The cache slot of a MAC: its first four bytes as `lo` (little-endian), the last two as `hi`.
 * @internal exported for the tests that make MACs collide.
 */
export function macSlot(lo: number, hi: number): number {
  return (Math.imul(lo ^ (hi << 13), 0x9e3779b1) >>> 21) & (MAC_SLOTS - 1);
}

/** A hardware address as hexColon formats it; a 6-byte one from {@link macTexts} when there. */
function mac(buf: Buffer, off: number, len: number): string {
  if (len !== 6) return hexColon(buf, off, len);
  const lo = buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24);
  const hi = buf[off + 4]! | (buf[off + 5]! << 8);
  const slot = macSlot(lo, hi);
  const text = macTexts[slot]!;
  return macLo[slot] === lo && macHi[slot] === hi ? text : macMiss(buf, off, lo, hi, slot);
}

/**
 * A 6-byte MAC not in its slot: one String.fromCharCode (a flat one-byte string without
 * a native Buffer#toString call, ~2.5x faster than the scratch-buffer path), put there.
 */
function macMiss(buf: Buffer, off: number, lo: number, hi: number, slot: number): string {
  const a = buf[off]!, b = buf[off + 1]!, c = buf[off + 2]!, d = buf[off + 3]!, e = buf[off + 4]!, f = buf[off + 5]!;
  const s = String.fromCharCode(
    HEX_HI[a]!, HEX_LO[a]!, 0x3a, HEX_HI[b]!, HEX_LO[b]!, 0x3a, HEX_HI[c]!, HEX_LO[c]!, 0x3a,
    HEX_HI[d]!, HEX_LO[d]!, 0x3a, HEX_HI[e]!, HEX_LO[e]!, 0x3a, HEX_HI[f]!, HEX_LO[f]!,
  );
  macLo[slot] = lo;
  macHi[slot] = hi;
  macTexts[slot] = s;
  return s;
}

const QDISC_TEXT = new RepeatText(strz);
const BROADCAST_TEXT = new RepeatText(mac);

function tooShort(name: string, off: number, want: number, len: number): never {
  throw new DecodeError(`${name} payload too short`, PATH, off, want, len);
}

/**
 * Decode the RTM_NEWLINK message at `off` (nlmsghdr included) of length `len`.
 * Values are copied out: nothing in the result refers to `buf`.
 *
 * The hot path of every link dump: the frequent IFLA attributes are decoded by a
 * switch straight into a pre-shaped object; the rest go through the IFLA table's
 * codecs (the same data that drives encoding), unknown ones are kept raw.
 */
export function decodeLink(buf: Buffer, view: DataView, off: number, len: number): Link {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + IFINFOMSG_LEN) throw new DecodeError('RTM_NEWLINK shorter than ifinfomsg', PATH, off, NLMSG_HDRLEN + IFINFOMSG_LEN, len);
  const type = view.getUint16(h + 2, HOST_LE);
  const index = view.getInt32(h + 4, HOST_LE);
  const rawFlags = view.getUint32(h + 8, HOST_LE);
  // Every field the kernel usually sends, declared up front in one literal: one
  // hidden class for all links, so decoding only fills existing slots.
  const link: Link = {
    index, name: '', kind: undefined, flags: flagNames(rawFlags), rawFlags, up: (rawFlags & C.IFF_UP) !== 0,
    linkType: LINK_TYPES[type] ?? type, type,
    mtu: undefined, minMtu: undefined, maxMtu: undefined, txqlen: undefined, operstate: undefined, linkmode: undefined,
    group: undefined, address: undefined, broadcast: undefined, permaddr: undefined, qdisc: undefined, master: undefined,
    link: undefined, netnsId: undefined, alias: undefined, altnames: undefined, promiscuity: undefined, allmulti: undefined,
    carrier: undefined, carrierChanges: undefined, carrierUpCount: undefined, carrierDownCount: undefined,
    protoDown: undefined, numTxQueues: undefined, numRxQueues: undefined, gsoMaxSize: undefined, gsoMaxSegs: undefined,
    groMaxSize: undefined, tsoMaxSize: undefined, tsoMaxSegs: undefined, gsoIpv4MaxSize: undefined,
    groIpv4MaxSize: undefined, stats64: undefined, linkinfo: undefined, afSpec: undefined, map: undefined,
    xdp: undefined, event: undefined, netnsImmutable: undefined, headroom: undefined, tailroom: undefined,
    maxPacingOffloadHorizon: undefined, unknown: undefined,
  };
  const o = link as unknown as Record<string, unknown>;
  const end = off + len;
  let a = h + IFINFOMSG_LEN;
  while (end - a >= NLA_HDRLEN) {
    // The header checked inline (checkAttr only to throw), and align4 inline below: two
    // calls less per attribute, about 50 attributes per link, in the unoptimised tiers
    // that decode a fresh process's first dumps.
    const alen = view.getUint16(a, HOST_LE);
    if (alen < NLA_HDRLEN || alen > end - a) checkAttr(view, a, end, PATH); // throws the DecodeError
    const t = view.getUint16(a + 2, HOST_LE) & NLA_TYPE_MASK;
    const v = a + NLA_HDRLEN;
    const vl = alen - NLA_HDRLEN;
    switch (t < DISPATCH.length ? DISPATCH[t] : 0) {
      case 1 /* IFLA_IFNAME */: link.name = nameText(buf, v, vl); break;
      case 2 /* IFLA_MTU */: if (vl < 4) tooShort('IFLA_MTU', v, 4, vl); link.mtu = view.getUint32(v, HOST_LE); break;
      case 3 /* IFLA_TXQLEN */: if (vl < 4) tooShort('IFLA_TXQLEN', v, 4, vl); link.txqlen = view.getUint32(v, HOST_LE); break;
      case 4 /* IFLA_OPERSTATE */: if (vl < 1) tooShort('IFLA_OPERSTATE', v, 1, vl); link.operstate = OPERSTATES[buf[v]!] ?? String(buf[v]); break;
      case 5 /* IFLA_LINKMODE */: if (vl < 1) tooShort('IFLA_LINKMODE', v, 1, vl); link.linkmode = LINKMODES[buf[v]!] ?? String(buf[v]); break;
      case 6 /* IFLA_GROUP */: if (vl < 4) tooShort('IFLA_GROUP', v, 4, vl); link.group = view.getUint32(v, HOST_LE); break;
      case 7 /* IFLA_ADDRESS */: link.address = mac(buf, v, vl); break;
      case 8 /* IFLA_BROADCAST */: link.broadcast = BROADCAST_TEXT.get(buf, v, vl); break;
      case 9 /* IFLA_PERM_ADDRESS */: link.permaddr = mac(buf, v, vl); break;
      case 10 /* IFLA_QDISC */: link.qdisc = QDISC_TEXT.get(buf, v, vl); break;
      case 11 /* IFLA_MASTER */: if (vl < 4) tooShort('IFLA_MASTER', v, 4, vl); link.master = view.getUint32(v, HOST_LE); break;
      case 12 /* IFLA_LINK */: if (vl < 4) tooShort('IFLA_LINK', v, 4, vl); link.link = view.getUint32(v, HOST_LE); break;
      case 13 /* IFLA_LINK_NETNSID */: if (vl < 4) tooShort('IFLA_LINK_NETNSID', v, 4, vl); link.netnsId = view.getInt32(v, HOST_LE); break;
      case 14 /* IFLA_IFALIAS */: link.alias = strz(buf, v, vl); break;
      case 15 /* IFLA_PROMISCUITY */: if (vl < 4) tooShort('IFLA_PROMISCUITY', v, 4, vl); link.promiscuity = view.getUint32(v, HOST_LE); break;
      case 16 /* IFLA_ALLMULTI */: if (vl < 4) tooShort('IFLA_ALLMULTI', v, 4, vl); link.allmulti = view.getUint32(v, HOST_LE); break;
      case 17 /* IFLA_CARRIER */: if (vl < 1) tooShort('IFLA_CARRIER', v, 1, vl); link.carrier = buf[v] !== 0; break;
      case 18 /* IFLA_CARRIER_CHANGES */: if (vl < 4) tooShort('IFLA_CARRIER_CHANGES', v, 4, vl); link.carrierChanges = view.getUint32(v, HOST_LE); break;
      case 19 /* IFLA_CARRIER_UP_COUNT */: if (vl < 4) tooShort('IFLA_CARRIER_UP_COUNT', v, 4, vl); link.carrierUpCount = view.getUint32(v, HOST_LE); break;
      case 20 /* IFLA_CARRIER_DOWN_COUNT */: if (vl < 4) tooShort('IFLA_CARRIER_DOWN_COUNT', v, 4, vl); link.carrierDownCount = view.getUint32(v, HOST_LE); break;
      case 21 /* IFLA_PROTO_DOWN */: if (vl < 1) tooShort('IFLA_PROTO_DOWN', v, 1, vl); link.protoDown = buf[v] !== 0; break;
      case 22 /* IFLA_NUM_TX_QUEUES */: if (vl < 4) tooShort('IFLA_NUM_TX_QUEUES', v, 4, vl); link.numTxQueues = view.getUint32(v, HOST_LE); break;
      case 23 /* IFLA_NUM_RX_QUEUES */: if (vl < 4) tooShort('IFLA_NUM_RX_QUEUES', v, 4, vl); link.numRxQueues = view.getUint32(v, HOST_LE); break;
      case 24 /* IFLA_GSO_MAX_SIZE */: if (vl < 4) tooShort('IFLA_GSO_MAX_SIZE', v, 4, vl); link.gsoMaxSize = view.getUint32(v, HOST_LE); break;
      case 25 /* IFLA_GSO_MAX_SEGS */: if (vl < 4) tooShort('IFLA_GSO_MAX_SEGS', v, 4, vl); link.gsoMaxSegs = view.getUint32(v, HOST_LE); break;
      case 26 /* IFLA_GRO_MAX_SIZE */: if (vl < 4) tooShort('IFLA_GRO_MAX_SIZE', v, 4, vl); link.groMaxSize = view.getUint32(v, HOST_LE); break;
      case 27 /* IFLA_TSO_MAX_SIZE */: if (vl < 4) tooShort('IFLA_TSO_MAX_SIZE', v, 4, vl); link.tsoMaxSize = view.getUint32(v, HOST_LE); break;
      case 28 /* IFLA_TSO_MAX_SEGS */: if (vl < 4) tooShort('IFLA_TSO_MAX_SEGS', v, 4, vl); link.tsoMaxSegs = view.getUint32(v, HOST_LE); break;
      case 29 /* IFLA_GSO_IPV4_MAX_SIZE */: if (vl < 4) tooShort('IFLA_GSO_IPV4_MAX_SIZE', v, 4, vl); link.gsoIpv4MaxSize = view.getUint32(v, HOST_LE); break;
      case 30 /* IFLA_GRO_IPV4_MAX_SIZE */: if (vl < 4) tooShort('IFLA_GRO_IPV4_MAX_SIZE', v, 4, vl); link.groIpv4MaxSize = view.getUint32(v, HOST_LE); break;
      case 31 /* IFLA_MIN_MTU */: if (vl < 4) tooShort('IFLA_MIN_MTU', v, 4, vl); link.minMtu = view.getUint32(v, HOST_LE); break;
      case 32 /* IFLA_MAX_MTU */: if (vl < 4) tooShort('IFLA_MAX_MTU', v, 4, vl); link.maxMtu = view.getUint32(v, HOST_LE); break;
      case 33 /* IFLA_HEADROOM */: if (vl < 2) tooShort('IFLA_HEADROOM', v, 2, vl); link.headroom = view.getUint16(v, HOST_LE); break;
      case 34 /* IFLA_TAILROOM */: if (vl < 2) tooShort('IFLA_TAILROOM', v, 2, vl); link.tailroom = view.getUint16(v, HOST_LE); break;
      case 35 /* IFLA_NETNS_IMMUTABLE */: if (vl < 1) tooShort('IFLA_NETNS_IMMUTABLE', v, 1, vl); link.netnsImmutable = buf[v] !== 0; break;
      case 36 /* IFLA_STATS64 */: link.stats64 = decodeStats64(view, v, vl); break;
      case 37 /* IFLA_STATS */: case 38 /* IFLA_PAD */: break; // superseded by IFLA_STATS64 / padding
      case 39 /* IFLA_AF_SPEC */: link.afSpec = decodeAfSpec(buf, view, v, vl, PATH_AFSPEC); break;
      case 40 /* IFLA_PROP_LIST */: link.altnames = decodeAltnames(buf, view, v, v + vl); break;
      case 41 /* IFLA_LINKINFO */: {
        const li = decodeLinkinfo(buf, view, v, vl, PATH_LINKINFO);
        link.linkinfo = li;
        if (li.kind !== undefined) link.kind = li.kind;
        break;
      }
      case 42 /* IFLA_MAP */: link.map = decodeMap(buf, view, v, vl); break;
      case 43 /* IFLA_XDP */:
        // No program attached (what every link without XDP sends): IFLA_XDP_ATTACHED
        // alone, as one literal; anything else through the table.
        link.xdp = vl === 8 && view.getUint32(v, HOST_LE) === HDR_XDP_ATTACHED ? { attached: buf[v + NLA_HDRLEN]! } : IFLA_XDP_TABLE.decode(buf, view, v, v + vl, PATH_XDP);
        break;
      case 44 /* IFLA_EVENT */: if (vl < 4) tooShort('IFLA_EVENT', v, 4, vl); link.event = view.getUint32(v, HOST_LE); break;
      case 45 /* IFLA_MAX_PACING_OFFLOAD_HORIZON */: {
        const h = decodeUint(view, v, vl);
        if (h !== undefined) link.maxPacingOffloadHorizon = h;
        break;
      }
      // Not in the literal above (older kernels do not send them): added in wire order,
      // as the table path would.
      case 46 /* IFLA_DEVLINK_PORT */: link.devlinkPort = copyBytes(buf, v, v + vl); break;
      case 47 /* IFLA_DPLL_PIN */: link.dpllPin = copyBytes(buf, v, v + vl); break;
      default: {
        const row = IFLA.byType[t];
        if (row === undefined) (link.unknown ??= []).push({ type: t, value: copyBytes(buf, v, v + vl) });
        else {
          const val = decodeRow(row, buf, view, v, vl, PATH, o);
          if (val !== undefined) o[row.key] = val;
        }
      }
    }
    a += (alen + 3) & ~3;
  }
  if (end - a > 3) throw new DecodeError('trailing bytes after attributes', PATH, a, NLA_HDRLEN, end - a);
  return link;
}

function decodeAltnames(buf: Buffer, view: DataView, start: number, end: number): string[] {
  const out: string[] = [];
  let off = start;
  while (end - off >= NLA_HDRLEN) {
    const alen = checkAttr(view, off, end, PATH_PROPLIST);
    if ((view.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK) === C.IFLA_ALT_IFNAME) out.push(strz(buf, off + NLA_HDRLEN, alen - NLA_HDRLEN));
    off += align4(alen);
  }
  return out;
}

/** A {@link Link} of kind `K`, with `linkinfo.data` of that kind's type ({@link KindData}). */
export type LinkOfKind<K extends keyof KindData> = Omit<Link, 'kind' | 'linkinfo'> & {
  /** The kind. */
  kind: K;
  /** IFLA_LINKINFO, its data typed by the kind. */
  linkinfo: Omit<LinkInfo, 'kind' | 'data'> & { kind: K; data?: KindData[K] | undefined };
};

/**
 * Whether `link` is of kind `kind` (IFLA_INFO_KIND), narrowing it so that
 * `link.linkinfo.data` has the kind's type: `if (isLinkKind(l, 'vxlan')) l.linkinfo.data?.id`.
 * The list-side filter is `rt.link.list({ kind })` (`ip -d link show type vxlan`), whose links are typed so already.
 */
export function isLinkKind<K extends keyof KindData>(link: Link, kind: K): link is LinkOfKind<K> {
  return link.kind === kind && link.linkinfo !== undefined;
}

/** A {@link Link} that is a port of a master of kind `K`, with `linkinfo.slaveData` of that port kind's type ({@link PortData}). */
export type LinkPortOf<K extends keyof PortData> = Omit<Link, 'linkinfo'> & {
  /** IFLA_LINKINFO, its port data typed by the master's kind. */
  linkinfo: Omit<LinkInfo, 'slaveKind' | 'slaveData'> & { slaveKind: K; slaveData?: PortData[K] };
};

/**
 * Whether `link` is a port of a master of kind `kind` (IFLA_INFO_SLAVE_KIND), narrowing
 * it so that `link.linkinfo.slaveData` has the port kind's type:
 * `if (isPortOf(l, 'bridge')) l.linkinfo.slaveData?.state` (BridgePortData; see {@link PortData}).
 * The list-side filter is `rt.link.list({ master })`.
 *
 * Equivalent to: the "bridge_slave" part of `ip -d link show dev NAME`.
 */
export function isPortOf<K extends keyof PortData>(link: Link, kind: K): link is LinkPortOf<K> {
  return link.linkinfo !== undefined && link.linkinfo.slaveKind === kind;
}
