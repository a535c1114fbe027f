/**
 * Opening a NETLINK_ROUTE socket inside a network namespace: what `Rtnl.open` does, and
 * what an object API uses when it must act in another netns than its handle's (the
 * rollback of `rt.link.addMany` deleting links it created elsewhere). Imports nothing of
 * the handle, so object APIs can use it without an import cycle.
 * @module
 */
import { NETLINK_ROUTE, openSocketIn, type NetlinkSocket, type NetlinkSocketOptions } from '../netlink/index.js';
import { rtnlDescriber } from './describer.js';

/**
 * Open an rtnetlink socket in `target` (a resolved netns: `{ fd }` or `{ pid }`), or,
 * without one, in the netns of the enclosing `execNetns` call, else the calling
 * thread's. Synchronous: the thread is switched in and straight back. The socket gets
 * the rtnetlink describer and strict checking unless `options` say otherwise.
 */
export function openRouteSocket(target: { fd: number } | { pid: number } | undefined, options: NetlinkSocketOptions = {}): NetlinkSocket {
  return openSocketIn(NETLINK_ROUTE, target, { describer: rtnlDescriber, strictCheck: true, ...options });
}
