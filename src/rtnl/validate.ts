/**
 * Input checks run before anything is sent to the kernel. Each throws
 * {@link InvalidArgumentError} naming the argument and what was wrong.
 * @module
 */
import { InvalidArgumentError, checkOptionKeys, parseHexColon, showValue } from '../netlink/index.js';

/** IFNAMSIZ - 1: the longest interface name in bytes. */
export const IFNAME_MAX = 15;
/** Longest alternative name (ALTIFNAMSIZ - 1). */
export const ALTNAME_MAX = 127;

/**
 * Check an interface name the way the kernel's dev_valid_name does: 1–15 bytes, not
 * '.' or '..', no '/', ':', NUL or whitespace (the bytes the kernel's isspace() counts:
 * \t \n \v \f \r, space and 0xa0 — not Unicode spaces such as U+2003, which it takes).
 * A lone surrogate is refused too: it has no UTF-8 (it would be sent as U+FFFD).
 */
export function checkIfname(name: unknown, arg = 'name', max = IFNAME_MAX): string {
  if (typeof name !== 'string') throw new InvalidArgumentError(arg, `expected an interface name string, got ${showValue(name)}`);
  // Fast path, no native call or regex: a short printable-ASCII name without '/' or ':'
  // (what nearly every caller passes). Anything else takes the general checks below.
  const n = name.length;
  if (n > 0 && n <= max && !(n <= 2 && (name === '.' || name === '..'))) {
    let i = 0;
    for (; i < n; i++) {
      const c = name.charCodeAt(i);
      if (c <= 0x20 || c >= 0x7f || c === 0x2f /* / */ || c === 0x3a /* : */) break;
    }
    if (i === n) return name;
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0) throw new InvalidArgumentError(arg, 'interface name is empty');
  if (bytes > max) throw new InvalidArgumentError(arg, `interface name '${name}' is ${bytes} bytes; the limit is ${max}`);
  if (name === '.' || name === '..') throw new InvalidArgumentError(arg, `'${name}' is not a valid interface name`);
  // The kernel's isspace() bytes, not JavaScript's \s: that also matches Unicode spaces
  // (U+2003 is e2 80 83), names the kernel and `ip link add` take, which nlkit could then
  // not even look up. 0xa0 is checked on the UTF-8 below.
  // eslint-disable-next-line no-control-regex
  const bad = /[/:\t\n\v\f\r \u0000]/.exec(name);
  if (bad) throw new InvalidArgumentError(arg, `interface name '${name.replace(/\0/g, '\\0')}' contains ${JSON.stringify(bad[0])} (no '/', ':', whitespace or NUL allowed)`);
  if (LONE_SURROGATE.test(name)) throw new InvalidArgumentError(arg, `interface name ${JSON.stringify(name)} contains a lone surrogate, which has no UTF-8 (it would be sent as U+FFFD, and the link get another name)`);
  // The kernel's dev_valid_name() tests each byte with its isspace(), which also counts
  // 0xa0 (Latin-1 NBSP): UTF-8 has that byte in 'à' (c3 a0) and many other letters.
  if (bytes !== n && Buffer.from(name, 'utf8').includes(0xa0)) throw new InvalidArgumentError(arg, `interface name '${name}' contains the byte 0xa0 (in its UTF-8), which the kernel counts as whitespace`);
  return name;
}

/**
 * A new interface name (of a create or a rename): {@link checkIfname}, and a '%' only as
 * the one '%d' of a template, which the kernel fills in with the lowest free number
 * ('veth%d' → 'veth0', as `ip link add veth%d` gets); any other '%' is its bare EINVAL
 * (__dev_alloc_name). Altnames are not templates: a lookup takes any '%'.
 */
export function checkNewIfname(name: unknown, arg = 'name'): string {
  const s = checkIfname(name, arg);
  const p = s.indexOf('%');
  if (p >= 0 && (s.charCodeAt(p + 1) !== 0x64 /* d */ || s.includes('%', p + 2))) {
    throw new InvalidArgumentError(arg, `interface name '${s}' has a '%' that is not one '%d' (a template the kernel fills in with a number; any other '%' it refuses)`);
  }
  return s;
}

/** Whether a new name (checked by {@link checkNewIfname}) is a '%d' template: the link's real name is the kernel's choice. */
export function isNameTemplate(name: string): boolean {
  return name.includes('%');
}

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A link reference: a valid name or a positive ifindex. */
export function checkLinkRef(ref: unknown, arg = 'link'): string | number {
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref <= 0 || ref > 0x7fffffff) throw new InvalidArgumentError(arg, `ifindex must be a positive integer, got ${showValue(ref)}`);
    return ref;
  }
  return checkIfname(ref, arg, ALTNAME_MAX);
}

/**
 * MTU: an integer the kernel can hold (IFLA_MTU is a u32 that dev_set_mtu reads as an int:
 * above 2^31-1 it is negative, 'less than device minimum'; `ip` takes the same range).
 * Each device's own range (IFLA_MIN_MTU..IFLA_MAX_MTU: 0.. for lo, 68..65535 for a veth)
 * is the kernel's to enforce: it checks it and says which bound was crossed.
 */
export function checkMtu(mtu: unknown, arg = 'mtu'): number {
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 0 || mtu > 0x7fffffff) {
    throw new InvalidArgumentError(arg, `MTU must be an integer from 0 to 2147483647 (each device checks its own range), got ${showValue(mtu)}`);
  }
  return mtu;
}

/** An unsigned 32-bit integer. */
export function checkU32(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(arg, `expected an integer in 0..4294967295, got ${showValue(v)}`);
  return v;
}

/** The kernel's bounds for a device's TX or RX queue count (rtnl_create_link: "Invalid number of transmit queues"). */
export const MAX_QUEUES = 4096;

/** A TX/RX queue count: an integer in 1..4096, the range the kernel accepts when creating a link. */
export function checkQueueCount(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_QUEUES) throw new InvalidArgumentError(arg, `expected an integer in 1..${MAX_QUEUES} (the kernel's limit), got ${showValue(v)}`);
  return v;
}

/** A hardware address from a string ('aa:bb:…', 'aa-bb-…'), bytes, or an object with `bytes` (MacAddr). */
export function checkHwAddr(v: unknown, arg = 'address', length?: number): Uint8Array {
  let b: Uint8Array | null = null;
  if (typeof v === 'string') b = parseHexColon(v);
  else if (v instanceof Uint8Array) b = v;
  else if (typeof v === 'object' && v !== null && (v as { bytes?: unknown }).bytes instanceof Uint8Array) b = (v as { bytes: Uint8Array }).bytes;
  if (!b || b.length === 0 || b.length > 32) throw new InvalidArgumentError(arg, `${showValue(v)} is not a hardware address`);
  if (length !== undefined && b.length !== length) throw new InvalidArgumentError(arg, `a hardware address for this link type is ${length} bytes, got ${b.length}`);
  return b;
}

/** A boolean. */
export function checkBool(v: unknown, arg: string): boolean {
  if (typeof v !== 'boolean') throw new InvalidArgumentError(arg, `expected true or false, got ${showValue(v)}`);
  return v;
}

/** A string without NUL bytes, at most `max` bytes. */
export function checkString(v: unknown, arg: string, max: number): string {
  if (typeof v !== 'string') throw new InvalidArgumentError(arg, `expected a string, got ${showValue(v)}`);
  if (v.includes('\0')) throw new InvalidArgumentError(arg, 'contains a NUL byte');
  if (Buffer.byteLength(v) > max) throw new InvalidArgumentError(arg, `is longer than ${max} bytes`);
  return v;
}

/** Reject keys that the caller misspelt: every key of `obj` must be in `allowed` (the netlink layer's check, shared). */
export const checkKeys: (obj: object, allowed: ReadonlySet<string>, arg: string) => void = checkOptionKeys;

/**
 * An address family: 4, 6, 'inet' or 'inet6' (as `ip -4`/`-6` and `ip -j`'s "family"
 * say). Returns 4 or 6.
 */
export function checkFamily(v: unknown, arg = 'family'): 4 | 6 {
  if (v === 4 || v === 'inet' || v === 'ipv4') return 4;
  if (v === 6 || v === 'inet6' || v === 'ipv6') return 6;
  const af = v === 2 ? ' (AF_INET: give 4)' : v === 10 ? ' (AF_INET6: give 6)' : '';
  throw new InvalidArgumentError(arg, `expected 4, 6, 'inet' or 'inet6', got ${showValue(v)}${af}`);
}

/** An integer in `min..max`. */
export function checkInt(v: unknown, arg: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(arg, `expected an integer in ${min}..${max}, got ${showValue(v)}`);
  return v;
}

/**
 * A name from `names` or a number in `0..max` (route types, protocols, scopes): returns
 * the number. The error lists the names accepted.
 */
export function checkNamed(v: unknown, arg: string, names: Readonly<Record<string, number>>, max: number): number {
  if (typeof v === 'number') return checkInt(v, arg, 0, max);
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(names, v)) return names[v]!;
  throw new InvalidArgumentError(arg, `unknown ${arg.split('.').pop()} ${showValue(v)} (expected one of ${Object.keys(names).join(', ')}, or a number 0..${max})`);
}

const EMPTY: Record<string, unknown> = Object.freeze({});

/** An object (options, filters, specs); `undefined` gives a shared frozen `{}` (read, never written). */
export function checkObject(v: unknown, arg: string): Record<string, unknown> {
  if (v === undefined) return EMPTY;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError(arg, `expected an object, got ${showValue(v)}`);
  return v as Record<string, unknown>;
}
