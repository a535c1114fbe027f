/**
 * The container's network namespace as a plugin opens it (CNI_NETNS), with the spec's
 * error codes.
 * @module
 */
import { InvalidArgumentError, SysError } from '../netlink/index.js';
import { Netns } from '../ns/index.js';
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
