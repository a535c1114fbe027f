/**
 * IP address and prefix parsing and formatting. Validation is Node's (`net.isIPv4`,
 * `net.isIPv6`, which handle compression, zone ids and IPv4-mapped forms); this file
 * only turns an already-valid string into bytes and back, formatting IPv6 as glibc's
 * inet_ntop, and so `ip`, does: RFC 5952's lowercase and zero compression, and the last
 * 32 bits dotted where inet_ntop dots them (see formatIpLong).
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError, showValue } from '../netlink/index.js';

/** Address family numbers (AF_INET, AF_INET6). */
export const AF_INET = 2;
/** `AF_INET6`: IPv6. */
export const AF_INET6 = 10;
/** `AF_UNSPEC`: no particular family (e.g. a dump of every family). */
export const AF_UNSPEC = 0;
/** `AF_BRIDGE`: bridge family (bridge port options, fdb entries). */
export const AF_BRIDGE = 7;

/** A parsed address: family and network-order bytes (4 or 16). */
export interface IpAddr {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The address in network byte order: 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
}

/** A parsed prefix: address plus prefix length. */
export interface IpPrefix extends IpAddr {
  /** Prefix length in bits, 0..32 or 0..128 (the full length when none was given). */
  readonly prefixLen: number;
}

function v4bytes(s: string, out: Uint8Array, off: number): void {
  // `s` is a valid dotted quad (checked by net.isIPv4): digits and three dots.
  let n = 0;
  let k = off;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      out[k++] = n;
      n = 0;
    } else n = n * 10 + (c - 48);
  }
  out[k] = n;
}

/** Parse an IPv4 or IPv6 address string; throws InvalidArgumentError naming `what`. */
export function parseIp(s: unknown, what = 'address'): IpAddr {
  if (typeof s !== 'string') throw new InvalidArgumentError(what, `expected an IP address string, got ${showValue(s)}`);
  if (isIPv4(s)) {
    const b = new Uint8Array(4);
    v4bytes(s, b, 0);
    return { family: 4, bytes: b };
  }
  const pct = s.indexOf('%');
  if (pct >= 0 && isIPv6(s.slice(0, pct))) {
    // fe80::1%eth0: netlink carries no zone (scope id); dropping it would act on
    // whatever link the call names instead. `ip` refuses these too.
    throw new InvalidArgumentError(what, `${showValue(s)} has a zone index ('${s.slice(pct)}'): netlink addresses carry none; name the link with the call's link or dev instead`);
  }
  if (isIPv6(s)) {
    const b = new Uint8Array(16);
    let text = s;
    // A trailing dotted quad (::ffff:1.2.3.4) fills the last 4 bytes.
    const lastColon = text.lastIndexOf(':');
    let tailV4: string | undefined;
    if (text.indexOf('.', lastColon) > lastColon) {
      tailV4 = text.slice(lastColon + 1);
      text = text.slice(0, lastColon + 1) + '0:0';
    }
    const dbl = text.indexOf('::');
    let head: string[] = [];
    let tail: string[] = [];
    if (dbl >= 0) {
      const h = text.slice(0, dbl);
      const t = text.slice(dbl + 2);
      head = h ? h.split(':') : [];
      tail = t ? t.split(':') : [];
    } else head = text.split(':');
    const groups = new Array<number>(8).fill(0);
    head.forEach((g, i) => (groups[i] = parseInt(g, 16)));
    tail.forEach((g, i) => (groups[8 - tail.length + i] = parseInt(g, 16)));
    for (let i = 0; i < 8; i++) {
      b[i * 2] = groups[i]! >> 8;
      b[i * 2 + 1] = groups[i]! & 0xff;
    }
    if (tailV4) v4bytes(tailV4, b, 12);
    return { family: 6, bytes: b };
  }
  throw new InvalidArgumentError(what, `'${s}' is not an IPv4 or IPv6 address`);
}

/**
 * Parse an address that must be of `family` (when given); the error names `arg` and
 * says what the family had to match ("the address", "dst", …).
 */
export function parseIpOf(v: unknown, arg: string, family: 4 | 6 | undefined, what: string): IpAddr {
  const a = parseIp(v, arg);
  if (family !== undefined && a.family !== family) throw new InvalidArgumentError(arg, `${arg} ${String(v)} is IPv${a.family} but ${what} is IPv${family}`);
  return a;
}

/** Format 4 or 16 network-order bytes as an address string. */
export function formatIp(b: Uint8Array, off = 0, len = b.length - off): string {
  // Kept small so it inlines into decoders; IPv6 and odd lengths are formatted out of line.
  return len === 4 ? DEC[b[off]!]! + '.' + DEC[b[off + 1]!]! + '.' + DEC[b[off + 2]!]! + '.' + DEC[b[off + 3]!]! : formatIpLong(b, off, len);
}

/** Decimal strings of 0..255. */
const DEC: string[] = Array.from({ length: 256 }, (_, i) => String(i));

/** The 16-bit groups of the IPv6 address being formatted. */
const GROUPS = new Int32Array(8);
/** The text being formatted (at most 39 characters: ffff:…:ffff). */
const TEXT = Buffer.alloc(48);
/** Hex digits (char codes). */
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Write `v` (0..0xffff) in hex without leading zeros at `n`; the new end. */
function putHex(v: number, n: number): number {
  if (v >= 0x1000) TEXT[n++] = HEX_DIGITS[v >>> 12]!;
  if (v >= 0x100) TEXT[n++] = HEX_DIGITS[(v >>> 8) & 15]!;
  if (v >= 0x10) TEXT[n++] = HEX_DIGITS[(v >>> 4) & 15]!;
  TEXT[n++] = HEX_DIGITS[v & 15]!;
  return n;
}

/** Write `v` (0..255) in decimal at `n`; the new end. */
function putDec(v: number, n: number): number {
  if (v >= 100) TEXT[n++] = 0x30 + ((v / 100) | 0);
  if (v >= 10) TEXT[n++] = 0x30 + (((v / 10) | 0) % 10);
  TEXT[n++] = 0x30 + (v % 10);
  return n;
}

/**
 * IPv6 (and odd lengths) as text. IPv6 as glibc's inet_ntop writes it, which is what
 * `ip` prints: lowercase, the first longest run of two or more zero groups as '::', and
 * the last 32 bits dotted exactly where inet_ntop dots them: after five zero groups and
 * ffff (IPv4-mapped, ::ffff:192.0.2.1), or after six zero groups when the seventh is not
 * zero (IPv4-compatible, ::192.0.2.1; but ::0.0.1.2 is ::102, and the NAT64 prefix stays
 * hex, 64:ff9b::102:304). musl's inet_ntop dots only the IPv4-mapped form. Written into
 * one scratch buffer and read out as one string: no array or string per group.
 */
function formatIpLong(b: Uint8Array, off: number, len: number): string {
  if (len !== 16) {
    let s = '';
    for (let i = 0; i < len; i++) s += (i ? ':' : '') + b[off + i]!.toString(16).padStart(2, '0');
    return s;
  }
  const g = GROUPS;
  let bestStart = -1;
  let bestLen = 0;
  let curStart = -1;
  for (let i = 0; i < 8; i++) {
    const v = (b[off + i * 2]! << 8) | b[off + i * 2 + 1]!;
    g[i] = v;
    if (v === 0) {
      if (curStart < 0) curStart = i;
    } else if (curStart >= 0) {
      if (i - curStart > bestLen) {
        bestStart = curStart;
        bestLen = i - curStart;
      }
      curStart = -1;
    }
  }
  if (curStart >= 0 && 8 - curStart > bestLen) {
    bestStart = curStart;
    bestLen = 8 - curStart;
  }
  if (bestLen < 2) bestStart = -1;
  let n = 0;
  for (let i = 0; i < 8; i++) {
    if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLen) {
      if (i === bestStart) TEXT[n++] = 0x3a;
      continue;
    }
    if (i !== 0) TEXT[n++] = 0x3a;
    if (i === 6 && bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
      n = putDec(b[off + 12]!, n);
      TEXT[n++] = 0x2e;
      n = putDec(b[off + 13]!, n);
      TEXT[n++] = 0x2e;
      n = putDec(b[off + 14]!, n);
      TEXT[n++] = 0x2e;
      n = putDec(b[off + 15]!, n);
      return TEXT.toString('latin1', 0, n);
    }
    n = putHex(g[i]!, n);
  }
  if (bestStart >= 0 && bestStart + bestLen === 8) TEXT[n++] = 0x3a;
  return TEXT.toString('latin1', 0, n);
}

/**
 * Parse 'addr/len' (or a bare address, which gets the full length). Rejects prefix
 * lengths over 32/128, non-digits and empty parts.
 */
export function parsePrefix(s: unknown, what = 'prefix'): IpPrefix {
  if (typeof s !== 'string') throw new InvalidArgumentError(what, `expected 'address/length', got ${showValue(s)}`);
  const slash = s.indexOf('/');
  const a = parseIp(slash >= 0 ? s.slice(0, slash) : s, what);
  const max = a.family === 4 ? 32 : 128;
  if (slash < 0) return { family: a.family, bytes: a.bytes, prefixLen: max };
  const ls = s.slice(slash + 1);
  // No leading zeros: `ip` reads '/010' as octal (8), so '010' would mean 10 here and 8 there.
  if (!/^(?:0|[1-9]\d{0,2})$/.test(ls)) throw new InvalidArgumentError(what, `'${s}' has a malformed prefix length${/^0\d/.test(ls) ? ' (a leading zero: ip would read it as octal)' : ''}`);
  const len = Number(ls);
  if (len > max) throw new InvalidArgumentError(what, `prefix length ${len} exceeds ${max} for IPv${a.family} in '${s}'`);
  return { family: a.family, bytes: a.bytes, prefixLen: len };
}

/** Zero the host bits of `p` (for route destinations). */
export function networkOf(p: IpPrefix): IpPrefix {
  const b = new Uint8Array(p.bytes);
  for (let i = 0; i < b.length; i++) {
    const bits = Math.max(0, Math.min(8, p.prefixLen - i * 8));
    b[i]! &= (0xff << (8 - bits)) & 0xff;
  }
  return { family: p.family, bytes: b, prefixLen: p.prefixLen };
}

/** AF_INET / AF_INET6 for a family 4 / 6. */
export function afOf(family: 4 | 6): number {
  return family === 4 ? AF_INET : AF_INET6;
}

/**
 * Format a prefix the way `ip` prints it: the bare address when the length is the
 * family's full length (a host route, a /32 rule source), else 'address/length'.
 */
export function formatPrefix(b: Uint8Array, off: number, len: number, prefixLen: number): string {
  const a = formatIp(b, off, len);
  return prefixLen === len * 8 ? a : `${a}/${prefixLen}`;
}

/** True when `p` has bits set past its prefix length (10.1.2.3/8). */
export function hasHostBits(p: IpPrefix): boolean {
  for (let i = 0; i < p.bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, p.prefixLen - i * 8));
    if ((p.bytes[i]! & ~((0xff << (8 - bits)) & 0xff)) !== 0) return true;
  }
  return false;
}

/** The AF_* number of an IpAddr. */
export function afOfAddr(a: IpAddr): number {
  return afOf(a.family);
}
