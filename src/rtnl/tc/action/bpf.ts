/**
 * The bpf action (`action bpf object-pinned PATH`): run a loaded BPF program
 * (BPF_PROG_TYPE_SCHED_ACT) on the packet; its return value is the verdict, else the
 * action's. tc's m_bpf.c. Kernels without CONFIG_NET_ACT_BPF refuse it ("Failed to
 * load TC action module"). Also the spec check of a program by fd or pin (`pinned`), for
 * the bpf action and the bpf classifier alike (the pins are opened by ../../bpf-program.ts).
 * @module
 */
import { InvalidArgumentError, type CustomCodec } from '../../../netlink/index.js';
import { BPF_PROG_TYPE_SCHED_ACT, checkPinnedPath, checkProgFd, progTypeName, type PinnedProgram } from '../../bpf-program.js';
import * as C from '../../constants.js';
import { table } from '../../table-helpers.js';
import { checkString } from '../../validate.js';
import { commonOf, padCodec, putStruct, tcfTimesCodec, tcGenCodec, writeTcGen, TC_GEN_LEN, type ActionKindCodec } from './kind.js';
import type { Verdict } from './verdict.js';

/** What every bpf action spec has; {@link BpfActionSpec} adds its program, by `fd` or by `pinned` path (exactly one). */
export interface BpfActionSpecCommon {
  /** The bpf action (`action bpf`). */
  readonly kind: 'bpf';
  /** A name for it, shown by `tc` (tc sends 'FILE:[SECTION]'). Defaults to none; with `pinned`, to what tc sends for it ('FILE:[*fsobj]', FILE the path's last part). */
  readonly name?: string | undefined;
  /** The verdict when the program returns TC_ACT_UNSPEC. Defaults to 'pipe', as tc's. */
  readonly verdict?: Verdict | undefined;
  /** The action's index (`index N`), 1..4294967295. Defaults to one the kernel picks. */
  readonly index?: number | undefined;
}

/**
 * What `actions` takes for a bpf action: its program by `fd` or by `pinned` path,
 * exactly one of the two (the type refuses neither and both, as the checks do at run time).
 */
export type BpfActionSpec = BpfActionSpecCommon & ({
  /** An fd of a loaded BPF_PROG_TYPE_SCHED_ACT program (the kernel takes its own reference; the fd stays the caller's). This or `pinned`. */
  readonly fd: number;
  /** Not with `fd`. */
  readonly pinned?: undefined;
} | {
  /**
   * The path of a BPF_PROG_TYPE_SCHED_ACT program pinned on a bpf filesystem (tc's
   * `object-pinned PATH`): nlkit opens it (BPF_OBJ_GET) for the request and closes it
   * right after; the kernel keeps its own reference. A relative path is the process's
   * working directory's, as tc's is (tc's `m:NAME` is not taken: give the whole path).
   * This or `fd`.
   */
  readonly pinned: string;
  /** Not with `pinned`. */
  readonly fd?: undefined;
});

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

const KEYS: ReadonlySet<string> = new Set(['kind', 'fd', 'pinned', 'name', 'verdict', 'index']);

/** The program of a bpf filter or action spec: exactly one of `fd` and `pinned`, and the name to send (tc's for a pin). */
export function checkProgram(s: Record<string, unknown>, arg: string, type: number, what: string): { fd: number; program: PinnedProgram | undefined; name: string | undefined } {
  const p = arg ? `${arg}.` : '';
  let name = s['name'] !== undefined ? checkString(s['name'], `${p}name`, 255) : undefined;
  if (s['pinned'] !== undefined) {
    if (s['fd'] !== undefined) throw new InvalidArgumentError(`${p}pinned`, `${what} takes its program by fd or by pinned path, not both`);
    const program = checkPinnedPath(s['pinned'], `${p}pinned`, type);
    // What tc names a pinned program (bpf_legacy.c: the file's name and the section '*fsobj').
    name ??= `${program.path.slice(program.path.lastIndexOf('/') + 1)}:[*fsobj]`;
    return { fd: -1, program, name };
  }
  if (s['fd'] === undefined) throw new InvalidArgumentError(`${p}fd`, `${what} needs a loaded ${progTypeName(type)} program: its fd, or the path it is pinned at (pinned)`);
  return { fd: checkProgFd(s['fd'], `${p}fd`), program: undefined, name };
}

/** @internal The bpf action's codec. */
export const bpfAction: ActionKindCodec = {
  kind: 'bpf',
  keys: KEYS,
  check(s, arg) {
    const { fd, program, name } = checkProgram(s, arg, BPF_PROG_TYPE_SCHED_ACT, 'a bpf action');
    // tc's default (m_bpf.c): pipe.
    const { verdict, index } = commonOf(s, arg, C.TC_ACT_PIPE);
    return {
      kind: 'bpf',
      program,
      progFd: program ? undefined : { fd, arg: `${arg}.fd`, type: BPF_PROG_TYPE_SCHED_ACT },
      putOptions(w) {
        // The order m_bpf.c writes them in: the program, its name, then the parameters.
        w.putU32(C.TCA_ACT_BPF_FD, program ? program.fd : fd);
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

