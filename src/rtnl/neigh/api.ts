/**
 * `rt.neigh`: add, replace, delete and list neighbour (ARP / NDP) and proxy entries
 * over RTM_*NEIGH.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, NLM_F_CREATE, allOrNoneError, tookIndexes, NLM_F_EXCL, NLM_F_REPLACE, type MessageWriter } from '../../netlink/index.js';
import * as C from '../constants.js';
import { decodeKept, eachArgs, missingLink, type ForEachCallback, type RtnlCore } from '../core.js';
import { registerLayout } from '../describer.js';
import { AF_UNSPEC, afOf, parseIp, type IpAddr } from '../ip.js';
import { ROUTE_PROTOCOLS } from '../route/names.js';
import { checkBool, checkFamily, checkHwAddr, checkKeys, checkLinkRef, checkNamed, checkObject } from '../validate.js';
import { bodyOf, flushRounds, type Dumped } from '../flush.js';
import { decodeNeigh, type Neigh } from './decode.js';
import { NDA, NDMSG_LEN, NUD_STATES, type NeighState } from './table.js';

registerLayout([C.RTM_NEWNEIGH, C.RTM_DELNEIGH, C.RTM_GETNEIGH], NDMSG_LEN, NDA);

/** What `rt.neigh.add`/`replace` take. */
export interface NeighSpec {
  /** The neighbour's IP address. Required. */
  readonly dst: string;
  /**
   * The link, name or ifindex. Required except for proxy entries (which may apply to every link).
   * On a point-to-point or loopback link (a tun, lo) the kernel keeps one IPv4 entry,
   * 0.0.0.0, whatever `dst` says: an add of any IPv4 address there succeeds (again and
   * again, no EEXIST) and lists as 0.0.0.0, as `ip neigh add` does.
   */
  readonly dev?: string | number | undefined;
  /**
   * Link-layer address ('02:00:00:00:00:09', bytes or a MacAddr), of the link's length;
   * none for a link without link-layer addresses (a tun). `add` needs one on a link that
   * has them unless the state is 'incomplete', 'failed' or 'none' (or a proxy entry).
   * Defaults to none.
   */
  readonly lladdr?: string | Uint8Array | { readonly bytes: Uint8Array } | undefined;
  /** State by name. Defaults to 'permanent', as `ip neigh add` does ('none' when `managed`). */
  readonly state?: NeighState | undefined;
  /** A proxy entry (answer ARP/NDP for dst on dev; NTF_PROXY). Defaults to false. */
  readonly proxy?: boolean | undefined;
  /** IPv6: the neighbour is a router (NTF_ROUTER). Defaults to false. */
  readonly router?: boolean | undefined;
  /** Learned externally, kernel will not age it (NTF_EXT_LEARNED). Defaults to false. */
  readonly externLearn?: boolean | undefined;
  /**
   * Kept resolved by the kernel (NTF_EXT_MANAGED in NDA_FLAGS_EXT; `ip neigh add … managed`):
   * it probes the entry on its own, without traffic. Not with state 'permanent' (the kernel
   * refuses that pair) nor for a proxy entry. Defaults to false.
   */
  readonly managed?: boolean | undefined;
  /** NDA_PROTOCOL: who installed the entry (a route protocol name or 0..255). Defaults to none. */
  readonly protocol?: string | number | undefined;
}

/** What `rt.neigh.del` takes. */
export interface NeighDelSpec {
  /** The neighbour's IP address. Required. */
  readonly dst: string;
  /** The link, name or ifindex. Required except for proxy entries. */
  readonly dev?: string | number | undefined;
  /** Delete the proxy entry for dst (NTF_PROXY). Defaults to false. */
  readonly proxy?: boolean | undefined;
}

/** Filters for `rt.neigh.list`. */
export interface NeighFilter {
  /** Only entries on this link (name or ifindex; filtered by the kernel). Defaults to every link. */
  readonly dev?: string | number | undefined;
  /** 4 / 'inet' or 6 / 'inet6' (filtered by the kernel). Defaults to both. */
  readonly family?: 4 | 6 | 'inet' | 'inet6' | undefined;
  /** List proxy entries instead of neighbours (`ip neigh show proxy`). Defaults to false. */
  readonly proxy?: boolean | undefined;
  /**
   * Only entries in these states, or 'all'. Defaults to what `ip neigh show` lists:
   * every state but 'noarp' and 'none' (externally learned entries always).
   */
  readonly state?: NeighState | readonly NeighState[] | 'all' | undefined;
}

const SPEC_KEYS = new Set(['dst', 'dev', 'lladdr', 'state', 'proxy', 'router', 'externLearn', 'managed', 'protocol']);
const DEL_KEYS = new Set(['dst', 'dev', 'proxy']);
const FILTER_KEYS = new Set(['dev', 'family', 'proxy', 'state']);
const STATE_NAMES: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(NUD_STATES).flatMap(([k, v]) => [[k, v], [k.toUpperCase(), v]]));

/** Write struct ndmsg at the writer's cursor. */
export function putNdmsg(w: MessageWriter, family: number, index: number, state: number, flags: number): void {
  const o = w.reserve(NDMSG_LEN);
  w.buf[o] = family;
  w.view.setInt32(o + 4, index, HOST_LE);
  w.view.setUint16(o + 8, state, HOST_LE);
  w.buf[o + 10] = flags;
}

function checkState(v: unknown, arg: string): number {
  if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(STATE_NAMES, v)) {
    throw new InvalidArgumentError(arg, `unknown neighbour state ${typeof v === 'string' ? `'${v}'` : String(v)} (expected one of ${Object.keys(NUD_STATES).join(', ')})`);
  }
  return STATE_NAMES[v]!;
}

/** The dump callback: one function for every dump (a closure per call deoptimises the socket's receive loop). */
const onNeigh = (buf: Buffer, view: DataView, off: number, len: number): Neigh | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWNEIGH ? decodeNeigh(buf, view, off, len) : undefined;

/** neigh.flush's dump callback: the decoded entry and its message body, to send back as the delete. */
const onNeighRaw = (buf: Buffer, view: DataView, off: number, len: number): Dumped<Neigh> | undefined => {
  const obj = view.getUint16(off + 4, HOST_LE) === C.RTM_NEWNEIGH ? decodeNeigh(buf, view, off, len) : undefined;
  return obj === undefined ? undefined : { obj, body: bodyOf(buf, off, len) };
};

/** A neighbour delete that failed because the entry is gone already (expired or deleted in between, or its link). */
const NEIGH_GONE: ReadonlySet<string> = new Set(['ENOENT', 'ENODEV']);

function subjectOf(dst: unknown, dev: unknown): string {
  return `${String(dst)}${dev !== undefined ? ` dev ${typeof dev === 'number' ? `ifindex ${dev}` : String(dev)}` : ''}`;
}

/**
 * `e` as thrown by a request that carried the link `dev` (an ifindex is sent unchecked):
 * the kernel's bare ENODEV gets a hint naming the link and the netns the handle looked
 * in ("dev ifindex 9 does not exist in netns blue"). Error path only.
 */
function namedLink(core: RtnlCore, e: unknown, dev: string | number | undefined): unknown {
  if (dev === undefined || !(e instanceof NetlinkError) || e.code !== 'ENODEV' || e.hint !== undefined) return e;
  return new NetlinkError(e.errno, e.request, e.extack, missingLink(core, 'dev', dev));
}

/** An add/replace spec, checked (nothing sent). */
interface PreparedNeigh {
  readonly dst: IpAddr;
  /** The address as given, for messages. */
  readonly dstText: string;
  readonly dev: string | number | undefined;
  readonly lladdr: Uint8Array | undefined;
  readonly state: number;
  readonly flags: number;
  readonly proxy: boolean;
  readonly managed: boolean;
  readonly protocol: number | undefined;
}

function prepareNeigh(spec: unknown): PreparedNeigh {
  const s = checkObject(spec, 'spec');
  checkKeys(s, SPEC_KEYS, '');
  const dst: IpAddr = parseIp(s['dst'], 'dst');
  const proxy = s['proxy'] !== undefined && checkBool(s['proxy'], 'proxy');
  const dev = s['dev'] !== undefined ? checkLinkRef(s['dev'], 'dev') : undefined;
  if (dev === undefined && !proxy) throw new InvalidArgumentError('dev', 'a neighbour entry needs a link (dev)');
  // The kernel makes an IPv6 proxy entry on a link's IPv6 state (pndisc_constructor); without a link it answers a bare ENOBUFS.
  if (dev === undefined && dst.family === 6) throw new InvalidArgumentError('dev', `an IPv6 proxy entry needs a link (dev) to answer on; only IPv4 proxy entries can apply to every link`);
  const lladdr = s['lladdr'] !== undefined ? checkHwAddr(s['lladdr'], 'lladdr') : undefined;
  if (lladdr && proxy) throw new InvalidArgumentError('lladdr', 'a proxy entry has no link-layer address');
  const managed = s['managed'] !== undefined && checkBool(s['managed'], 'managed');
  if (managed && proxy) throw new InvalidArgumentError('managed', 'a proxy entry cannot be managed');
  const state = s['state'] !== undefined ? checkState(s['state'], 'state') : managed ? C.NUD_NONE : C.NUD_PERMANENT;
  if (managed && state === C.NUD_PERMANENT) throw new InvalidArgumentError('managed', 'a managed entry cannot be permanent (the kernel resolves it); leave state out or give another');
  let flags = proxy ? C.NTF_PROXY : 0;
  if (s['router'] !== undefined && checkBool(s['router'], 'router')) {
    if (dst.family !== 6) throw new InvalidArgumentError('router', 'the router flag applies to IPv6 neighbours only');
    flags |= C.NTF_ROUTER;
  }
  if (s['externLearn'] !== undefined && checkBool(s['externLearn'], 'externLearn')) flags |= C.NTF_EXT_LEARNED;
  const protocol = s['protocol'] !== undefined ? checkNamed(s['protocol'], 'protocol', ROUTE_PROTOCOLS, 255) : undefined;
  return { dst, dstText: String(s['dst']), dev, lladdr, state, flags, proxy, managed, protocol };
}

/**
 * The kernel's NUD_VALID (include/net/neighbour.h): the states in which it wants a
 * link-layer address for a new entry on a link that has them.
 */
const NUD_VALID = C.NUD_PERMANENT | C.NUD_NOARP | C.NUD_REACHABLE | C.NUD_PROBE | C.NUD_STALE | C.NUD_DELAY;

/** An `add` the kernel would refuse for want of an lladdr, if the link has link-layer addresses (see {@link checkLladdr}). */
function wantsLladdr(p: PreparedNeigh): boolean {
  return p.lladdr === undefined && !p.proxy && (p.state & NUD_VALID) !== 0;
}

/**
 * The lladdr against the link's address length (`addrLen`, undefined for a link without
 * link-layer addresses). The kernel cuts a longer lladdr short without a word, refuses a
 * shorter one with a bare EINVAL, and drops one for a link without addresses (a tun)
 * without a word. For an `add` (`creating`), a state in NUD_VALID without an lladdr on a
 * link with addresses is refused too: the kernel makes the entry, then refuses it ("No
 * link layer address given") and leaves it behind, empty.
 */
function checkLladdr(p: PreparedNeigh, addrLen: number | undefined, arg: string, creating: boolean): void {
  const link = (): string => `link ${typeof p.dev === 'number' ? `ifindex ${p.dev}` : `'${String(p.dev)}'`}`;
  if (p.lladdr !== undefined && addrLen === undefined) {
    throw new InvalidArgumentError(arg, `${link()} has no link-layer addresses (the kernel would drop the lladdr without a word); leave lladdr out`);
  }
  if (p.lladdr !== undefined && p.lladdr.length !== addrLen) {
    throw new InvalidArgumentError(arg, `${link()} takes ${addrLen}-byte addresses, got ${p.lladdr.length} bytes`);
  }
  if (creating && addrLen !== undefined && wantsLladdr(p)) {
    const state = Object.keys(NUD_STATES).find((k) => NUD_STATES[k] === p.state);
    throw new InvalidArgumentError(arg, `a new entry ${p.dstText} in state '${String(state)}' on ${link()} needs an lladdr (the kernel refuses it, 'No link layer address given', and keeps an empty entry); give one, or state 'incomplete'`);
  }
}

function writeNeigh(w: MessageWriter, p: PreparedNeigh, index: number): void {
  putNdmsg(w, afOf(p.dst.family), index, p.state, p.flags);
  w.putBytes(C.NDA_DST, p.dst.bytes);
  if (p.lladdr) w.putBytes(C.NDA_LLADDR, p.lladdr);
  if (p.protocol !== undefined) w.putU8(C.NDA_PROTOCOL, p.protocol);
  if (p.managed) w.putU32(C.NDA_FLAGS_EXT, C.NTF_EXT_MANAGED);
}

/** An entry's InvalidArgumentError as addMany names it: `entries[i]` or `entries[i].lladdr`. */
function renamed(e: InvalidArgumentError, i: number): InvalidArgumentError {
  const at = e.argument === 'spec' ? '' : `.${e.argument}`;
  return new InvalidArgumentError(`entries[${i}]${at}`, e.message.replace(/^invalid [^:]*: /, ''));
}

/** An entry named by `get`/`del` (a spec or a listed entry): its address, link and proxy flag. */
interface EntryRef {
  readonly dst: { readonly family: 4 | 6; readonly bytes: Uint8Array };
  readonly proxy: boolean;
  readonly dev: string | number | undefined;
  readonly subject: string;
}

/** Check `get`'s or `del`'s argument; `noDev` is the refusal of a non-proxy entry without a link. */
function entryRef(spec: unknown, noDev: string): EntryRef {
  let s = checkObject(spec, 'spec');
  if (typeof s['rawState'] === 'number') s = { dst: s['dst'], dev: s['dev'] || undefined, proxy: s['proxy'] };
  checkKeys(s, DEL_KEYS, '');
  const dst = parseIp(s['dst'], 'dst');
  const proxy = s['proxy'] !== undefined && checkBool(s['proxy'], 'proxy');
  const dev = s['dev'] !== undefined ? checkLinkRef(s['dev'], 'dev') : undefined;
  if (dev === undefined && !proxy) throw new InvalidArgumentError('dev', noDev);
  return { dst, proxy, dev, subject: subjectOf(s['dst'], dev) };
}

/** The ndmsg and NDA_DST that name one entry (of a get or delete). */
function writeEntryKey(w: MessageWriter, r: { readonly dst: EntryRef['dst']; readonly proxy: boolean }, index: number): void {
  putNdmsg(w, afOf(r.dst.family), index, 0, r.proxy ? C.NTF_PROXY : 0);
  w.putBytes(C.NDA_DST, r.dst.bytes);
}

/** Neighbour operations of an Rtnl handle (`rt.neigh`). */
export class NeighApi {
  /** Not for users: every Rtnl handle has its own, `rt.neigh`. */
  private constructor(private readonly core: RtnlCore) {}

  /** @internal How a handle makes its `rt.neigh` (and tests one over a stand-in core). */
  static of(core: RtnlCore): NeighApi {
    return new NeighApi(core);
  }

  /**
   * Add a neighbour entry: RTM_NEWNEIGH with NLM_F_CREATE|NLM_F_EXCL.
   *
   * Equivalent to: `ip neigh add DST [lladdr LLADDR] [nud STATE] [proxy] [router] [extern_learn] [managed] dev DEV`.
   * A proxy entry that exists already is no EEXIST: the kernel takes it again (its flags
   * and protocol updated), as it does for `ip neigh add proxy`.
   * @throws InvalidArgumentError for bad input, an lladdr the link cannot take, or none
   *   where the state needs one (see NeighSpec.lladdr; nothing sent but the link's
   *   lookup); NetlinkError 'EEXIST' when the (non-proxy) entry exists, 'ENODEV' naming
   *   the link and the netns when the link does not.
   */
  async add(spec: NeighSpec): Promise<void> {
    await this.modify(NLM_F_CREATE | NLM_F_EXCL, spec);
  }

  /**
   * Add a neighbour entry or overwrite the existing one (lladdr, state):
   * RTM_NEWNEIGH with NLM_F_CREATE|NLM_F_REPLACE.
   *
   * Without `lladdr`, an existing entry keeps its own; where there is none to keep (no
   * entry, on a link with link-layer addresses, in a state that needs one) the replace is
   * refused before it is sent, as `add`'s is (one RTM_GETNEIGH of the entry to tell).
   *
   * Equivalent to: `ip neigh replace DST lladdr LLADDR nud STATE dev DEV`.
   * @throws InvalidArgumentError for bad input, an lladdr the link cannot take, or none
   *   where the state needs one and no entry has one; NetlinkError 'ENODEV' when the link does not exist.
   */
  async replace(spec: NeighSpec): Promise<void> {
    await this.modify(NLM_F_CREATE | NLM_F_REPLACE, spec);
  }

  /**
   * Change an entry that exists (lladdr, state, flags): RTM_NEWNEIGH with NLM_F_REPLACE
   * alone, so nothing is made when there is none. Without `lladdr` the entry keeps its own.
   *
   * Equivalent to: `ip neigh change DST [lladdr LLADDR] [nud STATE] dev DEV`.
   * @throws InvalidArgumentError for bad input or an lladdr the link cannot take;
   *   NetlinkError 'ENOENT' when there is no such entry, 'ENODEV' when the link does not exist.
   */
  async change(spec: NeighSpec): Promise<void> {
    await this.modify(NLM_F_REPLACE, spec);
  }

  private async modify(nlFlags: number, spec: NeighSpec): Promise<void> {
    const p = prepareNeigh(spec);
    const creating = (nlFlags & NLM_F_EXCL) !== 0;
    // A change makes nothing: the entry it changes has an lladdr to keep, or the kernel answers ENOENT.
    const changing = (nlFlags & NLM_F_CREATE) === 0;
    let index = 0;
    if (p.dev !== undefined && (p.lladdr !== undefined || wantsLladdr(p))) {
      // One GETLINK gives the index and the link's address length, for checkLladdr.
      const hw = await this.core.linkHwAddrLen(p.dev, 'dev');
      index = hw.index;
      // A replace without the lladdr its state needs takes the existing entry's: refused
      // like an add's when there is none, which the kernel would make, refuse and keep, empty.
      checkLladdr(p, hw.addrLen, 'lladdr', !changing && (creating || (hw.addrLen !== undefined && wantsLladdr(p) && !(await this.exists(p, index)))));
    } else if (p.dev !== undefined) index = await this.core.linkIndex(p.dev, 'dev');
    try {
      await this.core.sock.request(C.RTM_NEWNEIGH, nlFlags, (w) => writeNeigh(w, p, index), undefined, { subject: subjectOf(p.dstText, p.dev) });
    } catch (e) {
      throw namedLink(this.core, e, p.dev);
    }
  }

  /** Whether the (non-proxy) entry `p` names is in the table: RTM_GETNEIGH of that one entry (`ip neigh get`); true when the kernel cannot say. */
  private async exists(p: PreparedNeigh, index: number): Promise<boolean> {
    try {
      await this.core.sock.request(C.RTM_GETNEIGH, 0, (w) => writeEntryKey(w, { dst: p.dst, proxy: false }, index), onNeigh, { ack: false, subject: subjectOf(p.dstText, p.dev) });
      return true;
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENOENT') return false;
      if (e instanceof NetlinkError) return true; // a kernel without single-entry gets (before 5.0): let it judge the replace
      throw e;
    }
  }

  /**
   * Add many neighbour entries, all or none: every RTM_NEWNEIGH (NLM_F_CREATE|NLM_F_EXCL,
   * each ACKed) is built first and they go to the kernel in as few sendmsg calls as the
   * socket's buffers allow (see NetlinkSocket.requestBatch), instead of two round trips
   * per entry (`add` looks its link up first). Each link given is looked up once.
   *
   * - Every entry is checked before anything is sent: InvalidArgumentError naming
   *   `entries[i]` (an lladdr its link cannot take, or none where it needs one, included); the same entry
   *   (dst, link, proxy) twice in the list is refused too.
   * - If the kernel refuses any entry (EEXIST for one already there), the entries this
   *   call added are deleted again and the promise rejects with the NetlinkError of the
   *   first refused entry, naming it. A proxy entry that is there already is no EEXIST
   *   (the kernel takes it again, as `ip neigh add proxy` shows): it is noted before
   *   (one dump of proxy entries, for a list that has any) and kept by the undo.
   *
   * Equivalent to: `ip -batch -` reading one `neigh add DST lladdr LLADDR nud STATE dev DEV`
   * line per entry — except that `ip -batch` stops at the first error and keeps what it added.
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'ENODEV' for
   *   a missing link (nothing sent), or the kernel's refusal (the call's entries deleted).
   */
  async addMany(entries: readonly NeighSpec[]): Promise<void> {
    if (!Array.isArray(entries)) throw new InvalidArgumentError('entries', `expected an array of neighbour specs, got ${entries === null ? 'null' : typeof entries}`);
    const n = entries.length;
    const prepared = new Array<PreparedNeigh>(n);
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      try {
        prepared[i] = prepareNeigh(entries[i]);
      } catch (e) {
        if (e instanceof InvalidArgumentError) throw renamed(e, i);
        throw e;
      }
      const p = prepared[i]!;
      const key = `${p.proxy ? 'proxy ' : ''}${p.dst.bytes.join('.')} ${typeof p.dev}:${p.dev ?? ''}`;
      const j = seen.get(key);
      if (j !== undefined) throw new InvalidArgumentError(`entries[${i}]`, `${subjectOf(p.dstText, p.dev)} repeats entries[${j}]`);
      seen.set(key, i);
    }
    if (n === 0) return void (await this.core.sock.requestBatch([])); // nothing sent; ClosedError for a closed handle, as any call
    // Each link once: its index, and its address length where an lladdr must match it.
    // A name is looked up for its index; an ifindex only when an entry on it has an
    // lladdr, or wants one (checkLladdr).
    const lookUp = new Set<string | number>();
    for (const p of prepared) if (p.dev !== undefined && (typeof p.dev === 'string' || p.lladdr !== undefined || wantsLladdr(p))) lookUp.add(p.dev);
    const links = new Map<string | number, { index: number; addrLen: number | undefined }>();
    for (const dev of lookUp) links.set(dev, await this.core.linkHwAddrLen(dev, 'dev'));
    const indexes = prepared.map((p, i) => {
      if (p.dev === undefined) return 0;
      const hw = links.get(p.dev);
      if (hw === undefined) return p.dev as number; // an ifindex with no lladdr on it: the kernel checks it
      try {
        checkLladdr(p, hw.addrLen, 'lladdr', true);
      } catch (e) {
        throw e instanceof InvalidArgumentError ? renamed(e, i) : e;
      }
      return hw.index;
    });
    // A link named in one entry and given by ifindex in another is one link: the same
    // entry twice, which the kernel would refuse (EEXIST) after taking the first.
    if (prepared.some((p) => typeof p.dev === 'number') && prepared.some((p) => typeof p.dev === 'string')) {
      const byIndex = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const p = prepared[i]!;
        const key = `${p.proxy ? 'proxy ' : ''}${p.dst.bytes.join('.')} ${indexes[i]!}`;
        const j = byIndex.get(key);
        if (j !== undefined) throw new InvalidArgumentError(`entries[${i}]`, `${subjectOf(p.dstText, p.dev)} repeats entries[${j}] (${subjectOf(prepared[j]!.dstText, prepared[j]!.dev)}: the same link)`);
        byIndex.set(key, i);
      }
    }
    // The kernel takes a proxy entry it has already again, without EEXIST (pneigh_lookup
    // with creat finds it): those there before the call are noted (one proxy dump, only
    // for a list with proxy entries), so that an undo does not delete them.
    const proxyKey = (dst: Uint8Array, index: number): string => `${dst.join('.')} ${index}`;
    let hadProxy: Set<string> | undefined;
    if (prepared.some((p) => p.proxy)) {
      hadProxy = new Set();
      for (const x of await this.core.sock.dump(C.RTM_GETNEIGH, 0, (w) => putNdmsg(w, AF_UNSPEC, 0, 0, C.NTF_PROXY), onNeigh)) {
        if (x.proxy) hadProxy.add(proxyKey(parseIp(x.dst, 'dst').bytes, x.dev));
      }
    }
    const subjects = prepared.map((p) => subjectOf(p.dstText, p.dev));
    const r = await this.core.sock.requestBatch(prepared.map((p, i) => ({
      type: C.RTM_NEWNEIGH, flags: NLM_F_CREATE | NLM_F_EXCL, subject: subjects[i]!, build: (w: MessageWriter) => writeNeigh(w, p, indexes[i]!),
    })), { stopOnError: true });
    if (r.firstRefused < 0 && r.failure === undefined) return;
    // Undo: delete what this call added (not a proxy entry that was there before it).
    const added = tookIndexes(r).filter((i) => !(prepared[i]!.proxy && hadProxy?.has(proxyKey(prepared[i]!.dst.bytes, indexes[i]!))));
    const d = added.length ? await this.core.sock.requestBatch(added.map((i) => ({
      type: C.RTM_DELNEIGH, flags: 0, subject: subjects[i]!, build: (w: MessageWriter) => writeEntryKey(w, { dst: prepared[i]!.dst, proxy: !!prepared[i]!.proxy }, indexes[i]!),
    }))) : undefined;
    // ENOENT, ENODEV: gone already (expired, or its link deleted meanwhile).
    throw allOrNoneError({ batch: r, undo: d, undone: added, gone: (e) => NEIGH_GONE.has(e.code), subjects, noun: ['entry', 'entries'], type: C.RTM_NEWNEIGH, typeName: 'RTM_NEWNEIGH' });
  }


  /**
   * One neighbour entry (or, with `proxy`, a proxy entry), asked of the kernel by its
   * address and link: RTM_GETNEIGH for that entry alone, no dump. Decoded as `list`
   * returns it. Takes a listed entry too.
   *
   * Equivalent to: `ip neigh get DST [proxy] dev DEV`.
   * @throws InvalidArgumentError for bad input (nothing sent; `dev` is needed but for a
   *   proxy entry); NetlinkError 'ENOENT' naming the entry when there is none, 'ENODEV'
   *   when the link does not exist.
   */
  async get(spec: NeighDelSpec | Neigh): Promise<Neigh> {
    // neigh_get: "No device specified" (EINVAL) for a non-proxy entry without one.
    const r = entryRef(spec, 'a neighbour entry is looked up on a link (dev); only a proxy entry can be asked for without one');
    const index = r.dev === undefined ? 0 : await this.core.linkIndex(r.dev, 'dev');
    let n: Neigh | undefined;
    try {
      n = await this.core.sock.request(C.RTM_GETNEIGH, 0, (w) => writeEntryKey(w, r, index), onNeigh, { ack: false, subject: r.subject });
    } catch (e) {
      throw namedLink(this.core, e, r.dev);
    }
    if (n === undefined) throw new NetlinkError(2 /* ENOENT */, { type: C.RTM_GETNEIGH, typeName: 'RTM_GETNEIGH', seq: 0, subject: r.subject }, {}, 'the kernel answered with no entry');
    return n;
  }

  /**
   * Delete a neighbour entry (or, with `proxy`, a proxy entry).
   *
   * Equivalent to: `ip neigh del DST [proxy] dev DEV`.
   * @throws NetlinkError 'ENOENT' when there is no such entry, 'ENODEV' naming the link
   *   and the netns when the link does not exist.
   */
  async del(spec: NeighDelSpec | Neigh): Promise<void> {
    const r = entryRef(spec, 'a neighbour entry needs a link (dev)');
    const index = r.dev === undefined ? 0 : await this.core.linkIndex(r.dev, 'dev');
    try {
      await this.core.sock.request(C.RTM_DELNEIGH, 0, (w) => writeEntryKey(w, r, index), undefined, { subject: r.subject });
    } catch (e) {
      throw namedLink(this.core, e, r.dev);
    }
  }

  /**
   * List neighbour entries, or proxy entries with `proxy: true` (one dump; link and
   * family are filtered by the kernel, state here). Bridge FDB entries are not listed.
   *
   * Equivalent to: `ip neigh show [dev DEV] [-4|-6] [nud STATE|all] [proxy]`.
   */
  async list(filter?: NeighFilter): Promise<Neigh[]> {
    const q = await this.query(filter, false);
    return (await this.core.sock.dump(C.RTM_GETNEIGH, 0, q.build, onNeigh)).filter(q.keep);
  }

  /**
   * Walk the neighbour entries `list(filter)` would return without collecting them: `fn` gets each
   * entry as its part of the dump is read, so a table of any size is walked in the
   * memory of one receive buffer. Return `false` from `fn` to stop. Resolves with the
   * number of neighbour entries `fn` was given.
   *
   * `fn` runs synchronously inside the receive loop: requests it makes on this handle
   * wait until the walk ends, and an async `fn` is refused. A walk is not retried when
   * the kernel flags the dump as interrupted by concurrent changes (NLM_F_DUMP_INTR):
   * it then rejects with DumpInterruptedError once the walk is over, and `delivered`
   * says how many entries `fn` was given (a flag on what was read after `fn`
   * stopped the walk does not count). Closing the handle from `fn` ends the walk
   * with ClosedError.
   *
   * Equivalent to: `ip neigh show [dev DEV] [-4|-6] [nud STATE|all] [proxy]` piped into a reader.
   * @throws DumpInterruptedError when the dump was interrupted; whatever `fn` threw.
   */
  async forEach<R = boolean | void>(fn: ForEachCallback<Neigh, R>): Promise<number>;
  async forEach<R = boolean | void>(filter: NeighFilter | undefined, fn: ForEachCallback<Neigh, R>): Promise<number>;
  async forEach(a: NeighFilter | ((object: Neigh) => unknown) | undefined, b?: (object: Neigh) => unknown): Promise<number> {
    const [filter, fn] = eachArgs(a, b);
    const q = await this.query(filter, false);
    return this.core.sock.dumpEach(C.RTM_GETNEIGH, 0, q.build, decodeKept(onNeigh, q.keep), fn);
  }

  /**
   * Delete every entry that `list(filter)` returns, with `ip neigh flush`'s three
   * exceptions: without `state`, permanent entries are kept (give `state: 'all'` or
   * `'permanent'` to delete those too) and entries in state 'none' (which `list` leaves
   * out) are deleted, and `state: 'all'` leaves out 'noarp' entries
   * (the kernel's own, for multicast addresses and links without ARP; name 'noarp' to
   * delete them). Each entry is deleted by the message the dump
   * gave for it (as `ip neigh flush` does), many per sendmsg, one ACK each; then the
   * entries are dumped again, and what matches again is deleted too, up to 10 rounds
   * (`ip`'s bound). Resolves with the number of matching entries removed: those gone
   * already when their delete arrived (ENOENT, ENODEV: expired or deleted in between)
   * count as removed. With `proxy: true` it flushes proxy entries instead.
   *
   * A filter that selects nothing but a family is refused, as `ip neigh flush` refuses
   * to run without arguments ("Flush requires arguments").
   *
   * Equivalent to: `ip neigh flush dev eth0`, `ip -6 neigh flush dev eth0 nud all`,
   * `ip neigh flush [dev DEV] [-4|-6] [nud STATE|all] [proxy]`.
   * @throws InvalidArgumentError for bad input or an empty filter (nothing sent);
   *   NetlinkError 'ENODEV' when the filter's link does not exist; the NetlinkError of the
   *   first delete the kernel refused otherwise, its message saying how many entries
   *   were deleted before; 'EAGAIN' when entries still match after 10 rounds.
   */
  async flush(filter: NeighFilter): Promise<number> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    if (!Object.keys(f).some((k) => k !== 'family' && f[k] !== undefined && !(k === 'proxy' && f[k] === false))) {
      throw new InvalidArgumentError('filter', "flush needs a selector besides family (dev, state or proxy), as 'ip neigh flush' does: { dev: 'eth0' } flushes a link's entries");
    }
    const q = await this.query(f, true);
    const sock = this.core.sock;
    return flushRounds(sock, {
      dump: async () => (await sock.dump(C.RTM_GETNEIGH, 0, q.build, onNeighRaw)).filter((d) => q.keep(d.obj)),
      delType: C.RTM_DELNEIGH,
      delTypeName: 'RTM_DELNEIGH',
      noun: ['neighbour entry', 'neighbour entries'],
      gone: NEIGH_GONE,
      subjectOf: (n) => `${n.dst}${n.dev ? ` dev ifindex ${n.dev}` : ''}${n.proxy ? ' proxy' : ''}`,
      filterText: () => `flush${f['dev'] !== undefined ? ` dev ${String(f['dev'])}` : ''}${f['family'] !== undefined ? ` family ${String(f['family'])}` : ''}${f['state'] !== undefined ? ` nud ${String(f['state'])}` : ''}${f['proxy'] === true ? ' proxy' : ''}`,
    });
  }

  /** A checked neighbour filter: the dump request and the test for what it keeps (`flush`: permanent entries only when `state` names them). */
  private async query(filter: NeighFilter | Record<string, unknown> | undefined, flush: boolean): Promise<{ build: (w: MessageWriter) => void; keep: (n: Neigh) => boolean }> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    const family = f['family'] !== undefined ? checkFamily(f['family'], 'filter.family') : undefined;
    const proxy = f['proxy'] !== undefined && checkBool(f['proxy'], 'filter.proxy');
    // flush: every state but permanent and noarp, 'none' included, as `ip neigh flush`'s
    // filter (~(NUD_PERMANENT|NUD_NOARP), which has its 0x100 bit for state 0); a list
    // leaves 'none' out, as `ip neigh show` (0xff & ~NUD_NOARP).
    let mask = flush ? (0xff & ~C.NUD_NOARP & ~C.NUD_PERMANENT) | 0x10000 : 0xff & ~C.NUD_NOARP;
    let all_ = false;
    // flush: 'all' is every state but noarp, as `ip neigh flush nud all` (the kernel's own
    // entries for multicast and for links without ARP); name 'noarp' to flush those.
    if (f['state'] === 'all') {
      if (flush) mask = (0xff & ~C.NUD_NOARP) | 0x10000;
      else all_ = true;
    } else if (f['state'] !== undefined) {
      const states = Array.isArray(f['state']) ? (f['state'] as unknown[]) : [f['state']];
      if (states.length === 0) throw new InvalidArgumentError('filter.state', 'expected a state name, an array of them, or \'all\'');
      mask = 0;
      let none = false;
      for (const st of states) {
        const b = checkState(st, 'filter.state');
        if (b === C.NUD_NONE) none = true;
        mask |= b;
      }
      if (none) mask |= 0x10000; // NUD_NONE has no bit: mark it asked for
    }
    // By ifindex too, the link must exist (the kernel would answer with no entries).
    const index = f['dev'] !== undefined ? (await this.core.linkHwAddrLen(checkLinkRef(f['dev'], 'filter.dev'), 'filter.dev')).index : 0;
    const af = family === undefined ? AF_UNSPEC : afOf(family);
    return {
      build: (w) => {
        putNdmsg(w, af, 0, 0, proxy ? C.NTF_PROXY : 0);
        if (index) w.putU32(C.NDA_IFINDEX, index);
      },
      keep: (n) => {
        if ((index && n.dev !== index) || (family !== undefined && n.family !== family) || n.proxy !== proxy) return false;
        if (all_ || proxy || n.rawFlags & C.NTF_EXT_LEARNED) return true;
        return n.rawState === 0 ? (mask & 0x10000) !== 0 : (n.rawState & mask) !== 0;
      },
    };
  }
}
