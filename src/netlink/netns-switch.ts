/**
 * The thread-level namespace switch every layer shares: run a synchronous function
 * with the calling thread inside another network namespace, and the async context that
 * carries "the current netns" across awaits inside `execNetns`.
 *
 * Facts this relies on (measured on Node 20, see DESIGN.md): setns(CLONE_NEWNET) on the
 * main thread affects that thread only; a socket stays in the netns it was created in;
 * threads started while the main thread is in a foreign netns stay there forever — so
 * the libuv threadpool is started before the first switch, and no await ever happens
 * between a switch and its restore.
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { statSync, stat } from 'node:fs';
import * as sys from './sys.js';
import { ClosedError, InvalidArgumentError, NetnsRestoreError, SysError, showValue } from './errors.js';

/** Something that holds a network namespace fd (a `Netns`). */
export interface NetnsHandle {
  /** An open fd of the namespace (fails with a clear error when closed). */
  readonly fd: number;
}

/** The async context set by `execNetns`: nlkit operations inside act in this netns. */
export const netnsContext = new AsyncLocalStorage<NetnsHandle>();

let poolStarted = false;

/**
 * Start the libuv threadpool (it starts lazily, all threads at once) so that none of
 * its threads is ever born inside a foreign netns. Idempotent and cheap.
 */
export function ensureThreadpoolStarted(): void {
  if (poolStarted) return;
  poolStarted = true;
  stat('/', () => undefined);
}

export { NetnsRestoreError };

/** inode of the calling thread's current network namespace. */
export function threadNetnsInode(): number {
  return statSync('/proc/thread-self/ns/net').ino;
}

/** The largest fd number the kernel hands out (fds are C ints; koffi keeps only the low 32 bits of a bigger number). */
export const FD_MAX = 0x7fffffff;

/** `fd` is an integer fd number the kernel could have handed out (0..{@link FD_MAX}). */
export function isFdNumber(fd: unknown): fd is number {
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 && fd <= FD_MAX;
}

/**
 * For the error of a netns argument given as a string: how to open what it names — a path
 * with `Netns.fromPath`, a name with `Netns.getNamed` — else ''. Error path only.
 * @internal
 */
export function netnsStringAdvice(v: unknown): string {
  if (typeof v !== 'string' || v === '') return '';
  return v.includes('/') ? ` (open a netns file with Netns.fromPath(${showValue(v)}))` : ` (open a named netns with Netns.getNamed(${showValue(v)}))`;
}

/**
 * `h.fd` of a netns handle given as argument `arg`: a closed `Netns`'s getter throws
 * ClosedError, which is thrown again naming the argument ('peer.netns (Netns 3) is
 * closed'). The value is returned unchecked.
 * @internal
 */
export function readHandleFd(h: object, arg: string): unknown {
  try {
    return (h as { fd?: unknown }).fd;
  } catch (e) {
    if (e instanceof ClosedError) throw new ClosedError(`${arg} (${e.message.replace(/ is closed$/, '')})`);
    throw e;
  }
}

/**
 * The fd of the netns handle `h`, given as argument `arg`. A closed `Netns` throws
 * ClosedError naming the argument ('target (Netns 4:4026532) is closed'); anything that
 * is not an object with an integer `fd` in 0..2^31-1 is an InvalidArgumentError naming
 * `arg` (or `${arg}.fd`) — a raw fd number included, which would otherwise be read as
 * "no fd" and act where the caller is. The one check of a netns handle argument that
 * src/ns and src/rtnl (nsid) run before they switch, open or send anything.
 * @internal
 */
export function handleFd(h: unknown, arg: string): number {
  if (typeof h === 'number') throw new InvalidArgumentError(arg, `expected a Netns or { fd }, got the number ${showValue(h)} (wrap a raw fd as { fd: ${showValue(h)} })`);
  if (typeof h !== 'object' || h === null) throw new InvalidArgumentError(arg, `expected a Netns or { fd }, got ${showValue(h)}${netnsStringAdvice(h)}`);
  const fd = readHandleFd(h, arg);
  if (!isFdNumber(fd)) throw new InvalidArgumentError(`${arg}.fd`, `expected an open netns fd (an integer 0..${FD_MAX}), got ${showValue(fd)}`);
  return fd;
}

/**
 * Switch the calling thread back to the netns of `home` after a switched call. A failure
 * is a NetnsRestoreError; `callback` is `{ error }` when the call had thrown `error`,
 * which the NetnsRestoreError then carries as its `cause` (and names in its message), so
 * neither failure is lost. Every switch in nlkit restores through this.
 * @internal
 */
export function switchBack(home: number, callback?: { readonly error: unknown }): void {
  try {
    sys.setns(home, sys.CLONE_NEWNET);
  } catch (e) {
    // EPERM: the process could enter the target (its user namespace owns it) but not the
    // original, owned by another user namespace (rootless, `unshare -U -r`). Error path only.
    const why = e instanceof SysError && e.code === 'EPERM'
      ? new SysError('setns', e.errno, undefined, 'switching back needs CAP_SYS_ADMIN over the user namespace that owns the original network namespace, ' +
        'which this process lacks (as in a child user namespace): do the work in a process that enters the netns and stays there (nsenter -t PID -n)')
      : e;
    throw new NetnsRestoreError(why, callback);
  }
}

/**
 * Run `fn` synchronously with the calling thread in the netns of `targetFd`, then
 * switch back (also when `fn` throws). `fn` must not return a Promise: nothing may
 * await while the thread is switched; a Promise (or thenable) returned is refused with
 * an Error after the switch back, and its rejection, if any, is dropped. A failed switch
 * back throws NetnsRestoreError (carrying `fn`'s own error as `cause` when `fn` threw).
 */
export function withThreadNetns<T>(targetFd: number, fn: () => T): T {
  // koffi would throw a bare TypeError for a non-number and pass only the low 32 bits of a
  // big one (2**32 + 3 entered fd 3): check both arguments before anything is opened.
  if (!isFdNumber(targetFd)) {
    throw new InvalidArgumentError('fd', `expected an open netns fd (an integer 0..2147483647), got ${showValue(targetFd)}`);
  }
  if (typeof fn !== 'function') throw new InvalidArgumentError('fn', `expected a function, got ${showValue(fn)}`);
  ensureThreadpoolStarted();
  const self = sys.open('/proc/thread-self/ns/net', sys.O_RDONLY | sys.O_CLOEXEC);
  try {
    try {
      sys.setns(targetFd, sys.CLONE_NEWNET);
    } catch (e) {
      if (e instanceof SysError && e.code === 'EBADF') throw new SysError('setns', e.errno, undefined, `fd ${targetFd} is not an open namespace fd`);
      if (e instanceof SysError && e.code === 'EINVAL') throw new SysError('setns', e.errno, undefined, `fd ${targetFd} is not a network namespace`);
      // `ip netns exec` says only which namespace; the cause is nearly always the capability.
      if (e instanceof SysError && e.code === 'EPERM') throw new SysError('setns', e.errno, undefined, `entering the network namespace of fd ${targetFd} needs CAP_SYS_ADMIN (over the user namespace that owns it)`);
      throw e;
    }
    let result: T;
    try {
      result = fn();
    } catch (e) {
      switchBack(self, { error: e });
      throw e;
    }
    switchBack(self);
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      // The async rest would run with the thread back home. Refuse it, and take the
      // rejection it may end in: left unhandled, it would end the process.
      void Promise.resolve(result).catch(() => undefined);
      throw new Error('nlkit: withThreadNetns callback returned a Promise; it must be synchronous');
    }
    return result;
  } finally {
    sys.close(self);
  }
}

/**
 * The netns fd nlkit operations should act in: the execNetns context's, else undefined
 * (the caller's). A target Netns closed meanwhile is a ClosedError naming it as the
 * execNetns target (the caller of Netns.get() or Rtnl.open() gave no Netns).
 */
export function contextNetnsFd(): number | undefined {
  const store = netnsContext.getStore();
  return store === undefined ? undefined : readHandleFd(store, 'the execNetns target') as number;
}
