/**
 * How rtnl names a network namespace without depending on src/ns: anything with an
 * `fd` (a Netns), a raw fd number, or `{ pid }`.
 * @module
 */
import { InvalidArgumentError, type MessageWriter, showValue } from '../netlink/index.js';
import { isFdNumber, netnsStringAdvice, readHandleFd } from '../netlink/netns-switch.js';
import { IFLA_NET_NS_FD, IFLA_NET_NS_PID } from './constants.js';

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

/** Write IFLA_NET_NS_FD or IFLA_NET_NS_PID for a resolved target. */
export function putNetns(w: MessageWriter, r: { fd: number } | { pid: number }): void {
  if ('fd' in r) w.putU32(IFLA_NET_NS_FD, r.fd);
  else w.putU32(IFLA_NET_NS_PID, r.pid);
}

/**
 * A netns target as an error message names it: a named Netns by its name ('netns blue'),
 * another by its path, else the fd or pid given. Reads only what the caller passed; for
 * error paths.
 */
export function netnsText(given: unknown, resolved: { fd: number } | { pid: number }): string {
  if (typeof given === 'object' && given !== null) {
    const { name, path } = given as { name?: unknown; path?: unknown };
    if (typeof name === 'string') return `netns ${name}`;
    if (typeof path === 'string') return `netns ${path}`;
  }
  return 'fd' in resolved ? `netns fd ${resolved.fd}` : `netns pid ${resolved.pid}`;
}
