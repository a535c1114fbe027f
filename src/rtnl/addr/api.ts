/**
 * `rt.addr`: add, replace, delete and list interface addresses over RTM_*ADDR.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, allOrNoneError, tookIndexes, type BatchRequest, type MessageWriter, type RequestWithOptions } from '../../netlink/index.js';
import * as C from '../constants.js';
import { decodeKept, eachArgs, existingLinkIndex, type ForEachCallback, type RtnlCore } from '../core.js';
import { registerLayout } from '../describer.js';
import { AF_INET, AF_INET6, AF_UNSPEC, afOf, parseIpOf, parsePrefix, type IpPrefix } from '../ip.js';
import { SCOPES, scopeName, type Scope } from '../route/names.js';
import { checkBool, checkFamily, checkKeys, checkLinkRef, checkNamed, checkObject, checkString, checkU32 } from '../validate.js';
import { bodyOf, flushRounds, type Dumped } from '../flush.js';
import { decodeAddr, type Addr } from './decode.js';
import { ADDR_PROTOCOLS, FOREVER, IFA, IFADDRMSG_LEN } from './table.js';

registerLayout([C.RTM_NEWADDR, C.RTM_DELADDR, C.RTM_GETADDR], IFADDRMSG_LEN, IFA);

/** Options for `rt.addr.add` / `replace`. Every field is optional. */
export interface AddrOptions {
  /**
   * Peer of a point-to-point address (IFA_ADDRESS), a plain address of the same family.
   * The prefix length given with the address is then the peer's, as the kernel keeps it
   * and a decoded Addr's `prefixLen` reports it: `add(l, '10.0.0.1/24', { peer:
   * '10.0.0.2' })` is `ip addr add 10.0.0.1 peer 10.0.0.2/24` (prefix route 10.0.0.0/24),
   * whereas `ip addr add 10.0.0.1/24 peer 10.0.0.2` gives the peer its full length, /32,
   * which is `add(l, '10.0.0.1', { peer: '10.0.0.2' })`. Defaults to none.
   */
  readonly peer?: string | undefined;
  /** IPv4 broadcast address, or `true` to compute it from the prefix as `brd +` does (none for a /31 or /32, as `ip` gives none). Defaults to none. */
  readonly broadcast?: string | true | undefined;
  /** IPv4 label (at most 15 bytes, e.g. 'v0:1'). Defaults to the link's name. */
  readonly label?: string | undefined;
  /** Scope by name or number. Defaults to 'host' for 127.0.0.0/8, else 'global' (as `ip` does). */
  readonly scope?: Scope | number | undefined;
  /** IPv6: skip duplicate address detection (IFA_F_NODAD), so the address is usable at once. Defaults to false. */
  readonly nodad?: boolean | undefined;
  /** IPv6: optimistic DAD (IFA_F_OPTIMISTIC). Defaults to false. */
  readonly optimistic?: boolean | undefined;
  /** IPv6: home address for mobile IPv6 (IFA_F_HOMEADDRESS). Defaults to false. */
  readonly home?: boolean | undefined;
  /** IPv6: manage temporary addresses from this prefix (IFA_F_MANAGETEMPADDR). Defaults to false. */
  readonly mngtmpaddr?: boolean | undefined;
  /** Do not add the prefix route (IFA_F_NOPREFIXROUTE). Defaults to false. */
  readonly noprefixroute?: boolean | undefined;
  /** Join/leave the multicast group for a multicast address (IFA_F_MCAUTOJOIN). Defaults to false. */
  readonly autojoin?: boolean | undefined;
  /** Valid lifetime in seconds, or 'forever'. Defaults to 'forever'. */
  readonly validLifetime?: number | 'forever' | undefined;
  /** Preferred lifetime in seconds (≤ validLifetime), or 'forever'. Defaults to `validLifetime`. */
  readonly preferredLifetime?: number | 'forever' | undefined;
  /** Metric of the prefix route (IFA_RT_PRIORITY). Defaults to the kernel's (0 for IPv4, 256 for IPv6). */
  readonly metric?: number | undefined;
  /** IFA_PROTO: who adds the address ('kernel_lo', 'kernel_ra', 'kernel_ll' or 0..255). Defaults to none. */
  readonly protocol?: string | number | undefined;
}

/** One address of `rt.addr.addMany` with options of its own (over the call's shared options). */
export interface AddrEntry extends AddrOptions {
  /** 'ADDRESS/LEN' or a bare address, as for `rt.addr.add`. */
  readonly address: string;
}

/** Options for `rt.addr.del`. */
export interface AddrDelOptions {
  /** Peer of the point-to-point address to delete; the address's prefix length is the peer's, as for `add`. Defaults to none (the address itself). */
  readonly peer?: string | undefined;
  /** IPv4: only the address with this label. Defaults to any label. */
  readonly label?: string | undefined;
}

/** Filters for `rt.addr.list`. Every field is optional; none means every address. */
export interface AddrFilter {
  /** Only addresses on this link (name or ifindex; filtered by the kernel). Defaults to all links. */
  readonly link?: string | number | undefined;
  /** 4 / 'inet' or 6 / 'inet6' (filtered by the kernel). Defaults to both. */
  readonly family?: 4 | 6 | 'inet' | 'inet6' | undefined;
  /** Only this scope. Defaults to every scope. */
  readonly scope?: Scope | number | undefined;
  /** Only IPv4 addresses with this label. Defaults to any. */
  readonly label?: string | undefined;
}

const OPTION_KEYS = new Set(['peer', 'broadcast', 'label', 'scope', 'nodad', 'optimistic', 'home', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'validLifetime', 'preferredLifetime', 'metric', 'protocol']);
const DEL_KEYS = new Set(['peer', 'label']);
const FILTER_KEYS = new Set(['link', 'family', 'scope', 'label']);
const FLAG_OPTIONS: ReadonlyArray<readonly [string, number, boolean]> = [
  // [option, bit, IPv6 only]
  ['nodad', C.IFA_F_NODAD, true],
  ['optimistic', C.IFA_F_OPTIMISTIC, true],
  ['home', C.IFA_F_HOMEADDRESS, true],
  ['mngtmpaddr', C.IFA_F_MANAGETEMPADDR, true],
  ['noprefixroute', C.IFA_F_NOPREFIXROUTE, false],
  ['autojoin', C.IFA_F_MCAUTOJOIN, false],
];

/** A checked add/replace request, ready to write. */
interface PreparedAddr {
  prefix: IpPrefix;
  peer: Uint8Array | undefined;
  broadcast: Uint8Array | undefined;
  label: string | undefined;
  scope: number;
  flags: number;
  lifetimes: { valid: number; preferred: number } | undefined;
  metric: number | undefined;
  protocol: number | undefined;
}

function lifetime(v: unknown, arg: string): number {
  if (v === 'forever') return FOREVER;
  return checkU32(v, arg);
}

const DIGIT_0 = 48;

/** The address word of the last successful {@link parseV4} (network order, as an int32). */
let parsedV4Word = 0;

/**
 * 'a.b.c.d' or 'a.b.c.d/n' parsed in one pass, accepting exactly what {@link parsePrefix}
 * accepts for IPv4 (octets 0–255 without leading zeros, as net.isIPv4; a length of 1–3
 * digits up to 32). Returns the prefix length and leaves the address in `parsedV4Word`;
 * -1 for anything else — IPv6 or a mistake — which then goes through parsePrefix for
 * its result or its error. Addresses are added by the thousand: this saves the regular
 * expressions, the substrings and every object of the general parse (not even the
 * address bytes: a typed array is a large object for V8).
 */
function parseV4(s: string): number {
  const n = s.length;
  let word = 0;
  let i = 0;
  for (let k = 0; k < 4; k++) {
    const start = i;
    let v = 0;
    while (i < n) {
      const d = s.charCodeAt(i) - DIGIT_0;
      // One unsigned compare for 0..9 (a char below '0' wraps above 9): this runs per
      // character, unoptimised for most of a fresh process's first thousand adds.
      if (d >>> 0 > 9) break;
      v = v * 10 + d;
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 3 || v > 255 || (len > 1 && s.charCodeAt(start) === DIGIT_0)) return -1;
    word = (word << 8) | v;
    if (k < 3) {
      if (s.charCodeAt(i) !== 46 /* . */) return -1;
      i++;
    }
  }
  if (i === n) {
    parsedV4Word = word;
    return 32;
  }
  if (s.charCodeAt(i) !== 47 /* / */) return -1;
  const start = ++i;
  let len = 0;
  while (i < n) {
    const d = s.charCodeAt(i) - DIGIT_0;
    if (d >>> 0 > 9) return -1;
    len = len * 10 + d;
    i++;
  }
  // A leading zero ('/032') is parsePrefix's to refuse (ip would read it as octal).
  if (i === start || i - start > 3 || len > 32 || (i - start > 1 && s.charCodeAt(start) === DIGIT_0)) return -1;
  parsedV4Word = word;
  return len;
}

/** {@link parseV4} as an IpPrefix (undefined where parseV4 gives -1): the same accepted set as parsePrefix's IPv4. */
export function parseV4PrefixFast(s: string): IpPrefix | undefined {
  const prefixLen = parseV4(s);
  if (prefixLen < 0) return undefined;
  const w = parsedV4Word;
  return { family: 4, bytes: Uint8Array.of(w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff), prefixLen };
}

/**
 * An IPv4 address added without options, the bulk case: what its request needs, in one
 * small object that is the request's argument (no prepared request, no closure).
 */
interface V4Add {
  readonly word: number;
  readonly prefixLen: number;
  readonly index: number;
  /** As the caller wrote it, for the error's subject. */
  readonly address: string;
}

/**
 * The RTM_NEWADDR body of a {@link V4Add}: the same bytes writeAddr writes for it (a
 * request starts 4-aligned; at an unaligned cursor, which no request has, the fallback
 * below pads differently from writeAddr).
 */
function writeV4Add(w: MessageWriter, a: V4Add): void {
  const word = a.word;
  const scope = word >>> 24 === 127 ? C.RT_SCOPE_HOST : C.RT_SCOPE_UNIVERSE;
  const at = w.pos;
  if ((at & 3) === 0) {
    // Six host-order words, no call per field: a process runs this unoptimised for its
    // first adds (all of W4's 1000), where each call and DataView access costs, and this
    // is most of an add's work.
    w.ensure(IFADDRMSG_LEN + 16);
    const x = w.words;
    const i = at >> 2;
    // The address's bytes in network order, read as a host-order word.
    const net = HOST_LE ? ((word >>> 24) | ((word >>> 8) & 0xff00) | ((word & 0xff00) << 8) | (word << 24)) : word;
    x[i] = HOST_LE ? AF_INET | (a.prefixLen << 8) | (scope << 24) : (AF_INET << 24) | (a.prefixLen << 16) | scope;
    x[i + 1] = a.index;
    x[i + 2] = HOST_LE ? 8 | (C.IFA_LOCAL << 16) : (8 << 16) | C.IFA_LOCAL;
    x[i + 3] = net;
    x[i + 4] = HOST_LE ? 8 | (C.IFA_ADDRESS << 16) : (8 << 16) | C.IFA_ADDRESS;
    x[i + 5] = net;
    w.pos = at + IFADDRMSG_LEN + 16;
    return;
  }
  putIfaddrmsg(w, AF_INET, a.prefixLen, 0, scope, a.index);
  w.putBe32(C.IFA_LOCAL, word);
  w.putBe32(C.IFA_ADDRESS, word);
}

/** A V4Add's request options: its subject made only if an error needs it. */
const V4_ADD_OPTS: RequestWithOptions<V4Add> = { subjectOf: (a) => subject(a.address, a.index) };

/** Check an address and its options (no I/O). */
function prepare(address: unknown, options: unknown): PreparedAddr {
  const prefix = (typeof address === 'string' ? parseV4PrefixFast(address) : undefined) ?? parsePrefix(address, 'address');
  const fam = prefix.family;
  const out: PreparedAddr = {
    prefix, peer: undefined, broadcast: undefined, label: undefined, scope: fam === 4 && prefix.bytes[0] === 127 ? C.RT_SCOPE_HOST : C.RT_SCOPE_UNIVERSE,
    flags: 0, lifetimes: undefined, metric: undefined, protocol: undefined,
  };
  if (options === undefined) return out; // the common case: nothing more to check
  const o = checkObject(options, 'options');
  checkKeys(o, OPTION_KEYS, '');
  if (o['peer'] !== undefined) out.peer = parseIpOf(o['peer'], 'peer', fam, 'the address').bytes;
  if (o['broadcast'] !== undefined) {
    if (fam !== 4) throw new InvalidArgumentError('broadcast', 'only IPv4 addresses have a broadcast address');
    if (o['broadcast'] === true) {
      // As `ip addr add … brd +`: the host bits of the peer (else the address) set, and
      // no broadcast at all for a /31 or /32, whose every address is a host's (RFC 3021):
      // a /31's "broadcast" would be the other end of the link.
      if (prefix.prefixLen <= 30) {
        const b = new Uint8Array(out.peer ?? prefix.bytes);
        for (let i = 0; i < 4; i++) {
          const bits = Math.max(0, Math.min(8, prefix.prefixLen - i * 8));
          b[i]! |= 0xff >> bits;
        }
        out.broadcast = b;
      }
    } else out.broadcast = parseIpOf(o['broadcast'], 'broadcast', 4, 'the address').bytes;
  }
  if (o['label'] !== undefined) {
    if (fam !== 4) throw new InvalidArgumentError('label', 'only IPv4 addresses have labels');
    out.label = checkString(o['label'], 'label', 15);
    if (out.label.length === 0) throw new InvalidArgumentError('label', 'is empty');
  }
  if (o['scope'] !== undefined) out.scope = checkNamed(o['scope'], 'scope', SCOPES, 255);
  for (const [key, bit, v6only] of FLAG_OPTIONS) {
    if (o[key] === undefined) continue;
    if (!checkBool(o[key], key)) continue;
    if (v6only && fam !== 6) throw new InvalidArgumentError(key, `${key} applies to IPv6 addresses only`);
    out.flags |= bit;
  }
  if (o['validLifetime'] !== undefined || o['preferredLifetime'] !== undefined) {
    const valid = o['validLifetime'] !== undefined ? lifetime(o['validLifetime'], 'validLifetime') : FOREVER;
    const preferred = o['preferredLifetime'] !== undefined ? lifetime(o['preferredLifetime'], 'preferredLifetime') : valid;
    if (valid === 0) throw new InvalidArgumentError('validLifetime', 'a valid lifetime of 0 would expire the address at once');
    if (preferred > valid) throw new InvalidArgumentError('preferredLifetime', `preferred lifetime ${preferred} exceeds the valid lifetime ${valid}`);
    out.lifetimes = { valid, preferred };
  }
  if (o['metric'] !== undefined) out.metric = checkU32(o['metric'], 'metric');
  if (o['protocol'] !== undefined) out.protocol = checkNamed(o['protocol'], 'protocol', ADDR_PROTOCOLS, 255);
  return out;
}

/** Write struct ifaddrmsg at the writer's cursor. */
export function putIfaddrmsg(w: MessageWriter, family: number, prefixLen: number, flags: number, scope: number, index: number): void {
  // All 8 bytes are written here, so no zero-filled reserve() (Buffer#fill costs more than the struct).
  w.ensure(IFADDRMSG_LEN);
  const o = w.pos;
  const b = w.buf;
  b[o] = family;
  b[o + 1] = prefixLen;
  b[o + 2] = flags & 0xff;
  b[o + 3] = scope;
  w.view.setUint32(o + 4, index, HOST_LE);
  w.pos = o + IFADDRMSG_LEN;
}

function writeAddr(w: MessageWriter, p: PreparedAddr, index: number): void {
  const pre = p.prefix;
  putIfaddrmsg(w, afOf(pre.family), pre.prefixLen, p.flags, p.scope, index);
  w.putBytes(C.IFA_LOCAL, pre.bytes);
  w.putBytes(C.IFA_ADDRESS, p.peer ?? pre.bytes);
  if (p.broadcast) w.putBytes(C.IFA_BROADCAST, p.broadcast);
  if (p.label !== undefined) w.putStrz(C.IFA_LABEL, p.label);
  // ifa_flags holds 8 bits; the kernel reads the rest from IFA_FLAGS.
  if (p.flags > 0xff) w.putU32(C.IFA_FLAGS, p.flags);
  if (p.lifetimes) {
    // struct ifa_cacheinfo written in place (a plain, non-nested attribute).
    const a = w.nestStart(C.IFA_CACHEINFO, false);
    const o = w.reserve(C.SIZEOF_IFA_CACHEINFO);
    w.view.setUint32(o, p.lifetimes.preferred, HOST_LE);
    w.view.setUint32(o + 4, p.lifetimes.valid, HOST_LE);
    w.nestEnd(a);
  }
  if (p.metric !== undefined) w.putU32(C.IFA_RT_PRIORITY, p.metric);
  if (p.protocol !== undefined) w.putU8(C.IFA_PROTO, p.protocol);
}

/**
 * What makes two entries of addMany the same address for the kernel: IPv4 local address,
 * prefix length, and the peer's network under that prefix (the kernel refuses a second
 * address with the same local address and mask whose peer, or local address, falls in
 * the first one's network: `10.0.0.1/24` and `10.0.0.1/24 peer 10.0.0.9` are one address
 * to it, `10.0.0.1/16` is another); IPv6 the address alone (the kernel refuses it again
 * with any prefix length). A number for an IPv4 address whose peer is absent or in its
 * own network (the common bulk case), else a string.
 */
function dedupKey(p: PreparedAddr): string | number {
  const b = p.prefix.bytes;
  if (p.prefix.family === 6) return `6 ${Buffer.from(b).toString('hex')}`;
  const len = p.prefix.prefixLen;
  const local = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const q = p.peer;
  const peer = q === undefined ? local : ((q[0]! << 24) | (q[1]! << 16) | (q[2]! << 8) | q[3]!) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  if (((peer ^ local) & mask) === 0) return local * 64 + len + 2 ** 40;
  return `4 ${local}/${len} ${(peer & mask) >>> 0}`;
}

/** RTM_DELADDR body for an address prepared for add (matched by address, prefix length, peer and label). */
function writeDel(w: MessageWriter, p: PreparedAddr, index: number): void {
  const pre = p.prefix;
  putIfaddrmsg(w, afOf(pre.family), pre.prefixLen, 0, 0, index);
  w.putBytes(C.IFA_LOCAL, pre.bytes);
  w.putBytes(C.IFA_ADDRESS, p.peer ?? pre.bytes);
  if (p.label !== undefined) w.putStrz(C.IFA_LABEL, p.label);
}

/**
 * The dump callback: one function for every dump, so the socket's optimised receive
 * loop keeps inlining it (a closure per call deoptimises it, "wrong feedback cell").
 */
const onAddr = (buf: Buffer, view: DataView, off: number, len: number): Addr | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWADDR ? decodeAddr(buf, view, off, len) : undefined;

/** addr.flush's dump callback: the decoded address and its message body, to send back as the delete. */
const onAddrRaw = (buf: Buffer, view: DataView, off: number, len: number): Dumped<Addr> | undefined => {
  const obj = view.getUint16(off + 4, HOST_LE) === C.RTM_NEWADDR ? decodeAddr(buf, view, off, len) : undefined;
  return obj === undefined ? undefined : { obj, body: bodyOf(buf, off, len) };
};

/** An address delete that failed because the address is gone already (deleted in between, or its link). */
const ADDR_GONE: ReadonlySet<string> = new Set(['EADDRNOTAVAIL', 'ENODEV']);

function subject(address: unknown, link: string | number): string {
  return `${String(address)} dev ${typeof link === 'number' ? `ifindex ${link}` : link}`;
}

/** Address operations of an Rtnl handle (`rt.addr`). */
export class AddrApi {
  /** Not for users: every Rtnl handle has its own, `rt.addr`. */
  private constructor(private readonly core: RtnlCore) {}

  /** @internal How a handle makes its `rt.addr` (and tests one over a stand-in core). */
  static of(core: RtnlCore): AddrApi {
    return new AddrApi(core);
  }

  /**
   * Add an address to a link: RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL. A bare address
   * gets the full prefix length (/32, /128). Input is checked before anything is sent.
   *
   * Equivalent to: `ip addr add ADDRESS/LEN [broadcast B|+] [label L] [scope S]
   * [nodad] [noprefixroute] [valid_lft V preferred_lft P] [metric M] dev LINK`; with a
   * `peer`, `ip addr add ADDRESS peer P/LEN …` (see AddrOptions.peer).
   * @throws InvalidArgumentError for bad input; NetlinkError 'ENODEV' when the link does
   *   not exist, 'EEXIST' when the address is already there.
   */
  add(link: string | number, address: string, options?: AddrOptions): Promise<void> {
    // send()'s IPv4 fast path, written out here: adds come by the thousand from a fresh
    // process, which runs this unoptimised, where the extra call frame costs.
    if (options === undefined && typeof link === 'number' && typeof address === 'string' && Number.isInteger(link) && link > 0 && link <= 0x7fffffff) {
      const prefixLen = parseV4(address);
      if (prefixLen >= 0) {
        const a: V4Add = { word: parsedV4Word, prefixLen, index: link, address };
        return this.core.sock.requestWith(C.RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, writeV4Add, a, undefined, V4_ADD_OPTS) as Promise<undefined>;
      }
    }
    return this.send(NLM_F_CREATE | NLM_F_EXCL, link, address, options);
  }

  /**
   * Add an address, or update it (flags, lifetimes, broadcast, label) when the link
   * already has it: RTM_NEWADDR with NLM_F_CREATE|NLM_F_REPLACE.
   *
   * Equivalent to: `ip addr replace ADDRESS/LEN … dev LINK`.
   */
  replace(link: string | number, address: string, options?: AddrOptions): Promise<void> {
    return this.send(NLM_F_CREATE | NLM_F_REPLACE, link, address, options);
  }

  /**
   * Add many addresses to one link, all or none: every RTM_NEWADDR (NLM_F_CREATE|
   * NLM_F_EXCL, each ACKed) is built first and they go to the kernel in as few sendmsg
   * calls as the socket's buffers allow (see NetlinkSocket.requestBatch), instead of one
   * round trip per address.
   *
   * - Every address and option is checked before anything is sent: InvalidArgumentError
   *   naming `addresses[i]`; the same address (and prefix length and peer) twice in the
   *   list is refused too.
   * - If the kernel refuses any address, the addresses this call added are deleted again
   *   and the promise rejects with the NetlinkError of the first refused address (its
   *   message names the address and link), e.g. 'EEXIST' for one already there.
   * - An entry is a string or `{ address, ...options }`; its options apply over the
   *   shared `options` (so one list can mix IPv4 and IPv6 addresses with `nodad`).
   *
   * Equivalent to: `ip -batch -` reading one `addr add ADDRESS/LEN [options] dev LINK`
   * line per address — except that `ip -batch` stops at the first error and keeps what
   * it already added.
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError of the first
   *   refused address (nothing of this call left); NetlinkError 'ENODEV' for a missing link.
   *   Should the rollback itself fail, or answers be lost (a receive-queue overrun, which
   *   the chunk sizing avoids), the error's message lists the addresses left in place or
   *   whose outcome is unknown.
   */
  async addMany(link: string | number, addresses: readonly (string | AddrEntry)[], options?: AddrOptions): Promise<void> {
    const ref = checkLinkRef(link, 'link');
    if (!Array.isArray(addresses)) throw new InvalidArgumentError('addresses', `expected an array of addresses, got ${addresses === null ? 'null' : typeof addresses}`);
    if (options !== undefined) checkKeys(checkObject(options, 'options'), OPTION_KEYS, 'options.');
    const n = addresses.length;
    const prepared = new Array<PreparedAddr>(n);
    const seen = new Map<string | number, number>();
    for (let i = 0; i < n; i++) {
      const e: unknown = addresses[i];
      let address: unknown = e;
      let opts: unknown = options;
      if (typeof e === 'object' && e !== null) {
        const { address: a, ...rest } = e as AddrEntry;
        address = a;
        opts = options === undefined ? rest : { ...options, ...rest };
      }
      try {
        prepared[i] = prepare(address, opts);
      } catch (err) {
        if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`addresses[${i}]${err.argument === 'address' ? '' : `.${err.argument}`}`, err.message.replace(/^invalid [^:]*: /, ''));
        throw err;
      }
      const p = prepared[i]!;
      const key = dedupKey(p);
      const j = seen.get(key);
      if (j !== undefined) throw new InvalidArgumentError(`addresses[${i}]`, `'${String(address)}' repeats addresses[${j}]`);
      seen.set(key, i);
    }
    if (n === 0) return void (await this.core.sock.requestBatch([])); // nothing sent; ClosedError for a closed handle, as any call
    const index = typeof ref === 'number' ? ref : await this.core.linkIndex(ref, 'link');
    const subjects = addresses.map((e) => subject(typeof e === 'string' ? e : (e as AddrEntry).address, ref));
    const adds: BatchRequest[] = prepared.map((p, i) => ({
      type: C.RTM_NEWADDR, flags: NLM_F_CREATE | NLM_F_EXCL, subject: subjects[i]!, build: (w: MessageWriter) => writeAddr(w, p, index),
    }));
    const r = await this.core.sock.requestBatch(adds, { stopOnError: true });
    if (r.firstRefused < 0 && r.failure === undefined) return;
    // Undo: delete what this call added, newest first (an IPv4 secondary before its primary).
    const added = tookIndexes(r).reverse();
    const dels: BatchRequest[] = added.map((i) => ({
      type: C.RTM_DELADDR, flags: 0, subject: subjects[i]!, build: (w: MessageWriter) => writeDel(w, prepared[i]!, index),
    }));
    const d = await this.core.sock.requestBatch(dels);
    // EADDRNOTAVAIL: gone already (a primary's deletion takes its secondaries along).
    throw allOrNoneError({ batch: r, undo: d, undone: added, gone: (e) => e.code === 'EADDRNOTAVAIL', subjects, noun: ['address', 'addresses'], type: C.RTM_NEWADDR, typeName: 'RTM_NEWADDR' });
  }

  private send(flags: number, link: string | number, address: string, options: AddrOptions | undefined): Promise<void> {
    // Not async: with an ifindex (the common case in bulk) the request's own promise is
    // returned, without an async frame and a second promise per add.
    if (options === undefined && typeof link === 'number' && typeof address === 'string' && Number.isInteger(link) && link > 0 && link <= 0x7fffffff) {
      // An IPv4 address on an ifindex, no options: one small object is all it allocates.
      const prefixLen = parseV4(address);
      if (prefixLen >= 0) {
        const a: V4Add = { word: parsedV4Word, prefixLen, index: link, address };
        return this.core.sock.requestWith(C.RTM_NEWADDR, flags, writeV4Add, a, undefined, V4_ADD_OPTS) as Promise<undefined>;
      }
    }
    let ref: string | number;
    let p: PreparedAddr;
    try {
      ref = checkLinkRef(link, 'link');
      p = prepare(address, options);
    } catch (e) {
      return Promise.reject(e);
    }
    const opts = { subject: subject(address, ref) };
    if (typeof ref === 'number') {
      const index = ref;
      return this.core.sock.request(C.RTM_NEWADDR, flags, (w) => writeAddr(w, p, index), undefined, opts) as Promise<undefined>;
    }
    return this.core.linkIndex(ref, 'link').then((index) => this.core.sock.request(C.RTM_NEWADDR, flags, (w) => writeAddr(w, p, index), undefined, opts)) as Promise<undefined>;
  }

  /**
   * Delete an address from a link (matched by address and prefix length, and peer or
   * label when given).
   *
   * Equivalent to: `ip addr del ADDRESS/LEN [peer P] [label L] dev LINK`.
   * @throws NetlinkError 'EADDRNOTAVAIL' when the link has no such address, 'ENODEV'
   *   when the link does not exist.
   */
  async del(link: string | number, address: string, options?: AddrDelOptions): Promise<void> {
    const ref = checkLinkRef(link, 'link');
    const prefix = parsePrefix(address, 'address');
    const o = checkObject(options, 'options');
    checkKeys(o, DEL_KEYS, '');
    const peer = o['peer'] !== undefined ? parseIpOf(o['peer'], 'peer', prefix.family, 'the address').bytes : undefined;
    let label: string | undefined;
    if (o['label'] !== undefined) {
      if (prefix.family !== 4) throw new InvalidArgumentError('label', 'only IPv4 addresses have labels');
      label = checkString(o['label'], 'label', 15);
    }
    const index = typeof ref === 'number' ? ref : await this.core.linkIndex(ref, 'link');
    await this.core.sock.request(C.RTM_DELADDR, 0, (w) => {
      putIfaddrmsg(w, afOf(prefix.family), prefix.prefixLen, 0, 0, index);
      w.putBytes(C.IFA_LOCAL, prefix.bytes);
      w.putBytes(C.IFA_ADDRESS, peer ?? prefix.bytes);
      if (label !== undefined) w.putStrz(C.IFA_LABEL, label);
    }, undefined, { subject: subject(address, ref) });
  }

  /**
   * List addresses (one dump; link and family are filtered by the kernel, scope and
   * label here).
   *
   * Equivalent to: `ip addr show [dev LINK] [-4|-6] [scope S] [label L]`.
   * @throws NetlinkError 'ENODEV' when the filter's link does not exist.
   */
  async list(filter?: AddrFilter): Promise<Addr[]> {
    const q = await this.query(filter);
    const all = await this.core.sock.dump(C.RTM_GETADDR, 0, (w) => putIfaddrmsg(w, q.af, 0, 0, 0, q.index), onAddr);
    if (q.keep === undefined) return all;
    // Usually the kernel has filtered already and every address stays: then `all` (a new
    // array of this call) is the answer, without a copy (a fresh process's first dumps
    // pay for every page they allocate).
    return all.every(q.keep) ? all : all.filter(q.keep);
  }

  /**
   * Walk the addresses `list(filter)` would return without collecting them: `fn` gets each
   * address as its part of the dump is read, so a table of any size is walked in the
   * memory of one receive buffer. Return `false` from `fn` to stop. Resolves with the
   * number of addresses `fn` was given.
   *
   * `fn` runs synchronously inside the receive loop: requests it makes on this handle
   * wait until the walk ends, and an async `fn` is refused. A walk is not retried when
   * the kernel flags the dump as interrupted by concurrent changes (NLM_F_DUMP_INTR):
   * it then rejects with DumpInterruptedError once the walk is over, and `delivered`
   * says how many addresses `fn` was given (a flag on what was read after `fn`
   * stopped the walk does not count). Closing the handle from `fn` ends the walk
   * with ClosedError.
   *
   * Equivalent to: `ip addr show [dev LINK] [-4|-6] [scope S] [label L]` piped into a reader.
   * @throws DumpInterruptedError when the dump was interrupted; whatever `fn` threw.
   */
  async forEach<R = boolean | void>(fn: ForEachCallback<Addr, R>): Promise<number>;
  async forEach<R = boolean | void>(filter: AddrFilter | undefined, fn: ForEachCallback<Addr, R>): Promise<number>;
  async forEach(a: AddrFilter | ((object: Addr) => unknown) | undefined, b?: (object: Addr) => unknown): Promise<number> {
    const [filter, fn] = eachArgs(a, b);
    const q = await this.query(filter);
    return this.core.sock.dumpEach(C.RTM_GETADDR, 0, (w) => putIfaddrmsg(w, q.af, 0, 0, 0, q.index), decodeKept(onAddr, q.keep), fn);
  }

  /**
   * Delete every address that `list(filter)` returns (IPv6 link-local addresses
   * included, unless `scope` leaves them out), IPv4 secondaries before their primaries.
   * Each address is deleted by the message the dump gave for it (as `ip addr flush`
   * does), many per sendmsg, one ACK each; then the addresses are dumped again, and what
   * matches again is deleted too, up to 10 rounds (`ip`'s bound). Deleting an address
   * also deletes its prefix and local routes (the kernel's doing). Resolves with the
   * number of matching addresses removed: those gone already when their delete arrived
   * (EADDRNOTAVAIL, ENODEV: an IPv4 primary's delete takes its secondaries along unless
   * `promote_secondaries` is set; or someone else deleted them) count as removed.
   * That cascade also reaches secondaries the filter does not select (a `label` filter
   * that names the primary's label only): with `promote_secondaries` off they go with
   * their primary, as with `ip addr flush … label L`; the count leaves them out.
   *
   * A filter that selects nothing but a family is refused, as `ip addr flush` refuses
   * to run without arguments ("Flush requires arguments").
   *
   * Equivalent to: `ip addr flush dev eth0`, `ip -6 addr flush dev eth0`, `ip addr flush
   * [dev LINK] [-4|-6] [scope S] [label L]`.
   * @throws InvalidArgumentError for bad input or an empty filter (nothing sent);
   *   NetlinkError 'ENODEV' when the filter's link does not exist; the NetlinkError of the
   *   first delete the kernel refused otherwise, its message saying how many addresses
   *   were deleted before; 'EAGAIN' when addresses still match after 10 rounds.
   */
  async flush(filter: AddrFilter): Promise<number> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    if (!Object.keys(f).some((k) => k !== 'family' && f[k] !== undefined)) {
      throw new InvalidArgumentError('filter', "flush needs a selector besides family (link, scope or label), as 'ip addr flush' does: { link: 'eth0' } flushes a link's addresses");
    }
    const q = await this.query(f);
    const sock = this.core.sock;
    return flushRounds(sock, {
      dump: async () => {
        const all = await sock.dump(C.RTM_GETADDR, 0, (w) => putIfaddrmsg(w, q.af, 0, 0, 0, q.index), onAddrRaw);
        const kept = q.keep === undefined ? all : all.filter((d) => q.keep!(d.obj));
        // IPv4 secondaries first: deleting a primary first would delete them too (or,
        // with promote_secondaries, make one the primary and move the routes to it).
        return [...kept.filter((d) => d.obj.rawFlags & C.IFA_F_SECONDARY), ...kept.filter((d) => !(d.obj.rawFlags & C.IFA_F_SECONDARY))];
      },
      delType: C.RTM_DELADDR,
      delTypeName: 'RTM_DELADDR',
      noun: ['address', 'addresses'],
      gone: ADDR_GONE,
      subjectOf: (a) => `${a.address}/${a.prefixLen}${a.peer !== undefined ? ` peer ${a.peer}` : ''} dev ifindex ${a.index}`,
      filterText: () => `flush${f['link'] !== undefined ? ` dev ${String(f['link'])}` : ''}${f['family'] !== undefined ? ` family ${String(f['family'])}` : ''}${f['scope'] !== undefined ? ` scope ${String(f['scope'])}` : ''}${f['label'] !== undefined ? ` label ${String(f['label'])}` : ''}`,
    });
  }

  /** A checked address filter: the dump's family and ifindex, and the test for what it keeps (undefined: everything). */
  private async query(filter: AddrFilter | Record<string, unknown> | undefined): Promise<{ af: number; index: number; keep: ((a: Addr) => boolean) | undefined }> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    const family = f['family'] !== undefined ? checkFamily(f['family'], 'filter.family') : undefined;
    const scope = f['scope'] !== undefined ? checkNamed(f['scope'], 'filter.scope', SCOPES, 255) : undefined;
    const label = f['label'] !== undefined ? checkString(f['label'], 'filter.label', 15) : undefined;
    const lref = f['link'] !== undefined ? checkLinkRef(f['link'], 'filter.link') : undefined;
    // By ifindex too, the link must exist: the kernel's ENODEV would name neither.
    const index = lref === undefined ? 0 : await existingLinkIndex(this.core, lref, 'filter.link');
    const af = family === undefined ? AF_UNSPEC : family === 4 ? AF_INET : AF_INET6;
    if (index === 0 && family === undefined && scope === undefined && label === undefined) return { af, index, keep: undefined };
    const wantScope = scope === undefined ? undefined : scopeName(scope);
    // The kernel filters link and family under NETLINK_GET_STRICT_CHK; checked again for handles opened without it.
    const keep = (a: Addr): boolean => (index === 0 || a.index === index) && (family === undefined || a.family === family) &&
      (wantScope === undefined || a.scope === wantScope) && (label === undefined || a.label === label);
    return { af, index, keep };
  }
}
