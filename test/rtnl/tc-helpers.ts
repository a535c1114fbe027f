// Helpers of the tc filter and action tests: tc's JSON, the bytes tc sends (read with
// strace's hex dump of what it writes), an object API over a recording socket that
// resolves link names to given ifindexes, and a BPF program loaded through the bpf(2)
// syscall (test-only: nlkit takes a program's fd and loads nothing itself).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { MessageWriter } from '../../src/index.js';
import { inNs } from '../helpers.js';

/** `tc -j ARGS` inside a netns, parsed. */
export function tcJson<T = any>(nsPath: string, args: string[]): T {
  const out = inNs(nsPath, 'tc', ['-j', ...args]);
  return (out.trim() ? JSON.parse(out) : []) as T;
}

/** `tc ARGS` inside a netns; throws on failure. */
export function tc(nsPath: string, args: string[]): string {
  return inNs(nsPath, 'tc', args);
}

/** Whether strace can be run here. */
export const haveStrace = spawnSync('strace', ['-V'], { encoding: 'utf8' }).status === 0;

/**
 * The requests of a type matching `types` (strace's name for it, e.g. /RTM_NEWLINK/) that
 * `CMD ARGS` sends in the netns, read from strace's hex dump of its sendmsg buffers
 * (`-e write=all`), with the sequence number zeroed; and how the command ended (it is run
 * whether the kernel takes the request or not).
 */
export function straceRequests(nsPath: string, cmd: string, args: string[], types: RegExp): { requests: Buffer[]; status: number | null; stderr: string } {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'strace', '-f', '-qq', '-e', 'trace=sendmsg', '-e', 'write=all', '-e', 'signal=none', cmd, ...args], { encoding: 'utf8' });
  const requests: Buffer[] = [];
  let cur: number[] | undefined;
  for (const line of r.stderr.split('\n')) {
    if (/^(\[pid\s+\d+\]\s+)?sendmsg\(/.test(line)) {
      cur = types.test(line) ? [] : undefined;
      if (cur) requests.push(Buffer.alloc(0));
      continue;
    }
    const m = /^ \| [0-9a-f]{5}  ((?:[0-9a-f]{2} {1,2}){1,16})/.exec(line);
    if (m && cur) {
      for (const h of m[1]!.trim().split(/\s+/)) cur.push(parseInt(h, 16));
      requests[requests.length - 1] = zeroSeq(Buffer.from(cur));
    }
  }
  return { requests, status: r.status, stderr: r.stderr.split('\n').filter((l) => !/^(\s\||\s\*|sendmsg|\+\+\+)/.test(l)).join('\n') };
}

/** The RTM_*TFILTER requests `tc ARGS` sends in the netns (see {@link straceRequests}). */
export function tcRequests(nsPath: string, args: string[]): { requests: Buffer[]; status: number | null; stderr: string } {
  return straceRequests(nsPath, 'tc', args, /RTM_(NEW|DEL|GET)TFILTER/);
}

/** A request with its nlmsg_seq (bytes 8..11) zeroed, to compare requests of two senders. */
export function zeroSeq(b: Buffer): Buffer {
  const c = Buffer.from(b);
  if (c.length >= 12) c.fill(0, 8, 12);
  return c;
}

/**
 * The requests `call` makes through an object API (`make(core)`) over a recording socket:
 * nothing is sent; names resolve to `indexes[name]` (an ifindex to itself). Flags as the
 * socket would send them (NLM_F_REQUEST|NLM_F_ACK added, NLM_F_DUMP for dumps), seq 0.
 */
export async function recorded<A>(make: (core: never) => A, indexes: Readonly<Record<string, number>>, call: (api: A) => Promise<unknown>): Promise<{ bytes: Buffer[]; error?: unknown }> {
  const bytes: Buffer[] = [];
  const w = new MessageWriter();
  const record = (type: number, flags: number, build: (w: MessageWriter) => void): void => {
    w.reset().begin(type, flags, 0, 0);
    build(w);
    bytes.push(Buffer.from(w.finish()));
  };
  const lookup = async (ref: string | number): Promise<number> => {
    if (typeof ref === 'number') return ref;
    const i = indexes[ref];
    if (i === undefined) throw new Error(`recorded: no ifindex for ${ref}`);
    return i;
  };
  const core = {
    sock: {
      async request(type: number, flags: number, build: (w: MessageWriter) => void) {
        record(type, flags | 0x05, build);
        return undefined;
      },
      async requestWith(type: number, flags: number, build: (w: MessageWriter, arg: unknown) => void, arg: unknown, _onMessage?: unknown, opts?: { ack?: boolean }) {
        record(type, flags | 0x1 | (opts?.ack === false ? 0 : 0x4), (w) => build(w, arg));
        return undefined;
      },
      async dump(type: number, flags: number, build: (w: MessageWriter) => void) {
        record(type, flags | 0x301, build);
        return [];
      },
      async dumpEach(type: number, flags: number, build: (w: MessageWriter) => void) {
        record(type, flags | 0x301, build);
        return 0;
      },
    },
    linkIndex: lookup,
    linkHwAddrLen: async (ref: string | number) => ({ index: await lookup(ref), addrLen: 6 }),
  };
  try {
    await call(make(core as never));
    return { bytes };
  } catch (error) {
    return { bytes, error };
  } finally {
    w.release();
  }
}

// The bpf(2) syscall, for the tests' programs. Numbers from linux/bpf.h and the x86-64
// syscall table (asm/unistd_64.h: __NR_bpf 321; arm64's generic table: 280).
const NR_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280 };
const BPF_PROG_LOAD = 5;
const BPF_OBJ_PIN = 6;
/** BPF_PROG_TYPE_SCHED_CLS (a cls_bpf program) and BPF_PROG_TYPE_SCHED_ACT (an act_bpf one). */
export const BPF_PROG_TYPE_SCHED_CLS = 3;
export const BPF_PROG_TYPE_SCHED_ACT = 4;

let bpfCalls: { load: (nr: number, cmd: number, attr: unknown, size: number) => number; pin: (nr: number, cmd: number, attr: unknown, size: number) => number; loadSize: number } | undefined;

function bpfSyscalls(): NonNullable<typeof bpfCalls> {
  if (bpfCalls) return bpfCalls;
  const libc = koffi.load('libc.so.6');
  // The head of union bpf_attr for BPF_PROG_LOAD, up to prog_name: 64 bytes.
  const LoadAttr = koffi.struct('nlkit_test_bpf_prog_load', {
    prog_type: 'uint32_t', insn_cnt: 'uint32_t', insns: 'void *', license: 'const char *',
    log_level: 'uint32_t', log_size: 'uint32_t', log_buf: 'void *', kern_version: 'uint32_t', prog_flags: 'uint32_t',
    prog_name: koffi.array('char', 16, 'String'),
  });
  koffi.struct('nlkit_test_bpf_obj_pin', { pathname: 'const char *', bpf_fd: 'uint32_t', file_flags: 'uint32_t' });
  const load = libc.func('long syscall(long nr, long cmd, nlkit_test_bpf_prog_load *attr, uint32_t size)');
  const pin = libc.func('long syscall(long nr, long cmd, nlkit_test_bpf_obj_pin *attr, uint32_t size)');
  return (bpfCalls = {
    load: (nr, cmd, attr, size) => load(nr, cmd, attr, size) as number,
    pin: (nr, cmd, attr, size) => pin(nr, cmd, attr, size) as number,
    loadSize: koffi.sizeof(LoadAttr),
  });
}

/**
 * Load the two-instruction program `r0 = 0; exit` (BPF_ALU64|BPF_MOV|BPF_K, BPF_JMP|BPF_EXIT)
 * of `type`, named `name`: its fd, or a string saying why it cannot be (for a skip).
 */
export function loadBpfProgram(type: number, name: string): number | string {
  const nr = NR_BPF[process.arch];
  if (nr === undefined) return `no bpf(2) syscall number for ${process.arch} in this test`;
  const c = bpfSyscalls();
  const insns = Buffer.alloc(16);
  insns[0] = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K, dst r0, imm 0
  insns[8] = 0x95; // BPF_JMP | BPF_EXIT
  const fd = c.load(nr, BPF_PROG_LOAD, { prog_type: type, insn_cnt: 2, insns, license: 'GPL', log_level: 0, log_size: 0, log_buf: null, kern_version: 0, prog_flags: 0, prog_name: name }, c.loadSize);
  if (fd < 0) return `BPF_PROG_LOAD failed: errno ${koffi.errno()}`;
  return fd;
}

let mapCreate: ((nr: number, cmd: number, attr: Buffer, size: number) => number) | undefined;

/** A one-entry BPF_MAP_TYPE_ARRAY (BPF_MAP_CREATE: map_type 2, key and value 4 bytes): its fd, or why not (for a skip). */
export function createBpfMap(): number | string {
  const nr = NR_BPF[process.arch];
  if (nr === undefined) return `no bpf(2) syscall number for ${process.arch} in this test`;
  if (!mapCreate) {
    const f = koffi.load('libc.so.6').func('long syscall(long nr, long cmd, void *attr, uint32_t size)');
    mapCreate = (n, cmd, attr, size) => f(n, cmd, attr, size) as number;
  }
  const attr = Buffer.alloc(16);
  attr.writeUInt32LE(2, 0); // BPF_MAP_TYPE_ARRAY
  attr.writeUInt32LE(4, 4); // key_size
  attr.writeUInt32LE(4, 8); // value_size
  attr.writeUInt32LE(1, 12); // max_entries
  const fd = mapCreate(nr, 0 /* BPF_MAP_CREATE */, attr, 16);
  return fd < 0 ? `BPF_MAP_CREATE failed: errno ${koffi.errno()}` : fd;
}

/** Pin a program's fd at `path` (on a bpf filesystem); errno or 0. */
export function pinBpfObject(fd: number, path: string): number {
  const nr = NR_BPF[process.arch]!;
  return bpfSyscalls().pin(nr, BPF_OBJ_PIN, { pathname: path, bpf_fd: fd, file_flags: 0 }, 16) < 0 ? koffi.errno() : 0;
}

/**
 * A bpf filesystem mounted on a fresh directory of the test's TMPDIR (in the test's own
 * mount namespace), unmounted and removed in teardown: its path, or why there is none
 * (for a skip).
 */
export function mountBpffs(t: { teardown(fn: () => void): void }): { dir: string } | { why: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-bpffs-'));
  let mounted = false;
  t.teardown(() => {
    if (mounted) spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  const m = spawnSync('mount', ['-t', 'bpf', 'bpf', dir], { encoding: 'utf8' });
  if (m.status !== 0) return { why: `no bpf filesystem (${m.stderr.trim()})` };
  mounted = true;
  return { dir };
}
