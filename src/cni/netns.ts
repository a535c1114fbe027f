/**
 * What nlkit's plugins share about the kernel they work on: the container's network
 * namespace as a plugin opens it (CNI_NETNS), with the spec's error codes; a netlink
 * error told by its code; STATUS's check that rtnetlink can be opened.
 * @module
 */
import { InvalidArgumentError, NetlinkError, SysError } from '../netlink/index.js';
import { Netns } from '../ns/index.js';
import { Rtnl } from '../rtnl/handle.js';
import { CNI_ERR, CniError } from './types.js';

/**
 * Open CNI_NETNS: CniError 3 (unknown container) when it does not exist, 4 (invalid
 * environment) when it is not a network namespace. The caller closes it.
 */
export function openNetns(path: string): Netns {
  try {
    return Netns.fromPath(path);
  } catch (e) {
    if (e instanceof SysError && e.code === 'ENOENT') throw new CniError(CNI_ERR.UNKNOWN_CONTAINER, 'container network namespace does not exist', `CNI_NETNS=${path}: no such file`);
    if (e instanceof InvalidArgumentError || e instanceof SysError) throw new CniError(CNI_ERR.INVALID_ENV, 'invalid CNI_NETNS', `CNI_NETNS=${path}: ${e.message}`);
    throw e;
  }
}

/**
 * @internal CNI_NETNS as a DEL opens it: undefined when there is none or it is gone
 * (nothing left to undo there: success for DEL); any other failure to open it is added
 * to `errors`, which DEL reports after doing the rest (IPAM's release included).
 */
export function openNetnsForDel(path: string | undefined, errors: Error[]): Netns | undefined {
  if (path === undefined) return undefined;
  try {
    return openNetns(path);
  } catch (e) {
    if (!(e instanceof CniError && e.code === CNI_ERR.UNKNOWN_CONTAINER)) errors.push(e as Error);
    return undefined;
  }
}

/** @internal True when `e` is a NetlinkError with errno name `code` ('ENODEV', 'EEXIST'…). */
export function isNetlinkErrno(e: unknown, code: string): boolean {
  return e instanceof NetlinkError && e.code === code;
}

/** @internal STATUS: CniError 50 (plugin not available) when no rtnetlink socket can be opened here. */
export function checkRtnl(): void {
  try {
    Rtnl.open().close();
  } catch (e) {
    throw new CniError(CNI_ERR.PLUGIN_NOT_AVAILABLE, 'cannot open rtnetlink', (e as Error).message);
  }
}
