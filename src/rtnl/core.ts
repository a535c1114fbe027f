/**
 * What every rtnetlink object API (link, addr, route, neigh, rule) shares: the
 * handle's one socket and link-name resolution.
 * @module
 */
import { InvalidArgumentError, NetlinkError, showValue, type MessageHandler, type NetlinkSocket } from '../netlink/index.js';

/** @internal The part of an Rtnl handle the object APIs use. */
export interface RtnlCore {
  /** The handle's socket (one for the handle's life). */
  readonly sock: NetlinkSocket;
  /** Resolve a link name (or altname) to its ifindex in the handle's netns; ENODEV NetlinkError when missing. */
  linkIndex(ref: string | number, arg?: string): Promise<number>;
  /** A link's ifindex and hardware address length (undefined without one); ENODEV NetlinkError naming `arg` when missing. */
  linkHwAddrLen(ref: string | number, arg: string): Promise<{ index: number; addrLen: number | undefined }>;
  /** The netns the handle acts in, as a message names it ('netns blue', "the caller's netns"); for errors. */
  where?(): string;
  /**
   * The socket asks for strict checking of dump requests (NETLINK_GET_STRICT_CHK, as a
   * handle does unless opened with `strictCheck: false`): the kernel applied a dump's
   * filters. Absent: true.
   */
  readonly strictCheck?: boolean;
}

/**
 * @internal The ifindex of a link given by name or ifindex, checked to exist either way:
 * a name looked up, an ifindex asked for (one GETLINK). For a request that carries an
 * ifindex the kernel answers a missing one with a bare EINVAL or ENODEV naming neither
 * the field nor the index.
 * @throws NetlinkError 'ENODEV' naming `arg` and the netns the handle looked in.
 */
export async function existingLinkIndex(core: RtnlCore, ref: string | number, arg: string): Promise<number> {
  return typeof ref === 'number' ? (await core.linkHwAddrLen(ref, arg)).index : core.linkIndex(ref, arg);
}

/** @internal "'w0' does not exist in netns blue": the hint of a lookup's ENODEV, naming where it looked. */
export function missingLink(core: RtnlCore, arg: string, ref: string | number): string {
  const where = core.where?.();
  return `${arg} ${typeof ref === 'number' ? `ifindex ${ref}` : `'${ref}'`} does not exist${where ? ` in ${where}` : ''}`;
}

/**
 * @internal A GET that the kernel acknowledged without the reply it owes: EPROTO naming the request
 * and the reply that did not come ('EPROTO: Protocol error — no RTM_NEWLINK in the answer
 * (RTM_GETLINK w0)'). Not the caller's input, so not an InvalidArgumentError.
 */
export function noReply(type: number, typeName: string, replyName: string, subject: string): NetlinkError {
  return new NetlinkError(71 /* EPROTO */, { type, typeName, seq: 0, subject }, {}, `no ${replyName} in the answer`);
}

/**
 * The callback of a `forEach` walk (`rt.route.forEach`, `rt.link.forEach`, …): called once
 * per object, synchronously, as the dump is read. Return `false` to stop the walk (the
 * rest of the dump is read and dropped); anything else, or nothing, goes on — so
 * `(r) => routes.push(r)` and `(a) => seen.add(a.index)` walk everything, as with
 * `Array.prototype.forEach`. It must not be an async function: the walk does not await
 * it and rejects if it returns a promise, and a callback whose return type is a promise
 * does not compile (`R`, what the callback returns, is inferred; a promise makes the
 * return type `never`).
 */
export type ForEachCallback<T, R = boolean | void> = (object: T) => R extends PromiseLike<unknown> ? never : R;

/** @internal `forEach(fn)` or `forEach(filter, fn)`: the filter (undefined if none) and the checked callback. */
export function eachArgs<F, T>(a: F | ((object: T) => unknown) | undefined, b: ((object: T) => unknown) | undefined): [F | undefined, (object: T) => unknown] {
  if (typeof a === 'function') {
    if (b !== undefined) throw new InvalidArgumentError('fn', 'give the filter first and the callback second: forEach(filter, fn), or forEach(fn)');
    return [undefined, a as (object: T) => unknown];
  }
  if (typeof b !== 'function') throw new InvalidArgumentError('fn', `expected a callback function, got ${showValue(b)}`);
  return [a, b];
}

/**
 * @internal A forEach walk's decoder: `decode`, and list's filter applied to what it
 * decodes. What the filter drops is declined there, so it never reaches the callback nor
 * the walk's counts (what forEach resolves with, DumpInterruptedError's `delivered`).
 */
export function decodeKept<T>(decode: MessageHandler<T>, keep: ((x: T) => boolean) | undefined): MessageHandler<T> {
  if (keep === undefined) return decode;
  return (buf, v, off, len) => {
    const x = decode(buf, v, off, len);
    return x !== undefined && keep(x) ? x : undefined;
  };
}
