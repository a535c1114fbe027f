/**
 * The bpf action (`action bpf object-pinned PATH`): run a loaded BPF program
 * (BPF_PROG_TYPE_SCHED_ACT) on the packet; its return value is the verdict, else the
 * action's. tc's m_bpf.c. Kernels without CONFIG_NET_ACT_BPF refuse it ("Failed to
 * load TC action module").
 * @module
 */
import { InvalidArgumentError, showValue, type CustomCodec } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { table } from '../../table-helpers.js';
import { checkString } from '../../validate.js';
import { commonOf, padCodec, putStruct, tcfTimesCodec, tcGenCodec, writeTcGen, TC_GEN_LEN, type ActionKindCodec } from './kind.js';
import type { Verdict } from './verdict.js';

/** What `actions` takes for a bpf action. */
export interface BpfActionSpec {
  readonly kind: 'bpf';
  /** An fd of a loaded BPF_PROG_TYPE_SCHED_ACT program (the kernel takes its own reference; the fd stays the caller's). Required. */
  readonly fd: number;
  /** A name for it, shown by `tc` (tc sends 'FILE:[SECTION]'). Defaults to none. */
  readonly name?: string | undefined;
  /** The verdict when the program returns TC_ACT_UNSPEC. Defaults to 'pipe', as tc's. */
  readonly verdict?: Verdict | undefined;
  /** The action's index (`index N`), 1..4294967295. Defaults to one the kernel picks. */
  readonly index?: number | undefined;
}

/** A BPF program tag (8 bytes) as hex, as tc prints it. */
export const bpfTagCodec: CustomCodec<string> = {
  decode(ctx, off, len) {
    return ctx.buf.toString('hex', off, off + len);
  },
};

/** TCA_ACT_BPF_* (TCA_ACT_OPTIONS of a bpf action). */
export const BPF_ACTION_OPTIONS = table('act_bpf', 'TCA_ACT_BPF_', [
  ['TCA_ACT_BPF_TM', tcfTimesCodec],
  ['TCA_ACT_BPF_PARMS', tcGenCodec],
  ['TCA_ACT_BPF_OPS_LEN', 'u16'],
  ['TCA_ACT_BPF_OPS', 'binary'],
  ['TCA_ACT_BPF_FD', 'u32'],
  ['TCA_ACT_BPF_NAME', 'strz'],
  ['TCA_ACT_BPF_PAD', padCodec],
  ['TCA_ACT_BPF_TAG', bpfTagCodec],
  ['TCA_ACT_BPF_ID', 'u32'],
]);

const KEYS: ReadonlySet<string> = new Set(['kind', 'fd', 'name', 'verdict', 'index']);

/** A program fd: a non-negative int32. */
export function checkProgFd(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new InvalidArgumentError(arg, `expected the fd of a loaded BPF program (an integer >= 0), got ${showValue(v)}`);
  return v;
}

/** @internal The bpf action's codec. */
export const bpfAction: ActionKindCodec = {
  kind: 'bpf',
  keys: KEYS,
  check(s, arg) {
    if (s['fd'] === undefined) throw new InvalidArgumentError(`${arg}.fd`, 'a bpf action needs the fd of a loaded program');
    const fd = checkProgFd(s['fd'], `${arg}.fd`);
    const name = s['name'] !== undefined ? checkString(s['name'], `${arg}.name`, 255) : undefined;
    // tc's default (m_bpf.c): pipe.
    const { verdict, index } = commonOf(s, arg, C.TC_ACT_PIPE);
    return {
      kind: 'bpf',
      putOptions(w) {
        // The order m_bpf.c writes them in: the program, its name, then the parameters.
        w.putU32(C.TCA_ACT_BPF_FD, fd);
        if (name !== undefined) w.putStrz(C.TCA_ACT_BPF_NAME, name);
        writeTcGen(w.view, putStruct(w, C.TCA_ACT_BPF_PARMS, TC_GEN_LEN), index, verdict);
      },
    };
  },
  table: BPF_ACTION_OPTIONS,
  fields(o) {
    const out: Record<string, unknown> = {};
    for (const k of ['name', 'id', 'tag', 'fd', 'opsLen', 'ops']) if (o[k] !== undefined) out[k] = o[k];
    return out;
  },
};
