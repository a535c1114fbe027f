/**
 * Socket diagnostics (NETLINK_SOCK_DIAG): the sockets of a network namespace as `ss`
 * lists them — TCP, UDP, UDP-Lite and MPTCP over IPv4 and IPv6 (inet_diag), and Unix
 * sockets (unix_diag) — with their queues, owner, timers, memory, congestion control
 * and TCP's own state (struct tcp_info); one socket looked up exactly; and a socket
 * destroyed (`ss -K`).
 * @module
 */
import {
  ClosedError, DecodeError, InvalidArgumentError, NetlinkError, NETLINK_SOCK_DIAG, HOST_LE, checkOptionKeys, copyBytes, openSocketIn, resolveNetns, showValue, walkAttrs,
  type FamilyDescriber, type MessageWriter, type NetlinkSocket, type NetnsTarget, type RawAttribute, type NetlinkWarning,
} from '../netlink/index.js';
import { isUtf8 } from 'node:buffer';
import { formatIp, parseIp } from '../rtnl/ip.js';
import * as D from './constants.js';
import { cookieAt, need, skMemInfo } from './common.js';
import type { TcpInfo } from './constants.js';
import { FILTER_KEYS, checkNoZone, compileFilter, type InetSocketFilter } from './filter.js';
import { decodeNetlinkSocket, decodePacketSocket, putNetlinkReq, putPacketReq, type NetlinkSocketInfo, type PacketSocket } from './link-sockets.js';

/** Options of {@link SockDiag.open}. */
export interface SockDiagOptions {
  /** The network namespace whose sockets the handle sees (a Netns, an fd, or `{ pid }`). Defaults to the caller's (or the enclosing execNetns target's). */
  readonly netns?: NetnsTarget | undefined;
  /** SO_RCVBUF(FORCE) of the socket, bytes. Defaults to the kernel's. */
  readonly receiveBufferSize?: number | undefined;
  /**
   * What to do with a kernel warning on an accepted request (a NetlinkWarning): a
   * function called with each, or `null` to drop them. Defaults to `process.emitWarning`.
   */
  readonly onWarning?: ((warning: NetlinkWarning) => void) | null | undefined;
}

/**
 * A socket state, by the name `ss` gives it in a filter (`ss state NAME`): the kernel's
 * TCP_* states, which UDP and Unix sockets use too ('close' is `ss`'s UNCONN: an
 * unconnected UDP socket, an unbound Unix one; 'established' a connected one).
 * 'bound-inactive' (kernel 6.7+) is only asked for, never reported: it selects TCP
 * sockets bound to a port that neither listen nor connect, which the kernel reports in
 * state 'close' (no other TCP socket is listed in that state).
 */
export type SocketState =
  | 'established' | 'syn-sent' | 'syn-recv' | 'fin-wait-1' | 'fin-wait-2' | 'time-wait' | 'close'
  | 'close-wait' | 'last-ack' | 'listen' | 'closing' | 'bound-inactive';

/** The transport protocols {@link SockDiag.inet} lists. */
export type InetProtocol = 'tcp' | 'udp' | 'udplite' | 'mptcp';

const STATES: readonly (readonly [SocketState, number])[] = [
  ['established', D.BPF_TCP_ESTABLISHED], ['syn-sent', D.BPF_TCP_SYN_SENT], ['syn-recv', D.BPF_TCP_SYN_RECV],
  ['fin-wait-1', D.BPF_TCP_FIN_WAIT1], ['fin-wait-2', D.BPF_TCP_FIN_WAIT2], ['time-wait', D.BPF_TCP_TIME_WAIT],
  ['close', D.BPF_TCP_CLOSE], ['close-wait', D.BPF_TCP_CLOSE_WAIT], ['last-ack', D.BPF_TCP_LAST_ACK],
  ['listen', D.BPF_TCP_LISTEN], ['closing', D.BPF_TCP_CLOSING], ['bound-inactive', D.BPF_TCP_BOUND_INACTIVE],
];
const STATE_BY_NAME = new Map<string, number>(STATES);
const STATE_NAME: (SocketState | undefined)[] = [];
for (const [n, v] of STATES) STATE_NAME[v] = n;
/** Every state's bit (a syn-recv request socket, TCP_NEW_SYN_RECV, is asked for by syn-recv's bit). */
const ALL_STATES = STATES.reduce((m, [, v]) => m | (1 << v), 0) >>> 0;

const PROTOCOLS: Readonly<Record<InetProtocol, number>> = { tcp: D.IPPROTO_TCP, udp: D.IPPROTO_UDP, udplite: D.IPPROTO_UDPLITE, mptcp: D.IPPROTO_MPTCP };

/**
 * What else to ask of each inet socket, beyond its identity, queues, owner and timer
 * (the idiag_ext bits). 'info' is struct tcp_info (TCP; MPTCP's struct mptcp_info is kept raw), with 'congestion'
 * the algorithm's name and 'ccInfo' its own numbers (vegas, dctcp or bbr). 'shutdown'
 * is accepted as `ss` sends it, but the kernel reports shutdown state unasked.
 */
export type InetExtension = 'memInfo' | 'info' | 'ccInfo' | 'congestion' | 'tos' | 'tclass' | 'skMemInfo' | 'shutdown';

const EXTENSION_BITS: Readonly<Record<InetExtension, number>> = {
  memInfo: D.INET_DIAG_MEMINFO, info: D.INET_DIAG_INFO, ccInfo: D.INET_DIAG_VEGASINFO, congestion: D.INET_DIAG_CONG,
  tos: D.INET_DIAG_TOS, tclass: D.INET_DIAG_TCLASS, skMemInfo: D.INET_DIAG_SKMEMINFO, shutdown: D.INET_DIAG_SHUTDOWN,
};
const ALL_EXTENSIONS = Object.keys(EXTENSION_BITS) as InetExtension[];

/** Options of {@link SockDiag.inet}: which sockets, and what to report of each. */
export interface InetListOptions extends InetSocketFilter {
  /** 'tcp' (the default), 'udp', 'udplite' or 'mptcp'. `ss -t`, `-u`, `-M`. */
  readonly protocol?: InetProtocol | undefined;
  /** 4, 6, or both (the default). `ss -4`, `-6`. */
  readonly family?: 4 | 6 | undefined;
  /**
   * Only sockets in these states. Defaults to every state, 'bound-inactive' included
   * (`ss -a`, which from iproute2 6.1 does not ask for bound-inactive sockets).
   * `ss state listening` is ['listen'].
   */
  readonly states?: readonly SocketState[] | undefined;
  /** What to report beyond the basics; defaults to all of them (`ss -e -i -m`). [] asks for none (the cheapest dump). */
  readonly extensions?: readonly InetExtension[] | undefined;
}

/** An address and port of an inet socket. */
export interface InetEndpoint {
  /** '10.0.0.1', '::', '::ffff:127.0.0.1' (an IPv4 peer of a dual-stack IPv6 socket). */
  readonly address: string;
  /** 0 for none (an unconnected socket's remote end, a socket not bound yet). */
  readonly port: number;
}

/**
 * The timer a TCP socket has pending (idiag_timer, `ss -o`): 'on' a retransmission
 * (or loss probe), 'keepalive', 'timewait', 'persist' a zero-window probe; 'off' none.
 */
export type InetTimerKind = 'off' | 'on' | 'keepalive' | 'timewait' | 'persist' | 'unknown';
const TIMER_NAME: readonly InetTimerKind[] = ['off', 'on', 'keepalive', 'timewait', 'persist'];

/** struct inet_diag_meminfo (INET_DIAG_MEMINFO, `ss -m`'s older form), bytes. */
export interface InetMemInfo {
  /** idiag_rmem: in the receive queue. */
  readonly rmem: number;
  /** idiag_wmem: sent, not yet acknowledged. */
  readonly wmem: number;
  /** idiag_fmem: forward-allocated. */
  readonly fmem: number;
  /** idiag_tmem: queued to send. */
  readonly tmem: number;
}

/** The socket's memory (SK_MEMINFO_*, `ss -m`'s `skmem:(r,rb,t,tb,f,w,o,bl,d)`), bytes but `drops`. */
export interface SkMemInfo {
  /** r: receive queue. */
  readonly rmemAlloc: number;
  /** rb: receive buffer size (SO_RCVBUF). */
  readonly rcvbuf: number;
  /** t: transmit queue. */
  readonly wmemAlloc: number;
  /** tb: send buffer size (SO_SNDBUF). */
  readonly sndbuf: number;
  /** f: forward-allocated. */
  readonly fwdAlloc: number;
  /** w: queued to send, not yet sent. */
  readonly wmemQueued: number;
  /** o: option memory. */
  readonly optmem: number;
  /** bl: backlog. */
  readonly backlog: number;
  /** d: packets dropped before they reached the socket. */
  readonly drops: number;
}

/** A congestion control algorithm's own numbers (INET_DIAG_VEGASINFO/DCTCPINFO/BBRINFO: `ss -i`). */
export type CcInfo =
  | { readonly algorithm: 'vegas'; /** tcpv_enabled. */ readonly enabled: number; /** tcpv_rttcnt: RTT samples this round. */ readonly rttCount: number; /** tcpv_rtt, µs. */ readonly rtt: number; /** tcpv_minrtt, µs. */ readonly minRtt: number }
  | { readonly algorithm: 'dctcp'; /** dctcp_enabled. */ readonly enabled: number; /** dctcp_ce_state. */ readonly ceState: number; /** dctcp_alpha (×1024: the share of marked bytes). */ readonly alpha: number; /** dctcp_ab_ecn: bytes ECN-marked. */ readonly abEcn: number; /** dctcp_ab_tot: bytes acked. */ readonly abTot: number }
  | { readonly algorithm: 'bbr'; /** Estimated bandwidth, bytes per second. */ readonly bandwidth: bigint; /** µs. */ readonly minRtt: number; /** Pacing gain ×256. */ readonly pacingGain: number; /** Cwnd gain ×256. */ readonly cwndGain: number };

/** Socket options as inet_diag reports them (INET_DIAG_SOCKOPT, kernel 5.10+). */
export interface InetSockOpt {
  /** IP_RECVERR / IPV6_RECVERR. */
  readonly recverr: boolean;
  /** A connection-oriented socket (inet_connection_sock: TCP, MPTCP, DCCP). */
  readonly isIcsk: boolean;
  /** IP_FREEBIND / IPV6_FREEBIND. */
  readonly freebind: boolean;
  /** IP_HDRINCL (raw sockets). */
  readonly hdrincl: boolean;
  /** IP_MULTICAST_LOOP. */
  readonly mcLoop: boolean;
  /** IP_TRANSPARENT / IPV6_TRANSPARENT. */
  readonly transparent: boolean;
  /** IP_MULTICAST_ALL. */
  readonly mcAll: boolean;
  /** IP_NODEFRAG. */
  readonly nodefrag: boolean;
  /** IP_BIND_ADDRESS_NO_PORT. */
  readonly bindAddressNoPort: boolean;
  /** IP_RECVERR_RFC4884 / IPV6_RECVERR_RFC4884. */
  readonly recverrRfc4884: boolean;
  /** A connect() deferred to the first send (TCP_FASTOPEN_CONNECT). */
  readonly deferConnect: boolean;
}

/**
 * An inet socket as the kernel describes it (struct inet_diag_msg and its attributes):
 * one line of `ss -tuanei -m`. What an extension was not asked for (or the protocol
 * lacks) is absent.
 */
export interface InetSocket {
  /** 4 or 6 (AF_INET or AF_INET6). */
  readonly family: 4 | 6;
  /** The transport protocol asked for. */
  readonly protocol: InetProtocol;
  /** The state's name; 'unknown' for a number nlkit does not know (see `stateNumber`). */
  readonly state: SocketState | 'unknown';
  /** idiag_state as sent. */
  readonly stateNumber: number;
  /** The local end. */
  readonly local: InetEndpoint;
  /** The remote end (address '0.0.0.0' or '::' and port 0 when not connected). */
  readonly remote: InetEndpoint;
  /** The ifindex the socket is bound to (idiag_if); 0 for none. */
  readonly interface: number;
  /** The socket's cookie (idiag_cookie), unique in the kernel until it is closed: `ss -e`'s `sk:` in hex. */
  readonly cookie: bigint;
  /** The pending timer (`ss -o`). */
  readonly timer: { readonly kind: InetTimerKind; readonly expiresMs: number; readonly retransmits: number };
  /** Bytes received, not read (a listener: connections waiting for accept()). `ss`'s Recv-Q. */
  readonly receiveQueue: number;
  /** Bytes sent, not acknowledged (a listener: its backlog). `ss`'s Send-Q. */
  readonly sendQueue: number;
  /** The owner's uid (in the initial user namespace). */
  readonly uid: number;
  /** The socket's inode (`ss -e`'s `ino:`; /proc/PID/fd links read `socket:[INODE]`); 0 for a timewait or request socket. */
  readonly inode: number;
  /** INET_DIAG_MEMINFO (extension 'memInfo'). */
  readonly memInfo?: InetMemInfo | undefined;
  /** INET_DIAG_SKMEMINFO (extension 'skMemInfo'). */
  readonly skMemInfo?: SkMemInfo | undefined;
  /**
   * struct tcp_info (extension 'info'; TCP sockets that are not timewait or request
   * sockets). An MPTCP socket's INET_DIAG_INFO is struct mptcp_info: kept raw in `unknown`.
   */
  readonly tcpInfo?: TcpInfo | undefined;
  /** The congestion control algorithm: 'cubic', 'bbr', … (extension 'congestion'). */
  readonly congestion?: string | undefined;
  /** Its own numbers (extension 'ccInfo', algorithms that report some). */
  readonly ccInfo?: CcInfo | undefined;
  /** IP_TOS (extension 'tos'). */
  readonly tos?: number | undefined;
  /** IPV6_TCLASS (extension 'tclass', IPv6 sockets). */
  readonly tclass?: number | undefined;
  /**
   * INET_DIAG_CLASS_ID (extension 'tclass', IPv4 and IPv6 sockets): the net_cls class id,
   * or the socket's SO_PRIORITY when it has none (always so under cgroup v2).
   */
  readonly classId?: number | undefined;
  /**
   * shutdown() so far: 1 receive, 2 send, 3 both (`ss`'s `<->` arrows). The kernel sends
   * it for every socket but timewait and request ones, whatever extensions are asked
   * for: extension 'shutdown' (ss's bit for it) changes nothing.
   */
  readonly shutdown?: number | undefined;
  /** SO_MARK (sent to a caller with CAP_NET_ADMIN). */
  readonly mark?: number | undefined;
  /** The owner's cgroup v2 id. */
  readonly cgroupId?: bigint | undefined;
  /** IPV6_V6ONLY (IPv6 sockets in state 'listen' or 'close' only; binding to a specific IPv6 address sets it). */
  readonly v6only?: boolean | undefined;
  /** Socket options (kernel 5.10+). */
  readonly sockOpt?: InetSockOpt | undefined;
  /** Attributes nlkit does not decode (ULP info, MD5 keys, BPF storage, …), kept raw. */
  readonly unknown: readonly RawAttribute[];
}

/**
 * Which socket {@link SockDiag.inetGet} and {@link SockDiag.destroy} mean: its
 * protocol and both ends (an {@link InetSocket} from a listing is one): the socket
 * whose ends these are, never a listener or wildcard-bound socket the kernel's lookup
 * falls back to. With `cookie`, only that very socket: a newer one with the same ends
 * is refused (inetGet: TCP ENOENT, UDP ESTALE; destroy: ENOENT), not acted on.
 */
export interface InetSocketId {
  /** Defaults to 'tcp'. */
  readonly protocol?: InetProtocol | undefined;
  /** 4 or 6; defaults to the family of `local.address`. A dual-stack IPv6 socket's IPv4 peer is family 6 with '::ffff:a.b.c.d'. */
  readonly family?: 4 | 6 | undefined;
  /** The socket's own end (`ss`'s Local Address:Port). */
  readonly local: InetEndpoint;
  /** Its peer; '0.0.0.0' (or '::') port 0 for a listener or an unconnected UDP socket (`ss`'s Peer Address:Port). */
  readonly remote: InetEndpoint;
  /** The bound ifindex (default 0): a socket bound to a device, or connected over IPv6 link-local, is found only with it (a listed socket's `interface`). */
  readonly interface?: number | undefined;
  /** The socket's cookie: only this socket matches. */
  readonly cookie?: bigint | undefined;
}

/** The Unix socket types. */
export type UnixSocketType = 'stream' | 'dgram' | 'seqpacket';
const UNIX_TYPE = new Map<number, UnixSocketType>([[D.SOCK_STREAM, 'stream'], [D.SOCK_DGRAM, 'dgram'], [D.SOCK_SEQPACKET, 'seqpacket']]);

/** Options of {@link SockDiag.unix}. */
export interface UnixListOptions {
  /** Only sockets in these states ('listen', 'established', 'close' unconnected, 'syn-sent' connecting). Defaults to every state (`ss -xa`). */
  readonly states?: readonly SocketState[] | undefined;
}

/** A Unix socket (struct unix_diag_msg and every UNIX_DIAG_* attribute): a line of `ss -xaep -m`. */
export interface UnixSocket {
  /** 'stream', 'dgram' or 'seqpacket'. */
  readonly type: UnixSocketType | 'unknown';
  /** udiag_type as sent. */
  readonly typeNumber: number;
  /** Its state (see {@link SocketState}). */
  readonly state: SocketState | 'unknown';
  /** udiag_state as sent. */
  readonly stateNumber: number;
  /** The socket's inode. */
  readonly inode: number;
  /** The socket's cookie. */
  readonly cookie: bigint;
  /** The filesystem path it is bound to (UNIX_DIAG_NAME). */
  readonly path?: string | undefined;
  /** The abstract name it is bound to, without its leading NUL (`ss` prints it as '@name'). */
  readonly abstract?: string | undefined;
  /**
   * The name's bytes (sun_path as bound; an abstract name's without its leading NUL),
   * present only when they are not UTF-8: `path` or `abstract` then has U+FFFD in place of
   * each byte it cannot carry, so two such names could read the same (`ss` prints the raw bytes).
   */
  readonly nameBytes?: Uint8Array | undefined;
  /**
   * The bound file's inode and device (UNIX_DIAG_VFS): `dev` as the kernel sends it, its
   * own dev_t (major << 20 | minor), and `major`/`minor` decoded from it, as `stat`
   * shows them. (`ss -e` decodes `dev` as if it were a userspace dev_t, so its `dev:` is
   * wrong for most devices.)
   */
  readonly vfs?: { readonly inode: number; readonly dev: number; readonly major: number; readonly minor: number } | undefined;
  /**
   * The peer's inode (UNIX_DIAG_PEER: connected sockets). 0 for a stream socket whose
   * connection is not accepted yet: its server end has no inode until accept() (`ss` prints 0 too).
   */
  readonly peer?: number | undefined;
  /**
   * A listener's connections waiting for accept(), by the inodes of the sockets that
   * connected (UNIX_DIAG_ICONS; the server ends have no inode until accepted). `ss -xp`'s
   * `peers:` column of a listener.
   */
  readonly pending?: readonly number[] | undefined;
  /** UNIX_DIAG_RQLEN: bytes (a listener: connections) waiting to be read, `ss`'s Recv-Q. */
  readonly receiveQueue?: number | undefined;
  /** UNIX_DIAG_RQLEN: bytes not yet read by the peer (a listener: its backlog), `ss`'s Send-Q. */
  readonly sendQueue?: number | undefined;
  /** Its memory (UNIX_DIAG_MEMINFO). */
  readonly skMemInfo?: SkMemInfo | undefined;
  /** shutdown() so far (UNIX_DIAG_SHUTDOWN): bit 1 receive, bit 2 send. */
  readonly shutdown?: number | undefined;
  /** The owner's uid (UNIX_DIAG_UID, kernel 5.3+). */
  readonly uid?: number | undefined;
  /** Attributes nlkit does not decode, kept raw. */
  readonly unknown: readonly RawAttribute[];
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['netns', 'receiveBufferSize', 'onWarning']);
const INET_KEYS: ReadonlySet<string> = new Set(['protocol', 'family', 'states', 'extensions', ...FILTER_KEYS]);
const GET_KEYS: ReadonlySet<string> = new Set(['extensions']);
const UNIX_KEYS: ReadonlySet<string> = new Set(['states']);
const NETLINK_KEYS: ReadonlySet<string> = new Set(['protocol']);
/** The kernel's netlink protocol count (MAX_LINKS in linux/netlink.h): 0..31. */
const NETLINK_MAX_LINKS = 32;
const ID_KEYS: ReadonlySet<string> = new Set(['protocol', 'family', 'local', 'remote', 'interface', 'cookie',
  // An InetSocket from a listing is an id too: its other fields are allowed and not read.
  'state', 'stateNumber', 'timer', 'receiveQueue', 'sendQueue', 'uid', 'inode', 'memInfo', 'skMemInfo', 'tcpInfo', 'congestion', 'ccInfo',
  'tos', 'tclass', 'classId', 'shutdown', 'mark', 'cgroupId', 'v6only', 'sockOpt', 'unknown']);
const ENDPOINT_KEYS: ReadonlySet<string> = new Set(['address', 'port']);
const UNIX_SHOW_ALL = D.UDIAG_SHOW_NAME | D.UDIAG_SHOW_VFS | D.UDIAG_SHOW_PEER | D.UDIAG_SHOW_ICONS | D.UDIAG_SHOW_RQLEN | D.UDIAG_SHOW_MEMINFO | D.UDIAG_SHOW_UID;
const NLMSG_HDRLEN = 16;
const INET_ATTRS = NLMSG_HDRLEN + ((D.SIZEOF_INET_DIAG_MSG + 3) & ~3);
const UNIX_ATTRS = NLMSG_HDRLEN + ((D.SIZEOF_UNIX_DIAG_MSG + 3) & ~3);
const INET_PATH = ['inet_diag_msg'];
const UNIX_PATH = ['unix_diag_msg'];
const NO_ATTRS: readonly RawAttribute[] = Object.freeze([]);

function protocolOf(v: unknown, arg: string): InetProtocol {
  if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(PROTOCOLS, v)) throw new InvalidArgumentError(arg, `expected ${Object.keys(PROTOCOLS).map((k) => `'${k}'`).join(', ')}, got ${showValue(v)}`);
  return v as InetProtocol;
}

function stateMask(v: unknown, arg: string): number {
  if (v === undefined) return ALL_STATES;
  if (!Array.isArray(v) || v.length === 0) throw new InvalidArgumentError(arg, `expected a non-empty array of state names, got ${showValue(v)}`);
  let m = 0;
  for (const s of v) {
    const n = typeof s === 'string' ? STATE_BY_NAME.get(s) : undefined;
    if (n === undefined) throw new InvalidArgumentError(arg, `unknown state ${showValue(s)} (${STATES.map(([k]) => `'${k}'`).join(', ')})`);
    m |= 1 << n;
  }
  return m >>> 0;
}

function extensionMask(v: unknown, arg: string): number {
  const list = v === undefined ? ALL_EXTENSIONS : v;
  if (!Array.isArray(list)) throw new InvalidArgumentError(arg, `expected an array of extension names, got ${showValue(v)}`);
  let m = 0;
  for (const e of list) {
    const bit = typeof e === 'string' && Object.prototype.hasOwnProperty.call(EXTENSION_BITS, e) ? EXTENSION_BITS[e as InetExtension] : undefined;
    if (bit === undefined) throw new InvalidArgumentError(arg, `unknown extension ${showValue(e)} (${ALL_EXTENSIONS.map((k) => `'${k}'`).join(', ')})`);
    m |= 1 << (bit - 1);
  }
  return m;
}

function checkObject(v: unknown, arg: string, keys: ReadonlySet<string>): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError(arg, `expected an object, got ${showValue(v)}`);
  // Keys of the call's own options object are named alone ('port'); those of a nested one with its path ('id.state').
  checkOptionKeys(v, keys, arg === 'options' ? '' : `${arg}.`);
}

/** A checked socket id: family, protocol number, both ends' bytes and ports. */
interface CheckedId {
  readonly family: 4 | 6;
  readonly protocol: InetProtocol;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly sport: number;
  readonly dport: number;
  readonly ifindex: number;
  readonly cookie: bigint | undefined;
  readonly text: string;
}

function endpointOf(v: unknown, arg: string): { bytes: Uint8Array; family: 4 | 6; port: number; address: string } {
  checkObject(v, arg, ENDPOINT_KEYS);
  const e = v as InetEndpoint;
  checkNoZone(e.address, `${arg}.address`);
  const a = parseIp(e.address, `${arg}.address`);
  const port = e.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`${arg}.port`, `expected a port 0..65535, got ${showValue(port)}`);
  return { bytes: a.bytes, family: a.family, port, address: e.address };
}

function checkId(v: unknown, arg: string): CheckedId {
  checkObject(v, arg, ID_KEYS);
  // A listed InetSocket carries more fields than an id: only the id's are read.
  const id = v as InetSocketId & Partial<InetSocket>;
  const protocol = id.protocol === undefined ? 'tcp' : protocolOf(id.protocol, `${arg}.protocol`);
  const local = endpointOf(id.local, `${arg}.local`);
  const remote = endpointOf(id.remote, `${arg}.remote`);
  if (local.family !== remote.family) throw new InvalidArgumentError(arg, `local ${local.address} is IPv${local.family} but remote ${remote.address} is IPv${remote.family}`);
  if (id.family !== undefined && id.family !== 4 && id.family !== 6) throw new InvalidArgumentError(`${arg}.family`, `expected 4 or 6, got ${showValue(id.family)}`);
  const family = id.family ?? local.family;
  if (family !== local.family) throw new InvalidArgumentError(`${arg}.family`, `family ${family} but the addresses are IPv${local.family}`);
  const ifindex = id.interface ?? 0;
  if (typeof ifindex !== 'number' || !Number.isInteger(ifindex) || ifindex < 0 || ifindex > 0x7fffffff) throw new InvalidArgumentError(`${arg}.interface`, `expected an ifindex (0 for none), got ${showValue(ifindex)}`);
  const cookie = id.cookie;
  if (cookie !== undefined && (typeof cookie !== 'bigint' || cookie < 0n || cookie >= 1n << 64n)) throw new InvalidArgumentError(`${arg}.cookie`, `expected a socket cookie (a bigint), got ${showValue(cookie)}`);
  const host = (e: { address: string; port: number }): string => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);
  return { family, protocol, src: local.bytes, dst: remote.bytes, sport: local.port, dport: remote.port, ifindex, cookie, text: `${protocol} ${host(local)} ${host(remote)}` };
}

/** An address as 16 bytes, an IPv4 one IPv4-mapped (::ffff:a.b.c.d). */
function mapped(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 16) return bytes;
  const b = new Uint8Array(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b.set(bytes, 12);
  return b;
}

/** Whether a found socket has the id's ends (an IPv4 end equals its IPv4-mapped form). */
function sameEnds(s: InetSocket, c: CheckedId): boolean {
  if (s.local.port !== c.sport || s.remote.port !== c.dport) return false;
  const eq = (a: string, b: Uint8Array): boolean => Buffer.from(mapped(parseIp(a).bytes)).equals(mapped(b));
  return eq(s.local.address, c.src) && eq(s.remote.address, c.dst);
}

/**
 * @param swapped write the id's remote end as idiag_src and its local end as idiag_dst:
 *   UDP's exact lookup (udp_dump_one) hands idiag_src to the socket lookup as the
 *   packet's source, that is the socket's remote end ("src and dst are swapped for
 *   historical reasons", net/ipv4/udp_diag.c); TCP's lookup and UDP's destroy read
 *   idiag_src as the local end, as dumps report it.
 */
function putInetReq(w: MessageWriter, family: 4 | 6, protocol: number, ext: number, states: number, id: CheckedId | undefined, swapped = false): void {
  const o = w.reserve(D.SIZEOF_INET_DIAG_REQ_V2);
  const b = w.buf;
  const v = w.view;
  b[o + D.OFF_INET_DIAG_REQ_V2_SDIAG_FAMILY] = family === 4 ? D.AF_INET : D.AF_INET6;
  // A protocol over 255 (MPTCP's 262) goes in INET_DIAG_REQ_PROTOCOL; the u8 holds its low byte, as ss sends it.
  b[o + D.OFF_INET_DIAG_REQ_V2_SDIAG_PROTOCOL] = protocol & 0xff;
  b[o + D.OFF_INET_DIAG_REQ_V2_IDIAG_EXT] = ext;
  v.setUint32(o + D.OFF_INET_DIAG_REQ_V2_IDIAG_STATES, states, HOST_LE);
  const s = o + D.OFF_INET_DIAG_REQ_V2_ID;
  if (id) {
    v.setUint16(s + D.OFF_INET_DIAG_SOCKID_IDIAG_SPORT, swapped ? id.dport : id.sport, false);
    v.setUint16(s + D.OFF_INET_DIAG_SOCKID_IDIAG_DPORT, swapped ? id.sport : id.dport, false);
    b.set(swapped ? id.dst : id.src, s + D.OFF_INET_DIAG_SOCKID_IDIAG_SRC);
    b.set(swapped ? id.src : id.dst, s + D.OFF_INET_DIAG_SOCKID_IDIAG_DST);
    v.setUint32(s + D.OFF_INET_DIAG_SOCKID_IDIAG_IF, id.ifindex, HOST_LE);
  }
  const c = id?.cookie;
  v.setUint32(s + D.OFF_INET_DIAG_SOCKID_IDIAG_COOKIE, c === undefined ? D.INET_DIAG_NOCOOKIE : Number(c & 0xffffffffn), HOST_LE);
  v.setUint32(s + D.OFF_INET_DIAG_SOCKID_IDIAG_COOKIE + 4, c === undefined ? D.INET_DIAG_NOCOOKIE : Number(c >> 32n), HOST_LE);
  if (protocol > 0xff) w.putU32(D.INET_DIAG_REQ_PROTOCOL, protocol);
}


function strz(buf: Buffer, o: number, l: number): string {
  const nul = buf.indexOf(0, o);
  return buf.toString('utf8', o, nul >= 0 && nul < o + l ? nul : o + l);
}


type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Where a filesystem path in sun_path ends: its NUL, or the attribute's end. */
function nameEnd(buf: Buffer, o: number, l: number): number {
  const nul = buf.indexOf(0, o);
  return nul >= 0 && nul < o + l ? nul : o + l;
}

/** A Unix socket's name bytes, kept when they are not UTF-8 (the string lost some). */
function keepNameBytes(s: Mutable<UnixSocket>, buf: Buffer, start: number, end: number): void {
  if (!isUtf8(buf.subarray(start, end))) s.nameBytes = copyBytes(buf, start, end);
}

/** @internal A SOCK_DIAG_BY_FAMILY reply of inet_diag as an InetSocket. */
export function decodeInet(buf: Buffer, view: DataView, off: number, len: number, protocol: InetProtocol): InetSocket {
  if (len < NLMSG_HDRLEN + D.SIZEOF_INET_DIAG_MSG) throw new DecodeError('inet_diag_msg', INET_PATH, off, NLMSG_HDRLEN + D.SIZEOF_INET_DIAG_MSG, len);
  const m = off + NLMSG_HDRLEN;
  const fam = buf[m + D.OFF_INET_DIAG_MSG_IDIAG_FAMILY]!;
  const family: 4 | 6 = fam === D.AF_INET6 ? 6 : 4;
  const alen = family === 4 ? 4 : 16;
  const id = m + D.OFF_INET_DIAG_MSG_ID;
  const st = buf[m + D.OFF_INET_DIAG_MSG_IDIAG_STATE]!;
  const tm = buf[m + D.OFF_INET_DIAG_MSG_IDIAG_TIMER]!;
  const s: Mutable<InetSocket> = {
    family,
    protocol,
    state: STATE_NAME[st] ?? 'unknown',
    stateNumber: st,
    local: { address: formatIp(buf, id + D.OFF_INET_DIAG_SOCKID_IDIAG_SRC, alen), port: view.getUint16(id + D.OFF_INET_DIAG_SOCKID_IDIAG_SPORT, false) },
    remote: { address: formatIp(buf, id + D.OFF_INET_DIAG_SOCKID_IDIAG_DST, alen), port: view.getUint16(id + D.OFF_INET_DIAG_SOCKID_IDIAG_DPORT, false) },
    interface: view.getUint32(id + D.OFF_INET_DIAG_SOCKID_IDIAG_IF, HOST_LE),
    cookie: cookieAt(view, id + D.OFF_INET_DIAG_SOCKID_IDIAG_COOKIE),
    timer: { kind: TIMER_NAME[tm] ?? 'unknown', expiresMs: view.getUint32(m + D.OFF_INET_DIAG_MSG_IDIAG_EXPIRES, HOST_LE), retransmits: buf[m + D.OFF_INET_DIAG_MSG_IDIAG_RETRANS]! },
    receiveQueue: view.getUint32(m + D.OFF_INET_DIAG_MSG_IDIAG_RQUEUE, HOST_LE),
    sendQueue: view.getUint32(m + D.OFF_INET_DIAG_MSG_IDIAG_WQUEUE, HOST_LE),
    uid: view.getUint32(m + D.OFF_INET_DIAG_MSG_IDIAG_UID, HOST_LE),
    inode: view.getUint32(m + D.OFF_INET_DIAG_MSG_IDIAG_INODE, HOST_LE),
    unknown: NO_ATTRS,
  };
  let unknown: RawAttribute[] | undefined;
  walkAttrs(view, off + INET_ATTRS, off + len, INET_PATH, (type, o, l) => {
    switch (type) {
      case D.INET_DIAG_MEMINFO:
        need(l, D.SIZEOF_INET_DIAG_MEMINFO, INET_PATH, 'INET_DIAG_MEMINFO', o);
        s.memInfo = {
          rmem: view.getUint32(o + D.OFF_INET_DIAG_MEMINFO_IDIAG_RMEM, HOST_LE), wmem: view.getUint32(o + D.OFF_INET_DIAG_MEMINFO_IDIAG_WMEM, HOST_LE),
          fmem: view.getUint32(o + D.OFF_INET_DIAG_MEMINFO_IDIAG_FMEM, HOST_LE), tmem: view.getUint32(o + D.OFF_INET_DIAG_MEMINFO_IDIAG_TMEM, HOST_LE),
        };
        break;
      case D.INET_DIAG_SKMEMINFO: s.skMemInfo = skMemInfo(view, o, l); break;
      case D.INET_DIAG_INFO:
        // MPTCP's INET_DIAG_INFO is struct mptcp_info, not tcp_info: kept raw.
        if (protocol === 'mptcp') (unknown ??= []).push({ type, value: copyBytes(buf, o, o + l) });
        else s.tcpInfo = D.decodeTcpInfo(view, o, l, HOST_LE);
        break;
      case D.INET_DIAG_CONG: s.congestion = strz(buf, o, l); break;
      case D.INET_DIAG_VEGASINFO:
        need(l, D.SIZEOF_TCPVEGAS_INFO, INET_PATH, 'INET_DIAG_VEGASINFO', o);
        s.ccInfo = { algorithm: 'vegas', enabled: view.getUint32(o + D.OFF_TCPVEGAS_INFO_TCPV_ENABLED, HOST_LE), rttCount: view.getUint32(o + D.OFF_TCPVEGAS_INFO_TCPV_RTTCNT, HOST_LE), rtt: view.getUint32(o + D.OFF_TCPVEGAS_INFO_TCPV_RTT, HOST_LE), minRtt: view.getUint32(o + D.OFF_TCPVEGAS_INFO_TCPV_MINRTT, HOST_LE) };
        break;
      case D.INET_DIAG_DCTCPINFO:
        need(l, D.SIZEOF_TCP_DCTCP_INFO, INET_PATH, 'INET_DIAG_DCTCPINFO', o);
        s.ccInfo = { algorithm: 'dctcp', enabled: view.getUint16(o + D.OFF_TCP_DCTCP_INFO_DCTCP_ENABLED, HOST_LE), ceState: view.getUint16(o + D.OFF_TCP_DCTCP_INFO_DCTCP_CE_STATE, HOST_LE), alpha: view.getUint32(o + D.OFF_TCP_DCTCP_INFO_DCTCP_ALPHA, HOST_LE), abEcn: view.getUint32(o + D.OFF_TCP_DCTCP_INFO_DCTCP_AB_ECN, HOST_LE), abTot: view.getUint32(o + D.OFF_TCP_DCTCP_INFO_DCTCP_AB_TOT, HOST_LE) };
        break;
      case D.INET_DIAG_BBRINFO:
        need(l, D.SIZEOF_TCP_BBR_INFO, INET_PATH, 'INET_DIAG_BBRINFO', o);
        s.ccInfo = {
          algorithm: 'bbr',
          bandwidth: BigInt(view.getUint32(o + D.OFF_TCP_BBR_INFO_BBR_BW_LO, HOST_LE)) | (BigInt(view.getUint32(o + D.OFF_TCP_BBR_INFO_BBR_BW_HI, HOST_LE)) << 32n),
          minRtt: view.getUint32(o + D.OFF_TCP_BBR_INFO_BBR_MIN_RTT, HOST_LE), pacingGain: view.getUint32(o + D.OFF_TCP_BBR_INFO_BBR_PACING_GAIN, HOST_LE), cwndGain: view.getUint32(o + D.OFF_TCP_BBR_INFO_BBR_CWND_GAIN, HOST_LE),
        };
        break;
      case D.INET_DIAG_TOS: need(l, 1, INET_PATH, 'INET_DIAG_TOS', o); s.tos = buf[o]!; break;
      case D.INET_DIAG_TCLASS: need(l, 1, INET_PATH, 'INET_DIAG_TCLASS', o); s.tclass = buf[o]!; break;
      case D.INET_DIAG_CLASS_ID: need(l, 4, INET_PATH, 'INET_DIAG_CLASS_ID', o); s.classId = view.getUint32(o, HOST_LE); break;
      case D.INET_DIAG_SHUTDOWN: need(l, 1, INET_PATH, 'INET_DIAG_SHUTDOWN', o); s.shutdown = buf[o]!; break;
      case D.INET_DIAG_MARK: need(l, 4, INET_PATH, 'INET_DIAG_MARK', o); s.mark = view.getUint32(o, HOST_LE); break;
      case D.INET_DIAG_CGROUP_ID: need(l, 8, INET_PATH, 'INET_DIAG_CGROUP_ID', o); s.cgroupId = view.getBigUint64(o, HOST_LE); break;
      case D.INET_DIAG_SKV6ONLY: need(l, 1, INET_PATH, 'INET_DIAG_SKV6ONLY', o); s.v6only = buf[o]! !== 0; break;
      case D.INET_DIAG_PROTOCOL: break; // the protocol asked for
      case D.INET_DIAG_SOCKOPT: {
        need(l, D.SIZEOF_INET_DIAG_SOCKOPT, INET_PATH, 'INET_DIAG_SOCKOPT', o);
        // Two bytes of one-bit fields (inet_diag.h): recverr … nodefrag in the first, the rest in the second.
        const b0 = buf[o + D.OFF_INET_DIAG_SOCKOPT_RECVERR]!;
        const b1 = buf[o + D.OFF_INET_DIAG_SOCKOPT_BIND_ADDRESS_NO_PORT]!;
        s.sockOpt = {
          recverr: (b0 & D.MASK_INET_DIAG_SOCKOPT_RECVERR) !== 0, isIcsk: (b0 & D.MASK_INET_DIAG_SOCKOPT_IS_ICSK) !== 0,
          freebind: (b0 & D.MASK_INET_DIAG_SOCKOPT_FREEBIND) !== 0, hdrincl: (b0 & D.MASK_INET_DIAG_SOCKOPT_HDRINCL) !== 0,
          mcLoop: (b0 & D.MASK_INET_DIAG_SOCKOPT_MC_LOOP) !== 0, transparent: (b0 & D.MASK_INET_DIAG_SOCKOPT_TRANSPARENT) !== 0,
          mcAll: (b0 & D.MASK_INET_DIAG_SOCKOPT_MC_ALL) !== 0, nodefrag: (b0 & D.MASK_INET_DIAG_SOCKOPT_NODEFRAG) !== 0,
          bindAddressNoPort: (b1 & D.MASK_INET_DIAG_SOCKOPT_BIND_ADDRESS_NO_PORT) !== 0,
          recverrRfc4884: (b1 & D.MASK_INET_DIAG_SOCKOPT_RECVERR_RFC4884) !== 0, deferConnect: (b1 & D.MASK_INET_DIAG_SOCKOPT_DEFER_CONNECT) !== 0,
        };
        break;
      }
      default:
        (unknown ??= []).push({ type, value: copyBytes(buf, o, o + l) });
    }
  });
  if (unknown) s.unknown = unknown;
  return s;
}

/** @internal A SOCK_DIAG_BY_FAMILY reply of unix_diag as a UnixSocket. */
export function decodeUnix(buf: Buffer, view: DataView, off: number, len: number): UnixSocket {
  if (len < NLMSG_HDRLEN + D.SIZEOF_UNIX_DIAG_MSG) throw new DecodeError('unix_diag_msg', UNIX_PATH, off, NLMSG_HDRLEN + D.SIZEOF_UNIX_DIAG_MSG, len);
  const m = off + NLMSG_HDRLEN;
  const ty = buf[m + D.OFF_UNIX_DIAG_MSG_UDIAG_TYPE]!;
  const st = buf[m + D.OFF_UNIX_DIAG_MSG_UDIAG_STATE]!;
  const s: Mutable<UnixSocket> = {
    type: UNIX_TYPE.get(ty) ?? 'unknown',
    typeNumber: ty,
    state: STATE_NAME[st] ?? 'unknown',
    stateNumber: st,
    inode: view.getUint32(m + D.OFF_UNIX_DIAG_MSG_UDIAG_INO, HOST_LE),
    cookie: cookieAt(view, m + D.OFF_UNIX_DIAG_MSG_UDIAG_COOKIE),
    unknown: NO_ATTRS,
  };
  let unknown: RawAttribute[] | undefined;
  walkAttrs(view, off + UNIX_ATTRS, off + len, UNIX_PATH, (type, o, l) => {
    switch (type) {
      case D.UNIX_DIAG_NAME:
        // sun_path as bound: a leading NUL makes it abstract (every byte after it is the name).
        if (l > 0 && buf[o] === 0) {
          s.abstract = buf.toString('utf8', o + 1, o + l);
          if (s.abstract.includes('\ufffd')) keepNameBytes(s, buf, o + 1, o + l);
        } else {
          s.path = strz(buf, o, l);
          if (s.path.includes('\ufffd')) keepNameBytes(s, buf, o, nameEnd(buf, o, l));
        }
        break;
      case D.UNIX_DIAG_VFS:
        need(l, D.SIZEOF_UNIX_DIAG_VFS, UNIX_PATH, 'UNIX_DIAG_VFS', o);
        {
          // The kernel's dev_t: MINORBITS (20) of minor under the major (include/linux/kdev_t.h).
          const dev = view.getUint32(o + D.OFF_UNIX_DIAG_VFS_UDIAG_VFS_DEV, HOST_LE);
          s.vfs = { inode: view.getUint32(o + D.OFF_UNIX_DIAG_VFS_UDIAG_VFS_INO, HOST_LE), dev, major: dev >>> 20, minor: dev & 0xfffff };
        }
        break;
      case D.UNIX_DIAG_PEER: need(l, 4, UNIX_PATH, 'UNIX_DIAG_PEER', o); s.peer = view.getUint32(o, HOST_LE); break;
      case D.UNIX_DIAG_ICONS: {
        const p: number[] = [];
        for (let i = 0; i + 4 <= l; i += 4) p.push(view.getUint32(o + i, HOST_LE));
        s.pending = p;
        break;
      }
      case D.UNIX_DIAG_RQLEN:
        need(l, D.SIZEOF_UNIX_DIAG_RQLEN, UNIX_PATH, 'UNIX_DIAG_RQLEN', o);
        s.receiveQueue = view.getUint32(o + D.OFF_UNIX_DIAG_RQLEN_UDIAG_RQUEUE, HOST_LE);
        s.sendQueue = view.getUint32(o + D.OFF_UNIX_DIAG_RQLEN_UDIAG_WQUEUE, HOST_LE);
        break;
      case D.UNIX_DIAG_MEMINFO: s.skMemInfo = skMemInfo(view, o, l); break;
      case D.UNIX_DIAG_SHUTDOWN: need(l, 1, UNIX_PATH, 'UNIX_DIAG_SHUTDOWN', o); s.shutdown = buf[o]!; break;
      case D.UNIX_DIAG_UID: need(l, 4, UNIX_PATH, 'UNIX_DIAG_UID', o); s.uid = view.getUint32(o, HOST_LE); break;
      default:
        (unknown ??= []).push({ type, value: copyBytes(buf, o, o + l) });
    }
  });
  if (unknown) s.unknown = unknown;
  return s;
}

/** Names a request for error messages, and says what a bare errno means for it. */
const DESCRIBER: FamilyDescriber = {
  typeName: (type) => (type === D.SOCK_DIAG_BY_FAMILY ? 'SOCK_DIAG_BY_FAMILY' : type === D.SOCK_DESTROY ? 'SOCK_DESTROY' : `sock_diag type ${type}`),
  explain(request, errno) {
    if (request.length < NLMSG_HDRLEN + 2) return undefined;
    const v = new DataView(request.buffer, request.byteOffset, request.byteLength);
    const type = v.getUint16(4, HOST_LE);
    const dump = (v.getUint16(6, HOST_LE) & 0x300) !== 0;
    const fam = request[NLMSG_HDRLEN]!;
    const what = fam === D.AF_UNIX ? 'Unix sockets' : fam === D.AF_INET || fam === D.AF_INET6 ? 'this protocol over this family'
      : fam === D.AF_NETLINK ? 'netlink sockets' : fam === D.AF_PACKET ? 'packet sockets' : `address family ${fam}`;
    if (errno === 2 /* ENOENT */) {
      if (dump) return `the kernel has no socket diagnostics for ${what} (not built in: CONFIG_INET_*_DIAG, CONFIG_UNIX_DIAG, CONFIG_NETLINK_DIAG, CONFIG_PACKET_DIAG)`;
      // An inet request with a cookie: TCP's lookup answers ENOENT when the socket it finds has another cookie.
      const c = NLMSG_HDRLEN + D.OFF_INET_DIAG_REQ_V2_ID + D.OFF_INET_DIAG_SOCKID_IDIAG_COOKIE;
      const cookie = fam !== D.AF_UNIX && request.length >= c + 8 && !(v.getUint32(c, HOST_LE) === D.INET_DIAG_NOCOOKIE && v.getUint32(c + 4, HOST_LE) === D.INET_DIAG_NOCOOKIE);
      return cookie ? 'no such socket (with that cookie: the socket it named is gone, whatever now has those ends)' : 'no such socket';
    }
    if (errno === 116 /* ESTALE */) return 'the socket with those ends is not the one the cookie names: that one is gone';
    if (errno === 95 /* EOPNOTSUPP */ && type === D.SOCK_DESTROY) return 'the kernel cannot destroy this socket (CONFIG_INET_DIAG_DESTROY not set, or the protocol has no destroy)';
    if (errno === 1 /* EPERM */) return 'needs CAP_NET_ADMIN in the netns\'s user namespace (a mark filter, or destroying a socket)';
    return undefined;
  },
};

/**
 * A socket-diagnostics handle: one NETLINK_SOCK_DIAG socket, made in the given netns,
 * which sees that netns's sockets (of every process). Close it with `close()` or
 * `using`.
 *
 * Equivalent to: `ss` (iproute2), run in that netns (`ip netns exec NAME ss …`).
 * @example
 * using diag = SockDiag.open({ netns });
 * for (const s of await diag.inet({ states: ['listen'] }))      // ss -tln
 *   console.log(s.local.address, s.local.port, s.inode);
 * const conns = await diag.inet({ remotePort: 443, extensions: ['info'] }); // ss -ti 'dport = :443'
 */
export class SockDiag {
  /** The handle's socket. */
  readonly sock: NetlinkSocket;

  private constructor(sock: NetlinkSocket) {
    this.sock = sock;
    sock.owner = 'SockDiag handle';
  }

  /**
   * Open a handle. Synchronous: the socket is created with the thread switched into the
   * target netns and straight back. Unknown option keys are refused.
   *
   * Equivalent to: `ip netns exec NAME ss …`.
   * @throws InvalidArgumentError for bad options, ClosedError for a closed Netns,
   *   SysError when the namespace cannot be entered.
   */
  static open(options: SockDiagOptions = {}): SockDiag {
    checkObject(options, 'options', OPTION_KEYS);
    const target = options.netns !== undefined ? resolveNetns(options.netns) : undefined;
    const sock = openSocketIn(NETLINK_SOCK_DIAG, target, {
      describer: DESCRIBER,
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
      ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
    });
    return new SockDiag(sock);
  }

  /** True once closed. */
  get closed(): boolean {
    return this.sock.closed;
  }

  /**
   * The inet sockets of one protocol (TCP by default) that meet the options, IPv4 then
   * IPv6: one dump per family. The filter runs in the kernel (INET_DIAG_REQ_BYTECODE),
   * so sockets that do not match are never copied out.
   *
   * Equivalent to: `ss -tan` (`-u` UDP, `-M` MPTCP, `-4`/`-6`, `state S`, `-e -i -m`
   * for the extensions, and a filter such as `'sport = :80 and dst 10.0.0.0/8'`).
   * @throws InvalidArgumentError for bad options, an IPv6 address with `family: 4` among
   *   them (nothing sent); NetlinkError 'ENOENT'
   *   when the kernel has no diagnostics for the protocol, 'EPERM' for a mark filter
   *   without CAP_NET_ADMIN; ClosedError for a closed handle.
   */
  async inet(options: InetListOptions = {}): Promise<InetSocket[]> {
    checkObject(options, 'options', INET_KEYS);
    const protocol = options.protocol === undefined ? 'tcp' : protocolOf(options.protocol, 'protocol');
    if (options.family !== undefined && options.family !== 4 && options.family !== 6) throw new InvalidArgumentError('family', `expected 4 or 6, got ${showValue(options.family)}`);
    const states = stateMask(options.states, 'states');
    const ext = extensionMask(options.extensions, 'extensions');
    const bytecode = compileFilter(options);
    // An IPv6 address condition matches no IPv4 socket (the kernel compares an IPv6 one
    // only with IPv6 sockets): the IPv4 dump, which would find nothing, is not made; and
    // with family 4 nothing could pass (`ss -4 'src ::1'` refuses it too).
    const v6cond = [options.localAddress, options.remoteAddress].some((a) => typeof a === 'string' && a.includes(':'));
    if (options.family === 4 && v6cond) {
      const arg = typeof options.localAddress === 'string' && options.localAddress.includes(':') ? 'localAddress' : 'remoteAddress';
      throw new InvalidArgumentError(arg, `${showValue(options[arg])} is IPv6, which no socket of family 4 has (an IPv4 prefix matches IPv4-mapped IPv6 sockets, not the reverse)`);
    }
    if (this.sock.closed) throw new ClosedError('SockDiag handle');
    const proto = PROTOCOLS[protocol];
    const out: InetSocket[] = [];
    const families = options.family !== undefined ? [options.family] : v6cond ? [6 as const] : ([4, 6] as const);
    for (const family of families) {
      const part = await this.sock.dump(D.SOCK_DIAG_BY_FAMILY, 0, (w) => {
        putInetReq(w, family, proto, ext, states, undefined);
        if (bytecode) w.putBytes(D.INET_DIAG_REQ_BYTECODE, bytecode);
      }, (buf, view, off, len) => decodeInet(buf, view, off, len, protocol), { subject: `${protocol} over IPv${family}` });
      for (const s of part) out.push(s);
    }
    return out;
  }

  /**
   * One inet socket, looked up exactly by its protocol and both ends (and its cookie,
   * when given): `remote` is what it is connected to, or `{ address: '0.0.0.0' (or '::'), port: 0 }` for a
   * listener or an unconnected UDP socket. The kernel's lookup is the one a packet
   * takes, so it falls back to a listener (TCP) or an unconnected or wildcard-bound
   * socket (UDP) with other ends; such a socket is not the one asked for, and is
   * refused as 'ENOENT'. An IPv4 end and its IPv4-mapped IPv6 form are the same end.
   * MPTCP sockets cannot be looked up by their ends (the kernel looks them up by their
   * connection token): list them with {@link inet}.
   *
   * Equivalent to: `ss -tan 'src A:P and dst B:Q'` (which dumps and filters; this
   * asks the kernel's hash tables for the one socket).
   * @throws InvalidArgumentError for a bad id, or protocol 'mptcp'; NetlinkError
   *   'ENOENT' when there is no socket with those ends (for TCP also when the cookie
   *   names one that is gone), 'ESTALE' when a UDP socket's cookie names one that is gone.
   */
  async inetGet(id: InetSocketId, options: { readonly extensions?: readonly InetExtension[] | undefined } = {}): Promise<InetSocket> {
    const c = checkId(id, 'id');
    if (c.protocol === 'mptcp') throw new InvalidArgumentError('id.protocol', "the kernel looks MPTCP sockets up by their connection token, not their ends: list them with inet({ protocol: 'mptcp', … })");
    checkObject(options, 'options', GET_KEYS);
    const ext = extensionMask(options.extensions, 'extensions');
    if (this.sock.closed) throw new ClosedError('SockDiag handle');
    return this.lookup(c, ext);
  }

  /** The socket with exactly the id's ends (see {@link inetGet}). */
  private async lookup(c: CheckedId, ext: number): Promise<InetSocket> {
    const s = await this.sock.request(D.SOCK_DIAG_BY_FAMILY, 0, (w) => putInetReq(w, c.family, PROTOCOLS[c.protocol], ext, ALL_STATES, c, c.protocol === 'udp' || c.protocol === 'udplite'),
      (buf, view, off, len) => decodeInet(buf, view, off, len, c.protocol), { ack: false, subject: c.text });
    const info = { type: D.SOCK_DIAG_BY_FAMILY, typeName: 'SOCK_DIAG_BY_FAMILY', seq: 0, subject: c.text };
    if (!s) throw new NetlinkError(2, info, {}, 'no such socket');
    if (!sameEnds(s, c)) {
      const found = `${s.local.address}:${s.local.port} ${s.remote.address}:${s.remote.port}`;
      throw new NetlinkError(2, info, {}, `no such socket (the kernel's lookup fell back to the ${s.state} socket ${found}, whose ends differ)`);
    }
    return s;
  }

  /**
   * Destroy an inet socket (SOCK_DESTROY): a TCP connection is aborted (its peer gets a
   * reset, its owner ECONNABORTED on its next call), a UDP socket's owner gets
   * ECONNABORTED. Pass a socket from {@link inet} to destroy only that one (its cookie
   * is sent). Given only ends, it looks the socket up first as {@link inetGet} does and
   * destroys that one by its cookie: the kernel's own lookup would fall back to a
   * listener or a wildcard-bound UDP socket and destroy that instead. Needs
   * CAP_NET_ADMIN in the netns's user namespace.
   *
   * Equivalent to: `ss -K 'src A:P and dst B:Q'`.
   * @throws InvalidArgumentError for a bad id; NetlinkError 'ENOENT' (no socket with
   *   those ends, or a cookie that names one that is gone), 'EOPNOTSUPP' (the kernel
   *   cannot, MPTCP among them), 'EPERM'.
   */
  async destroy(id: InetSocketId): Promise<void> {
    let c = checkId(id, 'id');
    if (this.sock.closed) throw new ClosedError('SockDiag handle');
    // MPTCP has no lookup by ends (and the kernel no destroy for it): its answer says so.
    if (c.cookie === undefined && c.protocol !== 'mptcp') c = { ...c, cookie: (await this.lookup(c, 0)).cookie };
    const target = c;
    await this.sock.request(D.SOCK_DESTROY, 0, (w) => putInetReq(w, target.family, PROTOCOLS[target.protocol], 0, ALL_STATES, target), undefined, { subject: target.text });
  }

  /**
   * The Unix sockets, with every attribute the kernel has for each (name, bound file,
   * peer, pending connections, queues, memory, shutdown, uid).
   *
   * Equivalent to: `ss -xa` (with `state S` for `states`).
   * @throws InvalidArgumentError for bad options; NetlinkError 'ENOENT' when the kernel
   *   has no Unix socket diagnostics (CONFIG_UNIX_DIAG); ClosedError.
   */
  async unix(options: UnixListOptions = {}): Promise<UnixSocket[]> {
    checkObject(options, 'options', UNIX_KEYS);
    const states = stateMask(options.states, 'states');
    if (this.sock.closed) throw new ClosedError('SockDiag handle');
    return this.sock.dump(D.SOCK_DIAG_BY_FAMILY, 0, (w) => putUnixReq(w, states, 0), decodeUnix, { subject: 'unix' });
  }

  /**
   * One Unix socket by its inode (from a listing, or /proc/PID/fd's `socket:[INODE]`).
   *
   * Equivalent to: `ss -xa` filtered to that inode.
   * @throws InvalidArgumentError for a bad inode; NetlinkError 'ENOENT' when there is none.
   */
  async unixGet(inode: number): Promise<UnixSocket> {
    if (typeof inode !== 'number' || !Number.isInteger(inode) || inode < 1 || inode > 0xffffffff) throw new InvalidArgumentError('inode', `expected a socket inode (a positive integer), got ${showValue(inode)}`);
    if (this.sock.closed) throw new ClosedError('SockDiag handle');
    const s = await this.sock.request(D.SOCK_DIAG_BY_FAMILY, 0, (w) => putUnixReq(w, ALL_STATES, inode), decodeUnix, { ack: false, subject: `unix inode ${inode}` });
    if (!s) throw new NetlinkError(2, { type: D.SOCK_DIAG_BY_FAMILY, typeName: 'SOCK_DIAG_BY_FAMILY', seq: 0, subject: `unix inode ${inode}` }, {}, 'no such socket');
    return s;
  }

  /**
   * The netlink sockets of the netns (the kernel's own too, port id 0), of every
   * protocol or of one (0..31): their port ids, peers, multicast groups, memory and flags. Each
   * once: the kernel lists a socket with groups twice, and `ss` prints it twice.
   *
   * Equivalent to: `ss -a -f netlink -e -m`; `cat /proc/net/netlink`.
   * @throws InvalidArgumentError for a bad protocol; NetlinkError 'ENOENT' when the
   *   kernel has no netlink socket diagnostics (CONFIG_NETLINK_DIAG); ClosedError.
   */
  async netlink(options: { readonly protocol?: number | undefined } = {}): Promise<NetlinkSocketInfo[]> {
    checkObject(options, 'options', NETLINK_KEYS);
    const p = options.protocol;
    // The kernel answers a protocol past its MAX_LINKS (32) with ENOENT, as it does when it has no netlink_diag.
    if (p !== undefined && (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= NETLINK_MAX_LINKS)) throw new InvalidArgumentError('protocol', `expected a netlink protocol number (0..${NETLINK_MAX_LINKS - 1}: NETLINK_ROUTE is 0), got ${showValue(p)}`);
    if (this.sock.closed) throw new ClosedError('SockDiag handle');
    const all = await this.sock.dump(D.SOCK_DIAG_BY_FAMILY, 0, (w) => putNetlinkReq(w, p ?? D.NDIAG_PROTO_ALL), decodeNetlinkSocket, { subject: 'netlink' });
    // The kernel lists a socket bound to multicast groups twice: from the table of bound
    // sockets and again from the protocol's list of group members (`ss -f netlink` prints
    // both lines). Each socket once, the first time, by its cookie.
    const seen = new Set<bigint>();
    return all.filter((s) => {
      if (seen.has(s.cookie)) return false;
      seen.add(s.cookie);
      return true;
    });
  }

  /**
   * The packet sockets (AF_PACKET: tcpdump's, a DHCP client's) of the netns: their
   * ethertype, bound device, flags, memberships, fanout group, owner, memory and filter.
   *
   * Equivalent to: `ss -a -0 -e -m`; `cat /proc/net/packet`.
   * @throws NetlinkError 'ENOENT' when the kernel has no packet socket diagnostics
   *   (CONFIG_PACKET_DIAG); ClosedError.
   */
  async packet(): Promise<PacketSocket[]> {
    if (this.sock.closed) throw new ClosedError('SockDiag handle');
    return this.sock.dump(D.SOCK_DIAG_BY_FAMILY, 0, putPacketReq, decodePacketSocket, { subject: 'packet' });
  }

  /** Close the socket (idempotent). */
  close(): void {
    if (!this.sock.closed) this.sock.close();
  }

  /** `using diag = SockDiag.open()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function putUnixReq(w: MessageWriter, states: number, inode: number): void {
  const o = w.reserve(D.SIZEOF_UNIX_DIAG_REQ);
  const v = w.view;
  w.buf[o + D.OFF_UNIX_DIAG_REQ_SDIAG_FAMILY] = D.AF_UNIX;
  v.setUint32(o + D.OFF_UNIX_DIAG_REQ_UDIAG_STATES, states, HOST_LE);
  v.setUint32(o + D.OFF_UNIX_DIAG_REQ_UDIAG_INO, inode, HOST_LE);
  v.setUint32(o + D.OFF_UNIX_DIAG_REQ_UDIAG_SHOW, UNIX_SHOW_ALL, HOST_LE);
  v.setUint32(o + D.OFF_UNIX_DIAG_REQ_UDIAG_COOKIE, D.INET_DIAG_NOCOOKIE, HOST_LE);
  v.setUint32(o + D.OFF_UNIX_DIAG_REQ_UDIAG_COOKIE + 4, D.INET_DIAG_NOCOOKIE, HOST_LE);
}
