/**
 * The IFLA attribute table (struct ifinfomsg + IFLA_*), as data, and the codecs for
 * its nested parts: IFLA_LINKINFO (kind-dependent IFLA_INFO_DATA chosen by the
 * IFLA_INFO_KIND before it), IFLA_STATS64, IFLA_PROP_LIST (altnames), IFLA_AF_SPEC.
 * @module
 */
import { AttrTable, childPath, copyBytes, HOST_LE, NLA_HDRLEN, type CustomCodec, InvalidArgumentError, checkAttr, align4, NLA_TYPE_MASK, showValue } from '../../netlink/index.js';
import { table, boolU8 } from '../table-helpers.js';
import { kindCodec } from './kinds/index.js';
import { AF_BRIDGE, AF_INET6 } from '../ip.js';
import { IFLA_INET6_ADDR_GEN_MODE, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_INFO_SLAVE_DATA, IFLA_INFO_SLAVE_KIND, IFLA_INFO_XSTATS, IFLA_LINKINFO, IFLA_PROTINFO, VETH_INFO_PEER } from '../constants.js';

/** Size of struct ifinfomsg. */
export const IFINFOMSG_LEN = 16;

/** rtnl_link_stats64 field names, in struct order (all u64 → bigint). */
export const STATS64_FIELDS = [
  'rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped',
  'multicast', 'collisions', 'rxLengthErrors', 'rxOverErrors', 'rxCrcErrors', 'rxFrameErrors',
  'rxFifoErrors', 'rxMissedErrors', 'txAbortedErrors', 'txCarrierErrors', 'txFifoErrors',
  'txHeartbeatErrors', 'txWindowErrors', 'rxCompressed', 'txCompressed', 'rxNohandler', 'rxOtherhostDropped',
] as const;

/** Link counters from IFLA_STATS64 (fields the running kernel does not send are absent). */
export type LinkStats64 = { -readonly [K in (typeof STATS64_FIELDS)[number]]?: bigint };

/** The bigint every zero counter decodes to: bigints are immutable values, so one is enough. */
const ZERO = 0n;
const TWO32 = 0x100000000;

/**
 * The u64 at `o` as a bigint. Most counters are zero (one shared 0n, no allocation) or
 * below 2^53, where `BigInt(number)` is about twice as fast as `getBigUint64`; only
 * counters of 2^53 and more take `getBigUint64`. Same value either way.
 */
function u64(v: DataView, o: number): bigint {
  const lo = v.getUint32(o + (HOST_LE ? 0 : 4), HOST_LE);
  const hi = v.getUint32(o + (HOST_LE ? 4 : 0), HOST_LE);
  if (hi === 0) return lo === 0 ? ZERO : BigInt(lo);
  return hi < 0x200000 ? BigInt(hi * TWO32 + lo) : v.getBigUint64(o, HOST_LE);
}

/** Decode struct rtnl_link_stats64 at `off` (bigint counters). */
export function decodeStats64(v: DataView, off: number, len: number): LinkStats64 {
    if (len < 200) {
      // An older kernel's shorter struct: the fields it has.
      const s: LinkStats64 = {};
      const n = Math.min(STATS64_FIELDS.length, len >>> 3);
      for (let i = 0; i < n; i++) s[STATS64_FIELDS[i]!] = u64(v, off + i * 8);
      return s;
    }
    // One object literal, one hidden class: the fast path for every dump. Each u64 read
    // spelled out: a helper closure over `off` was one more object (and its context)
    // allocated per link.
    return {
      rxPackets: u64(v, off), txPackets: u64(v, off + 8), rxBytes: u64(v, off + 16), txBytes: u64(v, off + 24),
      rxErrors: u64(v, off + 32), txErrors: u64(v, off + 40), rxDropped: u64(v, off + 48), txDropped: u64(v, off + 56),
      multicast: u64(v, off + 64), collisions: u64(v, off + 72), rxLengthErrors: u64(v, off + 80), rxOverErrors: u64(v, off + 88),
      rxCrcErrors: u64(v, off + 96), rxFrameErrors: u64(v, off + 104), rxFifoErrors: u64(v, off + 112), rxMissedErrors: u64(v, off + 120),
      txAbortedErrors: u64(v, off + 128), txCarrierErrors: u64(v, off + 136), txFifoErrors: u64(v, off + 144),
      txHeartbeatErrors: u64(v, off + 152), txWindowErrors: u64(v, off + 160), rxCompressed: u64(v, off + 168),
      txCompressed: u64(v, off + 176), rxNohandler: u64(v, off + 184), rxOtherhostDropped: u64(v, off + 192),
    } satisfies LinkStats64;
}

const stats64Codec: CustomCodec = {
  decode(ctx, off, len) {
    return decodeStats64(ctx.view, off, len);
  },
};

/** IFLA_STATS (32-bit counters) is superseded by IFLA_STATS64: not stored. */
const supersededCodec: CustomCodec = { decode: () => undefined };

/** Decoded IFLA_LINKINFO. */
export interface LinkInfo {
  /** IFLA_INFO_KIND: 'veth', 'bridge', … */
  kind?: string | undefined;
  /** IFLA_INFO_DATA decoded by the kind's table (raw attributes for unknown kinds). */
  data?: Record<string, unknown> | undefined;
  /** IFLA_INFO_SLAVE_KIND: the master's kind when this link is a port ('bridge'). */
  slaveKind?: string | undefined;
  /** IFLA_INFO_SLAVE_DATA decoded by the master kind's port table. */
  slaveData?: Record<string, unknown> | undefined;
  /** IFLA_INFO_XSTATS raw. */
  xstats?: Uint8Array | undefined;
}

/** Decode IFLA_LINKINFO at `start`: kind, then its data by the kind's table (raw for unknown kinds). */
export function decodeLinkinfo(buf: Buffer, view: DataView, start: number, len: number, path: readonly string[]): LinkInfo {
  const out: LinkInfo = { kind: undefined, data: undefined, slaveKind: undefined, slaveData: undefined };
  const end = start + len;
  let off = start;
  while (end - off >= NLA_HDRLEN) {
    const alen = checkAttr(view, off, end, path);
    const type = view.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK;
    const vo = off + NLA_HDRLEN;
    const vl = alen - NLA_HDRLEN;
    if (type === IFLA_INFO_KIND) out.kind = KIND_TEXT.get(buf, vo, vl);
    else if (type === IFLA_INFO_SLAVE_KIND) out.slaveKind = SLAVE_KIND_TEXT.get(buf, vo, vl);
    else if (type === IFLA_INFO_DATA) {
      const k = out.kind !== undefined ? kindCodec(out.kind) : undefined;
      out.data = k?.data ? k.data.decode(buf, view, vo, vo + vl, childPath(path, `IFLA_INFO_DATA(${out.kind})`)) : EMPTY_TABLE.decode(buf, view, vo, vo + vl, childPath(path, 'IFLA_INFO_DATA'));
    } else if (type === IFLA_INFO_SLAVE_DATA) {
      const k = out.slaveKind !== undefined ? kindCodec(out.slaveKind) : undefined;
      out.slaveData = k?.slaveData ? k.slaveData.decode(buf, view, vo, vo + vl, childPath(path, `IFLA_INFO_SLAVE_DATA(${out.slaveKind})`)) : EMPTY_TABLE.decode(buf, view, vo, vo + vl, childPath(path, 'IFLA_INFO_SLAVE_DATA'));
    } else if (type === IFLA_INFO_XSTATS) out.xstats = copyBytes(buf, vo, vo + vl);
    off += align4(alen);
  }
  return out;
}

/** A NUL-terminated (or NUL-padded) UTF-8 payload as text. */
export function strzText(buf: Buffer, off: number, len: number): string {
  let e = off + len;
  while (e > off && buf[e - 1] === 0) e--;
  return buf.toString('utf8', off, e);
}

/** Longest payload a {@link RepeatText} remembers. */
const REPEAT_MAX = 32;

/** `buf[off, off+len)` holds the `blen` bytes of `b`. */
function sameText(buf: Buffer, off: number, len: number, b: Uint8Array, blen: number): boolean {
  if (len !== blen) return false;
  let i = 0;
  while (i < len && buf[off + i] === b[i]) i++;
  return i === len;
}

/**
 * A two-entry cache for a text field whose value repeats from link to link (qdisc
 * 'noqueue', kind 'veth', broadcast 'ff:ff:ff:ff:ff:ff'): when a payload has the same
 * bytes as one of the last two, the same string comes back, without decoding it again.
 * Strings are immutable values, so sharing one is invisible; the bytes → text function
 * is fixed per cache, so equal bytes always mean an equal string.
 *
 * Two entries, because a link dump alternates between two values once per dump (lo's
 * and the veths' broadcast address): with one entry, the start of every dump was a
 * miss. And both entries are compared, and both texts read, on every call: the second
 * entry hits only for lo, once per dump, and code that only lo runs has no type feedback
 * when V8 optimises the decoder (lo is decoded first, before V8 keeps feedback), so the
 * first such hit in optimised code deoptimised the whole link decoder.
 */
export class RepeatText {
  private bytes = new Uint8Array(REPEAT_MAX);
  private len = -1;
  private text = '';
  private bytes2 = new Uint8Array(REPEAT_MAX);
  private len2 = -1;
  private text2 = '';
  constructor(private readonly decode: (buf: Buffer, off: number, len: number) => string) {}

  /** The text of `buf[off, off+len)`. */
  get(buf: Buffer, off: number, len: number): string {
    const text = this.text;
    const text2 = this.text2;
    const hit = sameText(buf, off, len, this.bytes, this.len);
    const hit2 = sameText(buf, off, len, this.bytes2, this.len2);
    return hit ? text : hit2 ? text2 : this.miss(buf, off, len);
  }

  /** Decode, and keep the text as the first entry (the first one moves to the second). */
  private miss(buf: Buffer, off: number, len: number): string {
    const text = this.decode(buf, off, len);
    if (len <= REPEAT_MAX) {
      const b = this.bytes2;
      this.bytes2 = this.bytes;
      this.len2 = this.len;
      this.text2 = this.text;
      for (let i = 0; i < len; i++) b[i] = buf[off + i]!;
      this.bytes = b;
      this.len = len;
      this.text = text;
    }
    return text;
  }
}
const KIND_TEXT = new RepeatText(strzText);
const SLAVE_KIND_TEXT = new RepeatText(strzText);

const linkinfoCodec: CustomCodec & { table: AttrTable } = {
  table: undefined as unknown as AttrTable, // set below, used to name extack offsets
  decode(ctx, start, len) {
    return decodeLinkinfo(ctx.buf, ctx.view, start, len, ctx.path);
  },
};
const EMPTY_TABLE = new AttrTable('raw', []);

/** IFLA_PROP_LIST: repeated IFLA_ALT_IFNAME → string[]. */
const propListTable = table('IFLA_PROP_LIST', 'IFLA_', [['IFLA_ALT_IFNAME', 'strz', 'altnames', true]]);
const propListCodec: CustomCodec = {
  decode(ctx, off, len) {
    const o = propListTable.decode(ctx.buf, ctx.view, off, off + len, ctx.path);
    return (o['altnames'] as string[] | undefined) ?? [];
  },
};

/** Decoded IFLA_AF_SPEC: what `ip -d` shows of it (IPv6 address generation mode). */
export interface LinkAfSpec {
  /** IFLA_INET6_ADDR_GEN_MODE: 0 eui64, 1 none, 2 stable_secret, 3 random. */
  inet6AddrGenMode?: number | undefined;
}

/** Decode IFLA_AF_SPEC at `start`: what nlkit reads of it (IPv6 address generation mode). */
export function decodeAfSpec(buf: Buffer, view: DataView, start: number, len: number, path: readonly string[]): LinkAfSpec {
  const out: LinkAfSpec = { inet6AddrGenMode: undefined };
  const end = start + len;
  let off = start;
  while (end - off >= NLA_HDRLEN) {
    const alen = checkAttr(view, off, end, path);
    if ((view.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK) === AF_INET6) {
      const iend = off + alen;
      let i = off + NLA_HDRLEN;
      while (iend - i >= NLA_HDRLEN) {
        const il = checkAttr(view, i, iend, path);
        if ((view.getUint16(i + 2, HOST_LE) & NLA_TYPE_MASK) === IFLA_INET6_ADDR_GEN_MODE && il >= 5) out.inet6AddrGenMode = buf[i + NLA_HDRLEN];
        i += align4(il);
      }
    }
    off += align4(alen);
  }
  return out;
}

const afSpecCodec: CustomCodec = {
  decode(ctx, start, len) {
    return decodeAfSpec(ctx.buf, ctx.view, start, len, ctx.path);
  },
};

/** struct rtnl_link_ifmap (IFLA_MAP): a device's legacy hardware resources. */
export interface LinkMap {
  /** mem_start: start of the device's shared memory. */
  memStart: number;
  /** mem_end: end of the device's shared memory. */
  memEnd: number;
  /** base_addr: I/O base address. */
  baseAddr: number;
  /** irq: interrupt line. */
  irq: number;
  /** dma: DMA channel. */
  dma: number;
  /** port: media port (IF_PORT_*). */
  port: number;
}

/**
 * A u64 as a number. A zero high word gives the low word itself: `lo + 0 * 2^32` is the
 * same value but a heap number (2^32 is one), which made the fields it is stored in
 * (IFLA_MAP's, on every link) double fields, one boxed number allocated per store.
 */
function u64n(v: DataView, o: number): number {
  const hi = v.getUint32(o + 4, HOST_LE);
  return hi === 0 ? v.getUint32(o, HOST_LE) : v.getUint32(o, HOST_LE) + hi * 0x100000000;
}
/** Decode IFLA_MAP at `off`: a {@link LinkMap}, or the raw bytes when shorter than the struct. */
export function decodeMap(buf: Buffer, v: DataView, off: number, len: number): LinkMap | Buffer {
  if (len < 28) return copyBytes(buf, off, off + len);
  return { memStart: u64n(v, off), memEnd: u64n(v, off + 8), baseAddr: u64n(v, off + 16), irq: v.getUint16(off + 24, HOST_LE), dma: buf[off + 26]!, port: buf[off + 27]! } satisfies LinkMap;
}
const mapCodec: CustomCodec = {
  decode(ctx, off, len) {
    return decodeMap(ctx.buf, ctx.view, off, len);
  },
};

/** Decoded IFLA_XDP (`ip -d` prints it as xdp): what is attached, and the program ids. */
export interface LinkXdp {
  /** IFLA_XDP_ATTACHED: XDP_ATTACHED_* (0 none, 1 driver, 2 generic/skb, 3 hardware offload, 4 several). */
  attached?: number;
  /** IFLA_XDP_PROG_ID: id of the attached program (when one mode is attached). */
  progId?: number;
  /** IFLA_XDP_DRV_PROG_ID: id of the program attached in driver mode. */
  drvProgId?: number;
  /** IFLA_XDP_SKB_PROG_ID: id of the program attached in generic (skb) mode. */
  skbProgId?: number;
  /** IFLA_XDP_HW_PROG_ID: id of the program offloaded to hardware. */
  hwProgId?: number;
  /** IFLA_XDP_FLAGS: XDP_FLAGS_* (in requests; the kernel does not report them). */
  flags?: number;
  /** IFLA_XDP_FD: a program fd (in requests). */
  fd?: number;
  /** IFLA_XDP_EXPECTED_FD: the fd of the program expected to be replaced (in requests). */
  expectedFd?: number;
}

/** IFLA_XDP: the attached XDP program, if any. */
export const IFLA_XDP_TABLE: AttrTable = table('IFLA_XDP', 'IFLA_XDP_', [
  ['IFLA_XDP_FD', 's32'],
  ['IFLA_XDP_ATTACHED', 'u8'],
  ['IFLA_XDP_FLAGS', 'u32'],
  ['IFLA_XDP_PROG_ID', 'u32'],
  ['IFLA_XDP_DRV_PROG_ID', 'u32'],
  ['IFLA_XDP_SKB_PROG_ID', 'u32'],
  ['IFLA_XDP_HW_PROG_ID', 'u32'],
  ['IFLA_XDP_EXPECTED_FD', 's32'],
]);

/** A u32 or u64 (NLA_UINT: the kernel sends 4 or 8 bytes) as a number; undefined when shorter. */
export function decodeUint(v: DataView, off: number, len: number): number | undefined {
  return len >= 8 ? u64n(v, off) : len >= 4 ? v.getUint32(off, HOST_LE) : undefined;
}
const uintCodec: CustomCodec = {
  decode(ctx, off, len) {
    return decodeUint(ctx.view, off, len);
  },
};

/** Operational states (IF_OPER_*), as `ip` prints them. */
export const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'] as const;
/** Link modes (IF_LINK_MODE_*), as `ip` prints them. */
export const LINKMODES = ['DEFAULT', 'DORMANT', 'TESTING'] as const;

const masterCodec: CustomCodec = {
  decode(ctx, off, len) {
    return len >= 4 ? ctx.view.getUint32(off, HOST_LE) : undefined;
  },
  encode(w, type, value) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new InvalidArgumentError('master', `expected an ifindex, got ${showValue(value)}`);
    w.putU32(type, value);
  },
};

/** An attribute {@link attrAt} found: its type (flag bits cleared), and its header's offset and length (header included, padding not). */
interface FoundAttr {
  readonly type: number;
  readonly off: number;
  readonly len: number;
}

/**
 * The attribute among `[start, end)` of a request that `offset` falls in (its header or
 * its payload), for naming an extended-ACK offset; `each` sees every attribute up to
 * that one, itself included. Undefined when none holds `offset`, or when an attribute
 * before it has a bad length: these walks run only on the error path, where walkAttrs's
 * DecodeError would replace the error being described.
 */
function attrAt(v: DataView, start: number, end: number, offset: number, each?: (type: number, off: number, len: number) => void): FoundAttr | undefined {
  let off = start;
  while (end - off >= NLA_HDRLEN) {
    const len = v.getUint16(off, HOST_LE);
    if (len < NLA_HDRLEN || off + len > end) return undefined;
    const type = v.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK;
    each?.(type, off, len);
    if (offset >= off && offset < off + len) return { type, off, len };
    off += align4(len);
  }
  return undefined;
}

/**
 * The IFLA table, naming extended-ACK offsets where the generic walk cannot: inside
 * IFLA_LINKINFO, IFLA_INFO_DATA by the IFLA_INFO_KIND before it ('IFLA_LINKINFO ›
 * IFLA_INFO_DATA › IFLA_VXLAN_PORT_RANGE'; it said '#10') and IFLA_INFO_SLAVE_DATA by
 * IFLA_INFO_SLAVE_KIND; a veth's VETH_INFO_PEER as the link message it holds ('… ›
 * VETH_INFO_PEER › IFLA_MTU'); and an AF_BRIDGE request's IFLA_PROTINFO as bridge-port
 * attributes (what `rt.link.set`'s bridgePort sends). Runs only for an error.
 */
class LinkAttrTable extends AttrTable {
  override describeOffset(req: Uint8Array, attrsStart: number, offset: number): string | undefined {
    const v = new DataView(req.buffer, req.byteOffset, req.byteLength);
    const a = attrAt(v, attrsStart, req.byteLength, offset);
    // Inside (not at the header of) an attribute the generic walk cannot see into.
    if (a && offset > a.off) {
      const inner = req.subarray(0, a.off + a.len);
      if (a.type === IFLA_LINKINFO) {
        const d = describeLinkinfo(inner, v, a.off + NLA_HDRLEN, offset);
        return d ? `IFLA_LINKINFO › ${d}` : 'IFLA_LINKINFO';
      }
      // The ifinfomsg before the attributes says the family.
      if (a.type === IFLA_PROTINFO && attrsStart >= IFINFOMSG_LEN && req[attrsStart - IFINFOMSG_LEN] === AF_BRIDGE) {
        const d = kindCodec('bridge')?.slaveData?.describeOffset(inner, a.off + NLA_HDRLEN, offset);
        return d ? `IFLA_PROTINFO › ${d}` : 'IFLA_PROTINFO';
      }
    }
    return super.describeOffset(req, attrsStart, offset);
  }
}

/** Name the attribute at `offset` among IFLA_LINKINFO's, which start at `start` and end at `req`'s end. */
function describeLinkinfo(req: Uint8Array, v: DataView, start: number, offset: number): string | undefined {
  let kind: string | undefined;
  let slaveKind: string | undefined;
  const a = attrAt(v, start, req.byteLength, offset, (type, off, len) => {
    if (type !== IFLA_INFO_KIND && type !== IFLA_INFO_SLAVE_KIND) return;
    const text = strzText(Buffer.from(req.buffer, req.byteOffset, req.byteLength), off + NLA_HDRLEN, len - NLA_HDRLEN);
    if (type === IFLA_INFO_KIND) kind = text;
    else slaveKind = text;
  });
  if (!a) return undefined;
  const name = IFLA_INFO.nameOf(a.type);
  if (offset === a.off || (a.type !== IFLA_INFO_DATA && a.type !== IFLA_INFO_SLAVE_DATA)) return name;
  const inner = req.subarray(0, a.off + a.len);
  const dataStart = a.off + NLA_HDRLEN;
  let d: string | undefined;
  if (a.type === IFLA_INFO_DATA && kind === 'veth') d = describeVethData(inner, v, dataStart, offset);
  else {
    const k = a.type === IFLA_INFO_DATA ? kind : slaveKind;
    const c = k !== undefined ? kindCodec(k) : undefined;
    d = ((a.type === IFLA_INFO_DATA ? c?.data : c?.slaveData) ?? UNNAMED).describeOffset(inner, dataStart, offset);
  }
  return d ? `${name} › ${d}` : name;
}

/** Names attributes of a kind nlkit has no table for by number ('#3'). */
const UNNAMED = new AttrTable('', []);

/** A veth's IFLA_INFO_DATA: VETH_INFO_PEER holds a link message (ifinfomsg + IFLA attributes). */
function describeVethData(req: Uint8Array, v: DataView, start: number, offset: number): string | undefined {
  const a = attrAt(v, start, req.byteLength, offset);
  if (!a) return undefined;
  const name = a.type === VETH_INFO_PEER ? 'VETH_INFO_PEER' : `#${a.type}`;
  const attrs = a.off + NLA_HDRLEN + IFINFOMSG_LEN;
  if (offset === a.off || a.type !== VETH_INFO_PEER || offset < attrs) return name;
  const d = IFLA.describeOffset(req.subarray(0, a.off + a.len), attrs, offset);
  return d ? `${name} › ${d}` : name;
}

/**
 * The IFLA table. Keys are the decoded Link's property names; encoding uses the same
 * rows for add/set.
 */
export const IFLA: AttrTable = new LinkAttrTable('IFLA', table('IFLA', 'IFLA_', [
  ['IFLA_ADDRESS', 'mac'],
  ['IFLA_BROADCAST', 'mac'],
  ['IFLA_IFNAME', 'strz', 'name'],
  ['IFLA_MTU', 'u32'],
  ['IFLA_LINK', 'u32'],
  ['IFLA_QDISC', 'strz'],
  ['IFLA_STATS', supersededCodec, 'stats32'],
  ['IFLA_COST', 'binary'],
  ['IFLA_PRIORITY', 'binary'],
  ['IFLA_MASTER', masterCodec],
  ['IFLA_WIRELESS', 'binary'],
  ['IFLA_PROTINFO', 'binary'],
  ['IFLA_TXQLEN', 'u32'],
  ['IFLA_MAP', mapCodec],
  ['IFLA_WEIGHT', 'u32'],
  ['IFLA_OPERSTATE', 'u8'],
  ['IFLA_LINKMODE', 'u8'],
  ['IFLA_LINKINFO', linkinfoCodec],
  ['IFLA_NET_NS_PID', 'u32', 'netnsPid'],
  ['IFLA_IFALIAS', 'strz', 'alias'],
  ['IFLA_NUM_VF', 'u32'],
  ['IFLA_VFINFO_LIST', 'binary'],
  ['IFLA_STATS64', stats64Codec],
  ['IFLA_VF_PORTS', 'binary'],
  ['IFLA_PORT_SELF', 'binary'],
  ['IFLA_AF_SPEC', afSpecCodec],
  ['IFLA_GROUP', 'u32'],
  ['IFLA_NET_NS_FD', 'u32', 'netnsFd'],
  ['IFLA_EXT_MASK', 'u32'],
  ['IFLA_PROMISCUITY', 'u32'],
  ['IFLA_NUM_TX_QUEUES', 'u32'],
  ['IFLA_NUM_RX_QUEUES', 'u32'],
  ['IFLA_CARRIER', 'u8'],
  ['IFLA_PHYS_PORT_ID', 'binary'],
  ['IFLA_CARRIER_CHANGES', 'u32'],
  ['IFLA_PHYS_SWITCH_ID', 'binary'],
  ['IFLA_LINK_NETNSID', 's32', 'netnsId'],
  ['IFLA_PHYS_PORT_NAME', 'strz'],
  ['IFLA_PROTO_DOWN', 'u8'],
  ['IFLA_GSO_MAX_SEGS', 'u32'],
  ['IFLA_GSO_MAX_SIZE', 'u32'],
  ['IFLA_PAD', supersededCodec, 'pad'],
  ['IFLA_XDP', IFLA_XDP_TABLE],
  ['IFLA_EVENT', 'u32'],
  ['IFLA_NEW_NETNSID', 's32', 'newNetnsId'],
  ['IFLA_TARGET_NETNSID', 's32', 'targetNetnsId'],
  ['IFLA_CARRIER_UP_COUNT', 'u32'],
  ['IFLA_CARRIER_DOWN_COUNT', 'u32'],
  ['IFLA_NEW_IFINDEX', 's32'],
  ['IFLA_MIN_MTU', 'u32'],
  ['IFLA_MAX_MTU', 'u32'],
  ['IFLA_PROP_LIST', propListCodec, 'altnames'],
  ['IFLA_ALT_IFNAME', 'strz', 'altname'],
  ['IFLA_PERM_ADDRESS', 'mac', 'permaddr'],
  ['IFLA_PROTO_DOWN_REASON', 'binary'],
  ['IFLA_PARENT_DEV_NAME', 'strz'],
  ['IFLA_PARENT_DEV_BUS_NAME', 'strz'],
  ['IFLA_GRO_MAX_SIZE', 'u32'],
  ['IFLA_TSO_MAX_SIZE', 'u32'],
  ['IFLA_TSO_MAX_SEGS', 'u32'],
  ['IFLA_ALLMULTI', 'u32'],
  ['IFLA_DEVLINK_PORT', 'binary'],
  ['IFLA_GSO_IPV4_MAX_SIZE', 'u32'],
  ['IFLA_GRO_IPV4_MAX_SIZE', 'u32'],
  ['IFLA_DPLL_PIN', 'binary'],
  ['IFLA_MAX_PACING_OFFLOAD_HORIZON', uintCodec],
  ['IFLA_NETNS_IMMUTABLE', boolU8],
  ['IFLA_HEADROOM', 'u16'],
  ['IFLA_TAILROOM', 'u16'],
]).rows);

/** Table used only to name attributes inside IFLA_LINKINFO in error messages. */
export const IFLA_INFO: AttrTable = table('IFLA_INFO', 'IFLA_INFO_', [
  ['IFLA_INFO_KIND', 'strz'],
  ['IFLA_INFO_DATA', 'binary'],
  ['IFLA_INFO_XSTATS', 'binary'],
  ['IFLA_INFO_SLAVE_KIND', 'strz'],
  ['IFLA_INFO_SLAVE_DATA', 'binary'],
]);
linkinfoCodec.table = IFLA_INFO;
