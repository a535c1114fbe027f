/**
 * BPF programs given to the kernel by fd, or by the path they are pinned at on a bpf
 * filesystem (opened with BPF_OBJ_GET for the request, type-checked, closed after it):
 * what tc's filters and actions and a link's XDP program share.
 * @module
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, SysError, showValue } from '../netlink/index.js';
import * as sys from '../netlink/sys.js';

/** A program fd: a non-negative int32. */
export function checkProgFd(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new InvalidArgumentError(arg, `expected the fd of a loaded BPF program (an integer >= 0), got ${showValue(v)}`);
  return v;
}

// BPF_PROG_TYPE_* from enum bpf_prog_type in <linux/bpf.h>: those nlkit attaches, and a few a wrong pin may hold, for errors.
/** BPF_PROG_TYPE_SCHED_CLS: what a bpf filter runs. */
export const BPF_PROG_TYPE_SCHED_CLS = 3;
/** BPF_PROG_TYPE_SCHED_ACT: what a bpf action runs. */
export const BPF_PROG_TYPE_SCHED_ACT = 4;
/** BPF_PROG_TYPE_XDP: what a link's XDP hook runs. */
export const BPF_PROG_TYPE_XDP = 6;
const PROG_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'BPF_PROG_TYPE_SOCKET_FILTER', 2: 'BPF_PROG_TYPE_KPROBE', 3: 'BPF_PROG_TYPE_SCHED_CLS', 4: 'BPF_PROG_TYPE_SCHED_ACT',
  5: 'BPF_PROG_TYPE_TRACEPOINT', 6: 'BPF_PROG_TYPE_XDP', 8: 'BPF_PROG_TYPE_CGROUP_SKB',
};
/** A program type by its enum name, for errors. */
export const progTypeName = (t: number): string => PROG_TYPE_NAMES[t] ?? `program type ${t}`;

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

/** A `pinned` path as given: a non-empty string without NUL (a relative one is the process's working directory's). */
export function checkPinnedPath(v: unknown, arg: string, type: number): PinnedProgram {
  if (typeof v !== 'string' || v === '' || v.includes('\0')) throw new InvalidArgumentError(arg, `expected the path of a pinned BPF program, got ${showValue(v)}`);
  return { path: v, arg, type, fd: -1 };
}

/**
 * What an fd holds, from /proc/self/fdinfo: the BPF_PROG_TYPE_* of a program, else 'a BPF
 * map', 'a BPF link' or 'no BPF program'; undefined when that cannot be read (no /proc, or
 * the fd is not open).
 */
export function fdHolds(fd: number): number | string | undefined {
  let info: string;
  try {
    info = readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1');
  } catch {
    return undefined;
  }
  const m = /^prog_type:\s*(\d+)/m.exec(info);
  if (m) return Number(m[1]);
  return /^map_type:/m.test(info) ? 'a BPF map' : /^link_type:/m.test(info) ? 'a BPF link' : 'no BPF program';
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
      const t = fdHolds(p.fd);
      if (t === undefined) continue; // no /proc: the kernel checks the type itself
      if (typeof t === 'string') throw new InvalidArgumentError(p.arg, `'${p.path}' holds ${t}, not a ${progTypeName(p.type)} program`);
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

