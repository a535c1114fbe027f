/**
 * Naming a network namespace and opening a netlink socket of any protocol inside one:
 * what `Rtnl.open` and `Genl.open` share. A target is anything with an `fd` (a Netns), a
 * raw fd number, or `{ pid }`; nothing here depends on src/ns.
 * @module
 */
import { readdirSync, statSync } from 'node:fs';
import { InvalidArgumentError, SysError, showValue } from './errors.js';
import { contextNetnsFd, isFdNumber, netnsContext, netnsStringAdvice, readHandleFd, withThreadNetns } from './netns-switch.js';
import { NetlinkSocket, type NetlinkSocketOptions } from './socket.js';
import * as sys from './sys.js';

/** A network namespace: a `Netns` (or anything with an open `fd`), an fd number, or `{ pid }`. */
export type NetnsTarget = { readonly fd: number } | number | { readonly pid: number };

/** Resolve to `{ fd }` or `{ pid }`; reading `.fd` of a closed Netns throws its ClosedError here, before any send. */
export function resolveNetns(t: unknown, arg = 'netns'): { fd: number } | { pid: number } {
  if (typeof t === 'number') {
    if (!isFdNumber(t)) throw new InvalidArgumentError(arg, `expected a netns fd, got ${showValue(t)}`);
    return { fd: t };
  }
  if (typeof t === 'object' && t !== null) {
    // Read `.fd` first (a Netns: its getter, which throws ClosedError when closed); the
    // `in` checks, which walk the prototype chain, only run for anything else.
    const fd = readHandleFd(t, arg); // a closed Netns: ClosedError naming the argument
    if (fd !== undefined || 'fd' in t) {
      if (!isFdNumber(fd)) throw new InvalidArgumentError(`${arg}.fd`, `expected an open fd, got ${showValue(fd)}`);
      return { fd };
    }
    if ('pid' in t) {
      const pid = (t as { pid: unknown }).pid;
      if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) throw new InvalidArgumentError(`${arg}.pid`, `expected a positive pid, got ${showValue(pid)}`);
      return { pid };
    }
  }
  throw new InvalidArgumentError(arg, `expected a Netns, an fd number or { pid }, got ${showValue(t)}${netnsStringAdvice(t)}`);
}

/**
 * The error for /proc/PID/ns/net answering ENOENT: ESRCH (the process is gone, as
 * Netns.fromPid says it), naming what is known — no process `pid` at all, or one that has
 * exited and is a zombie (its /proc entry stays until its parent reaps it, its namespaces
 * are already gone), or one whose main thread exited while other threads run on (their
 * ids named: each can be opened by its thread id). Error path only.
 * @internal
 */
export function pidWithoutNetns(pid: number, path: string): SysError {
  let exists = false;
  try {
    exists = statSync(`/proc/${pid}`).isDirectory();
  } catch {
    /* no such process */
  }
  if (!exists) return new SysError('open', 3 /* ESRCH */, path, `no process ${pid}`);
  // A leader that called pthread_exit is a zombie too, but its process runs on in its
  // other threads, each of which still has a netns (not necessarily the same one).
  let others: string[] = [];
  try {
    others = readdirSync(`/proc/${pid}/task`).filter((t) => t !== String(pid));
  } catch {
    /* gone meanwhile */
  }
  if (others.length > 0) {
    const shown = others.slice(0, 4).join(', ') + (others.length > 4 ? ', …' : '');
    return new SysError('open', 3 /* ESRCH */, path, `the main thread of process ${pid} has exited, but ${others.length === 1 ? 'another thread still runs' : `${others.length} other threads still run`} (${shown}): open one by its thread id, e.g. Netns.fromPid(${others[0]}) (threads may be in different network namespaces)`);
  }
  return new SysError('open', 3 /* ESRCH */, path, `process ${pid} has exited (a zombie its parent has not reaped yet): it has no network namespace any more`);
}

/**
 * The error for /proc/PID/ns/net answering EACCES (from `syscall`): the kernel's ptrace
 * read check refused this process access to `pid`'s namespaces (another user, a process
 * with a capability this one lacks, or one not dumpable), or /proc's hidepid or an LSM
 * did. Error path only.
 * @internal
 */
export function pidNetnsDenied(pid: number, path: string, errno: number, syscall: string): SysError {
  return new SysError(syscall, errno, path, `no access to the namespaces of process ${pid}: opening them needs ptrace read access to it ` +
    '(the same user, no capability it has that this process lacks, and a dumpable process) or CAP_SYS_PTRACE, as for nsenter -t PID ' +
    "(/proc mounted with hidepid, or a security module's policy, can refuse it too)");
}

/**
 * Open a netlink socket of `protocol` in `target` (a resolved netns: `{ fd }` or
 * `{ pid }`), or, without one, in the netns of the enclosing `execNetns` call, else the
 * calling thread's. Synchronous: the thread is switched in and straight back.
 */
export function openSocketIn(protocol: number, target: { fd: number } | { pid: number } | undefined, opts: NetlinkSocketOptions): NetlinkSocket {
  const open = (): NetlinkSocket => NetlinkSocket.open(protocol, opts);
  if (target === undefined) {
    const fd = contextNetnsFd();
    return fd === undefined ? open() : withThreadNetns(fd, open);
  }
  if ('fd' in target) return withThreadNetns(target.fd, open);
  const path = `/proc/${target.pid}/ns/net`;
  let own: number;
  try {
    own = sys.open(path, sys.O_RDONLY | sys.O_CLOEXEC);
  } catch (e) {
    if (e instanceof SysError && e.code === 'ENOENT') throw pidWithoutNetns(target.pid, path);
    if (e instanceof SysError && e.code === 'EACCES') throw pidNetnsDenied(target.pid, path, e.errno, 'open');
    throw e;
  }
  try {
    return withThreadNetns(own, open);
  } finally {
    sys.close(own);
  }
}

/**
 * Run `open` with the thread in the netns `sockFd` (a socket) works in, read with
 * SIOCGSKNS: a second socket beside a handle's, in its netns whatever became of the
 * Netns it was opened with. SIOCGSKNS needs CAP_NET_ADMIN in that netns: where it is
 * refused, `fallback()` (entering the netns the way the handle was).
 */
export function openBeside<T>(sockFd: number, open: () => T, fallback: () => T): T {
  const nsfd = sys.ioctlNoArg(sockFd, sys.SIOCGSKNS);
  if (nsfd < 0) return fallback();
  try {
    return withThreadNetns(nsfd, open);
  } finally {
    sys.close(nsfd);
  }
}

/**
 * Where a handle's socket was made, to make another there later (a monitor's socket):
 * the netns given, resolved (or the enclosing execNetns target's fd), and the object an
 * fd came from (a Netns closed since may have handed its fd number to another file).
 */
export interface SocketPlace {
  /** The netns given, resolved, or the execNetns target's fd; undefined: the thread's own. */
  readonly target: { fd: number } | { pid: number } | undefined;
  /** The object the fd was read from (a Netns), read again before the fd is reused; undefined for a number or `{ pid }`. */
  readonly holder: object | undefined;
}

/**
 * Open a handle's socket of `protocol` in `netns` (unresolved, as the caller's options
 * gave it; undefined: the enclosing execNetns target's netns, else the thread's), and
 * say where it was made. What `Genl.open` and `Conntrack.open` share.
 * @throws InvalidArgumentError for a bad netns, ClosedError for a closed Netns, SysError.
 */
export function openHandleSocket(protocol: number, netns: unknown, opts: NetlinkSocketOptions): { sock: NetlinkSocket; place: SocketPlace } {
  const target = netns !== undefined ? resolveNetns(netns) : undefined;
  const sock = openSocketIn(protocol, target, opts);
  if (target === undefined) {
    // In an execNetns call: its target, and the Netns it came from (checked before reuse).
    const ctx = netnsContext.getStore();
    return { sock, place: { target: ctx ? { fd: ctx.fd } : undefined, holder: ctx } };
  }
  return { sock, place: { target, holder: typeof netns === 'object' && netns !== null ? netns : undefined } };
}

/**
 * A second socket of `protocol` in the netns of a handle's `sock` (read with SIOCGSKNS;
 * where that is refused, entered the way the handle was, from `place`). `what` names the
 * netns in the error of a Netns closed since. The socket takes `sock`'s onWarning unless
 * `given` names one.
 */
export function openSiblingSocket(sock: NetlinkSocket, place: SocketPlace, protocol: number, given: NetlinkSocketOptions, what: string): NetlinkSocket {
  // The handle's warning handler, unless the caller chose one.
  const opts: NetlinkSocketOptions = given.onWarning === undefined ? { ...given, onWarning: sock.onWarning } : given;
  return openBeside(sock.fd, () => NetlinkSocket.open(protocol, opts), () => {
    if (place.holder !== undefined) readHandleFd(place.holder, what);
    return openSocketIn(protocol, place.target, opts);
  });
}
