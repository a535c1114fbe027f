/**
 * `rt.qdisc`: add, replace, change, delete and list queueing disciplines over
 * RTM_NEWQDISC / RTM_DELQDISC / RTM_GETQDISC — what `tc qdisc` does.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, showValue, type MessageWriter } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { decodeKept, eachArgs, type ForEachCallback, type RtnlCore } from '../../core.js';
import { registerLayout } from '../../describer.js';
import { IFNAME_MAX, checkKeys, checkLinkRef, checkObject, checkString } from '../../validate.js';
import { EEXIST, EINVAL, ENODEV, ENOENT, EOPNOTSUPP, devArg, devText, explained, isListed, kindKeys } from '../common.js';
import { QDISC_PARENT_KEYWORDS, formatTcHandle, parseTcHandle, putTcmsg, type TcHandleInput } from '../handle.js';
import { FILTER_TCA } from '../filter/table.js';
import { QDISC_KINDS, qdiscCodec, type QdiscSpec } from '../kinds/index.js';
import type { AnyTcKindCodec } from '../kinds/kind.js';
import { decodeQdisc, qdiscHandleText, type Qdisc } from './decode.js';

// Extended-ACK offsets of qdisc and class requests are named by the TCA_* table filters decode with.
registerLayout([C.RTM_NEWQDISC, C.RTM_DELQDISC, C.RTM_GETQDISC, C.RTM_NEWTCLASS, C.RTM_DELTCLASS, C.RTM_GETTCLASS], C.SIZEOF_TCMSG, FILTER_TCA);

/**
 * What `rt.qdisc.del` takes besides a listed Qdisc: the device and where the qdisc sits.
 * A full QdiscSpec (what `add` took) is taken too; its options are not sent.
 */
export interface QdiscDelSpec {
  /** The device: name or ifindex (`dev DEV`). Required. */
  readonly link: string | number;
  /** Where the qdisc sits: 'root', 'ingress', 'clsact', a class ('1:10') or the number. Defaults to 'root' (ingress and clsact imply theirs). */
  readonly parent?: TcHandleInput | undefined;
  /** Its handle ('1:'): the kernel refuses the delete when the qdisc there has another. Defaults to any. */
  readonly handle?: TcHandleInput | undefined;
  /** Its kind: the kernel refuses the delete when the qdisc there is of another kind. Defaults to any. */
  readonly kind?: string | undefined;
}

/** Filters for `rt.qdisc.list`. */
export interface QdiscFilter {
  /** Qdiscs of this device: name or ifindex (`dev DEV`). Defaults to every device. */
  readonly link?: string | number | undefined;
  /** Qdiscs of this kind ('tbf'). Defaults to every kind. */
  readonly kind?: string | undefined;
  /** Qdiscs at this place: 'root', 'ingress' / 'clsact' (ffff:fff1), a class ('1:10'). Defaults to everywhere. */
  readonly parent?: TcHandleInput | undefined;
  /** The qdisc with this handle ('1:'). Defaults to every handle. */
  readonly handle?: TcHandleInput | undefined;
}

/** A checked request: the kind's codec and options, and where the qdisc goes. */
interface Checked {
  link: string | number;
  kind: string | undefined;
  codec: AnyTcKindCodec | undefined;
  options: unknown;
  parent: number;
  handle: number;
}

const COMMON_KEYS = ['link', 'parent', 'handle', 'kind'] as const;
/** The keys of a delete without a kind nlkit knows. */
const DEL_KEYS: ReadonlySet<string> = new Set(COMMON_KEYS);
const FILTER_KEYS: ReadonlySet<string> = new Set(['link', 'kind', 'parent', 'handle']);
/** TCA_KIND is at most IFNAMSIZ - 1 bytes (the kernel copies it into a char[IFNAMSIZ]). */
const KIND_MAX = IFNAME_MAX;

/** Spec keys by kind: the common ones and the kind's options. */
const keysOf = new Map<AnyTcKindCodec, ReadonlySet<string>>();
const specKeys = (codec: AnyTcKindCodec): ReadonlySet<string> => kindKeys(keysOf, COMMON_KEYS, codec);

/** Where a qdisc sits, for messages: 'root', 'ingress (ffff:fff1)', 'parent 1:10'. */
function placeText(parent: number): string {
  if (parent === C.TC_H_ROOT) return 'root';
  if (parent === C.TC_H_INGRESS) return 'ingress (ffff:fff1)';
  return `parent ${formatTcHandle(parent)}`;
}

/** The request as tc's command line would name it: 'dev v0 root handle 1: tbf'. */
function subjectOf(c: Checked): string {
  const dev = devArg(c.link);
  if (c.parent === C.TC_H_INGRESS) return `${dev} ${c.kind ?? 'ingress'}`;
  return `${dev} ${placeText(c.parent).replace(/ \(.*/, '')}${c.handle ? ` handle ${qdiscHandleText(c.handle)}` : ''}${c.kind !== undefined ? ` ${c.kind}` : ''}`;
}

/** The parent and handle of a spec: the kind's own for ingress/clsact, else as given (root and a handle the kernel picks by default). */
function place(s: Record<string, unknown>, codec: AnyTcKindCodec | undefined, kind: string | undefined, del = false): { parent: number; handle: number } {
  const fixed = codec?.fixed;
  if (fixed) {
    if (s['parent'] !== undefined && parseTcHandle(s['parent'], 'parent', QDISC_PARENT_KEYWORDS) !== fixed.parent) {
      throw new InvalidArgumentError('parent', `the ${kind} qdisc sits at ffff:fff1 (tc's '${kind}'): leave parent out, got ${showValue(s['parent'])}`);
    }
    if (s['handle'] !== undefined && parseTcHandle(s['handle'], 'handle') !== fixed.handle) {
      throw new InvalidArgumentError('handle', `the ${kind} qdisc's handle is ffff: — leave handle out, got ${showValue(s['handle'])}`);
    }
    return fixed;
  }
  const parent = s['parent'] !== undefined ? parseTcHandle(s['parent'], 'parent', QDISC_PARENT_KEYWORDS) : C.TC_H_ROOT;
  // A delete by place alone may name the ingress side: whichever of ingress and clsact is there.
  if (parent === C.TC_H_INGRESS && !(del && kind === undefined)) {
    throw new InvalidArgumentError('parent', `${showValue(s['parent'])} (ffff:fff1) is where the ingress and clsact qdiscs sit${kind !== undefined ? `, not for ${kind}` : ''}: give kind 'ingress' or 'clsact'`);
  }
  if (parent === C.TC_H_UNSPEC) throw new InvalidArgumentError('parent', "0 is no parent: give 'root' or a class ('1:10')");
  const handle = s['handle'] !== undefined ? parseTcHandle(s['handle'], 'handle') : 0;
  if (handle & C.TC_H_MIN_MASK) throw new InvalidArgumentError('handle', `a qdisc's handle is a major only, like '1:' (minors name its classes), got ${showValue(s['handle'])}`);
  return { parent, handle };
}

/** Every check of an add/replace/change spec, before anything is sent. */
function checkSpec(spec: unknown): Checked {
  const s = checkObject(spec, 'spec');
  const kind = s['kind'];
  if (kind === undefined) throw new InvalidArgumentError('kind', `a qdisc spec needs a kind (${QDISC_KINDS.join(', ')})`);
  const codec = typeof kind === 'string' ? qdiscCodec(kind) : undefined;
  if (!codec) throw new InvalidArgumentError('kind', `unknown qdisc kind ${showValue(kind)}: nlkit sends ${QDISC_KINDS.join(', ')}`);
  checkKeys(s, specKeys(codec), '');
  if (s['link'] === undefined) throw new InvalidArgumentError('link', 'a qdisc needs a link (the device: name or ifindex)');
  const link = checkLinkRef(s['link'], 'link');
  const { parent, handle } = place(s, codec, kind as string);
  return { link, kind: kind as string, codec, options: codec.check(s), parent, handle };
}

/** The checks of a `del` spec: a listed Qdisc, or the device and place (a kind's options, if there, are not sent). */
function checkDel(spec: unknown): Checked {
  const s = checkObject(spec, 'spec');
  if (isListed(s)) {
    return { link: s['index'] as number, kind: s['kind'] as string, codec: undefined, options: undefined, parent: s['rawParent'] as number, handle: s['rawHandle'] as number };
  }
  const kind = s['kind'] !== undefined ? checkString(s['kind'], 'kind', KIND_MAX) : undefined;
  const codec = kind !== undefined ? qdiscCodec(kind) : undefined;
  checkKeys(s, codec ? specKeys(codec) : DEL_KEYS, '');
  if (s['link'] === undefined) throw new InvalidArgumentError('link', 'a qdisc to delete needs its link (the device: name or ifindex)');
  const link = checkLinkRef(s['link'], 'link');
  if (kind === '') throw new InvalidArgumentError('kind', 'an empty kind: leave it out to delete whatever qdisc is there');
  const { parent, handle } = place(s, codec, kind, true);
  return { link, kind, codec, options: undefined, parent, handle };
}

/** The dump callback: one function for every dump. */
const onQdisc = (buf: Buffer, view: DataView, off: number, len: number): Qdisc | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWQDISC ? decodeQdisc(buf, view, off, len) : undefined;

/**
 * Queueing discipline operations of an Rtnl handle (`rt.qdisc`; `tc qdisc`): what a
 * device does with the packets it sends (a root qdisc, and qdiscs under its classes) and
 * with those it receives (ingress, clsact, for filters). A spec is one kind's (TbfSpec,
 * HtbSpec, PfifoSpec, BfifoSpec, IngressSpec, ClsactSpec, FqCodelSpec), told apart by
 * `kind`; rates, sizes and times take numbers or tc's text ('1mbit', '32kbit', '400ms').
 */
export class QdiscApi {
  /** Not for users: every Rtnl handle has its own, `rt.qdisc`. */
  private constructor(private readonly core: RtnlCore) {}

  /** @internal How a handle makes its `rt.qdisc` (and tests one over a stand-in core). */
  static of(core: RtnlCore): QdiscApi {
    return new QdiscApi(core);
  }

  /**
   * Add a qdisc: RTM_NEWQDISC with NLM_F_CREATE|NLM_F_EXCL. At a place that holds the
   * device's default qdisc (noqueue, pfifo_fast) the new one takes its place. Where a
   * qdisc of the same kind (or the handle given) is already, the kernel refuses
   * (EEXIST); one of another kind it replaces, as it does for `tc qdisc add`.
   *
   * Equivalent to: `tc qdisc add dev DEV [root | parent P | ingress | clsact] [handle H] KIND OPTIONS…`.
   * @example
   * await rt.qdisc.add({ link: 'eth0', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' });
   * await rt.qdisc.add({ link: 'eth0', kind: 'ingress' });
   * await rt.qdisc.add({ link: 'eth0', handle: '1:', kind: 'htb', default: '10' });
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'ENODEV' when
   *   the link does not exist, 'EEXIST' when a qdisc is there already, 'ENOENT' when
   *   the kernel lacks the kind or the parent class's qdisc does not exist — each naming
   *   the qdisc, what the kernel said and the netns.
   */
  async add(spec: QdiscSpec): Promise<void> {
    await this.modify(C.RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, checkSpec(spec));
  }

  /**
   * Add a qdisc, or put it in place of the one there (its classes, filters and queue
   * go with it): RTM_NEWQDISC with NLM_F_CREATE|NLM_F_REPLACE. A qdisc of the same kind
   * and handle is changed in place — where the kind can be changed: htb's own options
   * cannot (EINVAL, 'Change operation not supported'), only its classes'.
   *
   * Equivalent to: `tc qdisc replace dev DEV [root | parent P | ingress | clsact] [handle H] KIND OPTIONS…`.
   */
  async replace(spec: QdiscSpec): Promise<void> {
    await this.modify(C.RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, checkSpec(spec));
  }

  /**
   * Change the options of the qdisc there: RTM_NEWQDISC without flags. Give every option
   * the kind needs, as for `add`: the kernel takes them as a whole, not as changes to
   * the old ones. When the qdisc there is of another kind, the kernel puts a new one in
   * its place, as it does for `tc qdisc change`.
   *
   * Equivalent to: `tc qdisc change dev DEV [root | parent P] [handle H] KIND OPTIONS…`.
   * @throws NetlinkError 'ENOENT' when there is no such qdisc to change.
   */
  async change(spec: QdiscSpec): Promise<void> {
    await this.modify(C.RTM_NEWQDISC, 0, checkSpec(spec));
  }

  /**
   * Delete a qdisc: RTM_DELQDISC. Takes a Qdisc `list` returned, or the device and the
   * place (what `add` took will do: its options are not sent); the device's default
   * qdisc comes back at root. `handle` and `kind`, when given, must match the qdisc
   * there.
   *
   * Equivalent to: `tc qdisc del dev DEV [root | parent P | ingress | clsact] [handle H] [KIND]`.
   * @example
   * await rt.qdisc.del({ link: 'eth0', kind: 'ingress' });
   * for (const q of await rt.qdisc.list({ link: 'eth0', kind: 'tbf' })) await rt.qdisc.del(q);
   * @throws NetlinkError 'ENOENT' when no qdisc of its own is there (only the device's
   *   default, which cannot be deleted), 'EINVAL' when the one there has another handle
   *   or kind — each saying what is there, and the netns.
   */
  async del(spec: QdiscSpec | QdiscDelSpec | Qdisc): Promise<void> {
    await this.modify(C.RTM_DELQDISC, 0, checkDel(spec));
  }

  /**
   * List qdiscs (one RTM_GETQDISC dump): every device's root and ingress qdiscs and the
   * qdiscs under their classes, defaults included (noqueue, pfifo_fast, mq and its
   * children), as `tc qdisc show` lists them. The kernel dumps every device's; the
   * filters are applied here.
   *
   * Equivalent to: `tc -s -d qdisc show [dev DEV]`.
   * @example
   * const [root] = await rt.qdisc.list({ link: 'eth0', parent: 'root' });
   * if (root?.options.kind === 'tbf') console.log(root.options.rate, root.options.burst);
   * @throws InvalidArgumentError for a bad filter; NetlinkError 'ENODEV' when the
   *   filter's link does not exist (naming it and the netns).
   */
  async list(filter?: QdiscFilter): Promise<Qdisc[]> {
    const q = await this.query(filter);
    const all = await this.core.sock.dump(C.RTM_GETQDISC, 0, q.build, onQdisc);
    return q.keep === undefined ? all : all.filter(q.keep);
  }

  /**
   * Walk the qdiscs `list(filter)` would return without collecting them: `fn` gets each
   * as its part of the dump is read. Return `false` from `fn` to stop. Resolves with the
   * number of qdiscs `fn` was given.
   *
   * `fn` runs synchronously inside the receive loop: requests it makes on this handle
   * wait until the walk ends, and an async `fn` is refused. A walk is not retried when
   * the kernel flags the dump as interrupted (NLM_F_DUMP_INTR): it then rejects with
   * DumpInterruptedError once the walk is over, `delivered` saying how many qdiscs
   * `fn` was given. Closing the handle from `fn` ends the walk with ClosedError.
   *
   * Equivalent to: `tc -s -d qdisc show [dev DEV]` piped into a reader.
   * @throws DumpInterruptedError when the dump was interrupted; whatever `fn` threw.
   */
  async forEach<R = boolean | void>(fn: ForEachCallback<Qdisc, R>): Promise<number>;
  async forEach<R = boolean | void>(filter: QdiscFilter | undefined, fn: ForEachCallback<Qdisc, R>): Promise<number>;
  async forEach(a: QdiscFilter | ((object: Qdisc) => unknown) | undefined, b?: (object: Qdisc) => unknown): Promise<number> {
    const [filter, fn] = eachArgs(a, b);
    const q = await this.query(filter);
    return this.core.sock.dumpEach(C.RTM_GETQDISC, 0, q.build, decodeKept(onQdisc, q.keep), fn);
  }

  /** A checked filter: the dump request, and the test for what it keeps (undefined: everything). */
  private async query(filter: QdiscFilter | undefined): Promise<{ build: (w: MessageWriter) => void; keep: ((q: Qdisc) => boolean) | undefined }> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    const kind = f['kind'] !== undefined ? checkString(f['kind'], 'filter.kind', KIND_MAX) : undefined;
    const parent = f['parent'] !== undefined ? parseTcHandle(f['parent'], 'filter.parent', QDISC_PARENT_KEYWORDS) : undefined;
    const handle = f['handle'] !== undefined ? parseTcHandle(f['handle'], 'filter.handle') : undefined;
    // By ifindex too: the kernel dumps every device's qdiscs, so a missing one would list nothing.
    const index = f['link'] !== undefined ? (await this.core.linkHwAddrLen(checkLinkRef(f['link'], 'filter.link'), 'filter.link')).index : 0;
    const build = (w: MessageWriter): void => putTcmsg(w, index, 0, 0, 0);
    if (!index && kind === undefined && parent === undefined && handle === undefined) return { build, keep: undefined };
    return {
      build,
      keep: (q) => (!index || q.index === index) && (kind === undefined || q.kind === kind) &&
        (parent === undefined || q.rawParent === parent) && (handle === undefined || q.rawHandle === handle),
    };
  }

  private async modify(type: number, flags: number, c: Checked): Promise<void> {
    const index = await this.core.linkIndex(c.link, 'link');
    try {
      await this.core.sock.request(type, flags, (w) => {
        putTcmsg(w, index, c.handle, c.parent, 0);
        if (c.kind !== undefined) w.putStrz(C.TCA_KIND, c.kind);
        if (c.codec && type === C.RTM_NEWQDISC) c.codec.encode(w, c.options);
      }, undefined, { subject: subjectOf(c) });
    } catch (e) {
      throw await this.explain(e, c, index, type, flags);
    }
  }

  /** The qdisc at `parent` of device `index`, if any (for errors). */
  private async at(index: number, parent: number): Promise<Qdisc | undefined> {
    try {
      return (await this.list({ link: index })).find((q) => q.rawParent === parent);
    } catch {
      return undefined; // the device went away meanwhile: the kernel's own answer stands
    }
  }

  /** The kernel's refusal with what it means for this qdisc, and the netns (runs only for an error). */
  private async explain(e: unknown, c: Checked, index: number, type: number, flags: number): Promise<unknown> {
    if (!(e instanceof NetlinkError)) return e;
    const dev = devText(c.link);
    const msg = e.extack.message ?? '';
    const place = placeText(c.parent);
    /** What is at the place now: "'v0' has the tbf qdisc 1: at root". */
    const there = async (): Promise<string> => {
      const q = await this.at(index, c.parent);
      if (!q) return `${dev} has no qdisc at ${place}`;
      return `${dev} has ${q.rawHandle ? `the ${q.kind} qdisc ${q.handle}` : `only its default ${q.kind} qdisc`} at ${place}`;
    };
    let why: string | undefined;
    if (e.errno === ENODEV) {
      why = `link ${dev} does not exist`; // gone since its ifindex was looked up, or an ifindex that never was
    } else if (/qdisc kind is unknown/.test(msg) || (type === C.RTM_NEWQDISC && e.errno === ENOENT && !msg && c.kind)) {
      why = `this kernel has no '${c.kind}' qdisc (sch_${c.kind} is neither built in nor loadable)`;
    } else if (e.errno === EOPNOTSUPP && type === C.RTM_NEWQDISC && !msg) {
      why = `this kernel does not support the '${c.kind}' qdisc as asked`;
    } else if (e.errno === EEXIST) {
      why = flags & NLM_F_EXCL
        ? `${await there()}: add does not override it — replace swaps it, change modifies it`
        : `${await there()}: give its handle to change it, or replace it`;
    } else if (type === C.RTM_NEWQDISC && e.errno === ENOENT) {
      if (/NLM_F_CREATE/.test(msg) || /Specified qdisc not found/.test(msg)) why = `${dev} has no ${c.kind} qdisc at ${place} to change: add it first`;
      else if (/Failed to find specified qdisc/.test(msg)) why = `${dev} has no qdisc ${qdiscHandleText(c.parent)} for class ${formatTcHandle(c.parent)} to belong to`;
      else if (/ingress queue/.test(msg)) why = `${dev} has no ingress queue`;
    } else if (type === C.RTM_DELQDISC && e.errno === ENOENT) {
      if (/handle of zero/.test(msg)) {
        const q = await this.at(index, c.parent);
        why = q ? `${dev} has only its default ${q.kind} qdisc at ${place}, which cannot be deleted: there is nothing to delete` : `${dev} has no qdisc of its own at ${place}: there is nothing to delete`;
      }
      else if (/Cannot find specified qdisc/.test(msg)) why = `${dev} has no qdisc at ${place}: there is nothing to delete`;
      else if (/specified classid/.test(msg)) why = `${dev} has no qdisc ${qdiscHandleText(c.parent)}, so nothing is at ${place}`;
      else if (/specified handle/.test(msg)) why = `${dev} has no qdisc ${qdiscHandleText(c.handle)}`;
    } else if (e.errno === EINVAL && /Invalid qdisc name|Invalid handle/.test(msg)) {
      // The kernel compares the handle and kind with what is there, its placeholder too
      // (the default at root, noop on an emptied ingress side): a delete finds nothing.
      const q = type === C.RTM_DELQDISC ? await this.at(index, c.parent) : undefined;
      if (type === C.RTM_DELQDISC && !q?.rawHandle) {
        why = q ? `${dev} has only its default ${q.kind} qdisc at ${place}, which cannot be deleted: there is nothing to delete` : `${dev} has no qdisc at ${place}: there is nothing to delete`;
      } else why = `${await there()}, not ${/Invalid handle/.test(msg) ? qdiscHandleText(c.handle) : c.kind}`;
    } else if (e.errno === EINVAL && type === C.RTM_NEWQDISC && /Cannot move an existing qdisc/.test(msg) && c.handle) {
      // The handle is another qdisc's, elsewhere on the device: the kernel reads the request as moving that one.
      let q: Qdisc | undefined;
      try {
        q = (await this.list({ link: index })).find((x) => x.rawHandle === c.handle && x.rawParent !== c.parent);
      } catch {
        // the device went away meanwhile: the kernel's own answer stands
      }
      if (q) {
        const has = `${dev} has the ${q.kind} qdisc ${q.handle} at ${placeText(q.rawParent)}: a handle names one qdisc of a device`;
        why = c.parent === C.TC_H_INGRESS
          ? `${has}, and the ${c.kind ?? 'ingress'} qdisc always takes ${qdiscHandleText(c.handle)} — give the ${q.kind} qdisc another handle`
          : `${has}, and the kernel does not move one — give another handle, or delete that qdisc first`;
      }
    } else if (type === C.RTM_NEWQDISC && /Change operation not supported/.test(msg)) {
      // The qdisc there is of this kind, and its ops have no change (htb): replace and change both end there.
      const q = await this.at(index, c.parent);
      why = `the ${q?.kind ?? c.kind} qdisc${q?.rawHandle ? ` ${q.handle}` : ''} of ${dev} cannot have its own options changed once made: delete it and add it again (its classes and filters go with it)`;
    } else if (e.errno === EINVAL && type === C.RTM_NEWQDISC && !msg && c.kind) {
      why = `the kernel refused the ${c.kind} options`;
    }
    return explained(e, why, this.core);
  }
}

export type { Qdisc } from './decode.js';
export type { QdiscSpec } from '../kinds/index.js';
