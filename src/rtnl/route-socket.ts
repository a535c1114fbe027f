/**
 * Opening a NETLINK_ROUTE socket inside a network namespace: what `Rtnl.open` does, and
 * what an object API uses when it must act in another netns than its handle's (the
 * rollback of `rt.link.addMany` deleting links it created elsewhere). Imports nothing of
 * the handle, so object APIs can use it without an import cycle.
 * @module
 */
import { NetlinkSocket, NETLINK_ROUTE, SysError, contextNetnsFd, withThreadNetns, type NetlinkSocketOptions } from '../netlink/index.js';
import * as sys from '../netlink/sys.js';
import { rtnlDescriber } from './describer.js';

/**
 * Open an rtnetlink socket in `target` (a resolved netns: `{ fd }` or `{ pid }`), or,
 * without one, in the netns of the enclosing `execNetns` call, else the calling
 * thread's. Synchronous: the thread is switched in and straight back. The socket gets
 * the rtnetlink describer and strict checking unless `options` say otherwise.
 */
export function openRouteSocket(target: { fd: number } | { pid: number } | undefined, options: NetlinkSocketOptions = {}): NetlinkSocket {
  const opts: NetlinkSocketOptions = { describer: rtnlDescriber, strictCheck: true, ...options };
  const open = (): NetlinkSocket => NetlinkSocket.open(NETLINK_ROUTE, opts);
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
    // As Netns.fromPid says it: a pid without a process is ESRCH, not a missing file.
    if (e instanceof SysError && e.code === 'ENOENT') throw new SysError('open', 3 /* ESRCH */, path, `no process ${target.pid}`);
    throw e;
  }
  try {
    return withThreadNetns(own, open);
  } finally {
    sys.close(own);
  }
}
