/**
 * RTM_NEWADDR message → {@link Addr}: the fields `ip -j addr` prints for each address,
 * as plain values (addresses as strings, lifetimes as numbers). Unknown attributes are
 * kept raw in `unknown`.
 *
 * Addresses are dumped by the thousand, so nothing here uses the generic table walk:
 * decodeAddr reads the kernel's IPv4 layout at fixed offsets, decodeAddrShapes walks
 * the other common shapes (IPv6), each straight into one object literal, and anything
 * else goes to decodeAddrGeneral, one switch over every attribute (tests hold them
 * equal). The IFA table in table.ts names the same attributes for errors.
 * @module
 */
import { DecodeError, HOST_LE, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN, align4, checkAttr, copyBytes, type RawAttribute } from '../../netlink/index.js';
import * as C from '../constants.js';
import { IFA_ADDRESS, IFA_CACHEINFO, IFA_FLAGS, IFA_F_PERMANENT, IFA_LABEL, IFA_LOCAL, IFA_BROADCAST, SIZEOF_IFA_CACHEINFO } from '../constants.js';
import { AF_INET, AF_INET6, formatIp } from '../ip.js';
import { scopeName, type Scope } from '../route/names.js';
import { ADDR_FLAGS, ADDR_PROTOCOLS, FOREVER, IFADDRMSG_LEN, type AddrCacheinfo } from './table.js';

/**
 * An interface address. Field names follow `ip -j addr` (camelCase), with `address`
 * being what `ip` calls "local": the address itself.
 */
export interface Addr {
  /** 4 or 6. */
  family: 4 | 6;
  /** ifindex of the link the address is on. */
  index: number;
  /** The address (IFA_LOCAL, or IFA_ADDRESS where the kernel sends no IFA_LOCAL), e.g. '10.1.0.2'. */
  address: string;
  /** Prefix length. */
  prefixLen: number;
  /** IFA_LOCAL as the kernel sent it (IPv4 always; IPv6 only with a peer). */
  local?: string;
  /** The peer of a point-to-point address (IFA_ADDRESS when it differs from IFA_LOCAL); `ip`'s "address". */
  peer?: string;
  /** IPv4 broadcast address (IFA_BROADCAST). */
  broadcast?: string;
  /** IFA_ANYCAST. */
  anycast?: string;
  /** IFA_MULTICAST. */
  multicast?: string;
  /** IPv4 label (IFA_LABEL), e.g. 'v0' or 'v0:1'. */
  label?: string;
  /** 'global', 'site', 'link', 'host', 'nowhere' (number when unnamed). */
  scope: Scope | number;
  /** Flags by name, as `ip` prints them ('secondary', 'nodad', 'permanent', 'tentative', …). */
  flags: string[];
  /** All flag bits (ifa_flags, or IFA_FLAGS when present). */
  rawFlags: number;
  /** Valid lifetime left, seconds; 4294967295 = forever. */
  validLifetime: number;
  /** Preferred lifetime left, seconds; 4294967295 = forever. */
  preferredLifetime: number;
  /** IFA_CACHEINFO in full (lifetimes and created/updated timestamps). */
  cacheinfo?: AddrCacheinfo;
  /** Metric of the prefix route (IFA_RT_PRIORITY). */
  metric?: number;
  /** IFA_PROTO: 'kernel_lo', 'kernel_ra', 'kernel_ll' (number when unnamed). */
  protocol?: string | number;
  /** IFA_TARGET_NETNSID. */
  targetNetnsid?: number;
  /** Attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
}

/** Flag names by bit pattern, per family (IFA_F_* fit in 12 bits; larger values go uncached). */
const flagCache4: (readonly string[] | undefined)[] = [];
const flagCache6: (readonly string[] | undefined)[] = [];

function flagNamesOf(flags: number, family: 4 | 6): readonly string[] {
  const hit = flags < 0x1000 ? (family === 4 ? flagCache4 : flagCache6)[flags] : undefined;
  return hit !== undefined ? hit : flagNamesMiss(flags, family);
}

/** The cache miss of {@link flagNamesOf}, out of line so that the decoder's hot path stays small. */
function flagNamesMiss(flags: number, family: 4 | 6): readonly string[] {
  const out: string[] = [];
  for (const [bit, name] of ADDR_FLAGS) {
    if (flags & bit) out.push(bit === C.IFA_F_SECONDARY && family === 6 ? 'temporary' : name);
  }
  if (flags < 0x1000) (family === 4 ? flagCache4 : flagCache6)[flags] = out;
  return out;
}

/** Address flag bits → names as `ip` prints them (bit 0: 'secondary' for IPv4, 'temporary' for IPv6). */
export function addrFlagNames(flags: number, family: 4 | 6): string[] {
  // A copy: callers own the array (and may sort it).
  return flagNamesOf(flags, family).slice();
}

const protoByNum = new Map<number, string>(Object.entries(ADDR_PROTOCOLS).map(([k, v]) => [v, k]));

// Labels repeat (one per link, mostly the link's name): the last one decoded is reused
// when its bytes match, instead of decoding the same UTF-8 again for every address.
let lastLabel = '';
const lastLabelBytes = Buffer.alloc(16);
let lastLabelLen = -1;

function label(buf: Buffer, off: number, len: number): string {
  let e = off + len;
  while (e > off && buf[e - 1] === 0) e--;
  const n = e - off;
  if (n === lastLabelLen) {
    let i = 0;
    while (i < n && buf[off + i] === lastLabelBytes[i]) i++;
    if (i === n) return lastLabel;
  }
  return labelMiss(buf, off, e);
}

/** A label other than the last one: decoded, and remembered when it fits. */
function labelMiss(buf: Buffer, off: number, e: number): string {
  const s = buf.toString('utf8', off, e);
  const n = e - off;
  if (n <= lastLabelBytes.length) {
    buf.copy(lastLabelBytes, 0, off, e);
    lastLabelLen = n;
    lastLabel = s;
  }
  return s;
}

// decodeAddr's own label cache, compared word by word: the label attribute's payload
// length and its payload with the padding after it, as up to four 32-bit words (only used
// where the padding is inside the message). A loop over bytes, as in label(), made the
// optimising compile of decodeAddr about a third slower.
let wordLabel = '';
let wordLabelLen = -1;
let lw0 = 0;
let lw1 = 0;
let lw2 = 0;
let lw3 = 0;

/**
 * The IFA_LABEL payload at `off` of length `len` (at most 16 bytes cached), for messages
 * that hold `off + align4(len)` bytes and at least 4 after `off`. A hit needs the same
 * length and the same padded words, so the same label bytes; on a miss label() decodes.
 */
function labelWords(buf: Buffer, view: DataView, off: number, len: number): string {
  if (len === wordLabelLen && view.getInt32(off, HOST_LE) === lw0 &&
    (len <= 4 || (view.getInt32(off + 4, HOST_LE) === lw1 &&
      (len <= 8 || (view.getInt32(off + 8, HOST_LE) === lw2 && (len <= 12 || view.getInt32(off + 12, HOST_LE) === lw3)))))) {
    return wordLabel;
  }
  return labelWordsMiss(buf, view, off, len);
}

function labelWordsMiss(buf: Buffer, view: DataView, off: number, len: number): string {
  const s = label(buf, off, len);
  if (len <= 16) {
    lw0 = view.getInt32(off, HOST_LE);
    lw1 = len > 4 ? view.getInt32(off + 4, HOST_LE) : 0;
    lw2 = len > 8 ? view.getInt32(off + 8, HOST_LE) : 0;
    lw3 = len > 12 ? view.getInt32(off + 12, HOST_LE) : 0;
    wordLabelLen = len;
    wordLabel = s;
  }
  return s;
}

/** Equal payloads (IFA_ADDRESS and IFA_LOCAL are the same bytes unless there is a peer). */
function sameBytes(buf: Buffer, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

const PATH: readonly string[] = ['RTM_NEWADDR'];

/** The attributes most addresses do not have, out of line so the hot decoder stays small. */
function rare(a: Addr, type: number, buf: Buffer, view: DataView, vo: number, vl: number, unknown: RawAttribute[] | undefined): RawAttribute[] | undefined {
  switch (type) {
    case C.IFA_ANYCAST:
      a.anycast = formatIp(buf, vo, vl);
      return unknown;
    case C.IFA_MULTICAST:
      a.multicast = formatIp(buf, vo, vl);
      return unknown;
    case C.IFA_RT_PRIORITY:
      if (vl >= 4) {
        a.metric = view.getUint32(vo, HOST_LE);
        return unknown;
      }
      break;
    case C.IFA_PROTO:
      if (vl >= 1) {
        a.protocol = protoByNum.get(buf[vo]!) ?? buf[vo]!;
        return unknown;
      }
      break;
    case C.IFA_TARGET_NETNSID:
      if (vl >= 4) {
        a.targetNetnsid = view.getInt32(vo, HOST_LE);
        return unknown;
      }
      break;
  }
  // Unknown, or too short for its type: kept raw.
  (unknown ??= []).push({ type, value: copyBytes(buf, vo, vo + vl) });
  return unknown;
}

/**
 * The general decoder: every attribute, in any order, with the key order of the result
 * following the attribute order. {@link decodeAddr} hands every message it does not
 * recognise as a common kernel shape to this one.
 * @internal exported for the tests that hold the fast path to it.
 */
export function decodeAddrGeneral(buf: Buffer, view: DataView, off: number, len: number): Addr | undefined {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + IFADDRMSG_LEN) throw new DecodeError('RTM_NEWADDR shorter than ifaddrmsg', ['RTM_NEWADDR'], off, NLMSG_HDRLEN + IFADDRMSG_LEN, len);
  const af = buf[h]!;
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const family: 4 | 6 = af === AF_INET ? 4 : 6;
  let rawFlags = buf[h + 2]!;
  const a: Addr = {
    family,
    index: view.getUint32(h + 4, HOST_LE),
    address: '',
    prefixLen: buf[h + 1]!,
    scope: scopeName(buf[h + 3]!),
    flags: [],
    rawFlags: 0,
    validLifetime: FOREVER,
    preferredLifetime: FOREVER,
  };
  let addrOff = -1;
  let addrLen = 0;
  let localOff = -1;
  let localLen = 0;
  let unknown: RawAttribute[] | undefined;
  const end = off + len;
  let p = h + IFADDRMSG_LEN;
  while (end - p >= NLA_HDRLEN) {
    const alen = view.getUint16(p, HOST_LE);
    if (alen < NLA_HDRLEN || alen > end - p) checkAttr(view, p, end, PATH); // throws the DecodeError
    const type = view.getUint16(p + 2, HOST_LE) & NLA_TYPE_MASK;
    const vo = p + NLA_HDRLEN;
    const vl = alen - NLA_HDRLEN;
    switch (type) {
      case IFA_ADDRESS:
        addrOff = vo;
        addrLen = vl;
        break;
      case IFA_LOCAL:
        localOff = vo;
        localLen = vl;
        break;
      case IFA_LABEL:
        a.label = label(buf, vo, vl);
        break;
      case IFA_BROADCAST:
        a.broadcast = formatIp(buf, vo, vl);
        break;
      case IFA_FLAGS:
        if (vl >= 4) rawFlags = view.getUint32(vo, HOST_LE);
        break;
      case IFA_CACHEINFO:
        if (vl >= SIZEOF_IFA_CACHEINFO) {
          const ci: AddrCacheinfo = { preferred: view.getUint32(vo, HOST_LE), valid: view.getUint32(vo + 4, HOST_LE), created: view.getUint32(vo + 8, HOST_LE), updated: view.getUint32(vo + 12, HOST_LE) };
          a.cacheinfo = ci;
          a.preferredLifetime = ci.preferred;
          a.validLifetime = ci.valid;
        } else unknown = rare(a, type, buf, view, vo, vl, unknown);
        break;
      default:
        unknown = rare(a, type, buf, view, vo, vl, unknown);
    }
    p += align4(alen);
  }
  if (end - p > 3) throw new DecodeError('trailing bytes after attributes', PATH, p, NLA_HDRLEN, end - p);
  if (localOff >= 0) {
    a.local = a.address = formatIp(buf, localOff, localLen);
    if (addrOff >= 0 && !(addrLen === localLen && sameBytes(buf, addrOff, localOff, localLen))) a.peer = formatIp(buf, addrOff, addrLen);
  } else if (addrOff >= 0) a.address = formatIp(buf, addrOff, addrLen);
  a.rawFlags = rawFlags;
  a.flags = addrFlagNames(rawFlags, family);
  if (unknown) a.unknown = unknown;
  return a;
}

/** Scope names by number (the table scopeName reads, as an array for the hot path). */
const SCOPE_NAMES: (Scope | number)[] = Array.from({ length: 256 }, (_, i) => scopeName(i));
/** Decimal strings of 0..255, and the same with a trailing dot. */
const DEC: string[] = Array.from({ length: 256 }, (_, i) => String(i));
const DEC_DOT: string[] = DEC.map((d) => d + '.');

// Dumped IPv4 addresses mostly share their first three bytes with the one before: the
// 'a.b.c.' prefix is kept, so an address costs one string concatenation.
let lastV4Key = -1;
let lastV4Prefix = '';

/**
 * Address strings by address, direct-mapped: the same addresses dumped again get the
 * same (immutable) strings back, neither built nor allocated again. Each slot holds an
 * address and its text; every slot starts as 0.0.0.0, so a hit is always right.
 */
const V4_SLOTS = 4096;
const v4Words = new Int32Array(V4_SLOTS);
const v4Texts: string[] = new Array<string>(V4_SLOTS).fill('0.0.0.0');

/**
 * The IPv4 address at `o`, read as one big-endian (network order) word; signed, so that
 * the unoptimised tiers get a small integer rather than a heap number for 128.0.0.0 and up.
 */
function ipv4(view: DataView, o: number): string {
  const w = view.getInt32(o, false);
  const slot = (w ^ (w >>> 16)) & (V4_SLOTS - 1);
  // The text is read hit or miss: a first dump has only misses, and a read that only
  // hits made would have no type feedback when V8 optimises from that dump.
  const text = v4Texts[slot]!;
  return v4Words[slot] === w ? text : ipv4Miss(w, slot);
}

function ipv4Miss(w: number, slot: number): string {
  const key = w >>> 8;
  const s = (key === lastV4Key ? lastV4Prefix : ipv4Prefix(key)) + DEC[w & 0xff]!;
  v4Words[slot] = w;
  v4Texts[slot] = s;
  return s;
}

function ipv4Prefix(key: number): string {
  lastV4Prefix = DEC_DOT[key >>> 16]! + DEC_DOT[(key >>> 8) & 0xff]! + DEC_DOT[key & 0xff]!;
  lastV4Key = key;
  return lastV4Prefix;
}

/** Attribute bits seen by the fast path (1 << type). */
const SEEN_ADDRESS = 1 << IFA_ADDRESS;
const SEEN_LOCAL = 1 << IFA_LOCAL;
const SEEN_LABEL = 1 << IFA_LABEL;
const SEEN_BROADCAST = 1 << IFA_BROADCAST;
const SEEN_CACHEINFO = 1 << IFA_CACHEINFO;
const SEEN_FLAGS = 1 << IFA_FLAGS;
/** The attributes of an IPv4 address as the kernel dumps it (IFA_BROADCAST optional). */
const V4_COMMON = SEEN_ADDRESS | SEEN_LOCAL | SEEN_LABEL | SEEN_FLAGS | SEEN_CACHEINFO;
/** The attributes of an IPv6 address without a peer, metric or protocol. */
const V6_COMMON = SEEN_ADDRESS | SEEN_FLAGS | SEEN_CACHEINFO;

/** An attribute header (nla_len, nla_type) as `view.getUint32(p, HOST_LE)` reads it. */
function hdrWord(len: number, type: number): number {
  return (HOST_LE ? len | (type << 16) : (len << 16) | type) >>> 0;
}
const HDR_ADDRESS4 = hdrWord(NLA_HDRLEN + 4, IFA_ADDRESS);
const HDR_LOCAL4 = hdrWord(NLA_HDRLEN + 4, IFA_LOCAL);
const HDR_BROADCAST4 = hdrWord(NLA_HDRLEN + 4, IFA_BROADCAST);
const HDR_FLAGS = hdrWord(NLA_HDRLEN + 4, IFA_FLAGS);
const HDR_CACHEINFO = hdrWord(NLA_HDRLEN + SIZEOF_IFA_CACHEINFO, IFA_CACHEINFO);
/**
 * The results' shapes, made once at load: objects with the same keys in the same order
 * as the decoders' object literals (IPv4 without and with a broadcast address, IPv6, and
 * the cacheinfo), with null lifetimes. V8 gives objects with the same keys in the same
 * order the same hidden class. A field that has held only numbers, one of them beyond
 * the small integers (as 4294967295 is), becomes a "double" field: every object then
 * gets its own box for it (16 bytes in Node's builds), even for a small integer. A field
 * that has also held null is a tagged field instead: it holds a small integer in place
 * and points to a heap number, which lets {@link FOREVER_NUMBER} be shared: an IPv4 address
 * without expiry had four boxes of its own (its decodeAddr row of the micro table is the
 * bytes an address allocates now). Every u32 field is tagged so: the timestamps pass the
 * small integers after 248 days of uptime, and an odd ifindex or flags word from some
 * sender would otherwise change the hidden class for every address after it. Kept alive
 * here by {@link FOREVER_NUMBER} (which decodeAddr uses, so a bundler cannot drop them),
 * since V8 may drop a hidden class that no object uses.
 * @internal exported for the test that holds these keys to the decoders'.
 */
export const RESULT_SHAPES: readonly object[] = [
  { preferred: null, valid: null, created: null, updated: null },
  { family: 4, index: null, address: '', prefixLen: 0, scope: '', flags: [], rawFlags: null, validLifetime: null, preferredLifetime: null, label: '', cacheinfo: null, local: '' },
  { family: 4, index: null, address: '', prefixLen: 0, scope: '', flags: [], rawFlags: null, validLifetime: null, preferredLifetime: null, broadcast: '', label: '', cacheinfo: null, local: '' },
  { family: 6, index: null, address: '', prefixLen: 0, scope: '', flags: [], rawFlags: null, validLifetime: null, preferredLifetime: null, cacheinfo: null },
];

/**
 * 4294967295 (FOREVER: an address without expiry, the usual case) as one heap number for
 * every address: it is beyond V8's small integers, and a value read from the message
 * would be boxed anew for each field it is stored in. Held in a tagged field (null
 * first), so that reading it gives the heap number itself.
 */
const FOREVER_NUMBER: { v: unknown; readonly shapes: readonly object[] } = { v: null, shapes: RESULT_SHAPES };
FOREVER_NUMBER.v = FOREVER;

/** nlmsghdr + ifaddrmsg + IFA_ADDRESS + IFA_LOCAL + IFA_LABEL header + IFA_FLAGS + IFA_CACHEINFO. */
const V4_KERNEL_MIN = NLMSG_HDRLEN + IFADDRMSG_LEN + 8 + 8 + NLA_HDRLEN + 8 + NLA_HDRLEN + SIZEOF_IFA_CACHEINFO;

/**
 * Decode the RTM_NEWADDR message at `off` (nlmsghdr included) of length `len`, or
 * undefined for a family other than IPv4/IPv6. Nothing in the result refers to `buf`.
 *
 * Addresses are dumped by the thousand, and a fresh process decodes its first dumps
 * before V8 has optimised this function, so the IPv4 address as the kernel sends it
 * (inet_fill_ifaddr: IFA_ADDRESS = IFA_LOCAL, [IFA_BROADCAST], IFA_LABEL, IFA_FLAGS,
 * IFA_CACHEINFO, in that order) is read here at the offsets that layout gives, one
 * header word per attribute and no attribute loop: less work in the unoptimised tiers
 * and a smaller function to optimise. The result is one object literal with the keys
 * in the order the general decoder sets them (one hidden class, no property added
 * later). Any other message goes to {@link decodeAddrShapes}.
 */
export function decodeAddr(buf: Buffer, view: DataView, off: number, len: number): Addr | undefined {
  const h = off + NLMSG_HDRLEN;
  const end = off + len;
  let p = h + IFADDRMSG_LEN;
  // IFA_ADDRESS and IFA_LOCAL, 4 bytes each and equal (no peer).
  if (len < V4_KERNEL_MIN || buf[h] !== AF_INET || view.getUint32(p, HOST_LE) !== HDR_ADDRESS4 ||
    view.getUint32(p + 8, HOST_LE) !== HDR_LOCAL4 || view.getInt32(p + 4, HOST_LE) !== view.getInt32(p + 12, HOST_LE)) {
    return decodeAddrShapes(buf, view, off, len);
  }
  const localOff = p + 12;
  p += 16;
  let bcastOff = -1;
  if (view.getUint32(p, HOST_LE) === HDR_BROADCAST4) {
    bcastOff = p + NLA_HDRLEN;
    p += 8;
  }
  // IFA_LABEL: any length that leaves room for IFA_FLAGS and IFA_CACHEINFO after it.
  const labelLen = view.getUint16(p, HOST_LE) - NLA_HDRLEN;
  const labelOff = p + NLA_HDRLEN;
  p = labelOff + ((labelLen + 3) & ~3);
  if (view.getUint16(labelOff - 2, HOST_LE) !== IFA_LABEL || labelLen < 0 || end - p !== 8 + NLA_HDRLEN + SIZEOF_IFA_CACHEINFO ||
    view.getUint32(p, HOST_LE) !== HDR_FLAGS || view.getUint32(p + 8, HOST_LE) !== HDR_CACHEINFO) {
    return decodeAddrShapes(buf, view, off, len);
  }
  const rawFlags = view.getUint32(p + 4, HOST_LE);
  // The lifetimes in locals: the forever test below picks the literals that share one
  // number, and the unoptimised tiers would allocate 4294967295 again for every read.
  const preferred = view.getUint32(p + 12, HOST_LE);
  const valid = view.getUint32(p + 16, HOST_LE);
  const created = view.getUint32(p + 20, HOST_LE);
  const updated = view.getUint32(p + 24, HOST_LE);
  const address = ipv4(view, localOff);
  // IFA_F_PERMANENT alone (an address added without lifetimes) as an array literal:
  // V8 shares a literal's constant elements copy-on-write, so the caller's own array
  // is one small object instead of two.
  const flags = rawFlags === IFA_F_PERMANENT ? ['permanent'] : flagNamesOf(rawFlags, 4).slice();
  const scope = SCOPE_NAMES[buf[h + 3]!]!;
  // Keys in the order the general decoder sets them: header fields, then broadcast,
  // label, cacheinfo as the attributes come, then local.
  if (valid === FOREVER && preferred === FOREVER) {
    // Literals of their own: a value chosen between the shared number and one read
    // from the message is a plain number to V8's optimising compiler, boxed anew.
    const f = FOREVER_NUMBER.v as number;
    const fci: AddrCacheinfo = { preferred: f, valid: f, created, updated };
    if (bcastOff < 0) {
      return {
        family: 4, index: view.getUint32(h + 4, HOST_LE), address, prefixLen: buf[h + 1]!, scope, flags, rawFlags,
        validLifetime: f, preferredLifetime: f, label: labelWords(buf, view, labelOff, labelLen), cacheinfo: fci, local: address,
      };
    }
    return {
      family: 4, index: view.getUint32(h + 4, HOST_LE), address, prefixLen: buf[h + 1]!, scope, flags, rawFlags,
      validLifetime: f, preferredLifetime: f, broadcast: ipv4(view, bcastOff), label: labelWords(buf, view, labelOff, labelLen),
      cacheinfo: fci, local: address,
    };
  }
  const ci: AddrCacheinfo = { preferred, valid, created, updated };
  if (bcastOff < 0) {
    return {
      family: 4, index: view.getUint32(h + 4, HOST_LE), address, prefixLen: buf[h + 1]!, scope, flags, rawFlags,
      validLifetime: valid, preferredLifetime: preferred, label: labelWords(buf, view, labelOff, labelLen), cacheinfo: ci, local: address,
    };
  }
  return {
    family: 4, index: view.getUint32(h + 4, HOST_LE), address, prefixLen: buf[h + 1]!, scope, flags, rawFlags,
    validLifetime: valid, preferredLifetime: preferred, broadcast: ipv4(view, bcastOff), label: labelWords(buf, view, labelOff, labelLen),
    cacheinfo: ci, local: address,
  };
}

/**
 * The common shapes {@link decodeAddr} does not read at fixed offsets (IPv6 addresses,
 * and the IPv4 attributes in an order other than the kernel's): the attributes are
 * walked, read into locals and the result is made by one object literal, with the same
 * keys in the same order as the general decoder gives.
 *
 * Shapes: IPv4: IFA_ADDRESS = IFA_LOCAL, [IFA_BROADCAST], IFA_LABEL, IFA_FLAGS,
 * IFA_CACHEINFO; IPv6: IFA_ADDRESS, IFA_CACHEINFO, IFA_FLAGS. Anything else — another
 * attribute, a peer, a short payload, a malformed attribute, another order — goes to
 * the general decoder, which decodes (or rejects) it from the start.
 */
function decodeAddrShapes(buf: Buffer, view: DataView, off: number, len: number): Addr | undefined {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + IFADDRMSG_LEN) return decodeAddrGeneral(buf, view, off, len);
  const af = buf[h]!;
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const addrLen = af === AF_INET ? 4 : 16;
  let seen = 0;
  let addrOff = 0;
  let localOff = 0;
  let labelOff = 0;
  let labelLen = 0;
  let bcastOff = 0;
  let ciOff = 0;
  let rawFlags = buf[h + 2]!;
  const end = off + len;
  let p = h + IFADDRMSG_LEN;
  while (end - p >= NLA_HDRLEN) {
    const alen = view.getUint16(p, HOST_LE);
    if (alen < NLA_HDRLEN || alen > end - p) return decodeAddrGeneral(buf, view, off, len);
    const type = view.getUint16(p + 2, HOST_LE) & NLA_TYPE_MASK;
    const vo = p + NLA_HDRLEN;
    const vl = alen - NLA_HDRLEN;
    // Each attribute at most once, the kernel's order (label before cacheinfo,
    // broadcast before both), the kernel's payload sizes; anything else is general.
    if (type === IFA_ADDRESS && vl === addrLen && seen === 0) {
      addrOff = vo;
      seen = SEEN_ADDRESS;
    } else if (type === IFA_LOCAL && vl === addrLen && seen === SEEN_ADDRESS) {
      localOff = vo;
      seen |= SEEN_LOCAL;
    } else if (type === IFA_BROADCAST && vl === 4 && (seen & ~(SEEN_ADDRESS | SEEN_LOCAL)) === 0) {
      bcastOff = vo;
      seen |= SEEN_BROADCAST;
    } else if (type === IFA_LABEL && (seen & (SEEN_LABEL | SEEN_CACHEINFO)) === 0) {
      labelOff = vo;
      labelLen = vl;
      seen |= SEEN_LABEL;
    } else if (type === IFA_FLAGS && vl === 4 && (seen & SEEN_FLAGS) === 0) {
      rawFlags = view.getUint32(vo, HOST_LE);
      seen |= SEEN_FLAGS;
    } else if (type === IFA_CACHEINFO && vl === SIZEOF_IFA_CACHEINFO && (seen & SEEN_CACHEINFO) === 0) {
      ciOff = vo;
      seen |= SEEN_CACHEINFO;
    } else return decodeAddrGeneral(buf, view, off, len);
    p += align4(alen);
  }
  if (p !== end) return decodeAddrGeneral(buf, view, off, len);
  if (af === AF_INET) {
    if ((seen & ~SEEN_BROADCAST) !== V4_COMMON || !sameBytes(buf, addrOff, localOff, 4)) return decodeAddrGeneral(buf, view, off, len);
    const ci: AddrCacheinfo = {
      preferred: view.getUint32(ciOff, HOST_LE), valid: view.getUint32(ciOff + 4, HOST_LE),
      created: view.getUint32(ciOff + 8, HOST_LE), updated: view.getUint32(ciOff + 12, HOST_LE),
    };
    const address = ipv4(view, localOff);
    const flags = flagNamesOf(rawFlags, 4).slice();
    const scope = SCOPE_NAMES[buf[h + 3]!]!;
    // Keys in the order the general decoder sets them: header fields, then broadcast,
    // label, cacheinfo as the attributes come, then local.
    if (seen & SEEN_BROADCAST) {
      return {
        family: 4, index: view.getUint32(h + 4, HOST_LE), address, prefixLen: buf[h + 1]!, scope, flags, rawFlags,
        validLifetime: ci.valid, preferredLifetime: ci.preferred, broadcast: ipv4(view, bcastOff), label: label(buf, labelOff, labelLen),
        cacheinfo: ci, local: address,
      };
    }
    return {
      family: 4, index: view.getUint32(h + 4, HOST_LE), address, prefixLen: buf[h + 1]!, scope, flags, rawFlags,
      validLifetime: ci.valid, preferredLifetime: ci.preferred, label: label(buf, labelOff, labelLen), cacheinfo: ci, local: address,
    };
  }
  if ((seen | SEEN_FLAGS) !== V6_COMMON) return decodeAddrGeneral(buf, view, off, len);
  const ci: AddrCacheinfo = {
    preferred: view.getUint32(ciOff, HOST_LE), valid: view.getUint32(ciOff + 4, HOST_LE),
    created: view.getUint32(ciOff + 8, HOST_LE), updated: view.getUint32(ciOff + 12, HOST_LE),
  };
  return {
    family: 6, index: view.getUint32(h + 4, HOST_LE), address: formatIp(buf, addrOff, 16), prefixLen: buf[h + 1]!,
    scope: SCOPE_NAMES[buf[h + 3]!]!, flags: flagNamesOf(rawFlags, 6).slice(), rawFlags,
    validLifetime: ci.valid, preferredLifetime: ci.preferred, cacheinfo: ci,
  };
}
