/**
 * `rt.class`: add, replace, change, delete and list the classes of classful qdiscs
 * (htb) over RTM_NEWTCLASS / RTM_DELTCLASS / RTM_GETTCLASS — what `tc class` does.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, NLM_F_CREATE, NLM_F_EXCL, showValue, type MessageWriter } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { decodeKept, eachArgs, type ForEachCallback, type RtnlCore } from '../../core.js';
import { IFNAME_MAX, checkKeys, checkLinkRef, checkObject, checkString } from '../../validate.js';
import { EBUSY, EEXIST, EINVAL, ENODEV, ENOENT, EOPNOTSUPP, article, devArg, devText, explained, isListed, kindKeys, whereOf } from '../common.js';
import { CLASS_PARENT_KEYWORDS, formatTcHandle, parseTcHandle, putTcmsg, type TcHandleInput } from '../handle.js';
import { CLASS_KINDS, classCodec, type TcClassSpec } from '../kinds/index.js';
import type { AnyTcKindCodec } from '../kinds/kind.js';
import type { QdiscApi } from '../qdisc/api.js';
import { qdiscHandleText } from '../qdisc/decode.js';
import { decodeTcClass, type TcClass } from './decode.js';

/**
 * What `rt.class.del` takes besides a listed TcClass: the device and the class id. A
 * full class spec (what `add` took) is taken too; its options are not sent.
 */
export interface TcClassDelSpec {
  /** The device: name or ifindex (`dev DEV`). Required. */
  readonly link: string | number;
  /** The class ('1:10') (`classid C`). Required. */
  readonly classid: TcHandleInput;
  /** Its parent ('1:' or '1:1'): only a check, the kernel finds the class by its id. Defaults to none. */
  readonly parent?: TcHandleInput | undefined;
  /** Its qdisc's kind ('htb'): the kernel checks nothing with it; tc sends it when given. Defaults to none. */
  readonly kind?: string | undefined;
}

/** Filters for `rt.class.list`. The kernel lists one device's classes at a time: `link` is required. */
export interface TcClassFilter {
  /** The device: name or ifindex (`dev DEV`). Required. */
  readonly link: string | number;
  /**
   * Classes of this qdisc ('1:'), asked of the kernel (`tc class show dev DEV parent 1:`
   * lists the same). Defaults to every qdisc's.
   */
  readonly qdisc?: TcHandleInput | undefined;
  /** Classes whose parent is this: 'root' for a qdisc's top classes, or a class ('1:1'). Defaults to any. */
  readonly parent?: TcHandleInput | undefined;
  /** The class with this id ('1:10') (`classid 1:10`). Defaults to every class. */
  readonly classid?: TcHandleInput | undefined;
  /** Classes of this kind ('htb'). Defaults to every kind. */
  readonly kind?: string | undefined;
}

/** A checked request. */
interface Checked {
  link: string | number;
  kind: string | undefined;
  codec: AnyTcKindCodec | undefined;
  options: unknown;
  parent: number;
  classid: number;
}

const COMMON_KEYS = ['link', 'parent', 'classid', 'kind'] as const;
const FILTER_KEYS: ReadonlySet<string> = new Set(['link', 'qdisc', 'parent', 'classid', 'kind']);
/** Class ids: no keyword ('none' would ask the kernel to pick one, which htb refuses). */
const NO_KEYWORDS: Readonly<Record<string, number>> = {};
/** The keys of a delete without a kind nlkit knows. */
const DEL_KEYS: ReadonlySet<string> = new Set(COMMON_KEYS);

/** Spec keys by kind: the common ones and the kind's options. */
const keysOf = new Map<AnyTcKindCodec, ReadonlySet<string>>();
const specKeys = (codec: AnyTcKindCodec | undefined): ReadonlySet<string> => (codec ? kindKeys(keysOf, COMMON_KEYS, codec) : DEL_KEYS);

/** The major of a handle. */
const major = (h: number): number => (h & C.TC_H_MAJ_MASK) >>> 0;

/** The class id: major and minor, a minor of its own; its major matching the parent's. */
function checkClassid(v: unknown, parent: number | undefined): number {
  const id = parseTcHandle(v, 'classid', NO_KEYWORDS);
  if ((id & C.TC_H_MIN_MASK) === 0) throw new InvalidArgumentError('classid', `a class id has a minor of its own, like '1:10' (${showValue(v)} names a qdisc)`);
  if (parent !== undefined && parent !== C.TC_H_ROOT && major(parent) && major(id) && major(parent) !== major(id)) {
    throw new InvalidArgumentError('classid', `class ${formatTcHandle(id)} cannot be under ${formatTcHandle(parent)}: a class's major is its qdisc's (${qdiscHandleText(parent)})`);
  }
  return id;
}

/** The request as tc's command line would name it: 'dev v0 parent 1: classid 1:10 htb'. */
function subjectOf(c: Checked): string {
  const parent = c.parent === C.TC_H_ROOT ? ' root' : c.parent ? ` parent ${formatTcHandle(c.parent)}` : '';
  return `${devArg(c.link)}${parent} classid ${formatTcHandle(c.classid)}${c.kind !== undefined ? ` ${c.kind}` : ''}`;
}

function checkSpec(spec: unknown): Checked {
  const s = checkObject(spec, 'spec');
  const kind = s['kind'];
  if (kind === undefined) throw new InvalidArgumentError('kind', `a class spec needs its qdisc's kind (${CLASS_KINDS.join(', ')})`);
  const codec = typeof kind === 'string' ? classCodec(kind) : undefined;
  if (!codec) throw new InvalidArgumentError('kind', `unknown class kind ${showValue(kind)}: nlkit sends the classes of ${CLASS_KINDS.join(', ')}`);
  checkKeys(s, specKeys(codec), '');
  if (s['link'] === undefined) throw new InvalidArgumentError('link', 'a class needs a link (the device: name or ifindex)');
  const link = checkLinkRef(s['link'], 'link');
  if (s['parent'] === undefined) throw new InvalidArgumentError('parent', "a class needs a parent: its qdisc ('1:') or a class ('1:1')");
  const parent = parseTcHandle(s['parent'], 'parent', CLASS_PARENT_KEYWORDS);
  if (parent === C.TC_H_UNSPEC) throw new InvalidArgumentError('parent', "0 is no parent: give the qdisc ('1:') or a class ('1:1')");
  if (s['classid'] === undefined) throw new InvalidArgumentError('classid', "a class needs its id ('1:10')");
  const classid = checkClassid(s['classid'], parent);
  return { link, kind: kind as string, codec, options: codec.check(s), parent, classid };
}

function checkDel(spec: unknown): Checked {
  const s = checkObject(spec, 'spec');
  if (isListed(s)) {
    return { link: s['index'] as number, kind: s['kind'] as string, codec: undefined, options: undefined, parent: s['rawParent'] as number, classid: s['rawHandle'] as number };
  }
  const kind = s['kind'] !== undefined ? checkString(s['kind'], 'kind', IFNAME_MAX) : undefined;
  if (kind === '') throw new InvalidArgumentError('kind', 'an empty kind: leave it out');
  checkKeys(s, specKeys(kind !== undefined ? classCodec(kind) : undefined), '');
  if (s['link'] === undefined) throw new InvalidArgumentError('link', 'a class to delete needs its link (the device: name or ifindex)');
  const link = checkLinkRef(s['link'], 'link');
  const parent = s['parent'] !== undefined ? parseTcHandle(s['parent'], 'parent', CLASS_PARENT_KEYWORDS) : 0;
  if (s['classid'] === undefined) throw new InvalidArgumentError('classid', "a class to delete needs its id ('1:10')");
  const classid = checkClassid(s['classid'], parent || undefined);
  return { link, kind, codec: undefined, options: undefined, parent, classid };
}

/** The dump callback: one function for every dump. */
const onClass = (buf: Buffer, view: DataView, off: number, len: number): TcClass | undefined =>
  view.getUint16(off + 4, HOST_LE) === C.RTM_NEWTCLASS ? decodeTcClass(buf, view, off, len) : undefined;

/**
 * Traffic class operations of an Rtnl handle (`rt.class`; `tc class`): the classes of a
 * classful qdisc — htb's rates and ceilings, each class with a leaf qdisc (pfifo unless
 * one is added under it with `rt.qdisc.add({ parent: '1:10', … })`).
 */
export class ClassApi {
  /** Not for users: every Rtnl handle has its own, `rt.class`. */
  private constructor(private readonly core: RtnlCore, private readonly qdiscs: QdiscApi) {}

  /** @internal How a handle makes its `rt.class` (and tests one over a stand-in core). */
  static of(core: RtnlCore, qdiscs: QdiscApi): ClassApi {
    return new ClassApi(core, qdiscs);
  }

  /**
   * Add a class: RTM_NEWTCLASS with NLM_F_CREATE|NLM_F_EXCL. Its parent class, when it
   * has one, must exist: htb would make a class whose parent it cannot find a top class,
   * so nlkit lists the qdisc's classes first and refuses with ENOENT (nothing sent).
   *
   * Equivalent to: `tc class add dev DEV parent P classid C KIND OPTIONS…`.
   * @example
   * await rt.class.add({ link: 'eth0', parent: '1:', classid: '1:1', kind: 'htb', rate: '100mbit' });
   * await rt.class.add({ link: 'eth0', parent: '1:1', classid: '1:10', kind: 'htb', rate: '10mbit', ceil: '100mbit', prio: 1 });
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError 'ENODEV'
   *   when the link does not exist, 'EEXIST' when the class does, 'ENOENT' when the
   *   qdisc does not, 'EINVAL' when the qdisc is not of the class's kind — each naming
   *   the class, what is there and the netns.
   */
  async add(spec: TcClassSpec): Promise<void> {
    await this.modify(C.RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_EXCL, checkSpec(spec));
  }

  /**
   * Add a class or change the one with that id: RTM_NEWTCLASS with NLM_F_CREATE, as
   * `tc class replace` sends it. Its parent class must exist, as for `add`. An existing
   * class keeps its place: htb never moves a class, and takes a request naming another
   * parent without a word (delete the class and add it again to move it).
   *
   * Equivalent to: `tc class replace dev DEV parent P classid C KIND OPTIONS…`.
   */
  async replace(spec: TcClassSpec): Promise<void> {
    await this.modify(C.RTM_NEWTCLASS, NLM_F_CREATE, checkSpec(spec));
  }

  /**
   * Change a class's options: RTM_NEWTCLASS without flags. Give every option, as for
   * `add` (omitted ones take their defaults again). `parent` does not move the class:
   * htb keeps it where it is whatever parent is given, as for `tc class change`.
   *
   * Equivalent to: `tc class change dev DEV parent P classid C KIND OPTIONS…`.
   * @throws NetlinkError 'ENOENT' when there is no such class.
   */
  async change(spec: TcClassSpec): Promise<void> {
    await this.modify(C.RTM_NEWTCLASS, 0, checkSpec(spec));
  }

  /**
   * Delete a class: RTM_DELTCLASS. Takes a TcClass `list` returned, or the device and
   * class id (what `add` took will do: its options are not sent). A class with child
   * classes, or that filters point to, cannot be deleted (EBUSY).
   *
   * Equivalent to: `tc class del dev DEV classid C [parent P]`.
   * @throws NetlinkError 'ENOENT' when there is no such class, 'EBUSY' when it is in use.
   */
  async del(spec: TcClassSpec | TcClassDelSpec | TcClass): Promise<void> {
    await this.modify(C.RTM_DELTCLASS, 0, checkDel(spec));
  }

  /**
   * List a device's classes (one RTM_GETTCLASS dump; the kernel lists one device's at a
   * time, so `link` is required): htb's, and the single classes of tbf, mq and other
   * qdiscs that show them. `qdisc` is asked of the kernel; `parent`, `classid` and
   * `kind` are filtered here.
   *
   * Equivalent to: `tc -s -d class show dev DEV [parent 1:] [classid C]`.
   * @example
   * for (const c of await rt.class.list({ link: 'eth0', qdisc: '1:' })) {
   *   if (c.options.kind === 'htb') console.log(c.handle, c.options.rate, c.options.ceil, c.leaf);
   * }
   * @throws InvalidArgumentError for a missing link or a bad filter; NetlinkError
   *   'ENODEV' when the link does not exist (naming it and the netns).
   */
  async list(filter: TcClassFilter): Promise<TcClass[]> {
    const q = await this.query(filter);
    const all = await this.core.sock.dump(C.RTM_GETTCLASS, 0, q.build, onClass);
    return q.keep === undefined ? all : all.filter(q.keep);
  }

  /**
   * Walk the classes `list(filter)` would return without collecting them: `fn` gets each
   * as its part of the dump is read. Return `false` from `fn` to stop. Resolves with the
   * number of classes `fn` was given. As with the other walks, `fn` runs synchronously
   * inside the receive loop (an async `fn` is refused), an interrupted dump rejects with
   * DumpInterruptedError once the walk is over, and closing the handle from `fn` ends it
   * with ClosedError.
   *
   * Equivalent to: `tc -s -d class show dev DEV` piped into a reader.
   * @throws DumpInterruptedError when the dump was interrupted; whatever `fn` threw.
   */
  async forEach<R = boolean | void>(filter: TcClassFilter, fn: ForEachCallback<TcClass, R>): Promise<number>;
  async forEach(a: TcClassFilter | ((object: TcClass) => unknown) | undefined, b?: (object: TcClass) => unknown): Promise<number> {
    const [filter, fn] = eachArgs(a, b);
    const q = await this.query(filter);
    return this.core.sock.dumpEach(C.RTM_GETTCLASS, 0, q.build, decodeKept(onClass, q.keep), fn);
  }

  private async query(filter: TcClassFilter | undefined): Promise<{ build: (w: MessageWriter) => void; keep: ((c: TcClass) => boolean) | undefined }> {
    if (filter === undefined) throw new InvalidArgumentError('filter', "listing classes needs a filter with the link: the kernel lists one device's classes at a time (tc class show dev DEV)");
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    if (f['link'] === undefined) throw new InvalidArgumentError('filter.link', "listing classes needs the link: the kernel lists one device's classes at a time (tc class show dev DEV)");
    const ref = checkLinkRef(f['link'], 'filter.link');
    const qdisc = f['qdisc'] !== undefined ? parseTcHandle(f['qdisc'], 'filter.qdisc') : 0;
    if (qdisc & C.TC_H_MIN_MASK) throw new InvalidArgumentError('filter.qdisc', `a qdisc's handle is a major only, like '1:', got ${showValue(f['qdisc'])}`);
    const parent = f['parent'] !== undefined ? parseTcHandle(f['parent'], 'filter.parent', CLASS_PARENT_KEYWORDS) : undefined;
    const classid = f['classid'] !== undefined ? parseTcHandle(f['classid'], 'filter.classid', NO_KEYWORDS) : undefined;
    const kind = f['kind'] !== undefined ? checkString(f['kind'], 'filter.kind', IFNAME_MAX) : undefined;
    // By ifindex too: the kernel answers a missing device's dump with nothing.
    const index = (await this.core.linkHwAddrLen(ref, 'filter.link')).index;
    // The kernel dumps the classes of the qdisc whose handle is tcm_parent's major.
    const build = (w: MessageWriter): void => putTcmsg(w, index, 0, qdisc, 0);
    if (parent === undefined && classid === undefined && kind === undefined) return { build, keep: undefined };
    return {
      build,
      keep: (c) => (parent === undefined || c.rawParent === parent) && (classid === undefined || c.rawHandle === classid) && (kind === undefined || c.kind === kind),
    };
  }

  private async modify(type: number, flags: number, c: Checked): Promise<void> {
    const index = await this.core.linkIndex(c.link, 'link');
    if (type === C.RTM_NEWTCLASS && flags & NLM_F_CREATE) await this.checkParent(c, index);
    try {
      await this.core.sock.request(type, flags, (w) => {
        putTcmsg(w, index, c.classid, c.parent, 0);
        if (c.kind !== undefined) w.putStrz(C.TCA_KIND, c.kind);
        if (c.codec && type === C.RTM_NEWTCLASS) c.codec.encode(w, c.options);
      }, undefined, { subject: subjectOf(c) });
    } catch (e) {
      throw await this.explain(e, c, index, type, flags);
    }
  }

  /**
   * A new class's parent class must exist: htb does not check it, and makes a class
   * whose parent it cannot find a top class of the qdisc (silently: `tc class add …
   * parent 1:7` with a typo builds another tree). A missing qdisc is left to the kernel,
   * whose refusal says so.
   */
  private async checkParent(c: Checked, index: number): Promise<void> {
    if (c.parent === C.TC_H_ROOT || (c.parent & C.TC_H_MIN_MASK) === 0) return;
    const parent = major(c.parent) ? c.parent : (major(c.classid) | (c.parent & C.TC_H_MIN_MASK)) >>> 0;
    const qid = major(parent);
    if (!qid) return;
    const classes = await this.list({ link: index, qdisc: qid });
    if (classes.some((x) => x.rawHandle === parent)) return;
    if (!(await this.qdiscs.list({ link: index })).some((q) => q.rawHandle === qid)) return;
    const subject = subjectOf(c);
    throw new NetlinkError(ENOENT, { type: C.RTM_NEWTCLASS, typeName: 'RTM_NEWTCLASS', seq: 0, subject }, {},
      `${devText(c.link)} has no class ${formatTcHandle(parent)} for ${formatTcHandle(c.classid)} to go under (nothing was sent: ${c.kind ?? 'the qdisc'} would have made it a top class); in ${whereOf(this.core)}`);
  }

  /** The kernel's refusal with what it means for this class, and the netns (runs only for an error). */
  private async explain(e: unknown, c: Checked, index: number, type: number, flags: number): Promise<unknown> {
    if (!(e instanceof NetlinkError)) return e;
    const dev = devText(c.link);
    const id = formatTcHandle(c.classid);
    // The qdisc the class belongs to (its id's major, else the parent's, else the root's).
    const qid = major(c.classid) || (c.parent !== C.TC_H_ROOT ? major(c.parent) : 0);
    let q: { kind: string; handle: string } | undefined;
    let qdiscKnown = true;
    try {
      const all = await this.qdiscs.list({ link: index });
      q = qid ? all.find((x) => x.rawHandle === qid) : all.find((x) => x.rawParent === C.TC_H_ROOT);
    } catch {
      qdiscKnown = false; // the device went away meanwhile: the kernel's own answer stands
    }
    const qname = qid ? qdiscHandleText(qid) : 'at root';
    let why: string | undefined;
    if (e.errno === ENODEV) {
      why = `link ${dev} does not exist`; // gone since its ifindex was looked up, or an ifindex that never was
    } else if (qdiscKnown && !q && (e.errno === ENOENT || e.errno === EINVAL)) {
      why = `${dev} has no qdisc ${qname}${type === C.RTM_NEWTCLASS ? `: add the ${c.kind ?? 'classful'} qdisc first (rt.qdisc.add({ link, handle: '${qid ? qdiscHandleText(qid) : '1:'}', kind: '${c.kind ?? 'htb'}' }))` : ''}`;
    } else if (q && c.kind !== undefined && q.kind !== c.kind) {
      // Whatever the errno: tbf, say, finds every class id (EEXIST), has no change (EOPNOTSUPP).
      why = `qdisc ${q.handle} of ${dev} is ${article(q.kind)} ${q.kind}, not ${article(c.kind)} ${c.kind}: ${c.kind} classes go under ${article(c.kind)} ${c.kind} qdisc`;
    } else if (q && type === C.RTM_DELTCLASS && (e.errno === EINVAL || e.errno === EOPNOTSUPP) && !e.extack.message) {
      // tc_ctl_tclass's bare answers: EINVAL for a qdisc without class operations (pfifo),
      // EOPNOTSUPP for one whose classes cannot be deleted (ingress has none; tbf's one goes with it).
      let has = false;
      try {
        has = (await this.list({ link: index, qdisc: qid })).some((x) => x.rawHandle === c.classid);
      } catch {
        // the device went away meanwhile: said as if it had none
      }
      why = `qdisc ${q.handle} of ${dev} is ${article(q.kind)} ${q.kind}, ${has ? `whose class ${id} cannot be deleted (it goes with the qdisc)` : 'which has no classes'}`;
    } else if (e.errno === EEXIST) {
      why = `${dev} has a class ${id} already: change or replace it`;
    } else if (e.errno === ENOENT) {
      why = `${dev} has no class ${id}${type === C.RTM_NEWTCLASS && !(flags & NLM_F_CREATE) ? ' to change: add it first' : ''}`;
    } else if (e.errno === EBUSY && type === C.RTM_DELTCLASS) {
      why = `class ${id} is in use: delete its child classes and the filters that point to it first`;
    } else if (e.errno === EINVAL && type === C.RTM_NEWTCLASS && !e.extack.message) {
      why = `the kernel refused class ${id} under ${formatTcHandle(c.parent)} (its parent class may not exist, or the tree is too deep)`;
    }
    return explained(e, why, this.core);
  }
}

export type { TcClass } from './decode.js';
export type { TcClassSpec } from '../kinds/index.js';
