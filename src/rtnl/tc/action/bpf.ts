/**
 * The bpf action (`action bpf object-pinned PATH`): run a loaded BPF program
 * (BPF_PROG_TYPE_SCHED_ACT) on the packet; its return value is the verdict, else the
 * action's. tc's m_bpf.c. Kernels without CONFIG_NET_ACT_BPF refuse it ("Failed to
 * load TC action module"). Also the programs named by their pin (`pinned`), for the bpf
 * action and the bpf classifier alike.
 * @module
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, SysError, showValue, type CustomCodec } from '../../../netlink/index.js';
import * as sys from '../../../netlink/sys.js';
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

/** A program fd: a non-negative int32. */
export function checkProgFd(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new InvalidArgumentError(arg, `expected the fd of a loaded BPF program (an integer >= 0), got ${showValue(v)}`);
  return v;
}

// BPF_PROG_TYPE_* from enum bpf_prog_type in <linux/bpf.h>: the two tc takes, and a few a wrong pin may hold, for errors.
/** BPF_PROG_TYPE_SCHED_CLS: what a bpf filter runs. */
export const BPF_PROG_TYPE_SCHED_CLS = 3;
/** BPF_PROG_TYPE_SCHED_ACT: what a bpf action runs. */
export const BPF_PROG_TYPE_SCHED_ACT = 4;
const PROG_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'BPF_PROG_TYPE_SOCKET_FILTER', 2: 'BPF_PROG_TYPE_KPROBE', 3: 'BPF_PROG_TYPE_SCHED_CLS', 4: 'BPF_PROG_TYPE_SCHED_ACT',
  5: 'BPF_PROG_TYPE_TRACEPOINT', 6: 'BPF_PROG_TYPE_XDP', 8: 'BPF_PROG_TYPE_CGROUP_SKB',
};
const progTypeName = (t: number): string => PROG_TYPE_NAMES[t] ?? `program type ${t}`;

/**
 * A program named by its pin: opened (BPF_OBJ_GET) by {@link openPrograms}
 * right before the request that carries its fd, closed by {@link closePrograms} right
 * after it (the kernel holds its own reference from then on).
 */
export interface PinnedProgram {
  /** The path as given. */
  readonly path: string;
  /** The argument that named it ('pinned', 'actions[0].pinned'). */
  readonly arg: string;
  /** The BPF_PROG_TYPE_* the kernel insists on there. */
  readonly type: number;
  /** The open fd while the request is made, else -1. */
  fd: number;
}

/** The program of a bpf filter or action spec: exactly one of `fd` and `pinned`, and the name to send (tc's for a pin). */
export function checkProgram(s: Record<string, unknown>, arg: string, type: number, what: string): { fd: number; program: PinnedProgram | undefined; name: string | undefined } {
  const p = arg ? `${arg}.` : '';
  let name = s['name'] !== undefined ? checkString(s['name'], `${p}name`, 255) : undefined;
  if (s['pinned'] !== undefined) {
    if (s['fd'] !== undefined) throw new InvalidArgumentError(`${p}pinned`, `${what} takes its program by fd or by pinned path, not both`);
    const path = s['pinned'];
    if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new InvalidArgumentError(`${p}pinned`, `expected the path of a pinned BPF program, got ${showValue(path)}`);
    // What tc names a pinned program (bpf_legacy.c: the file's name and the section '*fsobj').
    name ??= `${path.slice(path.lastIndexOf('/') + 1)}:[*fsobj]`;
    return { fd: -1, program: { path, arg: `${p}pinned`, type, fd: -1 }, name };
  }
  if (s['fd'] === undefined) throw new InvalidArgumentError(`${p}fd`, `${what} needs a loaded ${progTypeName(type)} program: its fd, or the path it is pinned at (pinned)`);
  return { fd: checkProgFd(s['fd'], `${p}fd`), program: undefined, name };
}

/**
 * Open pinned programs (BPF_OBJ_GET), each checked to be a program of its type (from
 * /proc/self/fdinfo, as the kernel would refuse another with a bare EINVAL). All or
 * none: on a failure the ones opened are closed before the error is thrown.
 * @throws SysError of BPF_OBJ_GET (ENOENT: nothing pinned there), naming the path and
 *   the argument; InvalidArgumentError when the pin holds a map, a link or another
 *   program type.
 */
export function openPrograms(ps: readonly PinnedProgram[]): void {
  try {
    for (const p of ps) {
      try {
        p.fd = sys.bpfObjGet(p.path);
      } catch (e) {
        if (!(e instanceof SysError)) throw e;
        // The kernel answers EACCES for a file that is not on a bpf filesystem too.
        const hint = e.errno === 13 /* EACCES */ ? ' (or the path is not on a bpf filesystem)' : '';
        throw new SysError(e.syscall, e.errno, p.path, `${p.arg}: cannot open the pinned program${hint}`);
      }
      let info = '';
      try {
        info = readFileSync(`/proc/self/fdinfo/${p.fd}`, 'latin1');
      } catch {
        continue; // no /proc: the kernel checks the type itself
      }
      const m = /^prog_type:\s*(\d+)/m.exec(info);
      if (!m) {
        const held = /^map_type:/m.test(info) ? 'a BPF map' : /^link_type:/m.test(info) ? 'a BPF link' : 'no BPF program';
        throw new InvalidArgumentError(p.arg, `'${p.path}' holds ${held}, not a ${progTypeName(p.type)} program`);
      }
      const t = Number(m[1]);
      if (t !== p.type) throw new InvalidArgumentError(p.arg, `'${p.path}' holds a ${progTypeName(t)} program; this takes a ${progTypeName(p.type)} one`);
    }
  } catch (e) {
    closePrograms(ps);
    throw e;
  }
}

/** Close what {@link openPrograms} opened (each fd once). */
export function closePrograms(ps: readonly PinnedProgram[]): void {
  for (const p of ps) {
    if (p.fd >= 0) sys.close(p.fd);
    p.fd = -1;
  }
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
