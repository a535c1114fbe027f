/**
 * RTM_NEWADDR message → {@link Addr}: the fields `ip -j addr` prints for each address,
 * as plain values (addresses as strings, lifetimes as numbers). Unknown attributes are
 * kept raw in `unknown`.
 *
 * Addresses are dumped by the thousand, so this decoder walks the attributes with one
 * switch instead of the generic table walk; the IFA table in table.ts names the same
 * attributes for errors.
 * @module
 */
import { DecodeError, HOST_LE, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN, align4, checkAttr, copyBytes, type RawAttribute } from '../../netlink/index.js';
import * as C from '../constants.js';
import { IFA_ADDRESS, IFA_CACHEINFO, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, IFA_BROADCAST, SIZEOF_IFA_CACHEINFO } from '../constants.js';
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

const flagCache4 = new Map<number, readonly string[]>();
const flagCache6 = new Map<number, readonly string[]>();

/** Address flag bits → names as `ip` prints them (bit 0: 'secondary' for IPv4, 'temporary' for IPv6). */
export function addrFlagNames(flags: number, family: 4 | 6): string[] {
  const cache = family === 4 ? flagCache4 : flagCache6;
  let names = cache.get(flags);
  if (names === undefined) {
    const out: string[] = [];
    for (const [bit, name] of ADDR_FLAGS) {
      if (flags & bit) out.push(bit === C.IFA_F_SECONDARY && family === 6 ? 'temporary' : name);
    }
    names = out;
    if (cache.size < 256) cache.set(flags, names);
  }
  return names.slice();
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
    let same = true;
    for (let i = 0; i < n; i++) {
      if (buf[off + i] !== lastLabelBytes[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastLabel;
  }
  const s = buf.toString('utf8', off, e);
  if (n <= lastLabelBytes.length) {
    buf.copy(lastLabelBytes, 0, off, e);
    lastLabelLen = n;
    lastLabel = s;
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
 * Decode the RTM_NEWADDR message at `off` (nlmsghdr included) of length `len`, or
 * undefined for a family other than IPv4/IPv6. Nothing in the result refers to `buf`.
 */
export function decodeAddr(buf: Buffer, view: DataView, off: number, len: number): Addr | undefined {
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
