/**
 * Run code "in" a network namespace from Node's single JavaScript thread.
 *
 * A thread's netns can only be switched synchronously: an `await` hands the thread to
 * unrelated callbacks, which must not run in a foreign namespace. So `execNetns` splits
 * the work — the synchronous part of the callback runs with the thread really inside
 * the target; the asynchronous rest runs with the thread back home but with the target
 * carried in an AsyncLocalStorage context that every nlkit operation honours.
 * @module
 */
import * as sys from '../netlink/sys.js';
import { InvalidArgumentError, SysError, showValue } from '../netlink/errors.js';
import { ensureThreadpoolStarted, netnsContext, switchBack, type NetnsHandle } from '../netlink/netns-switch.js';
import { handleFd } from './handle.js';

const THREAD_NS = '/proc/thread-self/ns/net';

/**
 * Switch the calling thread to `target`, call `fn` inside `netnsContext.run(target)`,
 * and switch back to the netns the thread was in at entry — in a `finally`, so also
 * when `fn` throws. Returns whatever `fn` returned (a pending Promise included); with
 * `adopt`, a thenable it returned is adopted by a Promise made inside the context.
 */
function runSwitched<T>(current: NetnsHandle, target: NetnsHandle, fn: () => T, adopt = false): T {
  // Check all three first: a closed Netns (ClosedError), a non-handle or a callback that
  // is not a function (InvalidArgumentError, naming the argument) fail here, before any switch.
  handleFd(current, 'current');
  const targetFd = handleFd(target, 'target');
  if (typeof fn !== 'function') throw new InvalidArgumentError('fn', `expected a function, got ${showValue(fn)}`);
  ensureThreadpoolStarted();
  // Restore to what the thread really was in (normally `current`): after an await the
  // thread is home even when the caller's context says otherwise, and restoring to
  // anything else would leave it in a foreign netns for good.
  const home = sys.open(THREAD_NS, sys.O_RDONLY | sys.O_CLOEXEC);
  try {
    try {
      sys.setns(targetFd, sys.CLONE_NEWNET);
    } catch (e) {
      if (e instanceof SysError && e.code === 'EINVAL') throw new SysError('setns', e.errno, undefined, `target fd ${targetFd} is not a network namespace`);
      if (e instanceof SysError && e.code === 'EBADF') throw new SysError('setns', e.errno, undefined, `target fd ${targetFd} is not an open file descriptor`);
      if (e instanceof SysError && e.code === 'EPERM') throw new SysError('setns', e.errno, undefined, `entering the network namespace of target fd ${targetFd} needs CAP_SYS_ADMIN (over the user namespace that owns it)`);
      throw e;
    }
    let result: T;
    try {
      result = netnsContext.run(target, adopt ? () => adoptInContext(fn()) as T : fn);
    } catch (e) {
      switchBack(home, { error: e }); // a NetnsRestoreError carries e as its cause
      throw e;
    }
    switchBack(home);
    return result;
  } finally {
    sys.close(home);
  }
}

/**
 * Run `fn` in the network namespace `target`, then return to `current`.
 *
 * Exactly what runs where:
 * - The synchronous part of `fn` — everything up to its first `await` — runs with the
 *   calling thread inside `target`. Sockets created there (`net.createServer()
 *   .listen(port)` with no host at all, netlink sockets), files opened under
 *   /proc/sys/net or /proc/thread-self/net, and `child_process.spawnSync`/`execFileSync`
 *   children all belong to `target`. Node makes some sockets only on a later tick,
 *   after the thread is back home, so they are NOT in `target`: `listen(port, host)`
 *   with any host (an IP literal such as '127.0.0.1' or '0.0.0.0' included),
 *   `dgram` `bind()`, `net.connect()`/`http.request()`. Run those in a `netnsWorker`.
 *   Unlike `ip netns exec`, nothing is remounted: /sys/class/net still shows the netns
 *   /sys was mounted in (read links with `Rtnl` or /proc/thread-self/net instead), and
 *   /etc/netns/NAME is not bound over /etc.
 * - At `fn`'s first `await` it returns a Promise; the thread is switched back to the
 *   netns it was in at entry immediately (never across an await), in a `finally`, so
 *   also when `fn` throws synchronously.
 * - The asynchronous rest of `fn` runs with the thread at home, inside an
 *   AsyncLocalStorage context holding `target`: nlkit operations there act in
 *   `target` (`Rtnl.open()` without a netns, `Netns.get()`, the sysctl helpers, a
 *   nested `execNetns`). Plain Node APIs after an await do NOT: a socket created
 *   after an await is in the home netns. Create those that bind synchronously in the
 *   synchronous part (or wrap them in another `execNetns`); the rest in a worker.
 * - Several `execNetns` calls may be in flight at once; each sees its own `target`.
 *
 * `current` names the namespace the caller is in (normally `Netns.get()` taken
 * before); the thread is restored to the netns it was really in when `execNetns` was
 * called, which is `current` whenever the caller is right — and still the safe choice
 * when called after an await inside another `execNetns`. Both handles must be open
 * (ClosedError otherwise, before any switch); anything that is not a netns handle
 * (null, a path string, a raw fd number — wrap it as `{ fd }`) or an `fn` that is not a
 * function is an InvalidArgumentError naming `current`, `target` or `fn`, before any
 * switch. A failed switch back throws
 * NetnsRestoreError (code 'ERR_NLKIT_NETNS_RESTORE'): the thread is stuck in
 * `target` and the process should not continue; when `fn` had thrown synchronously
 * first, its error is the NetnsRestoreError's `cause` and named in its message.
 *
 * Returns a Promise of `fn`'s result; `fn`'s synchronous throw becomes a rejection
 * (after the thread was restored). A thenable `fn` returns (not only a Promise) is
 * adopted inside the context, so its `then()` and what it schedules act in `target` too.
 *
 * Equivalent to: `ip netns exec NAME CMD` (for the synchronous part) / Go's
 * `ns.Do(func)`.
 *
 * @example
 * await execNetns(host, ns, async () => {
 *   const server = net.createServer().listen(8080);   // bound inside ns
 *   const rt = Rtnl.open();                             // netlink socket in ns
 *   await rt.link.set('lo', { up: true });              // still ns, via the context
 * });
 */
export async function execNetns<T>(current: NetnsHandle, target: NetnsHandle, fn: () => T | PromiseLike<T>): Promise<T> {
  return await runSwitched(current, target, fn, true);
}

/**
 * `r`, or — for a thenable — a Promise adopting it, made here, inside the context: an
 * `await` outside would call the thenable's `then()` with no context, so what it runs
 * (a query builder's work, say) would act at home. A native Promise is returned as is.
 */
function adoptInContext<T>(r: T | PromiseLike<T>): T | PromiseLike<T> {
  return r !== null && (typeof r === 'object' || typeof r === 'function') && typeof (r as { then?: unknown }).then === 'function' && !(r instanceof Promise)
    ? Promise.resolve(r)
    : r;
}

/**
 * Synchronous {@link execNetns}: run `fn` (which must not return a Promise) with
 * the thread in `target` and the nlkit context set to `target`, and return its
 * result; the thread is back in its entry netns when this returns or throws.
 *
 * Equivalent to: `ip netns exec NAME CMD` for a synchronous command.
 */
export function execNetnsSync<T>(current: NetnsHandle, target: NetnsHandle, fn: () => T): T {
  const r = runSwitched(current, target, fn);
  if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
    // The thread is already home; the async rest would run in the wrong netns.
    void Promise.resolve(r).catch(() => undefined);
    throw new TypeError('execNetnsSync: fn returned a Promise; use execNetns for async work');
  }
  return r;
}
