/**
 * What each action kind (one file each: mirred.ts, gact.ts, bpf.ts) gives the action
 * list's codec in index.ts, and the parts every kind shares: struct tc_gen at the head
 * of each kind's parameters, and struct tcf_t (the action's timestamps).
 * @module
 */
import { HOST_LE, InvalidArgumentError, showValue, type AttrTable, type CustomCodec, type MessageWriter } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { checkU32 } from '../../validate.js';
import type { PinnedProgram } from '../../bpf-program.js';
import { parseVerdict } from './verdict.js';

/** A BPF program given by its fd: the fd, the argument that gave it ('fd', 'actions[0].fd') and the BPF_PROG_TYPE_* the kernel insists on. */
export interface ProgFd {
  readonly fd: number;
  readonly arg: string;
  readonly type: number;
}

/** An action spec after its checks: what is left to do is look up its device (if any) and write it. */
export interface CheckedAction {
  /** TCA_ACT_KIND. */
  readonly kind: string;
  /** A link to look up in the handle's netns first (mirred's `dev`), and the argument that named it. */
  readonly dev?: { readonly ref: string | number; readonly arg: string } | undefined;
  /** A program named by its pin (a bpf action's `pinned`), opened for the request and closed after it. */
  readonly program?: PinnedProgram | undefined;
  /** A program given by fd (a bpf action's `fd`): the argument and the BPF_PROG_TYPE_* it must hold, for errors. */
  readonly progFd?: ProgFd | undefined;
  /** Write what goes inside TCA_ACT_OPTIONS; `ifindex` is `dev`'s (0 without one). */
  putOptions(w: MessageWriter, ifindex: number): void;
}

/** One action kind: its spec check, and its TCA_ACT_OPTIONS table for decoding. */
export interface ActionKindCodec {
  /** TCA_ACT_KIND, e.g. 'mirred'. */
  readonly kind: string;
  /** The keys its spec takes (`kind` included). */
  readonly keys: ReadonlySet<string>;
  /** Check a spec (its keys already checked); `arg` names it ('actions[0]'). */
  check(s: Record<string, unknown>, arg: string): CheckedAction;
  /** The table of its TCA_ACT_OPTIONS attributes. */
  readonly table: AttrTable;
  /**
   * The decoded action's own fields from its decoded options (the kind's part of
   * {@link Action}); the common ones (index, verdict, counts, times) are read by
   * index.ts from `parms` and `tm`.
   */
  fields(opts: Record<string, unknown>): Record<string, unknown>;
}

/** struct tc_gen: what every kind's parameters start with. */
export interface TcGen {
  index: number;
  capab: number;
  action: number;
  refcnt: number;
  bindcnt: number;
}

/** Size of struct tc_gen (tc_gact is tc_gen alone). */
export const TC_GEN_LEN = C.SIZEOF_TC_GACT;

/** Read struct tc_gen at `off`. */
export function readTcGen(v: DataView, off: number): TcGen {
  return {
    index: v.getUint32(off, HOST_LE),
    capab: v.getUint32(off + 4, HOST_LE),
    action: v.getInt32(off + 8, HOST_LE),
    refcnt: v.getInt32(off + 12, HOST_LE),
    bindcnt: v.getInt32(off + 16, HOST_LE),
  };
}

/** Write struct tc_gen at `off` (index and action; capab, refcnt and bindcnt are the kernel's to fill: 0). */
export function writeTcGen(v: DataView, off: number, index: number, action: number): void {
  v.setUint32(off, index >>> 0, HOST_LE);
  v.setUint32(off + 4, 0, HOST_LE);
  v.setInt32(off + 8, action, HOST_LE);
  v.setInt32(off + 12, 0, HOST_LE);
  v.setInt32(off + 16, 0, HOST_LE);
}

/** A kind's PARMS attribute as struct tc_gen (the kind's own fields after it are read by the kind). */
export const tcGenCodec: CustomCodec<TcGen> = {
  decode(ctx, off, len) {
    return len >= TC_GEN_LEN ? readTcGen(ctx.view, off) : undefined;
  },
};

/** struct tcf_t: the kernel's times, in clock ticks (USER_HZ, 1/100 s) before now (firstuse: 0 when never used). */
export interface TcfTimes {
  install: number;
  lastuse: number;
  expires: number;
  firstuse: number;
}

/** A kind's TM attribute (struct tcf_t, four u64 in clock ticks). */
export const tcfTimesCodec: CustomCodec<TcfTimes> = {
  decode(ctx, off, len) {
    if (len < C.SIZEOF_TCF_T) return undefined;
    const v = ctx.view;
    return {
      install: Number(v.getBigUint64(off, HOST_LE)),
      lastuse: Number(v.getBigUint64(off + 8, HOST_LE)),
      expires: Number(v.getBigUint64(off + 16, HOST_LE)),
      firstuse: Number(v.getBigUint64(off + 24, HOST_LE)),
    };
  },
};

/**
 * @internal Write an attribute of `type` whose payload is a `size`-byte struct, zeroed,
 * and return the payload's offset for the caller to fill through `w.view` (`size` a
 * multiple of 4, as every tc struct written here is: the length then has no padding).
 */
export function putStruct(w: MessageWriter, type: number, size: number): number {
  const n = w.nestStart(type, false);
  const p = w.reserve(size);
  w.nestEnd(n);
  return p;
}

/** Padding of u64 attributes: never a value. */
export const padCodec: CustomCodec<never> = { decode: () => undefined };

/** The common spec fields of an action: `verdict` (with the kind's default) and `index`. */
export function commonOf(s: Record<string, unknown>, arg: string, defaultVerdict: number | undefined): { verdict: number; index: number } {
  let verdict: number;
  if (s['verdict'] !== undefined) verdict = parseVerdict(s['verdict'], `${arg}.verdict`);
  else if (defaultVerdict !== undefined) verdict = defaultVerdict;
  else throw new InvalidArgumentError(`${arg}.verdict`, `a ${String(s['kind'])} action needs a verdict (what it does with the packet: 'pass', 'drop', …)`);
  let index = 0;
  if (s['index'] !== undefined) {
    index = checkU32(s['index'], `${arg}.index`);
    if (index === 0) throw new InvalidArgumentError(`${arg}.index`, `an action index is 1..4294967295 (leave it out for the kernel to pick one), got ${showValue(s['index'])}`);
  }
  return { verdict, index };
}
