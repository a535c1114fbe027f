/**
 * `rt.filter`: add, replace, change, delete and list traffic-control filters
 * (classifiers u32, bpf, matchall, with their actions) over RTM_*TFILTER — what
 * `tc filter` does.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, NLM_F_CREATE, NLM_F_EXCL, showValue, type MessageWriter } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { eachArgs, existingLinkIndex, type ForEachCallback, type RtnlCore } from '../../core.js';
import { IFNAME_MAX, checkInt, checkKeys, checkLinkRef, checkObject, checkString } from '../../validate.js';
import type { ActionSpec } from '../action/index.js';
import type { ProgFd } from '../action/kind.js';
import { closePrograms, fdHolds, openPrograms, progTypeName, type PinnedProgram } from '../../bpf-program.js';
import { EBADF, EEXIST, EINVAL, ENODEV, ENOENT, devArg, devText, explained, isListed, kindKeys } from '../common.js';
import { FILTER_PARENT_KEYWORDS, parseTcHandle as parseHandleText, putTcmsg, type TcHandleInput } from '../handle.js';
import { decodeFilter, type Filter } from './decode.js';
import { filterKindCodec, filterKinds, type U32Match } from './kinds/index.js';
import type { CheckedOptions, FilterKindCodec } from './kinds/kind.js';
import { parentText, parseProtocol, protocolBits, protocolName, type FilterProtocol } from './table.js';

/** What every filter spec has (`tc filter add dev DEV parent P protocol X prio N handle H chain C`). */
export interface FilterSpecBase {
  /** The device, name or ifindex (`dev DEV`). Required. */
  readonly link: string | number;
  /**
   * The qdisc (or class) the filter hangs off (`parent P`): 'ingress' (ffff:fff2, clsact's
   * ingress hook; an ingress qdisc's too), 'egress' (ffff:fff3, clsact's egress hook),
   * 'root' (TC_H_ROOT, as tc's `parent root`: the kernel looks it up as qdisc ffff:, the
   * ingress side, not the root qdisc — give the root qdisc's handle for that), a handle as tc writes it ('ffff:' for an ingress qdisc,
   * '1:', '1:10' for a class) or its number. The qdisc must exist: add an ingress or
   * clsact qdisc first (`tc qdisc add dev DEV clsact`). Required.
   */
  readonly parent: TcHandleInput;
  /**
   * The packets' protocol (`protocol X`): 'all' (every packet), 'ip', 'ipv6', 'arp',
   * '802.1q', '802.1ad', or an ethertype 1..65535. All filters of one priority share
   * one protocol. Defaults to 'all', as tc's.
   */
  readonly protocol?: FilterProtocol | undefined;
  /** The priority (`prio N`/`pref N`), 1..65535: lower runs first. Defaults to one the kernel picks (49152, then one less for each filter added without one). */
  readonly priority?: number | undefined;
  /** The filter's handle (`handle H`): u32 'HTID:HASH:NODE' ('800::1') or a number; bpf and matchall a number. Defaults to one the kernel picks. */
  readonly handle?: string | number | undefined;
  /** The filter chain (`chain C`), 0..268435455. Defaults to 0. */
  readonly chain?: number | undefined;
}

/** A u32 filter (`tc filter add … u32 match … [flowid C] [action …]`). */
export interface U32FilterSpec extends FilterSpecBase {
  /** The classifier (TCA_KIND, `tc filter add … u32`). */
  readonly kind: 'u32';
  /** 'all' (`match u32 0 0`: every packet) or the matches, all of which must hold. Required. */
  readonly match: 'all' | readonly U32Match[];
  /** The class a match selects (`classid C`/`flowid C`: '1:1'). Defaults to none. */
  readonly classid?: TcHandleInput | undefined;
  /** The actions run on a match, in order (`action …`). Defaults to none. */
  readonly actions?: readonly ActionSpec[] | undefined;
  /** `skip_hw`: never offload to hardware. Defaults to false. */
  readonly skipHw?: boolean | undefined;
  /** `skip_sw`: run in hardware only. Defaults to false. */
  readonly skipSw?: boolean | undefined;
}

/**
 * What every bpf filter spec has; {@link BpfFilterSpec} adds its program, by `fd` or by
 * the path it is `pinned` at (exactly one).
 */
export interface BpfFilterSpecCommon extends FilterSpecBase {
  /** The classifier (TCA_KIND, `tc filter add … bpf`). */
  readonly kind: 'bpf';
  /** A name for it (`tc` shows it; tc sends 'FILE:[SECTION]'). Defaults to none; with `pinned`, to what tc sends for it ('FILE:[*fsobj]', FILE the path's last part). */
  readonly name?: string | undefined;
  /** `da`: the program's return value is the verdict (TC_ACT_*), no actions needed. Defaults to false. */
  readonly directAction?: boolean | undefined;
  /** The class it selects unless the program returns one (`classid C`). Defaults to none. */
  readonly classid?: TcHandleInput | undefined;
  /** The actions run on a match (`action …`). Defaults to none. */
  readonly actions?: readonly ActionSpec[] | undefined;
  /** `skip_hw`. Defaults to false. */
  readonly skipHw?: boolean | undefined;
  /** `skip_sw`. Defaults to false. */
  readonly skipSw?: boolean | undefined;
}

/**
 * A bpf filter (`tc filter add … bpf [da] object-pinned PATH [classid C] [action …]`):
 * its program by `fd` or by the path it is `pinned` at, exactly one of the two (the type
 * refuses neither and both, as the checks do at run time).
 * @example
 * { link: 'eth0', parent: 'ingress', kind: 'bpf', pinned: '/sys/fs/bpf/prog', directAction: true }
 */
export type BpfFilterSpec = BpfFilterSpecCommon & ({
  /** The fd of a loaded BPF_PROG_TYPE_SCHED_CLS program; the kernel takes its own reference (the fd stays the caller's to close). This or `pinned`. */
  readonly fd: number;
  /** Not with `fd`. */
  readonly pinned?: undefined;
} | {
  /**
   * The path of a BPF_PROG_TYPE_SCHED_CLS program pinned on a bpf filesystem (tc's
   * `object-pinned PATH`): nlkit opens it (BPF_OBJ_GET) after the spec's checks and before
   * any request (the link lookups included), sends its fd and closes it once the kernel
   * has answered or refused; the kernel keeps its own reference. A relative path is the
   * process's working directory's, as tc's is (tc's `m:NAME`, a name in its own bpf
   * directory, is not taken: give that path whole). This or `fd`.
   */
  readonly pinned: string;
  /** Not with `pinned`. */
  readonly fd?: undefined;
});

/** A matchall filter (`tc filter add … matchall [classid C] [action …]`); kernels without CONFIG_NET_CLS_MATCHALL refuse it. */
export interface MatchallFilterSpec extends FilterSpecBase {
  /** The classifier (TCA_KIND, `tc filter add … matchall`). */
  readonly kind: 'matchall';
  /** The class every packet goes to (`classid C`). Defaults to none. */
  readonly classid?: TcHandleInput | undefined;
  /** The actions run on every packet (`action …`). Defaults to none. */
  readonly actions?: readonly ActionSpec[] | undefined;
  /** `skip_hw`. Defaults to false. */
  readonly skipHw?: boolean | undefined;
  /** `skip_sw`. Defaults to false. */
  readonly skipSw?: boolean | undefined;
}

/** What `rt.filter.add` / `replace` / `change` take, by classifier kind. */
export type FilterSpec = U32FilterSpec | BpfFilterSpec | MatchallFilterSpec;

/** What `rt.filter.del` takes (`tc filter del dev DEV parent P [protocol X prio N [handle H KIND]]`). */
export interface FilterDelSpec {
  /** The device, name or ifindex. Required. */
  readonly link: string | number;
  /** The parent, as in {@link FilterSpecBase.parent}. Required. */
  readonly parent: TcHandleInput;
  /** The protocol of the priority (needs `priority`). Defaults to any. */
  readonly protocol?: FilterProtocol | undefined;
  /** The priority. Without it, every filter of the chain at `parent` is deleted. */
  readonly priority?: number | undefined;
  /** One filter's handle (needs `priority`; a u32 text handle needs `kind`). Without it, the whole priority is deleted. */
  readonly handle?: string | number | undefined;
  /** The kind, checked against the priority's (needs `priority`). */
  readonly kind?: string | undefined;
  /** The chain. Defaults to 0. */
  readonly chain?: number | undefined;
}

/** What `rt.filter.list` takes. */
export interface FilterFilter {
  /** The device, name or ifindex (`dev DEV`): the kernel lists filters per device and qdisc. Required. */
  readonly link: string | number;
  /**
   * The qdisc or class (`parent P`; 'ingress', 'egress', 'ffff:', '1:'…). Defaults to
   * the root qdisc's filters, as `tc filter show dev DEV` lists them: an ingress or
   * clsact qdisc's filters are listed with `parent: 'ingress'` (or 'ffff:', 'egress').
   * 'root' is not the root qdisc here either: the kernel looks TC_H_ROOT up as qdisc
   * ffff:, so it lists an ingress qdisc's filters (and none of a clsact's), as `tc filter
   * show dev DEV root` does — leave `parent` out, or give the root qdisc's handle.
   */
  readonly parent?: TcHandleInput | undefined;
  /** Only this protocol's filters (`protocol X`; filtered by the kernel). Defaults to every protocol. */
  readonly protocol?: FilterProtocol | undefined;
  /** Only this priority's filters, 1..65535 (`prio N`; filtered by the kernel). Defaults to every priority. */
  readonly priority?: number | undefined;
  /** Only this chain's filters (`chain C`; filtered by the kernel). Defaults to every chain. */
  readonly chain?: number | undefined;
}

const BASE_KEYS = ['link', 'parent', 'protocol', 'priority', 'handle', 'chain', 'kind'];
const DEL_KEYS: ReadonlySet<string> = new Set(BASE_KEYS);
const FILTER_KEYS: ReadonlySet<string> = new Set(['link', 'parent', 'protocol', 'priority', 'chain']);
const SPEC_KEYS = new Map<FilterKindCodec, ReadonlySet<string>>();

/** The kernel options that build each classifier and action nlkit encodes, for "the kernel lacks it" hints. */
const CLS_CONFIG: Readonly<Record<string, string>> = { u32: 'CONFIG_NET_CLS_U32', bpf: 'CONFIG_NET_CLS_BPF', matchall: 'CONFIG_NET_CLS_MATCHALL' };
const ACT_CONFIG: Readonly<Record<string, string>> = { mirred: 'CONFIG_NET_ACT_MIRRED', gact: 'CONFIG_NET_ACT_GACT', bpf: 'CONFIG_NET_ACT_BPF' };

/** A checked request: everything but the ifindexes, which need lookups. */
interface Checked {
  link: string | number;
  parent: number;
  /** Ethertype, host order; 0 for none (any). */
  protocol: number;
  /** 0 for none (the kernel picks one on a create; every priority on a delete). */
  priority: number;
  handle: number;
  handleText: string | undefined;
  chain: number | undefined;
  /** TCA_KIND, when sent. */
  kind: string | undefined;
  opts: CheckedOptions | undefined;
}

/** The filter as `tc filter` would name it, for errors: 'dev hv parent ffff: protocol all pref 1 handle 800::800 u32', in tc's order (after the request type, as qdiscs and classes are named). */
function subjectOf(c: Checked): string {
  const parent = c.parent === C.TC_H_ROOT ? 'root' : /^(ingress|egress)$/.test(parentText(c.parent)) ? parentText(c.parent) : `parent ${parentText(c.parent)}`;
  const proto = c.protocol ? ` protocol ${String(protocolName(c.protocol))}` : '';
  return `${devArg(c.link)} ${parent}${proto}${c.priority ? ` pref ${c.priority}` : ''}` +
    `${c.handleText !== undefined ? ` handle ${c.handleText}` : ''}${c.chain !== undefined ? ` chain ${c.chain}` : ''}${c.kind !== undefined ? ` ${c.kind}` : ''}`;
}

/** The parent keywords and forms, checked. */
function checkParent(v: unknown, arg: string): number {
  if (v === undefined) throw new InvalidArgumentError(arg, "a filter needs its parent: 'ingress', 'egress', 'root' or the qdisc's handle ('ffff:', '1:')");
  return parseTcHandle(v, arg);
}

/** A parent as a filter takes one: tc's keywords `root`, `ingress`, `egress`, or a handle. */
function parseTcHandle(v: unknown, arg: string): number {
  return parseHandleText(v, arg, FILTER_PARENT_KEYWORDS);
}

/** A listed Filter back into what `del` takes: that one filter (or, for a priority's own entry, the priority). */
function specOfFilter(f: Filter): Record<string, unknown> {
  return {
    link: f.index, parent: f.rawParent, protocol: f.rawProtocol, priority: f.priority,
    handle: f.rawHandle !== 0 ? f.rawHandle : undefined, kind: f.kind === 'other' ? f.name : f.kind, chain: f.chain,
  };
}

/** Traffic-control filter operations of an Rtnl handle (`rt.filter`; `tc filter`). */
export class FilterApi {
  /** Not for users: every Rtnl handle has its own, `rt.filter`. */
  private constructor(private readonly core: RtnlCore) {}

  /** @internal How a handle makes its `rt.filter` (and tests one over a stand-in core). */
  static of(core: RtnlCore): FilterApi {
    return new FilterApi(core);
  }

  /**
   * Add a filter: RTM_NEWTFILTER with NLM_F_CREATE|NLM_F_EXCL. The parent qdisc must
   * exist (an ingress or clsact qdisc for 'ingress'/'ffff:', 'egress'). A u32 or bpf
   * filter added without `handle` always gets a new one (the kernel picks it), so only
   * a `handle` given twice clashes; a priority holds filters of one protocol and kind.
   * A mirred action's `dev` is looked up in the handle's netns.
   *
   * Equivalent to: `tc filter add dev DEV parent P protocol X prio N [handle H] [chain C]
   * u32 match … [flowid C] [action …]` (or `bpf`, `matchall`).
   * @example
   * // The CNI bandwidth plugin's ingress redirect to an ifb device:
   * await rt.filter.add({ link: 'veth0', parent: 'ffff:', protocol: 'all', priority: 1, kind: 'u32', match: 'all', classid: '1:1',
   *   actions: [{ kind: 'mirred', action: 'redirect', direction: 'egress', dev: 'ifb0' }] });
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'EEXIST'
   *   when a filter of that handle exists, 'EINVAL' with "Parent Qdisc doesn't exists"
   *   when no qdisc is at `parent`, 'ENOENT' for a classifier or action kind the kernel
   *   lacks, 'EINVAL' or 'EBADF' for an `fd` (the filter's or a bpf action's) that holds
   *   no program of the type it needs (naming that fd) — each naming the filter and the
   *   netns; 'ENODEV' naming the link, or a mirred action's `dev` (by name or ifindex:
   *   looked up first, nothing sent), that does not exist;
   *   SysError of bpf(BPF_OBJ_GET) when a `pinned` path holds nothing (ENOENT) or is not
   *   on a bpf filesystem (EACCES), naming the argument (nothing sent).
   */
  async add(spec: FilterSpec): Promise<void> {
    await this.modify(NLM_F_CREATE | NLM_F_EXCL, spec, 'add');
  }

  /**
   * Add a filter or replace the one of `handle`: RTM_NEWTFILTER with NLM_F_CREATE.
   * Without `handle`, a new filter is added as by `add` (the kernel picks the handle).
   * The kernel's u32 keeps an existing node's keys: a replace (or change) sets its class,
   * actions and flags; to match other packets, delete the node and add another.
   *
   * Equivalent to: `tc filter replace dev DEV parent P protocol X prio N handle H …`.
   */
  async replace(spec: FilterSpec): Promise<void> {
    await this.modify(NLM_F_CREATE, spec, 'replace');
  }

  /**
   * Change an existing filter: RTM_NEWTFILTER without NLM_F_CREATE. Needs `priority` and
   * the `handle` of the filter (refused before sending without either); `protocol`
   * defaults to the priority's.
   *
   * Equivalent to: `tc filter change dev DEV parent P prio N handle H …`.
   * @throws NetlinkError 'ENOENT' when the priority has no filter of that handle; 'EINVAL'
   *   (the kernel's "Filter kind and protocol must be specified", as tc gets it) when the
   *   priority has no filters at all and no `protocol` was given — each saying there is
   *   nothing to change, and the netns.
   */
  async change(spec: FilterSpec): Promise<void> {
    await this.modify(0, spec, 'change');
  }

  /**
   * Delete filters: RTM_DELTFILTER. With `priority` and `handle`, that one filter; with
   * `priority` alone, the whole priority (every filter in it, as `tc filter del … prio N`
   * does; a u32 priority's hash table with it); with neither, every filter of the chain at
   * `parent`. A filter `list` returned is deleted as that one filter — or, for a
   * priority's own entry (no `handle`), as its whole priority. A u32 priority's root
   * hash table (its '800:' entry) is refused by the kernel (EINVAL): it goes with the
   * priority.
   *
   * Equivalent to: `tc filter del dev DEV parent P [protocol X prio N [handle H KIND]] [chain C]`.
   * @throws InvalidArgumentError for bad input (`handle`, `kind` or `protocol` without
   *   `priority`: the kernel deletes by priority); NetlinkError 'ENOENT' when there is no
   *   such priority, handle or chain, 'EINVAL' for a u32 root hash table (naming the
   *   filter and the netns).
   */
  async del(spec: FilterDelSpec | Filter): Promise<void> {
    let s = checkObject(spec, 'spec');
    if (isListed(s)) s = specOfFilter(s as unknown as Filter);
    const c = checkDel(s);
    const index = await this.core.linkIndex(c.link, 'link');
    try {
      await this.core.sock.request(C.RTM_DELTFILTER, 0, (w) => {
        putTcmsg(w, index, c.handle, c.parent, (c.priority << 16 | (c.protocol ? protocolBits(c.protocol) : 0)) >>> 0);
        if (c.chain !== undefined) w.putU32(C.TCA_CHAIN, c.chain);
        if (c.kind !== undefined) w.putStrz(C.TCA_KIND, c.kind);
      }, undefined, { subject: subjectOf(c) });
    } catch (e) {
      throw this.explain(e, c, C.RTM_DELTFILTER, 0);
    }
  }

  /**
   * List the filters at one device's qdisc or class (one RTM_GETTFILTER dump), in the
   * kernel's order: for each priority (lowest first), an entry for the priority itself
   * (no `handle`, no `options`), then its filters — for u32, the hash table's entry
   * ('800:', options.divisor) and then each node ('800::800', options.sel) — as
   * `tc -j filter show` prints them. A device without a qdisc at `parent` has no filters.
   *
   * Equivalent to: `tc -s filter show dev DEV [ingress|egress|parent P] [protocol X] [prio N] [chain C]`.
   * @throws InvalidArgumentError for a bad filter (`link` is required); NetlinkError
   *   'ENODEV' when the link does not exist (naming it and the netns).
   */
  async list(filter: FilterFilter): Promise<Filter[]> {
    const build = await this.query(filter);
    return this.core.sock.dump(C.RTM_GETTFILTER, 0, build, onFilter);
  }

  /**
   * Walk the filters `list(filter)` would return without collecting them: `fn` gets each
   * as its part of the dump is read. Return `false` from `fn` to stop. Resolves with the
   * number of filters `fn` was given. `fn` runs synchronously inside the receive loop
   * (see `rt.route.forEach` for the rules: no requests on this handle from it, no async
   * `fn`; DumpInterruptedError when the kernel flags the dump as interrupted).
   *
   * Equivalent to: `tc filter show dev DEV …` piped into a reader.
   */
  async forEach<R = boolean | void>(filter: FilterFilter, fn: ForEachCallback<Filter, R>): Promise<number>;
  async forEach(a: FilterFilter | ((object: Filter) => unknown), b?: (object: Filter) => unknown): Promise<number> {
    const [filter, fn] = eachArgs<FilterFilter, Filter>(a, b);
    const build = await this.query(filter);
    return this.core.sock.dumpEach(C.RTM_GETTFILTER, 0, build, onFilter, fn);
  }

  /** A checked list filter: the dump request. */
  private async query(filter: FilterFilter | undefined): Promise<(w: MessageWriter) => void> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    if (f['link'] === undefined) throw new InvalidArgumentError('filter.link', 'the kernel lists filters per device (and qdisc): give filter.link');
    const ref = checkLinkRef(f['link'], 'filter.link');
    const parent = f['parent'] !== undefined ? parseTcHandle(f['parent'], 'filter.parent') : 0;
    const protocol = f['protocol'] !== undefined ? parseProtocol(f['protocol'], 'filter.protocol') : 0;
    const priority = f['priority'] !== undefined ? checkInt(f['priority'], 'filter.priority', 1, 0xffff) : 0;
    const chain = f['chain'] !== undefined ? checkInt(f['chain'], 'filter.chain', 0, C.TC_ACT_EXT_VAL_MASK) : undefined;
    // By ifindex too: for a device that does not exist the kernel answers with nothing.
    const index = (await this.core.linkHwAddrLen(ref, 'filter.link')).index;
    return (w) => {
      putTcmsg(w, index, 0, parent, (priority << 16 | (protocol ? protocolBits(protocol) : 0)) >>> 0);
      if (chain !== undefined) w.putU32(C.TCA_CHAIN, chain);
    };
  }

  private async modify(nlFlags: number, spec: unknown, op: 'add' | 'replace' | 'change'): Promise<void> {
    const c = checkSpec(spec, op);
    // Pinned programs are opened (and their type checked) before any request, like the
    // rest of the input, and held until the kernel has answered.
    const programs: PinnedProgram[] = [];
    if (c.opts!.program) programs.push(c.opts!.program);
    for (const a of c.opts!.actions) if (a.program) programs.push(a.program);
    openPrograms(programs);
    try {
      const index = await this.core.linkIndex(c.link, 'link');
      const ifindexes: number[] = [];
      // An action's device by ifindex is checked too: for a missing one the kernel's bare
      // ENODEV would read as the filter's own link missing.
      for (const a of c.opts!.actions) {
        ifindexes.push(a.dev ? await existingLinkIndex(this.core, a.dev.ref, a.dev.arg) : 0);
      }
      try {
        await this.core.sock.request(C.RTM_NEWTFILTER, nlFlags, (w) => {
          putTcmsg(w, index, c.handle, c.parent, (c.priority << 16 | (c.protocol ? protocolBits(c.protocol) : 0)) >>> 0);
          if (c.chain !== undefined) w.putU32(C.TCA_CHAIN, c.chain);
          w.putStrz(C.TCA_KIND, c.kind!);
          const o = w.nestStart(C.TCA_OPTIONS, false); // tc's addattr_nest: no NLA_F_NESTED
          c.opts!.put(w, ifindexes);
          w.nestEnd(o);
        }, undefined, { subject: subjectOf(c) });
      } catch (e) {
        throw this.explain(e, c, C.RTM_NEWTFILTER, nlFlags);
      }
    } finally {
      closePrograms(programs);
    }
  }

  /** The kernel's refusal with what it means for this filter, and the netns (runs only for an error). */
  private explain(e: unknown, c: Checked, type: number, nlFlags: number): unknown {
    if (!(e instanceof NetlinkError)) return e;
    const msg = e.extack.message ?? '';
    const dev = devText(c.link);
    const pt = parentText(c.parent);
    const inChain = c.chain !== undefined ? ` in chain ${c.chain}` : '';
    let why: string | undefined;
    if (/Parent Qdisc doesn't exist/i.test(msg)) {
      const major = c.parent >>> 16;
      why = c.parent === C.TC_H_ROOT
        ? `the kernel looks parent 'root' (ffff:ffff) up as qdisc ffff: (the ingress side), as for tc's 'parent root', and ${dev} has none: for the root qdisc's filters give its handle ('1:')`
        : major === 0xffff
        ? `${dev} has no ingress or clsact qdisc for the filter to hang off: add one first (tc qdisc add dev DEV clsact, or ingress)`
        : `${dev} has no qdisc ${(major).toString(16)}: for the filter to hang off (parent ${pt}): add it first`;
    } else if (/classifier not found/i.test(msg) && c.kind !== undefined) {
      why = `this kernel has no '${c.kind}' classifier${CLS_CONFIG[c.kind] ? ` (${CLS_CONFIG[c.kind]})` : ''}`;
    } else if (/action module/i.test(msg) || (/action/i.test(msg) && /not found/i.test(msg))) {
      const kinds = [...new Set((c.opts?.actions ?? []).map((a) => a.kind))];
      why = `this kernel lacks the module of one of the filter's actions (${kinds.map((k) => `'${k}'${ACT_CONFIG[k] ? ` ${ACT_CONFIG[k]}` : ''}`).join(', ')})`;
    } else if (/Protocol mismatch/i.test(msg)) {
      why = `priority ${c.priority} holds filters of another protocol: every filter of a priority has the same protocol`;
    } else if (/kind does not match/i.test(msg)) {
      why = `priority ${c.priority} holds filters of another kind: every filter of a priority has the same kind`;
    } else if (e.errno === EEXIST && type === C.RTM_NEWTFILTER) {
      why = c.kind === 'matchall'
        ? `priority ${c.priority} already has its matchall filter (one per priority): use replace, or another priority`
        : `a filter with handle ${c.handleText ?? '?'} already exists at priority ${c.priority}: use replace, or another handle`;
    } else if (e.errno === ENOENT && type === C.RTM_DELTFILTER && /filter chain/i.test(msg)) {
      why = `${dev} has no filter chain ${c.chain ?? 0} at ${pt}`;
    } else if (e.errno === ENOENT && type === C.RTM_DELTFILTER) {
      why = c.handle ? `no filter with handle ${c.handleText ?? c.handle} at priority ${c.priority}${inChain}` : c.priority ? `no filters at priority ${c.priority}${c.protocol ? ` of protocol ${String(protocolName(c.protocol))}` : ''}${inChain}` : 'no such filter';
    } else if (e.errno === EINVAL && type === C.RTM_DELTFILTER && /delete root node/i.test(msg)) {
      // cls_u32 keeps a priority's root hash table (the entry list shows as '800:') while the priority lives.
      why = `${c.handleText ?? 'it'} is the root hash table of priority ${c.priority}: it goes with the priority (delete the priority: its own entry in the listing, or { link, parent, priority })`;
    } else if (e.errno === EINVAL && type === C.RTM_NEWTFILTER && !(nlFlags & NLM_F_CREATE) && /kind and protocol must be specified/i.test(msg)) {
      // tc_new_tfilter found no filters of the priority, and would make them only with a protocol (and NLM_F_CREATE).
      why = `no filters at priority ${c.priority}${c.protocol ? ` of protocol ${String(protocolName(c.protocol))}` : ''}${inChain} to change (change never creates one: use add or replace)`;
    } else if (e.errno === ENOENT && type === C.RTM_NEWTFILTER && !(nlFlags & NLM_F_CREATE)) {
      why = `no filter${c.handleText !== undefined ? ` with handle ${c.handleText}` : ''} at priority ${c.priority}${inChain} to change (change never creates one: use add or replace)`;
    } else if (e.errno === ENODEV && /device does not exist/i.test(msg)) {
      why = `a mirred action's device does not exist`;
    } else if (e.errno === ENODEV) {
      why = `link ${dev} does not exist`;
    } else if ((e.errno === EBADF || e.errno === EINVAL) && !msg) {
      why = badProgFd(c, e.errno);
    }
    return explained(e, why, this.core);
  }
}

/**
 * For a bare EBADF/EINVAL: the first program given by fd (the filter's, then its actions')
 * that holds no program of the type the kernel insists on, read from /proc/self/fdinfo (an
 * fd it cannot read is not open, for EBADF); undefined when each does, the kernel's own
 * answer then standing.
 */
function badProgFd(c: Checked, errno: number): string | undefined {
  const fds: ProgFd[] = [];
  if (c.opts?.progFd) fds.push(c.opts.progFd);
  for (const a of c.opts?.actions ?? []) if (a.progFd) fds.push(a.progFd);
  for (const p of fds) {
    const held = fdHolds(p.fd);
    if (held === p.type || (held === undefined && errno !== EBADF)) continue;
    return `${p.arg} ${p.fd} is not the fd of a loaded ${progTypeName(p.type)} program${typeof held === 'number' ? ` (it holds a ${progTypeName(held)} program)` : ''}`;
  }
  return undefined;
}

/** The dump callback: one function for every dump. */
const onFilter = (buf: Buffer, view: DataView, off: number, len: number): Filter | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWTFILTER ? decodeFilter(buf, view, off, len) : undefined;

/** The keys a spec of `codec`'s kind takes. */
function specKeys(codec: FilterKindCodec): ReadonlySet<string> {
  return kindKeys(SPEC_KEYS, BASE_KEYS, codec);
}

/** Every check of an add/replace/change spec, before anything is sent. */
function checkSpec(spec: unknown, op: 'add' | 'replace' | 'change'): Checked {
  const s = checkObject(spec, 'spec');
  const kind = s['kind'];
  const codec = typeof kind === 'string' ? filterKindCodec(kind) : undefined;
  if (!codec) throw new InvalidArgumentError('kind', `unknown filter kind ${showValue(kind)} (nlkit encodes ${filterKinds().join(', ')})`);
  checkKeys(s, specKeys(codec), '');
  if (s['link'] === undefined) throw new InvalidArgumentError('link', 'a filter needs its device (link: name or ifindex)');
  const link = checkLinkRef(s['link'], 'link');
  const parent = checkParent(s['parent'], 'parent');
  // tc sends ETH_P_ALL when creating without a protocol, nothing (any) for a change.
  const protocol = s['protocol'] !== undefined ? parseProtocol(s['protocol'], 'protocol') : op === 'change' ? 0 : C.ETH_P_ALL;
  const priority = s['priority'] !== undefined ? checkInt(s['priority'], 'priority', 1, 0xffff) : 0;
  if (op === 'change' && priority === 0) throw new InvalidArgumentError('priority', 'change needs the priority of the filter it changes (the kernel refuses a change with none)');
  const handle = s['handle'] !== undefined ? codec.parseHandle(s['handle'], 'handle') : 0;
  // tc_new_tfilter finds no filter of handle 0 and, without NLM_F_CREATE, answers ENOENT.
  if (op === 'change' && handle === 0) throw new InvalidArgumentError('handle', `change needs the handle of the filter it changes (the kernel never creates one on a change; rt.filter.list gives each filter's handle)`);
  const chain = s['chain'] !== undefined ? checkInt(s['chain'], 'chain', 0, C.TC_ACT_EXT_VAL_MASK) : undefined;
  const opts = codec.check(s);
  return { link, parent, protocol, priority, handle, handleText: handle ? codec.formatHandle(handle) : undefined, chain, kind: codec.kind, opts };
}

/** Every check of a del spec. */
function checkDel(s: Record<string, unknown>): Checked {
  checkKeys(s, DEL_KEYS, '');
  if (s['link'] === undefined) throw new InvalidArgumentError('link', 'a filter delete needs the device (link: name or ifindex)');
  const link = checkLinkRef(s['link'], 'link');
  const parent = checkParent(s['parent'], 'parent');
  const priority = s['priority'] !== undefined ? checkInt(s['priority'], 'priority', 1, 0xffff) : 0;
  const kind = s['kind'] !== undefined ? checkString(s['kind'], 'kind', IFNAME_MAX) : undefined;
  if (kind === '') throw new InvalidArgumentError('kind', 'a filter kind is a non-empty name');
  if (priority === 0) {
    // tc_del_tfilter: "Cannot flush filters with protocol, handle or kind set" (with no priority it deletes the whole chain).
    for (const k of ['handle', 'kind', 'protocol'] as const) {
      if (s[k] !== undefined) throw new InvalidArgumentError(k, `${k} selects within a priority: give priority too (without one, every filter at the parent is deleted)`);
    }
  }
  const protocol = s['protocol'] !== undefined ? parseProtocol(s['protocol'], 'protocol') : 0;
  const codec = kind !== undefined ? filterKindCodec(kind) : undefined;
  let handle = 0;
  if (s['handle'] !== undefined) {
    if (typeof s['handle'] === 'string' && !codec) throw new InvalidArgumentError('handle', `a handle given as text is read by its kind (u32 '800::1', or '0x1'): give kind, or the handle's number`);
    handle = codec ? codec.parseHandle(s['handle'], 'handle') : checkInt(s['handle'], 'handle', 1, 0xffffffff);
  }
  const chain = s['chain'] !== undefined ? checkInt(s['chain'], 'chain', 0, C.TC_ACT_EXT_VAL_MASK) : undefined;
  return { link, parent, protocol, priority, handle, handleText: handle ? (codec ? codec.formatHandle(handle) : `0x${handle.toString(16)}`) : undefined, chain, kind, opts: undefined };
}
