/**
 * IP sets over nfnetlink (NETLINK_NETFILTER, subsystem NFNL_SUBSYS_IPSET): create,
 * destroy, flush, rename and swap sets; add, delete and test entries; list sets with
 * their members — what the `ipset` tool does.
 *
 * Every request carries IPSET_ATTR_PROTOCOL (IPSET_PROTOCOL, 7: what `ipset` 7.x sends;
 * the kernel takes 6 and up) and an nfgenmsg of AF_INET, version 0, res_id 0, as the tool
 * sends them; a set's family travels in IPSET_ATTR_FAMILY. Numbers are in network order
 * with NLA_F_NET_BYTEORDER set (the kernel refuses them otherwise: IPSET_ERR_PROTOCOL).
 * @module
 */
import {
  allOrNoneError, tookIndexes, ClosedError, DecodeError, InvalidArgumentError, NetlinkError, NETLINK_NETFILTER, NLA_F_NET_BYTEORDER, NLM_F_CREATE, NLM_F_EXCL,
  checkOptionKeys, copyBytes, hexColon, openHandleSocket, parseHexColon, showValue, walkAttrs,
  type FamilyDescriber, type MessageWriter, type NetlinkSocket, type NetnsTarget, type RawAttribute, type NetlinkWarning,
} from '../netlink/index.js';
import { formatIp, parseIp } from '../rtnl/ip.js';
import * as N from './constants.js';

/**
 * IPSET_ATTR_BITMASK: a create attribute (nested, an address like IPSET_ATTR_IP) of Linux
 * 6.1+. The UAPI headers installed here predate it, so src/nfnl/constants.ts (generated
 * from them) lacks it; the value is the kernel's, from include/uapi/linux/netfilter/ipset/
 * ip_set.h, where the CADT enum reads `IPSET_ATTR_MARKMASK, (11) IPSET_ATTR_BITMASK, (12)`.
 */
const IPSET_ATTR_BITMASK = 12;
/** IPSET_ERR_BITMASK_NETMASK_EXCL (same file, Linux 6.1+): right after IPSET_ERR_SKBINFO (4114). */
const IPSET_ERR_BITMASK_NETMASK_EXCL = 4115;

/** Options of {@link IpSet.open}. */
export interface IpSetOptions {
  /** The network namespace whose sets the handle sees (a Netns, an fd, or `{ pid }`). Defaults to the caller's (or the enclosing execNetns target's). */
  readonly netns?: NetnsTarget | undefined;
  /** SO_RCVBUF(FORCE) of the socket, bytes. Defaults to the kernel's. */
  readonly receiveBufferSize?: number | undefined;
  /**
   * What to do with a kernel warning on an accepted request (a NetlinkWarning): a
   * function called with each, or `null` to drop them. Defaults to `process.emitWarning`.
   */
  readonly onWarning?: ((warning: NetlinkWarning) => void) | null | undefined;
}

/** The set types nlkit encodes (`ipset help` lists them); whether this kernel has one is its own answer (IPSET_ERR_FIND_TYPE). */
export type IpSetType =
  | 'bitmap:ip' | 'bitmap:ip,mac' | 'bitmap:port'
  | 'hash:ip' | 'hash:mac' | 'hash:ip,mac' | 'hash:ip,mark' | 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net'
  | 'hash:net' | 'hash:net,net' | 'hash:net,port' | 'hash:net,port,net' | 'hash:net,iface'
  | 'list:set';

/** Protocols nlkit names in entries with a port (others by number). */
export type IpSetProtocol = 'tcp' | 'udp' | 'udplite' | 'sctp' | 'icmp' | 'icmpv6';

const PROTOCOLS: Readonly<Record<IpSetProtocol, number>> = {
  tcp: N.IPPROTO_TCP, udp: N.IPPROTO_UDP, udplite: N.IPPROTO_UDPLITE, sctp: N.IPPROTO_SCTP, icmp: N.IPPROTO_ICMP, icmpv6: N.IPPROTO_ICMPV6,
};
const PROTOCOL_NAME = new Map<number, IpSetProtocol>(Object.entries(PROTOCOLS).map(([k, v]) => [v, k as IpSetProtocol]));
/** Protocols whose entries have a port (ICMP's: type << 8 | code, as ipset encodes `icmp:8/0`). */
const PORTED = new Set<number>([N.IPPROTO_TCP, N.IPPROTO_UDP, N.IPPROTO_UDPLITE, N.IPPROTO_SCTP, N.IPPROTO_ICMP, N.IPPROTO_ICMPV6]);

/**
 * An entry of a set, its fields by the set's type: `{ ip }` (hash:ip, bitmap:ip),
 * `{ ip, cidr }` (hash:net), `{ ip, port, proto }` (hash:ip,port), `{ ip, mac }`,
 * `{ ip, cidr, iface }`, `{ mac }`, `{ ip, mark }`, `{ port }` (bitmap:port),
 * `{ name, before | after }` (list:set).
 */
export interface IpSetEntry {
  /** The (first) address; with `cidr`, a network (hash:net…) or, for hash:ip, bitmap:ip and the other host types, IPv4 only, a range of hosts (added or deleted one by one, see {@link IpSet.add}). */
  readonly ip?: string | undefined;
  /**
   * The prefix length of `ip`: 1..32 or 1..128. The ,net types store the network; hash:ip,
   * bitmap:ip, hash:ip,port, hash:ip,port,ip, hash:ip,port,net and hash:ip,mark add (and
   * delete) every IPv4 address of it, one by one, and test() tests its first address only, as
   * `ipset test` does; their IPv6 entries, and bitmap:ip,mac and hash:ip,mac, take a host
   * only (refused otherwise). Defaults to a host.
   */
  readonly cidr?: number | undefined;
  /** The port (ICMP, ICMPv6: type << 8 | code). */
  readonly port?: number | undefined;
  /** The port's protocol, by name or number 1..255. Defaults to 'tcp', as `ipset` does. */
  readonly proto?: IpSetProtocol | number | undefined;
  /** The second address (hash:ip,port,ip; hash:ip,port,net; hash:net,net; hash:net,port,net). */
  readonly ip2?: string | undefined;
  /** Its prefix length (the ,net types). Defaults to a host. */
  readonly cidr2?: number | undefined;
  /** A MAC address, 'aa:bb:cc:dd:ee:ff' (bitmap:ip,mac: optional; hash:mac, hash:ip,mac). */
  readonly mac?: string | undefined;
  /** An interface name (hash:net,iface); a bridge port with `physdev`, not as `ipset`'s 'physdev:eth0' (refused). */
  readonly iface?: string | undefined;
  /** hash:net,iface: `iface` is a bridge port (`physdev:eth0`). */
  readonly physdev?: boolean | undefined;
  /** The packet mark (hash:ip,mark). */
  readonly mark?: number | undefined;
  /** A member set's name (list:set). */
  readonly name?: string | undefined;
  /** list:set: add (or delete, test) before this member. */
  readonly before?: string | undefined;
  /** list:set: add (or delete, test) after this member. */
  readonly after?: string | undefined;
  /** The ,net types: an exception (`nomatch`): packets of it do not match. */
  readonly nomatch?: boolean | undefined;
  /**
   * hash:net,iface (revision 7 and up): `iface` is a prefix, matching every interface whose
   * name starts with it (`wildcard`: `eth` matches eth0, eth1…; IPSET_FLAG_IFACE_WILDCARD).
   * It is the stored entry's flag that counts: the kernel compares a lookup with each
   * stored entry by that entry's own flag, so a del() or test() of `eth0` without the flag
   * finds a stored `eth` wildcard entry, and the flag on a del() or test() changes nothing
   * (`ipset` takes `wildcard` on add only; nlkit accepts it on del and test too, so that a
   * listed member can be passed back, and sends it). Refused for other types. Defaults to false.
   */
  readonly wildcard?: boolean | undefined;
}

/** A member of a listed set: its entry fields and extensions. */
export interface IpSetMember {
  /** The (first) address. */
  readonly ip?: string;
  /** Its prefix length, where the kernel sends one (the ,net types; a host entry of hash:net: 32 or 128). */
  readonly cidr?: number;
  /** The port (ICMP: type << 8 | code). */
  readonly port?: number;
  /** The port's protocol: its name, or its number where nlkit has none. */
  readonly proto?: IpSetProtocol | number;
  /** The second address. */
  readonly ip2?: string;
  /** Its prefix length. */
  readonly cidr2?: number;
  /** The MAC address, lower-case 'aa:bb:cc:dd:ee:ff' (`ipset` prints it upper-case). */
  readonly mac?: string;
  /** The interface name (hash:net,iface). */
  readonly iface?: string;
  /** The interface is a bridge port (`physdev:`). */
  readonly physdev?: boolean;
  /** The mark (hash:ip,mark). */
  readonly mark?: number;
  /** list:set: the member set. */
  readonly name?: string;
  /** An exception (`nomatch`). */
  readonly nomatch?: boolean;
  /** hash:net,iface: `iface` is a prefix (`wildcard`). */
  readonly wildcard?: boolean;
  /** Seconds left (a set with timeouts; 0: permanent). */
  readonly timeout?: number;
  /** Packets counted (a set made with `counters`). */
  readonly packets?: bigint;
  /** Bytes counted (a set made with `counters`). */
  readonly bytes?: bigint;
  /** Its comment (a set made with `comment`). */
  readonly comment?: string;
  /** The mark and mask to set (a set made with `skbinfo`; `ipset`'s `skbmark 0x10/0xff`). */
  readonly skbmark?: { readonly value: number; readonly mask: number };
  /** The priority to set: major << 16 | minor (`skbprio 1:2`). */
  readonly skbprio?: number;
  /** The queue to set (`skbqueue 3`). */
  readonly skbqueue?: number;
  /** Attributes nlkit does not decode, kept raw. */
  readonly unknown?: readonly RawAttribute[];
}

/** A listed set: its header (`ipset list -t`) and members. */
export interface IpSetInfo {
  /** The set's name. */
  readonly name: string;
  /** Its type ('hash:ip', …), as the kernel names it (a type nlkit does not encode is listed too). */
  readonly type: string;
  /** 4 or 6; absent for the types without one (bitmap:port, hash:mac, list:set). */
  readonly family?: 4 | 6;
  /** The type's revision the set was made with. */
  readonly revision: number;
  /** The kernel's index of the set. */
  readonly index?: number;
  /** hash types: the hash size. */
  readonly hashsize?: number;
  /** hash types: the most entries. */
  readonly maxelem?: number;
  /** hash types: entries per bucket. */
  readonly bucketsize?: number;
  /** hash types: the hash's seed (`initval 0x…`). */
  readonly initval?: number;
  /** The netmask, for a set made with one. */
  readonly netmask?: number;
  /**
   * The bitmask, for a set made with one: an address, as `ipset` prints it ('255.255.0.0',
   * 'ffff:ffff::'). The kernel leaves it out of the header when it is all ones (the same as none).
   */
  readonly bitmask?: string;
  /** hash:ip,mark: the mark mask. */
  readonly markmask?: number;
  /** bitmap types: 'a.b.c.d-e.f.g.h' or 'p-q', as `ipset save` prints it. */
  readonly range?: string;
  /** list:set: its size. */
  readonly size?: number;
  /** The default timeout, for a set made with one. */
  readonly timeout?: number;
  /** Made with `counters`. */
  readonly counters: boolean;
  /** Made with `comment`. */
  readonly comment: boolean;
  /** Made with `skbinfo`. */
  readonly skbinfo: boolean;
  /** Made with `forceadd` (which `ipset` 7.17 does not print). */
  readonly forceadd: boolean;
  /** References held on it (iptables rules, list:set sets). */
  readonly references: number;
  /** Bytes the set takes. */
  readonly memsize: number;
  /** Its number of entries (the kernel's count: `Number of entries`). */
  readonly entries: number;
  /** Its members (empty for {@link IpSet.list} with `headerOnly`). */
  readonly members: readonly IpSetMember[];
  /** Header attributes (inside IPSET_ATTR_DATA) nlkit does not decode, kept raw. */
  readonly unknown: readonly RawAttribute[];
  /**
   * Attributes of the set's messages themselves (beside IPSET_ATTR_DATA and IPSET_ATTR_ADT)
   * nlkit does not decode, kept raw, from every message of the set in the dump. Their types
   * are of the command level (IPSET_ATTR_PROTOCOL…), not of `unknown`'s.
   */
  readonly unknownTop: readonly RawAttribute[];
}

/** Options of {@link IpSet.create}. */
export interface IpSetCreateOptions {
  /** 4 (inet) or 6 (inet6). Defaults to 4; the bitmap types are IPv4 only; bitmap:port, hash:mac and list:set have none. */
  readonly family?: 4 | 6 | undefined;
  /** hash types: the initial hash size (the kernel rounds it up to a power of two, at least 64; above 2^27 the kernel answers ENOMEM). Defaults to the kernel's (1024). */
  readonly hashsize?: number | undefined;
  /** hash types: the most entries. Defaults to the kernel's (65536). */
  readonly maxelem?: number | undefined;
  /** hash types: entries per bucket (2..12; the kernel rounds an odd one up to even: 3 lists as 4). Defaults to the kernel's (12). */
  readonly bucketsize?: number | undefined;
  /** The default timeout of entries, seconds (0: none unless an entry has one). Defaults to none (entries never expire). */
  readonly timeout?: number | undefined;
  /** Packet and byte counters per entry. Defaults to false. */
  readonly counters?: boolean | undefined;
  /** A comment per entry. Defaults to false. */
  readonly comment?: boolean | undefined;
  /** skbmark, skbprio and skbqueue per entry. Defaults to false. */
  readonly skbinfo?: boolean | undefined;
  /**
   * hash types: when full, an add may still succeed by replacing an entry — only one in the
   * new entry's own hash bucket (the first there: mtype_add). If that bucket is empty the
   * add is refused all the same (IPSET_ERR_HASH_FULL): with maxelem far below hashsize most
   * adds to a full set are. Defaults to false.
   */
  readonly forceadd?: boolean | undefined;
  /**
   * hash:ip, bitmap:ip, and on kernels that have it (their revision says so: hash:ip,port 7,
   * hash:net,net 4) hash:ip,port and hash:net,net: store addresses as networks of this prefix
   * length. Not with `bitmask`. On bitmap:ip the range, widened to whole networks of it,
   * must lie in one network of a shorter prefix (the kernel's check, made before sending).
   * Defaults to hosts.
   */
  readonly netmask?: number | undefined;
  /**
   * hash:ip (revision 6, Linux 6.1+), hash:ip,port (revision 7) and hash:net,net (revision
   * 4): AND every address with this mask before it is stored or looked up, an address of
   * the set's family ('255.255.0.0', 'ffff:ffff::'). Unlike `netmask` it need not be a
   * prefix: '255.0.255.0' is taken, by the kernel and by `ipset` alike. Not all zeros; not
   * with `netmask` (the kernel: IPSET_ERR_BITMASK_NETMASK_EXCL). On a kernel whose type
   * revision predates it it is refused, with the revision, after the kernel's IPSET_CMD_TYPE
   * answer (such a kernel has it out of the type's create policy and answers the bare
   * IPSET_ERR_PROTOCOL, as this one does for a bitmask on hash:net). Defaults to none.
   */
  readonly bitmask?: string | undefined;
  /** hash:ip,mark: the mask applied to marks. Defaults to 0xffffffff. */
  readonly markmask?: number | undefined;
  /** bitmap:ip, bitmap:ip,mac: 'a.b.c.d-e.f.g.h' or 'a.b.c.d/n'; bitmap:port: 'p-q'. Required there. */
  readonly range?: string | undefined;
  /**
   * list:set: its size, kept and listed (the kernel raises one below 4 to 4) but no limit:
   * the kernel's list:set is a linked list and takes members beyond it. Defaults to 8.
   */
  readonly size?: number | undefined;
  /** An identical set of that name already there is not an error (`-exist`). Defaults to false. */
  readonly exist?: boolean | undefined;
}

/** Options of {@link IpSet.add}. */
export interface IpSetAddOptions {
  /** Seconds until the entry expires (a set made with `timeout`; 0: never). Defaults to the set's. */
  readonly timeout?: number | undefined;
  /** Its comment (a set made with `comment`), at most 255 bytes. */
  readonly comment?: string | undefined;
  /** Initial packet count (a set made with `counters`), 0..2^64-2. */
  readonly packets?: bigint | number | undefined;
  /** Initial byte count (a set made with `counters`), 0..2^64-2. */
  readonly bytes?: bigint | number | undefined;
  /** skbinfo (a set made with `skbinfo`): the mark to set, or `{ value, mask }`. */
  readonly skbmark?: number | { readonly value: number; readonly mask: number } | undefined;
  /** The priority to set: major << 16 | minor, or 'major:minor' in hex as `ipset` writes it. */
  readonly skbprio?: number | string | undefined;
  /** The queue to set. */
  readonly skbqueue?: number | undefined;
  /** An entry already there is not an error, and its extensions are updated (`-exist`). Defaults to false. */
  readonly exist?: boolean | undefined;
}

/** Options of {@link IpSet.del} and {@link IpSet.destroy}. */
export interface IpSetDelOptions {
  /** An entry (a set) not there is not an error (`-exist`). Defaults to false. */
  readonly exist?: boolean | undefined;
}

/** Options of {@link IpSet.list}. */
export interface IpSetListOptions {
  /** Only the headers, no members (`ipset list -t`). Defaults to false. */
  readonly headerOnly?: boolean | undefined;
}

type Dim = 'ip' | 'net' | 'port' | 'ip2' | 'net2' | 'mac' | 'mac?' | 'iface' | 'mark' | 'name';
type Kind = 'hash' | 'bitmap' | 'list';
/** What each type's entries are made of, and what its create takes. */
interface TypeInfo {
  readonly kind: Kind;
  readonly dims: readonly Dim[];
  /** 'ip': 4 or 6; 'ipv4': 4 only; 'none': no family (NFPROTO_UNSPEC). */
  readonly family: 'ip' | 'ipv4' | 'none';
  /** Takes a netmask: from this revision of the type on (a kernel with only older ones has it out of the create policy). */
  readonly netmask?: number;
  /** Takes a bitmask (IPSET_ATTR_BITMASK): from this revision on. */
  readonly bitmask?: number;
  readonly markmask?: boolean;
  readonly nomatch?: boolean;
}
const TYPES: Readonly<Record<IpSetType, TypeInfo>> = {
  'bitmap:ip': { kind: 'bitmap', dims: ['ip'], family: 'ipv4', netmask: 0 },
  'bitmap:ip,mac': { kind: 'bitmap', dims: ['ip', 'mac?'], family: 'ipv4' },
  'bitmap:port': { kind: 'bitmap', dims: ['port'], family: 'none' },
  'hash:ip': { kind: 'hash', dims: ['ip'], family: 'ip', netmask: 0, bitmask: 6 },
  'hash:mac': { kind: 'hash', dims: ['mac'], family: 'none' },
  'hash:ip,mac': { kind: 'hash', dims: ['ip', 'mac'], family: 'ip' },
  'hash:ip,mark': { kind: 'hash', dims: ['ip', 'mark'], family: 'ip', markmask: true },
  'hash:ip,port': { kind: 'hash', dims: ['ip', 'port'], family: 'ip', netmask: 7, bitmask: 7 },
  'hash:ip,port,ip': { kind: 'hash', dims: ['ip', 'port', 'ip2'], family: 'ip' },
  'hash:ip,port,net': { kind: 'hash', dims: ['ip', 'port', 'net2'], family: 'ip', nomatch: true },
  'hash:net': { kind: 'hash', dims: ['net'], family: 'ip', nomatch: true },
  'hash:net,net': { kind: 'hash', dims: ['net', 'net2'], family: 'ip', nomatch: true, netmask: 4, bitmask: 4 },
  'hash:net,port': { kind: 'hash', dims: ['net', 'port'], family: 'ip', nomatch: true },
  'hash:net,port,net': { kind: 'hash', dims: ['net', 'port', 'net2'], family: 'ip', nomatch: true },
  'hash:net,iface': { kind: 'hash', dims: ['net', 'iface'], family: 'ip', nomatch: true },
  'list:set': { kind: 'list', dims: ['name'], family: 'none' },
};

const OPTION_KEYS: ReadonlySet<string> = new Set(['netns', 'receiveBufferSize', 'onWarning']);
const CREATE_KEYS: ReadonlySet<string> = new Set(['family', 'hashsize', 'maxelem', 'bucketsize', 'timeout', 'counters', 'comment', 'skbinfo', 'forceadd', 'netmask', 'bitmask', 'markmask', 'range', 'size', 'exist']);
const ADD_KEYS: ReadonlySet<string> = new Set(['timeout', 'comment', 'packets', 'bytes', 'skbmark', 'skbprio', 'skbqueue', 'exist']);
const DEL_KEYS: ReadonlySet<string> = new Set(['exist']);
const LIST_KEYS: ReadonlySet<string> = new Set(['headerOnly']);
const ENTRY_KEYS: ReadonlySet<string> = new Set(['ip', 'cidr', 'port', 'proto', 'ip2', 'cidr2', 'mac', 'iface', 'physdev', 'wildcard', 'mark', 'name', 'before', 'after', 'nomatch',
  // A listed member is an entry too: its extensions are allowed and not read.
  'timeout', 'packets', 'bytes', 'comment', 'skbmark', 'skbprio', 'skbqueue', 'unknown']);
/** A listed member's extensions: accepted in an entry for del and test, refused in add's. */
const MEMBER_EXT_KEYS: readonly string[] = ['timeout', 'packets', 'bytes', 'comment', 'skbmark', 'skbprio', 'skbqueue'];
const MARK_KEYS: ReadonlySet<string> = new Set(['value', 'mask']);

const NLMSG_HDRLEN = 16;
const ATTRS = NLMSG_HDRLEN + N.SIZEOF_NFGENMSG;
const PATH = ['ipset'];
const NO_ATTRS: readonly RawAttribute[] = Object.freeze([]);
/** Numbers go in network order, flagged so (ip_set_attr_netorder). */
const NET = NLA_F_NET_BYTEORDER;
const msgType = (cmd: number): number => (N.NFNL_SUBSYS_IPSET << 8) | cmd;
const CMD_NAME: Record<number, string> = {};
for (const [k, v] of Object.entries(N)) if (k.startsWith('IPSET_CMD_') && typeof v === 'number' && v < N.IPSET_CMD_RESTORE) CMD_NAME[v] = k;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function checkObject(v: unknown, arg: string, keys: ReadonlySet<string>): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError(arg, `expected an object, got ${showValue(v)}`);
  checkOptionKeys(v, keys, arg === 'options' ? '' : `${arg}.`);
}

function checkUint(v: unknown, arg: string, max: number, what = 'an integer', min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(arg, `expected ${what} ${min}..${max}, got ${showValue(v)}`);
  return v;
}

function checkBool(v: unknown, arg: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(arg, `expected a boolean, got ${showValue(v)}`);
  return v;
}

/** A set name: 1..IPSET_MAXNAMELEN-1 bytes (the kernel's NLA_NUL_STRING limit), no NUL. */
function checkName(v: unknown, arg: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new InvalidArgumentError(arg, `expected a set name, got ${showValue(v)}`);
  const n = Buffer.byteLength(v);
  if (n > N.IPSET_MAXNAMELEN - 1) throw new InvalidArgumentError(arg, `set name ${showValue(v)} is ${n} bytes; at most ${N.IPSET_MAXNAMELEN - 1}`);
  if (v.includes('\0')) throw new InvalidArgumentError(arg, 'a set name has no NUL');
  return v;
}

function checkType(v: unknown, arg = 'type'): IpSetType {
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(TYPES, v)) return v as IpSetType;
  throw new InvalidArgumentError(arg, `unknown set type ${showValue(v)} (${Object.keys(TYPES).join(', ')})`);
}

function protoNumber(v: unknown, arg: string): number {
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(PROTOCOLS, v)) return PROTOCOLS[v as IpSetProtocol];
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255) return v;
  throw new InvalidArgumentError(arg, `expected ${Object.keys(PROTOCOLS).map((k) => `'${k}'`).join(', ')} or a protocol number 0..255, got ${showValue(v)}`);
}

function familyOf(v: unknown, info: TypeInfo, type: string): 4 | 6 | undefined {
  if (v !== undefined && v !== 4 && v !== 6) throw new InvalidArgumentError('family', `expected 4 or 6, got ${showValue(v)}`);
  if (info.family === 'none') {
    if (v !== undefined) throw new InvalidArgumentError('family', `${type} has no address family`);
    return undefined;
  }
  if (info.family === 'ipv4' && v === 6) throw new InvalidArgumentError('family', `${type} is IPv4 only`);
  return (v as 4 | 6 | undefined) ?? 4;
}

const nfproto = (family: 4 | 6 | undefined): number => (family === 4 ? N.NFPROTO_IPV4 : family === 6 ? N.NFPROTO_IPV6 : N.NFPROTO_UNSPEC);

/** The nfgenmsg `ipset` sends: AF_INET, NFNETLINK_V0, res_id 0 (the set's family is IPSET_ATTR_FAMILY). */
function putHead(w: MessageWriter): void {
  const o = w.reserve(N.SIZEOF_NFGENMSG);
  w.buf[o] = N.AF_INET;
  w.buf[o + 1] = N.NFNETLINK_V0;
  w.putU8(N.IPSET_ATTR_PROTOCOL, N.IPSET_PROTOCOL);
}

function putIp(w: MessageWriter, type: number, bytes: Uint8Array): void {
  const n = w.nestStart(type);
  w.putBytes((bytes.length === 4 ? N.IPSET_ATTR_IPADDR_IPV4 : N.IPSET_ATTR_IPADDR_IPV6) | NET, bytes);
  w.nestEnd(n);
}

/** A create, checked. */
interface CreateArgs {
  readonly name: string;
  readonly type: IpSetType;
  readonly family: 4 | 6 | undefined;
  readonly revision: number;
  readonly exist: boolean;
  readonly hashsize?: number | undefined;
  readonly maxelem?: number | undefined;
  readonly bucketsize?: number | undefined;
  readonly timeout?: number | undefined;
  readonly cadtFlags: number;
  readonly netmask?: number | undefined;
  readonly bitmask?: Uint8Array | undefined;
  readonly markmask?: number | undefined;
  readonly rangeIp?: readonly [Uint8Array, Uint8Array] | undefined;
  readonly rangePort?: readonly [number, number] | undefined;
  readonly size?: number | undefined;
}

/** Parse a bitmap range: 'a-b' addresses, 'a/n', or ports 'p-q'. */
function parseRange(v: unknown, type: IpSetType): { ip?: [Uint8Array, Uint8Array]; port?: [number, number] } {
  if (typeof v !== 'string') throw new InvalidArgumentError('range', `${type} needs a range ('a.b.c.d-e.f.g.h', 'a.b.c.d/n'${type === 'bitmap:port' ? ", or for ports 'p-q'" : ''}), got ${showValue(v)}`);
  if (type === 'bitmap:port') {
    const m = /^(\d{1,5})-(\d{1,5})$/.exec(v);
    const a = m ? Number(m[1]) : NaN;
    const b = m ? Number(m[2]) : NaN;
    if (!m || a > 65535 || b > 65535 || a > b) throw new InvalidArgumentError('range', `expected a port range 'p-q' (0..65535, p ≤ q), got ${showValue(v)}`);
    return { port: [a, b] };
  }
  const slash = v.indexOf('/');
  if (slash >= 0) {
    const p = parseIp(v.slice(0, slash), 'range');
    const len = Number(v.slice(slash + 1));
    if (p.family !== 4) throw new InvalidArgumentError('range', `${type} is IPv4 only`);
    if (!/^\d{1,2}$/.test(v.slice(slash + 1)) || len > 32) throw new InvalidArgumentError('range', `'${v}' has a bad prefix length (0..32)`);
    const n = new DataView(p.bytes.buffer, p.bytes.byteOffset, 4).getUint32(0, false);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    const from = new Uint8Array(4);
    const to = new Uint8Array(4);
    new DataView(from.buffer).setUint32(0, (n & mask) >>> 0, false);
    new DataView(to.buffer).setUint32(0, ((n & mask) | ~mask) >>> 0, false);
    return { ip: [from, to] };
  }
  const dash = v.indexOf('-');
  if (dash < 0) throw new InvalidArgumentError('range', `expected 'a.b.c.d-e.f.g.h' or 'a.b.c.d/n', got ${showValue(v)}`);
  const a = parseIp(v.slice(0, dash), 'range');
  const b = parseIp(v.slice(dash + 1), 'range');
  if (a.family !== 4 || b.family !== 4) throw new InvalidArgumentError('range', `${type} is IPv4 only`);
  if (Buffer.compare(a.bytes, b.bytes) > 0) throw new InvalidArgumentError('range', `'${v}': the first address is above the last`);
  return { ip: [a.bytes, b.bytes] };
}

/**
 * bitmap_ip_create with a netmask below 32: the range, widened to whole networks of the
 * netmask, must lie in one network starting at its first address (range_to_mask) whose
 * prefix is shorter than the netmask — or the kernel answers IPSET_ERR_BITMAP_RANGE, "the
 * element is out of the range of the set", on a create that has no element.
 */
function checkBitmapNetmask(ip: readonly [Uint8Array, Uint8Array], netmask: number, text: string): void {
  const u32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false);
  const host = (0xffffffff << (32 - netmask)) >>> 0;
  const first = (u32(ip[0]) & host) >>> 0;
  const last = (u32(ip[1]) | ~host) >>> 0;
  // range_to_mask (ip_set_bitmap.h): the longest prefix whose network from `first` holds `last`.
  let mask = 0xfffffffe;
  let bits = 32;
  while (--bits > 0 && mask !== 0 && ((last & mask) >>> 0) !== first) mask = (mask << 1) >>> 0;
  if ((mask === 0 && (first !== 0 || last !== 0xffffffff)) || netmask <= bits) {
    const f = [first >>> 24, (first >>> 16) & 255, (first >>> 8) & 255, first & 255].join('.');
    const l = [last >>> 24, (last >>> 16) & 255, (last >>> 8) & 255, last & 255].join('.');
    throw new InvalidArgumentError('netmask', `range ${text} in whole /${netmask} networks (${f}-${l}) must lie in one network of a shorter prefix starting at ${f}: the kernel refuses it (IPSET_ERR_BITMAP_RANGE)`);
  }
}

/** @internal A create's arguments checked (the revision is the kernel's, added after). */
export function checkCreate(name: unknown, type: unknown, options: unknown): Omit<CreateArgs, 'revision'> {
  const n = checkName(name, 'name');
  const t = checkType(type);
  checkObject(options, 'options', CREATE_KEYS);
  const o = options as IpSetCreateOptions;
  const info = TYPES[t];
  const family = familyOf(o.family, info, t);
  const only = (key: keyof IpSetCreateOptions, ok: boolean, which: string): void => {
    if (o[key] !== undefined && !ok) throw new InvalidArgumentError(key, `${t} has no ${key} (${which} only)`);
  };
  only('hashsize', info.kind === 'hash', 'hash types');
  only('maxelem', info.kind === 'hash', 'hash types');
  only('bucketsize', info.kind === 'hash', 'hash types');
  only('forceadd', info.kind === 'hash', 'hash types');
  only('netmask', info.netmask !== undefined, 'hash:ip, hash:ip,port, hash:net,net and bitmap:ip');
  only('bitmask', info.bitmask !== undefined, 'hash:ip, hash:ip,port and hash:net,net');
  only('markmask', info.markmask === true, 'hash:ip,mark');
  only('range', info.kind === 'bitmap', 'bitmap types');
  only('size', info.kind === 'list', 'list:set');
  let cadtFlags = 0;
  if (checkBool(o.counters, 'counters')) cadtFlags |= N.IPSET_FLAG_WITH_COUNTERS;
  if (checkBool(o.comment, 'comment')) cadtFlags |= N.IPSET_FLAG_WITH_COMMENT;
  if (checkBool(o.skbinfo, 'skbinfo')) cadtFlags |= N.IPSET_FLAG_WITH_SKBINFO;
  if (checkBool(o.forceadd, 'forceadd')) cadtFlags |= N.IPSET_FLAG_WITH_FORCEADD;
  const range = info.kind === 'bitmap' ? parseRange(o.range, t) : undefined;
  const maxMask = family === 6 ? 128 : 32;
  const netmask = o.netmask === undefined ? undefined : checkUint(o.netmask, 'netmask', maxMask, 'a prefix length', 1);
  if (range?.ip && netmask !== undefined && netmask < 32) checkBitmapNetmask(range.ip, netmask, o.range as string);
  let bitmask: Uint8Array | undefined;
  if (o.bitmask !== undefined) {
    // ip_set_hash_gen.h (create): both is IPSET_ERR_BITMASK_NETMASK_EXCL, an address of the
    // other family or all zeros IPSET_ERR_INVALID_NETMASK; any other mask is taken as it is.
    if (o.netmask !== undefined) throw new InvalidArgumentError('bitmask', 'bitmask and netmask are mutually exclusive: give one (the kernel: IPSET_ERR_BITMASK_NETMASK_EXCL)');
    if (typeof o.bitmask !== 'string') throw new InvalidArgumentError('bitmask', `expected a mask as an address ('255.255.0.0', 'ffff:ffff::'), got ${showValue(o.bitmask)}`);
    const m = parseIp(o.bitmask, 'bitmask');
    if (m.family !== family) throw new InvalidArgumentError('bitmask', `${o.bitmask} is an IPv${m.family} mask but the set is IPv${family ?? 4}`);
    if (m.bytes.every((b) => b === 0)) throw new InvalidArgumentError('bitmask', `${o.bitmask} is all zeros: it would map every address to none`);
    bitmask = m.bytes;
  }
  return {
    name: n, type: t, family, exist: checkBool(o.exist, 'exist'), cadtFlags,
    hashsize: o.hashsize === undefined ? undefined : checkUint(o.hashsize, 'hashsize', 0xffffffff, 'a size', 1),
    maxelem: o.maxelem === undefined ? undefined : checkUint(o.maxelem, 'maxelem', 0xffffffff, 'a count', 1),
    bucketsize: o.bucketsize === undefined ? undefined : checkUint(o.bucketsize, 'bucketsize', 12, 'a bucket size', 2),
    timeout: o.timeout === undefined ? undefined : checkUint(o.timeout, 'timeout', 2147483, 'seconds'),
    netmask,
    bitmask,
    markmask: o.markmask === undefined ? undefined : checkUint(o.markmask, 'markmask', 0xffffffff, 'a mask', 1),
    size: o.size === undefined ? undefined : checkUint(o.size, 'size', 0xffffffff, 'a count', 1),
    rangeIp: range?.ip, rangePort: range?.port,
  };
}

/** @internal The body of an IPSET_CMD_CREATE (after the nlmsghdr), as `ipset create` sends it. */
export function writeCreate(w: MessageWriter, a: CreateArgs): void {
  putHead(w);
  w.putStrz(N.IPSET_ATTR_SETNAME, a.name);
  w.putStrz(N.IPSET_ATTR_TYPENAME, a.type);
  w.putU8(N.IPSET_ATTR_REVISION, a.revision);
  w.putU8(N.IPSET_ATTR_FAMILY, nfproto(a.family));
  const d = w.nestStart(N.IPSET_ATTR_DATA);
  if (a.rangeIp) {
    putIp(w, N.IPSET_ATTR_IP, a.rangeIp[0]);
    putIp(w, N.IPSET_ATTR_IP_TO, a.rangeIp[1]);
  }
  if (a.rangePort) {
    w.putBe16(N.IPSET_ATTR_PORT | NET, a.rangePort[0]);
    w.putBe16(N.IPSET_ATTR_PORT_TO | NET, a.rangePort[1]);
  }
  if (a.timeout !== undefined) w.putBe32(N.IPSET_ATTR_TIMEOUT | NET, a.timeout);
  if (a.hashsize !== undefined) w.putBe32(N.IPSET_ATTR_HASHSIZE | NET, a.hashsize);
  if (a.maxelem !== undefined) w.putBe32(N.IPSET_ATTR_MAXELEM | NET, a.maxelem);
  if (a.bucketsize !== undefined) w.putU8(N.IPSET_ATTR_BUCKETSIZE, a.bucketsize);
  if (a.netmask !== undefined) w.putU8(N.IPSET_ATTR_NETMASK, a.netmask);
  if (a.bitmask) putIp(w, IPSET_ATTR_BITMASK, a.bitmask);
  if (a.markmask !== undefined) w.putBe32(N.IPSET_ATTR_MARKMASK | NET, a.markmask);
  if (a.size !== undefined) w.putBe32(N.IPSET_ATTR_SIZE | NET, a.size);
  if (a.cadtFlags) w.putBe32(N.IPSET_ATTR_CADT_FLAGS | NET, a.cadtFlags);
  w.nestEnd(d);
}

/** An entry, checked against its set's type (and family, once known). */
interface CheckedEntry {
  readonly ip?: Uint8Array;
  readonly cidr?: number;
  readonly port?: number;
  readonly proto?: number;
  readonly ip2?: Uint8Array;
  readonly cidr2?: number;
  readonly mac?: Uint8Array;
  readonly iface?: string;
  readonly mark?: number;
  readonly name?: string;
  readonly nameref?: string;
  readonly cadtFlags: number;
  /** The addresses' family (undefined: none). */
  readonly family: 4 | 6 | undefined;
  /** The entry as ipset writes it, for error messages. */
  readonly text: string;
  /** An IPv4 `cidr` on a type whose first address is a host: a range the kernel walks address by address. */
  readonly range?: boolean;
}

/** Byte `k` of the mask of a prefix `bits` long (0xff, 0, or the partial byte). */
function prefixMaskByte(bits: number, k: number): number {
  return bits >= k * 8 + 8 ? 0xff : bits <= k * 8 ? 0 : (0xff << (8 - (bits - k * 8))) & 0xff;
}

/**
 * What makes two checked entries one element for the kernel (addMany's repeat check): the
 * addresses under their prefix length (a net is stored masked, no prefix is a host:
 * `10.0.0.1/24` is `10.0.0.0/24`, `10.0.0.5` is `10.0.0.5/32`), bytes rather than text
 * (`2001:DB8::1` is `2001:db8::1`), and the physdev and wildcard flags, but not nomatch
 * nor a list:set entry's place (the kernel refuses the same element again with either).
 * Not for a range of hosts (refused by addMany before this). `mask`: the set's netmask or
 * bitmask, applied to the first address (see addressMask).
 */
function elementKey(e: CheckedEntry, mask?: Uint8Array): string {
  const net = (b: Uint8Array | undefined, len: number | undefined, also?: Uint8Array): string => {
    if (b === undefined) return '';
    const bits = len ?? b.length * 8;
    const m = Uint8Array.from(b, (x, k) => x & prefixMaskByte(bits, k) & (also !== undefined && also.length === b.length ? also[k]! : 0xff));
    return `${Buffer.from(m).toString('hex')}/${bits}`;
  };
  const mac = e.mac === undefined ? '' : Buffer.from(e.mac).toString('hex');
  const flags = e.cadtFlags & (N.IPSET_FLAG_PHYSDEV | N.IPSET_FLAG_IFACE_WILDCARD);
  return `${net(e.ip, e.cidr, mask)} ${mac} ${e.proto ?? ''}:${e.port ?? ''} ${net(e.ip2, e.cidr2)} ${e.iface ?? ''} ${e.mark ?? ''} ${e.name ?? ''} ${flags}`;
}

/** Extensions of an add, checked. */
interface CheckedExt {
  readonly timeout?: number | undefined;
  readonly comment?: string | undefined;
  readonly packets?: bigint | undefined;
  readonly bytes?: bigint | undefined;
  readonly skbmark?: { value: number; mask: number } | undefined;
  readonly skbprio?: number | undefined;
  readonly skbqueue?: number | undefined;
}

/** @internal An entry checked against a set type. */
export function checkEntry(v: unknown, type: IpSetType, arg = 'entry'): CheckedEntry {
  checkObject(v, arg, ENTRY_KEYS);
  const e = v as IpSetEntry;
  const info = TYPES[type];
  const dims = new Set<string>(info.dims);
  const has = (d: Dim): boolean => dims.has(d);
  const hasIp = has('ip') || has('net');
  const hasIp2 = has('ip2') || has('net2');
  const refuse = (key: keyof IpSetEntry, ok: boolean): void => {
    if (e[key] !== undefined && !ok) throw new InvalidArgumentError(`${arg}.${key}`, `an entry of ${type} has no ${key}`);
  };
  refuse('ip', hasIp);
  refuse('cidr', hasIp);
  refuse('port', has('port'));
  refuse('proto', has('port'));
  refuse('ip2', hasIp2);
  refuse('cidr2', has('net2'));
  refuse('mac', has('mac') || has('mac?'));
  refuse('iface', has('iface'));
  refuse('physdev', has('iface'));
  refuse('wildcard', has('iface'));
  refuse('mark', has('mark'));
  refuse('name', has('name'));
  refuse('before', has('name'));
  refuse('after', has('name'));
  refuse('nomatch', info.nomatch === true);
  const out: Mutable<CheckedEntry> = { cadtFlags: 0, family: undefined, text: '' };
  const parts: string[] = [];
  if (hasIp) {
    if (e.ip === undefined) throw new InvalidArgumentError(`${arg}.ip`, `an entry of ${type} needs an ip`);
    const a = parseIp(e.ip, `${arg}.ip`);
    if (info.family === 'ipv4' && a.family !== 4) throw new InvalidArgumentError(`${arg}.ip`, `${type} is IPv4 only, got ${e.ip}`);
    out.ip = a.bytes;
    out.family = a.family;
    let t = e.ip;
    if (e.cidr !== undefined) {
      // The ,net types store the prefix. The types whose first address is a host take it as
      // a range of hosts, IPv4 only (INVALID_CIDR for IPv6); bitmap:ip,mac and hash:ip,mac
      // not at all (IPSET_ERR_PROTOCOL; hash:ip,mac ignores it). A test() of such an entry
      // would come back "not in the set" (ip_set_utest), so it is refused here.
      const host = a.family === 4 ? 32 : 128;
      out.cidr = checkUint(e.cidr, `${arg}.cidr`, host, 'a prefix length', 1);
      if (has('mac') || has('mac?')) {
        throw new InvalidArgumentError(`${arg}.cidr`, `an entry of ${type} is one address: no prefix length (got /${out.cidr})`);
      }
      if (!has('net') && out.cidr !== host && a.family === 6) {
        throw new InvalidArgumentError(`${arg}.cidr`, `${type} takes IPv6 hosts only (a range of hosts is IPv4 only): /${out.cidr} is not /128`);
      }
      if (!has('net') && out.cidr !== host) out.range = true;
      t += `/${out.cidr}`;
    }
    parts.push(t);
  }
  if (has('mac') || has('mac?')) {
    if (e.mac === undefined && has('mac')) throw new InvalidArgumentError(`${arg}.mac`, `an entry of ${type} needs a mac`);
    if (e.mac !== undefined) {
      const m = typeof e.mac === 'string' ? parseHexColon(e.mac) : null;
      if (!m || m.length !== 6) throw new InvalidArgumentError(`${arg}.mac`, `expected a MAC address 'aa:bb:cc:dd:ee:ff', got ${showValue(e.mac)}`);
      out.mac = m;
      parts.push(e.mac);
    }
  }
  if (has('port')) {
    const proto = e.proto === undefined ? (info.kind === 'bitmap' ? undefined : N.IPPROTO_TCP) : protoNumber(e.proto, `${arg}.proto`);
    if (info.kind === 'bitmap' && e.proto !== undefined) throw new InvalidArgumentError(`${arg}.proto`, 'an entry of bitmap:port is a port only');
    // IPSET_ERR_INVALID_PROTO in an add, "not in the set" in a test.
    if (proto === 0) throw new InvalidArgumentError(`${arg}.proto`, 'protocol 0 is not valid in an entry (ipset: a protocol name or number 1..255)');
    if (proto !== undefined && !PORTED.has(proto)) {
      if (e.port !== undefined && e.port !== 0) throw new InvalidArgumentError(`${arg}.port`, `protocol ${proto} has no ports`);
      out.port = 0;
    } else {
      if (e.port === undefined) throw new InvalidArgumentError(`${arg}.port`, `an entry of ${type} needs a port`);
      out.port = checkUint(e.port, `${arg}.port`, 65535, 'a port');
    }
    if (proto === N.IPPROTO_ICMP && out.family === 6) throw new InvalidArgumentError(`${arg}.proto`, "icmp is IPv4: use 'icmpv6' for IPv6 entries");
    if (proto === N.IPPROTO_ICMPV6 && out.family === 4) throw new InvalidArgumentError(`${arg}.proto`, "icmpv6 is IPv6: use 'icmp' for IPv4 entries");
    if (proto !== undefined) out.proto = proto;
    parts.push(proto === undefined ? String(out.port) : `${PROTOCOL_NAME.get(proto) ?? proto}:${out.port}`);
  }
  if (hasIp2) {
    if (e.ip2 === undefined) throw new InvalidArgumentError(`${arg}.ip2`, `an entry of ${type} needs an ip2`);
    const a = parseIp(e.ip2, `${arg}.ip2`);
    if (a.family !== out.family) throw new InvalidArgumentError(`${arg}.ip2`, `ip2 ${e.ip2} is IPv${a.family} but ip is IPv${out.family}`);
    out.ip2 = a.bytes;
    let t = e.ip2;
    if (e.cidr2 !== undefined) {
      out.cidr2 = checkUint(e.cidr2, `${arg}.cidr2`, a.family === 4 ? 32 : 128, 'a prefix length', 1);
      t += `/${out.cidr2}`;
    }
    parts.push(t);
  }
  if (has('iface')) {
    if (typeof e.iface !== 'string' || e.iface.length === 0 || Buffer.byteLength(e.iface) > 15 || e.iface.includes('\0')) {
      throw new InvalidArgumentError(`${arg}.iface`, `expected an interface name (1..15 bytes), got ${showValue(e.iface)}`);
    }
    // `ipset` writes a bridge port so; sent as it is, it would be an interface of that name
    // (which none can have: no ':'), printed by `ipset save` as the bridge port it is not.
    if (e.iface.startsWith('physdev:')) {
      throw new InvalidArgumentError(`${arg}.iface`, `'${e.iface}' is ipset's way to write a bridge port: give iface '${e.iface.slice(8)}' with physdev: true`);
    }
    out.iface = e.iface;
    if (checkBool(e.physdev, `${arg}.physdev`)) out.cadtFlags |= N.IPSET_FLAG_PHYSDEV;
    parts.push(e.physdev ? `physdev:${e.iface}` : e.iface);
  }
  if (has('mark')) {
    out.mark = checkUint(e.mark, `${arg}.mark`, 0xffffffff, 'a mark');
    parts.push(`0x${out.mark.toString(16).padStart(8, '0')}`);
  }
  if (has('name')) {
    out.name = checkName(e.name, `${arg}.name`);
    parts.push(out.name);
    if (e.before !== undefined && e.after !== undefined) throw new InvalidArgumentError(arg, 'before or after, not both');
    if (e.before !== undefined) {
      out.nameref = checkName(e.before, `${arg}.before`);
      out.cadtFlags |= N.IPSET_FLAG_BEFORE;
      parts.push(`before ${out.nameref}`);
    } else if (e.after !== undefined) {
      out.nameref = checkName(e.after, `${arg}.after`);
      parts.push(`after ${out.nameref}`);
    }
  }
  // The flags after the element, in `ipset save`'s order: `10.0.0.0/24,eth0 nomatch wildcard`.
  const flags: string[] = [];
  if (checkBool(e.nomatch, `${arg}.nomatch`)) {
    out.cadtFlags |= N.IPSET_FLAG_NOMATCH;
    flags.push('nomatch');
  }
  if (checkBool(e.wildcard, `${arg}.wildcard`)) {
    out.cadtFlags |= N.IPSET_FLAG_IFACE_WILDCARD;
    flags.push('wildcard');
  }
  out.text = [parts.join(info.kind === 'list' ? ' ' : ','), ...flags].join(' ');
  return out;
}

/** @internal An add's extensions checked. */
export function checkExt(v: unknown): CheckedExt {
  checkObject(v, 'options', ADD_KEYS);
  const o = v as IpSetAddOptions;
  // 2^64-1 is the kernel's "not given" (ip_set_init_counter skips it): the counter would
  // start from 0. `ipset` refuses it too ('out of range 0-18446744073709551614').
  const big = (x: unknown, arg: string): bigint | undefined => {
    if (x === undefined) return undefined;
    if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x);
    if (typeof x === 'bigint' && x >= 0n && x < 0xffffffffffffffffn) return x;
    throw new InvalidArgumentError(arg, `expected a counter 0..2^64-2 (a non-negative integer or bigint; 2^64-1 is the kernel's "none"), got ${showValue(x)}`);
  };
  let skbmark: { value: number; mask: number } | undefined;
  if (typeof o.skbmark === 'number') skbmark = { value: checkUint(o.skbmark, 'skbmark', 0xffffffff, 'a mark'), mask: 0xffffffff };
  else if (o.skbmark !== undefined) {
    checkObject(o.skbmark, 'skbmark', MARK_KEYS);
    skbmark = { value: checkUint(o.skbmark.value, 'skbmark.value', 0xffffffff, 'a mark'), mask: checkUint(o.skbmark.mask, 'skbmark.mask', 0xffffffff, 'a mask') };
  }
  let skbprio: number | undefined;
  if (typeof o.skbprio === 'string') {
    const m = /^([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})$/.exec(o.skbprio);
    if (!m) throw new InvalidArgumentError('skbprio', `expected 'major:minor' (hex, as tc writes a class), got ${showValue(o.skbprio)}`);
    skbprio = ((parseInt(m[1]!, 16) << 16) | parseInt(m[2]!, 16)) >>> 0;
  } else if (o.skbprio !== undefined) skbprio = checkUint(o.skbprio, 'skbprio', 0xffffffff, 'a priority');
  let comment: string | undefined;
  if (o.comment !== undefined) {
    if (typeof o.comment !== 'string' || o.comment.includes('\0')) throw new InvalidArgumentError('comment', `expected a string without NUL, got ${showValue(o.comment)}`);
    const n = Buffer.byteLength(o.comment);
    if (n > N.IPSET_MAX_COMMENT_SIZE) throw new InvalidArgumentError('comment', `a comment is at most ${N.IPSET_MAX_COMMENT_SIZE} bytes, got ${n}`);
    comment = o.comment;
  }
  return {
    timeout: o.timeout === undefined ? undefined : checkUint(o.timeout, 'timeout', 2147483, 'seconds'),
    comment, packets: big(o.packets, 'packets'), bytes: big(o.bytes, 'bytes'), skbmark, skbprio,
    skbqueue: o.skbqueue === undefined ? undefined : checkUint(o.skbqueue, 'skbqueue', 65535, 'a queue'),
  };
}

/** An add, delete or test, checked. */
interface AdtArgs {
  readonly name: string;
  readonly e: CheckedEntry;
  readonly ext: CheckedExt | undefined;
}

/** @internal The body of an IPSET_CMD_ADD, DEL or TEST (after the nlmsghdr), as `ipset add` sends it (without its LINENO 0). */
export function writeAdt(w: MessageWriter, a: AdtArgs): void {
  putHead(w);
  w.putStrz(N.IPSET_ATTR_SETNAME, a.name);
  const d = w.nestStart(N.IPSET_ATTR_DATA);
  const e = a.e;
  if (e.ip) putIp(w, N.IPSET_ATTR_IP, e.ip);
  if (e.cidr !== undefined) w.putU8(N.IPSET_ATTR_CIDR, e.cidr);
  if (e.mac) w.putBytes(N.IPSET_ATTR_ETHER, e.mac);
  if (e.port !== undefined) w.putBe16(N.IPSET_ATTR_PORT | NET, e.port);
  if (e.proto !== undefined) w.putU8(N.IPSET_ATTR_PROTO, e.proto);
  if (e.ip2) putIp(w, N.IPSET_ATTR_IP2, e.ip2);
  if (e.cidr2 !== undefined) w.putU8(N.IPSET_ATTR_CIDR2, e.cidr2);
  if (e.iface !== undefined) w.putStrz(N.IPSET_ATTR_IFACE, e.iface);
  if (e.mark !== undefined) w.putBe32(N.IPSET_ATTR_MARK | NET, e.mark);
  if (e.name !== undefined) w.putStrz(N.IPSET_ATTR_NAME, e.name);
  if (e.nameref !== undefined) w.putStrz(N.IPSET_ATTR_NAMEREF, e.nameref);
  const x = a.ext;
  if (x) {
    if (x.timeout !== undefined) w.putBe32(N.IPSET_ATTR_TIMEOUT | NET, x.timeout);
    if (x.packets !== undefined) putBe64(w, N.IPSET_ATTR_PACKETS | NET, x.packets);
    if (x.bytes !== undefined) putBe64(w, N.IPSET_ATTR_BYTES | NET, x.bytes);
    if (x.comment !== undefined) w.putStrz(N.IPSET_ATTR_COMMENT, x.comment);
    if (x.skbmark) putBe64(w, N.IPSET_ATTR_SKBMARK | NET, (BigInt(x.skbmark.value) << 32n) | BigInt(x.skbmark.mask));
    if (x.skbprio !== undefined) w.putBe32(N.IPSET_ATTR_SKBPRIO | NET, x.skbprio);
    if (x.skbqueue !== undefined) w.putBe16(N.IPSET_ATTR_SKBQUEUE | NET, x.skbqueue);
  }
  if (e.cadtFlags) w.putBe32(N.IPSET_ATTR_CADT_FLAGS | NET, e.cadtFlags);
  w.nestEnd(d);
}

function putBe64(w: MessageWriter, type: number, v: bigint): void {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(v);
  w.putBytes(type, b);
}

function strz(buf: Buffer, o: number, l: number): string {
  const nul = buf.indexOf(0, o);
  return buf.toString('utf8', o, nul >= 0 && nul < o + l ? nul : o + l);
}

/** The address inside a nested IPSET_ATTR_IP / IP_TO / IP2. */
function nestedIp(buf: Buffer, v: DataView, o: number, l: number, path: readonly string[]): string {
  let s = '';
  walkAttrs(v, o, o + l, path, (t, a, al) => {
    if (t === N.IPSET_ATTR_IPADDR_IPV4 || t === N.IPSET_ATTR_IPADDR_IPV6) s = formatIp(buf, a, al);
  });
  return s;
}

const ELEM_PATH = [...PATH, 'IPSET_ATTR_ADT', 'IPSET_ATTR_DATA'];
const IP_PATH = [...ELEM_PATH, 'IPSET_ATTR_IP'];

function decodeMember(buf: Buffer, v: DataView, o: number, end: number): IpSetMember {
  const m: Mutable<IpSetMember> = {};
  let unknown: RawAttribute[] | undefined;
  walkAttrs(v, o, end, ELEM_PATH, (t, a, l) => {
    switch (t) {
      case N.IPSET_ATTR_IP: m.ip = nestedIp(buf, v, a, l, IP_PATH); break;
      case N.IPSET_ATTR_CIDR: m.cidr = buf[a]!; break;
      case N.IPSET_ATTR_PORT: m.port = v.getUint16(a, false); break;
      case N.IPSET_ATTR_PROTO: m.proto = PROTOCOL_NAME.get(buf[a]!) ?? buf[a]!; break;
      case N.IPSET_ATTR_IP2: m.ip2 = nestedIp(buf, v, a, l, IP_PATH); break;
      case N.IPSET_ATTR_CIDR2: m.cidr2 = buf[a]!; break;
      case N.IPSET_ATTR_ETHER: m.mac = hexColon(buf, a, l); break;
      case N.IPSET_ATTR_IFACE: m.iface = strz(buf, a, l); break;
      case N.IPSET_ATTR_MARK: m.mark = v.getUint32(a, false); break;
      case N.IPSET_ATTR_NAME: m.name = strz(buf, a, l); break;
      case N.IPSET_ATTR_TIMEOUT: m.timeout = v.getUint32(a, false); break;
      case N.IPSET_ATTR_PACKETS: m.packets = v.getBigUint64(a, false); break;
      case N.IPSET_ATTR_BYTES: m.bytes = v.getBigUint64(a, false); break;
      case N.IPSET_ATTR_COMMENT: m.comment = strz(buf, a, l); break;
      case N.IPSET_ATTR_SKBMARK: m.skbmark = { value: v.getUint32(a, false), mask: v.getUint32(a + 4, false) }; break;
      case N.IPSET_ATTR_SKBPRIO: m.skbprio = v.getUint32(a, false); break;
      case N.IPSET_ATTR_SKBQUEUE: m.skbqueue = v.getUint16(a, false); break;
      case N.IPSET_ATTR_CADT_FLAGS: {
        const f = v.getUint32(a, false);
        if (f & N.IPSET_FLAG_NOMATCH) m.nomatch = true;
        if (f & N.IPSET_FLAG_PHYSDEV) m.physdev = true;
        if (f & N.IPSET_FLAG_IFACE_WILDCARD) m.wildcard = true;
        break;
      }
      default: (unknown ??= []).push({ type: t, value: copyBytes(buf, a, a + l) });
    }
  });
  if (unknown) m.unknown = unknown;
  return m;
}

/** @internal One message of a LIST dump: a set's name, its header (in the set's first message) and members. */
export interface ListPart {
  readonly name: string;
  readonly header: Mutable<Omit<IpSetInfo, 'members'>> | undefined;
  readonly members: IpSetMember[];
  /** The message's own attributes nlkit does not decode. */
  readonly top: readonly RawAttribute[];
}

const HEADER_PATH = [...PATH, 'IPSET_ATTR_DATA'];
const HIP_PATH = [...HEADER_PATH, 'IPSET_ATTR_IP'];

/** @internal One message of a LIST dump (at `off`, `len` bytes, its nlmsghdr included). */
export function decodeListPart(buf: Buffer, v: DataView, off: number, len: number): ListPart {
  if (len < ATTRS) throw new DecodeError('nfgenmsg', PATH, off, ATTRS, len);
  let name = '';
  let h: Mutable<Omit<IpSetInfo, 'members'>> | undefined;
  const members: IpSetMember[] = [];
  const head = (): Mutable<Omit<IpSetInfo, 'members'>> => (h ??= {
    name: '', type: '', revision: 0, counters: false, comment: false, skbinfo: false, forceadd: false, references: 0, memsize: 0, entries: 0, unknown: NO_ATTRS, unknownTop: NO_ATTRS,
  });
  let top: RawAttribute[] | undefined;
  let ipFrom: string | undefined;
  let ipTo: string | undefined;
  let portFrom: number | undefined;
  let portTo: number | undefined;
  walkAttrs(v, off + ATTRS, off + len, PATH, (t, a, l) => {
    switch (t) {
      case N.IPSET_ATTR_SETNAME: name = strz(buf, a, l); break;
      case N.IPSET_ATTR_TYPENAME: head().type = strz(buf, a, l); break;
      case N.IPSET_ATTR_FAMILY: {
        const f = buf[a]!;
        if (f === N.NFPROTO_IPV4) head().family = 4;
        else if (f === N.NFPROTO_IPV6) head().family = 6;
        else head();
        break;
      }
      case N.IPSET_ATTR_REVISION: head().revision = buf[a]!; break;
      case N.IPSET_ATTR_INDEX: head().index = v.getUint16(a, false); break;
      case N.IPSET_ATTR_DATA: {
        const x = head();
        let unknown: RawAttribute[] | undefined;
        walkAttrs(v, a, a + l, HEADER_PATH, (ht, ha, hl) => {
          switch (ht) {
            case N.IPSET_ATTR_HASHSIZE: x.hashsize = v.getUint32(ha, false); break;
            case N.IPSET_ATTR_MAXELEM: x.maxelem = v.getUint32(ha, false); break;
            case N.IPSET_ATTR_BUCKETSIZE: x.bucketsize = buf[ha]!; break;
            case N.IPSET_ATTR_INITVAL: x.initval = v.getUint32(ha, false); break;
            case N.IPSET_ATTR_NETMASK: x.netmask = buf[ha]!; break;
            case IPSET_ATTR_BITMASK: x.bitmask = nestedIp(buf, v, ha, hl, HIP_PATH); break;
            case N.IPSET_ATTR_MARKMASK: x.markmask = v.getUint32(ha, false); break;
            case N.IPSET_ATTR_SIZE: x.size = v.getUint32(ha, false); break;
            case N.IPSET_ATTR_TIMEOUT: x.timeout = v.getUint32(ha, false); break;
            case N.IPSET_ATTR_REFERENCES: x.references = v.getUint32(ha, false); break;
            case N.IPSET_ATTR_MEMSIZE: x.memsize = v.getUint32(ha, false); break;
            case N.IPSET_ATTR_ELEMENTS: x.entries = v.getUint32(ha, false); break;
            case N.IPSET_ATTR_IP: ipFrom = nestedIp(buf, v, ha, hl, HIP_PATH); break;
            case N.IPSET_ATTR_IP_TO: ipTo = nestedIp(buf, v, ha, hl, HIP_PATH); break;
            case N.IPSET_ATTR_PORT: portFrom = v.getUint16(ha, false); break;
            case N.IPSET_ATTR_PORT_TO: portTo = v.getUint16(ha, false); break;
            case N.IPSET_ATTR_CADT_FLAGS: {
              const f = v.getUint32(ha, false);
              x.counters = (f & N.IPSET_FLAG_WITH_COUNTERS) !== 0;
              x.comment = (f & N.IPSET_FLAG_WITH_COMMENT) !== 0;
              x.skbinfo = (f & N.IPSET_FLAG_WITH_SKBINFO) !== 0;
              x.forceadd = (f & N.IPSET_FLAG_WITH_FORCEADD) !== 0;
              break;
            }
            default: (unknown ??= []).push({ type: ht, value: copyBytes(buf, ha, ha + hl) });
          }
        });
        if (unknown) x.unknown = unknown;
        break;
      }
      case N.IPSET_ATTR_ADT:
        walkAttrs(v, a, a + l, [...PATH, 'IPSET_ATTR_ADT'], (et, ea, el) => {
          if (et === N.IPSET_ATTR_DATA) members.push(decodeMember(buf, v, ea, ea + el));
        });
        break;
      // In every message (ip_set_dump_do); what nlkit sent, nothing to decode.
      case N.IPSET_ATTR_PROTOCOL: break;
      default: (top ??= []).push({ type: t, value: copyBytes(buf, a, a + l) });
    }
  });
  if (h) {
    h.name = name;
    if (ipFrom !== undefined && ipTo !== undefined) h.range = `${ipFrom}-${ipTo}`;
    else if (portFrom !== undefined && portTo !== undefined) h.range = `${portFrom}-${portTo}`;
  }
  return { name, header: h, members, top: top ?? NO_ATTRS };
}

/** hash:net,iface's revision with the interface wildcard (ip_set_hash_netiface.c: "7 interface wildcard support added"). */
const WILDCARD_REVISION = 7;

/**
 * What the set's revision lacks: a wildcard on a hash:net,iface older than revision 7,
 * which `ipset` refuses too (its type of that revision has no `wildcard`).
 */
function checkRevision(e: CheckedEntry, name: string, h: SetHead, arg: string): void {
  if ((e.cadtFlags & N.IPSET_FLAG_IFACE_WILDCARD) !== 0 && h.revision < WILDCARD_REVISION) {
    throw new InvalidArgumentError(`${arg}.wildcard`, `set ${name} is ${h.type} revision ${h.revision}: the interface wildcard came with revision ${WILDCARD_REVISION}`);
  }
}

/** @internal The messages of a LIST dump joined into sets: a set's first message has its header, the next ones more members. */
export function joinListParts(parts: readonly ListPart[]): IpSetInfo[] {
  const out: (Omit<IpSetInfo, 'members' | 'unknownTop'> & { members: IpSetMember[]; unknownTop: readonly RawAttribute[] })[] = [];
  let cur: (typeof out)[number] | undefined;
  for (const p of parts) {
    if (p.header) {
      cur = { ...p.header, members: p.members, unknownTop: p.top };
      out.push(cur);
    } else if (cur && cur.name === p.name) {
      for (const m of p.members) cur.members.push(m);
      if (p.top.length) cur.unknownTop = [...cur.unknownTop, ...p.top];
    } else {
      throw new DecodeError(`members of set ${p.name} without its header`, PATH, 0, 0, 0);
    }
  }
  return out;
}

/** A set's name, type and family as IPSET_CMD_HEADER answers. */
interface SetHead {
  readonly type: string;
  readonly family: 4 | 6 | undefined;
  readonly revision: number;
}

function decodeHead(buf: Buffer, v: DataView, off: number, len: number): SetHead {
  let type = '';
  let family: 4 | 6 | undefined;
  let revision = 0;
  walkAttrs(v, off + ATTRS, off + len, PATH, (t, a, l) => {
    if (t === N.IPSET_ATTR_TYPENAME) type = strz(buf, a, l);
    else if (t === N.IPSET_ATTR_FAMILY) family = buf[a] === N.NFPROTO_IPV4 ? 4 : buf[a] === N.NFPROTO_IPV6 ? 6 : undefined;
    else if (t === N.IPSET_ATTR_REVISION) revision = buf[a]!;
  });
  return { type, family, revision };
}

function decodeTypeRevision(_buf: Buffer, v: DataView, off: number, len: number): number {
  let max = -1;
  walkAttrs(v, off + ATTRS, off + len, PATH, (t, a) => {
    if (t === N.IPSET_ATTR_REVISION) max = v.getUint8(a);
  });
  return max;
}

/** ipset's own errnos (ip_set.h): their names and what they mean. */
const IPSET_ERRORS: Readonly<Record<number, readonly [string, string]>> = {
  [N.IPSET_ERR_PROTOCOL]: ['IPSET_ERR_PROTOCOL', 'the kernel refused the request\'s attributes (ipset protocol error)'],
  [N.IPSET_ERR_FIND_TYPE]: ['IPSET_ERR_FIND_TYPE', 'set type not supported by this kernel (or not with this family or revision)'],
  [N.IPSET_ERR_MAX_SETS]: ['IPSET_ERR_MAX_SETS', 'the kernel\'s maximal number of sets is reached'],
  [N.IPSET_ERR_BUSY]: ['IPSET_ERR_BUSY', 'set is in use by a kernel component (a list:set or an iptables rule, or being listed)'],
  [N.IPSET_ERR_EXIST_SETNAME2]: ['IPSET_ERR_EXIST_SETNAME2', 'the second set name is wrong'],
  [N.IPSET_ERR_TYPE_MISMATCH]: ['IPSET_ERR_TYPE_MISMATCH', 'the sets\' types or families differ'],
  [N.IPSET_ERR_EXIST]: ['IPSET_ERR_EXIST', 'element already exists, or is not in the set'],
  [N.IPSET_ERR_INVALID_CIDR]: ['IPSET_ERR_INVALID_CIDR', 'the prefix length is not valid for the set'],
  [N.IPSET_ERR_INVALID_NETMASK]: ['IPSET_ERR_INVALID_NETMASK', 'the netmask is not valid for the set'],
  [N.IPSET_ERR_INVALID_FAMILY]: ['IPSET_ERR_INVALID_FAMILY', 'the family is not valid for the set'],
  [N.IPSET_ERR_TIMEOUT]: ['IPSET_ERR_TIMEOUT', 'the set was created without timeout support'],
  [N.IPSET_ERR_REFERENCED]: ['IPSET_ERR_REFERENCED', 'set is referenced by a kernel component (a list:set or an iptables rule)'],
  [N.IPSET_ERR_IPADDR_IPV4]: ['IPSET_ERR_IPADDR_IPV4', 'an IPv4 address was expected'],
  [N.IPSET_ERR_IPADDR_IPV6]: ['IPSET_ERR_IPADDR_IPV6', 'an IPv6 address was expected'],
  [N.IPSET_ERR_COUNTER]: ['IPSET_ERR_COUNTER', 'the set was created without counters'],
  [N.IPSET_ERR_COMMENT]: ['IPSET_ERR_COMMENT', 'the set was created without comment support'],
  [N.IPSET_ERR_INVALID_MARKMASK]: ['IPSET_ERR_INVALID_MARKMASK', 'the markmask is not valid'],
  [N.IPSET_ERR_SKBINFO]: ['IPSET_ERR_SKBINFO', 'the set was created without skbinfo support'],
  [IPSET_ERR_BITMASK_NETMASK_EXCL]: ['IPSET_ERR_BITMASK_NETMASK_EXCL', 'bitmask and netmask are mutually exclusive'],
};
/** The type-specific errnos (from IPSET_ERR_TYPE_SPECIFIC up), which mean one thing per kind of set. */
const TYPE_ERRORS: Readonly<Record<Kind, Readonly<Record<number, readonly [string, string]>>>> = {
  hash: {
    [N.IPSET_ERR_HASH_FULL]: ['IPSET_ERR_HASH_FULL', 'the set is full (maxelem reached)'],
    [N.IPSET_ERR_HASH_ELEM]: ['IPSET_ERR_HASH_ELEM', 'a null element (an all-zero address, or prefix length 0) cannot be stored'],
    [N.IPSET_ERR_INVALID_PROTO]: ['IPSET_ERR_INVALID_PROTO', 'the protocol is not valid for the set'],
    [N.IPSET_ERR_MISSING_PROTO]: ['IPSET_ERR_MISSING_PROTO', 'the protocol is missing'],
    [N.IPSET_ERR_HASH_RANGE_UNSUPPORTED]: ['IPSET_ERR_HASH_RANGE_UNSUPPORTED', 'ranges are not supported here (IPv6)'],
    [N.IPSET_ERR_HASH_RANGE]: ['IPSET_ERR_HASH_RANGE', 'the range is not valid'],
  },
  bitmap: {
    [N.IPSET_ERR_BITMAP_RANGE]: ['IPSET_ERR_BITMAP_RANGE', 'the element is out of the set\'s range'],
    [N.IPSET_ERR_BITMAP_RANGE_SIZE]: ['IPSET_ERR_BITMAP_RANGE_SIZE', 'the range exceeds the size limit of the set type'],
  },
  list: {
    [N.IPSET_ERR_NAME]: ['IPSET_ERR_NAME', 'the set to add, delete or test does not exist'],
    [N.IPSET_ERR_LOOP]: ['IPSET_ERR_LOOP', 'a list:set cannot be a member of a list:set'],
    [N.IPSET_ERR_BEFORE]: ['IPSET_ERR_BEFORE', 'before/after needs a reference set'],
    [N.IPSET_ERR_NAMEREF]: ['IPSET_ERR_NAMEREF', 'the reference set does not exist'],
    [N.IPSET_ERR_LIST_FULL]: ['IPSET_ERR_LIST_FULL', 'the list is full'],
    [N.IPSET_ERR_REF_EXIST]: ['IPSET_ERR_REF_EXIST', 'the reference set is not in the list, or (delete) the member is not next to it'],
  },
};

/** What a refusal means for one request: the set(s) and entry it was about. */
interface ErrorContext {
  readonly cmd: number;
  readonly name?: string | undefined;
  readonly name2?: string | undefined;
  readonly entry?: string | undefined;
  /** The set's kind, where known (type-specific errnos need it). */
  readonly kind?: Kind | undefined;
  /** add/del/test: the set's type. */
  readonly type?: string | undefined;
  /** create: sent with `exist`. */
  readonly exist?: boolean | undefined;
  /** create: the hashsize given, if any. */
  readonly hashsize?: number | undefined;
  /** add/del of a range of hosts (the kernel stops at the first refusal, half done). */
  readonly range?: boolean | undefined;
  /** Said after the explanation (addMany with exist: what was added before the refusal). */
  readonly note?: string | undefined;
  /** list:set add/del/test: the member, its reference set and which side of it. */
  readonly member?: string | undefined;
  readonly ref?: string | undefined;
  readonly side?: 'before' | 'after' | undefined;
}

function kindOf(type: string): Kind | undefined {
  return type.startsWith('hash:') ? 'hash' : type.startsWith('bitmap:') ? 'bitmap' : type === 'list:set' ? 'list' : undefined;
}

/** Name an ipset errno and say what it means for this request; plain errnos get a hint naming the set. */
function explainError(e: NetlinkError, c: ErrorContext): NetlinkError {
  const set = c.name === undefined ? 'any set' : `set ${c.name}`;
  const el = c.entry === undefined ? 'element' : `element ${c.entry}`;
  let named = IPSET_ERRORS[e.errno];
  if (!named && e.errno >= N.IPSET_ERR_TYPE_SPECIFIC && c.kind) named = TYPE_ERRORS[c.kind][e.errno];
  let text: string | undefined;
  switch (e.errno) {
    case N.IPSET_ERR_EXIST:
      // A range is walked address by address and the walk stops at the first one there
      // (add) or missing (del): the ones before it stay added (deleted).
      if (c.range && c.cmd === N.IPSET_CMD_ADD) text = `an address of ${c.entry} is already in ${set}: the kernel stopped there, and the addresses before it were added (exist: true adds the rest)`;
      else if (c.range && c.cmd === N.IPSET_CMD_DEL) text = `an address of ${c.entry} is not in ${set}: the kernel stopped there, and the addresses before it were deleted (exist: true deletes the rest)`;
      else text = c.cmd === N.IPSET_CMD_ADD ? `${el} already exists in ${set}` : c.cmd === N.IPSET_CMD_DEL ? `${el} is not in ${set}` : undefined;
      break;
    case N.IPSET_ERR_EXIST_SETNAME2:
      text = c.cmd === N.IPSET_CMD_RENAME ? `a set named ${c.name2} exists` : `no set named ${c.name2}`;
      break;
    case N.IPSET_ERR_BUSY:
      // ip_set_destroy of every set checks them all first: one in use, and none is destroyed.
      text = c.name === undefined
        ? 'a set is in use by a kernel component (a list:set or an iptables rule): no set was destroyed'
        : `${set} is in use by a kernel component (a list:set or an iptables rule): it cannot be destroyed`;
      break;
    case N.IPSET_ERR_REFERENCED: text = `${set} is referenced by a kernel component (a list:set or an iptables rule): it cannot be renamed`; break;
    case N.IPSET_ERR_REF_EXIST:
      // list_set_uadd: the reference is not a member; list_set_udel: the member is not
      // right before/after it (or not there at all). The same number is HASH_RANGE elsewhere.
      if (c.kind !== 'list' || c.ref === undefined) break;
      text = c.cmd === N.IPSET_CMD_DEL
        ? `${c.member} is not right ${c.side} ${c.ref} in ${set} (or not in it at all)`
        : `the reference set ${c.ref} is not in ${set}`;
      break;
    case N.IPSET_ERR_TYPE_MISMATCH: text = `${set} and ${c.name2} differ in type or family: they cannot be swapped`; break;
    // list_set_uadt: the member set (IPSET_ATTR_NAME) or the before/after one
    // (IPSET_ATTR_NAMEREF) does not exist. The same numbers mean other things for hash and
    // bitmap sets, hence the kind. Named, or the text reads as if the list were missing.
    case N.IPSET_ERR_NAME: // = IPSET_ERR_HASH_FULL, IPSET_ERR_BITMAP_RANGE
      if (c.kind === 'list' && c.member !== undefined) text = `no set named ${c.member} (the member to ${c.cmd === N.IPSET_CMD_ADD ? 'add to' : c.cmd === N.IPSET_CMD_DEL ? 'delete from' : 'test in'} ${set})`;
      // A range is walked address by address: the walk stops where the set is full, the addresses before it added.
      else if (c.kind === 'hash' && c.range && c.cmd === N.IPSET_CMD_ADD) text = `${set} is full (maxelem reached) at an address of ${c.entry}: the kernel stopped there, and the addresses before it were added`;
      break;
    case N.IPSET_ERR_NAMEREF:
      if (c.kind === 'list' && c.ref !== undefined) text = `no set named ${c.ref}, the reference of '${c.side ?? 'after'} ${c.ref}' (${set})`;
      break;
    default:
  }
  if (named) {
    const t = text ?? `${named[1]} (${set})`;
    return new NetlinkError(e.errno, e.request, e.extack, c.note, { code: named[0], text: t });
  }
  let hint: string | undefined;
  switch (e.code) {
    case 'ENOENT': hint = c.cmd === N.IPSET_CMD_SWAP || c.cmd === N.IPSET_CMD_RENAME || c.name !== undefined ? `no set named ${c.name}` : undefined; break;
    case 'EEXIST':
      hint = c.cmd !== N.IPSET_CMD_CREATE ? undefined
        : c.exist ? `a different set named ${c.name} exists (exist: true accepts an identical one only)`
        : `a set named ${c.name} exists (an identical one is accepted with exist: true)`;
      break;
    case 'EBUSY': hint = `${set}${c.name2 !== undefined ? ` or ${c.name2}` : ''} is being listed`; break;
    case 'EPERM': hint = 'needs CAP_NET_ADMIN in the netns\'s user namespace'; break;
    case 'ENOMEM':
      // htable_size (ip_set_hash_gen.h): a table of more than INT_MAX bytes, 2^28 buckets
      // (hashsize rounded up to a power of two), is refused so, whatever memory is free.
      if (c.cmd === N.IPSET_CMD_CREATE && c.hashsize !== undefined) {
        hint = `the kernel could not allocate the hash table of hashsize ${c.hashsize} (rounded up to a power of two; above 2^27 it never can)`;
      }
      break;
    case 'EINVAL':
      // hash_ipport4/6_uadt (Linux 6.1+): the address ANDed with the set's bitmask (all ones
      // without one, the netmask's prefix with one) is all zeros — the plain EINVAL, where
      // hash:ip says IPSET_ERR_HASH_ELEM. 0.0.0.0 and :: themselves too.
      if (c.type === 'hash:ip,port' && (c.cmd === N.IPSET_CMD_ADD || c.cmd === N.IPSET_CMD_DEL || c.cmd === N.IPSET_CMD_TEST)) {
        hint = `the address of ${c.entry ?? 'the entry'} is all zeros once masked with ${set}'s bitmask or netmask (or is itself 0.0.0.0 or ::): a hash:ip,port cannot hold it`;
      }
      break;
    default:
  }
  if (c.note !== undefined) hint = hint === undefined ? c.note : `${hint}; ${c.note}`;
  if (hint === undefined) return e;
  return new NetlinkError(e.errno, e.request, e.extack, e.hint === undefined ? hint : `${e.hint}; ${hint}`);
}

const DESCRIBER: FamilyDescriber = {
  typeName: (type) => ((type >> 8) === N.NFNL_SUBSYS_IPSET ? CMD_NAME[type & 0xff] ?? `ipset command ${type & 0xff}` : `nfnetlink type ${type}`),
};

/**
 * An ipset handle: one NETLINK_NETFILTER socket made in the given netns, which sees that
 * netns's IP sets. Close it with `close()` or `using`. Calls on one handle run one at a
 * time, in call order (also those not awaited one by one).
 *
 * Equivalent to: `ipset`, run in that netns.
 * @example
 * using ips = IpSet.open({ netns });
 * await ips.create('blocked', 'hash:net', { family: 4, timeout: 600, counters: true });
 * await ips.add('blocked', { ip: '192.0.2.0', cidr: 24 }, { timeout: 60 });
 * if (await ips.test('blocked', { ip: '192.0.2.7' })) console.log('blocked');
 */
export class IpSet {
  /** The handle's socket. */
  readonly sock: NetlinkSocket;

  /** Type revisions the kernel answered (IPSET_CMD_TYPE), by 'type/family'. */
  private readonly revisions = new Map<string, number>();

  /** The last call queued: calls run one at a time, in call order. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(sock: NetlinkSocket) {
    this.sock = sock;
    sock.owner = 'IpSet handle';
  }

  /**
   * Open a handle. Synchronous: the socket is created with the thread switched into the
   * target netns and straight back. Unknown option keys are refused.
   *
   * Equivalent to: `ip netns exec NAME ipset …`.
   * @throws InvalidArgumentError for bad options, ClosedError for a closed Netns,
   *   SysError when the namespace cannot be entered.
   */
  static open(options: IpSetOptions = {}): IpSet {
    checkObject(options, 'options', OPTION_KEYS);
    const { sock } = openHandleSocket(NETLINK_NETFILTER, options.netns, {
      describer: DESCRIBER,
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
      ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
    });
    return new IpSet(sock);
  }

  /** True once closed. */
  get closed(): boolean {
    return this.sock.closed;
  }

  private live(): void {
    if (this.sock.closed) throw new ClosedError('IpSet handle');
  }

  /**
   * Run `f` after every call made before it has ended. add, del and test are two requests
   * (IPSET_CMD_HEADER, then the command) and a create is two the first time: without the
   * queue, `create(x); add(x, …)` not awaited in between would ask x's header before x is
   * made. The handle is checked open when `f` starts.
   */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const p = this.tail.then(() => {
      this.live();
      return f();
    });
    this.tail = p.then(() => undefined, () => undefined);
    return p;
  }

  /** Run a request; a refusal comes out named and explained for its set. */
  private async call<T>(c: ErrorContext, p: () => Promise<T>): Promise<T> {
    try {
      return await p();
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      let ctx = c;
      // A type-specific errno means one thing per kind of set: ask the kernel the set's type.
      if (e.errno >= N.IPSET_ERR_TYPE_SPECIFIC && ctx.kind === undefined && ctx.name !== undefined) {
        try {
          ctx = { ...ctx, kind: kindOf((await this.head(ctx.name)).type) };
        } catch {
          /* the set went away meanwhile: the errno stays unnamed */
        }
      }
      throw explainError(e, ctx);
    }
  }

  /** A set's type and family (IPSET_CMD_HEADER), as `ipset` asks before every add, del and test. */
  private async head(name: string): Promise<SetHead> {
    const h = await this.sock.request(msgType(N.IPSET_CMD_HEADER), 0, (w) => {
      putHead(w);
      w.putStrz(N.IPSET_ATTR_SETNAME, name);
    }, decodeHead, { subject: name });
    if (!h) throw new NetlinkError(2, { type: msgType(N.IPSET_CMD_HEADER), typeName: 'IPSET_CMD_HEADER', seq: 0, subject: name }, {}, `no set named ${name}`);
    return h;
  }

  /**
   * A range of hosts added to or deleted from a set that masks its addresses: the kernel
   * (hash_ip4_uadt, hash_ipport4_uadt) masks the range's first address only and walks on
   * from it one address at a time, unmasked — measured on 6.18: 10.1.2.0/30 on a hash:ip
   * with bitmask 255.255.0.0 stores 10.1.0.0, 10.1.0.1, 10.1.0.2 and 10.1.0.3, the last
   * three entries no lookup can match (a test or del of 10.1.0.3 masks it to 10.1.0.0),
   * and 10.5.6.7-10.5.6.9 stores 1546. The same on a hash:ip,port with a netmask; hash:ip's
   * netmask steps by whole networks and is right. Only a range on a type that can have a
   * mask costs this request (the set's header, IPSET_FLAG_LIST_HEADER) — whatever the set's
   * revision, which the kernel does not hold against a create's attributes.
   */
  private async checkRangeMask(n: string, type: IpSetType, e: CheckedEntry): Promise<void> {
    if (TYPES[type].bitmask === undefined) return;
    const s = await this.listHeader(n);
    const mask = s?.bitmask !== undefined ? `bitmask ${s.bitmask}` : type !== 'hash:ip' && s?.netmask !== undefined ? `netmask ${s.netmask}` : undefined;
    if (mask === undefined) return;
    throw new InvalidArgumentError('entry.cidr', `set ${n} (${type}) has ${mask}, but the kernel masks only the first address of a range and walks on unmasked: ${e.text} would leave entries no lookup matches and no del() removes. Give the masked addresses one by one`);
  }

  /** A set's header with its create data (netmask, bitmask…): IPSET_CMD_LIST with IPSET_FLAG_LIST_HEADER, as `ipset list -t` asks. */
  private async listHeader(n: string): Promise<IpSetInfo | undefined> {
    const parts = await this.call({ cmd: N.IPSET_CMD_LIST, name: n }, () => this.sock.dump(msgType(N.IPSET_CMD_LIST), 0, (w) => {
      putHead(w);
      w.putStrz(N.IPSET_ATTR_SETNAME, n);
      w.putBe32(N.IPSET_ATTR_FLAGS | NET, N.IPSET_FLAG_LIST_HEADER);
    }, decodeListPart, { subject: n }));
    return joinListParts(parts)[0];
  }

  /**
   * The mask a set applies to its entries' first address, for addMany's repeat check: a
   * netmask (bitmap:ip, hash:ip, hash:ip,port) or a bitmask (hash:ip, hash:ip,port), as
   * bytes with the way `ipset` writes it, or undefined (none, or a type without one). The
   * kernel stores 10.0.0.1 and 10.0.0.2 as one element 10.0.0.0 under netmask 24.
   * Costs a request, so only asked of those types.
   */
  private async addressMask(n: string, type: IpSetType): Promise<{ bytes: Uint8Array; text: string } | undefined> {
    if (type !== 'hash:ip' && type !== 'hash:ip,port' && type !== 'bitmap:ip') return undefined;
    const s = await this.listHeader(n);
    if (s?.bitmask !== undefined) return { bytes: parseIp(s.bitmask).bytes, text: `bitmask ${s.bitmask}` };
    if (s?.netmask === undefined) return undefined;
    const bytes = new Uint8Array(s.family === 6 ? 16 : 4);
    for (let k = 0; k < bytes.length; k++) bytes[k] = prefixMaskByte(s.netmask, k);
    return { bytes, text: `netmask ${s.netmask}` };
  }

  /** The newest revision of a type this kernel has (IPSET_CMD_TYPE), as `ipset create` asks first. */
  private async revision(type: IpSetType, family: 4 | 6 | undefined): Promise<number> {
    const key = `${type}/${family ?? 0}`;
    const known = this.revisions.get(key);
    if (known !== undefined) return known;
    const rev = await this.sock.request(msgType(N.IPSET_CMD_TYPE), 0, (w) => {
      putHead(w);
      w.putStrz(N.IPSET_ATTR_TYPENAME, type);
      w.putU8(N.IPSET_ATTR_FAMILY, nfproto(family));
    }, decodeTypeRevision, { subject: type });
    if (rev === undefined || rev < 0) throw new NetlinkError(N.IPSET_ERR_FIND_TYPE, { type: msgType(N.IPSET_CMD_TYPE), typeName: 'IPSET_CMD_TYPE', seq: 0, subject: type });
    this.revisions.set(key, rev);
    return rev;
  }

  /**
   * Create a set of `type`. The revision is the newest this kernel has of the type (asked
   * with IPSET_CMD_TYPE first, as `ipset` does).
   *
   * Equivalent to: `ipset create NAME TYPE [family inet|inet6] [hashsize N] [maxelem N]
   * [bucketsize N] [timeout T] [counters] [comment] [skbinfo] [forceadd] [netmask N]
   * [bitmask M] [markmask M] [range R] [size N] [-exist]`.
   * @throws InvalidArgumentError for an unknown type, a bad name or an option the type
   *   has not (nothing sent), or a netmask or bitmask this kernel's revision of the type
   *   predates (only IPSET_CMD_TYPE sent, nothing created); NetlinkError 'IPSET_ERR_FIND_TYPE' when this kernel lacks
   *   the type, 'EEXIST' when a set of that name exists (without `exist`, or another one).
   */
  async create(name: string, type: IpSetType, options: IpSetCreateOptions = {}): Promise<void> {
    const a = checkCreate(name, type, options);
    this.live();
    await this.serial(() => this.call({ cmd: N.IPSET_CMD_CREATE, name: a.name, kind: TYPES[a.type].kind, exist: a.exist, hashsize: a.hashsize }, async () => {
      const revision = await this.revision(a.type, a.family);
      // A kernel whose newest revision predates an option has it out of the type's create
      // policy and answers the bare IPSET_ERR_PROTOCOL (measured on 6.18 with a bitmask on
      // hash:net): say which option and why instead, before the create is sent.
      const info = TYPES[a.type];
      for (const key of ['netmask', 'bitmask'] as const) {
        const since = info[key];
        if (a[key] !== undefined && since !== undefined && revision < since) {
          throw new InvalidArgumentError(key, `this kernel's ${a.type} is revision ${revision}: ${key} came with revision ${since}`);
        }
      }
      await this.sock.requestWith(msgType(N.IPSET_CMD_CREATE), a.exist ? NLM_F_CREATE : NLM_F_CREATE | NLM_F_EXCL, writeCreate, { ...a, revision }, undefined, { subject: a.name });
    }));
  }

  /**
   * Destroy a set, or every set (none may be referenced). Without `exist`, a set that is
   * not there is ENOENT; with it (sent without NLM_F_EXCL, as `ipset destroy -exist`),
   * the kernel (6.x) says nothing.
   *
   * Equivalent to: `ipset destroy [NAME] [-exist]`.
   * @throws NetlinkError 'ENOENT' for no such set, 'IPSET_ERR_BUSY' for a set a list:set
   *   or an iptables rule refers to.
   */
  async destroy(name?: string, options: IpSetDelOptions = {}): Promise<void> {
    checkObject(options, 'options', DEL_KEYS);
    const exist = checkBool(options.exist, 'exist');
    await this.bySetName(N.IPSET_CMD_DESTROY, name, exist ? 0 : NLM_F_EXCL);
  }

  /**
   * Delete every entry of a set, or of every set.
   *
   * Equivalent to: `ipset flush [NAME]`.
   * @throws NetlinkError 'ENOENT' for no such set.
   */
  async flush(name?: string): Promise<void> {
    await this.bySetName(N.IPSET_CMD_FLUSH, name, 0);
  }

  private async bySetName(cmd: number, name: string | undefined, flags: number): Promise<void> {
    const n = name === undefined ? undefined : checkName(name, 'name');
    this.live();
    await this.serial(() => this.call({ cmd, name: n }, () => this.sock.request(msgType(cmd), flags, (w) => {
      putHead(w);
      if (n !== undefined) w.putStrz(N.IPSET_ATTR_SETNAME, n);
    }, undefined, { subject: n ?? 'all sets' })));
  }

  /**
   * Rename a set.
   *
   * Equivalent to: `ipset rename FROM TO`.
   * @throws NetlinkError 'ENOENT' for no set FROM, 'IPSET_ERR_EXIST_SETNAME2' when TO
   *   exists, 'IPSET_ERR_REFERENCED' for a set in use.
   */
  async rename(from: string, to: string): Promise<void> {
    await this.twoNames(N.IPSET_CMD_RENAME, checkName(from, 'from'), checkName(to, 'to'));
  }

  /**
   * Swap two sets' contents and names (of the same type and family): the references to
   * each now see the other.
   *
   * Equivalent to: `ipset swap A B`.
   * @throws NetlinkError 'ENOENT' for no set A, 'IPSET_ERR_EXIST_SETNAME2' for no set B,
   *   'IPSET_ERR_TYPE_MISMATCH' for sets of another type or family.
   */
  async swap(a: string, b: string): Promise<void> {
    await this.twoNames(N.IPSET_CMD_SWAP, checkName(a, 'a'), checkName(b, 'b'));
  }

  private async twoNames(cmd: number, a: string, b: string): Promise<void> {
    this.live();
    await this.serial(() => this.call({ cmd, name: a, name2: b }, () => this.sock.request(msgType(cmd), 0, (w) => {
      putHead(w);
      w.putStrz(N.IPSET_ATTR_SETNAME, a);
      w.putStrz(N.IPSET_ATTR_SETNAME2, b);
    }, undefined, { subject: `${a} ${b}` })));
  }

  /** Check an entry against the set (its type and family, asked the kernel), then run the request. */
  private async adt(cmd: number, flags: number, name: unknown, entry: unknown, ext: CheckedExt | undefined): Promise<void> {
    const n = checkName(name, 'name');
    // What does not depend on the set is checked before anything is sent.
    checkObject(entry, 'entry', ENTRY_KEYS);
    this.live();
    // The header and the command in one turn of the queue: nothing of this handle's in between.
    await this.serial(() => this.adtNow(cmd, flags, n, entry, ext));
  }

  private async adtNow(cmd: number, flags: number, n: string, entry: unknown, ext: CheckedExt | undefined): Promise<void> {
    const h = await this.call({ cmd: N.IPSET_CMD_HEADER, name: n }, () => this.head(n));
    const type = Object.prototype.hasOwnProperty.call(TYPES, h.type) ? (h.type as IpSetType) : undefined;
    if (type === undefined) throw new InvalidArgumentError('name', `set ${n} is of type ${h.type}, which nlkit does not encode`);
    const e = checkEntry(entry, type);
    if (h.family !== undefined && e.family !== undefined && e.family !== h.family) {
      throw new InvalidArgumentError('entry', `set ${n} is IPv${h.family} but the entry ${e.text} is IPv${e.family}`);
    }
    checkRevision(e, n, h, 'entry');
    if (e.range && cmd !== N.IPSET_CMD_TEST) await this.checkRangeMask(n, type, e);
    const side = e.nameref === undefined ? undefined : (e.cadtFlags & N.IPSET_FLAG_BEFORE) !== 0 ? 'before' as const : 'after' as const;
    await this.call({ cmd, name: n, entry: e.text, kind: TYPES[type].kind, type, member: e.name, ref: e.nameref, side, range: e.range }, () =>
      this.sock.requestWith(msgType(cmd), flags, writeAdt, { name: n, e, ext }, undefined, { subject: `${n} ${e.text}` }));
  }

  /**
   * Add an entry to a set. The set's type and family are asked first (IPSET_CMD_HEADER,
   * as `ipset` does), and the entry checked against them before it is sent.
   *
   * A range of hosts (an IPv4 `cidr` on hash:ip, bitmap:ip, hash:ip,port…) is added address
   * by address and not atomically: the kernel stops at the first address already there
   * (IPSET_ERR_EXIST, the addresses before it added) unless `exist`, or at HASH_FULL.
   * On a set with a bitmask (or a hash:ip,port with a netmask) a range is refused: the
   * kernel would mask its first address only (the set's header is asked to know).
   *
   * The extensions (timeout, comment, counters, skbinfo) come from `options` only; in
   * the entry (a listed member passed back) they are refused.
   *
   * Equivalent to: `ipset add NAME ENTRY [timeout T] [packets N] [bytes N] [comment C]
   * [skbmark M[/MASK]] [skbprio X:Y] [skbqueue Q] [nomatch] [wildcard] [-exist]`.
   * @throws InvalidArgumentError for an entry the set's type or family does not take;
   *   NetlinkError 'IPSET_ERR_EXIST' when it is there (without `exist`), 'ENOENT' for no
   *   such set, 'IPSET_ERR_HASH_FULL', 'IPSET_ERR_BITMAP_RANGE', 'IPSET_ERR_TIMEOUT'…
   */
  async add(name: string, entry: IpSetEntry, options: IpSetAddOptions = {}): Promise<void> {
    const ext = checkExt(options);
    const exist = checkBool(options.exist, 'exist');
    // A listed member's extensions are allowed in an entry (for del and test), but an add
    // takes them from its options only: in the entry they would be dropped unread.
    if (typeof entry === 'object' && entry !== null) {
      for (const k of MEMBER_EXT_KEYS) {
        if ((entry as Record<string, unknown>)[k] !== undefined) throw new InvalidArgumentError(`entry.${k}`, `${k} is an option of add() (its third argument), not a field of the entry`);
      }
    }
    await this.adt(N.IPSET_CMD_ADD, exist ? 0 : NLM_F_EXCL, name, entry, ext);
  }

  /**
   * Add many entries to one set: the set's type and family are asked once, every entry
   * is checked against them before anything is sent, and the IPSET_CMD_ADDs go to the
   * kernel in as few sendmsg calls as the socket's buffers allow (each ACKed; see
   * NetlinkSocket.requestBatch) instead of two round trips per entry. `options` (timeout,
   * comment, counters, skbinfo, exist) apply to every entry.
   *
   * - All or none: if the kernel refuses an entry (IPSET_ERR_EXIST for one already in the
   *   set, IPSET_ERR_HASH_FULL…), the entries this call added are deleted again and the
   *   promise rejects with the refusal, naming the entry.
   * - With `exist: true` entries already there are no error, and nothing is undone on a
   *   refusal (an entry "added" may have been in the set before the call): the error says
   *   how many were added before it.
   * - The same entry twice in the list, and a range of hosts (an IPv4 `cidr` on a host
   *   type, which the kernel adds address by address and may stop half-way through), are
   *   refused before anything is sent: give a range to `add()`. "The same" is the
   *   kernel's element: on a set with a netmask or bitmask (bitmap:ip, hash:ip,
   *   hash:ip,port), 10.0.0.1 and 10.0.0.2 under netmask 24 are one (the set's header is
   *   read for that, one more request, when more than one entry is given).
   *
   * Equivalent to: `ipset restore` of one `add NAME ENTRY …` line per entry (`-exist` with
   * `exist`) — except that a failed restore keeps what it added.
   * @throws InvalidArgumentError for a bad entry (nothing sent), naming `entries[i]`;
   *   NetlinkError 'ENOENT' for no such set, or the kernel's refusal.
   */
  async addMany(name: string, entries: readonly IpSetEntry[], options: IpSetAddOptions = {}): Promise<void> {
    const ext = checkExt(options);
    const exist = checkBool(options.exist, 'exist');
    const n = checkName(name, 'name');
    if (!Array.isArray(entries)) throw new InvalidArgumentError('entries', `expected an array of entries, got ${showValue(entries)}`);
    for (let i = 0; i < entries.length; i++) {
      const en: unknown = entries[i];
      checkObject(en, `entries[${i}]`, ENTRY_KEYS);
      for (const k of MEMBER_EXT_KEYS) {
        if ((en as Record<string, unknown>)[k] !== undefined) throw new InvalidArgumentError(`entries[${i}].${k}`, `${k} is an option of addMany() (its third argument, for every entry), not a field of an entry`);
      }
    }
    this.live();
    await this.serial(async () => {
      const h = await this.call({ cmd: N.IPSET_CMD_HEADER, name: n }, () => this.head(n));
      const type = Object.prototype.hasOwnProperty.call(TYPES, h.type) ? (h.type as IpSetType) : undefined;
      if (type === undefined) throw new InvalidArgumentError('name', `set ${n} is of type ${h.type}, which nlkit does not encode`);
      const seen = new Map<string, number>();
      const checkedTexts: string[] = [];
      const checked = entries.map((en, i) => {
        let e: CheckedEntry;
        try {
          e = checkEntry(en, type, `entries[${i}]`);
        } catch (x) {
          if (x instanceof InvalidArgumentError && !x.argument.startsWith('entries[')) throw new InvalidArgumentError(`entries[${i}]${x.argument === 'entry' ? '' : `.${x.argument.replace(/^entry\./, '')}`}`, x.message.replace(/^invalid [^:]*: /, ''));
          throw x;
        }
        if (h.family !== undefined && e.family !== undefined && e.family !== h.family) throw new InvalidArgumentError(`entries[${i}]`, `set ${n} is IPv${h.family} but the entry ${e.text} is IPv${e.family}`);
        checkRevision(e, n, h, `entries[${i}]`);
        if (e.range) throw new InvalidArgumentError(`entries[${i}]`, `${e.text} is a range of hosts, which the kernel adds address by address and may stop half-way through: add it with add()`);
        const key = elementKey(e);
        const j = seen.get(key);
        if (j !== undefined) throw new InvalidArgumentError(`entries[${i}]`, `${e.text} repeats entries[${j}]${e.text === checkedTexts[j] ? '' : ` (${checkedTexts[j]}): one element for the kernel`}`);
        seen.set(key, i);
        checkedTexts[i] = e.text;
        return e;
      });
      if (checked.length === 0) return;
      // Two addresses the set's netmask or bitmask makes one element are repeats too. The
      // mask is read only for a list that passed the checks above, of a type that has one.
      const mask = checked.length > 1 ? await this.addressMask(n, type) : undefined;
      if (mask !== undefined) {
        const masked = new Map<string, number>();
        for (let i = 0; i < checked.length; i++) {
          const key = elementKey(checked[i]!, mask.bytes);
          const j = masked.get(key);
          if (j !== undefined) throw new InvalidArgumentError(`entries[${i}]`, `${checked[i]!.text} repeats entries[${j}] (${checked[j]!.text}): one element for the kernel, as set ${n} has ${mask.text}`);
          masked.set(key, i);
        }
      }
      const kind = TYPES[type].kind;
      const subjects = checked.map((e) => `${n} ${e.text}`);
      const addType = msgType(N.IPSET_CMD_ADD);
      const r = await this.sock.requestBatch(checked.map((e, i) => ({ type: addType, flags: exist ? 0 : NLM_F_EXCL, subject: subjects[i]!, build: (w: MessageWriter) => writeAdt(w, { name: n, e, ext }) })), { stopOnError: true });
      if (r.firstRefused < 0 && r.failure === undefined) return;
      const fr = r.firstRefused;
      const added = tookIndexes(r);
      // With exist nothing is undone: an entry taken with exist may have been in the set before.
      const note = exist ? `with exist nothing is undone: ${added.length} of the ${checked.length} entries were added or there already` : undefined;
      const first = fr >= 0 ? explainError(r.errors[fr]!, { cmd: N.IPSET_CMD_ADD, name: n, entry: checked[fr]!.text, kind, type, member: checked[fr]!.name, ref: checked[fr]!.nameref, note }) : undefined;
      if (exist) throw allOrNoneError({ batch: r, undo: undefined, undone: [], gone: () => true, subjects, noun: ['entry', 'entries'], type: addType, typeName: 'IPSET_CMD_ADD', first });
      const delType = msgType(N.IPSET_CMD_DEL);
      // A list:set member is deleted by its name alone: with its before/after the kernel
      // deletes it only while it is still next to that reference, which an earlier delete
      // of this undo may have taken away (IPSET_ERR_REF_EXIST, and the member stays).
      const undoEntry = (e: CheckedEntry): CheckedEntry => (e.nameref === undefined ? e : { ...e, nameref: undefined, cadtFlags: e.cadtFlags & ~N.IPSET_FLAG_BEFORE });
      const d = added.length ? await this.sock.requestBatch(added.map((i) => ({ type: delType, flags: 0, subject: subjects[i]!, build: (w: MessageWriter) => writeAdt(w, { name: n, e: undoEntry(checked[i]!), ext: undefined }) }))) : undefined;
      throw allOrNoneError({ batch: r, undo: d, undone: added, gone: (e) => e.errno === N.IPSET_ERR_EXIST, subjects, noun: ['entry', 'entries'], type: addType, typeName: 'IPSET_CMD_ADD', first });
    });
  }

  /**
   * Delete an entry from a set. A range of hosts is deleted address by address: without
   * `exist` the kernel stops at the first address not there (IPSET_ERR_EXIST), the ones
   * before it deleted. Refused on a set with a bitmask (or a hash:ip,port with a netmask),
   * as in {@link IpSet.add}.
   *
   * Equivalent to: `ipset del NAME ENTRY [-exist]`.
   * @throws NetlinkError 'IPSET_ERR_EXIST' when it is not there (without `exist`),
   *   'ENOENT' for no such set.
   */
  async del(name: string, entry: IpSetEntry, options: IpSetDelOptions = {}): Promise<void> {
    checkObject(options, 'options', DEL_KEYS);
    const exist = checkBool(options.exist, 'exist');
    await this.adt(N.IPSET_CMD_DEL, exist ? 0 : NLM_F_EXCL, name, entry, undefined);
  }

  /**
   * Whether an entry is in a set (for the ,net types: matched as a packet would be,
   * nomatch entries included).
   *
   * The kernel answers "not in the set" (IPSET_ERR_EXIST) also for an entry the set's
   * type refuses (ip_set_utest), so those nlkit refuses before sending: the answer false
   * means not in the set. For a range of hosts (an IPv4 `cidr` on hash:ip…) the kernel
   * tests the first address only, as `ipset test` does.
   *
   * Equivalent to: `ipset test NAME ENTRY` (its exit status).
   * @throws InvalidArgumentError for an entry the set's type or family does not take;
   *   NetlinkError 'ENOENT' for no such set.
   */
  async test(name: string, entry: IpSetEntry): Promise<boolean> {
    try {
      await this.adt(N.IPSET_CMD_TEST, 0, name, entry, undefined);
      return true;
    } catch (e) {
      // ip_set_utest: -IPSET_ERR_EXIST is the kernel's "not in the set".
      if (e instanceof NetlinkError && e.errno === N.IPSET_ERR_EXIST) return false;
      throw e;
    }
  }

  /**
   * Sets with their headers and members: one set by name, or all (list:set sets last, as
   * the kernel dumps them). A big set spans many messages of the dump; they are joined.
   *
   * Equivalent to: `ipset list [NAME]` (`-t` for `headerOnly`), `ipset save`.
   * @throws NetlinkError 'ENOENT' for no such set.
   */
  async list(name?: string, options: IpSetListOptions = {}): Promise<IpSetInfo[]> {
    const n = name === undefined ? undefined : checkName(name, 'name');
    checkObject(options, 'options', LIST_KEYS);
    const headerOnly = checkBool(options.headerOnly, 'headerOnly');
    this.live();
    const parts = await this.serial(() => this.call({ cmd: N.IPSET_CMD_LIST, name: n }, () => this.sock.dump(msgType(N.IPSET_CMD_LIST), 0, (w) => {
      putHead(w);
      if (n !== undefined) w.putStrz(N.IPSET_ATTR_SETNAME, n);
      if (headerOnly) w.putBe32(N.IPSET_ATTR_FLAGS | NET, N.IPSET_FLAG_LIST_HEADER);
    }, decodeListPart, { subject: n ?? 'all sets' })));
    return joinListParts(parts);
  }

  /**
   * The names of the sets (IPSET_FLAG_LIST_SETNAME: the kernel sends names only).
   *
   * Equivalent to: `ipset list -n`.
   */
  async names(): Promise<string[]> {
    this.live();
    const parts = await this.serial(() => this.call({ cmd: N.IPSET_CMD_LIST }, () => this.sock.dump(msgType(N.IPSET_CMD_LIST), 0, (w) => {
      putHead(w);
      w.putBe32(N.IPSET_ATTR_FLAGS | NET, N.IPSET_FLAG_LIST_SETNAME);
    }, decodeListPart, { subject: 'all sets' })));
    return parts.map((p) => p.name);
  }

  /** Close the socket (idempotent). */
  close(): void {
    if (!this.sock.closed) this.sock.close();
  }

  /** `using ips = IpSet.open()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
