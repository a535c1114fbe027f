// Helpers shared by the src/ns tests.
import koffi from 'koffi';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as sys from '../../src/netlink/sys.js';
import { threadNetnsInode } from '../../src/netlink/netns-switch.js';

/**
 * Lines of /proc/self/mountinfo (the mount table as this process sees it), less the
 * mounts other test files running at the same time make in the shared sandbox: their
 * directories under /run/nlkit-* (private ones, /run/nlkit-test-OTHERPID-*, and
 * test/hardening's /run/nlkit-leak-PID and /run/nlkit-del-PID) and named namespaces in /run/netns.
 */
export function mountCount(): number {
  return mountPoints().length;
}

/** The mount points {@link mountCount} counts, sorted. */
export function mountPoints(): string[] {
  const mine = `/run/nlkit-test-${process.pid}-`;
  return readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n')
    .map((l) => l.split(' ')[4]!)
    .filter((p) => !(p.startsWith('/run/nlkit-') && !p.startsWith(mine)) && p !== '/run/netns' && !p.startsWith('/run/netns/'))
    .sort();
}

/** Mount points in /proc/self/mountinfo under (or equal to) `dir`. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n')
    .map((l) => l.split(' ')[4]!)
    .filter((p) => p === dir || p.startsWith(dir + '/'));
}

/** Inode of the calling (main) thread's netns. */
export const threadIno = threadNetnsInode;

/** Inode of a namespace file or /proc link. */
export function nsIno(path: string): number {
  return statSync(path).ino;
}

/**
 * A test-private netns directory under /run/nlkit-test-PID-N, removed (mounts
 * detached first, deepest first) by `cleanup`, which is safe to call more than once.
 */
let seq = 0;
export function privateDir(): { root: string; dir: string; cleanup(): void } {
  const root = `/run/nlkit-test-${process.pid}-${seq++}`;
  const dir = join(root, 'netns');
  mkdirSync(root, { recursive: true });
  return {
    root,
    dir,
    cleanup() {
      for (const m of mountsUnder(root).sort((a, b) => b.length - a.length)) {
        try {
          sys.umount2(m, sys.MNT_DETACH);
        } catch {
          /* already gone */
        }
      }
      // Stacked mounts: repeat until none is left.
      for (let i = 0; i < 10 && mountsUnder(root).length; i++) {
        for (const m of mountsUnder(root)) {
          try {
            sys.umount2(m, sys.MNT_DETACH);
          } catch {
            /* ignore */
          }
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A name unique to this process and call. */
let nseq = 0;
export function uniqueName(prefix = 'nlkit'): string {
  return `${prefix}-${process.pid}-${nseq++}`;
}

const dup2 = koffi.load('libc.so.6').func('int dup2(int oldfd, int newfd)');

/** The fd numbers open in this process now (to find the ones a call opens later). */
export function openFds(): Set<number> {
  // Less the directory fd readdirSync itself listed (closed again by now).
  return new Set(readdirSync('/proc/self/fd').map(Number).filter((fd) => {
    try {
      readlinkSync(`/proc/self/fd/${fd}`);
      return true;
    } catch {
      return false;
    }
  }));
}

/**
 * Make the switch back of the switched call now running fail, from inside its callback:
 * the fd it opened to return home (the one fd not in `before` that is the netns of inode
 * `homeIno`) is replaced, with dup2, by /dev/null — so its setns back fails with EINVAL
 * while its own close of that fd still succeeds. Returns the fd number replaced.
 */
export function breakSwitchBack(before: ReadonlySet<number>, homeIno: number): number {
  for (const fd of openFds()) {
    if (before.has(fd)) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory fd readdirSync used, closed meanwhile
    }
    if (link !== `net:[${homeIno}]`) continue;
    const nul = openSync('/dev/null', 'r');
    try {
      if ((dup2(nul, fd) as number) < 0) throw new Error(`dup2 onto fd ${fd} failed`);
    } finally {
      closeSync(nul);
    }
    return fd;
  }
  throw new Error('the switched call opened no fd of the home netns');
}

const capget = koffi.load('libc.so.6').func('int capget(void *hdr, void *data)');
const capset = koffi.load('libc.so.6').func('int capset(void *hdr, const void *data)');
/** <linux/capability.h> */
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;
/** <linux/capability.h> */
export const CAP_SYS_ADMIN = 21;

/**
 * Run `fn` with capability `cap` out of the calling thread's effective set (capset is
 * per thread; it stays permitted and is raised again after, also when `fn` throws).
 */
export function withoutCap<T>(cap: number, fn: () => T): T {
  const hdr = Buffer.alloc(8);
  hdr.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0); // pid 0: this thread
  const data = Buffer.alloc(24); // two { effective, permitted, inheritable } u32 triples
  if ((capget(hdr, data) as number) < 0) throw new Error('capget failed');
  const effective = data.readUInt32LE(0);
  data.writeUInt32LE((effective & ~(1 << cap)) >>> 0, 0);
  if ((capset(hdr, data) as number) < 0) throw new Error('capset (drop) failed');
  try {
    return fn();
  } finally {
    data.writeUInt32LE(effective, 0);
    if ((capset(hdr, data) as number) < 0) throw new Error('capset (raise) failed');
  }
}
