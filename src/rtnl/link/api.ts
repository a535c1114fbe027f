/**
 * `rt.link`: create, read, change and delete network interfaces over RTM_*LINK.
 * @module
 */
import { ClosedError, InvalidArgumentError, NetlinkError, NLM_F_APPEND, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, HOST_LE, type BatchRequest, type MessageWriter, type NetlinkSocket, type RequestWithOptions, NLMSG_HDRLEN, showValue, walkAttrs, hexColon, MessageWriter as Writer } from '../../netlink/index.js';
import * as C from '../constants.js';
import { decodeKept, eachArgs, existingLinkIndex, missingLink, noReply, type ForEachCallback, type RtnlCore } from '../core.js';
import { resolveNetns, putNetns, netnsText, type NetnsTarget } from '../netns-target.js';
import { openRouteSocket } from '../route-socket.js';
import { ALTNAME_MAX, IFNAME_MAX, checkBool, checkHwAddr, checkIfname, checkKeys, checkLinkRef, checkMtu, checkNewIfname, checkObject, checkQueueCount, checkString, checkU32, isNameTemplate } from '../validate.js';
import { decodeLink, type Link, type LinkOfKind } from './decode.js';
import { kindCodec, knownKinds, prepareTunOptions, BRIDGE_PORT_DATA, type KindCodec, type KindData, type KindEncodeContext, type KindOptions, type PreparedTun, type TunOptions, type VethPeerSpec } from './kinds/index.js';
import { TunFile, socketNetns } from './tuntap.js';
import * as sys from '../../netlink/sys.js';
import { IFINFOMSG_LEN } from './table.js';
import { AF_BRIDGE, AF_INET6 } from '../ip.js';
import { BPF_PROG_TYPE_XDP, checkPinnedPath, closePrograms, fdHolds, openPrograms, progTypeName, type PinnedProgram } from '../bpf-program.js';
import { registerLayout } from '../describer.js';
import { IFLA } from './table.js';

registerLayout([C.RTM_NEWLINK, C.RTM_DELLINK, C.RTM_GETLINK, C.RTM_SETLINK], IFINFOMSG_LEN, IFLA);

/** Attributes common to a link being created (and to a veth peer). */
export interface LinkAttrs {
  /**
   * Interface name, 1–15 bytes. A name with '%d' is a template the kernel fills in with
   * the lowest free number ('veth%d' → 'veth0', as `ip link add veth%d`); any other '%' is
   * refused. Defaults to a kernel-chosen name (e.g. veth0).
   */
  readonly name?: string | undefined;
  /**
   * MTU, 0..2147483647, and at least 68 for an Ethernet kind (veth, bridge, macvlan, tap…:
   * refused before sending; an ifb, dummy or vlan takes any from 0); the kind checks the
   * rest of its range (at most 65535 for a veth). Defaults to the kind's default (1500 for
   * Ethernet kinds).
   */
  readonly mtu?: number | undefined;
  /** Hardware address (string or MacAddr), set in the create message. Defaults to random. */
  readonly address?: string | Uint8Array | { readonly bytes: Uint8Array } | undefined;
  /** Broadcast hardware address. */
  readonly broadcast?: string | Uint8Array | { readonly bytes: Uint8Array } | undefined;
  /** Transmit queue length. */
  readonly txqlen?: number | undefined;
  /** Device group. Defaults to 0 ('default'). */
  readonly group?: number | undefined;
  /**
   * ifalias. The kernel ignores IFLA_IFALIAS in a create message (as `ip link add …
   * alias A` shows), so `add` sets it by name right after the create, in the link's own
   * netns; a failure there deletes the new link again. Needs `name`, an exact one (not a template).
   */
  readonly alias?: string | undefined;
  /** Bring the link up in the create message. Defaults to false. */
  readonly up?: boolean | undefined;
  /** Namespace to create the link in. Defaults to the handle's netns. */
  readonly netns?: NetnsTarget | undefined;
  /** Number of TX/RX queues, 1..4096. Defaults to the kind's choice (veth: one per possible CPU, one of them in use). */
  readonly numTxQueues?: number | undefined;
  /** Number of RX queues (IFLA_NUM_RX_QUEUES; `ip link add … numrxqueues`), 1..4096; default as for `numTxQueues`. */
  readonly numRxQueues?: number | undefined;
  /**
   * IFLA_GSO_MAX_SIZE (`ip link add … gso_max_size N`), in bytes: the largest GSO packet the
   * stack builds for the new link (BIG TCP: above 65536). Set in the create message, as
   * vishvananda/netlink's LinkAttrs.GSOMaxSize; `rt.link.set` changes it later. Defaults
   * to the kernel's (65536).
   */
  readonly gsoMaxSize?: number | undefined;
  /** IFLA_GSO_MAX_SEGS (`ip link add … gso_max_segs N`): the most segments of a GSO packet. */
  readonly gsoMaxSegs?: number | undefined;
  /** IFLA_GRO_MAX_SIZE (`ip link add … gro_max_size N`), in bytes: the largest packet GRO builds. */
  readonly groMaxSize?: number | undefined;
  /** IFLA_GSO_IPV4_MAX_SIZE (`ip link add … gso_ipv4_max_size N`): `gsoMaxSize` for IPv4 packets. */
  readonly gsoIpv4MaxSize?: number | undefined;
  /** IFLA_GRO_IPV4_MAX_SIZE (`ip link add … gro_ipv4_max_size N`): `groMaxSize` for IPv4 packets. */
  readonly groIpv4MaxSize?: number | undefined;
}

/** What every {@link LinkSpec} has besides its kind and kind options. */
export interface LinkSpecBase extends LinkAttrs {
  /** Master to enslave to at creation (bridge/bond name or ifindex). */
  readonly master?: string | number | undefined;
  /**
   * Parent link (macvlan, macvtap, vlan, ipvlan: required; vxlan: optional underlay
   * device, sent as IFLA_VXLAN_LINK like ip's `dev`, which `data.link` takes by ifindex).
   */
  readonly link?: string | number | undefined;
}

/**
 * What `rt.link.add` takes for a tun or tap device, which the kernel makes through
 * /dev/net/tun rather than RTM_NEWLINK: the common attributes and `data`
 * ({@link TunOptions}: owner, group, multiQueue, vnetHdr, pi). No parent link, peer or
 * queue counts (the kernel sizes a tun's queues itself: one, or 256 with multiQueue);
 * a 'tun' carries IP packets and has no hardware address, so `address` and `broadcast`
 * are for a 'tap' only. The device is persistent, as `ip tuntap add` makes it.
 *
 * Equivalent to: `ip tuntap add dev NAME mode tap [user U] [group G] [multi_queue] [vnet_hdr] [pi]`,
 * then `ip link set dev NAME mtu M address A … up`.
 */
export interface TunSpec extends Omit<LinkSpecBase, 'link' | 'numTxQueues' | 'numRxQueues'> {
  /**
   * 'tap' (Ethernet frames, IFF_TAP) or 'tun' (IP packets, IFF_TUN). Either is listed
   * as kind 'tun', its `linkinfo.data.type` saying which.
   */
  readonly kind: 'tun' | 'tap';
  /** What `ip tuntap add` takes besides the mode: owner, group, multiQueue, vnetHdr, pi. */
  readonly data?: TunOptions | undefined;
  /** A tun has no peer. */
  readonly peer?: undefined;
  /** A tun has no parent link: its other end is the file a program attaches to it. */
  readonly link?: undefined;
  /** Not for a tun: the kernel sizes its queues. */
  readonly numTxQueues?: undefined;
  /** Not for a tun: the kernel sizes its queues. */
  readonly numRxQueues?: undefined;
}

/**
 * What `rt.link.add` takes: the kind (IFLA_INFO_KIND) and, for kinds with options,
 * `data` (IFLA_INFO_DATA) typed by the kind — {@link VxlanOptions} for 'vxlan', and so
 * on ({@link KindOptions}); veth takes `peer`; 'tun' and 'tap' take {@link TunSpec}.
 * Other kinds nlkit knows without options ('ifb', 'dummy', 'wireguard') and kinds it does not know
 * are created by name alone.
 */
export type LinkSpec =
  | TunSpec
  | { readonly [K in keyof KindOptions]: LinkSpecBase & { readonly kind: K; readonly data?: KindOptions[K] | undefined; readonly peer?: undefined } }[keyof KindOptions]
  | (LinkSpecBase & {
      readonly kind: 'veth';
      /** The peer end (made in its own netns when it names one). */
      readonly peer?: VethPeerSpec | undefined;
      readonly data?: undefined;
    })
  | (LinkSpecBase & {
      /** A kind without options: 'ifb', 'dummy', 'wireguard', or one nlkit does not encode. */
      readonly kind: string;
      readonly data?: undefined;
      readonly peer?: undefined;
    });

/** Bridge-port options (IFLA_INFO_SLAVE_DATA with slave kind 'bridge'). */
export interface BridgePortOptions {
  /** IFLA_BRPORT_MODE: hairpin mode, frames may be sent back out the port they came in on (`hairpin on`). */
  readonly hairpin?: boolean | undefined;
  /** IFLA_BRPORT_LEARNING: learn source MAC addresses on this port (`learning on`). */
  readonly learning?: boolean | undefined;
  /** IFLA_BRPORT_UNICAST_FLOOD: flood unicast with no FDB entry to this port (`flood on`). */
  readonly flood?: boolean | undefined;
  /** IFLA_BRPORT_MCAST_FLOOD: flood multicast with no MDB entry to this port (`mcast_flood on`). */
  readonly mcastFlood?: boolean | undefined;
  /** IFLA_BRPORT_BCAST_FLOOD: flood broadcast to this port (`bcast_flood on`). */
  readonly bcastFlood?: boolean | undefined;
  /** IFLA_BRPORT_COST: STP path cost (`cost`), 1..65535 as the kernel takes it (checked before anything is sent). */
  readonly cost?: number | undefined;
  /** IFLA_BRPORT_PRIORITY: STP port priority (`priority`), 0..63 as the kernel takes it (checked before anything is sent). */
  readonly priority?: number | undefined;
  /** IFLA_BRPORT_STATE: STP state (`state`) by name, or by number 0..4 (BR_STATE_*). */
  readonly state?: 'disabled' | 'listening' | 'learning' | 'forwarding' | 'blocking' | number | undefined;
  /** IFLA_BRPORT_ISOLATED: isolated port, which forwards only to non-isolated ports (`isolated on`). */
  readonly isolated?: boolean | undefined;
  /** IFLA_BRPORT_NEIGH_SUPPRESS: ARP/ND proxy and suppression on this port (`neigh_suppress on`). */
  readonly neighSuppress?: boolean | undefined;
  /** IFLA_BRPORT_PROXYARP: proxy ARP on this port (`proxy_arp on`). */
  readonly proxyarp?: boolean | undefined;
  /** IFLA_BRPORT_GUARD: BPDU guard, drop incoming BPDUs on this port (`guard on`). */
  readonly guard?: boolean | undefined;
  /** IFLA_BRPORT_FAST_LEAVE: multicast fast leave (`fastleave on`). */
  readonly fastLeave?: boolean | undefined;
  /** IFLA_BRPORT_PROTECT: root port protection, ignore superior BPDUs (`root_block on`). */
  readonly rootBlock?: boolean | undefined;
  /** IFLA_BRPORT_MCAST_TO_UCAST: send multicast to each listener as unicast (`mcast_to_unicast on`). */
  readonly mcastToUcast?: boolean | undefined;
  /** IFLA_BRPORT_PROXYARP_WIFI: proxy ARP for Wi-Fi (`proxy_arp_wifi on`). */
  readonly proxyarpWifi?: boolean | undefined;
  /** IFLA_BRPORT_VLAN_TUNNEL: map VLANs to tunnel ids on this port (`vlan_tunnel on`). */
  readonly vlanTunnel?: boolean | undefined;
  /** IFLA_BRPORT_LOCKED: forward only from hosts with an FDB entry, as for 802.1X (`locked on`). */
  readonly locked?: boolean | undefined;
  /**
   * IFLA_BRPORT_GROUP_FWD_MASK: link-local groups 01:80:c2:00:00:0X forwarded out of this
   * port, bit X (`group_fwd_mask`; 0x4000 is LLDP), 0..65535 without bits 0..2 (STP, pause
   * and slow protocols are never forwarded; checked before anything is sent).
   */
  readonly groupFwdMask?: number | undefined;
  /** IFLA_BRPORT_MULTICAST_ROUTER: 0 never, 1 learned from queries (the default), 2 always, 3 temporary (`mcast_router`). */
  readonly multicastRouter?: number | undefined;
  /** IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT: tracked IGMPv3/MLDv2 hosts, 1..4294967295 (`mcast_eht_hosts_limit`). */
  readonly mcastEhtHostsLimit?: number | undefined;
  /**
   * IFLA_BRPORT_BACKUP_PORT: the port that takes this one's traffic while its carrier is
   * down, name or ifindex (`backup_port DEV`); `null` removes it (`nobackup_port`).
   * Decoded as an ifindex.
   */
  readonly backupPort?: string | number | null | undefined;
}

/**
 * What `rt.link.set` changes. Every field is optional; all changes go in one message
 * (see `set` for the few that follow in requests of their own). `kind` and `data` change
 * the link's kind options: {@link KindChange}.
 */
export type LinkChange = LinkChangeBase & KindChange;

/**
 * The kind options of a change (IFLA_LINKINFO › IFLA_INFO_KIND, IFLA_INFO_DATA, sent in
 * the change's RTM_NEWLINK): `data` as `rt.link.add` takes it for that kind
 * ({@link KindOptions}), and `kind`, which must be the link's (as ip's `type KIND`). The
 * kind is given rather than read from the link: the kernel reads the options by it, a
 * change costs no lookup, and a link of another kind is refused by the kernel
 * (EOPNOTSUPP), after which nlkit reads the link to say what it is.
 *
 * Equivalent to: `ip link set NAME type bridge stp_state 1 forward_delay 400` is
 * `{ kind: 'bridge', data: { stpState: 1, forwardDelay: 400 } }`; `ip link set NAME type
 * vxlan ageing 600` is `{ kind: 'vxlan', data: { ageing: 600 } }`; `ip link set NAME type
 * macvlan mode bridge` is `{ kind: 'macvlan', data: { mode: 'bridge' } }`; `ip link set
 * NAME type macvlan macaddr add MAC` is `{ kind: 'macvlan', data: { macaddr: { add: MAC } } }`.
 */
export type KindChange =
  | { readonly [K in keyof KindOptions]: { readonly kind: K; readonly data: KindOptions[K] } }[keyof KindOptions]
  | { readonly kind?: undefined; readonly data?: undefined };

/** The fields of {@link LinkChange} other than the kind options. */
export interface LinkChangeBase {
  /** Set IFF_UP (true) or clear it (false). */
  readonly up?: boolean | undefined;
  /**
   * IFLA_MTU (`ip link set … mtu`), 0..2147483647; the kernel checks the device's own range
   * (`minMtu`..`maxMtu` of {@link Link}: 0.. for lo, 68..65535 for a veth), and a refusal
   * below the minimum names that range.
   */
  readonly mtu?: number | undefined;
  /** New name (the link is addressed by index, resolved first when a name is given); a '%d' template is filled in by the kernel, as for `add`. */
  readonly name?: string | undefined;
  /** Hardware address (IFLA_ADDRESS; `ip link set … address`), string or MacAddr; its length must match the link's. */
  readonly address?: string | Uint8Array | { readonly bytes: Uint8Array } | undefined;
  /** Broadcast hardware address (IFLA_BROADCAST; `ip link set … broadcast`); its length must match the link's. */
  readonly broadcast?: string | Uint8Array | { readonly bytes: Uint8Array } | undefined;
  /** Enslave to a master (name or ifindex); `null` detaches. */
  readonly master?: string | number | null | undefined;
  /**
   * Move to another netns (with `name`, move and rename in one message). The kernel moves
   * first and renames after: a `name` taken in the target netns leaves the link moved
   * under its old name (EEXIST, as `ip link set … netns X name N`; the error says so).
   */
  readonly netns?: NetnsTarget | undefined;
  /** Device group (IFLA_GROUP; `ip link set … group`); 0 is 'default'. */
  readonly group?: number | undefined;
  /** ifalias; '' clears it. */
  readonly alias?: string | undefined;
  /** Transmit queue length, in packets (IFLA_TXQLEN; `ip link set … txqueuelen`). */
  readonly txqlen?: number | undefined;
  /** Set IFF_PROMISC. */
  readonly promisc?: boolean | undefined;
  /** Set IFF_ALLMULTI. */
  readonly allmulti?: boolean | undefined;
  /** Set IFF_NOARP (arp off = true). */
  readonly noarp?: boolean | undefined;
  /** IFLA_CARRIER (for devices that allow it). */
  readonly carrier?: boolean | undefined;
  /**
   * IFLA_PROTO_DOWN (`ip link set … protodown on|off`): hold the link down for a protocol
   * error; for drivers that allow it (macvlan, vxlan; a veth answers EOPNOTSUPP,
   * 'Protodown not supported by device').
   */
  readonly protoDown?: boolean | undefined;
  /**
   * IFLA_GSO_MAX_SIZE (`ip link set … gso_max_size`), in bytes: the largest GSO packet the
   * stack builds for the link; the kernel refuses more than the device's `tsoMaxSize`
   * ('too big gso_max_size').
   */
  readonly gsoMaxSize?: number | undefined;
  /** IFLA_GSO_MAX_SEGS (`ip link set … gso_max_segs`): the most segments of a GSO packet; at most the device's `tsoMaxSegs`. */
  readonly gsoMaxSegs?: number | undefined;
  /** IFLA_GRO_MAX_SIZE (`ip link set … gro_max_size`), in bytes: the largest packet GRO builds on the link. */
  readonly groMaxSize?: number | undefined;
  /** IFLA_GSO_IPV4_MAX_SIZE (`ip link set … gso_ipv4_max_size`), in bytes: `gsoMaxSize` for IPv4 packets. */
  readonly gsoIpv4MaxSize?: number | undefined;
  /** IFLA_GRO_IPV4_MAX_SIZE (`ip link set … gro_ipv4_max_size`), in bytes: `groMaxSize` for IPv4 packets. */
  readonly groIpv4MaxSize?: number | undefined;
  /** Bridge-port options for a link enslaved to a bridge. */
  readonly bridgePort?: BridgePortOptions | undefined;
  /**
   * Attach or detach an XDP program (IFLA_XDP; `ip [-force] link set … xdp|xdpgeneric|xdpdrv|xdpoffload
   * fd N|pinned PATH|off`): `{ fd, mode?, force? }` or `{ pinned, mode?, force? }` attaches,
   * `{ fd: null, mode? }` detaches in that mode (`… xdp off`), and `null` detaches whatever
   * is attached, in each mode it is attached in.
   */
  readonly xdp?: XdpChange | null | undefined;
  /**
   * How the kernel makes the link's IPv6 link-local address (IFLA_AF_SPEC › AF_INET6 ›
   * IFLA_INET6_ADDR_GEN_MODE; `ip link set … addrgenmode`): 'eui64' (from the MAC, the
   * default), 'none' (no link-local address, no DAD or router solicitation from it),
   * 'stable_secret' (RFC 7217; needs net.ipv6.conf.DEV.stable_secret or the default's set
   * first) or 'random'. It applies to the addresses made from then on (at the next up).
   * With `up: true` in the same call, the up follows in a request of its own, so that the
   * mode governs it: in one message the kernel brings the link up first, and a link ready
   * at once gets its link-local address by the old mode (as `ip link set … up addrgenmode
   * none` leaves an eui64 one).
   */
  readonly addrGenMode?: AddrGenMode | undefined;
}

/** The IPv6 address generation modes, by the words `ip link set … addrgenmode` takes. */
export type AddrGenMode = 'eui64' | 'none' | 'stable_secret' | 'random';

/**
 * What `rt.link.set(…, { xdp })` attaches or detaches: the program by `fd` (`null`
 * detaches) or by the path it is `pinned` at, exactly one of the two.
 */
export type XdpChange = XdpChangeCommon & ({
  /** The fd of a loaded BPF_PROG_TYPE_XDP program (the kernel takes its own reference; the fd stays the caller's), or `null` to detach. */
  readonly fd: number | null;
  /** Not with `fd`. */
  readonly pinned?: undefined;
} | {
  /**
   * The path of a BPF_PROG_TYPE_XDP program pinned on a bpf filesystem (`ip link set …
   * xdp pinned PATH`): opened (BPF_OBJ_GET) and type-checked before any request, closed
   * once the kernel has answered. A relative path is the process's working directory's.
   */
  readonly pinned: string;
  /** Not with `pinned`. */
  readonly fd?: undefined;
});

/** What every {@link XdpChange} has besides its program. */
export interface XdpChangeCommon {
  /**
   * 'generic' (`xdpgeneric`, XDP_FLAGS_SKB_MODE: any device, in the stack), 'driver'
   * (`xdpdrv`, XDP_FLAGS_DRV_MODE: in the driver, which must support it; veth does) or
   * 'offload' (`xdpoffload`, XDP_FLAGS_HW_MODE). Defaults to the kernel's choice (`xdp`):
   * driver mode where the driver has it, else generic — for a detach too, so a generic
   * program on a veth is detached only with mode 'generic' (or `xdp: null`).
   */
  readonly mode?: 'generic' | 'driver' | 'offload' | undefined;
  /** Replace a program already attached in that mode (`ip -force`). Defaults to false: the kernel then refuses with EBUSY ("XDP program already attached"). */
  readonly force?: boolean | undefined;
}

/** Options for `add` and `set`. */
export interface LinkWriteOptions {
  /**
   * NLM_F_ECHO: the kernel returns the link as it is after the change, in the same
   * round trip (kernels ≥ 6.3; older ones fall back to a GETLINK). The promise then
   * resolves with the Link. A link moved to (or made in) another netns (`netns`) is not
   * echoed to this one: it is read there by its name, over a socket opened in that netns
   * for it, so a `name` template ('v%d') — or, for `add`, no name — is refused with
   * `netns` and echo. Defaults to false.
   */
  readonly echo?: boolean | undefined;
}

const WRITE_OPTION_KEYS: ReadonlySet<string> = new Set(['echo']);

/** Check a {@link LinkWriteOptions} argument (undefined is none); returns `echo`. */
function writeOptions(options: unknown): boolean {
  if (options === undefined) return false;
  const o = checkObject(options, 'options');
  checkKeys(o, WRITE_OPTION_KEYS, 'options.');
  return o['echo'] !== undefined && checkBool(o['echo'], 'options.echo');
}

/**
 * Options for `rt.link.addMany`. None yet: the object is checked all the same, so a key
 * given today is refused rather than silently ignored.
 */
export interface LinkManyOptions {}

/** Filters for `rt.link.list`. */
export interface LinkFilter {
  /** Only links of this kind (filtered by the kernel when it knows the kind, and checked again here). */
  readonly kind?: string | undefined;
  /** Only ports of this master (name or ifindex; filtered by the kernel, checked again here). */
  readonly master?: string | number | undefined;
  /** Only links in this group. */
  readonly group?: number | undefined;
}

/** The u32 limits a change may set: key, attribute, and ip's word for it. */
const LIMIT_KEYS: ReadonlyArray<readonly [string, number, string]> = [
  ['gsoMaxSize', C.IFLA_GSO_MAX_SIZE, 'gso_max_size'], ['gsoMaxSegs', C.IFLA_GSO_MAX_SEGS, 'gso_max_segs'], ['groMaxSize', C.IFLA_GRO_MAX_SIZE, 'gro_max_size'],
  ['gsoIpv4MaxSize', C.IFLA_GSO_IPV4_MAX_SIZE, 'gso_ipv4_max_size'], ['groIpv4MaxSize', C.IFLA_GRO_IPV4_MAX_SIZE, 'gro_ipv4_max_size'],
];

const LINK_ATTR_KEYS = new Set(['name', 'mtu', 'address', 'broadcast', 'txqlen', 'group', 'alias', 'up', 'netns', 'numTxQueues', 'numRxQueues', ...LIMIT_KEYS.map(([k]) => k)]);
const SPEC_KEYS = new Set([...LINK_ATTR_KEYS, 'kind', 'master', 'link', 'peer', 'data']);
const CHANGE_KEYS = new Set(['up', 'mtu', 'name', 'address', 'broadcast', 'master', 'netns', 'group', 'alias', 'txqlen', 'promisc', 'allmulti', 'noarp', 'carrier', 'bridgePort', 'xdp', 'addrGenMode', 'kind', 'data', ...LIMIT_KEYS.map(([k]) => k), 'protoDown']);

/** A change's kind options, checked: the codec, and `data` as given (every value encoded once before sending). */
interface KindDataChange {
  readonly kind: string;
  readonly codec: KindCodec;
  readonly data: Record<string, unknown>;
}

/**
 * Check `kind` and `data` of a change (no I/O): the kind nlkit encodes options for, the
 * keys of its table, options its changelink never takes, and every value (encoded into a
 * scratch writer, so that a bad one is refused before any request of the call is sent).
 */
function prepareKindChange(c: Record<string, unknown>, mtu: number | undefined): KindDataChange {
  const given = c['kind'];
  const data = c['data'];
  if (given === undefined) throw new InvalidArgumentError('kind', "is needed with data (as ip's `type KIND`): the link's kind, by which the kernel reads the options");
  if (typeof given !== 'string' || !KIND_RE.test(given)) throw new InvalidArgumentError('kind', `expected a link kind name, got ${showValue(given)}`);
  if (data === undefined) throw new InvalidArgumentError('data', `is needed with kind '${given}': kind names the kind of the options in data (the kernel takes a kind alone without a word, checking nothing)`);
  if (given === 'tun' || given === 'tap') throw new InvalidArgumentError('kind', `a ${given}'s options are set through /dev/net/tun when it is made: the kernel refuses them in a change ('tun/tap creation via rtnetlink is not supported')`);
  const codec = kindCodec(given);
  if (!codec) throw new InvalidArgumentError('kind', `unknown link kind '${given}' (nlkit encodes: ${knownKinds().join(', ')})`);
  if (!codec.data) throw new InvalidArgumentError('data', `a ${given} has no options to change`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidArgumentError('data', `expected an object, got ${showValue(data)}`);
  const d = data as Record<string, unknown>;
  checkKeys(d, dataKeysOf(given, codec.data), 'data.');
  const refused = codec.changeRefused;
  if (refused) for (const k of Object.keys(d)) {
    const why = d[k] !== undefined ? refused.get(k) : undefined;
    if (why !== undefined) throw new InvalidArgumentError(`data.${k}`, `a ${given}'s ${k} ${why}`);
  }
  // vxlan_nl2conf: 'Cannot change mtu' when IFLA_MTU comes with the options.
  if (codec.changeNoMtu && mtu !== undefined) throw new InvalidArgumentError('mtu', `not in the same change as a ${given}'s data: the kernel refuses IFLA_MTU with them ('Cannot change mtu'); set the MTU in a set() of its own`);
  if (codec.validateChange) codec.validateChange(d);
  const scratch = new Writer(256);
  try {
    codec.data.encode(scratch.begin(C.RTM_NEWLINK, 0, 0, 0), d, 'data.');
  } finally {
    scratch.release();
  }
  return { kind: codec.kind, codec, data: d };
}
const ADDR_GEN_MODES: Readonly<Record<AddrGenMode, number>> = { eui64: C.IN6_ADDR_GEN_MODE_EUI64, none: C.IN6_ADDR_GEN_MODE_NONE, stable_secret: C.IN6_ADDR_GEN_MODE_STABLE_PRIVACY, random: C.IN6_ADDR_GEN_MODE_RANDOM };
/** The words of ADDR_GEN_MODES by number, for a request's subject. */
const ADDR_GEN_MODE_WORDS: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(ADDR_GEN_MODES).map(([k, v]) => [v, k]));
const XDP_KEYS: ReadonlySet<string> = new Set(['fd', 'pinned', 'mode', 'force']);
const XDP_MODE_FLAGS: Readonly<Record<string, number>> = { generic: C.XDP_FLAGS_SKB_MODE, driver: C.XDP_FLAGS_DRV_MODE, offload: C.XDP_FLAGS_HW_MODE };

/** IFLA_XDP as `set` sends it: IFLA_XDP_FD (-1 detaches; a pinned program's fd once opened) and IFLA_XDP_FLAGS. */
interface XdpAttr {
  readonly fd: number;
  readonly flags: number;
  readonly program?: PinnedProgram | undefined;
}

/** Check `xdp` of a change (not null): the attribute to send, with the flags `ip` sends (XDP_FLAGS_UPDATE_IF_NOEXIST unless forced, the mode's). */
function checkXdp(v: unknown): XdpAttr {
  const x = checkObject(v, 'xdp');
  checkKeys(x, XDP_KEYS, 'xdp.');
  const fd = x['fd'];
  const program = x['pinned'] !== undefined ? checkPinnedPath(x['pinned'], 'xdp.pinned', BPF_PROG_TYPE_XDP) : undefined;
  if (program && fd !== undefined) throw new InvalidArgumentError('xdp.pinned', 'the program by fd or by pinned path, not both');
  if (!program && fd === undefined) throw new InvalidArgumentError('xdp.fd', 'expected the fd of a loaded BPF_PROG_TYPE_XDP program, or null to detach (or its pinned path)');
  if (fd !== undefined && fd !== null && (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff)) throw new InvalidArgumentError('xdp.fd', `expected the fd of a loaded BPF_PROG_TYPE_XDP program (an integer >= 0) or null, got ${showValue(fd)}`);
  const mode = x['mode'];
  if (mode !== undefined && (typeof mode !== 'string' || !Object.hasOwn(XDP_MODE_FLAGS, mode))) throw new InvalidArgumentError('xdp.mode', `expected 'generic', 'driver' or 'offload', got ${showValue(mode)}`);
  const force = x['force'] !== undefined && checkBool(x['force'], 'xdp.force');
  return { fd: fd === null || fd === undefined ? -1 : fd, flags: (force ? 0 : C.XDP_FLAGS_UPDATE_IF_NOEXIST) | (mode === undefined ? 0 : XDP_MODE_FLAGS[mode]!), program };
}

/** The detaches of `xdp: null`: one per mode the link's IFLA_XDP says a program is attached in. */
function xdpDetaches(l: Link): XdpAttr[] {
  const x = l.xdp;
  const off = (mode: number): XdpAttr => ({ fd: -1, flags: C.XDP_FLAGS_UPDATE_IF_NOEXIST | mode });
  switch (x?.attached ?? 0) {
    case 1 /* XDP_ATTACHED_DRV */: return [off(C.XDP_FLAGS_DRV_MODE)];
    case 2 /* XDP_ATTACHED_SKB */: return [off(C.XDP_FLAGS_SKB_MODE)];
    case 3 /* XDP_ATTACHED_HW */: return [off(C.XDP_FLAGS_HW_MODE)];
    case 4 /* XDP_ATTACHED_MULTI */: {
      const out: XdpAttr[] = [];
      if (x?.drvProgId) out.push(off(C.XDP_FLAGS_DRV_MODE));
      if (x?.skbProgId) out.push(off(C.XDP_FLAGS_SKB_MODE));
      if (x?.hwProgId) out.push(off(C.XDP_FLAGS_HW_MODE));
      return out;
    }
    default: return [];
  }
}
const KIND_RE = /^[a-z0-9_.-]{1,32}$/;
/** ETH_MIN_MTU (<linux/if_ether.h>): the least MTU of a link made by ether_setup(). */
const ETH_MIN_MTU = 68;
const FILTER_KEYS = new Set(['kind', 'master', 'group']);
const GROUP_KEYS = new Set(['group']);
const BRIDGE_PORT_KEYS = new Set(['hairpin', 'learning', 'flood', 'mcastFlood', 'bcastFlood', 'cost', 'priority', 'state', 'isolated', 'neighSuppress', 'proxyarp', 'guard', 'fastLeave',
  'rootBlock', 'mcastToUcast', 'proxyarpWifi', 'vlanTunnel', 'locked', 'groupFwdMask', 'multicastRouter', 'mcastEhtHostsLimit', 'backupPort']);

/**
 * The kernel's ranges for a bridge port's STP values (net/bridge: BR_MAX_PORT_PRIORITY is
 * 63, the top 6 bits of the 16-bit port id; BR_MIN/MAX_PATH_COST 1..65535; states up to
 * BR_STATE_BLOCKING): beyond them it answers a bare ERANGE or EINVAL, and only after the
 * call's other changes were applied (the port options go in a request of their own).
 */
function checkPortRanges(bp: Record<string, unknown>): void {
  const range = (key: string, lo: number, hi: number, what: string): void => {
    const v = bp[key];
    if (typeof v === 'number' && (v < lo || v > hi)) throw new InvalidArgumentError(`bridgePort.${key}`, `${what} is ${lo}..${hi}, got ${v}`);
  };
  range('priority', 0, 63, "a bridge port's STP priority (`priority`)");
  range('cost', 1, 65535, "a bridge port's STP path cost (`cost`)");
  range('state', C.BR_STATE_DISABLED, C.BR_STATE_BLOCKING, "a bridge port's STP state by number (0..4 are disabled, listening, learning, forwarding, blocking)");
  range('multicastRouter', 0, 3, "a bridge port's multicast router mode (`mcast_router`: 0 never, 1 learned, 2 always, 3 temporary)");
  range('mcastEhtHostsLimit', 1, 0xffffffff, "a bridge port's tracked-hosts limit (`mcast_eht_hosts_limit`)");
  const mask = bp['groupFwdMask'];
  if (typeof mask === 'number' && Number.isInteger(mask) && mask >= 0 && mask <= 0xffff && (mask & 7) !== 0) {
    throw new InvalidArgumentError('bridgePort.groupFwdMask', `bits 0..2 (01:80:c2:00:00:00..02: STP, pause and slow protocols) are never forwarded, got 0x${mask.toString(16)}`);
  }
}
/** Option keys of each kind's IFLA_INFO_DATA table, built once. */
const dataKeys = new Map<string, ReadonlySet<string>>();
function dataKeysOf(kind: string, table: { byKey: Map<string, unknown> }): ReadonlySet<string> {
  let k = dataKeys.get(kind);
  if (k === undefined) dataKeys.set(kind, (k = new Set(table.byKey.keys())));
  return k;
}

/** Name a link in a request: IFLA_IFNAME, or IFLA_ALT_IFNAME for altnames longer than IFNAMSIZ-1. */
function putLinkName(w: MessageWriter, name: string): void {
  w.putStrz(Buffer.byteLength(name) > IFNAME_MAX ? C.IFLA_ALT_IFNAME : C.IFLA_IFNAME, name);
}

/** Validated common attributes, ready to write. */
interface PreparedAttrs {
  name: string | undefined;
  mtu: number | undefined;
  address: Uint8Array | undefined;
  broadcast: Uint8Array | undefined;
  txqlen: number | undefined;
  group: number | undefined;
  alias: string | undefined;
  up: boolean;
  netns: { fd: number } | { pid: number } | undefined;
  numTxQueues: number | undefined;
  numRxQueues: number | undefined;
  /** The GSO/GRO limits given (attribute, value), if any. */
  limits: Array<readonly [number, number]> | undefined;
}

/** Argument names for errors, made once per prefix ('' or 'peer.'), not per call. */
const ATTR_ARGS = (p: string) => ({
  name: `${p}name`, mtu: `${p}mtu`, address: `${p}address`, broadcast: `${p}broadcast`, txqlen: `${p}txqlen`, group: `${p}group`,
  alias: `${p}alias`, up: `${p}up`, netns: `${p}netns`, numTxQueues: `${p}numTxQueues`, numRxQueues: `${p}numRxQueues`,
});
const ARGS_MAIN = ATTR_ARGS('');
const ARGS_PEER = ATTR_ARGS('peer.');

/**
 * `minMtu`: the least MTU of the new link, refused below before sending (ETH_MIN_MTU for
 * an Ethernet kind, KindCodec.minMtu where its setup leaves less); 0 checks nothing more.
 */
function prepareAttrs(a: Record<string, unknown>, p: '' | 'peer.', ether: boolean, minMtu = ether ? ETH_MIN_MTU : 0): PreparedAttrs {
  if (typeof a !== 'object' || a === null) throw new InvalidArgumentError(p || 'spec', `expected an object, got ${showValue(a)}`);
  const n = p === '' ? ARGS_MAIN : ARGS_PEER;
  // Every field present from the start: one hidden class for every prepared spec.
  const out: PreparedAttrs = { up: false, name: undefined, mtu: undefined, address: undefined, broadcast: undefined, txqlen: undefined, group: undefined, alias: undefined, netns: undefined, numTxQueues: undefined, numRxQueues: undefined, limits: undefined };
  if (a['name'] !== undefined) out.name = checkNewIfname(a['name'], n.name);
  if (a['mtu'] !== undefined) {
    out.mtu = checkMtu(a['mtu'], n.mtu);
    // A new Ethernet link's minimum is ETH_MIN_MTU (ether_setup), unless its kind's setup
    // lowers it (ifb: 0): known before sending, as it is not for a link `set` changes (lo
    // takes less). A veth's refusal would be a bare EINVAL.
    if (out.mtu < minMtu) throw new InvalidArgumentError(n.mtu, `${ether ? "an Ethernet link's" : 'the'} MTU is at least ${minMtu}, got ${out.mtu}`);
  }
  if (a['address'] !== undefined) out.address = checkHwAddr(a['address'], n.address, ether ? 6 : undefined);
  if (a['broadcast'] !== undefined) out.broadcast = checkHwAddr(a['broadcast'], n.broadcast, ether ? 6 : undefined);
  if (a['txqlen'] !== undefined) out.txqlen = checkU32(a['txqlen'], n.txqlen);
  if (a['group'] !== undefined) out.group = checkU32(a['group'], n.group);
  if (a['alias'] !== undefined) out.alias = checkString(a['alias'], n.alias, 255);
  if (a['up'] !== undefined) out.up = checkBool(a['up'], n.up);
  if (a['netns'] !== undefined) out.netns = resolveNetns(a['netns'], n.netns);
  if (a['numTxQueues'] !== undefined) out.numTxQueues = checkQueueCount(a['numTxQueues'], n.numTxQueues);
  if (a['numRxQueues'] !== undefined) out.numRxQueues = checkQueueCount(a['numRxQueues'], n.numRxQueues);
  // Five reads, no loop, when none is given (every create passes here).
  if (a['gsoMaxSize'] !== undefined || a['gsoMaxSegs'] !== undefined || a['groMaxSize'] !== undefined || a['gsoIpv4MaxSize'] !== undefined || a['groIpv4MaxSize'] !== undefined) {
    out.limits = prepareLimits(a, p);
  }
  return out;
}

/** The GSO/GRO limits of a spec or change (key `p` + name), each a u32, as (attribute, value) pairs. */
function prepareLimits(a: Record<string, unknown>, p: string): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  for (const [k, type] of LIMIT_KEYS) if (a[k] !== undefined) out.push([type, checkU32(a[k], `${p}${k}`)]);
  return out;
}

/** Write ifinfomsg (index, flags/change) at the writer's cursor. */
export function putIfinfomsg(w: MessageWriter, index: number, flags: number, change: number, family = 0): void {
  const at = w.pos;
  if ((at & 3) === 0) {
    // Four host-order words (family, pad and type zero; index; flags; change): every byte
    // written, so nothing to zero first.
    w.ensure(IFINFOMSG_LEN);
    const x = w.words;
    const i = at >> 2;
    x[i] = HOST_LE ? family & 0xff : (family & 0xff) << 24;
    x[i + 1] = index;
    x[i + 2] = flags;
    x[i + 3] = change;
    w.pos = at + IFINFOMSG_LEN;
    return;
  }
  const o = w.reserve(IFINFOMSG_LEN);
  const v = w.view;
  v.setUint8(o, family);
  v.setInt32(o + 4, index, HOST_LE);
  v.setUint32(o + 8, flags >>> 0, HOST_LE);
  v.setUint32(o + 12, change >>> 0, HOST_LE);
}

function writeAttrs(w: MessageWriter, a: PreparedAttrs): void {
  if (a.name !== undefined) w.putStrz(C.IFLA_IFNAME, a.name);
  if (a.mtu !== undefined) w.putU32(C.IFLA_MTU, a.mtu);
  if (a.address !== undefined) w.putBytes(C.IFLA_ADDRESS, a.address);
  if (a.broadcast !== undefined) w.putBytes(C.IFLA_BROADCAST, a.broadcast);
  if (a.txqlen !== undefined) w.putU32(C.IFLA_TXQLEN, a.txqlen);
  if (a.group !== undefined) w.putU32(C.IFLA_GROUP, a.group);
  // Without a NUL, as `ip` sends it: the kernel takes the payload length as the alias's
  // (with a NUL, a 255-byte alias is one byte too long), and an empty one clears it.
  if (a.alias !== undefined) w.putBytes(C.IFLA_IFALIAS, Buffer.from(a.alias, 'utf8'));
  if (a.numTxQueues !== undefined) w.putU32(C.IFLA_NUM_TX_QUEUES, a.numTxQueues);
  if (a.numRxQueues !== undefined) w.putU32(C.IFLA_NUM_RX_QUEUES, a.numRxQueues);
  if (a.limits !== undefined) for (const [type, v] of a.limits) w.putU32(type, v);
  if (a.netns !== undefined) putNetns(w, a.netns);
}

const decodeOne = (buf: Buffer, view: DataView, off: number, len: number): Link | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWLINK ? decodeLink(buf, view, off, len) : undefined;

/**
 * A spec checked for `add`/`addMany`, ready to write: `master` and `parent` hold the
 * ifindexes once `masterRef`/`parentRef` are looked up. It is also the kind encoders'
 * context (veth's encoder calls back to write the peer's body), so a create needs no
 * context object of its own. A plain object literal with a shared method: cheaper to
 * make than a class instance with field initialisers (add makes one per call).
 */
interface PreparedLink extends KindEncodeContext {
  readonly spec: Record<string, unknown>;
  readonly kind: string;
  readonly codec: KindCodec;
  readonly attrs: PreparedAttrs;
  readonly peer: PreparedAttrs | undefined;
  /** `master` as given (checked, not yet resolved). */
  readonly masterRef: string | number | undefined;
  /** `link` as given (checked, not yet resolved). */
  readonly parentRef: string | number | undefined;
  master: number | undefined;
  parent: number | undefined;
}

/** PreparedLink's encodeLinkBody: VETH_INFO_PEER's body, the prepared peer (the spec handed in is the same peer, already checked). */
function writePeerBody(this: PreparedLink, w: MessageWriter): void {
  const pa = this.peer!;
  putIfinfomsg(w, 0, pa.up ? C.IFF_UP : 0, pa.up ? C.IFF_UP : 0);
  writeAttrs(w, pa);
}

/**
 * Check a link spec (everything `add` accepts; no I/O): the InvalidArgumentError names
 * the field ('mtu', 'peer.name', 'data.id'). Kind options (`data`) are range-checked as
 * they are written (an InvalidArgumentError from the request builder, before sending).
 */
function prepareSpec(spec: unknown): PreparedLink {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new InvalidArgumentError('spec', `expected an object, got ${showValue(spec)}`);
  const s = spec as Record<string, unknown>;
  checkKeys(s, SPEC_KEYS, '');
  const given = s['kind'];
  // add() takes these before prepareSpec: only addMany gets here with one.
  if (given === 'tun' || given === 'tap') throw new InvalidArgumentError('kind', `a ${given} is made through /dev/net/tun, not by RTM_NEWLINK, so it cannot join a batch: create it with rt.link.add`);
  // A kind nlkit knows is a valid name: the pattern is checked only for the error.
  const codec = typeof given === 'string' ? kindCodec(given) : undefined;
  if (!codec) {
    if (typeof given !== 'string' || !KIND_RE.test(given)) throw new InvalidArgumentError('kind', `expected a link kind name, got ${showValue(given)}`);
    throw new InvalidArgumentError('kind', `unknown link kind '${given}' (nlkit encodes: ${knownKinds().join(', ')})`);
  }
  const kind = codec.kind; // the same string: the key it is registered under
  const attrs = prepareAttrs(s, '', codec.ether, codec.minMtu);
  const peerSpec = s['peer'];
  let peer: PreparedAttrs | undefined;
  if (peerSpec !== undefined) {
    if (kind !== 'veth') throw new InvalidArgumentError('peer', `only a veth has a peer, not a ${kind}`);
    if (typeof peerSpec !== 'object' || peerSpec === null || Array.isArray(peerSpec)) throw new InvalidArgumentError('peer', `expected an object, got ${showValue(peerSpec)}`);
    checkKeys(peerSpec, LINK_ATTR_KEYS, 'peer.');
    peer = prepareAttrs(peerSpec as Record<string, unknown>, 'peer.', true);
    // veth_open() needs the peer pointer, which is set only after both devices are
    // registered: IFF_UP on the peer in the create message fails with ENOTCONN.
    if (peer.up) throw new InvalidArgumentError('peer.up', 'the kernel cannot bring a veth peer up in the create message (it answers ENOTCONN); set the peer up afterwards with a handle in its netns (setupVeth does this)');
  }
  const data = s['data'];
  if (data !== undefined) {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidArgumentError('data', `expected an object, got ${showValue(data)}`);
    if (!codec.data) throw new InvalidArgumentError('data', `kind '${kind}' takes no options`);
    checkKeys(data, dataKeysOf(kind, codec.data), 'data.');
  }
  if (codec.validate !== undefined) codec.validate(s);
  const master = s['master'];
  const link = s['link'];
  if (codec.needsParent && link === undefined) throw new InvalidArgumentError('link', `a ${kind} needs a parent link`);
  // The kernel would drop it without a word: no IFLA_LINK is read by such a driver.
  if (codec.noParent && link !== undefined) throw new InvalidArgumentError('link', `a ${kind} has no parent link (its driver ignores one; \`ip link add … type ${kind}\` takes no dev)`);
  if (codec.parentInData !== undefined && link !== undefined && data !== undefined && (data as Record<string, unknown>)['link'] !== undefined) {
    throw new InvalidArgumentError('data.link', 'the underlay is given twice: `link` (by name or ifindex) or data.link (by ifindex), not both');
  }
  const masterRef = master !== undefined ? checkLinkRef(master, 'master') : undefined;
  const parentRef = link !== undefined ? checkLinkRef(link, 'link') : undefined;
  // The alias is set by name after the create (the kernel ignores it in one): the exact
  // name, not a template ('a%d'), whose link the kernel names.
  if (attrs.alias !== undefined && attrs.name === undefined) throw new InvalidArgumentError('alias', 'needs a name: the kernel ignores an alias in the create message, so it is set by name right after');
  if (attrs.alias !== undefined && isNameTemplate(attrs.name!)) throw new InvalidArgumentError('alias', `needs an exact name, not the template '${attrs.name!}': the kernel ignores an alias in the create message, so it is set by name right after`);
  if (peer?.alias !== undefined && peer.name === undefined) throw new InvalidArgumentError('peer.alias', 'needs peer.name: the kernel ignores an alias in the create message, so it is set by name right after');
  if (peer?.alias !== undefined && isNameTemplate(peer.name!)) throw new InvalidArgumentError('peer.alias', `needs an exact peer.name, not the template '${peer.name!}': the kernel ignores an alias in the create message, so it is set by name right after`);
  // A failed alias deletes the new link again, by the main name.
  if (peer?.alias !== undefined && attrs.name === undefined) throw new InvalidArgumentError('name', 'needs a name when peer.alias is given: should setting the alias fail, the pair is deleted again by this name');
  if (peer?.alias !== undefined && isNameTemplate(attrs.name!)) throw new InvalidArgumentError('name', `needs an exact name, not the template '${attrs.name!}', when peer.alias is given: should setting the alias fail, the pair is deleted again by this name`);
  return { spec: s, kind, codec, attrs, peer, masterRef, parentRef, master: undefined, parent: undefined, encodeLinkBody: writePeerBody };
}

/** A tun or tap spec checked for `add` (prepareTunSpec): the device's TUNSETIFF flags and ids, and the attributes set after. */
interface PreparedTunLink {
  readonly spec: Record<string, unknown>;
  readonly tun: PreparedTun;
  readonly attrs: PreparedAttrs;
  /** `master` as given (checked, not yet resolved). */
  readonly masterRef: string | number | undefined;
}

/**
 * Check a tun or tap spec (no I/O), as prepareSpec checks the others: unknown keys,
 * the common attributes, `data` ({@link TunOptions}), and what a tun cannot have — a
 * peer, a parent link, queue counts (TUNSETIFF takes none: one queue, or 256 with
 * multiQueue), and for a 'tun' a hardware address.
 */
function prepareTunSpec(s: Record<string, unknown>, type: 'tun' | 'tap'): PreparedTunLink {
  checkKeys(s, SPEC_KEYS, '');
  if (s['peer'] !== undefined) throw new InvalidArgumentError('peer', `only a veth has a peer, not a ${type}`);
  if (s['link'] !== undefined) throw new InvalidArgumentError('link', `a ${type} has no parent link: its other end is the file a program attaches to it`);
  for (const k of ['numTxQueues', 'numRxQueues']) {
    if (s[k] !== undefined) throw new InvalidArgumentError(k, `the kernel sizes a ${type}'s queues itself (one, or 256 with data.multiQueue): TUNSETIFF takes no count`);
  }
  if (type === 'tun') {
    for (const k of ['address', 'broadcast']) {
      if (s[k] !== undefined) throw new InvalidArgumentError(k, "a tun has no hardware address (it carries IP packets: link type none); kind 'tap' makes an Ethernet device");
    }
  }
  const attrs = prepareAttrs(s, '', type === 'tap');
  const tun = prepareTunOptions(type, s['data']);
  const masterRef = s['master'] !== undefined ? checkLinkRef(s['master'], 'master') : undefined;
  return { spec: s, tun, attrs, masterRef };
}

/** The RTM_NEWLINK body creating a prepared link: ifinfomsg, attributes, IFLA_LINKINFO with the kind's data. */
function writeNewLink(w: MessageWriter, p: PreparedLink): void {
  const attrs = p.attrs;
  const codec = p.codec;
  const s = p.spec;
  putIfinfomsg(w, 0, attrs.up ? C.IFF_UP : 0, attrs.up ? C.IFF_UP : 0);
  writeAttrs(w, attrs);
  if (p.master !== undefined) w.putU32(C.IFLA_MASTER, p.master);
  const inData = codec.parentInData;
  if (p.parent !== undefined && inData === undefined) w.putU32(C.IFLA_LINK, p.parent);
  const li = w.nestStart(C.IFLA_LINKINFO);
  w.putStrz(C.IFLA_INFO_KIND, p.kind);
  if (codec.encodeData || s['data'] !== undefined || (p.parent !== undefined && inData !== undefined)) {
    const d = w.nestStart(C.IFLA_INFO_DATA);
    if (codec.encodeData) codec.encodeData(w, s, p);
    else if (s['data'] !== undefined) codec.data!.encode(w, s['data'] as Record<string, unknown>, 'data.');
    if (p.parent !== undefined && inData !== undefined) w.putU32(inData, p.parent);
    if (w.pos === d + 4) w.nestCancel(d);
    else w.nestEnd(d);
  }
  w.nestEnd(li);
}

/**
 * A create's subject as `ip link add` writes it: the name, the netns it is made in when
 * not the handle's, the parent link, the kind, and a veth's peer with its netns
 * ('n9 type veth peer v1', 'm0 link eth0 type macvlan'):
 * an EEXIST may be the peer's name, and an 'Unknown device type' is about the kind, both
 * of which the subject left out ('(RTM_NEWLINK n9)'). Made only for an error.
 */
function newLinkSubject(p: PreparedLink): string {
  let out = p.attrs.name ?? '(a kernel-chosen name)';
  if (p.attrs.netns) out += ` ${netnsText(p.spec['netns'], p.attrs.netns)}`;
  if (p.parentRef !== undefined) out += ` link ${p.parentRef}`;
  out += ` type ${p.kind}`;
  if (p.peer?.name !== undefined) {
    out += ` peer ${p.peer.name}`;
    if (p.peer.netns) out += ` ${netnsText((p.spec['peer'] as Record<string, unknown>)['netns'], p.peer.netns)}`;
  }
  return out;
}

/** The options of a create's request: its subject made only for an error. */
const NEWLINK_OPTS: RequestWithOptions<PreparedLink> = { subjectOf: newLinkSubject };

/** What `set`'s RTM_NEWLINK holds: the link, the checked change and the master's ifindex. */
interface LinkSetRequest {
  readonly ref: string | number;
  readonly index: number;
  readonly change: Record<string, unknown>;
  readonly attrs: PreparedAttrs;
  readonly flags: number;
  readonly mask: number;
  readonly master: number | undefined;
  readonly carrier: boolean | undefined;
  readonly xdp?: XdpAttr | undefined;
  /** IN6_ADDR_GEN_MODE_* to send, if any. */
  readonly addrGenMode?: number | undefined;
  /** The kind options (IFLA_LINKINFO), if any. */
  readonly kindData?: KindDataChange | undefined;
  /** IFLA_PROTO_DOWN to send, if any. */
  readonly protoDown?: boolean | undefined;
  /** The GSO/GRO limits given (attribute, value), if any. */
  readonly limits?: ReadonlyArray<readonly [number, number]> | undefined;
}

function writeSet(w: MessageWriter, s: LinkSetRequest): void {
  putIfinfomsg(w, s.index, s.flags, s.mask);
  if (s.index === 0) putLinkName(w, s.ref as string);
  writeAttrs(w, s.attrs);
  if (s.master !== undefined) w.putU32(C.IFLA_MASTER, s.master);
  if (s.carrier !== undefined) w.putU8(C.IFLA_CARRIER, s.carrier ? 1 : 0);
  if (s.limits !== undefined) for (const [type, v] of s.limits) w.putU32(type, v);
  if (s.protoDown !== undefined) w.putU8(C.IFLA_PROTO_DOWN, s.protoDown ? 1 : 0);
  if (s.addrGenMode !== undefined) {
    // As ip sends it: IFLA_AF_SPEC › AF_INET6 › IFLA_INET6_ADDR_GEN_MODE (u8), nests without NLA_F_NESTED.
    const af = w.nestStart(C.IFLA_AF_SPEC, false);
    const v6 = w.nestStart(AF_INET6, false);
    w.putU8(C.IFLA_INET6_ADDR_GEN_MODE, s.addrGenMode);
    w.nestEnd(v6);
    w.nestEnd(af);
  }
  if (s.kindData !== undefined) {
    // As `ip link set … type KIND …` writes it: IFLA_LINKINFO › IFLA_INFO_KIND, IFLA_INFO_DATA
    // (nests without NLA_F_NESTED), after the other attributes.
    const li = w.nestStart(C.IFLA_LINKINFO, false);
    w.putStrz(C.IFLA_INFO_KIND, s.kindData.kind);
    const d = w.nestStart(C.IFLA_INFO_DATA, false);
    s.kindData.codec.data!.encode(w, s.kindData.data, 'data.');
    w.nestEnd(d);
    w.nestEnd(li);
  }
  if (s.xdp !== undefined) {
    // As iproute2's xdp_ebpf_cb writes it: addattr_nest (no NLA_F_NESTED), the fd, then the flags when any.
    const x = w.nestStart(C.IFLA_XDP, false);
    w.putU32(C.IFLA_XDP_FD, (s.xdp.program ? s.xdp.program.fd : s.xdp.fd) >>> 0);
    if (s.xdp.flags) w.putU32(C.IFLA_XDP_FLAGS, s.xdp.flags);
    w.nestEnd(x);
  }
}

/** No common attribute: a set request of IFLA_XDP alone. */
const NO_ATTRS: PreparedAttrs = { up: false, name: undefined, mtu: undefined, address: undefined, broadcast: undefined, txqlen: undefined, group: undefined, alias: undefined, netns: undefined, numTxQueues: undefined, numRxQueues: undefined, limits: undefined };

/**
 * A refused XDP attach with what it means. A bare EINVAL/EBADF is the program's fd when
 * the fd holds no XDP program (read from /proc/self/fdinfo on this error path; a pinned
 * program was checked before sending); for an XDP program it is the driver refusing the
 * mode (a veth's for offload).
 */
function explainXdp(e: unknown, x: XdpAttr | undefined, ref: string | number): unknown {
  if (x === undefined || (x.fd < 0 && !x.program) || !(e instanceof NetlinkError)) return e;
  let why: string | undefined;
  if (e.code === 'EBUSY') why = 'give xdp.force: true to replace the program attached in that mode';
  else if (!e.extack.message && (e.code === 'EINVAL' || e.code === 'EBADF')) {
    const held = x.program ? BPF_PROG_TYPE_XDP : fdHolds(x.fd);
    if (held === BPF_PROG_TYPE_XDP) {
      if (x.flags & C.XDP_FLAGS_HW_MODE) why = `${subjectOf(ref)} cannot run XDP programs in offload mode (it needs a device that runs BPF itself, and a program loaded for that device)`;
    } else why = `xdp.fd ${x.fd} is not the fd of a loaded BPF_PROG_TYPE_XDP program${typeof held === 'number' ? ` (it holds a ${progTypeName(held)} program)` : ''}`;
  }
  return why ? new NetlinkError(e.errno, e.request, e.extack, `${e.hint ? `${e.hint}; ` : ''}${why}`) : e;
}

/**
 * A refused address generation mode with what it needs: stable_secret's bare EINVAL is the
 * missing secret (in the sysctl of the link's `name`, read back for the error: the ref may
 * be an ifindex or an altname); EAFNOSUPPORT is a kernel or device without IPv6.
 */
function explainAddrGenMode(e: unknown, mode: AddrGenMode | undefined, name: string | undefined): unknown {
  if (mode === undefined || !(e instanceof NetlinkError) || e.extack.message) return e;
  let why: string | undefined;
  if (e.code === 'EINVAL' && mode === 'stable_secret') why = `addrGenMode 'stable_secret' needs a secret first: sysctl net.ipv6.conf.${name ?? 'DEV'}.stable_secret (or net.ipv6.conf.default.stable_secret)`;
  else if (e.code === 'EAFNOSUPPORT') why = 'addrGenMode: no IPv6 on this link (IPv6 disabled on it, or a kernel without IPv6)';
  return why ? new NetlinkError(e.errno, e.request, e.extack, `${e.hint ? `${e.hint}; ` : ''}${why}`) : e;
}

/** IFF_* bits `set` changes through ifi_change, with the words `ip link set` uses for them. */
const SET_FLAG_WORDS: readonly [number, string, string][] = [
  [C.IFF_UP, 'up', 'down'], [C.IFF_PROMISC, 'promisc on', 'promisc off'], [C.IFF_ALLMULTI, 'allmulticast on', 'allmulticast off'], [C.IFF_NOARP, 'arp off', 'arp on'],
];

/**
 * A change's subject as `ip link set` writes it: 'v0 name v1', 'v0 mtu 70000', 'v0 master
 * br0', 'v0 netns blue', 'v0 xdpgeneric fd 9', 'v0 addrgenmode none': an EEXIST of a
 * rename named only the old name ('(RTM_NEWLINK v0)'). Made only for an error.
 */
function setSubject(s: LinkSetRequest): string {
  const a = s.attrs;
  const c = s.change;
  let out = subjectOf(s.ref);
  if (a.name !== undefined) out += ` name ${a.name}`;
  if (a.mtu !== undefined) out += ` mtu ${a.mtu}`;
  if (a.address !== undefined) out += ` address ${hexColon(a.address, 0, a.address.length)}`;
  if (a.broadcast !== undefined) out += ` broadcast ${hexColon(a.broadcast, 0, a.broadcast.length)}`;
  if (a.txqlen !== undefined) out += ` txqlen ${a.txqlen}`;
  if (a.group !== undefined) out += ` group ${a.group}`;
  if (a.alias !== undefined) out += ` alias ${showValue(a.alias)}`;
  if (s.master !== undefined) out += s.master === 0 ? ' nomaster' : ` master ${subjectOf(c['master'] as string | number)}`;
  if (a.netns !== undefined) out += ` ${netnsText(c['netns'], a.netns)}`;
  for (const [bit, on, off] of SET_FLAG_WORDS) if (s.mask & bit) out += ` ${s.flags & bit ? on : off}`;
  if (s.carrier !== undefined) out += ` carrier ${s.carrier ? 'on' : 'off'}`;
  if (s.limits !== undefined) for (const [type, v] of s.limits) out += ` ${LIMIT_KEYS.find(([, t]) => t === type)![2]} ${v}`;
  if (s.protoDown !== undefined) out += ` protodown ${s.protoDown ? 'on' : 'off'}`;
  if (s.addrGenMode !== undefined) out += ` addrgenmode ${ADDR_GEN_MODE_WORDS[s.addrGenMode] ?? s.addrGenMode}`;
  if (s.xdp !== undefined) {
    const m = s.xdp.flags;
    const word = m & C.XDP_FLAGS_SKB_MODE ? 'xdpgeneric' : m & C.XDP_FLAGS_DRV_MODE ? 'xdpdrv' : m & C.XDP_FLAGS_HW_MODE ? 'xdpoffload' : 'xdp';
    out += ` ${word} ${s.xdp.program ? `pinned ${s.xdp.program.path}` : s.xdp.fd < 0 ? 'off' : `fd ${s.xdp.fd}`}`;
  }
  if (s.kindData !== undefined) out += ` type ${s.kindData.kind} ${Object.keys(s.kindData.data).filter((k) => s.kindData!.data[k] !== undefined).join(' ')}`;
  return out;
}

const SET_OPTS: RequestWithOptions<LinkSetRequest> = { subjectOf: setSubject };

/** An error of specs[i] (from prepareSpec, a lookup or the request builder), its argument prefixed `specs[i].`. */
function atSpec(e: unknown, i: number): unknown {
  if (e instanceof ClosedError) return new ClosedError(`specs[${i}].${e.message.replace(/ is closed$/, '')}`); // a closed Netns
  if (!(e instanceof InvalidArgumentError)) return e;
  return new InvalidArgumentError(e.argument === 'spec' ? `specs[${i}]` : `specs[${i}].${e.argument}`, e.message.replace(/^invalid [^:]*: /, ''));
}

/**
 * Read a netns given as an object (a Netns) again, into `a.netns`, once a call has
 * awaited since it was read: a Netns closed meanwhile (`using ns = …; return
 * rt.link.add({ …, netns: ns })` closes it as the function returns) is a ClosedError
 * naming `arg`, rather than its old fd number — which the process may have handed to
 * another file, another netns among them — going out in a request. An fd number or
 * `{ pid }` is as it was; one getter read, no syscall.
 */
function recheckNetns(a: PreparedAttrs, given: unknown, arg: string): void {
  if (a.netns !== undefined && 'fd' in a.netns && typeof given === 'object' && given !== null) a.netns = resolveNetns(given, arg);
}

/** {@link recheckNetns} for a create's link and its peer; `at` prefixes the argument names ('specs[2].'). */
function recheckLinkNetns(p: PreparedLink, at = ''): void {
  recheckNetns(p.attrs, p.spec['netns'], `${at}netns`);
  if (p.peer !== undefined) recheckNetns(p.peer, (p.spec['peer'] as Record<string, unknown>)['netns'], `${at}peer.netns`);
}

/** Which netns a create puts a link in, as a key: '' for the handle's own, else the fd or pid given. */
function netnsKey(n: { fd: number } | { pid: number } | undefined): string {
  return n === undefined ? '' : 'fd' in n ? `netns fd ${n.fd}` : `netns pid ${n.pid}`;
}

/** A created link, for messages: its name, where it is when not in the handle's netns, and its veth peer. */
function describeMade(p: PreparedLink): string {
  const where = netnsKey(p.attrs.netns);
  return `${p.attrs.name!}${where ? ` (in ${where})` : ''}${p.peer?.name !== undefined ? ` with peer ${p.peer.name}` : ''}`;
}

/** Up to five entries of a list, and how many more. */
function listSome(xs: readonly string[]): string {
  return xs.slice(0, 5).join(', ') + (xs.length > 5 ? ` and ${xs.length - 5} more` : '');
}

const HW_PATH: readonly string[] = Object.freeze(['RTM_NEWLINK']);

function subjectOf(ref: string | number): string {
  return typeof ref === 'number' ? `ifindex ${ref}` : ref;
}

/**
 * @internal `e` as thrown by a request that addressed the link `ref`: an ENODEV without a hint
 * (the kernel's bare 'No such device') gets one naming the link and the netns the handle
 * looked in ("link 'w0' does not exist in netns blue"), as missing links are named
 * elsewhere (see missingLink); anything else is returned as it is. Called only on the
 * error path.
 */
export function namedMissing(core: RtnlCore, e: unknown, ref: string | number, arg: string): unknown {
  if (!(e instanceof NetlinkError) || e.code !== 'ENODEV' || e.hint !== undefined) return e;
  return new NetlinkError(e.errno, e.request, e.extack, missingLink(core, arg, ref));
}

/**
 * A stand-in core over a socket opened in another netns (a tun made there): lookups go
 * over that socket, and its errors name `where`.
 */
function coreOver(sock: NetlinkSocket, where: string): RtnlCore {
  const core: RtnlCore = {
    sock,
    where: () => where,
    linkIndex: (ref, arg) => LinkApi.of(core).index(ref, arg),
    linkHwAddrLen: (ref, arg) => LinkApi.of(core).hwAddrLen(ref, arg),
  };
  return core;
}

/** Link operations of an Rtnl handle (`rt.link`). */
export class LinkApi {
  /** Not for users: every Rtnl handle has its own, `rt.link`. */
  private constructor(private readonly core: RtnlCore) {}

  /** @internal How a handle makes its `rt.link` (and tests one over a stand-in core). */
  static of(core: RtnlCore): LinkApi {
    return new LinkApi(core);
  }

  /**
   * Create a link. Everything — name, MTU, MAC, master, netns, kind options, up, and
   * for veth the whole peer (created directly in its netns) — goes in one
   * RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL. Input is checked before anything is sent.
   * An `alias` (of the link or the peer) is the exception: the kernel ignores IFLA_IFALIAS
   * in a create, so it is set by name right after, in the netns that end was born in
   * (a veth peer without `netns` is born in the handle's netns); if that fails, the new
   * link is deleted again and the error says so.
   *
   * A 'tun' or 'tap' ({@link TunSpec}) is made through /dev/net/tun instead, in the
   * handle's netns (or `netns`), persistent; the rest of its spec follows in one
   * RTM_NEWLINK before it is made persistent, and a refusal there removes it again.
   *
   * Equivalent to: `ip link add NAME [mtu N] [address MAC] type KIND … [peer name P netns NS]`;
   * for a tun or tap, `ip tuntap add dev NAME mode tap [user U] [group G] [multi_queue]
   * [vnet_hdr] [pi]` then `ip link set dev NAME …`.
   * @throws InvalidArgumentError for bad input; ClosedError for a closed Netns (naming the
   *   field); NetlinkError 'EEXIST' when the name is taken, 'EOPNOTSUPP' when the kernel
   *   lacks the kind, 'ENODEV' naming `master` or `link` (by name or ifindex) when there
   *   is no such link (nothing sent); the error of a refused alias (the link deleted again). For a tun or
   *   tap: SysError 'EEXIST' (syscall 'ioctl(TUNSETIFF)') when the name is taken, naming
   *   the netns, and SysError for the other failed ioctls; NetlinkError of a refused
   *   setting (the device removed again).
   */
  add(spec: LinkSpec, options: LinkWriteOptions & { readonly echo: true }): Promise<Link>;
  add(spec: LinkSpec, options?: LinkWriteOptions & { readonly echo?: false | undefined }): Promise<undefined>;
  add(spec: LinkSpec, options?: LinkWriteOptions): Promise<Link | undefined>;
  add(spec: LinkSpec, options?: LinkWriteOptions): Promise<Link | undefined> {
    let p: PreparedLink;
    let echo: boolean;
    const kind = typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? spec.kind : undefined;
    if (kind === 'tun' || kind === 'tap') {
      let tp: PreparedTunLink;
      try {
        tp = prepareTunSpec(spec as unknown as Record<string, unknown>, kind);
        echo = writeOptions(options);
      } catch (e) {
        return Promise.reject(e);
      }
      return this.addTun(tp, echo);
    }
    try {
      p = prepareSpec(spec);
      echo = writeOptions(options);
      // The kernel echoes nothing to this netns for a link made in another: the echo is
      // read there by the link's name, which must be known.
      const n = p.attrs.name;
      if (echo && p.attrs.netns !== undefined && (n === undefined || isNameTemplate(n))) {
        throw new InvalidArgumentError('name', `${n === undefined ? 'is needed' : `needs an exact name, not the template '${n}',`} with netns and echo: the kernel echoes nothing for a link made in another netns, so it is read back there by its name`);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    if (!echo && p.masterRef === undefined && p.parentRef === undefined && p.attrs.alias === undefined && p.peer?.alias === undefined) {
      // The common create — nothing to look up first, nothing to do after: the request's
      // own promise, without an async frame, and the prepared spec as the request's
      // argument to a module-level builder, without a closure.
      return this.core.sock.requestWith(C.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, writeNewLink, p, undefined, NEWLINK_OPTS) as Promise<undefined>;
    }
    return this.addSlow(p, echo);
  }

  /** {@link add} with lookups (master, link), an echo or aliases. */
  private async addSlow(p: PreparedLink, echo: boolean): Promise<Link | undefined> {
    // Looked up only once every field is checked (prepareSpec), so bad input sends nothing.
    if (p.masterRef !== undefined) p.master = await existingLinkIndex(this.core, p.masterRef, 'master');
    if (p.parentRef !== undefined) p.parent = await existingLinkIndex(this.core, p.parentRef, 'link');
    // The lookups awaited: a Netns given may have been closed since.
    recheckLinkNetns(p);
    let echoed: Link | undefined;
    try {
      echoed = await this.core.sock.requestWith(C.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | (echo ? NLM_F_ECHO : 0), writeNewLink, p, echo ? decodeOne : undefined, NEWLINK_OPTS);
    } catch (e) {
      throw await this.explainParent(e, p);
    }
    if (p.attrs.alias !== undefined || p.peer?.alias !== undefined) {
      await this.aliasesOrUndo([p], () => '');
      // The echo left the kernel before the alias was set: it is now what was given.
      if (echoed && p.attrs.alias !== undefined) echoed.alias = p.attrs.alias;
    }
    if (!echo || echoed) return echoed;
    // The kernel echoes nothing to this netns for a link made in another: read it there.
    if (p.attrs.netns !== undefined) return this.readMoved(p.attrs, p.spec['netns'], p.attrs.name!, 'the link was made');
    return p.attrs.name !== undefined && !isNameTemplate(p.attrs.name) ? this.get(p.attrs.name) : undefined;
  }

  /**
   * {@link add} of a tun or tap. The kernel makes them only through /dev/net/tun, as
   * `ip tuntap add` does: the file is opened with the thread in the netns the device goes
   * to (that of the handle's socket, read with SIOCGSKNS, or of a socket opened in
   * `netns` for the purpose, which the master is looked up in and the settings are sent
   * over), then TUNSETIFF, TUNSETOWNER/TUNSETGROUP. The rest of the spec (mtu, address,
   * txqlen, group, alias, master, up) goes in one RTM_NEWLINK on the new ifindex, as Go's
   * netlink does after its ioctls, while the file still holds the device; TUNSETPERSIST
   * follows, then the file is closed. A refused step closes the file before the device
   * is persistent, which makes the kernel remove it: nothing is left, and the error
   * says which step failed.
   */
  private async addTun(p: PreparedTunLink, echo: boolean): Promise<Link | undefined> {
    if (this.core.sock.closed) throw new ClosedError('Rtnl handle');
    const a = p.attrs;
    const target = a.netns;
    const where = target === undefined ? this.core.where?.() ?? "the handle's netns" : netnsText(p.spec['netns'], target);
    const sock = target === undefined ? this.core.sock : openRouteSocket(target, { onWarning: this.core.sock.onWarning });
    try {
      // Requests in the device's netns: this handle's, or one over the socket opened there.
      const api = sock === this.core.sock ? this : LinkApi.of(coreOver(sock, where));
      // By ifindex too, the master must exist (the kernel would say only EINVAL, after the create).
      const m = p.masterRef;
      const master = m === undefined ? undefined : typeof m === 'number' ? (await api.hwAddrLen(m, 'master')).index : await api.index(m, 'master');
      const nsFd = socketNetns(sock.fd, where);
      let dev: TunFile;
      try {
        dev = TunFile.create(nsFd, a.name, p.tun, where);
      } finally {
        sys.close(nsFd);
      }
      let index = 0;
      try {
        const settings = a.mtu !== undefined || a.address !== undefined || a.broadcast !== undefined || a.txqlen !== undefined ||
          a.group !== undefined || a.alias !== undefined || a.up || master !== undefined;
        if (settings || echo) index = await api.index(dev.name, 'name');
        if (settings) {
          const attrs: PreparedAttrs = { ...a, name: undefined, netns: undefined };
          const req: LinkSetRequest = { ref: dev.name, index, change: p.spec, attrs, flags: a.up ? C.IFF_UP : 0, mask: a.up ? C.IFF_UP : 0, master, carrier: undefined };
          try {
            await sock.requestWith(C.RTM_NEWLINK, 0, writeSet, req, undefined, SET_OPTS);
          } catch (e) {
            if (!(e instanceof NetlinkError)) throw e;
            const made = `${p.tun.type} '${dev.name}' was made (in ${where}) but these settings were refused, so it was removed again`;
            throw new NetlinkError(e.errno, e.request, e.extack, e.hint ? `${e.hint}; ${made}` : made);
          }
        }
        dev.persist(where);
      } finally {
        dev.close(); // persistent: the device stays; otherwise the kernel removes it now
      }
      return echo ? await api.get(index) : undefined;
    } finally {
      if (sock !== this.core.sock) sock.close();
    }
  }

  /**
   * Create many links, all or none: every spec is checked first, then the RTM_NEWLINKs
   * (NLM_F_CREATE|NLM_F_EXCL, each ACKed) go to the kernel in as few sendmsg calls as the
   * socket's buffers allow (see NetlinkSocket.requestBatch), instead of one round trip
   * per link. Each spec is what `add` takes (any kind, veth peers born in their netns,
   * up, group, master, netns, …), and is encoded exactly as `add` encodes it.
   *
   * - Every spec is checked before anything is sent: InvalidArgumentError naming
   *   `specs[i].field` (e.g. `specs[3].mtu`, `specs[0].peer.name`). Refused as well: a
   *   spec without `name`, or with a '%d' template for it (a kernel-chosen name could not
   *   be found again to undo it);
   *   the same name twice in one netns among the links and veth peers of the call (a
   *   peer without `netns` is born in the handle's netns); a `master` or `link` naming a
   *   link of the same call (they are looked up before anything is created: add it first).
   * - `master` and `link` names are looked up once each (GETLINK) before the creates.
   * - If the kernel refuses any link, the links this call created are deleted again (one
   *   batch of RTM_DELLINK by name per netns; deleting a veth deletes its peer; a link
   *   created with `netns` is deleted there through a socket opened in that netns for
   *   the purpose) and the promise rejects with the NetlinkError of the first refused
   *   spec: its message names the link and `specs[i]`, e.g. 'EEXIST' for a name taken,
   *   'EOPNOTSUPP' for a kind the kernel lacks.
   * - Aliases are set by name once every create succeeded (one batch per netns; the
   *   kernel ignores IFLA_IFALIAS in a create); a refused alias deletes every link of the
   *   call again.
   * - Should answers be lost (a receive-queue overrun), the links whose outcome is unknown
   *   are left alone and named in the error: deleting them by name could delete a link
   *   of that name that was there before the call (its create refused with EEXIST, the
   *   refusal lost).
   * - An empty array resolves without sending anything (ClosedError on a closed handle).
   *
   * A rollback costs what deleting costs: the kernel unregisters each device in turn
   * (~20 ms per link here), far longer than the creates took.
   *
   * Equivalent to: `ip -batch -` reading one `link add NAME … type KIND …` line per link
   * — except that `ip -batch` stops at the first error and keeps the links it already made.
   * @throws InvalidArgumentError for bad input (nothing created); NetlinkError 'ENODEV'
   *   (naming `specs[i].master` / `specs[i].link`) for a master or parent that does not
   *   exist (nothing created); NetlinkError of the first refused spec (nothing of this
   *   call left). Should the rollback itself fail, or answers be lost (a receive-queue
   *   overrun, which the chunk sizing avoids), the error's message lists the links that
   *   may be left in place or whose outcome is unknown.
   */
  async addMany(specs: readonly LinkSpec[], options?: LinkManyOptions): Promise<void> {
    if (!Array.isArray(specs)) throw new InvalidArgumentError('specs', `expected an array of link specs, got ${showValue(specs)}`);
    if (options !== undefined) {
      const o = checkObject(options, 'options');
      for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) throw new InvalidArgumentError(`options.${k}`, `unknown option '${k}' (addMany has no options yet)`);
    }
    const n = specs.length;
    const prepared = new Array<PreparedLink>(n);
    // netns key + name → the field that claimed it ('specs[1].peer.name').
    const claimed = new Map<string, string>();
    const claim = (ns: { fd: number } | { pid: number } | undefined, name: string, arg: string): void => {
      const key = `${netnsKey(ns)}/${name}`;
      const first = claimed.get(key);
      if (first !== undefined) throw new InvalidArgumentError(arg, `'${name}' repeats ${first}${ns ? ` (both in ${netnsKey(ns)})` : ''}`);
      claimed.set(key, arg);
    };
    for (let i = 0; i < n; i++) {
      let p: PreparedLink;
      try {
        p = prepareSpec(specs[i]);
      } catch (e) {
        throw atSpec(e, i);
      }
      const name = p.attrs.name;
      if (name === undefined || isNameTemplate(name)) throw new InvalidArgumentError(`specs[${i}].name`, `addMany needs ${name === undefined ? 'a name' : `an exact name, not the template '${name}',`} for every link: one the kernel chooses could not be found again to delete it, should another link of the call be refused`);
      claim(p.attrs.netns, name, `specs[${i}].name`);
      // A template peer name is as many names as it is given (the kernel numbers them).
      if (p.peer?.name !== undefined && !isNameTemplate(p.peer.name)) claim(p.peer.netns, p.peer.name, `specs[${i}].peer.name`);
      prepared[i] = p;
    }
    for (let i = 0; i < n; i++) {
      const p = prepared[i]!;
      for (const [ref, arg] of [[p.masterRef, 'master'], [p.parentRef, 'link']] as const) {
        const by = typeof ref === 'string' ? claimed.get(`/${ref}`) : undefined;
        if (by !== undefined) throw new InvalidArgumentError(`specs[${i}].${arg}`, `'${String(ref)}' is created by ${by.replace(/\.(peer\.)?name$/, '')} of this same call, but ${arg} names are looked up before anything is created: create it first`);
      }
    }
    if (n === 0) return void (await this.core.sock.requestBatch([])); // nothing sent; ClosedError for a closed handle, as any call
    const cache = new Map<string | number, number>();
    const lookup = async (ref: string | number, arg: string): Promise<number> => {
      let index = cache.get(ref);
      if (index === undefined) cache.set(ref, (index = await existingLinkIndex(this.core, ref, arg)));
      return index;
    };
    for (let i = 0; i < n; i++) {
      const p = prepared[i]!;
      if (p.masterRef !== undefined) p.master = await lookup(p.masterRef, `specs[${i}].master`);
      if (p.parentRef !== undefined) p.parent = await lookup(p.parentRef, `specs[${i}].link`);
    }
    // The lookups awaited: a Netns given may have been closed since (nothing sent yet).
    for (let i = 0; i < n; i++) recheckLinkNetns(prepared[i]!, `specs[${i}].`);
    const adds: BatchRequest[] = prepared.map((p, i) => ({
      type: C.RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, subject: p.attrs.name!,
      build: (w: MessageWriter) => {
        try {
          writeNewLink(w, p);
        } catch (e) {
          throw atSpec(e, i); // a kind option out of range: the batch is refused before anything is sent
        }
      },
    }));
    const r = await this.core.sock.requestBatch(adds, { stopOnError: true });
    if (r.firstRefused < 0 && r.failure === undefined) {
      if (prepared.some((p) => p.attrs.alias !== undefined || p.peer?.alias !== undefined)) await this.aliasesOrUndo(prepared, (i) => `specs[${i}].`);
      return;
    }
    // Undo: delete what this call created, newest first. Links whose answer was lost are
    // left alone: by name, a delete could hit a link that was there before the call
    // (its create refused with EEXIST, and the refusal lost with the other answers).
    const made: number[] = [];
    for (let i = n - 1; i >= 0; i--) if (r.status[i] === 'ok') made.push(i);
    const { left, problems } = await this.deleteMade(prepared, made);
    const leftMade = left;
    const unknownIdx: number[] = [];
    for (let i = 0; i < n; i++) if (r.status[i] === 'unknown') unknownIdx.push(i);
    const fr = r.firstRefused;
    const first = fr >= 0 ? await this.explainParent(r.errors[fr]!, prepared[fr]!) : undefined;
    const which = first ? `specs[${fr}]${prepared[fr]!.peer?.name !== undefined ? ` (peer ${prepared[fr]!.peer!.name})` : ''}` : '';
    const created = made.length;
    if (first && left.length === 0 && unknownIdx.length === 0 && r.failure === undefined) {
      throw new NetlinkError(first.errno, first.request, first.extack, `${first.hint ? `${first.hint}; ` : ''}${which}; ${created ? `the ${created} link(s) this call created were deleted again` : 'no link of this call was created'}`);
    }
    const notes: string[] = [];
    if (first) notes.push(first.hint ? `${first.hint}; ${which}` : which);
    if (r.failure) notes.push(`the batch did not complete (${r.failure.message})`);
    if (left.length === 0) notes.push(`the ${made.length} link(s) this call is known to have created were deleted again`);
    if (leftMade.length) notes.push(`the rollback left ${leftMade.length} link(s) of this call in place: ${listSome(leftMade.map((i) => describeMade(prepared[i]!)))}`);
    if (problems.length) notes.push(problems.join('; '));
    if (unknownIdx.length) notes.push(`the outcome of ${unknownIdx.length} link(s) is unknown (their answers were lost; not deleted, as a link of that name may have been there before this call): ${listSome(unknownIdx.map((i) => describeMade(prepared[i]!)))}`);
    const failErrno = (r.failure as { errno?: unknown } | undefined)?.errno;
    const errno = first ? first.errno : typeof failErrno === 'number' ? failErrno : 5; /* EIO */
    throw new NetlinkError(errno, first ? first.request : { type: C.RTM_NEWLINK, typeName: 'RTM_NEWLINK', seq: 0, subject: prepared[0]!.attrs.name! }, first ? first.extack : {}, notes.join('; '));
  }

  /**
   * A create's refusal `e`, with a hint where the kernel said only an errno and the kind
   * can tell whether its parent was the cause (KindCodec.explainParent: a macvlan on lo
   * is a bare EINVAL). The parent is read back for it (a GETLINK, on the error path only);
   * anything else, or a failed read-back, leaves `e` as it is.
   */
  private async explainParent<E>(e: E, p: PreparedLink): Promise<E | NetlinkError> {
    const explain = p.codec.explainParent;
    if (!explain || p.parent === undefined || !(e instanceof NetlinkError) || e.hint !== undefined || e.extack.message !== undefined) return e;
    let parent: Link;
    try {
      parent = await this.get(p.parent);
    } catch {
      return e;
    }
    let hint = explain(e.errno, parent, p.attrs.mtu);
    if (hint === undefined && p.codec.explainUppers) {
      const uppers = await this.list().then((ls) => ls.filter((l) => l.link === parent.index && l.netnsId === undefined), () => undefined);
      if (uppers !== undefined) hint = p.codec.explainUppers(e.errno, parent, p.spec['data'] as Record<string, unknown> | undefined, uppers);
    }
    return hint === undefined ? e : new NetlinkError(e.errno, e.request, e.extack, hint);
  }

  /**
   * Set the aliases of links just created (`add`, `addMany`): the kernel ignores
   * IFLA_IFALIAS in a create, so each alias goes in an RTM_NEWLINK by name, one batch per
   * netns the links and peers were born in. If any is refused or lost, every link of
   * `made` is deleted again and the first error is thrown, saying so.
   */
  private async aliasesOrUndo(made: readonly PreparedLink[], at: (i: number) => string): Promise<void> {
    let failure: Error | undefined;
    // The create awaited: a Netns given may have been closed since, its fd number reused.
    try {
      made.forEach((p, i) => recheckLinkNetns(p, at(i)));
    } catch (e) {
      failure = e as Error;
    }
    // netns key → its target and the (name, alias) pairs to set there.
    const byNetns = new Map<string, { target: PreparedAttrs['netns']; items: { name: string; alias: string }[] }>();
    const add = (a: PreparedAttrs | undefined): void => {
      if (a?.alias === undefined || a.name === undefined) return;
      const key = netnsKey(a.netns);
      let g = byNetns.get(key);
      if (!g) byNetns.set(key, (g = { target: a.netns, items: [] }));
      g.items.push({ name: a.name, alias: a.alias });
    };
    for (const p of made) {
      add(p.attrs);
      add(p.peer);
    }
    for (const [key, g] of failure ? [] : byNetns) {
      let sock: NetlinkSocket | undefined;
      try {
        sock = g.target === undefined ? this.core.sock : openRouteSocket(g.target, { onWarning: this.core.sock.onWarning });
        const r = await sock.requestBatch(g.items.map(({ name, alias }) => ({
          type: C.RTM_NEWLINK, flags: 0, subject: name,
          build: (w: MessageWriter) => {
            putIfinfomsg(w, 0, 0, 0);
            putLinkName(w, name);
            w.putBytes(C.IFLA_IFALIAS, Buffer.from(alias, 'utf8'));
          },
        })));
        if (r.firstRefused >= 0) failure = r.errors[r.firstRefused]!;
        else if (r.failure) failure = r.failure;
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
      } finally {
        if (sock !== undefined && sock !== this.core.sock) sock.close();
      }
      if (failure) {
        if (key) failure.message += ` (in ${key})`;
        break;
      }
    }
    if (!failure) return;
    const all = made.map((_, i) => i);
    const { left, problems } = await this.deleteMade(made, all);
    failure.message = `setting the alias failed: ${failure.message}; ${left.length === 0
      ? `the ${made.length} link(s) just created were deleted again`
      : `the rollback left ${listSome(left.map((i) => describeMade(made[i]!)))} in place${problems.length ? ` (${problems.join('; ')})` : ''}`}`;
    throw failure;
  }

  /**
   * addMany's rollback: delete the links at `made` by name, one requestBatch per netns
   * they were created in (the handle's socket, or one opened in that netns and closed
   * again). ENODEV counts as deleted. Returns the links that may be left, and why.
   */
  private async deleteMade(prepared: readonly PreparedLink[], made: readonly number[]): Promise<{ left: number[]; problems: string[] }> {
    const byNetns = new Map<string, number[]>();
    const left: number[] = [];
    const problems: string[] = [];
    for (const i of made) {
      // Deleted by name in the netns it was made in: never in whatever file took the fd
      // number of a Netns closed since.
      try {
        recheckNetns(prepared[i]!.attrs, prepared[i]!.spec['netns'], 'netns');
      } catch (e) {
        left.push(i);
        problems.push(`could not delete ${prepared[i]!.attrs.name!}: ${(e as Error).message}`);
        continue;
      }
      const key = netnsKey(prepared[i]!.attrs.netns);
      const list = byNetns.get(key);
      if (list) list.push(i);
      else byNetns.set(key, [i]);
    }
    const refusals: string[] = [];
    for (const [key, idx] of byNetns) {
      const target = prepared[idx[0]!]!.attrs.netns;
      let sock: NetlinkSocket | undefined;
      try {
        sock = target === undefined ? this.core.sock : openRouteSocket(target, { onWarning: this.core.sock.onWarning });
        const d = await sock.requestBatch(idx.map((i) => {
          const name = prepared[i]!.attrs.name!;
          return { type: C.RTM_DELLINK, flags: 0, subject: name, build: (w: MessageWriter) => {
            putIfinfomsg(w, 0, 0, 0);
            putLinkName(w, name);
          } };
        }));
        idx.forEach((i, k) => {
          const st = d.status[k];
          if (st === 'ok' || (st === 'refused' && d.errors[k]!.code === 'ENODEV')) return;
          left.push(i);
          if (st === 'refused') refusals.push(`${prepared[i]!.attrs.name!}: ${d.errors[k]!.message}`);
        });
        if (d.failure) problems.push(`the deletions${key ? ` in ${key}` : ''} did not complete (${d.failure.message})`);
      } catch (e) {
        for (const i of idx) left.push(i);
        problems.push(`could not delete${key ? ` in ${key}` : ''}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        if (sock !== undefined && sock !== this.core.sock) sock.close();
      }
    }
    if (refusals.length) problems.unshift(`the kernel refused to delete ${listSome(refusals)}`);
    return { left, problems };
  }

  /**
   * Get one link by name (or altname) or ifindex.
   *
   * Equivalent to: `ip -d link show dev NAME`.
   * @throws NetlinkError with code 'ENODEV' when there is no such link (its hint names
   *   the link and the netns the handle looked in).
   */
  async get(ref: string | number): Promise<Link> {
    const r = checkLinkRef(ref, 'link');
    let link: Link | undefined;
    try {
      link = await this.core.sock.request(C.RTM_GETLINK, 0, (w) => {
        putIfinfomsg(w, typeof r === 'number' ? r : 0, 0, 0);
        if (typeof r === 'string') putLinkName(w, r);
      }, decodeOne, { ack: false, subject: subjectOf(r) });
    } catch (e) {
      throw namedMissing(this.core, e, r, 'link');
    }
    if (!link) throw noReply(C.RTM_GETLINK, 'RTM_GETLINK', 'RTM_NEWLINK', subjectOf(r));
    return link;
  }

  /**
   * Resolve a name to its ifindex (a GETLINK without counters). A number is returned
   * as is, without a round trip.
   *
   * Equivalent to: `ip link show dev NAME` (its ifindex), or /sys/class/net/NAME/ifindex.
   * @throws NetlinkError 'ENODEV' (its hint names `arg`, the link and the netns the
   *   handle looked in).
   */
  async index(ref: string | number, arg = 'link'): Promise<number> {
    const r = checkLinkRef(ref, arg);
    if (typeof r === 'number') return r;
    try {
      const idx = await this.core.sock.request(C.RTM_GETLINK, 0, (w) => {
        putIfinfomsg(w, 0, 0, 0);
        putLinkName(w, r);
      }, (_b, v, off) => v.getInt32(off + NLMSG_HDRLEN + 4, HOST_LE), { ack: false, subject: r });
      return idx!;
    } catch (e) {
      throw namedMissing(this.core, e, r, arg);
    }
  }

  /**
   * @internal A link's ifindex and the length of its hardware address (IFLA_ADDRESS;
   * undefined for a link without one), in one GETLINK: what an address written to it
   * must match (the kernel truncates a longer one without a word).
   */
  async hwAddrLen(ref: string | number, arg: string): Promise<{ index: number; addrLen: number | undefined }> {
    const r = checkLinkRef(ref, arg);
    try {
      const res = await this.core.sock.request(C.RTM_GETLINK, 0, (w) => {
        putIfinfomsg(w, typeof r === 'number' ? r : 0, 0, 0);
        if (typeof r === 'string') putLinkName(w, r);
        w.putU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS);
      }, (_b, v, off, len) => {
        let addrLen: number | undefined;
        walkAttrs(v, off + NLMSG_HDRLEN + IFINFOMSG_LEN, off + len, HW_PATH, (t, _o, l) => {
          if (t === C.IFLA_ADDRESS) addrLen = l;
        });
        return { index: v.getInt32(off + NLMSG_HDRLEN + 4, HOST_LE), addrLen };
      }, { ack: false, subject: subjectOf(r) });
      return res!;
    } catch (e) {
      throw namedMissing(this.core, e, r, arg);
    }
  }

  /**
   * List links (one dump, retried if the kernel flags it interrupted). `kind` and
   * `master` are filtered by the kernel (and checked again here: the kernel returns
   * every link for a kind it does not know), `group` here. With a `kind` of
   * {@link KindData}, the links come typed as {@link LinkOfKind} (`linkinfo.data` of that
   * kind's type), as `forEach` gives them.
   *
   * Equivalent to: `ip -d link show [type KIND] [master M] [group G]`.
   */
  list<K extends keyof KindData>(filter: LinkFilter & { readonly kind: K }): Promise<LinkOfKind<K>[]>;
  list(filter?: LinkFilter): Promise<Link[]>;
  async list(filter: LinkFilter = {}): Promise<Link[]> {
    const q = await this.query(filter);
    const links = await this.core.sock.dump(C.RTM_GETLINK, 0, q.build, decodeOne);
    const keep = q.keep;
    if (keep === undefined) return links;
    return links.every(keep) ? links : links.filter(keep);
  }

  /**
   * Walk the links `list(filter)` would return without collecting them: `fn` gets each
   * link as its part of the dump is read, so thousands of links are walked in the memory
   * of one receive buffer. Return `false` from `fn` to stop. Resolves with the number of
   * links `fn` was given.
   *
   * `fn` runs synchronously inside the receive loop: requests it makes on this handle
   * wait until the walk ends, and an async `fn` is refused. A walk is not retried when
   * the kernel flags the dump as interrupted by concurrent changes (NLM_F_DUMP_INTR):
   * it then rejects with DumpInterruptedError once the walk is over, and `delivered`
   * says how many links `fn` was given (a flag on what was read after `fn`
   * stopped the walk does not count). Closing the handle from `fn` ends the walk
   * with ClosedError.
   *
   * Equivalent to: `ip -d link show [type KIND] [master M] [group G]` piped into a reader.
   * @throws DumpInterruptedError when the dump was interrupted; whatever `fn` threw.
   */
  async forEach<R = boolean | void>(fn: ForEachCallback<Link, R>): Promise<number>;
  async forEach<K extends keyof KindData, R = boolean | void>(filter: LinkFilter & { readonly kind: K }, fn: ForEachCallback<LinkOfKind<K>, R>): Promise<number>;
  async forEach<R = boolean | void>(filter: LinkFilter | undefined, fn: ForEachCallback<Link, R>): Promise<number>;
  async forEach(a: LinkFilter | ((object: Link) => unknown) | undefined, b?: (object: never) => unknown): Promise<number> {
    // `b` takes the links the filter keeps: of its kind when it names one (the overload above).
    const [filter, fn] = eachArgs(a, b as ((object: Link) => unknown) | undefined);
    const q = await this.query(filter === undefined ? {} : filter); // list's default: null is refused, as there
    return this.core.sock.dumpEach(C.RTM_GETLINK, 0, q.build, decodeKept(decodeOne, q.keep), fn);
  }

  /** A checked link filter: the dump request, and the test for what it keeps (undefined: everything). */
  private async query(filter: LinkFilter): Promise<{ build: (w: MessageWriter) => void; keep: ((l: Link) => boolean) | undefined }> {
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new InvalidArgumentError('filter', `expected an object, got ${showValue(filter)}`);
    checkKeys(filter, FILTER_KEYS, 'filter.');
    const kind = filter.kind;
    if (kind !== undefined && (typeof kind !== 'string' || !KIND_RE.test(kind))) throw new InvalidArgumentError('filter.kind', `expected a link kind name, got ${showValue(kind)}`);
    const group = filter.group !== undefined ? checkU32(filter.group, 'filter.group') : undefined;
    const master = filter.master !== undefined ? await this.core.linkIndex(checkLinkRef(filter.master, 'filter.master'), 'filter.master') : undefined;
    const build = (w: MessageWriter): void => {
      putIfinfomsg(w, 0, 0, 0);
      // Any IFLA_EXT_MASK makes the kernel size dump parts for its largest link
      // (rtnl_calcit); without one it uses NLMSG_GOODSIZE and silently leaves out a
      // link whose message does not fit (seen here with a 67 KB link). SKIP_STATS
      // only concerns VF counters, which are not requested.
      w.putU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS);
      if (master !== undefined) w.putU32(C.IFLA_MASTER, master);
      if (kind !== undefined) {
        const li = w.nestStart(C.IFLA_LINKINFO);
        w.putStrz(C.IFLA_INFO_KIND, kind);
        w.nestEnd(li);
      }
    };
    // The kernel filters by kind only when it knows the kind: for a kind no module
    // registers (a typo, or dummy on a kernel without it) it returns every link. Kind
    // is therefore also checked here; that the kernel filtered the rest is not trusted
    // either (a handle may be opened without strict checking).
    if (kind === undefined && group === undefined && master === undefined) return { build, keep: undefined };
    return {
      build,
      keep: (l) => (kind === undefined || l.kind === kind) && (group === undefined || (l.group ?? 0) === group) && (master === undefined || l.master === master),
    };
  }

  /**
   * Change a link: every field given goes into one RTM_NEWLINK (flags through
   * ifi_change, so untouched flags stay as they are). Moving to another netns with a
   * new name is one message; the ifindex may change in the new netns, so look it up
   * there by name.
   *
   * Equivalent to: `ip link set dev NAME [up|down] [mtu N] [name NEW] [address MAC]
   * [master M|nomaster] [netns NS] [group G] [alias A] [txqlen N] [promisc on|off]
   * [addrgenmode none|…] [xdpgeneric|xdpdrv|xdpoffload|xdp pinned PATH|off] [protodown on|off]
   * [gso_max_size N] [gso_max_segs N] [gro_max_size N] [gso_ipv4_max_size N] [gro_ipv4_max_size N]`
   * (an `up` with `addrGenMode` goes in a request of its own after it, see there),
   * and `ip link set dev NAME type bridge_slave hairpin on …` for `bridgePort`
   * — sent as `bridge link set dev NAME …` does (AF_BRIDGE, IFLA_PROTINFO), after the
   * other changes, so a `master` given in the same call is in place first. STP port
   * states other than 'disabled' need the bridge and the port running (else the
   * kernel says ENETDOWN), and with STP off the bridge moves them to forwarding.
   * `kind` + `data` change the kind's options, as `ip link set dev NAME type KIND …`
   * (see {@link KindChange}: what each kind's driver lets a change touch).
   * Not all or none: the kernel applies the attributes of the message one by one and
   * keeps those before one it refuses (as `ip link set` leaves them: a taken `name` after
   * an applied `mtu`), so the error of a refused change of several says which of them the
   * link, read back, now has as asked and which not.
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'ENODEV' when
   *   the link (or `master`) does not exist, its hint naming which and the netns the
   *   handle looked in; 'EOPNOTSUPP' naming the link's kind when `kind` is not it.
   */
  set(ref: string | number, change: LinkChange, options: LinkWriteOptions & { readonly echo: true }): Promise<Link>;
  set(ref: string | number, change: LinkChange, options?: LinkWriteOptions & { readonly echo?: false | undefined }): Promise<undefined>;
  set(ref: string | number, change: LinkChange, options?: LinkWriteOptions): Promise<Link | undefined>;
  async set(ref: string | number, change: LinkChange, options?: LinkWriteOptions): Promise<Link | undefined> {
    const r = checkLinkRef(ref, 'link');
    const echo = writeOptions(options);
    if (typeof change !== 'object' || change === null || Array.isArray(change)) throw new InvalidArgumentError('change', `expected an object, got ${showValue(change)}`);
    checkKeys(change, CHANGE_KEYS, '');
    const c = change as unknown as Record<string, unknown>;
    const a = prepareAttrs({
      name: c['name'], mtu: c['mtu'], address: c['address'], broadcast: c['broadcast'], txqlen: c['txqlen'],
      group: c['group'], alias: c['alias'], netns: c['netns'],
    }, '', false);
    let flags = 0;
    let mask = 0;
    const flag = (key: string, bit: number): void => {
      if (c[key] === undefined) return;
      mask |= bit;
      if (checkBool(c[key], key)) flags |= bit;
    };
    flag('up', C.IFF_UP);
    flag('promisc', C.IFF_PROMISC);
    flag('allmulti', C.IFF_ALLMULTI);
    flag('noarp', C.IFF_NOARP);
    const carrier = c['carrier'] !== undefined ? checkBool(c['carrier'], 'carrier') : undefined;
    const protoDown = c['protoDown'] !== undefined ? checkBool(c['protoDown'], 'protoDown') : undefined;
    const limits = c['gsoMaxSize'] !== undefined || c['gsoMaxSegs'] !== undefined || c['groMaxSize'] !== undefined || c['gsoIpv4MaxSize'] !== undefined || c['groIpv4MaxSize'] !== undefined
      ? prepareLimits(c, '') : undefined;
    const xdpGiven = c['xdp'] !== null && c['xdp'] !== undefined ? checkXdp(c['xdp']) : undefined;
    const agm = c['addrGenMode'];
    if (agm !== undefined && (typeof agm !== 'string' || !Object.hasOwn(ADDR_GEN_MODES, agm))) throw new InvalidArgumentError('addrGenMode', `expected 'eui64', 'none', 'stable_secret' or 'random', got ${showValue(agm)}`);
    const addrGenMode = agm === undefined ? undefined : ADDR_GEN_MODES[agm as AddrGenMode];
    // In one message the kernel changes the flags before it applies IFLA_AF_SPEC: a link
    // ready at once would get its link-local address at the up by the old mode (an eui64
    // one for 'none'). With up: true, the up follows the mode in a request of its own.
    const upAfter = addrGenMode !== undefined && (flags & C.IFF_UP) !== 0;
    // That up, after a move, goes to the new netns by the link's new name: a template
    // ('x%d') is not it.
    if (upAfter && a.netns !== undefined && a.name !== undefined && isNameTemplate(a.name)) {
      throw new InvalidArgumentError('name', `needs an exact name, not the template '${a.name}', with netns, addrGenMode and up in one call: the up is sent in the new netns by the link's name`);
    }
    // The kernel echoes nothing to this netns for a link it moves out: the echo is read
    // back in the new netns, by the link's name there, which a template is not.
    if (echo && a.netns !== undefined && a.name !== undefined && isNameTemplate(a.name)) {
      throw new InvalidArgumentError('name', `needs an exact name, not the template '${a.name}', with netns and echo: the kernel echoes nothing for a link moved out, so it is read back in its new netns by its name`);
    }
    const kindData = c['data'] !== undefined || c['kind'] !== undefined ? prepareKindChange(c, a.mtu) : undefined;
    let bridgePort: Record<string, unknown> | undefined;
    let backupRef: string | number | undefined;
    if (c['bridgePort'] !== undefined) {
      if (typeof c['bridgePort'] !== 'object' || c['bridgePort'] === null || Array.isArray(c['bridgePort'])) throw new InvalidArgumentError('bridgePort', 'expected an object');
      bridgePort = c['bridgePort'] as Record<string, unknown>;
      checkKeys(bridgePort, BRIDGE_PORT_KEYS, 'bridgePort.');
      checkPortRanges(bridgePort);
      // A backup port by name or ifindex (looked up below, before anything is sent), null to remove it.
      if (bridgePort['backupPort'] !== undefined && bridgePort['backupPort'] !== null) backupRef = checkLinkRef(bridgePort['backupPort'], 'bridgePort.backupPort');
      // Every value checked before anything is sent: the port options go in a second
      // request, and a bad one must not leave the first half of the change applied.
      const scratch = new Writer(256);
      try {
        BRIDGE_PORT_DATA.encode(scratch.begin(C.RTM_SETLINK, 0, 0, 0), bridgePort['backupPort'] === undefined ? bridgePort : { ...bridgePort, backupPort: 0 }, 'bridgePort.');
      } finally {
        scratch.release(); // its slab goes back to the pool
      }
      if (c['master'] === null) throw new InvalidArgumentError('bridgePort', 'port options for a link this change detaches from its bridge (master: null)');
      // Moved, the link leaves its bridge (and the options would go to the old netns, where it no longer is).
      if (c['netns'] !== undefined) throw new InvalidArgumentError('bridgePort', 'port options for a link this change moves to another netns, where it is no bridge\'s port');
    }
    // The kernel moves the link first and then looks the master up in the new netns: EINVAL
    // with no word of why (`ip link set v0 netns x master br0` says only "Invalid argument").
    if (c['master'] !== undefined && c['master'] !== null && c['netns'] !== undefined) {
      throw new InvalidArgumentError('master', 'a master and a netns in one change: the link is moved first and leaves its bridge; attach it in its new netns with a second set()');
    }
    const masterRef = c['master'] === null || c['master'] === undefined ? undefined : checkLinkRef(c['master'], 'master');
    // A pinned XDP program is opened (and its type checked) before any request, like the
    // rest of the input, and held until the kernel has answered.
    const programs = xdpGiven?.program ? [xdpGiven.program] : [];
    openPrograms(programs);
    try {
      if (a.address !== undefined || a.broadcast !== undefined) {
        // The kernel copies the link's own address length from what it is sent: a longer
        // address is cut short without a word, a shorter one is a bare EINVAL.
        const { addrLen } = await this.hwAddrLen(r, 'link');
        for (const [k, v] of [['address', a.address], ['broadcast', a.broadcast]] as const) {
          // No IFLA_ADDRESS: dev->addr_len is 0 (a tun, link type none). The kernel copies
          // nothing of a broadcast address then, without a word, and refuses an address
          // with a bare EOPNOTSUPP.
          if (v !== undefined && addrLen === undefined) {
            throw new InvalidArgumentError(k, `link ${subjectOf(r)} has no hardware address (a tun, or another link type without one), so no ${k} can be set on it`);
          }
          if (v !== undefined && addrLen !== undefined && v.length !== addrLen) {
            throw new InvalidArgumentError(k, `link ${subjectOf(r)} takes ${addrLen}-byte hardware addresses, got ${v.length} bytes`);
          }
        }
      }
      let master: number | undefined;
      if (c['master'] === null) master = 0;
      else if (masterRef !== undefined) {
        // By ifindex too, the master must exist: the kernel says only EINVAL otherwise.
        master = await existingLinkIndex(this.core, masterRef, 'master');
      }
      if (bridgePort?.['backupPort'] !== undefined) {
        // The kernel answers a missing ifindex with a bare ENOENT, after the rest of the change.
        bridgePort = { ...bridgePort, backupPort: backupRef === undefined ? 0 : await existingLinkIndex(this.core, backupRef, 'bridgePort.backupPort') };
      }
      // xdp: null detaches in every mode a program is attached in: read which first.
      const xdps: XdpAttr[] = xdpGiven ? [xdpGiven] : c['xdp'] === null ? xdpDetaches(await this.get(r)) : [];
      // Address the link by index when renaming (IFLA_IFNAME then carries the new name).
      const index = typeof r === 'number' ? r : a.name !== undefined ? await this.core.linkIndex(r) : 0;
      // The up after a move, and the echo of one, go to the new netns, by the link's name
      // there (a name or altname `ref` moves with it; an ifindex may not).
      const nameThere = (upAfter || echo) && a.netns !== undefined ? a.name ?? (typeof r === 'string' ? r : (await this.get(r)).name) : undefined;
      const upThere = upAfter ? nameThere : undefined;
      // The lookups awaited: a Netns given may have been closed since, its fd number reused.
      recheckNetns(a, c['netns'], 'netns');
      const generic = a.name !== undefined || a.mtu !== undefined || a.address !== undefined || a.broadcast !== undefined ||
        a.txqlen !== undefined || a.group !== undefined || a.alias !== undefined || a.netns !== undefined ||
        mask !== 0 || master !== undefined || carrier !== undefined || xdps.length > 0 || addrGenMode !== undefined || kindData !== undefined ||
        limits !== undefined || protoDown !== undefined ||
        // Nothing else asked: a request only for an xdp: null that found nothing to detach would be an empty change.
        (!bridgePort && c['xdp'] !== null);
      let echoed: Link | undefined;
      // A program in a second mode (driver and offload at once): one more detach each,
      // sent first, while the link still has the netns and name `ref` finds it by.
      for (const x of xdps.slice(1)) {
        try {
          await this.core.sock.requestWith(C.RTM_NEWLINK, 0, writeSet, { ref: r, index, change: {}, attrs: NO_ATTRS, flags: 0, mask: 0, master: undefined, carrier: undefined, xdp: x }, undefined, SET_OPTS);
        } catch (e) {
          throw explainXdp(namedMissing(this.core, e, r, 'link'), x, r);
        }
      }
      if (generic) {
        const req: LinkSetRequest = { ref: r, index, change: c, attrs: a, flags: upAfter ? flags & ~C.IFF_UP : flags, mask: upAfter ? mask & ~C.IFF_UP : mask, master, carrier, xdp: xdps[0], addrGenMode, kindData, protoDown, limits };
        try {
          echoed = await this.core.sock.requestWith(C.RTM_NEWLINK, echo && !upAfter ? NLM_F_ECHO : 0, writeSet, req, echo ? decodeOne : undefined, SET_OPTS);
        } catch (e) {
          const x = kindData ? await this.explainKindChange(explainXdp(namedMissing(this.core, e, r, 'link'), xdps[0], r), r, index, kindData) : explainXdp(namedMissing(this.core, e, r, 'link'), xdps[0], r);
          if (x instanceof NetlinkError && x.code === 'EEXIST' && a.netns !== undefined && a.name !== undefined) throw await this.movedNotRenamed(x, r, index, c['netns'], a.netns);
          const name = agm === 'stable_secret' && x instanceof NetlinkError && x.code === 'EINVAL' ? (await this.get(r).catch(() => undefined))?.name : undefined;
          const y = await this.explainMtu(explainAddrGenMode(x, agm as AddrGenMode | undefined, name), r, a.mtu);
          // A move goes first: refused, nothing else was applied (moved, see movedNotRenamed).
          throw a.netns === undefined ? await this.partlyApplied(y, r, index, req, masterRef) : y;
        }
        if (upAfter) {
          try {
            recheckNetns(a, c['netns'], 'netns'); // the move awaited
          } catch (e) {
            if (e instanceof ClosedError) e.message += '; the link was not brought up; the other changes of this call were applied (the up follows the address generation mode in a request of its own)';
            throw e;
          }
          await this.upAfterMode(r, a.name ?? r, index, a.netns, upThere);
        }
      }
      if (bridgePort) {
        // Port options go to the bridge as `bridge link set` sends them: RTM_SETLINK with
        // family AF_BRIDGE and IFLA_PROTINFO (the slave-data path of RTM_NEWLINK lets the
        // bridge override the STP state straight away). Sent after the generic changes so
        // a `master` given in the same call is already in place.
        const portIndex = index || (a.name !== undefined ? await this.core.linkIndex(a.name) : await this.core.linkIndex(r));
        try {
          await this.core.sock.request(C.RTM_SETLINK, 0, (w) => {
            putIfinfomsg(w, portIndex, 0, 0, AF_BRIDGE);
            const p = w.nestStart(C.IFLA_PROTINFO);
            BRIDGE_PORT_DATA.encode(w, bridgePort!, 'bridgePort.');
            w.nestEnd(p);
          }, undefined, { subject: subjectOf(r) });
        } catch (x) {
          let e = namedMissing(this.core, x, r, 'link');
          const backup = bridgePort['backupPort'];
          if (e instanceof NetlinkError && typeof backup === 'number' && backup !== 0 && (e.errno === 2 || e.errno === 22)) e = await this.explainBackup(e, portIndex, backup);
          // The kernel refused the port options after taking the rest: say so.
          if (generic && e instanceof NetlinkError) throw new NetlinkError(e.errno, e.request, e.extack, `${e.hint ? `${e.hint}; ` : ''}the bridgePort options were refused; the other changes of this call were applied`);
          throw e;
        }
        if (echo) echoed = undefined;
      }
      if (!echo || echoed) return echoed;
      if (a.netns !== undefined) return await this.readMoved(a, c['netns'], nameThere!, 'the change was applied');
      // Renamed, by the ifindex looked up for it: a template name ('x%d') is not the link's.
      return this.get(index || r);
    } finally {
      closePrograms(programs);
    }
  }

  /**
   * The echo of a link moved to (or made in) another netns, which the kernel does not
   * send to this one: read there by `name`, over a socket opened in that netns and closed
   * again. A Netns closed since the request is a ClosedError saying that `done`.
   */
  private async readMoved(a: PreparedAttrs, given: unknown, name: string, done: string): Promise<Link> {
    try {
      recheckNetns(a, given, 'netns');
    } catch (e) {
      if (e instanceof ClosedError) e.message += `; ${done}, but the link could not be read back there for the echo`;
      throw e;
    }
    const sock = openRouteSocket(a.netns!, { onWarning: this.core.sock.onWarning });
    try {
      return await LinkApi.of(coreOver(sock, netnsText(given, a.netns!))).get(name);
    } finally {
      sock.close();
    }
  }

  /**
   * nbp_backup_change()'s bare answers (ENOENT: the backup is no bridge port; EINVAL: a
   * port of another bridge, or the port itself), said in words (runs only for an error).
   */
  private async explainBackup(e: NetlinkError, port: number, backup: number): Promise<NetlinkError> {
    const [p, b] = await Promise.all([this.get(port).catch(() => undefined), this.get(backup).catch(() => undefined)]);
    if (p === undefined || b === undefined) return e;
    let why: string | undefined;
    if (port === backup) why = `a port cannot be its own backup (bridgePort.backupPort '${b.name}')`;
    else if (e.errno === 2 && (b.master === undefined || b.linkinfo?.slaveKind !== 'bridge')) why = `the backup port '${b.name}' is no bridge port: it must be a port of the same bridge`;
    else if (e.errno === 22 && b.master !== p.master) why = `the backup port '${b.name}' is a port of another bridge: it must be a port of the same bridge as '${p.name}'`;
    return why === undefined ? e : new NetlinkError(e.errno, e.request, e.extack, `${why}${e.hint ? `; ${e.hint}` : ''}`);
  }

  /**
   * A refused change with kind options, read on the error path: a bare EOPNOTSUPP is a
   * link of another kind than `kind` (or one whose driver changes nothing: veth, ifb),
   * said with the link's kind read back; a bare EINVAL of a macvlan or macvtap is said
   * with its mode (source addresses need mode 'source'; passthru is fixed), a bridge's
   * ERANGE with forwardDelay's range while STP is on. The kernel
   * applies the options before the rest of the message (rtnl_changelink, then
   * do_setlink), so nothing of this request was applied but the options the driver took
   * before the one it refused. `e` as it is otherwise.
   */
  private async explainKindChange(e: unknown, ref: string | number, index: number, k: KindDataChange): Promise<unknown> {
    if (!(e instanceof NetlinkError) || e.extack.message) return e;
    let why: string | undefined;
    if (e.code === 'EOPNOTSUPP') {
      const l = await this.get(index || ref).catch(() => undefined);
      if (l !== undefined && l.kind !== k.kind) why = `${l.name} is ${l.kind === undefined ? 'a link without a kind' : `a ${l.kind}`}, not a ${k.kind}: data is for the link's own kind; nothing of this change was applied`;
    } else if (e.code === 'EINVAL' && (k.kind === 'macvlan' || k.kind === 'macvtap')) {
      const l = await this.get(index || ref).catch(() => undefined);
      const mode = (l?.linkinfo?.data as Record<string, unknown> | undefined)?.['mode'];
      if (mode === 'passthru' && k.data['mode'] !== undefined) why = `${l!.name} is in mode passthru, which the kernel neither sets nor clears on an existing link`;
      else if (k.data['macaddr'] !== undefined && mode !== 'source' && k.data['mode'] === undefined) why = `${l?.name ?? subjectOf(ref)} is in mode ${String(mode)}: a list of source addresses (data.macaddr) is for mode 'source' (give data.mode: 'source' with it)`;
    } else if (e.code === 'ERANGE' && k.kind === 'bridge' && k.data['forwardDelay'] !== undefined) {
      // br_set_forward_delay: ERANGE outside 2..30 s only while STP is on, checked before
      // stpState is applied (the kernel reads the options in attribute order), so a
      // stpState: 0 in the same change does not help. helloTime and maxAge are checked before sending.
      why = `while STP is on, a bridge's forwardDelay is 200..3000 centiseconds (2..30 s), got ${String(k.data['forwardDelay'])}; the kernel checks it before it applies a stpState of the same change, so turn STP off in a set() of its own first`;
    }
    return why ? new NetlinkError(e.errno, e.request, e.extack, e.hint ? `${e.hint}; ${why}` : why) : e;
  }

  /**
   * An MTU outside the device's range, read on the error path: the kernel's text ('mtu less
   * than device minimum', 'mtu greater than device maximum') names neither bound, so the
   * link's range (IFLA_MIN_MTU..IFLA_MAX_MTU, read back) is added ('v0 takes MTUs
   * 68..65535'); `e` as it is otherwise.
   */
  private async explainMtu(e: unknown, ref: string | number, mtu: number | undefined): Promise<unknown> {
    if (mtu === undefined || !(e instanceof NetlinkError) || e.code !== 'EINVAL') return e;
    if (e.extack.message !== 'mtu less than device minimum' && e.extack.message !== 'mtu greater than device maximum') return e;
    const l = await this.get(ref).catch(() => undefined);
    if (l?.minMtu === undefined) return e;
    const range = `${l.name} takes MTUs ${l.minMtu}..${l.maxMtu ? l.maxMtu : '2147483647'}`;
    return new NetlinkError(e.errno, e.request, e.extack, e.hint ? `${e.hint}; ${range}` : range);
  }

  /**
   * A refused change of several attributes, read on the error path: do_setlink applies
   * them one by one (address, MTU, group, name, alias, broadcast, flags, master, carrier,
   * txqlen, limits, …) and keeps those before the one it refuses, as `ip link set` leaves
   * them. The link is read back and the error says which of the changes it now has as
   * asked and which not; `e` as it is for a single change, or when the link cannot be read.
   */
  private async partlyApplied(e: unknown, ref: string | number, index: number, s: LinkSetRequest, masterRef: string | number | undefined): Promise<unknown> {
    if (!(e instanceof NetlinkError) || e.hint?.includes('nothing of this change was applied')) return e;
    const a = s.attrs;
    const hex = (b: Uint8Array): string => hexColon(b, 0, b.length);
    // [what was asked, in ip's words; whether the link has it]
    const asked: Array<readonly [string, (l: Link) => boolean]> = [];
    if (a.name !== undefined && !isNameTemplate(a.name)) asked.push([`name '${a.name}'`, (l) => l.name === a.name]);
    if (a.mtu !== undefined) asked.push([`mtu ${a.mtu}`, (l) => l.mtu === a.mtu]);
    if (a.address !== undefined) asked.push([`address ${hex(a.address)}`, (l) => l.address === hex(a.address!)]);
    if (a.broadcast !== undefined) asked.push([`broadcast ${hex(a.broadcast)}`, (l) => l.broadcast === hex(a.broadcast!)]);
    if (a.txqlen !== undefined) asked.push([`txqlen ${a.txqlen}`, (l) => l.txqlen === a.txqlen]);
    if (a.group !== undefined) asked.push([`group ${a.group}`, (l) => (l.group ?? 0) === a.group]);
    if (a.alias !== undefined) asked.push([`alias '${a.alias}'`, (l) => (l.alias ?? '') === a.alias]);
    for (const [bit, on, off] of SET_FLAG_WORDS) {
      if (s.mask & bit) asked.push([s.flags & bit ? on : off, (l) => (l.rawFlags & bit) === (s.flags & bit)]);
    }
    if (s.master !== undefined) asked.push([s.master === 0 ? 'nomaster' : `master ${typeof masterRef === 'string' ? `'${masterRef}'` : s.master}`, (l) => (l.master ?? 0) === s.master]);
    if (s.carrier !== undefined) asked.push([`carrier ${s.carrier ? 'on' : 'off'}`, (l) => l.carrier === s.carrier]);
    if (s.protoDown !== undefined) asked.push([`protodown ${s.protoDown ? 'on' : 'off'}`, (l) => (l.protoDown ?? false) === s.protoDown]);
    if (s.limits !== undefined) {
      for (const [type, v] of s.limits) {
        const [key, , word] = LIMIT_KEYS.find(([, t]) => t === type)!;
        asked.push([`${word} ${v}`, (l) => (l as unknown as Record<string, unknown>)[key] === v]);
      }
    }
    // Others sent with them, which the link's read-back does not show the same way.
    const unseen = (s.xdp !== undefined ? 1 : 0) + (s.addrGenMode !== undefined ? 1 : 0) + (s.kindData !== undefined ? 1 : 0);
    if (asked.length === 0 || asked.length + unseen < 2) return e;
    const l = await this.get(index || ref).catch(() => undefined);
    if (l === undefined) return e;
    const has = asked.filter(([, ok]) => ok(l)).map(([w]) => w);
    const not = asked.filter(([, ok]) => !ok(l)).map(([w]) => w);
    const now = has.length === 0 ? `${l.name} has none of them (not: ${not.join(', ')})`
      : `${l.name} now has ${has.join(', ')} as asked${not.length > 0 ? `; not: ${not.join(', ')}` : ''}`;
    const why = `the kernel applies a change's attributes one by one and keeps those before the one it refuses: ${now}`;
    return new NetlinkError(e.errno, e.request, e.extack, e.hint ? `${e.hint}; ${why}` : why);
  }

  /**
   * A move and rename refused with EEXIST, read on the error path: the kernel moves the
   * link first (under its own name, unless that is taken there) and renames it after, so a
   * new name taken in the target netns leaves the link moved, not renamed (as `ip link set
   * … netns X name N` does). The error says so when the link is gone from the handle's
   * netns; `e` as it is otherwise.
   */
  private async movedNotRenamed(e: NetlinkError, ref: string | number, index: number, given: unknown, netns: NonNullable<PreparedAttrs['netns']>): Promise<NetlinkError> {
    const here = await this.get(index).then(() => true, (g: unknown) => !(g instanceof NetlinkError && g.code === 'ENODEV'));
    if (here) return e;
    const moved = `the kernel moves a link before it renames it: ${subjectOf(ref)} is now in ${netnsText(given, netns)} under its old name, not renamed`;
    return new NetlinkError(e.errno, e.request, e.extack, e.hint ? `${e.hint}; ${moved}` : moved);
  }

  /**
   * `set`'s up after an address generation mode (see upAfter there): IFF_UP alone, by
   * ifindex (`index`, else by `ref`, its name now) in the handle's netns, or by `name` over
   * a socket opened in the netns the link was moved to. A refusal says the rest was applied.
   */
  private async upAfterMode(given: string | number, ref: string | number, index: number, netns: PreparedAttrs['netns'], name: string | undefined): Promise<void> {
    const there = netns !== undefined && name !== undefined;
    const req: LinkSetRequest = { ref: there ? name : ref, index: there ? 0 : index, change: {}, attrs: NO_ATTRS, flags: C.IFF_UP, mask: C.IFF_UP, master: undefined, carrier: undefined };
    const sock = there ? openRouteSocket(netns, { onWarning: this.core.sock.onWarning }) : this.core.sock;
    try {
      await sock.requestWith(C.RTM_NEWLINK, 0, writeSet, req, undefined, SET_OPTS);
    } catch (x) {
      const e = there ? x : namedMissing(this.core, x, given, 'link');
      if (!(e instanceof NetlinkError)) throw e;
      throw new NetlinkError(e.errno, e.request, e.extack, `${e.hint ? `${e.hint}; ` : ''}the link was not brought up; the other changes of this call were applied (the up follows the address generation mode in a request of its own)`);
    } finally {
      if (sock !== this.core.sock) sock.close();
    }
  }

  /**
   * Give a link alternative names (RTM_NEWLINKPROP, IFLA_PROP_LIST of IFLA_ALT_IFNAME):
   * up to 127 bytes each, with the characters an interface name may have, usable
   * wherever a name is (`get`, `set`, `del`, routes' `dev`). All or none: the kernel
   * stops at the first name it refuses and keeps those before it, so with several names
   * nlkit reads the link's altnames first and, on a refusal, removes what the call added
   * (the error says so). The new names show in `Link.altnames`.
   *
   * Equivalent to: `ip link property add dev NAME altname ALT [altname ALT2 …]`.
   * @throws InvalidArgumentError for a bad or repeated name (nothing sent); NetlinkError
   *   'EEXIST' when a name is taken (a link's name or altname in the handle's netns),
   *   'ENODEV' when the link does not exist.
   */
  async addAltnames(ref: string | number, names: string | readonly string[]): Promise<void> {
    await this.altnames(C.RTM_NEWLINKPROP, ref, names);
  }

  /**
   * Remove alternative names of a link (RTM_DELLINKPROP); all or none, as for
   * {@link addAltnames} (names removed before a refusal are added back).
   *
   * Equivalent to: `ip link property del dev NAME altname ALT [altname ALT2 …]`.
   * @throws InvalidArgumentError for a bad or repeated name (nothing sent); NetlinkError
   *   'ENOENT' when no link has such a name, 'EINVAL' when it is the link's own name or a
   *   name or altname of another link, 'ENODEV' when the link does not exist.
   */
  async delAltnames(ref: string | number, names: string | readonly string[]): Promise<void> {
    await this.altnames(C.RTM_DELLINKPROP, ref, names);
  }

  private async altnames(type: number, ref: string | number, names: string | readonly string[]): Promise<void> {
    const r = checkLinkRef(ref, 'link');
    const list = typeof names === 'string' ? [names] : names;
    if (!Array.isArray(list) || list.length === 0) throw new InvalidArgumentError('names', `expected an altname or a non-empty array of them, got ${showValue(names)}`);
    const seen = new Set<string>();
    list.forEach((n: unknown, i: number) => {
      const arg = typeof names === 'string' ? 'names' : `names[${i}]`;
      const name = checkIfname(n, arg, ALTNAME_MAX);
      if (seen.has(name)) throw new InvalidArgumentError(arg, `'${name}' is given twice`);
      seen.add(name);
    });
    const ours = [...seen];
    const add = type === C.RTM_NEWLINKPROP;
    // The kernel works through the list and stops at the first name it refuses, keeping
    // what it did before it: with several names, the link is read first (its altnames, and
    // its ifindex: the undo must find it even when `ref` is an altname the call removed),
    // so that a refusal can be undone.
    const link = ours.length > 1 ? await this.get(r) : undefined;
    const before = link ? link.altnames ?? [] : undefined;
    try {
      await this.sendAltnames(type, r, ours);
    } catch (x) {
      const e = namedMissing(this.core, x, r, 'link');
      if (!(e instanceof NetlinkError) || e.hint !== undefined) throw e;
      const one = ours.length === 1;
      // Names the link did not have: where a removal stops (the kernel goes in order).
      const absent = before ? ours.filter((n) => !before.includes(n)) : ours;
      let why = add && e.code === 'EEXIST' ? `${one ? 'the name is' : 'one of the names is'} taken (a link's name or altname in ${this.core.where?.() ?? "the handle's netns"})`
        : !add && e.code === 'ENOENT' ? `${subjectOf(r)} has no altname ${absent.map((n) => `'${n}'`).join(', ')}`
          // The name exists, but as the link's own name or another link's (netdev_name_node_alt_destroy).
          : !add && e.code === 'EINVAL' && !e.extack.message && absent.length > 0 ? `'${absent[0]!}' is not an altname of ${subjectOf(r)} (it is the link's own name, or a name or altname of another link)`
            : `${subjectOf(r)}: altnames refused`;
      if (link && before) {
        const undo = add ? 'names it had added' : 'names it had removed';
        let after: readonly string[] | undefined;
        try {
          after = (await this.get(link.index)).altnames ?? [];
        } catch (g) {
          why += `; the link could not be read back to undo the ${undo} before the refusal: ${(g as Error).message}`;
        }
        const done = after === undefined ? [] : add ? ours.filter((n) => after.includes(n) && !before.includes(n)) : ours.filter((n) => before.includes(n) && !after.includes(n));
        if (done.length > 0) {
          try {
            await this.sendAltnames(add ? C.RTM_DELLINKPROP : C.RTM_NEWLINKPROP, link.index, done);
            why += `; the ${undo} before the refusal (${done.join(', ')}) were ${add ? 'removed' : 'added'} again`;
          } catch (u) {
            why += `; the ${undo} before the refusal (${done.join(', ')}) could not be ${add ? 'removed' : 'added'} again: ${(u as Error).message}`;
          }
        }
      }
      throw new NetlinkError(e.errno, e.request, e.extack, why);
    }
  }

  /** One RTM_NEWLINKPROP/RTM_DELLINKPROP of `names`, as ip sends it: NLM_F_EXCL|NLM_F_CREATE|NLM_F_APPEND for an add, the list nest with NLA_F_NESTED. */
  private sendAltnames(type: number, r: string | number, names: readonly string[]): Promise<unknown> {
    return this.core.sock.request(type, type === C.RTM_NEWLINKPROP ? NLM_F_EXCL | NLM_F_CREATE | NLM_F_APPEND : 0, (w) => {
      putIfinfomsg(w, typeof r === 'number' ? r : 0, 0, 0);
      if (typeof r !== 'number') putLinkName(w, r);
      const l = w.nestStart(C.IFLA_PROP_LIST);
      for (const n of names) w.putStrz(C.IFLA_ALT_IFNAME, n);
      w.nestEnd(l);
    }, undefined, { subject: `${subjectOf(r)} altname ${names.join(' altname ')}` });
  }

  /**
   * Delete a link by name or ifindex, or every link in a device group at once
   * (`{ group }`: one request; 1000 pairs take ~0.2 s instead of ~16 s one by one).
   * Deleting one end of a veth deletes the pair.
   *
   * Equivalent to: `ip link del dev NAME` / `ip link del group G`.
   * @throws NetlinkError 'ENODEV' when the link does not exist (its hint names the link
   *   and the netns the handle looked in), or no link is in the group; InvalidArgumentError
   *   for group 0, every link's default group (the kernel would refuse it with EPERM).
   */
  async del(ref: string | number | { readonly group: number }): Promise<void> {
    if (typeof ref === 'object' && ref !== null) {
      checkKeys(ref, GROUP_KEYS, '');
      const g = checkU32((ref as { group: unknown }).group, 'group');
      if (g === 0) throw new InvalidArgumentError('group', "group 0 is the 'default' group every link starts in (lo included); refusing to delete it");
      await this.core.sock.request(C.RTM_DELLINK, 0, (w) => {
        putIfinfomsg(w, 0, 0, 0);
        w.putU32(C.IFLA_GROUP, g);
      }, undefined, { subject: `group ${g}` });
      return;
    }
    const r = checkLinkRef(ref, 'link');
    try {
      await this.core.sock.request(C.RTM_DELLINK, 0, (w) => {
        putIfinfomsg(w, typeof r === 'number' ? r : 0, 0, 0);
        if (typeof r === 'string') putLinkName(w, r);
      }, undefined, { subject: subjectOf(r) });
    } catch (e) {
      throw namedMissing(this.core, e, r, 'link');
    }
  }
}
