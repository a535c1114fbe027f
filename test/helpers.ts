// Shared helpers for nlkit tests.
import { spawnSync } from 'node:child_process';
import koffi from 'koffi';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import * as sys from '../src/netlink/sys.js';
import { withThreadNetns } from '../src/netlink/netns-switch.js';
import { Rtnl } from '../src/rtnl/index.js';
import { Netns } from '../src/ns/index.js';

/**
 * True when this test file runs where scripts/test.mjs put it: inside the throwaway mount
 * and network namespace it made (it sets NLKIT_TEST_SANDBOX for that child after
 * checking). A file started by hand (`node dist/test/….test.js` as root) is on the host:
 * its named netns would go to the host's /run/netns, so its privileged tests are skipped.
 */
const sandboxed = process.env.NLKIT_TEST_SANDBOX !== undefined;

/** True when the runner could not give us root in a throwaway namespace. */
export const unprivileged = process.env.NLKIT_TEST_UNPRIVILEGED === '1' || process.getuid?.() !== 0 || !sandboxed;

/** tap options for tests that change kernel state (skipped without root, and outside the runner's sandbox). */
export const privileged = {
  skip: !unprivileged ? false : sandboxed || process.getuid?.() !== 0
    ? 'needs root in a throwaway netns (run npm test as root)'
    : 'not in the test sandbox: run it through `npm test -- FILE`, which runs it in a throwaway mount+net namespace',
} as const;

/** Open fds of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * A fresh anonymous network namespace held by an fd, made without touching the
 * calling thread's netns afterwards (raw syscalls; independent of src/ns so netlink
 * tests do not depend on it). lo is brought up when `loUp`.
 */
export function rawNetns(): { fd: number; path: string; close(): void } {
  const self = sys.open('/proc/thread-self/ns/net', sys.O_RDONLY | sys.O_CLOEXEC);
  let fd = -1;
  try {
    sys.unshare(sys.CLONE_NEWNET);
    fd = sys.open('/proc/thread-self/ns/net', sys.O_RDONLY | sys.O_CLOEXEC);
  } finally {
    sys.setns(self, sys.CLONE_NEWNET);
    sys.close(self);
  }
  let closed = false;
  return {
    fd,
    path: `/proc/${process.pid}/fd/${fd}`,
    close() {
      if (!closed) sys.close(fd);
      closed = true;
    },
  };
}

/** Run a command inside the netns at `nsPath` (nsenter), returning stdout; throws on failure. */
export function inNs(nsPath: string, cmd: string, args: string[], input?: string): string {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, cmd, ...args], { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** `ip -j ARGS` inside a netns, parsed. */
export function ipJson<T = any>(nsPath: string, args: string[]): T {
  const out = inNs(nsPath, 'ip', ['-j', ...args]);
  return (out.trim() ? JSON.parse(out) : []) as T;
}

/** `ip ARGS` inside a netns; throws on failure. */
export function ip(nsPath: string, args: string[]): string {
  return inNs(nsPath, 'ip', args);
}

/**
 * `ip` in the netns, or false (with a comment saying what is skipped) when the kernel
 * answers that the feature is not supported: live tests skip by the kernel's answer.
 */
export function ipOrSkip(t: { comment(m: string): void }, nsPath: string, args: string[], what: string): boolean {
  try {
    ip(nsPath, args);
    return true;
  } catch (e) {
    if (!/not supported/i.test(String(e))) throw e;
    t.comment(`skipped: no ${what} in this kernel (${String(e).trim()})`);
    return false;
  }
}

/** Run fn with the thread in the netns fd (synchronous). */
export function inRawNetns<T>(fd: number, fn: () => T): T {
  return withThreadNetns(fd, fn);
}

/** A fresh netns and a handle in it, both closed at teardown. */
export function freshHandle(t: { teardown(fn: () => void): void }, opts: { receiveBufferSize?: number } = {}): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd, ...opts });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  return { ns, rt };
}

/**
 * The address tests' fixture: a fresh netns with veth v0/v1 (no IPv6 link-local
 * addresses: addrgenmode none), v0 up, and a handle in it; both closed at teardown.
 */
export function addrFixture(t: { teardown(fn: () => void): void }, opts: { receiveBufferSize?: number } = {}): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const { ns, rt } = freshHandle(t, opts);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'set', 'v0', 'addrgenmode', 'none']);
  ip(ns.path, ['link', 'set', 'v1', 'addrgenmode', 'none']);
  ip(ns.path, ['link', 'set', 'v0', 'up']);
  return { ns, rt };
}

/** The caller's netns (`host`, a new handle) and a fresh anonymous one (`ns`), both closed at teardown. */
export function homeAndNew(t: { teardown(fn: () => void): void }): { host: Netns; ns: Netns } {
  const host = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    host.close();
    ns.close();
  });
  return { host, ns };
}

/** Two fresh anonymous netns for the veth tests, `host` and `ctr`, closed at teardown. */
export function netnsPair(t: { teardown(fn: () => void): void }): { host: Netns; ctr: Netns } {
  const host = Netns.new();
  const ctr = Netns.new();
  t.teardown(() => {
    host.close();
    ctr.close();
  });
  return { host, ctr };
}

/**
 * Pull from an async iterator (a monitor) until `done(ev)` is true, and return what came;
 * rejects, listing what came through `label`, when the iterator ends or after `ms`.
 */
export async function until<E>(it: { next(): Promise<IteratorResult<E, unknown>> }, done: (ev: E) => boolean, label: (ev: E) => string, ms = 5000): Promise<E[]> {
  const got: E[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms; got: ${got.map(label).join(', ')}`)), Math.max(0, deadline - Date.now()));
    });
    try {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error(`monitor ended; got: ${got.map(label).join(', ')}`);
      got.push(r.value);
      if (done(r.value)) return got;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Poll `ready()` every 5 ms until it is true; throws `what` after `ms` (a child that never got there). */
async function poll(ready: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    let ok = false;
    try {
      ok = ready();
    } catch {
      ok = false; // the child's /proc entry is not there yet, or it exited: the deadline decides
    }
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Wait until process `pid` (a child started with `nsenter --net=PATH` or `unshare -n`) is
 * in its new network namespace: the one at `nsPath` when given, else any but this
 * process's. A fixed sleep is not enough on a loaded machine, and a handle opened by the
 * pid before the child got there would act in the netns the child started in.
 */
export async function netnsEntered(pid: number, nsPath?: string, ms = 10_000): Promise<void> {
  const own = readlinkSync('/proc/self/ns/net');
  const want = nsPath === undefined ? undefined : `net:[${statSync(nsPath).ino}]`;
  await poll(() => {
    const now = readlinkSync(`/proc/${pid}/ns/net`);
    return want === undefined ? now !== own : now === want;
  }, `process ${pid} did not enter ${nsPath ?? 'a new netns'}`, ms);
}

/**
 * Wait until process `pid` holds a netlink socket of `protocol` (NETLINK_ROUTE, 0, by
 * default; NETLINK_NETFILTER is 12) that has joined one of the
 * multicast groups in `mask` (bit N-1 for group N, as /proc/net/netlink shows the first
 * 32: RTNLGRP_TC 4 → 0x8, RTNLGRP_NEXTHOP 32 → 0x80000000). For a monitor program
 * (`tc monitor`, `ip monitor`) started beside a test as the oracle: events made before
 * it joined would be missing from its output. Joined is not yet listening: see
 * {@link monitorPrints}.
 */
export async function netlinkGroupsJoined(pid: number, mask: number, ms = 10_000, protocol = 0): Promise<void> {
  await poll(() => {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m) inodes.add(m[1]!);
    }
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    return readFileSync(`/proc/${pid}/net/netlink`, 'utf8').split('\n').slice(1).some((line) => {
      const f = line.trim().split(/\s+/);
      return f.length >= 10 && f[1] === String(protocol) && (parseInt(f[3]!, 16) & mask) !== 0 && inodes.has(f[9]!);
    });
  }, `process ${pid} did not join netlink groups 0x${(mask >>> 0).toString(16)}`, ms);
}

/** A device's queues as the sysfs of its netns lists them ('rx-0 rx-1 tx-0'), through a private sysfs mount made by nsenter + unshare -m. */
export function sysfsQueues(nsPath: string, dev: string): string {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'unshare', '-m', 'sh', '-c', `mount -t sysfs sysfs /sys && ls /sys/class/net/${dev}/queues`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`queues of ${dev}: ${r.stderr}`);
  return r.stdout.trim().split(/\s+/).join(' ');
}

/**
 * Wait until a monitoring command started beside a test (`ip monitor`, `tc monitor`)
 * prints a change. Such a tool joins its groups, then dumps the links (iproute2's
 * ll_init_map) on that same socket and drops whatever the groups send meanwhile, so a
 * joined group alone does not mean it prints what comes next: `poke` makes a change it
 * prints and undoes it (run again every 200 ms until `seen` matches its output,
 * `printed()`); then `clear()` empties what was read of the output. Open the test's own
 * monitors after this, so they do not see the pokes.
 */
export async function monitorPrints(printed: () => string, clear: () => void, poke: () => void, seen: RegExp, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    poke();
    for (let i = 0; i < 20; i++) {
      if (seen.test(printed())) {
        clear();
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  throw new Error(`the monitor printed nothing of ${String(seen)} in ${ms} ms:\n${printed()}`);
}

/** One netlink attribute as the kernel lays it out: header (host order, little-endian here), payload, zeroed padding to 4. */
export function nla(type: number, ...payload: (Buffer | number[])[]): Buffer {
  const body = Buffer.concat(payload.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
  const h = Buffer.alloc(4);
  h.writeUInt16LE(4 + body.length, 0);
  h.writeUInt16LE(type, 2);
  return Buffer.concat([h, body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
}

const libc = koffi.load('libc.so.6');
const getrlimit = libc.func('int getrlimit(int resource, void *rlim)');
const setrlimit = libc.func('int setrlimit(int resource, const void *rlim)');
/** RLIMIT_NOFILE (asm-generic/resource.h; the same on x86_64 and arm64). */
const RLIMIT_NOFILE = 7;

/**
 * Run `fn` with this process out of fds but exactly `free` of them: the soft
 * RLIMIT_NOFILE lowered to just above the highest fd, every gap below it filled with
 * /dev/null, then the limit raised by `free` (however few gaps there were). The fillers
 * are closed and the limit restored whatever `fn` does.
 *
 * The limit is set in-process (setrlimit through koffi), not by running prlimit(1):
 * restoring it by spawning a program needs free fds for the child's pipes, which is just
 * what the process does not have then (fresh-clone CI failed that way, "prlimit failed").
 */
export async function withFdsExhausted<T>(free: number, fn: () => T | Promise<T>): Promise<T> {
  const saved = Buffer.alloc(16);
  if (getrlimit(RLIMIT_NOFILE, saved) !== 0) throw new Error(`getrlimit: errno ${koffi.errno()}`);
  const setSoft = (soft: bigint): void => {
    const lim = Buffer.alloc(16);
    lim.writeBigUInt64LE(soft, 0);
    lim.writeBigUInt64LE(saved.readBigUInt64LE(8), 8);
    if (setrlimit(RLIMIT_NOFILE, lim) !== 0) throw new Error(`setrlimit: errno ${koffi.errno()}`);
  };
  const top = Math.max(...readdirSync('/proc/self/fd').map(Number));
  setSoft(BigInt(top + 1));
  const fillers: number[] = [];
  try {
    for (;;) {
      try {
        fillers.push(openSync('/dev/null', 'r'));
      } catch {
        break;
      }
    }
    setSoft(BigInt(top + 1 + free));
    return await fn();
  } finally {
    for (const f of fillers) closeSync(f);
    if (setrlimit(RLIMIT_NOFILE, saved) !== 0) throw new Error(`setrlimit (restore): errno ${koffi.errno()}`);
  }
}
