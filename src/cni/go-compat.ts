/**
 * What the reference IPAM plugins (containernetworking/plugins 1.1.1, Go) do with
 * addresses and arguments, for nlkit's `static` and `host-local` equivalents, which must
 * give the same results, the same errors and (host-local) the same files:
 *
 * - addresses as Go's `net` package reads and prints them: an IPv4-mapped IPv6 address
 *   is IPv4 (`IP.To4`), IPv6 text is RFC 5952 without dotted forms (`IP.String`), a
 *   CIDR keeps its host bits (`types.IPNet`);
 * - CNI_ARGS as the CNI library's `types.LoadArgs` reads them into a struct of known
 *   keys (`IgnoreUnknown`), with its error messages;
 * - Go's JSON type errors and the reference's error code (999 for every failure of its
 *   own: skel wraps a plain Go error as `ErrInternal`).
 *
 * Parsing itself is src/rtnl/ip.ts's (`parseIp`, `parsePrefix`, on node:net).
 * @module
 */
import { formatIp, parseIp, parsePrefix } from '../rtnl/ip.js';
import { CNI_ERR, CniError, type CniRoute } from './types.js';

/** An address as Go holds it after `canonicalizeIP`: IPv4 in 4 bytes, IPv6 in 16, as one number for arithmetic. */
export interface GoIp {
  /** 4 or 6 (an IPv4-mapped IPv6 address is 4, as Go's `IP.To4` makes it). */
  readonly family: 4 | 6;
  /** The address as an unsigned integer (Go's `ipToInt`). */
  readonly n: bigint;
}

/** A CIDR as `types.IPNet` holds it: the address as written (host bits kept) and the prefix length. */
export interface GoCidr {
  readonly ip: GoIp;
  readonly prefixLen: number;
}

/** The error the reference plugins report for every failure of their own (skel's `ErrInternal`, 999). */
export function goError(msg: string): CniError {
  return new CniError(CNI_ERR.INTERNAL, msg);
}

function fromBytes(b: Uint8Array): GoIp {
  const mapped = b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  const v = mapped ? b.subarray(12) : b;
  let n = 0n;
  for (const x of v) n = (n << 8n) | BigInt(x);
  return { family: v.length === 4 ? 4 : 6, n };
}

/** The address's bytes in network order (4 or 16). */
export function goIpBytes(ip: GoIp): Uint8Array {
  const len = ip.family === 4 ? 4 : 16;
  const b = new Uint8Array(len);
  let n = ip.n;
  for (let i = len - 1; i >= 0; i--) {
    b[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return b;
}

/**
 * Go's `net.ParseIP` (then `To4` where it applies): a plain IPv4 or IPv6 address, no
 * prefix length, no zone. Undefined when it is not one.
 */
export function goParseIp(s: string): GoIp | undefined {
  try {
    return fromBytes(parseIp(s).bytes);
  } catch {
    return undefined;
  }
}

/**
 * Go's `net.ParseCIDR` as `types.IPNet` keeps it: 'address/length', the address as
 * written. Undefined when it is not one.
 *
 * @throws CniError 7 for an IPv4-mapped IPv6 CIDR (`::ffff:10.0.0.0/104`): Go turns it
 * into an IPv4 address with an IPv6 mask, which its own plugins then refuse or misprint.
 */
export function goParseCidr(s: string): GoCidr | undefined {
  if (!s.includes('/')) return undefined;
  let p: ReturnType<typeof parsePrefix>;
  try {
    p = parsePrefix(s);
  } catch {
    return undefined;
  }
  const ip = fromBytes(p.bytes);
  if (ip.family !== p.family) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid CIDR ${s}`, 'an IPv4-mapped IPv6 prefix: write the IPv4 prefix (10.0.0.0/8 for ::ffff:10.0.0.0/104)');
  }
  return { ip, prefixLen: p.prefixLen };
}

/**
 * The CNI plugins' `ip.IP` (pkg/ip): an address, or a CIDR whose address is taken (its
 * length dropped). '' is no address (undefined); anything else that does not parse
 * throws an Error with its message, "invalid IP address x".
 */
export function goParseIpOrCidr(s: string): GoIp | undefined {
  if (s === '') return undefined;
  let ip: GoIp | undefined;
  if (s.includes('/')) {
    try {
      ip = fromBytes(parsePrefix(s).bytes);
    } catch {
      ip = undefined;
    }
  } else ip = goParseIp(s);
  if (!ip) throw new Error(`invalid IP address ${s}`);
  return ip;
}

/** Go's `IP.String()`: dotted IPv4; IPv6 as RFC 5952 (the first longest zero run as '::'), hex groups only. */
export function goIpString(ip: GoIp): string {
  const b = goIpBytes(ip);
  const s = formatIp(b);
  if (ip.family === 4 || !s.includes('.')) return s;
  // inet_ntop dots an IPv4-compatible address (::192.0.2.1); Go writes its last two groups in hex.
  return `::${((b[12]! << 8) | b[13]!).toString(16)}:${((b[14]! << 8) | b[15]!).toString(16)}`;
}

/** Go's `IPNet.String()` of a `types.IPNet`: the address as held, '/', the length. */
export function goCidrString(c: GoCidr): string {
  return `${goIpString(c.ip)}/${c.prefixLen}`;
}

/** Bits in an address of `family`. */
export function bitsOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** The network address of a CIDR (host bits cleared). */
export function networkIp(c: GoCidr): GoIp {
  const host = BigInt(bitsOf(c.ip.family) - c.prefixLen);
  return { family: c.ip.family, n: (c.ip.n >> host) << host };
}

/** Go's `IPNet.Contains`: `ip` is of the network's family and in it. */
export function cidrContains(c: GoCidr, ip: GoIp): boolean {
  if (ip.family !== c.ip.family) return false;
  const host = BigInt(bitsOf(c.ip.family) - c.prefixLen);
  return ip.n >> host === c.ip.n >> host;
}

/** Go's `IP.Equal`. */
export function ipEqual(a: GoIp | undefined, b: GoIp | undefined): boolean {
  return a !== undefined && b !== undefined && a.family === b.family && a.n === b.n;
}

/** Go's `strings.TrimSpace` (Unicode White_Space at both ends; not U+FEFF, which JavaScript's trim() removes). */
export function goTrimSpace(s: string): string {
  return s.replace(GO_SPACE_ENDS, '');
}

/** Go's `strings.Fields`: the runs of non-space characters. */
export function goFields(s: string): string[] {
  return goTrimSpace(s).split(GO_SPACES).filter((f) => f !== '');
}

const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const GO_SPACE_ENDS = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');
const GO_SPACES = new RegExp(`[${GO_SPACE}]+`);

/**
 * A Node file system error as Go's `os` package words it: "open /x/y: no such file or
 * directory" (Node: "ENOENT: no such file or directory, open '/x/y'"). `path` names the
 * file where Node leaves it out (errors of calls on a file descriptor: write, read);
 * the errno's text is Go's (glibc's) where libuv words it otherwise ("is a directory",
 * not "illegal operation on a directory").
 */
export function goOsError(e: unknown, path?: string): string {
  const x = e as NodeJS.ErrnoException;
  const p = typeof x?.path === 'string' ? x.path : path;
  if (x && typeof x.syscall === 'string' && p !== undefined) return `${x.syscall} ${p}: ${goErrnoText(x)}`;
  return x instanceof Error ? x.message : String(e);
}

/** Go's text of a Node error's errno ("permission denied"): libuv's, except where Go's (glibc's) differs. */
export function goErrnoText(e: NodeJS.ErrnoException): string {
  return (e.code !== undefined ? GO_ERRNO_TEXT[e.code] : undefined) ?? /^[A-Z0-9]+: ([^,]*)/.exec(e.message)?.[1] ?? e.code ?? 'error';
}

/** Errno texts where Go's (from glibc's strerror) and libuv's differ. */
const GO_ERRNO_TEXT: Readonly<Record<string, string>> = {
  EEXIST: 'file exists',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  ETXTBSY: 'text file busy',
};

// ---------------------------------------------------------------------------------
// CNI_ARGS

/**
 * CNI_ARGS as `types.LoadArgs` reads them into a struct: pairs split on ';', each on
 * '=' into exactly two parts ("ARGS: invalid pair" otherwise, an empty segment
 * included); a key that is a field (`fields`, matched case-sensitively) is parsed by its
 * function, a later pair winning; other keys are refused ("ARGS: unknown args") unless
 * `IgnoreUnknown` is 1 or true. Nothing is read from an empty CNI_ARGS. A function
 * throws an Error whose message is the field type's own; it is reported as LoadArgs does.
 *
 * @throws CniError 999 with the reference's message.
 */
export function loadCniArgs(raw: string | undefined, fields: Readonly<Record<string, (value: string) => void>>): void {
  if (!raw) return;
  const unknown: string[] = [];
  let ignoreUnknown = false;
  for (const pair of raw.split(';')) {
    const kv = pair.split('=');
    if (kv.length !== 2) throw goError(`ARGS: invalid pair ${JSON.stringify(pair)}`);
    const [key, value] = kv as [string, string];
    const parse = key === 'IgnoreUnknown' ? (v: string) => (ignoreUnknown = goBool(v)) : Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!parse) {
      unknown.push(pair);
      continue;
    }
    try {
      parse(value);
    } catch (e) {
      throw goError(`ARGS: error parsing value of pair ${JSON.stringify(pair)}: ${(e as Error).message}`);
    }
  }
  if (unknown.length > 0 && !ignoreUnknown) throw goError(`ARGS: unknown args [${unknown.map((u) => JSON.stringify(u)).join(' ')}]`);
}

/** types.UnmarshallableBool: 1/true/0/false in any case. */
function goBool(v: string): boolean {
  const s = v.toLowerCase();
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return false;
  throw new Error(`boolean unmarshal error: invalid input ${s}`);
}

// ---------------------------------------------------------------------------------
// JSON fields, as encoding/json decodes them into the reference's structs

/** Go's name for the JSON type of `v` in "cannot unmarshal X into …". */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** encoding/json's type error: `json: cannot unmarshal number into Go struct field X of type Y`. */
export function jsonTypeError(v: unknown, field: string, goType: string): CniError {
  return goError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field} of type ${goType}`);
}

/** A JSON object field (null and absent are the zero value: undefined). */
export function jsonObject(v: unknown, field: string, goType: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw jsonTypeError(v, field, goType);
  return v as Record<string, unknown>;
}

/** A JSON array field (null and absent: undefined). */
export function jsonArray(v: unknown, field: string, goType: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw jsonTypeError(v, field, goType);
  return v;
}

/** A JSON string field (null and absent: undefined). */
export function jsonString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw jsonTypeError(v, field, 'string');
  return v;
}

/** A list of strings (`[]string`; a null element is ''). */
export function jsonStrings(v: unknown, field: string): string[] | undefined {
  const a = jsonArray(v, field, '[]string');
  return a?.map((x) => jsonString(x, field) ?? '');
}

/** A `net.IP` field: '' and null are no address; anything else must parse ("invalid IP address: x"). */
export function jsonIp(v: unknown, field: string): GoIp | undefined {
  const s = jsonString(v, field);
  if (s === undefined || s === '') return undefined;
  const ip = goParseIp(s);
  if (!ip) throw goError(`invalid IP address: ${s}`);
  return ip;
}

/** A `types.IPNet` field: must parse as a CIDR ("invalid CIDR address: x"); null and absent are none. */
export function jsonCidr(v: unknown, field: string): GoCidr | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw jsonTypeError(v, field, 'string');
  const c = goParseCidr(v);
  if (!c) throw goError(`invalid CIDR address: ${v}`);
  return c;
}

/**
 * The `routes` of an IPAM configuration, as the reference reads them (`[]*types.Route`)
 * and prints them: `dst` a CIDR printed as written (host bits kept: "10.9.9.9/8"), `gw`
 * an address ('' for none). The spec 1.1 fields (`mtu`, `advmss`, `priority`, `table`,
 * `scope`) are kept for a 1.1.0 result (the reference 1.1.1 knows none of them). A route
 * without `dst`, which the reference prints as "<nil>", and a 1.1 field that is not an
 * unsigned 32-bit integer are refused (code 7).
 */
export function jsonRoutes(v: unknown, field: string): CniRoute[] | undefined {
  const a = jsonArray(v, field, '[]*types.Route');
  return a?.map((x, i) => {
    const o = jsonObject(x, field, 'types.route') ?? {};
    const dst = jsonCidr(o['dst'], `${field}.dst`);
    if (!dst) throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${field}[${i}]`, `a route needs "dst", a prefix like 10.0.0.0/8`);
    const gw = jsonIp(o['gw'], `${field}.gw`);
    const r: CniRoute = { dst: goCidrString(dst) };
    if (gw) r.gw = goIpString(gw);
    for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) {
      const n = o[k];
      if (n === undefined || n === null) continue;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
        throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${field}[${i}]`, `'${k}' must be an unsigned 32-bit integer, got ${JSON.stringify(n)}`);
      }
      r[k] = n;
    }
    return r;
  });
}
