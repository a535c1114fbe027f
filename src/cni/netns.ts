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

/**
 * @internal CNI_NETNS opened as {@link openNetns} does, and the caller's (host) netns:
 * should the second fail to open (out of fds), the first is closed before the error
 * is thrown. The caller closes both.
 */
export function openContainerAndHost(path: string): [ns: Netns, host: Netns] {
  const ns = openNetns(path);
  try {
    return [ns, Netns.get()];
  } catch (e) {
    ns.close();
    throw e;
  }
}

/**
 * @internal An Rtnl handle in each of `targets`, opened in order: should one fail to
 * open, those opened already are closed before the error is thrown. The caller closes them.
 */
export function openHandles<T extends readonly Netns[]>(...targets: T): { [K in keyof T]: Rtnl } {
  const out: Rtnl[] = [];
  try {
    for (const t of targets) out.push(Rtnl.open({ netns: t }));
  } catch (e) {
    for (const h of out) h.close();
    throw e;
  }
  return out as { [K in keyof T]: Rtnl };
}

/** @internal What {@link withHostAndContainer} hands its function. */
export interface HostAndContainer {
  /** The caller's (host) netns. */
  readonly host: Netns;
  /** CNI_NETNS, opened. */
  readonly ns: Netns;
  /** A handle in the host netns. */
  readonly rh: Rtnl;
  /** A handle in the container's netns. */
  readonly rc: Rtnl;
}

/**
 * @internal Run `fn` with the host netns, the container's (CNI_NETNS at `path`, opened
 * as {@link openNetns} does) and a handle in each, and close all four when it settles —
 * also when one of them fails to open.
 */
export async function withHostAndContainer<T>(path: string, fn: (h: HostAndContainer) => Promise<T>): Promise<T> {
  const ns = openNetns(path);
  let host: Netns | undefined;
  let rh: Rtnl | undefined;
  let rc: Rtnl | undefined;
  try {
    host = Netns.get();
    rh = Rtnl.open({ netns: host });
    rc = Rtnl.open({ netns: ns });
    return await fn({ host, ns, rh, rc });
  } finally {
    rc?.close();
    rh?.close();
    ns.close();
    host?.close();
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
