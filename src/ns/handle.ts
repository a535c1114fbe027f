/**
 * The one check of a netns handle argument (a `Netns`, or anything with an open `fd`)
 * that every function of src/ns runs before it switches or opens anything.
 * @module
 */
import { InvalidArgumentError, showValue } from '../netlink/errors.js';
import { FD_MAX, isFdNumber, netnsStringAdvice, readHandleFd } from '../netlink/netns-switch.js';

/**
 * The fd of the netns handle `h`, given as argument `arg`. A closed `Netns` throws
 * ClosedError naming the argument ('target (Netns 4:4026532) is closed'); anything that
 * is not an object with an integer `fd` in 0..2^31-1 is an InvalidArgumentError naming
 * `arg` (or `${arg}.fd`) — a raw fd number included, which would otherwise be read as
 * "no fd" and act where the caller is.
 * @internal
 */
export function handleFd(h: unknown, arg: string): number {
  if (typeof h === 'number') throw new InvalidArgumentError(arg, `expected a Netns or { fd }, got the number ${showValue(h)} (wrap a raw fd as { fd: ${showValue(h)} })`);
  if (typeof h !== 'object' || h === null) throw new InvalidArgumentError(arg, `expected a Netns or { fd }, got ${showValue(h)}${netnsStringAdvice(h)}`);
  const fd = readHandleFd(h, arg);
  if (!isFdNumber(fd)) throw new InvalidArgumentError(`${arg}.fd`, `expected an open netns fd (an integer 0..${FD_MAX}), got ${showValue(fd)}`);
  return fd;
}
