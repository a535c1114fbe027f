/**
 * The IFLA attribute table (struct ifinfomsg + IFLA_*), as data, and the codecs for
 * its nested parts: IFLA_LINKINFO (kind-dependent IFLA_INFO_DATA chosen by the
 * IFLA_INFO_KIND before it), IFLA_STATS64, IFLA_PROP_LIST (altnames), IFLA_AF_SPEC.
 * @module
 */
import { AttrTable, copyBytes, HOST_LE, NLA_HDRLEN, type CustomCodec, type DecodeContext, InvalidArgumentError, checkAttr, align4, NLA_TYPE_MASK } from '../../netlink/index.js';
import { table } from '../table-helpers.js';
import { kindCodec } from './kinds/index.js';
import { AF_INET6 } from '../ip.js';
import { IFLA_INET6_ADDR_GEN_MODE, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_INFO_SLAVE_DATA, IFLA_INFO_SLAVE_KIND, IFLA_INFO_XSTATS } from '../constants.js';

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

const u64 = (v: DataView, o: number): bigint => v.getBigUint64(o, HOST_LE);

const stats64Codec: CustomCodec = {
  decode(ctx, off, len) {
    const v = ctx.view;
    const o = off;
    // The whole struct (kernels >= 5.19 send all 25 fields, 200 bytes): one object
    // literal, so the object has its final shape at once. Filling it key by key in a
    // loop made a dictionary-mode object: ~2.3 KB allocated per link in a dump.
    if (len >= STATS64_FIELDS.length * 8) {
      return {
        rxPackets: u64(v, o), txPackets: u64(v, o + 8), rxBytes: u64(v, o + 16), txBytes: u64(v, o + 24),
        rxErrors: u64(v, o + 32), txErrors: u64(v, o + 40), rxDropped: u64(v, o + 48), txDropped: u64(v, o + 56),
        multicast: u64(v, o + 64), collisions: u64(v, o + 72), rxLengthErrors: u64(v, o + 80), rxOverErrors: u64(v, o + 88),
        rxCrcErrors: u64(v, o + 96), rxFrameErrors: u64(v, o + 104), rxFifoErrors: u64(v, o + 112), rxMissedErrors: u64(v, o + 120),
        txAbortedErrors: u64(v, o + 128), txCarrierErrors: u64(v, o + 136), txFifoErrors: u64(v, o + 144),
        txHeartbeatErrors: u64(v, o + 152), txWindowErrors: u64(v, o + 160), rxCompressed: u64(v, o + 168),
        txCompressed: u64(v, o + 176), rxNohandler: u64(v, o + 184), rxOtherhostDropped: u64(v, o + 192),
      } satisfies Required<LinkStats64>;
    }
    // Older kernels send fewer fields: only those present.
    const s: LinkStats64 = {};
    const n = len >>> 3;
    for (let i = 0; i < n; i++) s[STATS64_FIELDS[i]!] = u64(v, o + i * 8);
    return s;
  },
};

/** IFLA_STATS (32-bit counters) is superseded by IFLA_STATS64: not stored. */
const supersededCodec: CustomCodec = { decode: () => undefined };

/** Decoded IFLA_LINKINFO. */
export interface LinkInfo {
  /** IFLA_INFO_KIND: 'veth', 'bridge', … */
  kind?: string;
  /** IFLA_INFO_DATA decoded by the kind's table (raw attributes for unknown kinds). */
  data?: Record<string, unknown>;
  /** IFLA_INFO_SLAVE_KIND: the master's kind when this link is a port ('bridge'). */
  slaveKind?: string;
  /** IFLA_INFO_SLAVE_DATA decoded by the master kind's port table. */
  slaveData?: Record<string, unknown>;
  /** IFLA_INFO_XSTATS raw. */
  xstats?: Uint8Array;
}

function strz(ctx: DecodeContext, off: number, len: number): string {
  let e = off + len;
  while (e > off && ctx.buf[e - 1] === 0) e--;
  return ctx.buf.toString('utf8', off, e);
}

const linkinfoCodec: CustomCodec & { table: AttrTable } = {
  table: undefined as unknown as AttrTable, // set below, used to name extack offsets
  decode(ctx, start, len) {
    const out: LinkInfo = {};
    const end = start + len;
    const path = ctx.path;
    let off = start;
    while (end - off >= NLA_HDRLEN) {
      const alen = checkAttr(ctx.view, off, end, path);
      const type = ctx.view.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK;
      const vo = off + NLA_HDRLEN;
      const vl = alen - NLA_HDRLEN;
      if (type === IFLA_INFO_KIND) out.kind = strz(ctx, vo, vl);
      else if (type === IFLA_INFO_SLAVE_KIND) out.slaveKind = strz(ctx, vo, vl);
      else if (type === IFLA_INFO_DATA) {
        const k = out.kind !== undefined ? kindCodec(out.kind) : undefined;
        out.data = k?.data ? k.data.decode(ctx.buf, ctx.view, vo, vo + vl, [...path, `IFLA_INFO_DATA(${out.kind})`]) : rawAttrs(ctx, vo, vo + vl, [...path, 'IFLA_INFO_DATA']);
      } else if (type === IFLA_INFO_SLAVE_DATA) {
        const k = out.slaveKind !== undefined ? kindCodec(out.slaveKind) : undefined;
        out.slaveData = k?.slaveData ? k.slaveData.decode(ctx.buf, ctx.view, vo, vo + vl, [...path, `IFLA_INFO_SLAVE_DATA(${out.slaveKind})`]) : rawAttrs(ctx, vo, vo + vl, [...path, 'IFLA_INFO_SLAVE_DATA']);
      } else if (type === IFLA_INFO_XSTATS) out.xstats = copyBytes(ctx.buf, vo, vo + vl);
      off += align4(alen);
    }
    return out;
  },
};

function rawAttrs(ctx: DecodeContext, start: number, end: number, path: readonly string[]): Record<string, unknown> {
  return EMPTY_TABLE.decode(ctx.buf, ctx.view, start, end, path);
}
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
  inet6AddrGenMode?: number;
}

const afSpecCodec: CustomCodec = {
  decode(ctx, start, len) {
    const out: LinkAfSpec = {};
    const end = start + len;
    let off = start;
    while (end - off >= NLA_HDRLEN) {
      const alen = checkAttr(ctx.view, off, end, ctx.path);
      const fam = ctx.view.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK;
      if (fam === AF_INET6) {
        const iend = off + alen;
        let i = off + NLA_HDRLEN;
        while (iend - i >= NLA_HDRLEN) {
          const il = checkAttr(ctx.view, i, iend, ctx.path);
          if ((ctx.view.getUint16(i + 2, HOST_LE) & NLA_TYPE_MASK) === IFLA_INET6_ADDR_GEN_MODE && il >= 5) out.inet6AddrGenMode = ctx.buf[i + NLA_HDRLEN];
          i += align4(il);
        }
      }
      off += align4(alen);
    }
    return out;
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
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new InvalidArgumentError('master', `expected an ifindex, got ${String(value)}`);
    w.putU32(type, value);
  },
};

/**
 * The IFLA table. Keys are the decoded Link's property names; encoding uses the same
 * rows for add/set.
 */
export const IFLA = table('IFLA', 'IFLA_', [
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
  ['IFLA_MAP', 'binary'],
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
  ['IFLA_XDP', 'binary'],
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
]);

/** Table used only to name attributes inside IFLA_LINKINFO in error messages. */
export const IFLA_INFO = table('IFLA_INFO', 'IFLA_INFO_', [
  ['IFLA_INFO_KIND', 'strz'],
  ['IFLA_INFO_DATA', 'binary'],
  ['IFLA_INFO_XSTATS', 'binary'],
  ['IFLA_INFO_SLAVE_KIND', 'strz'],
  ['IFLA_INFO_SLAVE_DATA', 'binary'],
]);
linkinfoCodec.table = IFLA_INFO;
