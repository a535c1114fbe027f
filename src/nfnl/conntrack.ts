/**
 * The connection tracking table over nfnetlink (NETLINK_NETFILTER, subsystem
 * ctnetlink): list, look up, create, change, delete and flush entries, and read the
 * table's counters — what the `conntrack` tool (conntrack-tools) does.
 * @module
 */
import {
  allOrNoneError, tookIndexes, checkMonitorOptions, trackMonitor, ClosedError, DecodeError, NLA_TYPE_MASK, checkAttr, InvalidArgumentError, MulticastMonitor, NetlinkError, NETLINK_NETFILTER, openHandleSocket, openSiblingSocket, NLM_F_CREATE, NLM_F_EXCL, HOST_LE, checkOptionKeys, copyBytes, need, showValue, walkAttrs,
  type FamilyDescriber, type MessageWriter, type NetlinkSocket, type NetnsTarget, type RawAttribute, type SocketPlace, type NetlinkWarning,
} from '../netlink/index.js';
import { formatIp, parseIp, type IpAddr } from '../rtnl/ip.js';
import * as N from './constants.js';
import { EVENT_GROUPS, decodeEvent, type ConntrackEvent, type ConntrackEventType, type ConntrackMonitor, type ConntrackMonitorOptions } from './monitor.js';

/** Options of {@link Conntrack.open}. */
export interface ConntrackOptions {
  /** The network namespace whose table the handle sees (a Netns, an fd, or `{ pid }`). Defaults to the caller's (or the enclosing execNetns target's). */
  readonly netns?: NetnsTarget | undefined;
  /** SO_RCVBUF(FORCE) of the socket, bytes. Defaults to the kernel's. */
  readonly receiveBufferSize?: number | undefined;
  /**
   * What to do with a kernel warning on an accepted request (a NetlinkWarning): a
   * function called with each, or `null` to drop them. Defaults to `process.emitWarning`.
   */
  readonly onWarning?: ((warning: NetlinkWarning) => void) | null | undefined;
}

/** The layer-4 protocols nlkit names (others come back by number as `protocolNumber`). */
export type ConntrackProtocol = 'tcp' | 'udp' | 'udplite' | 'sctp' | 'dccp' | 'icmp' | 'icmpv6' | 'gre';

const PROTOCOLS: Readonly<Record<ConntrackProtocol, number>> = {
  tcp: N.IPPROTO_TCP, udp: N.IPPROTO_UDP, udplite: N.IPPROTO_UDPLITE, sctp: N.IPPROTO_SCTP, dccp: N.IPPROTO_DCCP,
  icmp: N.IPPROTO_ICMP, icmpv6: N.IPPROTO_ICMPV6, gre: N.IPPROTO_GRE,
};
const PROTOCOL_NAME = new Map<number, ConntrackProtocol>(Object.entries(PROTOCOLS).map(([k, v]) => [v, k as ConntrackProtocol]));
/** Protocols whose tuple has ports (GRE: its keys, which the kernel carries in the port attributes). */
const PORTED = new Set<number>([N.IPPROTO_TCP, N.IPPROTO_UDP, N.IPPROTO_UDPLITE, N.IPPROTO_SCTP, N.IPPROTO_DCCP, N.IPPROTO_GRE]);

/**
 * An entry's status bits (IPS_*), by name. 'nat-clash' is bit 12, which the 6.1
 * headers still call IPS_UNTRACKED (the kernel renamed it in 5.7, when untracked
 * packets stopped using it).
 */
export type ConntrackStatus =
  | 'expected' | 'seen-reply' | 'assured' | 'confirmed' | 'src-nat' | 'dst-nat' | 'seq-adjust' | 'src-nat-done'
  | 'dst-nat-done' | 'dying' | 'fixed-timeout' | 'template' | 'nat-clash' | 'helper' | 'offload' | 'hw-offload';

const STATUS: readonly (readonly [ConntrackStatus, number])[] = [
  ['expected', N.IPS_EXPECTED], ['seen-reply', N.IPS_SEEN_REPLY], ['assured', N.IPS_ASSURED], ['confirmed', N.IPS_CONFIRMED],
  ['src-nat', N.IPS_SRC_NAT], ['dst-nat', N.IPS_DST_NAT], ['seq-adjust', N.IPS_SEQ_ADJUST], ['src-nat-done', N.IPS_SRC_NAT_DONE],
  ['dst-nat-done', N.IPS_DST_NAT_DONE], ['dying', N.IPS_DYING], ['fixed-timeout', N.IPS_FIXED_TIMEOUT], ['template', N.IPS_TEMPLATE],
  ['nat-clash', N.IPS_UNTRACKED], ['helper', N.IPS_HELPER], ['offload', N.IPS_OFFLOAD], ['hw-offload', N.IPS_HW_OFFLOAD],
];
const STATUS_BIT = new Map<string, number>(STATUS);

/** A TCP entry's state (TCP_CONNTRACK_*, `conntrack -L`'s ESTABLISHED, TIME_WAIT, …, lower-cased). */
export type TcpConntrackState = 'none' | 'syn-sent' | 'syn-recv' | 'established' | 'fin-wait' | 'close-wait' | 'last-ack' | 'time-wait' | 'close' | 'syn-sent2';
const TCP_STATES: readonly (readonly [TcpConntrackState, number])[] = [
  ['none', N.TCP_CONNTRACK_NONE], ['syn-sent', N.TCP_CONNTRACK_SYN_SENT], ['syn-recv', N.TCP_CONNTRACK_SYN_RECV],
  ['established', N.TCP_CONNTRACK_ESTABLISHED], ['fin-wait', N.TCP_CONNTRACK_FIN_WAIT], ['close-wait', N.TCP_CONNTRACK_CLOSE_WAIT],
  ['last-ack', N.TCP_CONNTRACK_LAST_ACK], ['time-wait', N.TCP_CONNTRACK_TIME_WAIT], ['close', N.TCP_CONNTRACK_CLOSE],
  ['syn-sent2', N.TCP_CONNTRACK_SYN_SENT2],
];
const TCP_STATE_BY_NAME = new Map<string, number>(TCP_STATES);
const TCP_STATE_NAME: (TcpConntrackState | undefined)[] = [];
for (const [n, v] of TCP_STATES) TCP_STATE_NAME[v] = n;

/** One direction of a connection, as the tracker saw its packets. */
export interface ConntrackTuple {
  /** The source address. */
  readonly src: string;
  /** The destination address. */
  readonly dst: string;
  /** Ports of TCP, UDP, UDP-Lite, SCTP and DCCP; GRE's source key (`conntrack --srckey`: CTA_PROTO_SRC_PORT carries it). */
  readonly srcPort?: number | undefined;
  /** The destination port; GRE's destination key (`--dstkey`). */
  readonly dstPort?: number | undefined;
  /** ICMP and ICMPv6: the message's type, code and identifier. */
  readonly icmp?: { readonly type: number; readonly code: number; readonly id: number } | undefined;
  /** The zone of this direction (CTA_TUPLE_ZONE), when it has its own. */
  readonly zone?: number | undefined;
}

/** Packets and bytes of one direction (with `net.netfilter.nf_conntrack_acct` on). */
export interface ConntrackCounters {
  /** Packets seen in this direction. */
  readonly packets: bigint;
  /** Their bytes, IP headers included. */
  readonly bytes: bigint;
}

/** A conntrack entry (`conntrack -L -o extended,id` prints one per line). */
export interface ConntrackEntry {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The layer-4 protocol's name, or 'other' (see `protocolNumber`). */
  readonly protocol: ConntrackProtocol | 'other';
  /** Its IP protocol number. */
  readonly protocolNumber: number;
  /** The direction that opened the connection. */
  readonly original: ConntrackTuple;
  /** The direction answers are expected in (after NAT: where they come from). */
  readonly reply: ConntrackTuple;
  /** The connection an expected one belongs to (CTA_TUPLE_MASTER). */
  readonly master?: ConntrackTuple | undefined;
  /** IPS_* bits by name. */
  readonly status: readonly ConntrackStatus[];
  /** CTA_STATUS as sent. */
  readonly statusBits: number;
  /** Seconds until it expires (absent for an entry without a timeout). */
  readonly timeout?: number | undefined;
  /** The connection mark (CONNMARK). */
  readonly mark: number;
  /** The conntrack zone of both directions (absent: zone 0, or a zone of one direction only, in `original.zone` or `reply.zone`). */
  readonly zone?: number | undefined;
  /** References held (CTA_USE). */
  readonly use?: number | undefined;
  /** The entry's id (CTA_ID): `conntrack -o id`. */
  readonly id: number;
  /** A TCP entry's tracking state. */
  readonly tcp?: {
    readonly state: TcpConntrackState | 'unknown';
    readonly stateNumber: number;
    readonly wscaleOriginal: number;
    readonly wscaleReply: number;
    /** IP_CT_TCP_FLAG_* of each direction. */
    readonly flagsOriginal: number;
    readonly flagsReply: number;
  } | undefined;
  /** Per direction, with accounting on. */
  readonly counters?: { readonly original: ConntrackCounters; readonly reply: ConntrackCounters } | undefined;
  /** Start and stop, wall-clock ns since the epoch, with `net.netfilter.nf_conntrack_timestamp` on. */
  readonly timestamp?: { readonly start: bigint; readonly stop?: bigint | undefined } | undefined;
  /** The helper attached ('ftp', 'sip', …). */
  readonly helper?: string | undefined;
  /** The security mark. */
  readonly secmark?: number | undefined;
  /**
   * Connection labels (CTA_LABELS), a bitmap, present when a label is set: label N (as
   * `nft … ct label set N` and connlabel.conf number them, `conntrack -o labels` names them)
   * is bit `N % 8` (1 << (N % 8)) of byte `N >> 3` — the kernel's words as a little-endian host holds them.
   * `add` and `update` take these bytes as they are, or label numbers ({@link ConntrackLabels}).
   */
  readonly labels?: Uint8Array | undefined;
  /** Attributes nlkit does not decode (NAT sequence adjustment, security context, synproxy, …), kept raw. */
  readonly unknown: readonly RawAttribute[];
}

/** What makes a tuple when writing one: addresses and, by protocol, ports or ICMP fields. */
export interface ConntrackTupleSpec {
  /** The source address. */
  readonly src: string;
  /** The destination address (of the source's family). */
  readonly dst: string;
  /** The source port (GRE: the source key); required for TCP, UDP, UDP-Lite, SCTP and GRE, optional for DCCP (a kernel without a DCCP tracker, 6.16+, ignores them), refused for others. */
  readonly srcPort?: number | undefined;
  /** The destination port (GRE: the destination key); as `srcPort`. */
  readonly dstPort?: number | undefined;
  /** ICMP and ICMPv6 only, required there: the message's type (a query or reply the kernel tracks: ICMP 0, 8, 13–18; ICMPv6 128, 129, 139, 140), code and identifier. */
  readonly icmp?: { readonly type: number; readonly code: number; readonly id: number } | undefined;
}

/** Which entry {@link Conntrack.get}, {@link Conntrack.update} and {@link Conntrack.del} mean: its original direction (a listed entry is one). */
export interface ConntrackKey extends ConntrackTupleSpec {
  /** The protocol (by name or number). */
  readonly protocol: ConntrackProtocol | number;
  /** Its zone (default 0). */
  readonly zone?: number | undefined;
}

/**
 * Connection labels to set: label numbers 0..127 (`[5, 100]`: as `nft … ct label set N` and
 * connlabel.conf number them — nlkit does not read connlabel.conf's names), or a bitmap as
 * {@link ConntrackEntry.labels} holds one (a Uint8Array of at most 16 bytes: a listed
 * entry's labels can be given as they are).
 */
export type ConntrackLabels = readonly number[] | Uint8Array;

/** A new entry (`conntrack -I`). */
export interface ConntrackSpec extends ConntrackKey {
  /** The reply direction; defaults to the original inverted (no NAT), as `conntrack -I` does. */
  readonly reply?: ConntrackTupleSpec | undefined;
  /** Seconds until it expires. Required (the kernel refuses an entry without). */
  readonly timeout: number;
  /** Status bits to set: 'seen-reply', 'assured', 'fixed-timeout' (the others are the kernel's; every entry is 'confirmed'). */
  readonly status?: readonly ConntrackStatus[] | undefined;
  /** The connection mark. */
  readonly mark?: number | undefined;
  /** A TCP entry's state (`conntrack -I --state ESTABLISHED`). */
  readonly tcpState?: TcpConntrackState | undefined;
  /**
   * The zone of the original direction only (`conntrack -I --orig-zone Z`; listed in
   * `original.zone`); the reply direction stays in zone 0, so an entry of the same tuple in
   * zone 0 clashes with it ('EEXIST'). An entry has one zone id, for both directions or for
   * one: with `replyZone` the same, it is the entry's `zone`; a different `replyZone`, or a
   * `zone` other than this, is refused before anything is sent (the kernel: EINVAL).
   */
  readonly originalZone?: number | undefined;
  /** The zone of the reply direction only (`conntrack -I --reply-zone Z`; listed in `reply.zone`). As `originalZone`. */
  readonly replyZone?: number | undefined;
  /**
   * Labels to set (`conntrack -I --label-add NAME`, once per label). The kernel gives an
   * entry room for labels only while the netns has a label user (an nft `ct label set`
   * rule, an iptables `-m connlabel` rule), and on a create without that room it drops
   * them silently: nlkit reads the entry back (one more request, only when labels are
   * given) and, without its labels, deletes it again and rejects with 'ENOSPC'. An empty
   * list sets none.
   */
  readonly labels?: ConntrackLabels | undefined;
}

/** A change to an entry (`conntrack -U`). */
export interface ConntrackChange {
  /** New seconds until it expires. */
  readonly timeout?: number | undefined;
  /** The new mark, or `{ value, mask }`: only the bits of the mask change. */
  readonly mark?: number | { readonly value: number; readonly mask: number } | undefined;
  /** Status bits to set: 'seen-reply', 'assured', 'fixed-timeout' (bits are only ever set, never cleared). */
  readonly status?: readonly ConntrackStatus[] | undefined;
  /** A TCP entry's new state. */
  readonly tcpState?: TcpConntrackState | undefined;
  /**
   * Labels: `{ add, remove }` label numbers changes only those, atomically in the kernel
   * (CTA_LABELS_MASK: `conntrack -U --label-add NAME` / `--label-del NAME`, which the tool
   * does not take together); a list or bitmap ({@link ConntrackLabels}) replaces them all
   * (`[]` clears them; the tool has no such command). 'ENOSPC' when the entry has no room
   * for labels (made while the netns had no label user: see {@link ConntrackSpec.labels}).
   */
  readonly labels?: ConntrackLabels | { readonly add?: readonly number[] | undefined; readonly remove?: readonly number[] | undefined } | undefined;
}

/** Which entries {@link Conntrack.list} returns. The kernel applies family, mark, zone and status; the tuple fields are matched here on the original direction. */
export interface ConntrackFilter {
  /** 4 or 6; both by default (`conntrack -L -f ipv4`). */
  readonly family?: 4 | 6 | undefined;
  /** The mark, or `{ value, mask }` (`--mark 7/0xff`). */
  readonly mark?: number | { readonly value: number; readonly mask: number } | undefined;
  /**
   * The zone: entries whose zone id is this one in either direction or both (the kernel's
   * filter). `conntrack -L --zone` differs for a zone of one direction (`--orig-zone`,
   * `--reply-zone`): it compares the both-direction zone only, so such an entry is in its
   * zone 0 and not in this filter's zone 0.
   */
  readonly zone?: number | undefined;
  /** Entries with all these status bits (`--status ASSURED`); an empty list filters nothing. */
  readonly status?: readonly ConntrackStatus[] | undefined;
  /** The protocol (`-p tcp`). */
  readonly protocol?: ConntrackProtocol | number | undefined;
  /** The original source address or prefix (`-s`). */
  readonly src?: string | undefined;
  /** The original destination address or prefix (`-d`). */
  readonly dst?: string | undefined;
  /** The original source port (`--sport`). */
  readonly srcPort?: number | undefined;
  /** The original destination port (`--dport`). */
  readonly dstPort?: number | undefined;
}

/** Which entries {@link Conntrack.flush} deletes: all by default. */
export interface ConntrackFlushOptions {
  /** Only this family's entries (4 or 6). Defaults to both. */
  readonly family?: 4 | 6 | undefined;
  /** Only entries with this mark, or `{ value, mask }`: those whose mark under the mask is the value. Defaults to any mark. */
  readonly mark?: number | { readonly value: number; readonly mask: number } | undefined;
}

/** The table's counters (`conntrack -C` and `conntrack -S`). */
export interface ConntrackStats {
  /** Entries in the table (CTA_STATS_GLOBAL_ENTRIES). */
  readonly entries: number;
  /** Its limit (CTA_STATS_GLOBAL_MAX_ENTRIES: `net.netfilter.nf_conntrack_max`), when the kernel sends it. */
  readonly maxEntries?: number | undefined;
  /** Per CPU: 'found', 'invalid', 'insert', 'insert_failed', 'drop', 'early_drop', 'error', 'search_restart', 'clash_resolve', 'chain_toolong' as the kernel sends them. */
  readonly cpus: readonly { readonly cpu: number; readonly [counter: string]: number }[];
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['netns', 'receiveBufferSize', 'onWarning']);
const FILTER_KEYS: ReadonlySet<string> = new Set(['family', 'mark', 'zone', 'status', 'protocol', 'src', 'dst', 'srcPort', 'dstPort']);
const TUPLE_KEYS: ReadonlySet<string> = new Set(['src', 'dst', 'srcPort', 'dstPort', 'icmp']);
const KEY_KEYS: ReadonlySet<string> = new Set(['protocol', 'zone', ...TUPLE_KEYS,
  // A listed ConntrackEntry is a key too: its other fields are allowed and not read.
  'family', 'protocolNumber', 'original', 'reply', 'master', 'status', 'statusBits', 'timeout', 'mark', 'use', 'id', 'tcp', 'counters', 'timestamp', 'helper', 'secmark', 'labels', 'unknown']);
const SPEC_KEYS: ReadonlySet<string> = new Set(['protocol', 'zone', ...TUPLE_KEYS, 'reply', 'timeout', 'status', 'mark', 'tcpState', 'originalZone', 'replyZone', 'labels']);
const CHANGE_KEYS: ReadonlySet<string> = new Set(['timeout', 'mark', 'status', 'tcpState', 'labels']);
const LABEL_CHANGE_KEYS: ReadonlySet<string> = new Set(['add', 'remove']);
const FLUSH_KEYS: ReadonlySet<string> = new Set(['family', 'mark']);
const MONITOR_KEYS: ReadonlySet<string> = new Set(['signal', 'maxQueued', 'receiveBufferSize']);
const ICMP_KEYS: ReadonlySet<string> = new Set(['type', 'code', 'id']);
const MARK_KEYS: ReadonlySet<string> = new Set(['value', 'mask']);
/** Requests about one entry: named by keyText(arg) only when an error needs it. */
const KEY_OPTS = { subjectOf: (k: CheckedKey): string => keyText(k) };
const ADD_OPTS = { subjectOf: (a: AddArgs): string => keyText(a.k) };
const NLMSG_HDRLEN = 16;
const ATTRS = NLMSG_HDRLEN + N.SIZEOF_NFGENMSG;
const PATH = ['ctnetlink'];
const NO_ATTRS: readonly RawAttribute[] = Object.freeze([]);
const msgType = (m: number): number => (N.NFNL_SUBSYS_CTNETLINK << 8) | m;
const MSG_NAME = ['IPCTNL_MSG_CT_NEW', 'IPCTNL_MSG_CT_GET', 'IPCTNL_MSG_CT_DELETE', 'IPCTNL_MSG_CT_GET_CTRZERO', 'IPCTNL_MSG_CT_GET_STATS_CPU', 'IPCTNL_MSG_CT_GET_STATS'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function checkObject(v: unknown, arg: string, keys: ReadonlySet<string>): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError(arg, `expected an object, got ${showValue(v)}`);
  // The walk itself here, so that the error's key path is made only for an error (these
  // checks run on every request: ct.add's JS is about a microsecond).
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k) || keys.has(k)) continue;
    // Keys of the call's own options object are named alone ('port'); those of a nested one with its path ('spec.port').
    checkOptionKeys(v, keys, arg === 'options' || arg === 'filter' ? '' : `${arg}.`);
  }
}

function checkUint(v: unknown, arg: string, max: number, what = 'an integer'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(arg, `expected ${what} 0..${max}, got ${showValue(v)}`);
  return v;
}

/** A port of a tuple: checked, with the field's name (`${arg}.${field}`) made only for an error. */
function portOf(v: unknown, arg: string, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535) return v;
  return checkUint(v, `${arg}.${field}`, 65535, 'a port');
}

/**
 * Addresses parsed lately, by their text: the entries of one call, and of a loop of
 * calls, mostly share them. Parsing is Node's isIPv4/isIPv6 (a regular expression) and a
 * new byte array; the cache's hit is a Map lookup. The byte arrays are shared: they are
 * only copied into requests, never written. Cleared when full, so it stays small.
 */
const ADDR_CACHE = new Map<string, IpAddr>();
const ADDR_CACHE_MAX = 256;

function addrOf(v: unknown, arg: string, field: string): IpAddr {
  if (typeof v === 'string') {
    const hit = ADDR_CACHE.get(v);
    if (hit !== undefined) return hit;
  }
  const a = parseIp(v, `${arg}.${field}`);
  if (ADDR_CACHE.size >= ADDR_CACHE_MAX) ADDR_CACHE.clear();
  ADDR_CACHE.set(v as string, a);
  return a;
}

function protocolNumber(v: unknown, arg: string): number {
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(PROTOCOLS, v)) return PROTOCOLS[v as ConntrackProtocol];
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255) return v;
  throw new InvalidArgumentError(arg, `expected ${Object.keys(PROTOCOLS).map((k) => `'${k}'`).join(', ')} or a protocol number 0..255, got ${showValue(v)}`);
}

/** The bits a caller may set on an entry (the rest are the kernel's: IPS_UNCHANGEABLE_MASK, and the helper's). */
const SETTABLE = N.IPS_SEEN_REPLY | N.IPS_ASSURED | N.IPS_FIXED_TIMEOUT | N.IPS_CONFIRMED;

/** Status names as bits to set: only those the kernel lets a caller set ('confirmed', which every entry has, is allowed and sent anyway). */
function settableStatus(v: unknown, arg: string): number {
  const bits = statusBits(v, arg);
  const bad = STATUS.filter(([, b]) => (bits & b) !== 0 && (SETTABLE & b) === 0).map(([n]) => `'${n}'`);
  if (bad.length) throw new InvalidArgumentError(arg, `${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} the kernel's to set; a caller sets 'seen-reply', 'assured' or 'fixed-timeout'`);
  return bits;
}

function statusBits(v: unknown, arg: string): number {
  if (!Array.isArray(v)) throw new InvalidArgumentError(arg, `expected an array of status names, got ${showValue(v)}`);
  let m = 0;
  for (const s of v) {
    const bit = typeof s === 'string' ? STATUS_BIT.get(s) : undefined;
    if (bit === undefined) throw new InvalidArgumentError(arg, `unknown status ${showValue(s)} (${STATUS.map(([k]) => `'${k}'`).join(', ')})`);
    m |= bit;
  }
  return m >>> 0;
}

function markOf(v: unknown, arg: string): { value: number; mask: number } {
  if (typeof v === 'number') return { value: checkUint(v, arg, 0xffffffff), mask: 0xffffffff };
  checkObject(v, arg, MARK_KEYS);
  const m = v as { value: unknown; mask: unknown };
  const value = checkUint(m.value, `${arg}.value`, 0xffffffff);
  const mask = checkUint(m.mask, `${arg}.mask`, 0xffffffff);
  if ((value & ~mask) >>> 0 !== 0) throw new InvalidArgumentError(arg, `value 0x${value.toString(16)} has bits outside mask 0x${mask.toString(16)}`);
  return { value, mask };
}

/** The highest label number: XT_CONNLABEL_MAXBIT (linux/netfilter/xt_connlabel.h). */
const LABEL_MAXBIT = 127;
/** The kernel's label bitmap, bytes: NF_CT_LABELS_MAX_SIZE, (XT_CONNLABEL_MAXBIT + 1) / 8. */
const LABELS_SIZE = (LABEL_MAXBIT + 1) / 8;
/**
 * The byte of label N in CTA_LABELS: the kernel reads it as u32 words in host order (as
 * libnetfilter_conntrack writes it), so on a little-endian host byte N >> 3.
 */
const labelByte = (n: number): number => (HOST_LE ? n >> 3 : ((n >> 5) << 2) | (3 - ((n >> 3) & 3)));

/** Label numbers, or a bitmap as listed, as the kernel's 16-byte bitmap. */
function labelBitmap(v: unknown, arg: string): Uint8Array {
  const out = new Uint8Array(LABELS_SIZE);
  if (v instanceof Uint8Array) {
    if (v.length > LABELS_SIZE) throw new InvalidArgumentError(arg, `a label bitmap is at most ${LABELS_SIZE} bytes (labels 0..${LABEL_MAXBIT}), got ${v.length}`);
    out.set(v);
    return out;
  }
  if (!Array.isArray(v)) throw new InvalidArgumentError(arg, `expected a list of label numbers 0..${LABEL_MAXBIT} or a label bitmap (a Uint8Array of up to ${LABELS_SIZE} bytes), got ${showValue(v)}`);
  for (const n of v) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > LABEL_MAXBIT) {
      throw new InvalidArgumentError(arg, `expected label numbers 0..${LABEL_MAXBIT} (connlabel.conf's names are not read: give their numbers), got ${showValue(n)}`);
    }
    out[labelByte(n)]! |= 1 << (n & 7);
  }
  return out;
}

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** A change's labels: the new bitmap (replace), or the bits to set and the mask of the bits to change. */
function labelChange(v: unknown, arg: string): { value: Uint8Array; mask: Uint8Array | undefined } {
  if (v instanceof Uint8Array || Array.isArray(v)) return { value: labelBitmap(v, arg), mask: undefined };
  if (typeof v !== 'object' || v === null) throw new InvalidArgumentError(arg, `expected label numbers to set all of, or { add, remove } label numbers, got ${showValue(v)}`);
  checkObject(v, arg, LABEL_CHANGE_KEYS);
  const c = v as { add?: unknown; remove?: unknown };
  const check = (x: unknown, k: string): Uint8Array => {
    if (!Array.isArray(x)) throw new InvalidArgumentError(`${arg}.${k}`, `expected a list of label numbers 0..${LABEL_MAXBIT}, got ${showValue(x)}`);
    return labelBitmap(x, `${arg}.${k}`);
  };
  const add = c.add === undefined ? new Uint8Array(LABELS_SIZE) : check(c.add, 'add');
  const remove = c.remove === undefined ? new Uint8Array(LABELS_SIZE) : check(c.remove, 'remove');
  const mask = new Uint8Array(LABELS_SIZE);
  for (let i = 0; i < LABELS_SIZE; i++) {
    const both = add[i]! & remove[i]!;
    if (both) throw new InvalidArgumentError(arg, `label ${i * 8 + 31 - Math.clz32(both)} is both to add and to remove`);
    mask[i] = add[i]! | remove[i]!;
  }
  if (isZero(mask)) throw new InvalidArgumentError(arg, 'no label to add or remove');
  // The kernel sets each word to (old & ~mask) ^ value: the value stays inside the mask
  // (`conntrack -U --label-del top`, label 127, sends the entry's other labels as the value
  // outside the mask, and so clears them).
  return { value: add, mask };
}

function tcpStateOf(v: unknown, arg: string): number {
  const n = typeof v === 'string' ? TCP_STATE_BY_NAME.get(v) : undefined;
  if (n === undefined) throw new InvalidArgumentError(arg, `unknown TCP state ${showValue(v)} (${TCP_STATES.map(([k]) => `'${k}'`).join(', ')})`);
  return n;
}

/** The kernel's invmap of ICMP (nf_conntrack_proto_icmp.c): echo, timestamp, info and address request ↔ reply, both ways. */
const ICMP_INVERSE: Readonly<Record<number, number>> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };
/** ICMPv6's (nf_conntrack_proto_icmpv6.c): echo and node information query ↔ reply. */
const ICMPV6_INVERSE: Readonly<Record<number, number>> = { 128: 129, 129: 128, 139: 140, 140: 139 };

/** A checked tuple: family, address bytes, and the protocol's fields. */
interface CheckedTuple {
  readonly family: 4 | 6;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly proto: number;
  readonly srcPort: number | undefined;
  readonly dstPort: number | undefined;
  readonly icmp: { type: number; code: number; id: number } | undefined;
}

function checkTuple(v: unknown, arg: string, proto: number): CheckedTuple {
  checkObject(v, arg, TUPLE_KEYS);
  return tupleOf(v as ConntrackTupleSpec, arg, proto);
}

/** A tuple's fields checked (its object's keys are the caller's to check). */
function tupleOf(t: ConntrackTupleSpec, arg: string, proto: number): CheckedTuple {
  const src = addrOf(t.src, arg, 'src');
  const dst = addrOf(t.dst, arg, 'dst');
  if (src.family !== dst.family) throw new InvalidArgumentError(arg, `src ${t.src} is IPv${src.family} but dst ${t.dst} is IPv${dst.family}`);
  const isIcmp = proto === N.IPPROTO_ICMP || proto === N.IPPROTO_ICMPV6;
  if (proto === N.IPPROTO_ICMP && src.family !== 4) throw new InvalidArgumentError(arg, 'icmp is IPv4: use icmpv6 for IPv6 addresses');
  if (proto === N.IPPROTO_ICMPV6 && src.family !== 6) throw new InvalidArgumentError(arg, 'icmpv6 is IPv6: use icmp for IPv4 addresses');
  let srcPort: number | undefined;
  let dstPort: number | undefined;
  // DCCP without ports: kernels since 6.16 have no DCCP tracker, track it as a generic
  // protocol and list its entries without ports — such a listed entry must still be a key.
  const portless = proto === N.IPPROTO_DCCP && t.srcPort === undefined && t.dstPort === undefined;
  if (PORTED.has(proto) && !portless) {
    srcPort = portOf(t.srcPort, arg, 'srcPort');
    dstPort = portOf(t.dstPort, arg, 'dstPort');
  } else if (t.srcPort !== undefined || t.dstPort !== undefined) {
    throw new InvalidArgumentError(arg, `protocol ${PROTOCOL_NAME.get(proto) ?? proto} has no ports`);
  }
  let icmp: CheckedTuple['icmp'];
  if (isIcmp) {
    checkObject(t.icmp, `${arg}.icmp`, ICMP_KEYS);
    const i = t.icmp!;
    icmp = { type: checkUint(i.type, `${arg}.icmp.type`, 255), code: checkUint(i.code, `${arg}.icmp.code`, 255), id: checkUint(i.id, `${arg}.icmp.id`, 65535) };
    // The kernel refuses (a bare EINVAL) a tuple of any other type: ICMP errors are not connections of their own.
    const inv = proto === N.IPPROTO_ICMPV6 ? ICMPV6_INVERSE : ICMP_INVERSE;
    if (inv[icmp.type] === undefined) {
      throw new InvalidArgumentError(`${arg}.icmp.type`, `the kernel tracks ${proto === N.IPPROTO_ICMPV6 ? 'ICMPv6' : 'ICMP'} types ${Object.keys(inv).join(', ')} (queries and their replies), not ${icmp.type}`);
    }
  } else if (t.icmp !== undefined) throw new InvalidArgumentError(`${arg}.icmp`, 'only an icmp or icmpv6 tuple has ICMP fields');
  return { family: src.family, src: src.bytes, dst: dst.bytes, proto, srcPort, dstPort, icmp };
}

function putTuple(w: MessageWriter, type: number, t: CheckedTuple, zone?: number): void {
  const n = w.nestStart(type);
  const ip = w.nestStart(N.CTA_TUPLE_IP);
  w.putBytes(t.family === 4 ? N.CTA_IP_V4_SRC : N.CTA_IP_V6_SRC, t.src);
  w.putBytes(t.family === 4 ? N.CTA_IP_V4_DST : N.CTA_IP_V6_DST, t.dst);
  w.nestEnd(ip);
  const p = w.nestStart(N.CTA_TUPLE_PROTO);
  w.putU8(N.CTA_PROTO_NUM, t.proto);
  if (t.srcPort !== undefined) w.putBe16(N.CTA_PROTO_SRC_PORT, t.srcPort);
  if (t.dstPort !== undefined) w.putBe16(N.CTA_PROTO_DST_PORT, t.dstPort);
  if (t.icmp) {
    const v6 = t.proto === N.IPPROTO_ICMPV6;
    w.putBe16(v6 ? N.CTA_PROTO_ICMPV6_ID : N.CTA_PROTO_ICMP_ID, t.icmp.id);
    w.putU8(v6 ? N.CTA_PROTO_ICMPV6_TYPE : N.CTA_PROTO_ICMP_TYPE, t.icmp.type);
    w.putU8(v6 ? N.CTA_PROTO_ICMPV6_CODE : N.CTA_PROTO_ICMP_CODE, t.icmp.code);
  }
  w.nestEnd(p);
  // The zone of this direction only (conntrack --orig-zone, --reply-zone).
  if (zone !== undefined) w.putBe16(N.CTA_TUPLE_ZONE, zone);
  w.nestEnd(n);
}

/** The nfgenmsg version that makes the kernel's flush apply nfgen_family (any but NFNETLINK_V0; the UAPI names none). */
const FLUSH_BY_FAMILY_VERSION = 1;

function putNfgenmsg(w: MessageWriter, family: number, version: number = N.NFNETLINK_V0): void {
  const o = w.reserve(N.SIZEOF_NFGENMSG);
  w.buf[o] = family;
  w.buf[o + 1] = version; // res_id (be16) stays 0
}

const afOf = (family: 4 | 6 | undefined): number => (family === 4 ? N.AF_INET : family === 6 ? N.AF_INET6 : N.AF_UNSPEC);

function be64(v: DataView, o: number): bigint {
  return v.getBigUint64(o, false);
}

/** Paths of a tuple's attributes, for decode errors: made once per kind of tuple, not per entry. */
interface TuplePaths {
  readonly tuple: readonly string[];
  readonly ip: readonly string[];
  readonly proto: readonly string[];
}
const tuplePaths = (name: string): TuplePaths => ({ tuple: [...PATH, name], ip: [...PATH, name, 'CTA_TUPLE_IP'], proto: [...PATH, name, 'CTA_TUPLE_PROTO'] });
/** A tuple's CTA_PROTO_* attributes by type, for their length checks. */
const PROTO_ATTR_NAME = ['', 'CTA_PROTO_NUM', 'CTA_PROTO_SRC_PORT', 'CTA_PROTO_DST_PORT', 'CTA_PROTO_ICMP_ID', 'CTA_PROTO_ICMP_TYPE', 'CTA_PROTO_ICMP_CODE', 'CTA_PROTO_ICMPV6_ID', 'CTA_PROTO_ICMPV6_TYPE', 'CTA_PROTO_ICMPV6_CODE'];
/** Their sizes: u8 protocol number, be16 ports and ICMP ids, u8 ICMP types and codes. */
const PROTO_ATTR_SIZE = [0, 1, 2, 2, 2, 1, 1, 2, 1, 1];
const ORIG_PATHS = tuplePaths('CTA_TUPLE_ORIG');
const REPLY_PATHS = tuplePaths('CTA_TUPLE_REPLY');
const MASTER_PATHS = tuplePaths('CTA_TUPLE_MASTER');
/** The protocol number of the tuple decodeTuple read last (its CTA_PROTO_NUM). */
let tupleProto = 0;

/**
 * A tuple's nested attributes, read with plain loops (no closure per entry: a dump
 * decodes thousands); its protocol number is left in `tupleProto`.
 */
function decodeTuple(buf: Buffer, v: DataView, o: number, end: number, paths: TuplePaths): ConntrackTuple {
  const t: Mutable<ConntrackTuple> = { src: '', dst: '' };
  let proto = 0;
  let icmpType = 0;
  let icmpCode = 0;
  let icmpId = 0;
  let isIcmp = false;
  for (let a = o; end - a >= 4; ) {
    const len = checkAttr(v, a, end, paths.tuple);
    const type = v.getUint16(a + 2, HOST_LE) & NLA_TYPE_MASK;
    const p = a + 4;
    const pe = a + len;
    if (type === N.CTA_TUPLE_IP) {
      for (let b = p; pe - b >= 4; ) {
        const il = checkAttr(v, b, pe, paths.ip);
        const it = v.getUint16(b + 2, HOST_LE) & NLA_TYPE_MASK;
        if (it === N.CTA_IP_V4_SRC || it === N.CTA_IP_V6_SRC) t.src = formatIp(buf, b + 4, il - 4);
        else if (it === N.CTA_IP_V4_DST || it === N.CTA_IP_V6_DST) t.dst = formatIp(buf, b + 4, il - 4);
        b += (il + 3) & ~3;
      }
    } else if (type === N.CTA_TUPLE_PROTO) {
      for (let b = p; pe - b >= 4; ) {
        const pl = checkAttr(v, b, pe, paths.proto);
        const pa = b + 4;
        const pt = v.getUint16(b + 2, HOST_LE) & NLA_TYPE_MASK;
        if (pt < PROTO_ATTR_SIZE.length) need(pl - 4, PROTO_ATTR_SIZE[pt]!, paths.proto, PROTO_ATTR_NAME[pt]!, pa);
        switch (pt) {
          case N.CTA_PROTO_NUM: proto = buf[pa]!; break;
          case N.CTA_PROTO_SRC_PORT: t.srcPort = v.getUint16(pa, false); break;
          case N.CTA_PROTO_DST_PORT: t.dstPort = v.getUint16(pa, false); break;
          case N.CTA_PROTO_ICMP_ID: case N.CTA_PROTO_ICMPV6_ID: icmpId = v.getUint16(pa, false); isIcmp = true; break;
          case N.CTA_PROTO_ICMP_TYPE: case N.CTA_PROTO_ICMPV6_TYPE: icmpType = buf[pa]!; isIcmp = true; break;
          case N.CTA_PROTO_ICMP_CODE: case N.CTA_PROTO_ICMPV6_CODE: icmpCode = buf[pa]!; isIcmp = true; break;
          default:
        }
        b += (pl + 3) & ~3;
      }
    } else if (type === N.CTA_TUPLE_ZONE) {
      need(len - 4, 2, paths.tuple, 'CTA_TUPLE_ZONE', p);
      t.zone = v.getUint16(p, false);
    }
    a += (len + 3) & ~3;
  }
  if (isIcmp) t.icmp = { type: icmpType, code: icmpCode, id: icmpId };
  tupleProto = proto;
  return t;
}

function counters(v: DataView, o: number, end: number, path: readonly string[]): ConntrackCounters {
  let packets = 0n;
  let bytes = 0n;
  walkAttrs(v, o, end, path, (t, a, l) => {
    if (t === N.CTA_COUNTERS_PACKETS) {
      need(l, 8, path, 'CTA_COUNTERS_PACKETS', a);
      packets = be64(v, a);
    } else if (t === N.CTA_COUNTERS_BYTES) {
      need(l, 8, path, 'CTA_COUNTERS_BYTES', a);
      bytes = be64(v, a);
    }
  });
  return { packets, bytes };
}

function strz(buf: Buffer, o: number, l: number): string {
  const nul = buf.indexOf(0, o);
  return buf.toString('utf8', o, nul >= 0 && nul < o + l ? nul : o + l);
}

const COUNTERS_ORIG_PATH = [...PATH, 'CTA_COUNTERS_ORIG'];
const COUNTERS_REPLY_PATH = [...PATH, 'CTA_COUNTERS_REPLY'];
const TIMESTAMP_PATH = [...PATH, 'CTA_TIMESTAMP'];
const PROTOINFO_TCP_PATH = [...PATH, 'CTA_PROTOINFO', 'CTA_PROTOINFO_TCP'];
/** CTA_PROTOINFO_TCP_* by type, for their length checks (each read as a u8: the state, a window scale, struct nf_ct_tcp_flags's flags). */
const TCP_ATTR_NAME = ['', 'CTA_PROTOINFO_TCP_STATE', 'CTA_PROTOINFO_TCP_WSCALE_ORIGINAL', 'CTA_PROTOINFO_TCP_WSCALE_REPLY', 'CTA_PROTOINFO_TCP_FLAGS_ORIGINAL', 'CTA_PROTOINFO_TCP_FLAGS_REPLY'];
/** Status names by status bits: a table has few distinct statuses, so each list is made once and shared (frozen). */
const STATUS_NAMES = new Map<number, readonly ConntrackStatus[]>();

function statusNames(bits: number): readonly ConntrackStatus[] {
  let names = STATUS_NAMES.get(bits);
  if (names === undefined) {
    names = Object.freeze(STATUS.filter(([, bit]) => (bits & bit) !== 0).map(([n]) => n));
    if (STATUS_NAMES.size < 4096) STATUS_NAMES.set(bits, names);
  }
  return names;
}

/** @internal An IPCTNL_MSG_CT_NEW message (a dump part, a GET's reply, an event) as a ConntrackEntry. */
export function decodeConntrack(buf: Buffer, view: DataView, off: number, len: number): ConntrackEntry {
  if (len < ATTRS) throw new DecodeError('nfgenmsg', PATH, off, ATTRS, len);
  const af = buf[off + NLMSG_HDRLEN]!;
  const e: Mutable<ConntrackEntry> = {
    family: af === N.AF_INET6 ? 6 : 4, protocol: 'other', protocolNumber: 0, original: { src: '', dst: '' }, reply: { src: '', dst: '' },
    status: [], statusBits: 0, mark: 0, id: 0, unknown: NO_ATTRS,
  };
  let unknown: RawAttribute[] | undefined;
  let cOrig: ConntrackCounters | undefined;
  let cReply: ConntrackCounters | undefined;
  walkAttrs(view, off + ATTRS, off + len, PATH, (type, o, l) => {
    switch (type) {
      case N.CTA_TUPLE_ORIG:
        e.original = decodeTuple(buf, view, o, o + l, ORIG_PATHS);
        e.protocolNumber = tupleProto;
        e.protocol = PROTOCOL_NAME.get(tupleProto) ?? 'other';
        break;
      case N.CTA_TUPLE_REPLY: e.reply = decodeTuple(buf, view, o, o + l, REPLY_PATHS); break;
      case N.CTA_TUPLE_MASTER: e.master = decodeTuple(buf, view, o, o + l, MASTER_PATHS); break;
      case N.CTA_STATUS: {
        need(l, 4, PATH, 'CTA_STATUS', o);
        const s = view.getUint32(o, false);
        e.statusBits = s;
        e.status = statusNames(s);
        break;
      }
      case N.CTA_TIMEOUT: need(l, 4, PATH, 'CTA_TIMEOUT', o); e.timeout = view.getUint32(o, false); break;
      case N.CTA_MARK: need(l, 4, PATH, 'CTA_MARK', o); e.mark = view.getUint32(o, false); break;
      case N.CTA_ZONE: need(l, 2, PATH, 'CTA_ZONE', o); e.zone = view.getUint16(o, false); break;
      case N.CTA_USE: need(l, 4, PATH, 'CTA_USE', o); e.use = view.getUint32(o, false); break;
      case N.CTA_ID: need(l, 4, PATH, 'CTA_ID', o); e.id = view.getUint32(o, false); break;
      case N.CTA_SECMARK: need(l, 4, PATH, 'CTA_SECMARK', o); e.secmark = view.getUint32(o, false); break;
      case N.CTA_LABELS: e.labels = copyBytes(buf, o, o + l); break;
      case N.CTA_COUNTERS_ORIG: cOrig = counters(view, o, o + l, COUNTERS_ORIG_PATH); break;
      case N.CTA_COUNTERS_REPLY: cReply = counters(view, o, o + l, COUNTERS_REPLY_PATH); break;
      case N.CTA_TIMESTAMP: {
        let start = 0n;
        let stop: bigint | undefined;
        walkAttrs(view, o, o + l, TIMESTAMP_PATH, (t, a, al) => {
          if (t === N.CTA_TIMESTAMP_START) {
            need(al, 8, TIMESTAMP_PATH, 'CTA_TIMESTAMP_START', a);
            start = be64(view, a);
          } else if (t === N.CTA_TIMESTAMP_STOP) {
            need(al, 8, TIMESTAMP_PATH, 'CTA_TIMESTAMP_STOP', a);
            stop = be64(view, a);
          }
        });
        e.timestamp = stop === undefined ? { start } : { start, stop };
        break;
      }
      case N.CTA_HELP:
        walkAttrs(view, o, o + l, [...PATH, 'CTA_HELP'], (t, a, al) => {
          if (t === N.CTA_HELP_NAME) e.helper = strz(buf, a, al);
        });
        break;
      case N.CTA_PROTOINFO:
        walkAttrs(view, o, o + l, [...PATH, 'CTA_PROTOINFO'], (t, a, al) => {
          if (t !== N.CTA_PROTOINFO_TCP) {
            (unknown ??= []).push({ type: N.CTA_PROTOINFO, value: copyBytes(buf, o, o + l) });
            return;
          }
          const tcp = { state: 'unknown' as TcpConntrackState | 'unknown', stateNumber: 0, wscaleOriginal: 0, wscaleReply: 0, flagsOriginal: 0, flagsReply: 0 };
          walkAttrs(view, a, a + al, PROTOINFO_TCP_PATH, (tt, ta, tl) => {
            if (tt >= N.CTA_PROTOINFO_TCP_STATE && tt <= N.CTA_PROTOINFO_TCP_FLAGS_REPLY) need(tl, 1, PROTOINFO_TCP_PATH, TCP_ATTR_NAME[tt]!, ta);
            switch (tt) {
              case N.CTA_PROTOINFO_TCP_STATE: tcp.stateNumber = buf[ta]!; tcp.state = TCP_STATE_NAME[buf[ta]!] ?? 'unknown'; break;
              case N.CTA_PROTOINFO_TCP_WSCALE_ORIGINAL: tcp.wscaleOriginal = buf[ta]!; break;
              case N.CTA_PROTOINFO_TCP_WSCALE_REPLY: tcp.wscaleReply = buf[ta]!; break;
              case N.CTA_PROTOINFO_TCP_FLAGS_ORIGINAL: tcp.flagsOriginal = buf[ta]!; break; // struct nf_ct_tcp_flags: flags, then mask
              case N.CTA_PROTOINFO_TCP_FLAGS_REPLY: tcp.flagsReply = buf[ta]!; break;
              default:
            }
          });
          e.tcp = tcp;
        });
        break;
      default:
        (unknown ??= []).push({ type, value: copyBytes(buf, o, o + l) });
    }
  });
  if (cOrig || cReply) e.counters = { original: cOrig ?? { packets: 0n, bytes: 0n }, reply: cReply ?? { packets: 0n, bytes: 0n } };
  if (unknown) e.unknown = unknown;
  return e;
}

/** What ENOSPC for labels means. */
const LABELS_HINT = 'the entry has no room for labels: the kernel gives an entry room for labels when it is made, and only while the netns has a label user'
  + ' (an nft `ct label set` rule or an iptables `-m connlabel` rule): add one before the entry is made (an entry made without room never gets it)';

/** Whether a request (nlmsghdr, nfgenmsg, attributes) carries CTA_LABELS at its top level. */
function hasLabels(request: Uint8Array): boolean {
  const v = new DataView(request.buffer, request.byteOffset, request.byteLength);
  for (let a = ATTRS; a + 4 <= request.length; ) {
    const len = v.getUint16(a, HOST_LE);
    if (len < 4) return false;
    if ((v.getUint16(a + 2, HOST_LE) & NLA_TYPE_MASK) === N.CTA_LABELS) return true;
    a += (len + 3) & ~3;
  }
  return false;
}

/** Names a request for error messages, and says what a bare errno means for it. */
const DESCRIBER: FamilyDescriber = {
  typeName: (type) => ((type >> 8) === N.NFNL_SUBSYS_CTNETLINK ? MSG_NAME[type & 0xff] ?? `ctnetlink message ${type & 0xff}` : `nfnetlink type ${type}`),
  explain(request, errno) {
    if (request.length < NLMSG_HDRLEN) return undefined;
    const v = new DataView(request.buffer, request.byteOffset, request.byteLength);
    const msg = v.getUint16(4, HOST_LE) & 0xff;
    const flags = v.getUint16(6, HOST_LE);
    if (errno === 2 /* ENOENT */ && (msg === N.IPCTNL_MSG_CT_GET || msg === N.IPCTNL_MSG_CT_DELETE || (msg === N.IPCTNL_MSG_CT_NEW && !(flags & NLM_F_CREATE)))) return 'no such conntrack entry';
    if (errno === 17 /* EEXIST */ && msg === N.IPCTNL_MSG_CT_NEW) return 'an entry with that tuple (original or reply) exists';
    if (errno === 1 /* EPERM */) return 'needs CAP_NET_ADMIN in the netns\'s user namespace';
    if (errno === 16 /* EBUSY */ && msg === N.IPCTNL_MSG_CT_NEW) return 'the kernel does not change that of an existing entry (its tuples, NAT or helper)';
    if (errno === 28 /* ENOSPC */ && msg === N.IPCTNL_MSG_CT_NEW && hasLabels(request)) return LABELS_HINT;
    if (errno === 95 /* EOPNOTSUPP */ && msg === N.IPCTNL_MSG_CT_NEW && hasLabels(request)) return 'this kernel has no connection labels (CONFIG_NF_CONNTRACK_LABELS)';
    return undefined;
  },
};

/**
 * A conntrack handle: one NETLINK_NETFILTER socket made in the given netns, which sees
 * that netns's connection tracking table. Close it with `close()` or `using`.
 *
 * Equivalent to: `conntrack` (conntrack-tools), run in that netns.
 * @example
 * using ct = Conntrack.open({ netns });
 * for (const e of await ct.list({ protocol: 'udp', dstPort: 53 })) console.log(e.original.src, e.timeout);
 * await ct.flush({ mark: 7 });                    // conntrack -D --mark 7, in one request
 */
export class Conntrack {
  /** The handle's socket. */
  readonly sock: NetlinkSocket;

  /** Monitors opened from this handle and still open (closed with it). */
  private readonly monitors = new Set<ConntrackMonitor>();

  private constructor(
    sock: NetlinkSocket,
    /** Where the handle was opened: for a monitor's socket when SIOCGSKNS is refused. */
    private readonly place: SocketPlace,
  ) {
    this.sock = sock;
    sock.owner = 'Conntrack handle';
  }

  /**
   * Open a handle. Synchronous: the socket is created with the thread switched into the
   * target netns and straight back. Unknown option keys are refused.
   *
   * Equivalent to: `ip netns exec NAME conntrack …`.
   * @throws InvalidArgumentError for bad options, ClosedError for a closed Netns,
   *   SysError when the namespace cannot be entered.
   */
  static open(options: ConntrackOptions = {}): Conntrack {
    checkObject(options, 'options', OPTION_KEYS);
    const { sock, place } = openHandleSocket(NETLINK_NETFILTER, options.netns, {
      describer: DESCRIBER,
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
      ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
    });
    return new Conntrack(sock, place);
  }

  /** True once closed. */
  get closed(): boolean {
    return this.sock.closed;
  }

  private live(): void {
    if (this.sock.closed) throw new ClosedError('Conntrack handle');
  }

  /**
   * The entries that meet the filter. Family, mark, zone and status are filtered by the
   * kernel while it dumps; protocol, addresses (an address or a prefix) and ports are
   * matched here on each entry's original direction.
   *
   * Equivalent to: `conntrack -L [-f ipv4] [-p tcp] [-s A] [-d B] [--sport P] [--dport Q] [--mark M[/MASK]] [--zone Z] [--status S]`.
   * @throws InvalidArgumentError for a bad filter, or one no entry can meet (src and dst of
   *   two families, an address of another family than `family`, a port with a protocol that
   *   has none: `conntrack -L` refuses them too), nothing sent; ClosedError.
   */
  async list(filter: ConntrackFilter = {}): Promise<ConntrackEntry[]> {
    checkObject(filter, 'filter', FILTER_KEYS);
    if (filter.family !== undefined && filter.family !== 4 && filter.family !== 6) throw new InvalidArgumentError('family', `expected 4 or 6, got ${showValue(filter.family)}`);
    const mark = filter.mark === undefined ? undefined : markOf(filter.mark, 'mark');
    const zone = filter.zone === undefined ? undefined : checkUint(filter.zone, 'zone', 65535);
    // All of no bits is every entry: no filter (the kernel refuses a zero CTA_STATUS_MASK, EINVAL).
    const status = filter.status === undefined ? undefined : statusBits(filter.status, 'status') || undefined;
    const proto = filter.protocol === undefined ? undefined : protocolNumber(filter.protocol, 'protocol');
    const srcP = filter.src === undefined ? undefined : prefixMatcher(filter.src, 'src');
    const dstP = filter.dst === undefined ? undefined : prefixMatcher(filter.dst, 'dst');
    const sport = filter.srcPort === undefined ? undefined : checkUint(filter.srcPort, 'srcPort', 65535, 'a port');
    const dport = filter.dstPort === undefined ? undefined : checkUint(filter.dstPort, 'dstPort', 65535, 'a port');
    // A filter no entry can meet is a mistake, not "no such connections" (`conntrack -L`:
    // 'mismatched address family'; it has no --sport for a protocol without ports).
    if (srcP && dstP && srcP.family !== dstP.family) throw new InvalidArgumentError('dst', `${filter.dst} is IPv${dstP.family} but src ${filter.src} is IPv${srcP.family}: no entry has both`);
    for (const [key, p] of [['src', srcP], ['dst', dstP]] as const) {
      if (p && filter.family !== undefined && p.family !== filter.family) throw new InvalidArgumentError(key, `${filter[key]} is IPv${p.family} but the filter's family is ${filter.family}: no entry has both`);
    }
    if (proto !== undefined && !PORTED.has(proto)) {
      const key = sport !== undefined ? 'srcPort' : dport !== undefined ? 'dstPort' : undefined;
      if (key) throw new InvalidArgumentError(key, `protocol ${PROTOCOL_NAME.get(proto) ?? proto} has no ports: no entry has both`);
    }
    const src = srcP?.match;
    const dst = dstP?.match;
    this.live();
    const all = await this.sock.dump(msgType(N.IPCTNL_MSG_CT_GET), 0, (w) => {
      putNfgenmsg(w, afOf(filter.family));
      if (mark) {
        w.putBe32(N.CTA_MARK, mark.value);
        w.putBe32(N.CTA_MARK_MASK, mark.mask);
      }
      if (zone !== undefined) w.putBe16(N.CTA_ZONE, zone);
      if (status !== undefined) {
        w.putBe32(N.CTA_STATUS, status);
        w.putBe32(N.CTA_STATUS_MASK, status);
      }
    }, decodeConntrack, { subject: 'conntrack table' });
    if (proto === undefined && !src && !dst && sport === undefined && dport === undefined) return all;
    return all.filter((e) => (proto === undefined || e.protocolNumber === proto) && (!src || src(e.original.src)) && (!dst || dst(e.original.dst))
      && (sport === undefined || e.original.srcPort === sport) && (dport === undefined || e.original.dstPort === dport));
  }

  /**
   * One entry by its original direction (and zone).
   *
   * Equivalent to: `conntrack -G -p PROTO -s SRC -d DST --sport P --dport Q` (the tool's `-G`
   * takes no zone: it looks in zone 0 only).
   * @throws InvalidArgumentError for a bad key; NetlinkError 'ENOENT' when there is none.
   */
  async get(key: ConntrackKey | ConntrackEntry): Promise<ConntrackEntry> {
    const k = checkKey(key, 'key');
    this.live();
    // With an ACK: the kernel flags its one reply NLM_F_MULTI without a NLMSG_DONE after it, so the ACK is what ends the exchange.
    const e = await this.sock.requestWith(msgType(N.IPCTNL_MSG_CT_GET), 0, putKey, k, decodeConntrack, KEY_OPTS);
    if (!e) throw new NetlinkError(2, { type: msgType(N.IPCTNL_MSG_CT_GET), typeName: 'IPCTNL_MSG_CT_GET', seq: 0, subject: keyText(k) }, {}, 'no such conntrack entry');
    return e;
  }

  /**
   * Create an entry. The reply direction defaults to the original inverted.
   *
   * Equivalent to: `conntrack -I -p PROTO -s SRC -d DST --sport P --dport Q -t TIMEOUT [-u STATUS] [-m MARK] [--state S] [--zone Z]`;
   * `originalZone`/`replyZone`: `conntrack -I … --orig-zone Z` / `--reply-zone Z`; `labels`:
   * `conntrack -I … --label-add NAME` per label (the tool silently makes the entry without
   * them where it has no room for labels; nlkit says so, 'ENOSPC', and deletes it again).
   * @example
   * await ct.add({ protocol: 'udp', src, dst, srcPort: 5000, dstPort: 53, timeout: 30, labels: [5, 100], originalZone: 3 });
   * @throws InvalidArgumentError for a bad spec (nothing sent); NetlinkError 'EEXIST'
   *   when an entry with either tuple exists, 'ENOSPC' when the entry could not hold its
   *   labels (it is deleted again).
   */
  add(spec: ConntrackSpec): Promise<void> {
    // Not async: the request's own promise is returned, without an async frame per call
    // (a loop of adds is the bulk case); a bad spec still rejects rather than throws.
    let a: AddArgs;
    try {
      a = prepareAdd(spec);
      this.live();
    } catch (e) {
      return Promise.reject(e);
    }
    const made = this.sock.requestWith(msgType(N.IPCTNL_MSG_CT_NEW), NLM_F_CREATE | NLM_F_EXCL, writeAdd, a, undefined, ADD_OPTS) as Promise<undefined>;
    return a.labels === undefined ? made : made.then(() => this.checkLabelsHeld([a]));
  }

  /**
   * After creating entries with labels: the kernel ignores CTA_LABELS on a create when it
   * gave the entry no room for labels (ctnetlink_new_conntrack drops attach_labels' error),
   * and the room is given at creation to every entry or to none (while the netns has a
   * label user), so the first labelled entry is read back. Without its labels, the
   * entries are deleted again and the call rejects with ENOSPC, what update() gets.
   */
  private async checkLabelsHeld(made: readonly AddArgs[]): Promise<void> {
    const a = made.find((x) => x.labels !== undefined);
    if (a === undefined) return;
    let e: ConntrackEntry | undefined;
    try {
      e = await this.sock.requestWith(msgType(N.IPCTNL_MSG_CT_GET), 0, putKey, a.k, decodeConntrack, KEY_OPTS);
    } catch (x) {
      if (x instanceof NetlinkError && x.code === 'ENOENT') return; // gone already (a timeout of 0 s, a flush): nothing to check
      throw x;
    }
    if (e === undefined) return;
    const want = a.labels!;
    const held = e.labels !== undefined && want.every((b, i) => ((e.labels![i] ?? 0) & b) === b);
    if (held) return;
    const delType = msgType(N.IPCTNL_MSG_CT_DELETE);
    await this.sock.requestBatch(made.map((x) => ({ type: delType, flags: 0, subject: keyText(x.k), build: (w: MessageWriter) => putKey(w, x.k) })));
    throw new NetlinkError(28 /* ENOSPC */, { type: msgType(N.IPCTNL_MSG_CT_NEW), typeName: 'IPCTNL_MSG_CT_NEW', seq: 0, subject: keyText(a.k) }, {},
      `${LABELS_HINT}; the kernel made the ${made.length > 1 ? `call's ${made.length} entries` : 'entry'} without labels, and nlkit deleted ${made.length > 1 ? 'them' : 'it'} again`);
  }


  /**
   * Create many entries, all or none: every IPCTNL_MSG_CT_NEW (NLM_F_CREATE|NLM_F_EXCL,
   * each ACKed) is built first and they go to the kernel in as few sendmsg calls as the
   * socket's buffers allow (see NetlinkSocket.requestBatch), instead of one round trip
   * per entry.
   *
   * - Every spec is checked before anything is sent: InvalidArgumentError naming
   *   `specs[i]`. So is a tuple two specs would both hold — the same original twice, or
   *   one spec's original or reply direction that is another's (in the same zone): the
   *   kernel hashes both directions and would refuse the second with EEXIST.
   * - If the kernel refuses any entry (EEXIST for a tuple already tracked, in either
   *   direction), the entries this call created are deleted again and the promise
   *   rejects with the NetlinkError of the first refused entry, naming its tuple.
   *
   * - Specs with labels: the first is read back, as by add(); without its labels, all the
   *   call's entries are deleted again ('ENOSPC').
   *
   * Equivalent to: one `conntrack -I …` per spec, in one exchange — except that a
   * failed `conntrack -I` in a loop leaves the earlier entries in place.
   * @throws InvalidArgumentError for a bad spec (nothing sent); NetlinkError from the
   *   kernel (the call's entries deleted); ClosedError.
   */
  async addMany(specs: readonly ConntrackSpec[]): Promise<void> {
    if (!Array.isArray(specs)) throw new InvalidArgumentError('specs', `expected an array of entry specs, got ${showValue(specs)}`);
    const n = specs.length;
    const prepared = new Array<AddArgs>(n);
    // The kernel hashes both directions of every entry: an original or reply that is
    // another spec's original or reply is refused (EEXIST) once that one is made.
    const seen = new Map<string, { i: number; reply: boolean }>();
    for (let i = 0; i < n; i++) {
      try {
        prepared[i] = prepareAdd(specs[i]!);
      } catch (e) {
        if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`specs[${i}]${e.argument === 'spec' ? '' : e.argument.replace(/^spec/, '')}`, e.message.replace(/^invalid [^:]*: /, ''));
        throw e;
      }
      const a = prepared[i]!;
      const key = tupleKey(a.k.tuple, a.k.zone);
      const replyKey = tupleKey(a.reply, replyDirZone(a));
      const o = seen.get(key);
      if (o !== undefined) throw new InvalidArgumentError(`specs[${i}]`, `${keyText(a.k)} ${o.reply ? `is the reply direction of specs[${o.i}]` : `repeats specs[${o.i}]`}`);
      const r = seen.get(replyKey);
      if (r !== undefined) throw new InvalidArgumentError(`specs[${i}]`, `its reply direction ${keyText({ tuple: a.reply, zone: replyDirZone(a), id: undefined, srcText: formatIp(a.reply.src), dstText: formatIp(a.reply.dst) })} is the ${r.reply ? 'reply' : 'original'} direction of specs[${r.i}]`);
      seen.set(key, { i, reply: false });
      if (replyKey !== key) seen.set(replyKey, { i, reply: true });
    }
    this.live();
    if (n === 0) return;
    const type = msgType(N.IPCTNL_MSG_CT_NEW);
    const r = await this.sock.requestBatch(prepared.map((a) => ({ type, flags: NLM_F_CREATE | NLM_F_EXCL, subject: keyText(a.k), build: (w: MessageWriter) => writeAdd(w, a) })), { stopOnError: true });
    if (r.firstRefused < 0 && r.failure === undefined) return this.checkLabelsHeld(prepared);
    // Undo: delete what this call created, by the original tuple (and zone) it was made with.
    const made = tookIndexes(r);
    const delType = msgType(N.IPCTNL_MSG_CT_DELETE);
    const d = made.length ? await this.sock.requestBatch(made.map((i) => ({ type: delType, flags: 0, subject: keyText(prepared[i]!.k), build: (w: MessageWriter) => putKey(w, prepared[i]!.k) }))) : undefined;
    throw allOrNoneError({
      batch: r, undo: d, undone: made, gone: (e) => e.code === 'ENOENT', // gone already: a timeout of 0 s, or a flush meanwhile
      subjects: prepared.map((a) => keyText(a.k)), noun: ['entry', 'entries'], type, typeName: 'IPCTNL_MSG_CT_NEW',
    });
  }

  /**
   * Change an entry's timeout, mark, status bits, TCP state or labels. Status bits are
   * added to the entry's own, read first (the kernel takes the whole status and never
   * clears a bit). Labels `{ add, remove }` change only those, in the kernel (one request,
   * nothing read first); a list replaces them all.
   *
   * Equivalent to: `conntrack -U -p PROTO -s SRC -d DST --sport P --dport Q [-t T] [-m MARK[/MASK]] [-u STATUS]`;
   * `labels: { add: [N] }`: `conntrack -U … --label-add NAME`; `labels: { remove: [N] }`:
   * `conntrack -U … --label-del NAME` (conntrack-tools 1.4.7 can clear the entry's other
   * labels too — it does for label 127: it sends them outside the mask, which the kernel XORs in).
   * @example
   * await ct.update(key, { labels: { add: [7], remove: [5] } });
   * @throws InvalidArgumentError for a bad key or change (nothing sent); NetlinkError
   *   'ENOENT' when there is no such entry, 'EBUSY'/'EOPNOTSUPP' for what the kernel
   *   does not change, 'ENOSPC' for labels on an entry without room for them.
   */
  async update(key: ConntrackKey | ConntrackEntry, change: ConntrackChange): Promise<void> {
    const k = checkKey(key, 'key');
    checkObject(change, 'change', CHANGE_KEYS);
    const timeout = change.timeout === undefined ? undefined : checkUint(change.timeout, 'change.timeout', 0xffffffff, 'seconds');
    const mark = change.mark === undefined ? undefined : markOf(change.mark, 'change.mark');
    const status = change.status === undefined ? undefined : settableStatus(change.status, 'change.status');
    const tcpState = change.tcpState === undefined ? undefined : tcpStateOf(change.tcpState, 'change.tcpState');
    if (tcpState !== undefined && k.tuple.proto !== N.IPPROTO_TCP) throw new InvalidArgumentError('change.tcpState', 'only a tcp entry has a TCP state');
    const labels = change.labels === undefined ? undefined : labelChange(change.labels, 'change.labels');
    if (timeout === undefined && mark === undefined && status === undefined && tcpState === undefined && labels === undefined) throw new InvalidArgumentError('change', 'nothing to change (timeout, mark, status, tcpState or labels)');
    this.live();
    // The kernel takes CTA_STATUS as the whole new status and refuses one that would clear
    // a bit it owns (confirmed, seen-reply, assured…: EBUSY), so the bits to set are added
    // to the entry's own, read first; a bit the kernel set in between is retried once.
    for (let attempt = 0; ; attempt++) {
      const bits = status === undefined ? undefined : ((await this.get(key)).statusBits | status) >>> 0;
      try {
        await this.change(k, timeout, mark, bits, tcpState, labels);
        return;
      } catch (e) {
        if (bits === undefined || attempt > 0 || !(e instanceof NetlinkError) || e.code !== 'EBUSY') throw e;
      }
    }
  }

  private async change(k: CheckedKey, timeout: number | undefined, mark: { value: number; mask: number } | undefined, status: number | undefined, tcpState: number | undefined,
    labels: { value: Uint8Array; mask: Uint8Array | undefined } | undefined): Promise<void> {
    await this.sock.request(msgType(N.IPCTNL_MSG_CT_NEW), 0, (w) => {
      putKey(w, k);
      if (timeout !== undefined) w.putBe32(N.CTA_TIMEOUT, timeout);
      if (mark) {
        w.putBe32(N.CTA_MARK, mark.value);
        if (mark.mask !== 0xffffffff) w.putBe32(N.CTA_MARK_MASK, mark.mask);
      }
      if (status !== undefined) w.putBe32(N.CTA_STATUS, status);
      if (tcpState !== undefined) putTcpState(w, tcpState);
      if (labels) {
        w.putBytes(N.CTA_LABELS, labels.value);
        if (labels.mask) w.putBytes(N.CTA_LABELS_MASK, labels.mask);
      }
    }, undefined, { subject: keyText(k) });
  }

  /**
   * Delete an entry by its original direction (and zone). A listed entry is deleted by
   * its id too: if it expired and another now has its tuple, that one is left (ENOENT) —
   * unless the kernel made it in the expired one's memory (the id is a hash of the
   * entry's address and tuple, so it is then the same).
   *
   * Equivalent to: `conntrack -D -p PROTO -s SRC -d DST --sport P --dport Q`.
   * @throws InvalidArgumentError for a bad key; NetlinkError 'ENOENT' when there is none.
   */
  del(key: ConntrackKey | ConntrackEntry): Promise<void> {
    // Not async (as add): the request's own promise, no async frame per call.
    let k: CheckedKey;
    try {
      k = checkKey(key, 'key');
      this.live();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.sock.requestWith(msgType(N.IPCTNL_MSG_CT_DELETE), 0, putDelKey, k, undefined, KEY_OPTS) as Promise<undefined>;
  }

  /**
   * Delete every entry (of one family, or with a mark). Resolves with nothing: the
   * kernel does not say how many.
   *
   * Equivalent to: `conntrack -F`, in one request; with `mark`, `conntrack -D --mark M`, in
   * one request; with `family`, what `conntrack -F -f ipv6` means but does not do (the tool
   * sends nfgen version 0, and for version 0 the kernel's flush ignores the family, so it
   * empties the whole table) — nlkit sends version 1, which the kernel (4.19+) honours: one
   * request, the family's entries deleted by the kernel in one pass.
   * @throws InvalidArgumentError for bad options; ClosedError.
   */
  async flush(options: ConntrackFlushOptions = {}): Promise<void> {
    checkObject(options, 'options', FLUSH_KEYS);
    if (options.family !== undefined && options.family !== 4 && options.family !== 6) throw new InvalidArgumentError('family', `expected 4 or 6, got ${showValue(options.family)}`);
    const mark = options.mark === undefined ? undefined : markOf(options.mark, 'mark');
    this.live();
    await this.sock.request(msgType(N.IPCTNL_MSG_CT_DELETE), 0, (w) => {
      // nf_conntrack_netlink.c: `u3 = nfmsg->version ? family : AF_UNSPEC` — a flush applies
      // nfgen_family only when the version is not 0 (kept so for old conntrack tools, which
      // always sent AF_INET).
      putNfgenmsg(w, afOf(options.family), FLUSH_BY_FAMILY_VERSION);
      if (mark) {
        w.putBe32(N.CTA_MARK, mark.value);
        w.putBe32(N.CTA_MARK_MASK, mark.mask);
      }
    }, undefined, { subject: 'conntrack table' });
  }

  /**
   * The table's size and limit, and each CPU's counters.
   *
   * Equivalent to: `conntrack -C` (entries) and `conntrack -S` (per CPU).
   */
  async stats(): Promise<ConntrackStats> {
    this.live();
    const global = await this.sock.request(msgType(N.IPCTNL_MSG_CT_GET_STATS), 0, (w) => putNfgenmsg(w, N.AF_UNSPEC), (_buf, view, off, len) => decodeGlobalStats(view, off, len), { subject: 'conntrack table' });
    const cpus = await this.sock.dump(msgType(N.IPCTNL_MSG_CT_GET_STATS_CPU), 0, (w) => putNfgenmsg(w, N.AF_UNSPEC), (_buf, view, off, len) => decodeCpuStats(view, off, len), { subject: 'conntrack table' });
    const entries = global?.entries ?? 0;
    return global?.maxEntries === undefined ? { entries, cpus } : { entries, maxEntries: global.maxEntries, cpus };
  }

  /**
   * Watch the table: the monitor's own socket, made in the handle's netns, joins the
   * groups of the event types asked for (all three by default) before the promise
   * resolves, so nothing the kernel sends after that is missed. Yields
   * `{ type: 'new' | 'update' | 'destroy', entry }`, and `{ type: 'overrun' }` where the
   * kernel dropped some (read the table again there). Closed by `break`, `close()`,
   * `using`, the `signal` or the handle's `close()`. Events follow the netns's
   * `net.netfilter.nf_conntrack_events`: 0 none; 1 every entry's; 2, the default, only
   * those of entries created while a listener of ctnetlink's events existed (the kernel
   * gives an entry its event extension at creation) — anywhere on the host: the kernel
   * keeps that one flag for every netns (nf_ctnetlink_has_listener), so a monitor or
   * `conntrack -E` in another netns counts. An entry created while none listened sends
   * neither update nor destroy events.
   *
   * Equivalent to: `conntrack -E [-e NEW,UPDATE,DESTROY]`.
   * @example
   * using mon = await ct.monitor(['destroy']);
   * for await (const ev of mon) if (ev.type === 'destroy') console.log(ev.entry.original, ev.entry.counters);
   * @throws InvalidArgumentError for an unknown event type or bad options; ClosedError;
   *   `signal.reason` for an aborted signal.
   */
  async monitor(events: readonly ConntrackEventType[] = ['new', 'update', 'destroy'], options: ConntrackMonitorOptions = {}): Promise<ConntrackMonitor> {
    if (!Array.isArray(events) || events.length === 0) throw new InvalidArgumentError('events', `expected a non-empty array of 'new', 'update', 'destroy', got ${showValue(events)}`);
    const groups = new Set<number>();
    for (const e of events) {
      const g = typeof e === 'string' && Object.prototype.hasOwnProperty.call(EVENT_GROUPS, e) ? EVENT_GROUPS[e as ConntrackEventType] : undefined;
      if (g === undefined) throw new InvalidArgumentError('events', `unknown event type ${showValue(e)} ('new', 'update', 'destroy')`);
      groups.add(g);
    }
    checkObject(options, 'options', MONITOR_KEYS);
    checkMonitorOptions(options);
    this.live();
    const rb = options.receiveBufferSize;
    const opts = { groups: [...groups], ...(rb !== undefined ? { receiveBufferSize: rb } : {}) };
    const sock = openSiblingSocket(this.sock, this.place, NETLINK_NETFILTER, opts, 'the netns the Conntrack handle was opened with');
    return trackMonitor(this.monitors, sock, (onClose) => MulticastMonitor.open<ConntrackEvent>(sock, decodeEvent, options, onClose));
  }

  /** Close the socket (idempotent), and the monitors opened from this handle. */
  close(): void {
    for (const m of [...this.monitors]) m.close();
    if (!this.sock.closed) this.sock.close();
  }

  /** `using ct = Conntrack.open()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

const STATS_PATH: readonly string[] = Object.freeze([...PATH, 'stats']);
const STATS_CPU_PATH: readonly string[] = Object.freeze([...PATH, 'stats cpu']);
const CPU_STAT_NAME: string[] = [];
for (const [k, v] of Object.entries(N)) if (k.startsWith('CTA_STATS_') && !k.startsWith('CTA_STATS_GLOBAL') && k !== 'CTA_STATS_UNSPEC' && typeof v === 'number') CPU_STAT_NAME[v] = k.slice('CTA_STATS_'.length).toLowerCase();

/** @internal IPCTNL_MSG_CT_GET_STATS's answer (message at `off`, nlmsghdr included): the table's size and limit. */
export function decodeGlobalStats(view: DataView, off: number, len: number): { entries: number; maxEntries?: number } {
  const out: { entries: number; maxEntries?: number } = { entries: 0 };
  walkAttrs(view, off + ATTRS, off + len, STATS_PATH, (t, a, l) => {
    if (t === N.CTA_STATS_GLOBAL_ENTRIES) {
      need(l, 4, STATS_PATH, 'CTA_STATS_GLOBAL_ENTRIES', a);
      out.entries = view.getUint32(a, false);
    } else if (t === N.CTA_STATS_GLOBAL_MAX_ENTRIES) {
      need(l, 4, STATS_PATH, 'CTA_STATS_GLOBAL_MAX_ENTRIES', a);
      out.maxEntries = view.getUint32(a, false);
    }
  });
  return out;
}

/** @internal One IPCTNL_MSG_CT_GET_STATS_CPU message: the CPU (nfgenmsg.res_id) and its counters by name. */
export function decodeCpuStats(view: DataView, off: number, len: number): { cpu: number; [k: string]: number } {
  const c: Record<string, number> = { cpu: view.getUint16(off + NLMSG_HDRLEN + 2, false) };
  walkAttrs(view, off + ATTRS, off + len, STATS_CPU_PATH, (t, a, l) => {
    const name = CPU_STAT_NAME[t];
    if (!name) return;
    need(l, 4, STATS_CPU_PATH, `CTA_STATS_${name.toUpperCase()}`, a);
    c[name] = view.getUint32(a, false);
  });
  return c as { cpu: number; [k: string]: number };
}

function invertIcmp(i: { type: number; code: number; id: number }, proto: number): { type: number; code: number; id: number } {
  // conntrack -I builds the reply direction with the same maps: an echo request's reply is an echo reply, and the reverse.
  const inv = proto === N.IPPROTO_ICMPV6 ? ICMPV6_INVERSE : ICMP_INVERSE;
  return { type: inv[i.type] ?? i.type, code: i.code, id: i.id };
}

/** The checked parts of an add(). */
interface AddArgs {
  /** The original direction, with the zone the entry is found by in it (its `zone`, or its `originalZone`). */
  readonly k: CheckedKey;
  readonly reply: CheckedTuple;
  readonly timeout: number;
  readonly status: number | undefined;
  readonly mark: number | undefined;
  readonly tcpState: number | undefined;
  /** CTA_ZONE: the zone of both directions. */
  readonly zone: number | undefined;
  /** CTA_TUPLE_ZONE of one direction. */
  readonly originalZone: number | undefined;
  readonly replyZone: number | undefined;
  /** CTA_LABELS (not all zero). */
  readonly labels: Uint8Array | undefined;
}

/** An add()'s spec checked (nothing sent): InvalidArgumentError for what is wrong. */
function prepareAdd(spec: ConntrackSpec): AddArgs {
  const k = checkKey(spec, 'spec', SPEC_KEYS); // checks the object's keys too
  const t = k.tuple;
  const reply: CheckedTuple = spec.reply === undefined
    ? { family: t.family, src: t.dst, dst: t.src, proto: t.proto, srcPort: t.dstPort, dstPort: t.srcPort, icmp: t.icmp && invertIcmp(t.icmp, t.proto) }
    : checkTuple(spec.reply, 'spec.reply', t.proto);
  if (reply.family !== t.family) throw new InvalidArgumentError('spec.reply', `the reply direction is IPv${reply.family} but the original IPv${t.family}`);
  const timeout = checkUint(spec.timeout, 'spec.timeout', 0xffffffff, 'seconds');
  const status = spec.status === undefined ? undefined : settableStatus(spec.status, 'spec.status');
  const mark = spec.mark === undefined ? undefined : checkUint(spec.mark, 'spec.mark', 0xffffffff);
  const tcpState = spec.tcpState === undefined ? undefined : tcpStateOf(spec.tcpState, 'spec.tcpState');
  if (tcpState !== undefined && t.proto !== N.IPPROTO_TCP) throw new InvalidArgumentError('spec.tcpState', 'only a tcp entry has a TCP state');
  let labels = spec.labels === undefined ? undefined : labelBitmap(spec.labels, 'spec.labels');
  if (labels !== undefined && isZero(labels)) labels = undefined;
  if (spec.originalZone === undefined && spec.replyZone === undefined) {
    return { k, reply, timeout, status, mark, tcpState, zone: k.zone, originalZone: undefined, replyZone: undefined, labels };
  }
  // An entry has one zone id, for both directions or for one (struct nf_conntrack_zone: id
  // and dir): each direction's zone is its own, else the both-direction one, else 0.
  const oz = spec.originalZone === undefined ? undefined : checkUint(spec.originalZone, 'spec.originalZone', 65535);
  const rz = spec.replyZone === undefined ? undefined : checkUint(spec.replyZone, 'spec.replyZone', 65535);
  if (k.zone !== undefined) {
    // `zone` is both directions': a direction's zone beside it can only repeat it.
    if ((oz ?? k.zone) === k.zone && (rz ?? k.zone) === k.zone) return { k, reply, timeout, status, mark, tcpState, zone: k.zone, originalZone: undefined, replyZone: undefined, labels };
    const [arg, z] = oz !== undefined && oz !== k.zone ? ['spec.originalZone', oz] : ['spec.replyZone', rz];
    throw new InvalidArgumentError(arg, `zone ${k.zone} is both directions' zone, and ${arg.slice(5)} ${z} another: an entry has one zone, for both directions or for one (give zone, or originalZone/replyZone)`);
  }
  const o = oz ?? 0;
  const r = rz ?? 0;
  if (o === r) return { k: { ...k, zone: o }, reply, timeout, status, mark, tcpState, zone: o, originalZone: undefined, replyZone: undefined, labels };
  if (o !== 0 && r !== 0) {
    throw new InvalidArgumentError(rz !== undefined ? 'spec.replyZone' : 'spec.originalZone', `the original direction would be in zone ${o} and the reply direction in zone ${r}: an entry has one zone, for both directions or for one (the kernel refuses this, EINVAL)`);
  }
  return { k: { ...k, zone: o || undefined }, reply, timeout, status, mark, tcpState, zone: undefined, originalZone: o || undefined, replyZone: r || undefined, labels };
}

/** The zone of an entry's reply direction as add() makes it (for addMany's check of tuples held twice). */
const replyDirZone = (a: AddArgs): number | undefined => a.replyZone ?? (a.originalZone === undefined ? a.zone : undefined);

function writeAdd(w: MessageWriter, a: AddArgs): void {
  putNfgenmsg(w, afOf(a.k.tuple.family));
  putTuple(w, N.CTA_TUPLE_ORIG, a.k.tuple, a.originalZone);
  putTuple(w, N.CTA_TUPLE_REPLY, a.reply, a.replyZone);
  w.putBe32(N.CTA_TIMEOUT, a.timeout);
  // The new entry is confirmed already: a status without that bit would flip it, and the kernel refuses (EBUSY).
  if (a.status !== undefined) w.putBe32(N.CTA_STATUS, a.status | N.IPS_CONFIRMED);
  if (a.mark !== undefined) w.putBe32(N.CTA_MARK, a.mark);
  if (a.zone !== undefined) w.putBe16(N.CTA_ZONE, a.zone);
  if (a.tcpState !== undefined) putTcpState(w, a.tcpState);
  if (a.labels !== undefined) w.putBytes(N.CTA_LABELS, a.labels);
}

function putTcpState(w: MessageWriter, state: number): void {
  const p = w.nestStart(N.CTA_PROTOINFO);
  const t = w.nestStart(N.CTA_PROTOINFO_TCP);
  w.putU8(N.CTA_PROTOINFO_TCP_STATE, state);
  w.nestEnd(t);
  w.nestEnd(p);
}

interface CheckedKey {
  readonly tuple: CheckedTuple;
  readonly zone: number | undefined;
  /** A listed entry's id (CTA_ID), which del() sends: the kernel then deletes only an entry with that id. */
  readonly id: number | undefined;
  /** The addresses as given, for {@link keyText}. */
  readonly srcText: string;
  readonly dstText: string;
}

/** A key as error messages name it ('tcp 10.0.0.1:1000 → 10.0.0.2:80 zone 3'): made only for an error. */
function keyText(k: CheckedKey): string {
  const host = (a: string, p: number | undefined): string => (p === undefined ? a : a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);
  const name = PROTOCOL_NAME.get(k.tuple.proto) ?? String(k.tuple.proto);
  return `${name} ${host(k.srcText, k.tuple.srcPort)} → ${host(k.dstText, k.tuple.dstPort)}${k.zone ? ` zone ${k.zone}` : ''}`;
}

/** A tuple (either direction) and zone as a string, to find one held twice by the entries of one addMany. */
function tupleKey(t: CheckedTuple, zone: number | undefined): string {
  return `${t.proto} ${t.src.join('.')} ${t.dst.join('.')} ${t.srcPort ?? ''} ${t.dstPort ?? ''} ${t.icmp ? `${t.icmp.type}/${t.icmp.code}/${t.icmp.id}` : ''} ${zone ?? 0}`;
}

function checkKey(v: unknown, arg: string, keys: ReadonlySet<string> = KEY_KEYS): CheckedKey {
  checkObject(v, arg, keys);
  const k = v as Partial<ConntrackKey> & { original?: unknown; protocolNumber?: unknown };
  // A listed entry: its original direction is the key, its protocol by number when nlkit has no name for it.
  const proto = protocolNumber((k.protocol as unknown) === 'other' ? k.protocolNumber : k.protocol, `${arg}.protocol`);
  const src = (k.original !== undefined && k.src === undefined ? k.original : k) as ConntrackTupleSpec;
  const tuple = tupleOf(src, arg, proto);
  // A listed entry whose zone is its original direction's only (conntrack --orig-zone) has it in
  // original.zone, not zone: the kernel finds it by that zone (CTA_ZONE applies to both directions).
  const origZone = src === k.original ? (k.original as ConntrackTuple).zone : undefined;
  const zone = k.zone !== undefined ? checkUint(k.zone, `${arg}.zone`, 65535) : origZone === undefined ? undefined : checkUint(origZone, `${arg}.original.zone`, 65535);
  // A listed entry's id; an id given with a plain key is not part of ConntrackKey and not read.
  const idv = src === k.original ? (v as { id?: unknown }).id : undefined;
  const id = typeof idv === 'number' && Number.isInteger(idv) && idv > 0 && idv <= 0xffffffff ? idv : undefined;
  return { tuple, zone, id, srcText: String(src.src), dstText: String(src.dst) };
}

/** A delete's key: with a listed entry's id, so an entry made since with the same tuple is not the one deleted (ENOENT instead). */
function putDelKey(w: MessageWriter, k: CheckedKey): void {
  putKey(w, k);
  if (k.id !== undefined) w.putBe32(N.CTA_ID, k.id);
}

function putKey(w: MessageWriter, k: CheckedKey): void {
  putNfgenmsg(w, afOf(k.tuple.family));
  putTuple(w, N.CTA_TUPLE_ORIG, k.tuple);
  if (k.zone !== undefined) w.putBe16(N.CTA_ZONE, k.zone);
}

/** A matcher of addresses in an address or prefix, for the user-space part of list()'s filter. */
function prefixMatcher(v: unknown, arg: string): { readonly family: 4 | 6; readonly match: (a: string) => boolean } {
  if (typeof v !== 'string') throw new InvalidArgumentError(arg, `expected an address or prefix, got ${showValue(v)}`);
  const slash = v.indexOf('/');
  const p = parseIp(slash >= 0 ? v.slice(0, slash) : v, arg);
  const max = p.family === 4 ? 32 : 128;
  const len = slash >= 0 ? Number(v.slice(slash + 1)) : max;
  if (!/^\d{1,3}$/.test(slash >= 0 ? v.slice(slash + 1) : '0') || len > max) throw new InvalidArgumentError(arg, `'${v}' has a bad prefix length (0..${max})`);
  return { family: p.family, match: (a: string) => {
    let b: Uint8Array;
    try {
      const q = parseIp(a, arg);
      if (q.family !== p.family) return false;
      b = q.bytes;
    } catch {
      return false;
    }
    for (let i = 0; i < len; i++) {
      const m = 0x80 >> (i & 7);
      if ((b[i >> 3]! & m) !== (p.bytes[i >> 3]! & m)) return false;
    }
    return true;
  } };
}
