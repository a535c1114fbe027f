/**
 * How rtnl names a network namespace without depending on src/ns: anything with an
 * `fd` (a Netns), a raw fd number, or `{ pid }`.
 * @module
 */
import type { MessageWriter } from '../netlink/index.js';
import { IFLA_NET_NS_FD, IFLA_NET_NS_PID } from './constants.js';

export { resolveNetns, type NetnsTarget } from '../netlink/open-in.js';

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
