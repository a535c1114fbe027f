/**
 * What each classifier kind (one file each: u32.ts, bpf.ts, matchall.ts) gives the
 * filter API, and the parts the kinds share: class ids, the classifier flags
 * (skip_hw/skip_sw…), the action list.
 * @module
 */
import { HOST_LE, InvalidArgumentError, showValue, type AttrTable, type CustomCodec, type MessageWriter } from '../../../../netlink/index.js';
import * as C from '../../../constants.js';
import { checkBool } from '../../../validate.js';
import { checkActions } from '../../action/index.js';
import type { PinnedProgram } from '../../../bpf-program.js';
import type { CheckedAction, ProgFd } from '../../action/kind.js';
import { formatTcHandle, parseTcHandle, type TcHandleKeywords } from '../../handle.js';

/** A filter spec's kind options after their checks: the actions (their devices still to look up) and the writer of TCA_OPTIONS. */
export interface CheckedOptions {
  /** The actions, in order (empty without any). */
  readonly actions: readonly CheckedAction[];
  /** The filter's own program when named by its pin (a bpf filter's `pinned`), opened for the request and closed after it. */
  readonly program?: PinnedProgram | undefined;
  /** The filter's own program when given by fd (a bpf filter's `fd`): the argument and the BPF_PROG_TYPE_* it must hold, for errors. */
  readonly progFd?: ProgFd | undefined;
  /** Write what goes inside TCA_OPTIONS; `ifindexes[i]` is action i's device (0 without one). */
  put(w: MessageWriter, ifindexes: readonly number[]): void;
}

/** One classifier kind. */
export interface FilterKindCodec {
  /** TCA_KIND, e.g. 'u32'. */
  readonly kind: string;
  /** The spec keys of the kind's options (those besides link, parent, protocol, priority, handle, chain, kind). */
  readonly keys: ReadonlySet<string>;
  /** Check the kind's options of a spec. */
  check(s: Record<string, unknown>): CheckedOptions;
  /** A handle as the kind takes one (`handle` of a spec), or InvalidArgumentError naming `arg`. */
  parseHandle(v: unknown, arg: string): number;
  /** A handle as tc prints the kind's `fh` ('800::800' for u32, '0x1' for the others). */
  formatHandle(h: number): string;
  /** Its TCA_OPTIONS table, for decoding. */
  readonly table: AttrTable;
}

/** Class ids take tc's `root` too (get_tc_classid). */
const CLASSID_KEYWORDS: TcHandleKeywords = { root: C.TC_H_ROOT };

/** A spec's `classid` (tc's `classid`/`flowid`: '1:1'). */
export function checkClassid(v: unknown, arg: string): number {
  return parseTcHandle(v, arg, CLASSID_KEYWORDS);
}

/** A spec's `actions`, when given. */
export function checkActionsOf(s: Record<string, unknown>): CheckedAction[] {
  return s['actions'] !== undefined ? checkActions(s['actions'], 'actions') : [];
}

/** A spec's `skipHw`/`skipSw` as TCA_CLS_FLAGS_* (0 when neither is set). */
export function checkClsFlags(s: Record<string, unknown>): number {
  const hw = s['skipHw'] !== undefined && checkBool(s['skipHw'], 'skipHw');
  const sw = s['skipSw'] !== undefined && checkBool(s['skipSw'], 'skipSw');
  if (hw && sw) throw new InvalidArgumentError('skipSw', 'skipHw and skipSw together leave the filter nowhere to run');
  return clsFlagsOf(hw, sw);
}

/** A plain 32-bit handle (bpf, matchall): a number, or tc's text of one ('0x1', '1'). */
export function parsePlainHandle(v: unknown, arg: string): number {
  if (typeof v === 'string' && /^(?:0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$/.test(v)) v = Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffffff) throw new InvalidArgumentError(arg, `a filter handle is an integer in 1..4294967295 (or its text, '0x1'), got ${showValue(v)}`);
  return v;
}

/** A plain handle as tc prints it: hex ('0x1'). */
export function formatPlainHandle(h: number): string {
  return `0x${(h >>> 0).toString(16)}`;
}

/** TCA_CLS_FLAGS_* names, as tc prints them. */
const CLS_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [C.TCA_CLS_FLAGS_SKIP_HW, 'skip_hw'],
  [C.TCA_CLS_FLAGS_SKIP_SW, 'skip_sw'],
  [C.TCA_CLS_FLAGS_IN_HW, 'in_hw'],
  [C.TCA_CLS_FLAGS_NOT_IN_HW, 'not_in_hw'],
  [C.TCA_CLS_FLAGS_VERBOSE, 'verbose'],
];

/** A classifier's flags (TCA_*_FLAGS, TCA_BPF_FLAGS_GEN) as names; unknown bits as hex ('0x20'). */
export const clsFlagsCodec: CustomCodec<string[]> = {
  decode(ctx, off, len) {
    if (len < 4) return undefined;
    let f = ctx.view.getUint32(off, HOST_LE);
    const out: string[] = [];
    for (const [bit, name] of CLS_FLAGS) {
      if (f & bit) out.push(name);
      f &= ~bit;
    }
    if (f) out.push(`0x${(f >>> 0).toString(16)}`);
    return out;
  },
};

/** The classifier flags a spec sets (`skipHw`, `skipSw`): TCA_CLS_FLAGS_SKIP_HW|SKIP_SW. */
export function clsFlagsOf(skipHw: boolean, skipSw: boolean): number {
  return (skipHw ? C.TCA_CLS_FLAGS_SKIP_HW : 0) | (skipSw ? C.TCA_CLS_FLAGS_SKIP_SW : 0);
}

/** A class id (TCA_*_CLASSID) as tc prints it ('1:1', 'root'). */
export const classidCodec: CustomCodec<string> = {
  decode(ctx, off, len) {
    return len >= 4 ? formatTcHandle(ctx.view.getUint32(off, HOST_LE)) : undefined;
  },
};

