/**
 * An action's verdict (its control action, tc's `pass`, `drop`, `pipe`, `goto chain N`…):
 * the int after the index in struct tc_gen, as tc reads and prints it.
 * @module
 */
import { InvalidArgumentError, showValue } from '../../../netlink/index.js';
import * as C from '../../constants.js';

/** A verdict by name, as tc prints it (action_n2a). */
export type VerdictName = 'continue' | 'pass' | 'drop' | 'reclassify' | 'pipe' | 'stolen' | 'trap';

/**
 * What an action does with the packet when it is done, as an action spec takes it: a
 * name tc reads (`continue`, `pass` or `ok`, `drop` or `shot`, `reclassify`, `pipe`,
 * `trap`; and `stolen`, which tc prints for a redirect but does not read),
 * `{ goto: N }` (`goto chain N`: go on in chain N) or `{ jump: N }` (`jump N`: skip N
 * actions of the list).
 */
export type Verdict = VerdictName | 'ok' | 'shot' | { readonly goto: number } | { readonly jump: number };

/**
 * A decoded verdict: a name (`'stolen'` for a redirect, `'pipe'` for a mirror…),
 * `{ goto: N }`, `{ jump: N }`, or the number itself when it is none of those (tc
 * prints such a number as it is).
 */
export type ActionVerdict = VerdictName | { goto: number } | { jump: number } | number;

/** The verdict names and the TC_ACT_* value each stands for (tc's action_a2n, with tc's aliases). */
export const VERDICTS: Readonly<Record<VerdictName | 'ok' | 'shot', number>> = {
  continue: C.TC_ACT_UNSPEC,
  pass: C.TC_ACT_OK,
  ok: C.TC_ACT_OK,
  drop: C.TC_ACT_SHOT,
  shot: C.TC_ACT_SHOT,
  reclassify: C.TC_ACT_RECLASSIFY,
  pipe: C.TC_ACT_PIPE,
  stolen: C.TC_ACT_STOLEN,
  trap: C.TC_ACT_TRAP,
};

const NAMES = new Map<number, VerdictName>([
  [C.TC_ACT_UNSPEC, 'continue'], [C.TC_ACT_OK, 'pass'], [C.TC_ACT_SHOT, 'drop'], [C.TC_ACT_RECLASSIFY, 'reclassify'],
  [C.TC_ACT_PIPE, 'pipe'], [C.TC_ACT_STOLEN, 'stolen'], [C.TC_ACT_TRAP, 'trap'],
]);

/** The opcode bits of an extended verdict (TC_ACT_EXT_OPCODE: everything above TC_ACT_EXT_VAL_MASK). */
const EXT_OPCODE = ~C.TC_ACT_EXT_VAL_MASK;

/** A verdict as the kernel takes it (an int32), or InvalidArgumentError naming `arg`. */
export function parseVerdict(v: unknown, arg: string): number {
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(VERDICTS, v)) return VERDICTS[v as VerdictName];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === 'goto') {
      const n = o['goto'];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > C.TC_ACT_EXT_VAL_MASK) throw new InvalidArgumentError(`${arg}.goto`, `a chain index is an integer in 0..${C.TC_ACT_EXT_VAL_MASK}, got ${showValue(n)}`);
      return (C.TC_ACT_GOTO_CHAIN | n) | 0;
    }
    if (keys.length === 1 && keys[0] === 'jump') {
      const n = o['jump'];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > C.TC_ACT_EXT_VAL_MASK) throw new InvalidArgumentError(`${arg}.jump`, `a jump skips 1..${C.TC_ACT_EXT_VAL_MASK} actions, got ${showValue(n)}`);
      return (C.TC_ACT_JUMP | n) | 0;
    }
  }
  throw new InvalidArgumentError(arg, `expected a verdict (${Object.keys(VERDICTS).join(', ')}, { goto: CHAIN } or { jump: N }), got ${showValue(v)}`);
}

/** A verdict as tc prints it: a name, `{ goto: N }`, `{ jump: N }`, else the number. */
export function verdictOf(n: number): ActionVerdict {
  const name = NAMES.get(n);
  if (name !== undefined) return name;
  const op = n & EXT_OPCODE;
  if (op === C.TC_ACT_GOTO_CHAIN) return { goto: n & C.TC_ACT_EXT_VAL_MASK };
  if (op === C.TC_ACT_JUMP) return { jump: n & C.TC_ACT_EXT_VAL_MASK };
  return n;
}
